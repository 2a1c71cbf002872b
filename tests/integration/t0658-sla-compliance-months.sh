#!/bin/sh
# SLA compliance by month over a long range (25 months, 2023-01 .. 2025-01) is one grouped query
# that buckets the clocks by month of the business zone (Asia/Shanghai): every row of --by
# month, month,org, month,type and month,metric must equal what a report of that month alone
# by org, type or metric says (the one-month range query, whose bounds are the zone's local
# midnights), empty months and keys without clocks as zeros, and the rows must add up to the
# total. Clocks started at local midnight of the 1st, when UTC is still in the previous month
# (2024-03-01T00:00+08:00 is 2024-02-29T16:00Z, 2024-01-01T00:00+08:00 is 2023-12-31T16:00Z),
# count in the new month; a second before it, in the old one.
. "$PMIS_TOP/tests/integration/lib.sh"

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        "$PMIS" customer add --cust-no 6100000001 --name 王一 --type resident --voltage 220V \
            --address 杭州市1号 --org ZJ-HZ >/dev/null &&
        "$PMIS" customer add --cust-no 6100000002 --name 王二 --type resident --voltage 220V \
            --address 宁波市2号 --org ZJ-NB >/dev/null
}
setup || { not_ok "set up orgs and customers"; done_testing; exit 1; }

add() { "$PMIS" --json ticket add "$@" | sed -E 's/^\{"id":([0-9]+),.*/\1/'; }
# fault AT MINUTES: an urban fault report in 杭州 at local time AT whose crew arrives MINUTES
# later (45 allowed: met or missed)
fault() {
    PMIS_NOW="$1" && export PMIS_NOW
    id=$(add --type fault --channel phone --area urban --cust 6100000001 --text 停电) &&
        "$PMIS" ticket move "$id" classified >/dev/null &&
        "$PMIS" ticket assign "$id" --org ZJ-HZ --to 抢修班 >/dev/null &&
        "$PMIS" ticket move "$id" processing >/dev/null &&
        PMIS_NOW=$(TZ=Asia/Shanghai date -d "$1 + $2 minutes" +%Y-%m-%dT%H:%M:%S+08:00) \
            "$PMIS" ticket move "$id" responded >/dev/null
}
# consult AT: an enquiry in 宁波 at local time AT, left unanswered (its 2-hour response clock
# runs: missed as of the report, or pending when just taken in)
consult() {
    PMIS_NOW="$1" && export PMIS_NOW
    add --type consult --channel phone --area urban --cust 6100000002 --text 咨询 >/dev/null
}

months="2023-01 2023-02 2023-03 2023-04 2023-05 2023-06 2023-07 2023-08 2023-09 2023-10 2023-11
2023-12 2024-01 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07 2024-08 2024-09 2024-10 2024-11
2024-12 2025-01"

# every fourth month from 2023-03 has no order; an even month's crew is in time
ok=1
m=0
for p in $months; do
    m=$((m + 1))
    [ $((m % 4)) -eq 3 ] && continue
    fault "$p-10T10:00:00+08:00" $((m % 2 ? 60 : 30)) || ok=
    [ $((m % 3)) -eq 0 ] || consult "$p-12T15:00:00+08:00" || ok=
done
# the month boundaries at local midnight, UTC still in the month before
fault 2024-02-29T23:59:59+08:00 20 || ok=
fault 2024-03-01T00:00:00+08:00 50 || ok=
consult 2023-12-31T23:59:59+08:00 || ok=
consult 2024-01-01T00:00:00+08:00 || ok=
# as of late on the range's last day: the consult taken in at 23:00 is pending
consult 2025-01-31T23:00:00+08:00 || ok=
export PMIS_NOW=2025-01-31T23:30:00+08:00
check "orders taken in over 25 months" test -n "$ok" -a "$(sql "SELECT COUNT(*) FROM ticket")" -gt 30
check "a clock started 2024-02-29T16:00Z (local 03-01 00:00)" \
    test "$(sql "SELECT COUNT(*) FROM ticket_clock WHERE started_at = 1709222400000000")" = 1

