#!/bin/sh
# pmis bill run|review|issue|list|show|explain|adjust and tariff simulate: the month's bill run
# from imported readings and loaded tariffs, with the amounts of the worked examples in
# cn-tariff-rules.md (R1, R2, E9b, PF2, F1, M4), the review queue (zero, rollover, estimate),
# release with numbers and due dates, idempotent re-runs, a run broken half way and resumed,
# the one-run-per-period lock, corrections and the what-if.
. "$PMIS_TOP/tests/integration/lib.sh"

cat >"$T/c.csv" <<'END'
cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on
3300000001,张一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
3300000002,张二,resident,220V,active,0,杭州市2号,,,,ZJ,2020-01-01,
3300000003,张三,resident,220V,active,0,杭州市3号,,,,ZJ,2020-01-01,
3300000004,杭州某某钢铁有限公司,large_industry,10kV,active,0,杭州市4号,,,,ZJ,2020-01-01,
3300000005,张五,resident,220V,active,0,杭州市5号,,,,ZJ,2020-01-01,
3300000006,张六,resident,220V,active,0,杭州市6号,,,,ZJ,2020-01-01,
3300000007,张七,resident,220V,active,0,杭州市7号,,,,ZJ,2020-01-01,
END
cat >"$T/a.csv" <<'END'
account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on
330000000101,3300000001,BJ-RES,,,,15,postpaid,,,,,2020-01-01
330000000201,3300000002,BJ-RES,,,,15,postpaid,,,,,2020-01-01
330000000301,3300000003,BJ-RES,,,,15,postpaid,,,,,2020-01-01
330000000401,3300000004,SH-LI-2P,1250,600,0.90,15,postpaid,,,,,2020-01-01
330000000501,3300000005,BJ-RES,,,,15,postpaid,,,,,2020-01-01
330000000601,3300000006,BJ-RES,,,,15,postpaid,,,,,2020-01-01
330000000701,3300000007,BJ-RES,,,,15,postpaid,,,,,2020-01-01
END
# M4: CT 100/5 x PT 10000/100 = multiplier 2000; M5 is replaced by M6 on 2025-06-01
cat >"$T/m.csv" <<'END'
asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads
M1,DDZY,1,,,"total,peak,valley",,330000000101,2020-01-01,total=0
M2,DDZY,1,,,"total,peak,valley",,330000000201,2020-01-01,total=0
M3,DDZY,1,,,"total,peak,valley",6,330000000301,2020-01-01,total=0
M4,DSZY,3,100/5,10000/100,"total,sharp,peak,flat,valley,reactive,demand",8,330000000401,2020-01-01,total=0
M5,DDZY,1,,,"total,peak,valley",,330000000501,2020-01-01,total=0
M6,DDZY,1,,,"total,peak,valley",,,,
M7,DDZY,1,,,"total,peak,valley",,330000000601,2020-01-01,total=0
M8,DDZY,1,,,"total,peak,valley",,330000000701,2020-01-01,total=0
END
# M4 advances 2025-05-15 -> 06-15 (x 2000): sharp 5, peak 15, flat 20, valley 10 = total 50
# kWh -> 100,000 kWh; reactive 34.5 -> 69,000 kvarh (PF 0.82); demand 0.35 kW -> 700 kW
cat >"$T/r.csv" <<'END'
meter,read_on,source,total,sharp,peak,flat,valley,reactive,demand
M1,2025-04-15,remote,1000,,600,,400,,
M1,2025-05-15,remote,1300,,780,,520,,
M1,2025-06-15,remote,1600,,960,,640,,
M2,2025-04-15,remote,500,,300,,200,,
M2,2025-05-15,remote,600,,360,,240,,
M2,2025-06-15,remote,600,,360,,240,,
M3,2025-04-15,remote,999700,,599820,,399880,,
M3,2025-05-15,remote,999900,,599940,,399960,,
M3,2025-06-15,remote,200,,600120,,400080,,
M4,2025-04-15,remote,1000,100,300,400,200,600,0.3
M4,2025-05-15,remote,1050,105,315,420,210,634.5,0.32
M4,2025-06-15,remote,1100,110,330,440,220,669,0.35
M5,2025-04-15,remote,900,,540,,360,,
M5,2025-05-15,remote,1000,,600,,400,,
M6,2025-06-15,remote,200,,120,,80,,
M7,2025-04-15,remote,2000,,1200,,800,,
M7,2025-05-15,remote,2180,,1308,,872,,
M8,2025-04-15,remote,100,,60,,40,,
M8,2025-05-15,remote,2800,,1680,,1120,,
M8,2025-06-15,remote,3100,,1860,,1240,,
END
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/large-industry.json" >/dev/null &&
        "$PMIS" import customers "$T/c.csv" >/dev/null &&
        "$PMIS" import accounts "$T/a.csv" >/dev/null &&
        "$PMIS" import meters "$T/m.csv" >/dev/null &&
        "$PMIS" meter replace M5 M6 --date 2025-06-01 --old-reads total=1100,peak=660,valley=440 \
            --new-reads total=0,peak=0,valley=0 >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null
}
setup || { not_ok "set up customers, meters, readings and tariffs"; cat "$T/err" 2>/dev/null; done_testing; exit 1; }

