#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on 127.0.0.1 in a temporary folder.
#
#   eval "$(.ci/pg.sh start)"    # prints `export TELAAH_TEST_PG_URL=postgresql+psycopg://...`
#   pytest --backend postgresql tests/store
#   .ci/pg.sh stop               # stops the cluster and removes its folder
#
# The cluster's folder is named in $TELAAH_PG_DIR (default: /tmp/telaah-pg-$USER). It uses the
# newest server in /usr/lib/postgresql/*/bin (Debian's `postgresql` package) or, failing that,
# the initdb/pg_ctl on the PATH. Run as root, the server runs as the `postgres` system user
# (created if missing; the folder must then be one it can reach, as under /tmp). Trust
# authentication on loopback only, fsync off: a test server, never a team's database.
# $TELAAH_PG_OPTS adds server options after those (`-c name=value ...`; a later one wins), as
# bench/scale_pg_bench.py does to tune a cluster for a benchmark.
set -euo pipefail

DIR="${TELAAH_PG_DIR:-/tmp/telaah-pg-$(id -un)}"

bindir() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then
        echo "$found"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    else
        echo "!! no PostgreSQL server found (initdb, pg_ctl): apt-get install postgresql" >&2
        exit 1
    fi
}

as_owner() {  # run a server program as the cluster's owner: never root
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local bin port
    bin="$(bindir)"
    if [ -f "$DIR/url" ] && as_owner "$bin/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
        echo "export TELAAH_TEST_PG_URL=$(cat "$DIR/url")"
        return
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR"; fi
    as_owner "$bin/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    port="$(free_port)"
    # Tests only: nothing has to survive a crash, so no fsync.
    as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start -o \
        "-h 127.0.0.1 -p $port -k $DIR -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=200 ${TELAAH_PG_OPTS:-}" >/dev/null \
        || { cat "$DIR/server.log" >&2; exit 1; }
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres" >"$DIR/url"
    echo "export TELAAH_TEST_PG_URL=$(cat "$DIR/url")"
}

stop() {
    if [ -d "$DIR/data" ]; then
        as_owner "$(bindir)/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop  (folder: \$TELAAH_PG_DIR, default $DIR)" >&2; exit 2 ;;
esac
