#!/bin/sh
# bench/web-budget.sh — the web UI's login-page budget (issue 7 §4): compressed JavaScript and
# first meaningful paint on localhost. Needs build/pmis and build/web (`make all web`), Node.js
# with web/node_modules and /usr/bin/chromium (`sh tools/web.sh browser`). Starts `pmis serve`
# on a throwaway database on 127.0.0.1, runs bench/web-budget.mjs, stops it. Asserts nothing.
#   BENCH_BIN=build  BENCH_WEB_RUNS=7
set -eu
cd "$(dirname "$0")/.."
bin=${BENCH_BIN:-build}
work=$(mktemp -d "${TMPDIR:-/tmp}/pmis-web-bench.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
export PMIS_DB="sqlite:$work/pmis.db" PMIS_KEYS_FILE="$work/pmis.keys" PMIS_CONFIG=/dev/null
"$bin/pmis" init --no-admin >/dev/null 2>&1
PMIS_SERVER_WEB_DIR="$(pwd)/build/web" "$bin/pmis" serve --listen 127.0.0.1:0 2>"$work/serve.log" &
pid=$!
i=0
port=""
while [ -z "$port" ] && [ $i -lt 100 ]; do
    sleep 0.05
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$work/serve.log")
    i=$((i + 1))
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
PMIS_WEB_BASE="http://127.0.0.1:$port" node bench/web-budget.mjs
