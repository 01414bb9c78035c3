#!/bin/sh
# The official redis image's entrypoint (docker-library/redis 7.2, alpine and debian alike),
# with setpriv where the official image uses su-exec/gosu:
# - a first argument that is an option (`-`, `--port`) or `*.conf` means `redis-server ARGS`;
# - only a command that starts with `redis-server`, run as root, chowns the working
#   directory (/data) to redis and re-runs itself as the redis user. Anything else
#   (`sh -c …`) runs as the container's user, root by default;
# - protected mode is turned off (`--protected-mode no` inserted right after `redis-server`
#   and its config file) unless a config file given as the second argument sets it;
# - umask 0077 when the inherited one is 0022.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# Where the official script puts the option matters: right after `redis-server` (after the
# config file when the second argument is one), so a trailing `-` (config on stdin) stays last.
if [ "$1" = 'redis-server' ]; then
	conf=
	if [ -f "${2:-}" ]; then
		conf="$2"
	fi
	if [ -z "$conf" ] || ! grep -q '^protected-mode' "$conf"; then
		shift
		if [ -n "$conf" ]; then
			shift
			set -- redis-server "$conf" --protected-mode no "$@"
		else
			set -- redis-server --protected-mode no "$@"
		fi
	fi
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