# ---- bad input changes nothing ----
digest=$(db_digest)
expect_fail "a run needs a period" 64 "--period is required" bill run
expect_fail "a bad period" 65 "2025-13" bill run --period 2025-13
expect_fail "an unknown org" 66 "unknown org unit 'NOPE'" bill run --period 2025-05 --org NOPE
expect_fail "a reading day out of range" 64 "cycle-day" bill run --period 2025-05 --cycle-day 31
expect_fail "an unknown bill" 66 "no bill 'B2099010000001'" bill show B2099010000001
expect_fail "issue an unknown run" 66 "no bill run 99" bill issue 99
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- May: R1 and a full tier-1 year so far ----
export PMIS_NOW=2025-05-20T02:00:00Z
expect_ok "bill run for 2025-05" bill run --period 2025-05
check "seven bills" out_has "^bills: +7$"
expect_ok "list May" bill list --period 2025-05 --json
check "R1: 300 kWh at 0.4883 = 146.49" grep -q '"account_no":"330000000101","period":"2025-05","kind":"regular","status":"draft","tariff":"BJ-RES","read_from":"2025-04-16","read_to":"2025-05-15","energy_kwh":"300.00","total":"146.49"' "$T/out"
check "2,700 kWh all in tier 1: 1318.41" grep -q '"account_no":"330000000701".*"energy_kwh":"2700.00","total":"1318.41"' "$T/out"
run bill list --period 2025-05 --status review
check "nothing in review in May" test ! -s "$T/out"
# a filter that can match nothing is named, not answered with an empty list
expect_fail "list: a bad period" 65 "invalid period '2025-13': month 13 out of range" \
    bill list --period 2025-13
expect_fail "list: a period not YYYY-MM" 65 "invalid period '25-5'" bill list --period 25-5
expect_fail "list: an unknown status" 65 \
    "status is draft, review, approved, held or issued, not 'in_review'" \
    bill list --status in_review
expect_fail "runs: a bad period" 65 "invalid period '2025-13'" bill runs --period 2025-13
expect_fail "list: an unknown run" 66 "no bill run 999999" bill list --run 999999
expect_fail "review list: an unknown run" 66 "no bill run 999999" bill review list --run 999999
expect_fail "list: an unknown account" 66 "unknown account '000'" bill list --account 000
may=$(sql "SELECT id FROM bill_run WHERE period = '2025-05'")
expect_ok "issue May" bill issue "$may"
check "numbers B202505..." out_has "^issued 7 bills of run $may \(B2025050000001 \.\. B2025050000007\)"
check "due 15 days after issue" test "$(sql "SELECT DISTINCT due_on FROM bill WHERE period = '2025-05'")" = 2025-06-04
expect_fail "an issued bill cannot be reviewed" 67 "is issued" bill review hold B2025050000001 --note x
expect_ok "a re-run skips issued accounts" bill run --period 2025-05
check "all seven skipped" out_has "^skipped: +7 accounts already issued"

