#!/bin/sh
# The bad rows of an import give each reason in the caller's language: over the API by
# Accept-Language (zh*: Chinese, with reason_en beside it; otherwise English, unchanged), on
# the CLI by LANG, as errors do. Readings, intervals and a bank file's unmatched lines and bad
# records over the API; readings and customers (an archive file) on the CLI; a refused file
# stores nothing.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    "$PMIS" user add boss --all-orgs --roles administrator >/dev/null 2>&1 &&
    tk=$("$PMIS" token add t_imp --user boss --perms reading:import,payment:post 2>/dev/null) ||
    { not_ok "set up"; done_testing; exit 1; }
AU="Authorization: Bearer $tk"
serve_start
CSV="Content-Type: text/csv"
n_read=$(sql "SELECT COUNT(*) FROM meter_read")
printf 'meter,read_on,source,total\nM1,2024-12-15,remote,-5\nMX,2024-12-15,remote,10\nM2,2024-12-15,telepathy,10\n' >"$T/bad.csv"
reasons='[.error.bad[] | [.line, .column, .reason, .reason_en]]'

req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8" --data-binary @"$T/bad.csv"
check "readings, zh: 400, each bad row's reason in Chinese with the English beside it" \
    test "$status $(jq -c "$reasons" "$T/body")" = "400 $(printf '%s' \
    '[[2,"total","负值 '"'-5'"'","negative value '"'-5'"'"],' \
    '[3,"meter","未知电能表 '"'MX'"'","unknown meter '"'MX'"'"],' \
    '[4,"source","未知来源 '"'telepathy'"'（remote、manual、customer、estimated）","unknown source '"'telepathy'"' (remote, manual, customer, estimated)"]]')"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: en-GB" --data-binary @"$T/bad.csv"
check "readings, en: the same rows in English, no reason_en" \
    test "$status $(jq -c "$reasons" "$T/body")" = "400 $(printf '%s' \
    '[[2,"total","negative value '"'-5'"'",null],' \
    '[3,"meter","unknown meter '"'MX'"'",null],' \
    '[4,"source","unknown source '"'telepathy'"' (remote, manual, customer, estimated)",null]]')"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" --data-binary @"$T/bad.csv"
check "readings, no Accept-Language: English" \
    test "$(jq -r '.error.bad[0].reason' "$T/body")" = "negative value '-5'"
printf 'meter,read_on,source,total\nM1,2024-12-15,remote,150\nM1,2024-12-15,remote,160\n' >"$T/twice.csv"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: zh" --data-binary @"$T/twice.csv"
check "a reading given twice, zh: one whole Chinese message (the register's Chinese name), the values as the file wrote them" \
    test "$(jq -r '.error.bad[0] | .value + "|" + .reason + "|" + .reason_en' "$T/body")" = \
    "160|电能表 'M1' 2024-12-15 抄见的总示数在本行为 160 kWh，先前为 150 kWh（第 2 行）|meter 'M1' read on 2024-12-15: total is 160 kWh here but 150 kWh on line 2"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: en" --data-binary @"$T/twice.csv"
check "a reading given twice, en: the English message, no reason_en" \
    test "$(jq -c '.error.bad[0] | [.value, .reason, .reason_en]' "$T/body")" = \
    "[\"160\",\"meter 'M1' read on 2024-12-15: total is 160 kWh here but 150 kWh on line 2\",null]"
printf 'meter,read_on,source,total,peak,valley\nM1,2024-12-15,remote,170,5,\nM1,2024-12-16,remote,171,,\n' >"$T/regs.csv"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: zh" --data-binary @"$T/regs.csv"
check "a register the meter lacks, zh: the registers by their Chinese names, the column as the file names it" \
    test "$(jq -r '.error.bad[0] | .column + "|" + .reason + "|" + .reason_en' "$T/body")" = \
    "peak|电能表 'M1' 没有峰示数（它有总示数）|meter 'M1' has no 'peak' register (it has total)"
printf 'meter,read_on,source,total\nM1,2024-12-15,remote,150\nM1,2024-12-15,manual,150\n' >"$T/src.csv"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: zh" --data-binary @"$T/src.csv"
check "two sources for one day: the value is the file's source" \
    test "$(jq -c '.error.bad[0] | [.line, .column, .value]' "$T/body")" = '[3,"source","manual"]'
