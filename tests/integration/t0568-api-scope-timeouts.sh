#!/bin/sh
# Bill-run totals by scope, and the server under slow clients and long requests:
# - a user of one subtree sees a run of every org with the totals of its bills in their subtree
#   (bills, in review, money, energy), in the list and by id; the whole tree sees the run's own;
# - a client that sends half a request and stalls is cut off by server.connection_timeout_s
#   (logged as 408) while other clients are served meanwhile;
# - a bill run request that takes longer than that timeout (PMIS_TEST_BILL_PAUSE_MS holds its
#   write transaction open, test builds only) still gets its reply, and reads are answered while
#   it runs.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    "$PMIS" user add m_hz --org HZ --roles manager >/dev/null 2>&1 &&
    "$PMIS" user add m_nb --org NB --roles manager >/dev/null 2>&1 &&
    "$PMIS" user add boss --all-orgs --roles administrator >/dev/null 2>&1 &&
    tk_hz=$("$PMIS" token add t_hz --user m_hz --perms bill:read 2>/dev/null) &&
    tk_nb=$("$PMIS" token add t_nb --user m_nb --perms bill:read 2>/dev/null) &&
    tk_all=$("$PMIS" token add t_all --user boss --perms bill:read,bill:run 2>/dev/null) ||
    { not_ok "set up"; done_testing; exit 1; }
printf '%s\n' meter,read_on,source,total M1,2024-12-15,remote,150 M2,2024-12-15,remote,260 \
    M3,2024-12-15,remote,370 >"$T/r12.csv"
"$PMIS" import readings "$T/r12.csv" >/dev/null 2>&1 || { not_ok "December readings"; done_testing; exit 1; }

serve_start PMIS_SERVER_CONNECTION_TIMEOUT_S=2 PMIS_TEST_BILL_PAUSE_MS=3000
run_id=$(sql "SELECT id FROM bill_run")
totals='[.bills, .in_review, .total, .energy_kwh]'
for who in hz:'[2,0,"300.00","300.00"]' nb:'[1,0,"300.00","300.00"]' all:'[3,0,"600.00","600.00"]'; do
    name=${who%%:*} want=${who#*:}
    eval "tk=\$tk_$name"
    req GET /api/v1/bill-runs -H "Authorization: Bearer $tk"
    check "run list as $name: the totals of its subtree ($want)" \
        test "$status $(jq -c ".items[0] | $totals" "$T/body")" = "200 $want"
    req GET "/api/v1/bill-runs/$run_id" -H "Authorization: Bearer $tk"
    check "the run by id as $name: the same totals" \
        test "$status $(jq -c "$totals" "$T/body")" = "200 $want"
done
check "the stored totals are the whole run's" \
    test "$(sql "SELECT accounts || ' ' || total_fen FROM bill_run WHERE id = $run_id")" = "3 60000"

# --- a slow client: half a request, then silence ---
cat >"$T/slow.py" <<'END'
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port))
s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 60\r\n\r\n{\"username\":")
t0 = time.monotonic()
s.settimeout(20)
try:
    data = s.recv(4096)
    how = "closed" if not data else "answered " + data.split(b"\r\n")[0].decode()
except socket.timeout:
    how = "still open"
except ConnectionResetError:
    how = "closed"
print(how, round(time.monotonic() - t0, 1))
END
python3 "$T/slow.py" 127.0.0.1 "${B##*:}" >"$T/slow.out" 2>&1 &
slow_pid=$!
sleep 0.3
served=0
i=0
while [ $i -lt 10 ]; do
    req GET /healthz
    [ "$status" = 200 ] && served=$((served + 1))
    i=$((i + 1))
done
check "while the slow client stalls, other clients are served (10 of 10)" test "$served" = 10
check "the slow client was still connected then" kill -0 "$slow_pid"
wait "$slow_pid"
check "the server closed the stalled connection after the timeout ($(cat "$T/slow.out"))" \
    grep -qE '^closed ([1-9]|1[0-9])\.[0-9]$' "$T/slow.out"
check "the access log records it as 408" \
    grep -qE '"path":"/api/v1/auth/login",.*"status":408,' "$T/serve.log"

# --- a bill run request longer than the connection timeout ---
curl -s -o "$T/run.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $tk_all" -H "$JSON" \
    -d '{"period":"2024-12"}' "$B/api/v1/bill-runs" >"$T/run.status" &
run_pid=$!
i=0 # until the run has started (a loaded machine may take a while)
while [ $i -lt 100 ] && [ "$(sql "SELECT COUNT(*) FROM bill_run WHERE status = 'running'")" != 1 ]; do
    sleep 0.05
    i=$((i + 1))
done
req GET /api/v1/bill-runs -H "Authorization: Bearer $tk_hz"
check "reads are answered while the run holds its transaction" test "$status" = 200
check "the run is in progress meanwhile" test "$(jq -r '.items[0].status' "$T/body")" = running
req GET /metrics
check "and /metrics shows it" grep -q '^pmis_bill_run_accounts_billed{run="2",period="2024-12"}' "$T/body"
wait "$run_pid"
check "the run's request, longer than the timeout, gets its reply (201)" test "$(cat "$T/run.status")" = 201
check "with the run's totals" \
    test "$(jq -c '[.run, .bills, .total]' "$T/run.body")" = '[2,3,"180.00"]'
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0

done_testing
