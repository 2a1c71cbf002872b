#!/bin/sh
# pmis bill run with time-of-use periods by time window (GD-CI-TOU): the split of a meter's
# register advance comes from its interval data (rules §2.3 T1: critical 2,000 / peak 18,000 /
# flat 30,000 / valley 20,000 kWh -> energy 47,092.60, funds 2,065.00, total 49,157.60), the
# interval values are meter-side (x the multiplier, as registers), incomplete data leave the rest
# of the advance in the flat period and send the bill to review, and a demand tariff takes the
# maximum demand from 30-minute intervals when the meter has no demand register (E9b again).
. "$PMIS_TOP/tests/integration/lib.sh"

cat >"$T/c.csv" <<'END'
cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on
4400000001,广州某某商贸有限公司,general_ci,10kV,active,0,广州市1号,,,,GD,2020-01-01,
4400000002,广州某某酒店有限公司,general_ci,10kV,active,0,广州市2号,,,,GD,2020-01-01,
4400000003,广州某某钢铁有限公司,large_industry,10kV,active,0,广州市3号,,,,GD,2020-01-01,
END
cat >"$T/a.csv" <<'END'
account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on
440000000101,4400000001,GD-CI-TOU,,,,1,postpaid,,,,,2020-01-01
440000000201,4400000002,GD-CI-TOU,,,,1,postpaid,,,,,2020-01-01
440000000301,4400000003,SH-LI-2P,1250,600,0.90,15,postpaid,,,,,2020-01-01
END
# G1, G2: CT 100/5 = multiplier 20, with peak/valley registers the window tariff must ignore;
# G3: multiplier 2000 and no demand register
cat >"$T/m.csv" <<'END'
asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads
G1,DTZY,3,100/5,,"total,peak,valley",8,440000000101,2020-01-01,total=0
G2,DTZY,3,100/5,,"total,peak,valley",8,440000000201,2020-01-01,total=0
G3,DSZY,3,100/5,10000/100,"total,sharp,peak,flat,valley,reactive",8,440000000301,2020-01-01,total=0
END
# 3,500 kWh on the meter x 20 = 70,000 kWh; the registers split it 2,000 peak / 1,500 valley
cat >"$T/r.csv" <<'END'
meter,read_on,source,total,sharp,peak,flat,valley,reactive
G1,2025-07-01,remote,1000,,600,,400,
G1,2025-08-01,remote,4500,,2600,,1900,
G2,2025-07-01,remote,1000,,600,,400,
G2,2025-08-01,remote,4500,,2600,,1900,
G3,2025-05-15,remote,1050,105,315,420,210,634.5
G3,2025-06-15,remote,1100,110,330,440,220,669
END
# 15-minute curves of 2025-07-02 .. 2025-08-01 (the window after the 07-01 reading) whose sums
# by the summer windows are, on the meter, critical 100 / peak 900 / flat 1,500 / valley 1,000
# kWh: each period's total spread evenly in Wh, the remainder one Wh at a time
awk -v meters="G1 G2" 'BEGIN {
    split("100000 900000 1500000 1000000", tot, " ") # sharp peak flat valley, Wh
    split("372 496 1116 992", npts, " ")              # points of each in 31 days
    for (k = 1; k <= 4; k++) { base[k] = int(tot[k] / npts[k]); rem[k] = tot[k] - base[k] * npts[k] }
    printf "meter,date"
    for (i = 1; i <= 96; i++) printf ",p%d", i
    printf "\n"
    nm = split(meters, m, " ")
    for (j = 1; j <= nm; j++) {
        for (k = 1; k <= 4; k++) left[k] = rem[k]
        for (d = 2; d <= 32; d++) {
            day = d <= 31 ? sprintf("2025-07-%02d", d) : "2025-08-01"
            # G2 lacks the curve of 2025-07-15
            if (m[j] == "G2" && day == "2025-07-15") continue
            printf "%s,%s", m[j], day
            for (i = 0; i < 96; i++) {
                t = i * 15
                k = t < 480 ? 4 : t < 600 ? 3 : t < 660 ? 2 : t < 720 ? 1 : t < 840 ? 3 : \
                    t < 900 ? 2 : t < 1020 ? 1 : t < 1140 ? 2 : 3
                v = base[k]
                if (left[k] > 0) { v++; left[k]-- }
                printf ",%d.%03d", int(v / 1000), v % 1000
            }
            printf "\n"
        }
    }
}' >"$T/iv.csv"
# G3: one day of 30-minute data, largest point 0.175 kWh = 0.35 kW on the meter = 700 kW
awk 'BEGIN {
    printf "meter,date"
    for (i = 1; i <= 48; i++) printf ",p%d", i
    printf "\nG3,2025-06-10"
    for (i = 1; i <= 48; i++) printf ",%s", i == 20 ? "0.175" : "0.100"
    printf "\n"
}' >"$T/iv3.csv"

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add GD --name 广东 --level province >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/guangdong-ci-tou.json" >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/large-industry.json" >/dev/null &&
        "$PMIS" import customers "$T/c.csv" >/dev/null &&
        "$PMIS" import accounts "$T/a.csv" >/dev/null &&
        "$PMIS" import meters "$T/m.csv" >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null &&
        "$PMIS" import intervals "$T/iv.csv" >/dev/null &&
        "$PMIS" import intervals "$T/iv3.csv" >/dev/null
}
setup || { not_ok "set up customers, meters, readings, intervals and tariffs"; cat "$T/err" 2>/dev/null; done_testing; exit 1; }
check "the multiplier is 20" test "$(sql "SELECT multiplier FROM meter WHERE asset_no = 'G1'")" = 20