printf 'meter,read_on,source,total\nM1,2024-12-15,remote,"1,5"\nM1,2024-02-30,remote,1\nM1,2024-12-16,remote,1.2345\n' >"$T/parse.csv"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: zh-CN" --data-binary @"$T/parse.csv"
check "the core parsers' details, zh: in Chinese from the catalogue, the English beside" \
    test "$status $(jq -c '[.error.bad[] | [.line, .reason, .reason_en]]' "$T/body")" = "400 $(printf '%s' \
    '[[2,"电量 '"'1,5'"' kWh 无效：不允许千位分隔逗号","invalid energy '"'1,5'"' kWh: grouping commas not allowed"],' \
    '[3,"日期 '"'2024-02-30'"' 无效：日 30 超出 2024-02 的范围","invalid date '"'2024-02-30'"': day 30 out of range for 2024-02"],' \
    '[4,"电量 '"'1.2345'"' kWh 无效：小数超过 3 位","invalid energy '"'1.2345'"' kWh: more than 3 decimals"]]')"
req POST /api/v1/readings/import -H "$AU" -H "$CSV" -H "Accept-Language: en" --data-binary @"$T/parse.csv"
check "the core parsers' details, en: in English, no reason_en" \
    test "$(jq -c '[.error.bad[] | [.reason, .reason_en]]' "$T/body")" = "$(printf '%s' \
    '[["invalid energy '"'1,5'"' kWh: grouping commas not allowed",null],' \
    '["invalid date '"'2024-02-30'"': day 30 out of range for 2024-02",null],' \
    '["invalid energy '"'1.2345'"' kWh: more than 3 decimals",null]]')"
printf 'meter,ts,kwh\nM1,2024-12-15 25:00,1\n' >"$T/ts.csv"
req POST /api/v1/intervals/import -H "$AU" -H "$CSV" -H "Accept-Language: zh-CN" --data-binary @"$T/ts.csv"
check "intervals, a bad time, zh: wholly Chinese" \
    test "$(jq -r '.error.bad[0].reason' "$T/body")" = "时间 '2024-12-15 25:00' 无效：小时 25 超出范围"
printf 'meter,ts,kwh\nMX,2024-12-15T00:00,1.5\n' >"$T/iv.csv"
req POST /api/v1/intervals/import -H "$AU" -H "$CSV" -H "Accept-Language: zh-CN" --data-binary @"$T/iv.csv"
check "intervals, zh: the bad row's reason in Chinese" \
    test "$status $(jq -c '[.error.bad[] | [.line, .reason, .reason_en]]' "$T/body")" = \
    "400 [[2,\"未知电能表 'MX'\",\"unknown meter 'MX'\"]]"
check "the refused files stored nothing" test "$(sql "SELECT COUNT(*) FROM meter_read")" = "$n_read"

# ---- the CLI: by LANG ----
env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" import readings "$T/bad.csv" >/dev/null 2>"$T/err"
check "CLI, LANG zh_CN: the bad rows' reasons in Chinese" \
    grep -q "bad.csv:3: column meter, value 'MX': 未知电能表 'MX'" "$T/err"
env -u LC_ALL -u LC_MESSAGES LANG=C "$PMIS" import readings "$T/bad.csv" >/dev/null 2>"$T/err"
check "CLI, LANG C: in English" grep -q "bad.csv:3: column meter, value 'MX': unknown meter 'MX'$" "$T/err"
env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" --json import readings "$T/bad.csv" >"$T/out" 2>/dev/null
check "CLI --json, LANG zh_CN: each reason in Chinese with reason_en beside it" \
    test "$(jq -c '[.bad[] | [.line, .value, .reason, .reason_en]]' "$T/out")" = "$(printf '%s' \
    '[[2,"-5","负值 '"'-5'"'","negative value '"'-5'"'"],' \
    '[3,"MX","未知电能表 '"'MX'"'","unknown meter '"'MX'"'"],' \
    '[4,"telepathy","未知来源 '"'telepathy'"'（remote、manual、customer、estimated）","unknown source '"'telepathy'"' (remote, manual, customer, estimated)"]]')"
env -u LC_ALL -u LC_MESSAGES LANG=C "$PMIS" --json import readings "$T/bad.csv" >"$T/out" 2>/dev/null
check "CLI --json, LANG C: in English, no reason_en" \
    test "$(jq -c '[.bad[] | [.line, .reason, .reason_en]]' "$T/out")" = \
    "[[2,\"negative value '-5'\",null],[3,\"unknown meter 'MX'\",null],[4,\"unknown source 'telepathy' (remote, manual, customer, estimated)\",null]]"
