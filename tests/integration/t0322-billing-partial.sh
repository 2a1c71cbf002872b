#!/bin/sh
# Partial months in a bill run: a two-part customer connected on 2024-07-20 pays the basic
# charge for 12 of July's 31 days (2024 rule, cn-tariff-rules.md §3.4 E9e: 25,500 x 12/31 =
# 9,870.97), and a residential customer connected in July gets annual tier bounds for 6
# months of the year (§1.3 R9: 2760 x 6/12 = 1380 kWh).
. "$PMIS_TOP/tests/integration/lib.sh"

cat >"$T/c.csv" <<'END'
cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on
3300000011,杭州某某水泥有限公司,large_industry,10kV,active,0,杭州市,,,,ZJ,2024-07-20,
3300000012,李四,resident,220V,active,0,杭州市,,,,ZJ,2024-07-05,
END
cat >"$T/a.csv" <<'END'
account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on
330000001101,3300000011,LI-2PART-CAP,1000,,none,28,postpaid,,,,,2024-07-20
330000001201,3300000012,RES-TIER,,,,28,postpaid,,,,,2024-07-05
END
cat >"$T/m.csv" <<'END'
asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads
M11,DSZY,3,,,"total,sharp,peak,flat,valley",8,330000001101,2024-07-20,total=0
M12,DDZY,1,,,"total,peak,valley",,330000001201,2024-07-05,total=0
END
# M12: 1,500 kWh from 2024-07-05 to 2024-08-28 (tier 1 of the pro-rated 1380 kWh is exceeded)
cat >"$T/r.csv" <<'END'
meter,read_on,source,total,sharp,peak,flat,valley
M11,2024-07-28,remote,1000,100,300,400,200
M12,2024-07-28,remote,0,,0,,0
M12,2024-08-28,remote,1500,,1000,,500
END
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null &&
        "$PMIS" import customers "$T/c.csv" >/dev/null &&
        "$PMIS" import accounts "$T/a.csv" >/dev/null &&
        "$PMIS" import meters "$T/m.csv" >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null
}
setup || { not_ok "set up"; expect_ok "list the runs" bill runs --json
check "two runs, newest first, with their bills" grep -q '^\[{"run":2,"period":"2024-08","org":null,"cycle_day":null,"status":"computed","bills":2,.*{"run":1,"period":"2024-07"' "$T/out"
done_testing; exit 1; }
export PMIS_NOW=2024-08-01T02:00:00Z
expect_ok "bill run for 2024-07" bill run --period 2024-07
id=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '330000001101'")
expect_ok "explain" bill explain "#$id"
check "E9e: 1,000 kVA x 25.5 x 12/31 days = 9,870.97" out_has "^  basic .* 9870\.97 "
check "the window starts at the installation reading" out_has "2024-07-20 \(manual\) -> 2024-07-28 \(remote\)"
export PMIS_NOW=2024-09-01T02:00:00Z
expect_ok "bill run for 2024-08" bill run --period 2024-08
id=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '330000001201' AND b.period = '2024-08'")
expect_ok "explain the resident" bill explain "#$id"
check "R9: 6 months of supply in 2024" out_has "6 months of supply this year"
check "tier 2 surcharge on the 120 kWh above 1380: 6.00" out_has "^  tier_surcharge .* 6\.00 "
check "energy 1000 x 0.568 + 500 x 0.288 = 712.00" out_has "^  energy .* 712\.00 "
expect_ok "list the runs" bill runs --json
check "two runs, newest first, with their bills" grep -q '^\[{"run":2,"period":"2024-08","org":null,"cycle_day":null,"status":"computed","bills":2,.*{"run":1,"period":"2024-07"' "$T/out"
done_testing
