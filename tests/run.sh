#!/bin/sh
# run.sh — the whole suite, as `make test` runs it: unit tests (cmocka, TAP output) and
# integration tests (tests/integration/tNNNN-*.sh against the real binary), for the build
# variants build/test (fault injection) and build/asan (ASan + UBSan), each on SQLite and on a
# throwaway PostgreSQL cluster (unix socket only). Unit tests that use the database (they
# include tests/unit/testdb.h or read PMIS_TEST_DB) run per backend; the others once per
# variant. Then the web UI's tests (tests/web/run.sh): Vitest, OpenAPI validation and the
# browser journeys in chromium.
# Each suite's line shows its seconds. With -j 2 (or PMIS_TEST_JOBS=2) the backends run side by
# side, one lane each (SQLite and PostgreSQL); the lines of the two lanes interleave.
# Ends with one line: "N passed, N failed".
#   tests/run.sh [-v] [-j 1|2] [-k PATTERN] [-b sqlite|pg] [-V test|asan]
set -u
cd "$(dirname "$0")/.."
top=$(pwd)

verbose=0 pattern="" backends="sqlite pg" variants="test asan" jobs=${PMIS_TEST_JOBS:-1}
while [ $# -gt 0 ]; do
    case "$1" in
    -v) verbose=1 ;;
    -j) jobs="$2"; shift ;;
    -k) pattern="$2"; shift ;;
    -b) backends="$2"; shift ;;
    -V) variants="$2"; shift ;;
    *) echo "usage: tests/run.sh [-v] [-j 1|2] [-k PATTERN] [-b BACKENDS] [-V VARIANTS]" >&2; exit 64 ;;
    esac
    shift
done
case "$jobs" in
1|2) ;;
*) echo "tests/run.sh: -j takes 1 or 2 (lanes), not '$jobs'" >&2; exit 64 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/pmis-test.XXXXXX")
chmod 755 "$work"
pgdir="$work/pg"
lane1=""
# every suite's counts go to $work/totals ("OK NOK") and a failed suite's label to
# $work/failures: lanes run in subshells, so the totals cannot live in shell variables
: >"$work/totals"
: >"$work/failures"

cleanup() {
    [ -n "$lane1" ] && kill "$lane1" 2>/dev/null
    [ -d "$pgdir" ] && sh tests/pg.sh stop "$pgdir" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

case " $backends " in
*" pg "*)
    if ! sh tests/pg.sh start "$pgdir" >"$work/pg-start.log" 2>&1; then
        cat "$work/pg-start.log" >&2
        echo "could not start the throwaway PostgreSQL cluster" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    ;;
esac

# fresh_db BACKEND SEQ -> prints a database URL for one test (the caller bumps dbseq: this
# runs in a command-substitution subshell)
fresh_db() {
    if [ "$1" = pg ]; then
        sh tests/pg.sh createdb "$pgdir" "t$2"
    else
        mkdir -p "$work/sqlite/$2"
        echo "sqlite:$work/sqlite/$2/pmis.db"
    fi
}

# count_tap LABEL FILE [SECONDS]: add ok / not ok lines of FILE to the totals
count_tap() {
    ok=$(grep -c '^ok ' "$2")
    nok=$(grep -c '^not ok ' "$2")
    echo "$ok $nok" >>"$work/totals"
    if [ "$nok" -gt 0 ] || [ "$verbose" = 1 ]; then
        grep '^not ok ' "$2" | sed "s|^|  $1: |" >&2
    fi
    if [ "$nok" -gt 0 ]; then
        echo "  $1" >>"$work/failures"
        [ "$verbose" = 1 ] || tail -n 40 "$2" | sed 's/^/    | /' >&2
    fi
    printf '%-48s %4d passed %4d failed %5ss\n' "$1" "$ok" "$nok" "${3:-0}"
}

# run_one LABEL LOG CMD...: run, and count a crash or non-TAP failure as one failure
run_one() {
    label="$1" log="$2"
    shift 2
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log"; then
        echo "not ok - $label exited with status $rc" >>"$log"
    fi
    count_tap "$label" "$log" $(($(date +%s) - t0))
}