# by month: each month's row is the total of that month's report on its own (by metric)
expect_ok "by month over 25 months" --json ticket compliance --from 2023-01 --to 2025-01 --by month
cp "$T/out" "$T/grouped"
check "25 months and the total" test "$(jq length "$T/grouped")" = 26
: >"$T/want"
for p in $months; do
    "$PMIS" --json ticket compliance --period "$p" --by metric |
        jq -c --arg p "$p" '.[-1] | .key = $p | .name = $p' >>"$T/want"
done
jq -c '.[:-1][]' "$T/grouped" >"$T/got"
check "every month equals its own report" cmp "$T/want" "$T/got"
check "the rows add up to the total" \
    test "$(jq '[.[:-1][] | .clocks] | add' "$T/grouped")" = "$(jq '.[-1].clocks' "$T/grouped")"
check "an empty month: zeros, no rate" \
    test "$(jq -c '.[] | select(.key == "2023-03") | [.clocks, .met, .missed, .pending, .rate_pct]' "$T/grouped")" = \
    '[0,0,0,0,null]'
check "met, missed and pending all occur" \
    test "$(jq -c '.[-1] | [.met > 0, .missed > 0, .pending > 0]' "$T/grouped")" = '[true,true,true]'

# month x org, type, metric: each month's rows with clocks are that month's report by org, type
# or metric; every month has a row for each key of the range
for by in org type metric; do
    expect_ok "by month,$by over 25 months" --json ticket compliance --from 2023-01 --to 2025-01 --by "month,$by"
    cp "$T/out" "$T/grouped"
    keys=$(jq -c '[.[:-1][] | .key] | unique' "$T/grouped")
    : >"$T/want"
    : >"$T/got"
    bad=
    for p in $months; do
        "$PMIS" --json ticket compliance --period "$p" --by "$by" |
            jq -S -c --arg p "$p" '.[:-1][] | .month = $p' >>"$T/want"
        jq -S -c --arg p "$p" '.[:-1][] | select(.month == $p and .clocks > 0)' "$T/grouped" >>"$T/got"
        [ "$(jq -c --arg p "$p" '[.[:-1][] | select(.month == $p) | .key] | sort' "$T/grouped")" = "$keys" ] ||
            bad="$bad $p"
    done
    check "month,$by: every month's rows equal its own report by $by" cmp "$T/want" "$T/got"
    check "month,$by: every month has a row per key of the range ($keys)" test -z "$bad" -a "$keys" != "[]"
    check "month,$by: 25 months of rows, then the total" \
        test "$(jq -c '[length, .[-1].key]' "$T/grouped")" = "[$((25 * $(echo "$keys" | jq length) + 1)),\"total\"]"
    check "month,$by: the rows add up to the total" \
        test "$(jq '[.[:-1][] | .clocks] | add' "$T/grouped")" = "$(jq '.[-1].clocks' "$T/grouped")"
    check "month,$by: the total is that of the range by $by" \
        test "$(jq -c '.[-1]' "$T/grouped")" = \
        "$("$PMIS" --json ticket compliance --from 2023-01 --to 2025-01 --by "$by" | jq -c '.[-1]')"
done

# the month boundaries (clocks by metric): a fault's arrival clock starts when it is taken in,
# its restoration clock when the crew arrives (the 23:59:59 one's at 00:19:59, in March)
check "February 2024 keeps the arrival of 23:59:59 on the 29th, March has that of 00:00 on the 1st" \
    test "$(jq -c '[.[] | select(.month == "2024-02" or .month == "2024-03") | [.month, .key, .clocks]]' "$T/grouped")" = \
    '[["2024-02","arrival",2],["2024-02","response",1],["2024-02","restore",1],["2024-03","arrival",1],["2024-03","response",0],["2024-03","restore",2]]'
check "December 2023 and January 2024 split at local midnight" \
    test "$(jq -c '[.[] | select((.month == "2023-12" or .month == "2024-01") and .key == "response") | [.month, .clocks]]' "$T/grouped")" = \
    '[["2023-12",1],["2024-01",2]]'
expect_ok "month,org: a key without clocks in a month is zeros, no rate" --json ticket compliance --from 2023-01 --to 2025-01 --by month,org
check "... 杭州 and 宁波 in March 2023" \
    test "$(jq -c '[.[] | select(.month == "2023-03") | [.key, .clocks, .rate_pct]]' "$T/out")" = \
    '[["ZJ-HZ",0,null],["ZJ-NB",0,null]]'

done_testing