# ---- June: tiers across the year, the review queue, two-part tariff with power factor ----
export PMIS_NOW=2025-06-20T02:00:00Z
expect_ok "bill run for 2025-06" bill run --period 2025-06
check "seven bills, three in review" sh -c "grep -q '^bills: *7$' '$T/out' && grep -q '^in review: *3' '$T/out'"
run bill review list --json
check "zero consumption is in review" grep -q '"account_no":"330000000201".*"review_reason":"zero consumption' "$T/out"
check "the rollover is in review" grep -q '"account_no":"330000000301".*"energy_kwh":"300.00".*"review_reason":"rollover' "$T/out"
check "the missing reading is estimated from May (180 kWh)" grep -q '"account_no":"330000000601".*"energy_kwh":"180.00".*"review_reason":"estimated' "$T/out"
run bill list --account 330000000701 --period 2025-06 --json
check "R2: YTD 2,700 -> 180 kWh tier 1 + 120 kWh tier 2 = 152.49" grep -q '"energy_kwh":"300.00","total":"152.49"' "$T/out"
run bill list --account 330000000501 --period 2025-06 --json
check "meter replaced mid-period: 100 on the old + 200 on the new = 300 kWh, 146.49" grep -q '"energy_kwh":"300.00","total":"146.49"' "$T/out"
li=$(sql "SELECT id FROM bill WHERE period = '2025-06' AND account_id = (SELECT id FROM account WHERE account_no = '330000000401')")
expect_ok "explain the large industrial bill" bill explain "#$li"
check "the multiplier and readings are shown" out_has "M4 x2000 2025-05-15 \(remote\) -> 2025-06-15 \(remote\): total 1050.000-1100.000"
check "100,000 kWh after the multiplier" out_has "total 100000.000 kWh, sharp 10000.000, peak 30000.000, flat 40000.000, valley 20000.000, reactive 69000.000 kvarh, max demand 700.000 kW"
check "E9b: contract 600 kW billed" out_has "basic .* 24,?480\.00|basic .*24480\.00"
check "E9b: 70 kW above 105 % at double price" out_has "basic_excess .* 5712\.00"
check "PF2: power factor 0.82 against 0.90: +4 %" out_has "pf_adjust .*pf 0\.82"
check "F1-style funds: 100,000 kWh x 0.029115 = 2911.50" out_has "gov_funds .* 2911\.50"
check "energy: 10,000 x 1.35 + 30,000 x 1.08 + 40,000 x 0.60 + 20,000 x 0.24 = 74,700.00" out_has "energy .* 74700\.00"
check "pf adjustment: (74,700 + 24,480 + 5,712) x 4 % = 4,195.68" out_has "pf_adjust .* 4195\.68"
check "total 111,999.18" out_has "^total +111,999\.18 yuan"

# a re-run before release replaces the drafts with identical bills
sql "SELECT b.account_id, b.status, b.energy_wh, b.total_fen, b.usage_text, l.line_no, l.code, l.amount_fen, l.parts FROM bill b LEFT JOIN bill_line l ON l.bill_id = b.id WHERE b.period = '2025-06' ORDER BY b.account_id, l.line_no" >"$T/june1"
expect_ok "re-run June" bill run --period 2025-06
check "seven drafts replaced" out_has "^replaced: +7 earlier drafts"
sql "SELECT b.account_id, b.status, b.energy_wh, b.total_fen, b.usage_text, l.line_no, l.code, l.amount_fen, l.parts FROM bill b LEFT JOIN bill_line l ON l.bill_id = b.id WHERE b.period = '2025-06' ORDER BY b.account_id, l.line_no" >"$T/june2"
check "the re-run gives identical bills" cmp -s "$T/june1" "$T/june2"

# a run broken half way by a storage error leaves whole bills only, and resumes
sql "SELECT count(*), sum(total_fen) FROM bill WHERE period = '2025-06'" >"$T/june_sum"
PMIS_BILLING_BATCH=2 PMIS_FAULT=io:60 run bill run --period 2025-06
check "the broken run fails with an I/O error" test "$rc" -eq 74
check "no bill without its lines" test "$(sql "SELECT count(*) FROM bill b WHERE period = '2025-06' AND status <> 'review' AND NOT EXISTS (SELECT 1 FROM bill_line l WHERE l.bill_id = b.id)")" = 0
check "the run is left running" test "$(sql "SELECT status FROM bill_run ORDER BY id DESC LIMIT 1")" = running
expect_ok "running the period again resumes it" bill run --period 2025-06
check "resumed" out_has "\(resumed\)"
check "the same seven bills and total as a clean run" test "$(sql "SELECT count(*), sum(total_fen) FROM bill WHERE period = '2025-06'")" = "$(cat "$T/june_sum")"

