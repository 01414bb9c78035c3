#!/usr/bin/env bash
# Runs the healthchecks of one compose project's containers, because podman schedules them
# with systemd timers and there is no systemd here: without this, `condition:
# service_healthy` waits forever.
#
# Every INTERVAL seconds it looks at the running containers of PROJECT and runs
# `podman healthcheck run` (in parallel) for each one that is not healthy yet, or whose last
# passing check is HEALTHY_INTERVAL seconds old: fast while things start, light once they
# run (each check is a podman exec, and this machine has 2 cores). One line per run goes to LOG:
#
#   <start ms> <end ms> <container name> <exit code: 0 healthy, 1 failing, other: no check>
#
# Usage: healthcheck-ticker.sh PROJECT LOG [INTERVAL [HEALTHY_INTERVAL]]. Runs until killed
# (by its pid). podman must see the same CONTAINERS_CONF as the API service.
set -u
project=$1
log=$2
interval=${3:-2}
healthy_ms=$(( ${4:-10} * 1000 ))
state="$log.state"
rm -rf "$state"
mkdir -p "$state"

now_ms() { date +%s%3N; }

check() {
  local id=$1 name=$2 start rc end
  start=$(now_ms)
  podman healthcheck run "$id" >/dev/null 2>&1
  rc=$?
  end=$(now_ms)
  echo "$rc $end" >"$state/$id"
  echo "$start $end $name $rc" >>"$log"
}

while :; do
  now=$(now_ms)
  while read -r id name; do
    [ -n "$id" ] || continue
    if [ -f "$state/$id" ]; then
      read -r rc end <"$state/$id"
      if [ "$rc" = 0 ] && [ $((now - end)) -lt "$healthy_ms" ]; then
        continue
      fi
    fi
    check "$id" "$name" &
  done < <(podman ps --filter "label=com.docker.compose.project=$project" --format '{{.ID}} {{.Names}}' 2>/dev/null)
  wait
  sleep "$interval"
done
