#!/bin/sh
# pg.sh start DIR | createdb DIR NAME | stop DIR — a throwaway PostgreSQL cluster for tests.
# It listens only on the unix socket DIR/.s.PGSQL.5432 (no TCP), keeps its data in DIR/data and
# logs to DIR/log; fsync is off. createdb prints the new database's URL. As root the server
# runs as the `postgres` user (initdb and pg_ctl refuse root), so DIR must be reachable by it.
set -eu

usage() {
    echo "usage: pg.sh start DIR | createdb DIR NAME | stop DIR" >&2
    exit 64
}

die() {
    echo "pg.sh: $*" >&2
    exit 1
}

bindir() {
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
        best=$d
    done
    [ -n "${best:-}" ] || die "no PostgreSQL server found under /usr/lib/postgresql/*/bin"
    echo "$best"
}

# run CMD... as the cluster's owner
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

run_initdb() {
    as_owner "$BIN/initdb" -D "$dir/data" --auth=trust -E UTF8 "$@" >"$dir/initdb.log" 2>&1
}

owner_name() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
BIN=$(bindir)

case "$cmd" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ${#dir} -le 90 ] || die "'$dir' is too long for a unix socket path"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (install postgresql)"
        chown postgres "$dir"
        runuser -u postgres -- test -w "$dir" ||
            die "'$dir' is not reachable by user 'postgres' (check its parent directories)"
    fi
    if [ -f "$dir/data/postmaster.pid" ] &&
        as_owner "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        exit 0 # already running
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        run_initdb --locale=C.UTF-8 || run_initdb --locale=C || die "initdb failed, see $dir/initdb.log"
        cat >>"$dir/data/postgresql.conf" <<EOF

# tests/pg.sh: unix socket only, speed over durability
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    fi
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null ||
        die "cannot start PostgreSQL, see $dir/log"
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p 5432 -U "$(owner_name)" -d template1 \
        -c 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null ||
        die "cannot create extension pg_trgm in template1"
    ;;
createdb)
    [ $# -eq 3 ] || usage
    name=$3
    dir=$(cd "$dir" && pwd)
    user=$(owner_name)
    "$BIN/createdb" -h "$dir" -p 5432 -U "$user" "$name" || die "cannot create database '$name'"
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p 5432 -U "$user" -d "$name" \
        -c 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null ||
        die "cannot create extension pg_trgm in '$name'"
    echo "postgresql:///$name?host=$dir&user=$user"
    ;;
stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
        die "cannot stop PostgreSQL in '$dir'"
    ;;
*)
    usage
    ;;
esac
