#!/bin/sh
# Error messages in the user's language: every error()/error_prefix() format string of src/ has
# its Chinese translation in po/zh_CN.po (tools/po.sh check: xgettext, msgmerge, msgfmt
# --check-format); the API answers in Chinese when Accept-Language prefers zh (same code,
# status and field; "message_en" keeps the English), in English otherwise; the CLI speaks
# Chinese when LC_ALL, LC_MESSAGES or LANG starts with "zh".
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

# ---- the catalogue covers every message (once: it does not depend on the backend) ----
if [ "$PMIS_BACKEND" = sqlite ]; then
    if (cd "$PMIS_TOP" && sh tools/po.sh check) >"$T/po.out" 2>&1; then
        ok "every error message of src/ has a Chinese translation"
    else
        not_ok "every error message of src/ has a Chinese translation"
        sed 's/^/#   /' "$T/po.out" | head -60
    fi
fi

"$PMIS" --json init >"$T/init.json" 2>/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    echo Xk9mPq2wLz | "$PMIS" user add agent --org ZJ --roles service_agent --password-stdin \
        >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

# ---- CLI: LC_ALL, then LC_MESSAGES, then LANG ----
zh() { env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
zh customer show 12
check "LANG=zh_CN.UTF-8: the error in Chinese, the same exit code" \
    test "$rc" = 66 -a "$(cat "$T/err")" = "pmis: 错误：未知客户 '12'"
run customer show 12
check "LC_MESSAGES=C (the tests): English" \
    test "$rc" = 66 -a "$(cat "$T/err")" = "pmis: error: unknown customer '12'"
env LC_ALL=C LANG=zh_CN.UTF-8 "$PMIS" customer show 12 2>"$T/err"
check "LC_ALL=C wins over LANG" grep -qx "pmis: error: unknown customer '12'" "$T/err"
env -u LC_ALL LC_MESSAGES=zh_CN.UTF-8 LANG=C "$PMIS" org add ZZ --name x --level bogus 2>"$T/err"
check "LC_MESSAGES=zh_CN wins over LANG=C; a prefixed message (error_prefix) in Chinese" \
    grep -qx "pmis: 错误：组织单位 'ZZ'：未知层级 'bogus'（hq、province、city、county、station）" \
    "$T/err"
printf '{"code":"X1","name":"x","category":"resident"}' >"$T/bad.json"
zh tariff load "$T/bad.json"
check "a message with an argument (%s, %d ...) keeps it in Chinese" \
    grep -q "pmis: 错误：$T/bad.json：电价 'X1'：.*缺少 'versions'" "$T/err"
zh fees policy add --from 2025-06-01 --resident 0.0001 --current-year 2 --cross-year 3 --min 0 \
    --source x
check "a bad rate: the parser's detail in Chinese too" test "$rc $(cat "$T/err")" = \
    "65 pmis: 错误：--resident '0.0001' 不是按日千分比（‰）的费率：小数超过 3 位"
zh fees policy add --from 2025-06-01 --resident 1 --current-year=-2 --cross-year 3 --min 0 \
    --source x
check "a negative rate" grep -qx "pmis: 错误：--current-year '-2' 不是按日千分比（‰）的费率：不能为负数" \
    "$T/err"
zh frobnicate
check "usage errors too (exit 64)" \
    test "$rc" = 64 -a "$(cat "$T/err")" = "pmis: 错误：未知命令 'frobnicate'（见 'pmis --help'）"

# ---- API: Accept-Language ----
serve_start PMIS_AUTH_LOCKOUT_AFTER=100

# expect_lang DESC ACCEPT-LANGUAGE STATUS BODY METHOD PATH [CURL ARGS]
expect_lang() {
    d="$1" lang="$2"
    shift 2
    st="$1" body="$2" m="$3" p="$4"
    shift 4
    expect "$d" "$st" "$body" "$m" "$p" -H "Accept-Language: $lang" "$@"
}
en='{"error":{"code":"unauthenticated","message":"invalid user name or password"}}'
cn='{"error":{"code":"unauthenticated","message":"用户名或密码错误","message_en":"invalid user name or password"}}'
bad_login() { expect_lang "$1" "$2" 401 "$3" POST /api/v1/auth/login -H "$JSON" \
    -d '{"username":"agent","password":"Wrong12345x"}'; }
expect "no Accept-Language: English" 401 "$en" POST /api/v1/auth/login -H "$JSON" \
    -d '{"username":"agent","password":"Wrong12345x"}'
bad_login "zh-CN: Chinese with message_en, same status and code" zh-CN "$cn"
bad_login "zh" zh "$cn"
bad_login "zh-Hans-CN" zh-Hans-CN "$cn"
bad_login "a browser's zh-CN,zh;q=0.9,en;q=0.8" "zh-CN,zh;q=0.9,en;q=0.8" "$cn"
bad_login "en-US,zh;q=0.5 prefers English" "en-US,zh;q=0.5" "$en"
bad_login "en;q=0.3, zh-TW;q=0.7 prefers Chinese" "en;q=0.3, zh-TW;q=0.7" "$cn"
bad_login "zh;q=0 refuses Chinese" "zh;q=0, fr" "$en"
bad_login "fr-FR: English" fr-FR "$en"
bad_login "* : English" "*" "$en"
expect_lang "the field at fault stays" zh-CN 400 \
    '{"error":{"code":"invalid","message":"字段 '"'"'password'"'"' 必须是字符串","message_en":"field '"'"'password'"'"' must be a string","field":"password"}}' \
    POST /api/v1/auth/login -H "$JSON" -d '{"username":"agent","password":12345}'
expect_lang "router errors in Chinese" zh-CN 404 \
    '{"error":{"code":"not_found","message":"资源不存在","message_en":"no such resource"}}' \
    GET /api/v1/no-such-thing
expect_lang "and in English" en 404 '{"error":{"code":"not_found","message":"no such resource"}}' \
    GET /api/v1/no-such-thing
expect_lang "malformed JSON: the parser's detail stays inside the Chinese text" zh 400 \
    '{"error":{"code":"invalid","message":"JSON 格式错误（第 1 行第 1 列）：'"'"'['"'"' or '"'"'{'"'"' expected near '"'"'x'"'"'","message_en":"malformed JSON at line 1 column 1: '"'"'['"'"' or '"'"'{'"'"' expected near '"'"'x'"'"'"}}' \
    POST /api/v1/auth/login -H "$JSON" -d 'x'
expect_lang "no session: Chinese" zh-CN 401 \
    '{"error":{"code":"unauthenticated","message":"请先登录","message_en":"authentication required"}}' \
    GET /api/v1/customers/1000000000
# a value longer than a message quotes ("%.64s"), cut inside a character: the message keeps
# whole characters (valid UTF-8, which JSON needs: the reply said only "invalid input")
login agent Xk9mPq2wLz agent.jar
long=$(printf '长%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30)
cut=$(printf '长%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21)
expect_lang "a long Chinese value cut in a message: whole characters, in both languages" zh-CN 400 \
    '{"error":{"code":"invalid","message":"查询参数 '"'"'from'"'"'：日期 '"'"''"$cut"''"'"' 无效：应为 YYYY-MM-DD 格式","message_en":"query parameter '"'"'from'"'"': invalid date '"'"''"$cut"''"'"': expected YYYY-MM-DD","field":"from"}}' \
    GET "/api/v1/tickets?from=$(printf %s "$long" | jq -sRr @uri)" -b "$T/agent.jar"
serve_stop
check "the access log stays English" not grep -q '用户名或密码错误' "$T/serve.log"

done_testing
