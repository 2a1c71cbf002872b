#!/bin/sh
# The authorisation matrix, generated from src/api/routes.def: every route × every built-in role
# (a user in the HZ subtree) × an object of the own subtree and one of another (NB), plus no
# session, an expired session and a write without its CSRF token — each with its exact status.
# Rules: public routes answer 200 to anyone; others 401 without a valid session; 403 when the
# role lacks the route's permission (or a cookie write lacks X-CSRF-Token); else 200 (201 for a
# create) in the own subtree and 404 in the other. The login, logout and password routes change
# sessions themselves and are covered by t0500-api. Write routes get a valid body each
# (body_for); a reversal and a waiver are approved by u_approver, a manager, with a password,
# and each role reverses its own payment (a receipt reverses once). Bill runs are per org (HZ,
# NB) so a run is an object of one subtree; review decisions go to unissued bills of 2025-06.
# Collections: accounts 100000000002..05 of HZ carry an open disconnection order each, one per
# role that may close one; 06 and 07 are ready to be disconnected (administrator, manager).
# Reminders run over every org: every HZ user gets 403 (whole_tree). Archive writes: each role
# that may (customer:write) closes its own meterless customer, installs the meter it created
# on its own meterless account, replaces it by its own stock meter and removes that (routes.def
# lists install, replace, remove in that order). Users and tokens (user:admin): m_hz and its token
# tk_hz in HZ, m_nb and tk_nb in NB; the administrator disables, enables and re-roles m_hz and
# revokes tk_hz (routes.def order), and gets 404 for NB's.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

roles="administrator manager billing_clerk cashier service_agent field_crew analyst auditor"
cur_role=auditor
pw=Mx7qWz3kPt
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" customer add --name 张三 --type resident --voltage 220V --address 杭州 --org HZ \
        --phone 13812345678 --opened 2024-01-05 >/dev/null &&
    "$PMIS" customer add --name 李四 --type resident --voltage 220V --address 宁波 --org NB \
        --phone 13900001111 --opened 2024-01-05 >/dev/null &&
    "$PMIS" account add 1000000000 --tariff BJ-RES --cycle-day 15 --opened 2024-01-05 >/dev/null &&
    "$PMIS" account add 1000000001 --tariff BJ-RES --cycle-day 15 --opened 2024-01-05 >/dev/null &&
    "$PMIS" meter add M-1 --model DDZY71 --phases 1 >/dev/null &&
    "$PMIS" meter add M-2 --model DDZY71 --phases 1 >/dev/null &&
    "$PMIS" meter install M-1 --account 100000000001 --date 2024-01-05 >/dev/null &&
    "$PMIS" meter install M-2 --account 100000000101 --date 2024-01-05 >/dev/null &&
    for k in 2 3 4 5 6 7; do
        "$PMIS" account add 1000000000 --account-no 10000000000$k --tariff BJ-RES --cycle-day 15 \
            --opened 2024-01-05 >/dev/null &&
            "$PMIS" meter add M-1$k --model DDZY71 --phases 1 >/dev/null &&
            "$PMIS" meter install M-1$k --account 10000000000$k --date 2024-01-05 >/dev/null &&
            printf 'M-1%s,2025-04-15,remote,100\nM-1%s,2025-05-15,remote,200\n' $k $k >>"$T/r2.csv" ||
            exit 1
    done &&
    printf '%s\n' meter,read_on,source,total M-1,2025-04-15,remote,100 M-1,2025-05-15,remote,400 \
        M-2,2025-04-15,remote,100 M-2,2025-05-15,remote,300 M-1,2025-06-15,remote,500 \
        M-2,2025-06-15,remote,400 >"$T/r.csv" && cat "$T/r2.csv" >>"$T/r.csv" &&
    "$PMIS" import readings "$T/r.csv" >/dev/null &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    PMIS_NOW=2025-06-01T02:00:00Z "$PMIS" bill run --period 2025-05 --org HZ >/dev/null &&
    PMIS_NOW=2025-06-01T02:00:00Z "$PMIS" bill run --period 2025-05 --org NB >/dev/null &&
    PMIS_NOW=2025-06-01T02:00:00Z "$PMIS" bill issue 1 --due-date 2025-06-16 >/dev/null &&
    PMIS_NOW=2025-06-01T02:00:00Z "$PMIS" bill issue 2 --due-date 2025-06-16 >/dev/null &&
    PMIS_NOW=2025-07-01T02:00:00Z "$PMIS" bill run --period 2025-06 --org HZ >/dev/null &&
    PMIS_NOW=2025-07-01T02:00:00Z "$PMIS" bill run --period 2025-06 --org NB >/dev/null &&
    "$PMIS" fees accrue >/dev/null &&
    for a in 100000000001 100000000002 100000000003 100000000004 100000000005 100000000006 \
        100000000007 100000000101; do
        PMIS_NOW=2025-08-01T02:00:00Z "$PMIS" disconnect notice $a >/dev/null || exit 1
    done &&
    for r in administrator manager service_agent; do
        "$PMIS" --json customer add --name 销户$r --type resident --voltage 220V --address 杭州 \
            --org HZ --opened 2024-01-05 | jq -r .cust_no >"$T/$r.cust" &&
            "$PMIS" --json account add 1000000000 --tariff BJ-RES --cycle-day 15 \
                --opened 2024-01-05 | jq -r .account_no >"$T/$r.acct2" &&
            "$PMIS" meter add "MY-$(echo $r | tr _ -)" --model DDZY71 --phases 1 >/dev/null ||
            exit 1
    done &&
    for a in 100000000002 100000000003 100000000004 100000000005 100000000101; do
        PMIS_NOW=2025-08-20T02:00:00Z "$PMIS" disconnect approve $a --approver u_approver \
            >/dev/null || exit 1
    done &&
    echo "$pw" | "$PMIS" user add u_approver --org HZ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add m_hz --org HZ --roles cashier --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add m_nb --org NB --roles cashier --password-stdin >/dev/null &&
    "$PMIS" token add tk_hz --user m_hz --perms customer:read >/dev/null 2>&1 &&
    "$PMIS" token add tk_nb --user m_nb --perms customer:read >/dev/null 2>&1 &&
    "$PMIS" --json role list >"$T/roles.json" ||
    { not_ok "set up"; done_testing; exit 1; }
