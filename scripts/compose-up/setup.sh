#!/usr/bin/env bash
# Prepares this machine for the compose-up tier (test/compose-up): podman + docker-compose,
# a Debian base image made with debootstrap (no container registry is reachable), and
# stand-in images tagged with the public names the synthesized docker-compose.yml uses.
#
# Idempotent: packages are installed when missing, the base image is built when missing,
# and a stand-in is rebuilt only when its build context (or the base image) changed.
# Needs root (apt-get, debootstrap, rootful podman). See scripts/compose-up/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export CONTAINERS_CONF="$here/containers.conf"
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
BASE=localhost/debian-min:bookworm
STATE=${SCALEOUT_COMPOSE_UP_STATE:-/var/tmp/scaleout-compose-up}
LABEL=io.scaleout.standin-hash

# name of the stand-in -> image name in the compose file (the synthesized reference stack).
declare -A IMAGES=(
  [postgres]=postgres:16.10-alpine
  [redis]=redis:7.2.11-alpine
  [nginx]=nginx:1.28.0-alpine
  [backend]=ghcr.io/uns/backend:5.4.1
)

log() { printf '[compose-up setup +%ss] %s\n' "$SECONDS" "$*"; }
die() { printf '[compose-up setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (apt-get install, debootstrap, rootful podman); run: sudo bash $0"
mkdir -p "$STATE"

# --- 1. packages ------------------------------------------------------------------------
pkgs=(podman runc netavark aardvark-dns catatonit iptables docker-compose debootstrap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. base image ------------------------------------------------------------------------
# The Debian mirror this machine already uses (deb822 first, then the one-line format).
mirror() {
  local m=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

if ! podman image exists "$BASE"; then
  m=$(mirror)
  log "debootstrap bookworm from $m -> $BASE"
  rootfs=$(mktemp -d /var/tmp/scaleout-debootstrap.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$m" >"$STATE/debootstrap.log" 2>&1; then
    tail -n 40 "$STATE/debootstrap.log" >&2
    die "debootstrap failed (log: $STATE/debootstrap.log)"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi
base_id=$(podman image inspect --format '{{.Id}}' "$BASE")

# --- 3. stand-in images -------------------------------------------------------------------
# Every name podman may look the image up by: compat (Docker) clients ask for
# docker.io/library/NAME, podman's own short-name tag is localhost/NAME.
tags_for() {
  local name=$1 first=${1%%/*}
  if [[ $name == */* && ( $first == *.* || $first == *:* || $first == localhost ) ]]; then
    echo "$name"
  elif [[ $name == */* ]]; then
    echo "docker.io/$name localhost/$name"
  else
    echo "docker.io/library/$name localhost/$name"
  fi
}

build_standin() {
  local standin=$1 image=${IMAGES[$1]} ctx
  ctx=$(mktemp -d /var/tmp/scaleout-standin-ctx.XXXXXX)
  cp -a "$here/images/$standin/." "$ctx/"
  if [ "$standin" = backend ]; then
    for f in app.py work.py worker.py migrate.py; do
      [ -f "$repo/examples/backend/$f" ] || die "examples/backend/$f is missing: the backend stand-in runs it"
      cp "$repo/examples/backend/$f" "$ctx/$f"
    done
  fi
  local hash
  hash=$( { echo "$base_id"; cd "$ctx" && find . -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-32)
  local tags up_to_date=1 t
  read -r -a tags <<<"$(tags_for "$image")"
  for t in "${tags[@]}"; do
    [ "$(podman image inspect --format "{{ index .Labels \"$LABEL\" }}" "$t" 2>/dev/null || true)" = "$hash" ] || up_to_date=0
  done
  if ((up_to_date)); then
    rm -rf "$ctx"
    return
  fi
  local old
  old=$(podman image inspect --format '{{.Id}}' "${tags[0]}" 2>/dev/null || true)
  log "building $image (stand-in: images/$standin)"
  local args=(build --network=host --label "$LABEL=$hash")
  for t in "${tags[@]}"; do args+=(-t "$t"); done
  if ! podman "${args[@]}" "$ctx" >"$STATE/build-$standin.log" 2>&1; then
    tail -n 40 "$STATE/build-$standin.log" >&2
    rm -rf "$ctx"
    die "building the $standin stand-in failed (log: $STATE/build-$standin.log)"
  fi
  rm -rf "$ctx"
  # Drop the image this build replaced, unless something still uses it.
  if [ -n "$old" ] && [ "$old" != "$(podman image inspect --format '{{.Id}}' "${tags[0]}")" ]; then
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
}

for standin in postgres redis nginx backend; do
  build_standin "$standin"
done
log "ready: $BASE and stand-ins for ${IMAGES[*]}"
