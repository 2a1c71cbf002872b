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
# Deposits: each role refunds its own (approved by u_approver) and the appliers apply their own
# account's; they come before the cashier's close in routes.def (a closed day moves no cash).
# Collections: accounts 100000000002..05 of HZ carry an open disconnection order each, one per
# role that may close one; 06 and 07 are ready to be disconnected (administrator, manager).
# Routes flagged R_WHOLE_TREE (reminders run, late-fee and disconnection policies, the reminder
# schedule and templates, the prepaid check and thresholds, credit rating, a tariff what-if, SLA
# policies and work-order types, survey templates, the audit chain's verification, the calendar
# import) act on every org: every HZ user gets 403 (whole_tree). Orders are cancelled by the roles that
# may (collection:approve): each its own disconnection of 06 or 07, opened by its approval above.
# Accounts: each role that may (customer:write) changes 100000000001's contact name.
# Outbox: the notices of 100000000001 and 100000000101 are read; 02..05's, made dead letters, are
# requeued one per role that may (collection:work), then reported failed and sent by a manual
# sender (routes.def order: retry, mark-failed, mark-sent). Each role that may (outage:write)
# records a feeder of its own for 100000000001's service point. Archive writes: each role
# that may (customer:write) closes its own meterless customer, installs the meter it created
# on its own meterless account, replaces it by its own stock meter and removes that (routes.def
# lists install, replace, remove in that order). Service centre: each role that may take a step
# of a work order has its own order waiting in the state that step needs (tk), a dispatcher its
# own duplicate to merge; each supervisor its own escalation (acknowledged, then resolved) and
# outage to close; NB holds one order, escalation and outage for the 404s. Applications: one HV
# application of HZ is advanced by each role that may, and each such role pauses, resumes and
# then cancels its own application and completes another, waiting at its last stage, with its
# own stock meter.
# Surveys: each role that may record one (survey:record) answers its own archived
# HZ order once; one answered order of HZ and one of NB (surv_hz, surv_nb) are shown (GET
# /surveys/{id}: NB's 404); campaigns 1 (HZ) and 2 (NB) are shown; the campaign and template lists answer
# 200 to survey:read (each lists only the caller's subtree: t0630). Users and tokens
# (user:admin): m_hz and its token tk_hz in HZ, m_nb and tk_nb in NB; the administrator disables,
# enables, re-roles and resets the password of m_hz and revokes tk_hz (routes.def order), and
# gets 404 for NB's; it
# creates a user and a token for m_hz in HZ (404 in NB) and a custom role r_<role>, which it
# then changes and deletes. The orders and answers lists are asked for a customer (?customer=):
# HZ's 1000000000 (200), NB's 1000000001 (404). The working-day calendar is read by all; writing it needs a user
# of the whole tree (every HZ user gets 403). The archive's CSV files: customers exported with
# ?org=HZ (200) and ?org=NB (404), and the same with check=true by every role; a customer file
# imported as a dry run (nothing stored).
# Then the OpenAPI document: every query parameter a route read during the run (the test build
# logs them) and every name the handlers pass to api_query* is declared; every path parameter too.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

