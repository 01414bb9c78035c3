#!/usr/bin/env bash
# `npm run test:all`: every test tier on Debian 12, as root. Installs the Debian packages the
# tools, e2e and compose-up tiers need (test/tiers/requirements.ts lists them per tier), then
# runs the typecheck and all four vitest projects in one run, so the last line is one
# `N passed, N failed` for all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive NO_COLOR=1 CDK8S_CHECK_UPGRADE=false

die() { printf 'test:all: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (apt-get install, mount namespaces, rootful podman). 'npm test' needs Node only."
. /etc/os-release
[ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] || die "needs Debian 12 (this is ${PRETTY_NAME:-unknown}). 'npm test' needs Node only."

# tools tier: nginx -t, docker-compose config, promtool (package prometheus), openssl, unshare.
# e2e tier: PostgreSQL, Redis, PgBouncer, Prometheus and the reference backend's Python stack.
pkgs=(nginx docker-compose openssl util-linux ca-certificates procps strace
  prometheus pgbouncer postgresql redis-server
  prometheus-postgres-exporter prometheus-redis-exporter prometheus-pgbouncer-exporter
  python3-fastapi python3-uvicorn python3-sqlalchemy python3-psycopg2 python3-redis python3-prometheus-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# compose-up tier: podman, a debootstrap base image and stand-in images (idempotent).
bash scripts/compose-up/setup.sh

npm run typecheck
# The planner sweep (npm run test:planner) needs a quiet machine to itself; see README.
npx vitest run --project unit --project tools --project e2e --project compose-up
