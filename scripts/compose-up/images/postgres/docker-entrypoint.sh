#!/bin/sh
# The official postgres image's contract, for Debian's PostgreSQL: on first start (an empty
# PGDATA), initdb with POSTGRES_USER as the superuser and its password from
# POSTGRES_PASSWORD(_FILE), create POSTGRES_DB, run /docker-entrypoint-initdb.d, accept
# password logins from any address; then, as root, re-run `postgres ARGS` as the postgres
# user (setpriv where the official image uses gosu/su-exec), so the server never runs as root.
set -eu

if [ "${1:-}" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
      password=$(cat "$POSTGRES_PASSWORD_FILE")
    else
      password=${POSTGRES_PASSWORD:-}
    fi
    if [ -z "$password" ]; then
      echo "docker-entrypoint: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
      exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$password" > "$pwfile"
    chown postgres "$pwfile"
    as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
    as_postgres initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" \
      --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    # As the official image: a temporary server on the Unix socket only, POSTGRES_DB created,
    # then every /docker-entrypoint-initdb.d file in name order (*.sh executed, or run with sh when not executable; *.sql
    # and *.sql.gz through psql as POSTGRES_USER), then the server stops. Only on an empty
    # data directory: a volume that already holds a cluster skips all of this.
    as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start >/dev/null
    export POSTGRES_USER="$user" POSTGRES_DB="$db" PGHOST=/var/run/postgresql
    if [ "$db" != postgres ]; then
      as_postgres psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user" --dbname postgres -qc "CREATE DATABASE \"$db\" OWNER \"$user\";"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      [ -e "$f" ] || continue
      case "$f" in
        *.sh)
          if [ -x "$f" ]; then echo "docker-entrypoint: running $f" >&2; as_postgres env POSTGRES_USER="$user" POSTGRES_DB="$db" PGHOST=/var/run/postgresql "$f"
          else echo "docker-entrypoint: running $f with sh" >&2; as_postgres env POSTGRES_USER="$user" POSTGRES_DB="$db" PGHOST=/var/run/postgresql sh -e "$f"; fi ;;
        *.sql) echo "docker-entrypoint: running $f" >&2; as_postgres psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user" --dbname "$db" -qf "$f" ;;
        *.sql.gz) echo "docker-entrypoint: running $f" >&2; gunzip -c "$f" | as_postgres psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user" --dbname "$db" -q ;;
        *) echo "docker-entrypoint: ignoring $f" >&2 ;;
      esac
    done
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "docker-entrypoint: initialized $PGDATA (user $user, database $db)" >&2
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi

exec "$@"