roles="administrator manager billing_clerk cashier service_agent field_crew analyst auditor"
cur_role=auditor
pw=Mx7qWz3kPt
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
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
    echo "$pw" | "$PMIS" user add u_approver --org HZ --roles manager --password-stdin >/dev/null &&
    for a in 100000000002 100000000003 100000000004 100000000005 100000000101; do
        PMIS_NOW=2025-08-20T02:00:00Z "$PMIS" disconnect approve $a --approver u_approver \
            >/dev/null || exit 1
    done &&
    for r in administrator manager service_agent other surv_hz surv_nb; do
        cust=1000000000
        [ $r = other ] || [ $r = surv_nb ] && cust=1000000001
        "$PMIS" --json ticket add --type consult --channel phone --area urban --cust $cust \
            --text 矩阵 | jq -r .id >"$T/$r.ticket" &&
            "$PMIS" ticket move "$(cat "$T/$r.ticket")" classified >/dev/null &&
            "$PMIS" ticket move "$(cat "$T/$r.ticket")" replied --note 已答复 >/dev/null &&
            "$PMIS" ticket move "$(cat "$T/$r.ticket")" reviewed --note 已回访 >/dev/null &&
            "$PMIS" ticket move "$(cat "$T/$r.ticket")" archived >/dev/null || exit 1
    done &&
    "$PMIS" survey record "$(cat "$T/surv_hz.ticket")" --result satisfied >/dev/null &&
    "$PMIS" survey record "$(cat "$T/surv_nb.ticket")" --result satisfied >/dev/null &&
    "$PMIS" survey campaign create --name 矩阵 --org HZ --period 2026-01 --sample 1 --seed 1 >/dev/null &&
    "$PMIS" survey campaign create --name 矩阵 --org NB --period 2026-01 --sample 1 --seed 1 >/dev/null &&
    newapp() {
        "$PMIS" --json apply new --kind "$1" --org "$2" --name 矩阵 --type "$3" --voltage "$4" \
            --address 某路 --capacity 8 --tariff BJ-RES >"$T/app.json" && jq -r .id "$T/app.json"
    } &&
    newapp new_hv_single HZ large_industry 10kV >"$T/app_adv" &&
    newapp new_lv_res NB resident 220V >"$T/app_other" &&
    for r in administrator manager service_agent field_crew; do
        newapp new_lv_res HZ resident 220V >"$T/$r.app" &&
            newapp new_lv_res HZ resident 220V >"$T/$r.done" &&
            for st in survey scheme inspect connect; do
                "$PMIS" apply advance "$(cat "$T/$r.done")" $st >/dev/null || exit 1
            done &&
            "$PMIS" meter add "MA-$(echo $r | tr _ -)" --model DDZY71 --phases 1 >/dev/null || exit 1
    done &&
    echo "$pw" | "$PMIS" user add m_hz --org HZ --roles cashier --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add m_nb --org NB --roles cashier --password-stdin >/dev/null &&
    "$PMIS" token add tk_hz --user m_hz --perms customer:read >/dev/null 2>&1 &&
    "$PMIS" token add tk_nb --user m_nb --perms customer:read >/dev/null 2>&1 &&
    "$PMIS" --json role list >"$T/roles.json" ||
    { not_ok "set up"; done_testing; exit 1; }
# tk STATE [CUST]: a fault order of customer CUST (HZ's by default) moved to STATE; prints its id
tk() {
    id=$("$PMIS" --json ticket add --type fault --channel phone --area urban \
        --cust "${2:-1000000000}" --text 矩阵 | jq -r .id) || return 1
    for s in classified dispatched processing responded replied reviewed archived; do
        [ "$1" = accepted ] && break
        case $s in
        dispatched) "$PMIS" ticket assign "$id" --org HZ >/dev/null ;;
        *) "$PMIS" ticket move "$id" $s >/dev/null ;;
        esac || return 1
        [ "$s" = "$1" ] && break
        if [ "$1" = paused ] && [ "$s" = processing ]; then
            "$PMIS" ticket pause "$id" >/dev/null || return 1
            break
        fi
    done
    echo "$id"
}
for r in administrator manager service_agent field_crew; do
    for a in classify:accepted process:dispatched respond:processing reply:responded \
        review:replied archive:reviewed reopen:archived pause:processing resume:paused; do
        tk "${a#*:}" >"$T/$r.tk.${a%%:*}" || { not_ok "order for $r ${a%%:*}"; break; }
    done
    "$PMIS" --json ticket add --type complaint --subtype service --channel phone --area urban \
        --cust 1000000000 --text 矩阵 | jq -r .id >"$T/$r.tk.causes"
done
for r in administrator manager service_agent; do
    tk classified >"$T/$r.tk.dispatch" && tk accepted >"$T/$r.tk.merge" &&
        tk accepted >"$T/$r.tk.into" || not_ok "orders for $r to dispatch and merge"
