#!/bin/sh
# The official postgres image's contract, for Debian's PostgreSQL: on first start, initdb
# with POSTGRES_USER as superuser and its password from POSTGRES_PASSWORD(_FILE), create
# POSTGRES_DB, accept password logins from any address; then run `postgres ARGS` as postgres.
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
    if [ "$db" != postgres ]; then
      echo "CREATE DATABASE \"$db\" OWNER \"$user\";" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "docker-entrypoint: initialized $PGDATA (user $user, database $db)" >&2
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi

exec "$@"
