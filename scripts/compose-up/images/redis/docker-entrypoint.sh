#!/bin/sh
# The official redis image's entrypoint (docker-library/redis 7.2, alpine and debian alike),
# with setpriv where the official image uses su-exec/gosu:
# - a first argument that is an option (`-`, `--port`) or `*.conf` means `redis-server ARGS`;
# - only a command that starts with `redis-server`, run as root, chowns the working
#   directory (/data) to redis and re-runs itself as the redis user. Anything else
#   (`sh -c …`) runs as the container's user, root by default;
# - protected mode is turned off unless a config file given as the second argument sets it;
# - umask 0077 when the inherited one is 0022.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
	doProtectedMode=1
	if [ -f "${2:-}" ] && grep -q '^protected-mode' "$2"; then
		doProtectedMode=
	fi
	if [ "$doProtectedMode" = 1 ]; then
		set -- "$@" --protected-mode no
	fi
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