done
tk_any=$(tk accepted) tk_other=$(tk accepted 1000000001)
for r in administrator manager; do tk accepted >"$T/$r.tk.esc"; done
PMIS_NOW=2030-01-01T00:00:00Z "$PMIS" ticket sla >/dev/null
esc_of() { sql "SELECT MIN(id) FROM ticket_escalation WHERE ticket_id = $1"; }
for r in administrator manager; do esc_of "$(cat "$T/$r.tk.esc")" >"$T/$r.esc"; done
esc_other=$(esc_of "$tk_other")
outage() { "$PMIS" --json outage add --kind fault --org "$1" --from "2025-01-01 08:00" --reason 矩阵 | jq -r .id; }
for r in administrator manager; do outage HZ >"$T/$r.outage"; done
out_any=$(outage HZ) out_other=$(outage NB)
check "service-centre fixtures: orders, escalations and outages in each subtree" \
    test -n "$tk_other" -a -n "$esc_other" -a "$out_other" != null -a \
    "$(cat "$T/field_crew.tk.resume" "$T/manager.esc" "$T/manager.outage" | grep -c '^[0-9]')" = 3
# the open orders: 1..4 of HZ for the roles that close orders, 5 of NB
order_other=$(sql "SELECT o.id FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '100000000101'")
for r in $roles; do
    echo 0 >"$T/$r.order"
    echo 100000000001 >"$T/$r.acct"
    [ -f "$T/$r.cust" ] || echo 1000000000 >"$T/$r.cust"
    [ -f "$T/$r.app" ] || cat "$T/app_adv" >"$T/$r.app"
    [ -f "$T/$r.ticket" ] || echo 1 >"$T/$r.ticket"
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
# orders/{id}/cancel: the disconnection order of the account the role approved (06, 07)
acct_order() { sql "SELECT MAX(o.id) FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '$1'"; }
# service-points/{id}/feeder: the service point of an account
sp_of() { sql "SELECT s.sp_no FROM service_point s JOIN account a ON a.id = s.account_id WHERE a.account_no = '$1'"; }
check "open disconnection orders in each subtree" test -n "$order_other" -a "$(cat "$T/field_crew.order")" != 0
# outbox: the notices of 100000000001 (HZ) and 100000000101 (NB) to read; a dead letter of HZ
# (the notices of 02..05) for each role that may requeue one, and the NB notice dead too
msg() { sql "SELECT id FROM outbox WHERE recipient = '$1' ORDER BY id LIMIT 1"; }
msg_own=$(msg 100000000001) msg_other=$(msg 100000000101)
for r in $roles; do echo "$msg_own" >"$T/$r.msg"; done
k=2
for r in administrator manager cashier field_crew; do
    msg 10000000000$k >"$T/$r.msg"
    "$PMIS" outbox mark-failed "$(cat "$T/$r.msg")" --error matrix >/dev/null
    k=$((k + 1))
done
"$PMIS" outbox mark-failed "$msg_other" --error matrix >/dev/null
check "dead letters in each subtree" test "$(sql "SELECT COUNT(*) FROM outbox WHERE status = 'failed'")" = 5
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
# deposits (保证金): one of the own subtree per role for it to refund, one of NB; accounts 90 and
# 91 of HZ hold one each for the roles that apply deposits on closure (administrator, manager)
deposit() { "$PMIS" --json deposit take "$1" 1.00 | jq -r .deposit; }
for r in $roles; do deposit 100000000001 >"$T/$r.dep"; done
dep_other=$(deposit 100000000101)
k=90
for r in administrator manager; do
    "$PMIS" account add 1000000000 --account-no 1000000000$k --tariff BJ-RES --cycle-day 15 \
        --opened 2024-01-05 >/dev/null && deposit 1000000000$k >/dev/null &&
        echo 1000000000$k >"$T/$r.depacct"
    k=$((k + 1))
done
check "deposits held in each subtree" test "$dep_other" -gt 0 -a "$(cat "$T/manager.depacct")" = 100000000091
check "issued bills with late fees, payments in each subtree" \
    test -n "$billno_own" -a "$rcpt_other" != null -a "$rcpt_own" != null \
    -a "$(sql "SELECT MIN(fee_fen) FROM receivable")" -gt 100

