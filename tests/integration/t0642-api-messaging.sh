#!/bin/sh
# An account's message preferences over HTTP (POST /api/v1/accounts/{id}/messaging,
# customer:write): the channels its notices go out on, their language and the email channel's
# address (personal data: stored encrypted with a blind index, answered masked, audited without
# it), the same rules as `pmis outbox channels`, `outbox lang` and `outbox email`. Any of them
# in one call; a bad value is 400
# naming the field and changes nothing (neither half); another subtree's account is 404 like a
# missing one; a user without customer:write is 403; every change is audited.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    echo $pw | "$PMIS" user add clerk --org HZ --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
prefs() { sql "SELECT channels || '|' || lang FROM message_pref p JOIN account a ON a.id = p.account_id WHERE a.account_no = '$1'"; }

serve_start
login clerk $pw clerk.jar
CL="-b $T/clerk.jar -H X-CSRF-Token:$csrf"
login kasa $pw kasa.jar
KA="-b $T/kasa.jar -H X-CSRF-Token:$csrf"
post() { # post WHO_ARGS ACCOUNT BODY
    a="$1" acct="$2" body="$3"
    # shellcheck disable=SC2086
    req POST "/api/v1/accounts/$acct/messaging" $a -H 'Content-Type: application/json' -d "$body"
}

post "$CL" $A1 '{"channels":"wechat,sms"}'
check "channels set (200)" test "$status" = 200
check "the reply reads them back in the channels' order, language unchanged" \
    test "$(jq -c . "$T/body")" = "{\"account\":\"$A1\",\"channels\":[\"sms\",\"wechat\"],\"lang\":\"zh\",\"email\":null}"
check "stored (the language stays Chinese)" test "$(prefs $A1)" = "sms,wechat|zh"
post "$CL" $A1 '{"lang":"en","channels":"email"}'
check "both at once" test "$status $(jq -c '[.channels, .lang]' "$T/body")" = '200 [["email"],"en"]'
check "audited: channels and language" test \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity_key = '$A1' AND action IN ('outbox.channels', 'outbox.lang')")" = 3

before=$(prefs $A1)
bad() { # bad NAME BODY FIELD
    post "$CL" $A1 "$2"
    if [ "$status" = 400 ] && [ "$(jq -r .error.field "$T/body")" = "$3" ] && [ "$(prefs $A1)" = "$before" ]; then
        ok "$1: 400 naming $3, nothing changed"
    else
        not_ok "$1 (status $status, $(cat "$T/body"), prefs $(prefs $A1))"
    fi
}
bad "an unknown channel" '{"channels":"sms,fax"}' channels
bad "a channel twice" '{"channels":"sms,sms"}' channels
bad "an unknown language beside good channels" '{"channels":"sms","lang":"fr"}' lang
bad "neither" '{}' channels
bad "an unknown field" '{"channels":"sms","colour":"red"}' colour
bad "channels not a string" '{"channels":["sms"]}' channels

bad "a bad email address beside a good language" '{"lang":"zh","email":"wang@@example.com"}' email
jq -r .error.message "$T/body" >"$T/out"
check "the refusal says what is wrong, the address masked" \
    out_has "^invalid email address 'wa\*+om': it needs exactly one '@'$"
check "and never in full" not grep -q 'wang@@example.com' "$T/body"
bad "an email address not a string" '{"email":1}' email

email() { sql "SELECT COUNT(*) FROM message_pref p JOIN account a ON a.id = p.account_id WHERE a.account_no = '$1' AND p.email_enc IS NOT NULL AND p.email_bidx IS NOT NULL"; }
post "$CL" $A1 '{"email":"Wang.Yi@Example.COM"}'
check "an email address: 200, answered masked, the rest unchanged" \
    test "$status $(jq -c '[.email, .channels, .lang]' "$T/body")" = '200 ["w***@example.com",["email"],"en"]'
check "stored encrypted with its blind index" test "$(email $A1)" = 1
check "audited without the address" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.email' AND entity_key = '$A1' AND COALESCE(detail, '') NOT LIKE '%example%'")" = 1
post "$CL" $A1 '{"channels":"sms"}'
check "kept when other preferences change" test "$(jq -r .email "$T/body") $(email $A1)" = "w***@example.com 1"
post "$CL" $A1 '{"email":""}'
check "an empty address removes it" test "$status $(jq -r .email "$T/body") $(email $A1)" = "200 null 0"

post "$CL" $NB1 '{"channels":"sms"}'
check "another subtree's account is 404" test "$status" = 404
post "$CL" 699999999901 '{"channels":"sms"}'
check "a missing account is 404 too" test "$status" = 404
post "$KA" $A2 '{"channels":"sms"}'
check "a cashier (no customer:write) is 403" test "$status" = 403
req POST "/api/v1/accounts/$A2/messaging" -b "$T/clerk.jar" -H 'Content-Type: application/json' -d '{"channels":"sms"}'
check "no CSRF token: 403" test "$status" = 403
check "A2 untouched" test -z "$(prefs $A2)"
serve_stop
done_testing