# lane BACKENDS FIRST: every variant's unit and integration tests on BACKENDS, then the web
# tests; FIRST=1 for the lane that also runs the tests that use no database (once per variant)
# and Vitest. Database numbers count per lane: with two lanes each has its own backend, so the
# names (PostgreSQL databases, SQLite directories) never meet.
lane() {
backends="$1" first="$2" dbseq=0
for v in $variants; do
    bin="$top/build/$v"
    [ -x "$bin/pmis" ] || { echo "missing $bin/pmis: run make test" >&2; exit 1; }
    for t in "$bin"/tests/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        [ -n "$pattern" ] && case "$name" in *$pattern*) ;; *) continue ;; esac
        if grep -qE 'testdb.h|PMIS_TEST_DB' "tests/unit/$name.c" 2>/dev/null; then
            for b in $backends; do
                dbseq=$((dbseq + 1))
                url=$(fresh_db "$b" "$dbseq") || { echo "not ok - createdb" >"$work/x-$b"; count_tap "$v/$b/$name" "$work/x-$b"; continue; }
                run_one "$v/$b/$name" "$work/$v-$b-$name.log" \
                    env CMOCKA_MESSAGE_OUTPUT=TAP PMIS_TEST_DB="$url" TMPDIR="$work" "$t"
            done
        elif [ "$first" = 1 ]; then
            run_one "$v/$name" "$work/$v-$name.log" \
                env CMOCKA_MESSAGE_OUTPUT=TAP TMPDIR="$work" "$t"
        fi
    done
    for s in tests/integration/t[0-9]*.sh; do
        [ -f "$s" ] || continue
        name=$(basename "$s" .sh)
        [ -n "$pattern" ] && case "$name" in *$pattern*) ;; *) continue ;; esac
        for b in $backends; do
            dbseq=$((dbseq + 1))
            url=$(fresh_db "$b" "$dbseq")
            tdir="$work/it-$v-$b-$name"
            mkdir -p "$tdir"
            run_one "$v/$b/$name" "$tdir.log" \
                env PMIS="$bin/pmis" PMIS_TEST_DB="$url" PMIS_BACKEND="$b" TMPDIR="$tdir" \
                PMIS_TOP="$top" PMIS_PGDIR="$pgdir" sh "$s"
        done
    done
done

# The web UI (tests/web/run.sh): Vitest once; then, with the first variant's binary, the
# OpenAPI validation and the browser journeys on each backend. `-k web` runs only these.
web_label="web/vitest"
if [ -z "$pattern" ] || case "$web_label web-browser" in *$pattern*) true ;; *) false ;; esac; then
    v=${variants%% *}
    if [ "$first" = 1 ]; then
        tdir="$work/web-units"
        mkdir -p "$tdir"
        run_one "$web_label" "$tdir.log" env PMIS="$top/build/$v/pmis" PMIS_TEST_DB=none \
            PMIS_BACKEND=none TMPDIR="$tdir" PMIS_TOP="$top" sh tests/web/run.sh units
    fi
    for b in $backends; do
        dbseq=$((dbseq + 1))
        url=$(fresh_db "$b" "$dbseq")
        tdir="$work/web-$v-$b"
        mkdir -p "$tdir"
        run_one "$v/$b/web-browser" "$tdir.log" \
            env PMIS="$top/build/$v/pmis" PMIS_TEST_DB="$url" PMIS_BACKEND="$b" TMPDIR="$tdir" \
            PMIS_TOP="$top" PMIS_PGDIR="$pgdir" sh tests/web/run.sh browser
    done
fi

}

for v in $variants; do
    [ -x "$top/build/$v/pmis" ] || { echo "missing $top/build/$v/pmis: run make test" >&2; exit 1; }
done
started=$(date +%s)
if [ "$jobs" = 2 ] && [ "$backends" != "${backends#* }" ]; then
    lane "${backends%% *}" 1 &
    lane1=$!
    lane "${backends#* }" 0
    wait "$lane1"
else
    lane "$backends" 1
fi

passed=$(awk '{ s += $1 } END { print s + 0 }' "$work/totals")
failed=$(awk '{ s += $2 } END { print s + 0 }' "$work/totals")
if [ -s "$work/failures" ]; then
    echo "failed suites:" >&2
    cat "$work/failures" >&2
fi
echo "in $(($(date +%s) - started)) s, $jobs lane(s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