serve_start PMIS_TEST_QUERY_LOG="$T/queries.log"
for r in $roles expired; do
    login "u_$r" "$pw" "$r.jar"
    [ "$status" = 200 ] || not_ok "login u_$r"
    eval "csrf_$r=\$csrf"
done
sql "UPDATE auth_session SET last_seen_at = 0 WHERE user_id = (SELECT id FROM app_user WHERE username = 'u_expired')"

# route rows: METHOD PATTERN PERMISSION FLAGS (flags without blanks), the permission by its
# name (PERM_CUSTOMER_READ: customer:read; PERM_ANY: any)
awk -F, '/^ROUTE\(/ { sub(/^ROUTE\(/, ""); sub(/\)[ \t]*$/, ""); gsub(/[ \t"]/, "");
    p = tolower(substr($4, 6)); sub(/_/, ":", p); print $1, $2, p, $5 }' \
    "$PMIS_TOP/src/api/routes.def" >"$T/routes"
check "routes.def parsed" test "$(wc -l <"$T/routes")" -ge 16

# each built-in role's permissions, ",a:b,c:d,", in perms_ROLE: read once (the cases below
# spawn no process but curl: a jq or sed per case made this suite the slowest of all)
jq -r '.[] | "\(.code) ,\(.permissions),"' "$T/roles.json" >"$T/role-perms"
while read -r r ps; do
    case " $roles " in *" $r "*) eval "perms_$r=\$ps" ;; esac
done <"$T/role-perms"
check "every built-in role's permissions read" test -n "${perms_auditor:-}" -a -n "${perms_administrator:-}"

# has_perm ROLE PERM: whether the built-in role holds the permission (any: everyone)
has_perm() {
    [ "$2" = any ] && return 0
    eval "ps=\$perms_$1"
    case "$ps" in *",$2,"*) return 0 ;; esac
    return 1
}

