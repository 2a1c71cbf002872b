#!/bin/sh
# run.sh deps               install clang and its libFuzzer runtime if missing (not in deps/
#                           debian.txt: clang pulls in ~150 MB of LLVM that `make test` never needs)
# run.sh BUILD [SECONDS]    run every BUILD/fuzz/fuzz_* for SECONDS (20) from the seeds in
#                           tests/fuzz/corpus/<name> (with tests/fuzz/<name>.dict if there is
#                           one), growing BUILD/fuzz-corpus/<name>; prints one
#                           line per target and exits 1 if any target found a failure.
# Crash inputs go to BUILD/fuzz-crashes/<name>-crash-<sha1>, logs to BUILD/fuzz-logs/<name>.log.
# Replay one with: BUILD/fuzz/fuzz_<name> BUILD/fuzz-crashes/<file>
set -eu
cd "$(dirname "$0")/../.."

if [ "${1:-}" = deps ]; then
    missing=""
    for p in clang libclang-rt-14-dev; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing="$missing $p"
        fi
    done
    [ -z "$missing" ] && exit 0
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing:$missing" >&2
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
    exit 0
fi

build=${1:?usage: run.sh deps | run.sh BUILD [SECONDS]}
secs=${2:-20}
mkdir -p "$build/fuzz-corpus" "$build/fuzz-crashes" "$build/fuzz-logs"
failed=0
for bin in "$build"/fuzz/fuzz_*; do
    case "$bin" in *.d) continue ;; esac
    [ -x "$bin" ] || continue
    t=$(basename "$bin")
    name=${t#fuzz_}
    work="$build/fuzz-corpus/$name"
    log="$build/fuzz-logs/$name.log"
    mkdir -p "$work"
    seeds="tests/fuzz/corpus/$name"
    [ -d "$seeds" ] || seeds=""
    dict=""
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    rc=0
    "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-crashes/$name-" $dict "$work" $seeds >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    units=$(find "$work" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        printf '%-14s ok      %10s runs %7s/s  corpus %5s  %ss\n' "$t" "${runs:-?}" \
            "${rate:-?}" "$units" "$secs"
    else
        failed=1
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        why=$(grep -m 1 -E 'invariant failed|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' \
            "$log" || true)
        printf '%-14s FAILED  %s\n               input: %s (log %s)\n' "$t" "${why:-exit $rc}" \
            "${crash:-none}" "$log"
    fi
done
exit $failed
