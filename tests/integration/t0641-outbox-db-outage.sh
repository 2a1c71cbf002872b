#!/bin/sh
# The delivery worker outlives a database outage (issue 6 §7): a long-running `pmis outbox
# deliver` posting to a local HTTP sink (tests/tools/http_sink) while the database goes away —
# SQLite locked by another process holding an exclusive transaction longer than the busy
# timeout, PostgreSQL the worker's connection killed with pg_terminate_backend — once while a
# POST is in flight (its outcome cannot be recorded) and once while the worker is idle. The
# worker logs the error, backs off and carries on: it stays up, records the in-flight message
# as sent without posting it again, and delivers what is queued after the outage; the gateway
# sees every message exactly once.
. "$PMIS_TOP/tests/integration/lib.sh"

export PMIS_NOW=2024-07-01T10:00:00+08:00
cust() { "$PMIS" customer add --cust-no "$1" --name "$2" --type resident --voltage 220V --address 文三路 --org ZJ-HZ --phone "$3" >/dev/null; }
acct() { "$PMIS" account add "$1" --tariff RES-1 --cycle-day 5 >/dev/null; }
"$PMIS" init >/dev/null 2>&1 &&
    load_tariffs RES-1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    cust 6400000001 王一 13800000001 && acct 6400000001 &&
    cust 6400000002 王二 13800000002 && acct 6400000002 &&
    cust 6400000003 王三 13800000003 && acct 6400000003 ||
    { not_ok "set up an org, customers and accounts"; done_testing; exit 1; }

SINK="$(dirname "$PMIS")/tools/http_sink"
pids=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done' EXIT
"$SINK" --port-file "$T/sink.port" --log "$T/sink.log" --delay-ms 2000 &
pids="$!"
i=0
while [ ! -s "$T/sink.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
touch "$T/sink.log"
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$(cat "$T/sink.port")/sms" PMIS_GATEWAY_POLL_MS=100

sent() { sql "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"; }
# wait_for CMD VALUE [TENTHS]: until $(CMD) prints VALUE (default up to 40 s)
wait_for() {
    i=0
    while [ "$($1 2>/dev/null)" != "$2" ] && [ $i -lt "${3:-400}" ]; do sleep 0.1; i=$((i + 1)); done
}
requests() { wc -l <"$T/sink.log" | tr -d ' '; }
# outage: make the database unavailable to the worker
if [ "$PMIS_BACKEND" = sqlite ]; then
    db=${PMIS_TEST_DB#sqlite:}
    # an exclusive transaction held for 9 s, longer than the worker's 5 s busy timeout; the
    # outage starts once another writer is refused
    locked() { ! printf 'BEGIN IMMEDIATE;\nROLLBACK;\n' | sqlite3 -batch -bail "$db" >/dev/null 2>&1; }
    outage() {
        printf '.timeout 5000\nBEGIN EXCLUSIVE;\nDELETE FROM outbox WHERE 0;\n.system sleep 9\nCOMMIT;\n' |
            sqlite3 -batch "$db" >/dev/null 2>"$T/locker.err" &
        locker=$!
        i=0
        while ! locked && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    }
    outage_end() { wait $locker; }
    what="locked by another process"
else
    # the worker's session is the one holding its slot's advisory lock
    outage() {
        sql "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()" >"$T/killed"
    }
    outage_end() { :; }
    what="its connection killed"
fi

expect_ok "an outage: 3 notices queued" outage add --kind temporary --org ZJ-HZ \
    --from 2024-07-01T20:00 --to 2024-07-01T23:00 --reason 紧急消缺
"$PMIS" outbox deliver --batch 1 >"$T/worker.out" 2>"$T/worker.err" &
worker=$!
pids="$pids $worker"

# ---- 1. the database goes away while a POST is in flight ----
wait_for requests 1
check "the gateway has the first POST (answered after 2 s)" test "$(requests)" = 1
outage
[ "$PMIS_BACKEND" = pg ] && check "the worker's session was killed" test "$(cat "$T/killed")" = 1
outage_end
wait_for sent 3
check "after the database ($what) came back, all three were sent" test "$(sent)" = 3
check "the worker is still running" kill -0 $worker
check "it logged the database error and backed off" grep -q "outbox: outbox-worker-1: database error .*trying again in" "$T/worker.err"
check "the in-flight message's outcome was recorded when the database came back" \
    grep -q "outbox: message 1 posted before the database failure is on record now, not posted again" "$T/worker.err"
check "and it was not posted again: 3 requests, 3 keys" \
    test "$(requests) $(awk -F '\t' '$2 == "ok" {print $3}' "$T/sink.log" | sort -u | wc -l | tr -d ' ')" = "3 3"
check "one attempt each" test "$(sql "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND attempts = 1")" = 3
check "no claim left" test "$(sql "SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL")" = 0

# ---- 2. the database goes away while the worker is idle ----
outage
sleep 1
outage_end
export PMIS_NOW=2024-07-02T00:10:00+08:00
expect_ok "closing the outage queues 3 restoration notices" outage close 1 --note 消缺完成
wait_for sent 6
check "the worker delivered them after the second outage" test "$(sent)" = 6
check "still running" kill -0 $worker
[ "$PMIS_BACKEND" = pg ] && check "it reconnected and took its slot again" \
    grep -q "lock 'outbox-worker-1' was lost with the connection .* and is taken again" "$T/worker.err"
kill -TERM $worker
wait $worker; rw=$?
check "it stops on SIGTERM" test "$rw" = 0
check "having sent 6" grep -q "outbox-worker-1: 6 sent, 0 to retry, 0 dead" "$T/worker.out"
check "the gateway saw 6 requests, each key once, no duplicate" \
    test "$(requests) $(awk -F '\t' '$2 == "ok" {print $3}' "$T/sink.log" | sort -u | wc -l | tr -d ' ') $(grep -c '	dup	' "$T/sink.log")" = "6 6 0"
check "every message sent with one attempt" \
    test "$(sql "SELECT COUNT(*) FROM outbox_attempt WHERE outcome = 'sent'") $(sql "SELECT COUNT(*) FROM outbox_attempt")" = "6 6"

done_testing