export PMIS_NOW=2025-08-05T02:00:00Z
expect_ok "bill run for 2025-08, reading day 1" bill run --period 2025-08 --cycle-day 1
check "two bills, one in review" sh -c "grep -q '^bills: *2$' '$T/out' && grep -q '^in review: *1' '$T/out'"

# ---- complete data: T1 ----
run bill list --account 440000000101 --period 2025-08 --json
check "T1: 70,000 kWh, 49,157.60, released without review" grep -q '"status":"draft","tariff":"GD-CI-TOU","read_from":"2025-07-02","read_to":"2025-08-01","energy_kwh":"70000.00","total":"49157.60"' "$T/out"
g1=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '440000000101'")
expect_ok "explain T1" bill explain "#$g1"
check "the intervals' split, on the meter" out_has "G1 interval data: 31/31 days sharp 100\.000 peak 900\.000 flat 1500\.000 valley 1000\.000"
check "x 20: critical 2,000 / peak 18,000 / flat 30,000 / valley 20,000 kWh" out_has "sharp 2000\.000, peak 18000\.000, flat 30000\.000, valley 20000\.000"
check "T1 energy 2,762.60 + 19,890.00 + 19,500.00 + 4,940.00 = 47,092.60" out_has "energy .* 47092\.60"
check "T1 funds 70,000 x 0.0295 = 2,065.00" out_has "gov_funds .* 2065\.00"
check "T1 total 49,157.60" out_has "^total +49,157\.60 yuan"
check "the registers' 2,000 / 1,500 split is not billed" not out_has "peak 40000\.000"
check "no remainder to the flat period" not out_has "billed as flat"

# ---- a day of data missing ----
run bill review list --json
check "incomplete interval data go to review" grep -q '"account_no":"440000000201".*"energy_kwh":"70000.00".*"review_reason":"interval data incomplete"' "$T/out"
g2=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '440000000201'")
expect_ok "explain the incomplete bill" bill explain "#$g2"
check "30 of 31 days" out_has "G2 interval data: 30/31 days"
check "the register advance not covered goes to the flat period" out_has "register advance less interval data: [0-9]+\.[0-9]{3} kWh billed as flat"
check "the whole advance is billed: 70,000 kWh" test "$(sql "SELECT energy_wh FROM bill WHERE id = $g2")" = 70000000

# ---- a re-run gives the same bills ----
q="SELECT b.account_id, b.status, b.energy_wh, b.total_fen, b.review_reason, b.usage_text, b.reads_text, l.line_no, l.amount_fen, l.parts FROM bill b LEFT JOIN bill_line l ON l.bill_id = b.id ORDER BY b.account_id, l.line_no"
sql "$q" >"$T/run1"
expect_ok "re-run August" bill run --period 2025-08 --cycle-day 1
check "two drafts replaced" out_has "^replaced: +2 earlier drafts"
sql "$q" >"$T/run2"
check "identical bills" cmp -s "$T/run1" "$T/run2"

# ---- maximum demand from intervals (E9b, as t0320 with a demand register) ----
export PMIS_NOW=2025-06-20T02:00:00Z
expect_ok "bill run for 2025-06, reading day 15" bill run --period 2025-06 --cycle-day 15
run bill list --account 440000000301 --period 2025-06 --json
check "no demand register: 700 kW from the intervals, total 111,999.18" grep -q '"status":"draft".*"energy_kwh":"100000.00","total":"111999.18"' "$T/out"
g3=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '440000000301'")
expect_ok "explain it" bill explain "#$g3"
check "the interval maximum on the meter" out_has "G3 interval data: 1/31 days.* max demand 0\.350 kW"
check "max demand 700 kW billed" out_has "max demand 700\.000 kW"
check "E9b: 70 kW above 105 % at double price" out_has "basic_excess .* 5712\.00"

# ---- without interval data a demand tariff cannot price ----
sql "DELETE FROM meter_interval WHERE meter_id = (SELECT id FROM meter WHERE asset_no = 'G3')" >/dev/null
expect_ok "re-run June without G3's curve" bill run --period 2025-06 --cycle-day 15
run bill review list --json
check "no maximum demand: in review" grep -q '"account_no":"440000000301".*"review_reason":"cannot price: .*no maximum demand' "$T/out"
done_testing
