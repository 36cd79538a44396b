# A throwaway PostgreSQL server for CI, on loopback, from Debian's packages.
# Sourced by .ci/run: `pg_start` exports DATABASE_URL; `pg_stop` stops it and deletes its data.
# It uses its own data directory and port, so a PostgreSQL already on the machine is untouched.

PG_PORT=${PG_PORT:-54329}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  if ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq postgresql > /dev/null
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$(mktemp -d /tmp/archive-ci-postgres.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync > /dev/null
  # fsync off: the data is thrown away after the run, and it halves the suite's time.
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off" > /dev/null
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE archive LOGIN CREATEDB PASSWORD 'archive'" \
    -c "CREATE DATABASE archive OWNER archive"
  export DATABASE_URL="postgres://archive:archive@127.0.0.1:$PG_PORT/archive"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null || true
    rm -rf "$PG_DIR"
  fi
}