check "CLI: the refused files stored nothing" test "$(sql "SELECT COUNT(*) FROM meter_read")" = "$n_read"
{ echo "$CUSTOMER_CSV_HEADER"; echo '3300000009,张九,alien,220V,active,0,杭州市9号,,,,HZ,2020-01-01,'; } >"$T/c.csv"
env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" import customers "$T/c.csv" >/dev/null 2>"$T/err"
check "CLI, an archive file's bad row, LANG zh_CN: in Chinese" \
    grep -q "c.csv:2: column user_type, value 'alien': user_type 'alien' 无效" "$T/err"
env -u LC_ALL -u LC_MESSAGES LANG=C "$PMIS" import customers "$T/c.csv" >/dev/null 2>"$T/err"
check "CLI, an archive file's bad row, LANG C: in English" \
    grep -q "c.csv:2: column user_type, value 'alien': invalid user_type 'alien'" "$T/err"

# ---- a bank file: unmatched lines and a bad record ----
printf 'H,B-1,2024-12-01\nD,T-1,%s,10.00\nD,T-2,330000009901,1.00\nT,2,11.00\n' $A1 >"$T/bank.csv"
req POST /api/v1/payments/import -H "$AU" -H "$CSV" -H "Accept-Language: zh-CN" --data-binary @"$T/bank.csv"
check "a bank file, zh: the unmatched line's reason in Chinese with the English beside it" \
    test "$status $(jq -c '[.posted, [.unmatched_lines[] | [.line, .reason, .reason_en]]]' "$T/body")" = \
    "200 [1,[[3,\"未知账户 '330000009901'\",\"unknown account '330000009901'\"]]]"
printf 'H,B-2,2024-12-01\nD,T-3,330000009902,1.00\nT,1,1.00\n' >"$T/bank2.csv"
req POST /api/v1/payments/import -H "$AU" -H "$CSV" -H "Accept-Language: en" --data-binary @"$T/bank2.csv"
check "a bank file, en: in English, no reason_en" \
    test "$status $(jq -c '[.unmatched_lines[] | [.line, .reason, .reason_en]]' "$T/body")" = \
    "200 [[2,\"unknown account '330000009902'\",null]]"
n_pay=$(sql "SELECT COUNT(*) FROM payment")
printf 'H,B-3,2024-12-01\nD,T-4,%s,0.00\nT,1,0.00\n' $A1 >"$T/bad-bank.csv"
req POST /api/v1/payments/import -H "$AU" -H "$CSV" -H "Accept-Language: zh-CN" --data-binary @"$T/bad-bank.csv"
check "a bad record, zh: 400, one whole Chinese message naming the line" \
    test "$status $(jq -r '.error | .message + "|" + .message_en' "$T/body")" = \
    "400 第 2 行：金额必须大于 0.00，不能是 '0.00'|line 2: amount must be more than 0.00, not '0.00'"
req POST /api/v1/payments/import -H "$AU" -H "$CSV" --data-binary @"$T/bad-bank.csv"
check "a bad record, en: the English text as before" \
    test "$status $(jq -r '.error.message' "$T/body")" = "400 line 2: amount must be more than 0.00, not '0.00'"
check "the refused bank file posted nothing" test "$(sql "SELECT COUNT(*) FROM payment")" = "$n_pay"
printf 'H,B-4,2024-12-01\nD,T-5,330000009903,1.00\nT,1,1.00\n' >"$T/bank4.csv"
env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" --json payment import "$T/bank4.csv" >"$T/out" 2>/dev/null
check "CLI --json payment import, LANG zh_CN: the unmatched reason in Chinese with reason_en" \
    test "$(jq -c '[.unmatched_lines[] | [.line, .reason, .reason_en]]' "$T/out")" = \
    "[[2,\"未知账户 '330000009903'\",\"unknown account '330000009903'\"]]"
printf 'H,B-5,2024-12-01\nD,T-6,330000009904,1.00\nT,1,1.00\n' >"$T/bank5.csv"
env -u LC_ALL -u LC_MESSAGES LANG=C "$PMIS" --json payment import "$T/bank5.csv" >"$T/out" 2>/dev/null
check "CLI --json payment import, LANG C: in English, no reason_en" \
    test "$(jq -c '[.unmatched_lines[] | [.line, .reason, .reason_en]]' "$T/out")" = \
    "[[2,\"unknown account '330000009904'\",null]]"
serve_stop
done_testing