# the open orders: 1..4 of HZ for the roles that close orders, 5 of NB
order_other=$(sql "SELECT o.id FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '100000000101'")
for r in $roles; do
    echo 0 >"$T/$r.order"
    echo 100000000001 >"$T/$r.acct"
    [ -f "$T/$r.cust" ] || echo 1000000000 >"$T/$r.cust"
done
check "meterless customers and accounts for the archive writes" \
    test "$(cat "$T/service_agent.cust" "$T/service_agent.acct2" | grep -c '^[0-9]')" = 2
k=2
for r in administrator manager cashier field_crew; do
    sql "SELECT o.id FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '10000000000$k'" >"$T/$r.order"
    k=$((k + 1))
done
echo 100000000006 >"$T/administrator.acct"
echo 100000000007 >"$T/manager.acct"
check "open disconnection orders in each subtree" test -n "$order_other" -a "$(cat "$T/field_crew.order")" != 0
for r in $roles expired; do
    role=$r
    [ "$r" = expired ] && role=auditor
    echo "$pw" | "$PMIS" user add "u_$r" --org HZ --roles "$role" --password-stdin >/dev/null ||
        not_ok "add user u_$r"
done

bill_own=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '100000000001' AND b.period = '2025-05'")
bill_other=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '100000000101' AND b.period = '2025-05'")
draft_own=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '100000000001' AND b.period = '2025-06'")
draft_other=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '100000000101' AND b.period = '2025-06'")
check "an unissued bill in each subtree" test -n "$draft_own" -a -n "$draft_other"
check "a bill in each subtree" test -n "$bill_own" -a -n "$bill_other"
billno_own=$(sql "SELECT bill_no FROM bill WHERE id = $bill_own")
billno_other=$(sql "SELECT bill_no FROM bill WHERE id = $bill_other")
# a payment in each subtree, and one of the own subtree per role for it to reverse
receipt() { "$PMIS" --json pay "$1" 1.00 | jq -r .receipt; }
rcpt_other=$(receipt 100000000101)
for r in $roles; do echo "$(receipt 100000000001)" >"$T/$r.rcpt"; done
rcpt_own=$(cat "$T/auditor.rcpt")
check "issued bills with late fees, payments in each subtree" \
    test -n "$billno_own" -a "$rcpt_other" != null -a "$rcpt_own" != null \
    -a "$(sql "SELECT MIN(fee_fen) FROM receivable")" -gt 100