# one run per period at a time: another session holds the period's lock (SQLite: flock on the
# lock file beside the database; PostgreSQL: the session advisory lock) and a run is refused
if [ "$PMIS_BACKEND" = sqlite ]; then
    db=${PMIS_TEST_DB#sqlite:}
    flock "$db-lock-bill-run-2025-06" sleep 3 &
else
    psql -X -q -A -t "$PMIS_TEST_DB" \
        -c "SELECT pg_advisory_lock(hashtext('bill-run-2025-06'))" -c "SELECT pg_sleep(3)" >/dev/null &
fi
sleep 0.5
expect_fail "a second run of the period is refused" 75 "a bill run for 2025-06 is already in progress" bill run --period 2025-06
expect_ok "another period is not blocked" bill run --period 2025-07 --dry-run
wait
expect_ok "once the other session ends the period runs again" bill run --period 2025-06 --dry-run

# review decisions, then release
estimated=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE b.period = '2025-06' AND a.account_no = '330000000601'")
zero=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE b.period = '2025-06' AND a.account_no = '330000000201'")
expect_fail "holding needs a note" 64 "needs --note" bill review hold "#$zero"
expect_ok "approve the estimate" bill review approve "#$estimated" --note "customer away, estimate agreed"
expect_ok "hold the zero bill" bill review hold "#$zero" --note "vacant? send a reader"
june=$(sql "SELECT id FROM bill_run WHERE period = '2025-06' AND status = 'computed'")
expect_ok "issue June" bill issue "$june" --due-date 2025-07-10
check "five issued, one in review, one held" sh -c "grep -q '^issued 5 bills' '$T/out' && grep -q '^not issued: 1 in review, 1 held' '$T/out'"
check "numbers continue per period" test "$(sql "SELECT min(bill_no) || ' ' || max(bill_no) FROM bill WHERE period = '2025-06' AND status = 'issued'")" = "B2025060000001 B2025060000005"
check "the given due date" test "$(sql "SELECT DISTINCT due_on FROM bill WHERE period = '2025-06' AND status = 'issued'")" = 2025-07-10
expect_fail "a due date in the past" 65 "before today" bill issue "$june" --due-date 2025-01-01

# ---- July: the next real reading settles the estimate (rules §8.5 M4) ----
export PMIS_NOW=2025-07-20T02:00:00Z
printf 'meter,read_on,source,total,peak,valley\nM7,2025-07-15,remote,2580,1548,1032\n' >"$T/r7.csv"
expect_ok "import July's reading" import readings "$T/r7.csv"
expect_ok "bill run for July (reading day 15 only)" bill run --period 2025-07 --cycle-day 15
run bill list --account 330000000601 --period 2025-07 --json
check "M4: two months' advance 400 less the 180 estimated = 220 kWh" grep -q '"energy_kwh":"220.00"' "$T/out"

# ---- corrections ----
expect_fail "a correction needs a reason" 64 "--reason is required" bill adjust B2025050000001 --kwh 280
expect_fail "only issued bills are corrected" 67 "only issued regular bills" bill adjust "#$zero" --kwh 1 --reason x
expect_ok "correct R1's 300 kWh to 280" bill adjust B2025050000001 --kwh 280 --reason "抄表错误"
check "a credit of 20 x 0.4883 = 9.77" out_has "correction #[0-9]+ of B2025050000001: -9\.77 yuan \(in review\)"
adj=$(sql "SELECT id FROM bill WHERE kind = 'adjustment'")
check "the original is untouched" test "$(sql "SELECT total_fen || ' ' || status FROM bill WHERE bill_no = 'B2025050000001'")" = "14649 issued"
expect_ok "approve the correction" bill review approve "#$adj"
expect_ok "issue it" bill issue "#$adj"
check "it gets the period's next number" out_is "issued B2025050000008"
expect_ok "a +4 % fast meter since 2024-05-15, found 2025-06-15" bill adjust --account 330000000101 \
    --meter-error +4 --tested 2024-05-15 --found 2025-06-15 --reason "验表: +4%"
check "corrections of the second half of the time" out_has "^[1-9][0-9]* correction bills in review"

# ---- what-if ----
sed 's/"0.4883"/"0.5000"/' "$PMIS_TOP/data/tariffs/beijing-resident.json" >"$T/bj-new.json"
digest=$(db_digest)
expect_ok "re-bill May under a higher tier-1 price" tariff simulate --file "$T/bj-new.json" --period 2025-05 --json
check "six residential bills re-priced" grep -q '"bills":6,' "$T/out"
check "R1 month: 300 kWh x 0.5 more revenue" grep -q '"by":"type","key":"resident","bills":6' "$T/out"
check "the what-if wrote nothing" test "$(db_digest)" = "$digest"

# ---- audit ----
expect_ok "runs, reviews, issues and corrections are audited" audit list --entity bill_run
check "runs and issues" test "$(grep -c 'bill\.\(run\|issue\)' "$T/out")" -ge 5
expect_ok "the chain holds" audit verify
done_testing
