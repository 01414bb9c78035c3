#!/usr/bin/env bash
# Runs the README's Node-only commands (`npm ci && npx cdk8s synth && npm test`) on a fresh clone,
# as an unprivileged user, in a mount namespace where the tools of the other tiers are absent:
# nginx, promtool/prometheus, docker-compose, podman, PostgreSQL, Redis, PgBouncer, openssl,
# Python and the exporters are hidden with overlayfs whiteouts, so they are not even on disk.
# It proves `npm test` needs Node and the npm registry only.
#
#   sudo bash scripts/node-only.sh            # clones this checkout's HEAD
#   sudo bash scripts/node-only.sh -- npm test  # another command in the clone
#
# Needs root only to build the namespace; the commands run as uid 65534 (nobody).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "node-only: needs root to build the mount namespace" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
cmd='npm ci --no-audit --no-fund && npx cdk8s synth && npm test'
if [ "${1:-}" = -- ]; then shift; cmd="$*"; fi

work=$(mktemp -d /tmp/scaleout-node-only.XXXXXX)
chmod 0755 "$work"
git clone -q "$repo" "$work/repo"
mkdir -p "$work/home"
chown -R 65534:65534 "$work/repo" "$work/home"

# One overlay per directory; a character device 0:0 in the upper layer is a whiteout.
hide=(
  /usr/sbin/nginx /usr/sbin/pgbouncer
  /usr/bin/promtool /usr/bin/prometheus /usr/bin/prometheus-postgres-exporter
  /usr/bin/prometheus-redis-exporter /usr/bin/prometheus-pgbouncer-exporter
  /usr/bin/docker-compose /usr/bin/podman /usr/bin/openssl
  /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/redis-benchmark
  /usr/bin/psql /usr/bin/pg_ctlcluster /usr/bin/pg_lsclusters /usr/bin/pg_createcluster
  /usr/bin/python3 /usr/bin/python3.11 /usr/bin/uvicorn
  /usr/lib/postgresql
)
script="set -e"
declare -A idx=()
for p in "${hide[@]}"; do
  [ -e "$p" ] || continue
  d=$(dirname "$p")
  if [ -z "${idx[$d]:-}" ]; then
    idx[$d]=${#idx[@]}
    o="$work/ovl${idx[$d]}"
    mkdir -p "$o/upper" "$o/work"
    script+="; mount -t overlay overlay -o lowerdir=$d,upperdir=$o/upper,workdir=$o/work $d"
  fi
  mknod "$work/ovl${idx[$d]}/upper/$(basename "$p")" c 0 0
done

# The inner script runs as nobody with a clean environment: it checks the tools are gone, then runs.
cat > "$work/inner.sh" <<INNER
set -e
for t in nginx promtool docker-compose podman psql postgres redis-server pgbouncer openssl python3; do
  if command -v \$t >/dev/null; then echo "node-only: \$t is still visible" >&2; exit 1; fi
done
[ ! -e /usr/lib/postgresql ] || { echo "node-only: /usr/lib/postgresql is still visible" >&2; exit 1; }
echo "node-only: as uid \$(id -u): nginx, promtool, docker-compose, podman, postgres, redis, pgbouncer, openssl and python3 are absent"
cd "$work/repo"
$cmd
INNER
chmod 0755 "$work/inner.sh"
script+="; exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$work/home CI=true NO_COLOR=1 CDK8S_CHECK_UPGRADE=false bash $work/inner.sh"
echo "node-only: $work/repo, as uid 65534: $cmd"
unshare -m --propagation private bash -c "$script"