# subst PLACEHOLDER VALUE: replace the first PLACEHOLDER in $p
subst() {
    case "$p" in *"$1"*) p="${p%%"$1"*}$2${p#*"$1"}" ;; esac
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
    /api/v1/accounts/*/deposits/apply) id=$(cat "$T/$cur_role.depacct" 2>/dev/null || echo 100000000001) other=100000000101 ;;
    /api/v1/deposits/*/refund) id=$(cat "$T/$cur_role.dep") other=$dep_other ;;
    /api/v1/accounts/*) id=100000000001 other=100000000101 ;;
    /api/v1/orders/*/cancel) id=$(acct_order "$(cat "$T/$cur_role.acct")") other=$order_other
        [ -n "$id" ] || id=$(cat "$T/$cur_role.order") ;;
    /api/v1/orders/*) id=$(cat "$T/$cur_role.order") other=$order_other ;;
    /api/v1/outbox/*/retry | /api/v1/outbox/*/mark-failed | /api/v1/outbox/*/mark-sent)
        id=$(cat "$T/$cur_role.msg") other=$msg_other ;;
    /api/v1/outbox/*) id=$msg_own other=$msg_other ;;
    /api/v1/meters/*) id=M-1 other=M-2 ;;
    /api/v1/bills/*/review) id=$draft_own other=$draft_other ;;
    /api/v1/bills/*) id=$bill_own other=$bill_other ;;
    /api/v1/bill-runs/*) id=1 other=2 ;;
    /api/v1/tickets/*/survey) id=$(cat "$T/$cur_role.ticket") other=$(cat "$T/other.ticket") ;;
    /api/v1/surveys/*) id=$(cat "$T/surv_hz.ticket") other=$(cat "$T/surv_nb.ticket") ;;
    /api/v1/survey-campaigns/*) id=1 other=2 ;;
    /api/v1/survey-campaigns | /api/v1/survey-templates) id=x other=x ;;
    /api/v1/tickets/*/*) id=$(cat "$T/$cur_role.tk.${1##*/}" 2>/dev/null || echo "$tk_any") other=$tk_other ;;
    /api/v1/tickets/*) id=$tk_any other=$tk_other ;;
    /api/v1/escalations/*) id=$(cat "$T/$cur_role.esc" 2>/dev/null || echo "$esc_other") other=$esc_other ;;
    /api/v1/outages/*/close) id=$(cat "$T/$cur_role.outage" 2>/dev/null || echo "$out_any") other=$out_other ;;
    /api/v1/outages/*) id=$out_any other=$out_other ;;
    /api/v1/applications/*/complete) id=$(cat "$T/$cur_role.done" 2>/dev/null || cat "$T/app_adv") other=$(cat "$T/app_other") ;;
    /api/v1/applications/*/cancel | /api/v1/applications/*/pause | /api/v1/applications/*/resume)
        id=$(cat "$T/$cur_role.app") other=$(cat "$T/app_other") ;;
    /api/v1/applications/*) id=$(cat "$T/app_adv") other=$(cat "$T/app_other") ;;
    /api/v1/service-points/*) id=$(sp_of 100000000001) other=$(sp_of 100000000101) ;;
    /api/v1/users/*) id=m_hz other=m_nb ;;
    /api/v1/sla/policies/*) id=$(sql "SELECT MIN(id) FROM sla_policy") other=x ;;
    /api/v1/tokens/*) id=tk_hz other=tk_nb ;;
    *) id=x other=x ;;
    esac
    [ "$2" = other ] && id=$other
    p=$1
    subst "{id}" "$id"
    subst "{table}" customers
    subst "{field}" phone
    subst "{code}" BJ-RES
    subst "{date}" 2025-06-07
    subst "{days}" 5
    subst "{type}" complaint
    case "$p" in */roles/BJ-RES) p="${p%BJ-RES}r_$cur_role" ;; */calendar) p="$p?year=2025" ;; esac
    case "$p" in */calendar/working-day) p="$p?from=2025-06-06&days=1" ;; esac
    case "$p" in
    */export/customers) p="$p?org=$( [ "$2" = other ] && echo NB || echo HZ)" ;;
    */import/customers) p="$p?dry_run=true" ;;
    esac
    case "$p" in */arrears/rate) p="$p?period=2025-05" ;; */surveys/report) p="$p?period=2025-06" ;; esac
    case "$p" in
    */sla/compliance | */complaints/rate) p="$p?period=2025-06" ;;
    */outages/lookup) p="$p?cust_no=$( [ "$2" = other ] && echo 1000000001 || echo 1000000000)" ;;
    esac
    # a customer's orders and answers (the 360° view): NB's customer is outside the scope (404)
    case "$method $1" in
    "GET /api/v1/tickets" | "GET /api/v1/surveys") p="$p?customer=$( [ "$2" = other ] && echo 1000000001 || echo 1000000000)" ;;
    "GET /api/v1/applications/limits") p="$p?kind=meter_test&history=true" ;; # the versions (0033)
    esac
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
    "POST /api/v1/payments/"*/reverse | "POST /api/v1/deposits/"*/refund) body="{$approval}" ;;
    "POST /api/v1/deposits") body="{\"account\":\"$acct\",\"amount\":\"1.00\"}" ;;
    "POST /api/v1/accounts/"*/deposits/apply) body='{}' ;;
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
    "POST /api/v1/orders/"*/final-notice) body='{}' ;;
    "POST /api/v1/orders/"*/cancel) body='{"reason":"matrix"}' ;;
    "POST /api/v1/fees/policies") body='{"from":"2030-01-01","resident_permille":"1","current_year_permille":"2","cross_year_permille":"3","min":"1.00","source":"matrix"}' ;;
    "POST /api/v1/disconnect/policies") body='{"from":"2030-01-01","source":"matrix"}' ;;
    "POST /api/v1/reminders/schedule") body='{"days_after_due":5,"channel":"sms"}' ;;
    "POST /api/v1/reminders/templates") body='{"kind":"reminder","channel":"sms","body":"matrix {account}"}' ;;
    "POST /api/v1/prepaid/check") body='{}' ;;
    "POST /api/v1/prepaid/thresholds") body='{"days_left":3,"channel":"sms"}' ;;
    "POST /api/v1/credit/rate") body='{"period":"2025-06"}' ;;
    "POST /api/v1/tariffs/simulate") body='{"period":"2025-05","tariff":"BJ-RES"}' ;;
    "POST /api/v1/outbox/"*/retry | "POST /api/v1/outbox/"*/mark-sent) body='{}' ;;
    "POST /api/v1/outbox/"*/mark-failed) body='{"error":"matrix"}' ;;
    "POST /api/v1/accounts/"*/messaging) body='{"channels":"sms,wechat","lang":"en"}' ;;
    "POST /api/v1/survey-campaigns") body="{\"name\":\"矩阵\",\"org\":\"$org\",\"period\":\"2025-06\",\"sample_n\":1,\"seed\":1}" ;;
    "POST /api/v1/orgs") body="{\"code\":\"C-$(echo $cur_role | tr _ -)\",\"name\":\"矩阵\",\"level\":\"county\",\"parent\":\"$org\"}" ;;
    "PATCH /api/v1/customers/"*) body="{\"address\":\"杭州市矩阵路 $cur_role\"}" ;;
    "PATCH /api/v1/accounts/"*) body="{\"contact_name\":\"矩阵 $cur_role\"}" ;;
    "POST /api/v1/sla/policies") body='{"metric":"response","type":"consult","clock":"natural","amount":60,"start":"accepted","stop":"responded","source":"matrix"}' ;;
    "POST /api/v1/ticket-types") body='{"type":"consult","repeat_days":3}' ;;
    "POST /api/v1/service-points/"*/feeder) body="{\"feeder\":\"F-$cur_role\"}" ;;
    "POST /api/v1/survey-templates") body='{"code":"matrix","name":"矩阵","effective_on":"2030-01-01","weights":{"efficiency":100}}' ;;
    "POST /api/v1/applications/"*/pause | "POST /api/v1/applications/"*/resume) body='{"note":"matrix"}' ;;
    "POST /api/v1/customers/"*/close) body='{}' ;;
    "POST /api/v1/customers/"*/pii/*) body='{"reason":"matrix"}' ;;
    "POST /api/v1/accounts") body="{\"cust_no\":\"$( [ "$3" = other ] && echo 1000000001 || echo 1000000000)\",\"tariff_code\":\"BJ-RES\",\"cycle_day\":15}" ;;
    "POST /api/v1/meters") body="{\"asset_no\":\"MX-$(echo $cur_role | tr _ -)\",\"model\":\"DDZY71\",\"phases\":1}" ;;
    "POST /api/v1/meters/"*/install) body="{\"account\":\"$(cat "$T/$cur_role.acct2" 2>/dev/null)\"}" ;;
    "POST /api/v1/meters/"*/replace) body="{\"new_meter\":\"MY-$(echo $cur_role | tr _ -)\"}" ;;
    "POST /api/v1/meters/"*/remove) body='{}' ;;
    "POST /api/v1/tickets") body="{\"type\":\"consult\",\"channel\":\"phone\",\"area\":\"urban\",\"cust_no\":\"$( [ "$3" = other ] && echo 1000000001 || echo 1000000000)\",\"text\":\"矩阵\"}" ;;
    "POST /api/v1/tickets/sla") body='{"all":true,"limit":5}' ;;
    "PATCH /api/v1/applications/limits") # a new figure on every call: the same one is refused
        lim=$(($(cat "$T/limits.n" 2>/dev/null || echo 40) + 1))
        echo "$lim" >"$T/limits.n"
        body="{\"kind\":\"meter_test\",\"limits\":{\"total\":$lim},\"source\":\"matrix\"}" ;;
    "POST /api/v1/tickets/"*/dispatch) body='{"org":"HZ"}' ;;
    "POST /api/v1/tickets/"*/merge) body="{\"into\":$(cat "$T/$cur_role.tk.into" 2>/dev/null || echo "$tk_any")}" ;;
    "POST /api/v1/tickets/"*/causes) body='{"add":["other"]}' ;;
    "POST /api/v1/tickets/"*/survey) body='{"result":"satisfied","comment":"matrix"}' ;;
    "POST /api/v1/tickets/"* | "POST /api/v1/outages/"*/close) body='{}' ;;
    "POST /api/v1/escalations/"*) body='{"note":"matrix"}' ;;
    "POST /api/v1/outages") body="{\"kind\":\"fault\",\"org\":\"$org\",\"from\":\"2025-01-01 08:00\",\"reason\":\"矩阵\"}" ;;
    "POST /api/v1/applications") body="{\"kind\":\"new_lv_res\",\"org\":\"$org\",\"name\":\"矩阵\",\"user_type\":\"resident\",\"voltage\":\"220V\",\"address\":\"某路\",\"capacity_kva\":\"8\",\"tariff_code\":\"BJ-RES\"}" ;;
    "POST /api/v1/applications/sla") body='{}' ;;
    "POST /api/v1/applications/"*/advance) body='{"note":"matrix"}' ;;
    "POST /api/v1/applications/"*/cancel) body='{"reason":"matrix"}' ;;
    "POST /api/v1/applications/"*/complete) body="{\"meter\":\"MA-$(echo $cur_role | tr _ -)\",\"cycle_day\":15}" ;;
    "POST /api/v1/users/"*/roles) body='{"roles":"cashier,auditor"}' ;;
    "POST /api/v1/users") body="{\"username\":\"mx_$cur_role\",\"org\":\"$org\",\"roles\":\"cashier\"}" ;;
    "POST /api/v1/roles") body="{\"code\":\"r_$cur_role\",\"name\":\"矩阵\",\"permissions\":\"customer:read\"}" ;;
    "PATCH /api/v1/roles/"*) body='{"permissions":"customer:read,bill:read"}' ;;
    "POST /api/v1/tokens") body="{\"name\":\"tk-$cur_role\",\"user\":\"$( [ "$3" = other ] && echo m_nb || echo m_hz)\",\"permissions\":\"customer:read\"}" ;;
    "POST /api/v1/calendar/days") body='{"date":"2025-06-07","kind":"workday"}' ;;
    "POST /api/v1/users/"* | "POST /api/v1/tokens/"*) body='{}' ;;
    esac
    csv=""
    case "$1 $2" in
    "POST /api/v1/readings/import") csv=$(printf 'meter,read_on,source,total\nM-1,2025-05-15,remote,400\n') ;;
    "POST /api/v1/intervals/import") csv=$(printf 'meter,ts,kwh\nM-1,2025-05-10 00:00,0.5\n') ;;
    "POST /api/v1/calendar/import") csv=$(printf 'date,kind,name\n2025-12-27,workday,matrix\n') ;;
    "POST /api/v1/import/customers?dry_run=true") csv=$(printf 'cust_no,name,user_type,voltage,address,org\n1000000090,矩阵,resident,220V,某路,%s\n' "$org") ;;
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
    elif [ "$1" = DELETE ]; then
        # shellcheck disable=SC2086
        req DELETE "$2" $auth ${5:+-H "X-CSRF-Token: $5"}
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
    # SLA policies are data of the whole tree: no other subtree to hide one in
    case "$pattern" in /api/v1/sla/policies/*) sided=0 ;; esac
    case "$method $pattern" in
    "POST /api/v1/customers" | "POST /api/v1/payments" | "POST /api/v1/fees/waive") sided=1 ;;
    "POST /api/v1/deposits") sided=1 ;;
    "POST /api/v1/bill-runs" | "POST /api/v1/orgs" | "POST /api/v1/accounts") sided=1 ;;
    "POST /api/v1/tickets" | "POST /api/v1/outages" | "GET /api/v1/outages/lookup") sided=1 ;;
    "POST /api/v1/applications" | "GET /api/v1/tickets" | "GET /api/v1/surveys") sided=1 ;;
    "POST /api/v1/survey-campaigns" | "GET /api/v1/export/{table}") sided=1 ;;
    "POST /api/v1/users" | "POST /api/v1/tokens") sided=1 ;;
    esac
    ok_status=200 whole_tree=0
    case "$flags" in *R_WHOLE_TREE*) whole_tree=1 ;; esac
    # the calendar's rule is the domain's (workcal.c), not a route flag
    case "$method $pattern" in *" /api/v1/calendar/days"*) whole_tree=1 ;; esac
    case "$method $pattern" in
    "POST /api/v1/accounts/{id}/disconnect" | "POST /api/v1/orgs" | "POST /api/v1/accounts") ok_status=201 ;;
    "POST /api/v1/meters" | "POST /api/v1/tickets" | "POST /api/v1/outages") ok_status=201 ;;
    "POST /api/v1/applications") ok_status=201 ;;
    "POST /api/v1/tickets/{id}/survey" | "POST /api/v1/survey-campaigns") ok_status=201 ;;
    "POST /api/v1/users" | "POST /api/v1/roles" | "POST /api/v1/tokens") ok_status=201 ;;
    esac
    case "$method $pattern" in
    "POST /api/v1/customers" | "POST /api/v1/payments" | "POST /api/v1/bills/{id}/adjust") ok_status=201 ;;
    "POST /api/v1/deposits") ok_status=201 ;;
    esac
    # no session, expired session
    for who in none expired; do
        jar=""
        [ "$who" = expired ] && jar=expired.jar
        call "$method" "$(path_for "$pattern" own)" own "$jar" "$csrf_expired"
        want=401
        [ $public = 1 ] && want=200
        total=$((total + 1))
        [ "$status" = "$want" ] || { bad=$((bad + 1)); echo "# $method $pattern $who: $status, expected $want"; }
    done
    for r in $roles; do
        cur_role=$r
        for side in own other; do
            [ $sided = 0 ] && [ $side = other ] && continue
            eval "c=\$csrf_$r"
            call "$method" "$(path_for "$pattern" $side)" $side "$r.jar" "$c"
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

# the export's check=true (asked by the web UI before the browser downloads the file): each role
# answered as by the export itself, the JSON of the check for a 200
cbad=0
for r in $roles; do
    for side in own other; do
        o=HZ want=200
        [ $side = other ] && o=NB want=404
        has_perm "$r" customer:read || want=403
        req GET "/api/v1/export/customers?org=$o&check=true" -b "$T/$r.jar"
        [ "$status" = "$want" ] && { [ "$want" != 200 ] || jq -e '.ok' "$T/body" >/dev/null; } ||
            { cbad=$((cbad + 1)); echo "# export check=true $r $side: $status, expected $want"; }
    done
done
check "the export's check=true: every role as for the export (16 cases, $cbad wrong)" test "$cbad" = 0

# every query parameter a handler read in the matrix (the test build logs "operationId name")
# and every name the handlers' source passes to api_query* is declared in the OpenAPI document
req GET /api/v1/openapi.json
jq -r '.paths[][] | .operationId as $op | .parameters[] | select(.in == "query") | "\($op) \(.name)"' \
    "$T/body" | sort -u >"$T/declared"
sort -u "$T/queries.log" >"$T/read"
comm -23 "$T/read" "$T/declared" >"$T/undeclared"
check "every query parameter a route read is declared for it ($(wc -l <"$T/read") read, $(wc -l <"$T/declared") declared)" \
    test -s "$T/read" -a ! -s "$T/undeclared"
sed 's/^/#   undeclared: /' "$T/undeclared"
cut -d' ' -f2 "$T/declared" | sort -u >"$T/declared-names"
grep -ho 'api_query[a-z_]*(r, "[a-z_]*"' "$PMIS_TOP"/src/api/*.c | sed 's/.*"\(.*\)"/\1/' | sort -u |
    comm -23 - "$T/declared-names" >"$T/undeclared-src"
check "every query parameter named in the handlers' source is declared" test ! -s "$T/undeclared-src"
sed 's/^/#   undeclared in the document: /' "$T/undeclared-src"
jq -r '.paths | to_entries[] | .key as $p | .value[] | [$p, (.parameters | map(select(.in == "path") | .name) | join(","))] | @tsv' \
    "$T/body" | while IFS="$(printf '\t')" read -r p names; do
    want=$(echo "$p" | grep -o '{[a-z_]*}' | tr -d '{}' | paste -sd, -)
    [ "$names" = "$want" ] || echo "$p: $names"
done >"$T/badpath"
check "every path parameter is declared" test ! -s "$T/badpath"
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""

done_testing