serve_start
for r in $roles expired; do
    login "u_$r" "$pw" "$r.jar"
    [ "$status" = 200 ] || not_ok "login u_$r"
    echo "$csrf" >"$T/$r.csrf"
done
sql "UPDATE auth_session SET last_seen_at = 0 WHERE user_id = (SELECT id FROM app_user WHERE username = 'u_expired')"

# route rows: METHOD PATTERN PERMISSION FLAGS (flags without blanks)
awk -F, '/^ROUTE\(/ { sub(/^ROUTE\(/, ""); sub(/\)[ \t]*$/, ""); gsub(/[ \t"]/, "");
    print $1, $2, $4, $5 }' "$PMIS_TOP/src/api/routes.def" >"$T/routes"
check "routes.def parsed" test "$(wc -l <"$T/routes")" -ge 16

# has_perm ROLE PERM_X: whether the built-in role holds the permission
has_perm() {
    [ "$2" = PERM_ANY ] && return 0
    p=$(echo "${2#PERM_}" | tr 'A-Z' 'a-z' | sed 's/_/:/')
    jq -e --arg r "$1" --arg p "$p" \
        '.[] | select(.code == $r) | .permissions | split(",") | index($p)' \
        "$T/roles.json" >/dev/null
}

# path PATTERN SIDE: the pattern with an object of the own (own) or the other (other) subtree
path_for() {
    case "$1" in
    /api/v1/customers/*/close) id=$(cat "$T/$cur_role.cust") other=1000000001 ;;
    /api/v1/customers/*) id=1000000000 other=1000000001 ;;
    /api/v1/meters/*/install | /api/v1/meters/*/replace) id=MX-$(echo $cur_role | tr _ -) other=M-2 ;;
    /api/v1/meters/*/remove) id=MY-$(echo $cur_role | tr _ -) other=M-2 ;;
    /api/v1/payments/*/reverse) id=$(cat "$T/$cur_role.rcpt") other=$rcpt_other ;;
    /api/v1/payments/*) id=$rcpt_own other=$rcpt_other ;;
    /api/v1/accounts/*/disconnect) id=$(cat "$T/$cur_role.acct") other=100000000101 ;;
    /api/v1/accounts/*) id=100000000001 other=100000000101 ;;
    /api/v1/orders/*) id=$(cat "$T/$cur_role.order") other=$order_other ;;
    /api/v1/meters/*) id=M-1 other=M-2 ;;
    /api/v1/bills/*/review) id=$draft_own other=$draft_other ;;
    /api/v1/bills/*) id=$bill_own other=$bill_other ;;
    /api/v1/bill-runs/*) id=1 other=2 ;;
    /api/v1/users/*) id=m_hz other=m_nb ;;
    /api/v1/tokens/*) id=tk_hz other=tk_nb ;;
    *) id=x other=x ;;
    esac
    [ "$2" = other ] && id=$other
    p=$(echo "$1" | sed "s/{id}/$id/; s/{field}/phone/; s/{code}/BJ-RES/")
    case "$p" in */pii/*) p="$p?reason=matrix" ;; */arrears/rate) p="$p?period=2025-05" ;; esac
    echo "$p"
}

