#!/bin/sh
# demo.sh — what `make demo` runs after building: a fresh demo utility in demo/pmis.db
# (key file demo/pmis.keys), then a summary. Later capabilities extend this script.
set -eu
cd "$(dirname "$0")/.."
mkdir -p demo
rm -f demo/pmis.db demo/pmis.db-wal demo/pmis.db-shm demo/pmis.keys
export PMIS_DB="sqlite:demo/pmis.db" PMIS_KEYS_FILE="demo/pmis.keys" PMIS_CONFIG=/dev/null
pmis=build/pmis
$pmis init
$pmis --as demo calendar import data/calendar/cn-2025.csv
$pmis --as demo demo --customers "${DEMO_CUSTOMERS:-5000}"
echo
echo "The demo database is demo/pmis.db (keys: demo/pmis.keys). Try:"
echo "  export PMIS_DB=sqlite:demo/pmis.db PMIS_KEYS_FILE=demo/pmis.keys"
echo "  $pmis org tree"
echo "  $pmis customer search --name 有限公司"
sample=$($pmis customer search --limit 1 | head -n 1 | cut -d" " -f1)
echo "  $pmis customer show $sample"
echo "  $pmis customer history $sample"
echo "  $pmis audit verify"
