#!/bin/sh
# POST /api/v1/orders/{id}/final-notice with {channel, served_by, note}: the final notice
# before a disconnection served by SMS (no body: the default, queued), by phone or on site (a
# note required, nothing queued); the order's JSON carries the channel, the server and the
# note. Bad input is 400 naming the field and records nothing.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    PMIS_NOW=2025-02-01T02:00:00Z "$PMIS" disconnect notice $A2 >/dev/null &&
    approvers zhuguan &&
    PMIS_NOW=2025-02-10T02:00:00Z "$PMIS" disconnect approve $A2 --approver zhuguan >/dev/null &&
    echo $pw | "$PMIS" user add crew --org HZ --roles field_crew --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
order=$(sql "SELECT id FROM collect_order")

export PMIS_NOW=2025-02-20T02:00:00Z
serve_start
login crew $pw crew.jar
CR="-b $T/crew.jar -H X-CSRF-Token:$csrf"
outbox() { sql "SELECT COUNT(*) FROM outbox"; }
final() {
    # shellcheck disable=SC2086
    req POST "/api/v1/orders/$order/final-notice" $CR -H "$JSON" -d "$1"
}

# ---- bad input: 400 naming the field, nothing written ----
digest=$(db_digest)
final '{"channel":"fax"}'
check "an unknown channel" test "$status $(jq -r '.error.field + " " + .error.message' "$T/body")" = \
    "400 channel unknown final notice channel 'fax' (sms, phone or visit)"
final '{"channel":"phone"}'
check "a call without a note" test "$status $(jq -r .error.field "$T/body")" = "400 note"
final '{"channel":"visit","note":""}'
check "a visit with an empty note" test "$status $(jq -r .error.field "$T/body")" = "400 note"
final '{"channel":"phone","note":"x","served_by":""}'
check "an empty server" test "$status $(jq -r .error.field "$T/body")" = "400 served_by"
final '{"channel":3}'
check "a channel as a number" test "$status $(jq -r .error.field "$T/body")" = "400 channel"
final '{"channel":"phone","note":"x","when":"now"}'
check "an unknown field" test "$status $(jq -r .error.field "$T/body")" = "400 when"
check "nothing written" test "$(db_digest)" = "$digest"

# ---- a phone call, then the default SMS ----
before=$(outbox)
final '{"channel":"phone","served_by":"王五","note":"电话告知张二本人"}'
check "by phone: 200, the order records it, nothing queued" test \
    "$status $(jq -c '[.id, .final_notice_channel, .final_notice_by, .final_notice_note, .outbox, (.disconnect_from > .final_notice_at)]' "$T/body")" = \
    "200 [$order,\"phone\",\"王五\",\"电话告知张二本人\",null,true]"
check "no SMS" test "$(outbox)" = "$before"
final '{"channel":"visit","note":"上门送达"}'
check "a visit served by the caller" test \
    "$status $(jq -c '[.final_notice_channel, .final_notice_by, .final_notice_note, .outbox]' "$T/body")" = \
    '200 ["visit","crew","上门送达",null]'
final '{}'
check "no fields: an SMS by the caller, queued" test \
    "$status $(jq -c '[.final_notice_channel, .final_notice_by, .final_notice_note, (.outbox > 0)]' "$T/body")" = \
    '200 ["sms","crew",null,true]'
check "one SMS" test "$(outbox)" = "$((before + 1))"
req GET "/api/v1/orders?kind=disconnect" -b "$T/crew.jar"
check "the orders list carries the fields" test \
    "$status $(jq -c '[.items[] | [.id, .final_notice_channel, .final_notice_by]]' "$T/body")" = \
    "200 [[$order,\"sms\",\"crew\"]]"
done_testing