# call METHOD PATH SIDE JAR [CSRF]: sets $status
call() {
    set -- "$1" "$2" "$3" "$4" "${5:-}"
    org=HZ
    [ "$3" = other ] && org=NB
    set -- "$1" "$2" "$3" "$4" "$5"
    auth=""
    [ -n "$4" ] && auth="-b $T/$4"
    acct=100000000001 billno=$billno_own
    [ "$3" = other ] && acct=100000000101 billno=$billno_other
    approval="\"reason\":\"matrix\",\"approver\":\"u_approver\",\"approver_password\":\"$pw\""
    body=""
    case "$1 $2" in
    "POST /api/v1/payments") body="{\"account\":\"$acct\",\"amount\":\"1.00\"}" ;;
    "POST /api/v1/payments/"*/reverse) body="{$approval}" ;;
    "POST /api/v1/cashier/close" | "POST /api/v1/fees/accrue") body="{}" ;;
    "POST /api/v1/fees/waive") body="{\"bill\":\"$billno\",\"amount\":\"0.01\",$approval}" ;;
    "POST /api/v1/tariffs") body=$(cat "$PMIS_TOP/data/tariffs/beijing-resident.json") ;;
    "POST /api/v1/tariffs/quote") body='{"tariff":"BJ-RES","period":"2025-05","kwh":"100"}' ;;
    "POST /api/v1/bill-runs") body="{\"period\":\"2025-06\",\"org\":\"$org\",\"dry_run\":true}" ;;
    "POST /api/v1/bill-runs/"*/review) body='{"action":"approve","reason":"spike"}' ;;
    "POST /api/v1/bill-runs/"*/issue) body='{}' ;;
    "POST /api/v1/bills/"*/review) body='{"action":"approve"}' ;;
    "POST /api/v1/bills/"*/adjust) body='{"kwh":"250","reason":"matrix"}' ;;
    "POST /api/v1/reminders/run" | "POST /api/v1/accounts/"*/notice) body='{}' ;;
    "POST /api/v1/accounts/"*/disconnect) body="{\"approver\":\"u_approver\",\"approver_password\":\"$pw\"}" ;;
    "POST /api/v1/orders/"*/done) body='{"note":"matrix"}' ;;
    "POST /api/v1/orgs") body="{\"code\":\"C-$(echo $cur_role | tr _ -)\",\"name\":\"矩阵\",\"level\":\"county\",\"parent\":\"$org\"}" ;;
    "PATCH /api/v1/customers/"*) body="{\"address\":\"杭州市矩阵路 $cur_role\"}" ;;
    "POST /api/v1/customers/"*/close) body='{}' ;;
    "POST /api/v1/accounts") body="{\"cust_no\":\"$( [ "$3" = other ] && echo 1000000001 || echo 1000000000)\",\"tariff_code\":\"BJ-RES\",\"cycle_day\":15}" ;;
    "POST /api/v1/meters") body="{\"asset_no\":\"MX-$(echo $cur_role | tr _ -)\",\"model\":\"DDZY71\",\"phases\":1}" ;;
    "POST /api/v1/meters/"*/install) body="{\"account\":\"$(cat "$T/$cur_role.acct2" 2>/dev/null)\"}" ;;
    "POST /api/v1/meters/"*/replace) body="{\"new_meter\":\"MY-$(echo $cur_role | tr _ -)\"}" ;;
    "POST /api/v1/meters/"*/remove) body='{}' ;;
    "POST /api/v1/users/"*/roles) body='{"roles":"cashier,auditor"}' ;;
    "POST /api/v1/users/"* | "POST /api/v1/tokens/"*) body='{}' ;;
    esac
    csv=""
    case "$1 $2" in
    "POST /api/v1/readings/import") csv=$(printf 'meter,read_on,source,total\nM-1,2025-05-15,remote,400\n') ;;
    "POST /api/v1/intervals/import") csv=$(printf 'meter,ts,kwh\nM-1,2025-05-10 00:00,0.5\n') ;;
    esac
    if [ -n "$csv" ]; then
        # shellcheck disable=SC2086
        req POST "$2" $auth -H "Content-Type: text/csv" ${5:+-H "X-CSRF-Token: $5"} --data-binary "$csv"
    elif [ "$1 $2" = "POST /api/v1/payments/import" ]; then
        # shellcheck disable=SC2086
        req POST "$2" $auth -H "Content-Type: text/csv" ${5:+-H "X-CSRF-Token: $5"} \
            --data-binary "$(printf 'H,MATRIX-1,2025-06-20\nD,MX-1,%s,1.00\nT,1,1.00\n' $acct)"
    elif [ -n "$body" ]; then
        # shellcheck disable=SC2086
        req "$1" "$2" $auth -H "$JSON" ${5:+-H "X-CSRF-Token: $5"} -d "$body"
    elif [ "$1" = POST ]; then
        # shellcheck disable=SC2086
        req POST "$2" $auth -H "$JSON" ${5:+-H "X-CSRF-Token: $5"} \
            -d "{\"name\":\"矩阵\",\"user_type\":\"resident\",\"voltage\":\"220V\",\"address\":\"某路\",\"org\":\"$org\"}"
    else
        # shellcheck disable=SC2086
        req GET "$2" $auth
    fi
}

bad=0 total=0
while read -r method pattern perm flags; do
    case "$pattern" in /api/v1/auth/login | /api/v1/auth/logout | /api/v1/auth/password) continue ;; esac
    public=0 write=0 sided=0
    case "$flags" in *R_PUBLIC*) public=1 ;; esac
    case "$flags" in *R_WRITE*) write=1 ;; esac
    case "$pattern" in *"{id}"*) sided=1 ;; esac
    case "$method $pattern" in
    "POST /api/v1/customers" | "POST /api/v1/payments" | "POST /api/v1/fees/waive") sided=1 ;;
    "POST /api/v1/bill-runs" | "POST /api/v1/orgs" | "POST /api/v1/accounts") sided=1 ;;
    esac
    ok_status=200 whole_tree=0
    case "$method $pattern" in "POST /api/v1/reminders/run") whole_tree=1 ;; esac
    case "$method $pattern" in
    "POST /api/v1/accounts/{id}/disconnect" | "POST /api/v1/orgs" | "POST /api/v1/accounts") ok_status=201 ;;
    "POST /api/v1/meters") ok_status=201 ;;
    esac
    case "$method $pattern" in
    "POST /api/v1/customers" | "POST /api/v1/payments" | "POST /api/v1/bills/{id}/adjust") ok_status=201 ;;
    esac
    # no session, expired session
    for who in none expired; do
        jar=""
        [ "$who" = expired ] && jar=expired.jar
        call "$method" "$(path_for "$pattern" own)" own "$jar" "$(cat "$T/expired.csrf")"
        want=401
        [ $public = 1 ] && want=200
        total=$((total + 1))
        [ "$status" = "$want" ] || { bad=$((bad + 1)); echo "# $method $pattern $who: $status, expected $want"; }
    done
    for r in $roles; do
        cur_role=$r
        for side in own other; do
            [ $sided = 0 ] && [ $side = other ] && continue
            call "$method" "$(path_for "$pattern" $side)" $side "$r.jar" "$(cat "$T/$r.csrf")"
            if [ $public = 1 ]; then
                want=200
            elif ! has_perm "$r" "$perm"; then
                want=403
            elif [ $whole_tree = 1 ]; then
                want=403
            elif [ $side = other ]; then
                want=404
            else
                want=$ok_status
            fi
            total=$((total + 1))
            [ "$status" = "$want" ] || { bad=$((bad + 1)); echo "# $method $pattern $r $side: $status, expected $want"; }
            if [ $write = 1 ] && [ $public = 0 ]; then
                call "$method" "$(path_for "$pattern" own)" own "$r.jar"
                want=403
                total=$((total + 1))
                [ "$status" = "$want" ] || { bad=$((bad + 1)); echo "# $method $pattern $r no CSRF: $status, expected $want"; }
            fi
        done
    done
done <"$T/routes"
check "authorisation matrix: $total cases, $bad wrong" test "$bad" = 0 -a "$total" -ge 190
check "every 403 for a missing permission was audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied' AND detail LIKE 'permission %'")" -gt 0
check "customers created only in the own subtree" \
    test "$(sql "SELECT COUNT(*) FROM customer c JOIN org_unit o ON o.id = c.org_id WHERE c.name = '矩阵' AND o.code = 'NB'")" = 0
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""

done_testing
