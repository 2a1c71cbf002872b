# tests/web/seed.sh — sourced by tests/web/run.sh (after lib.sh): the browser journeys'
# database. Orgs ZJ > ZJ-HZ > ZJ-HZ-XH and ZJ-NB; 张三 (1000000000, phone 13812345678) with
# account 100000000001 and meter WM-1, a general C&I customer with WM-2, 12 more customers for
# paging, 李四 in Ningbo; a flat tariff; bill run 1 (2025-05, issued, due 2025-06-10) and run
# 2 (2025-06, WM-2's bill in review for a consumption spike, not issued); a payment on 张三's
# account; users lilei (service agent, ZJ-HZ, English journey), cashier1 (cashier, ZJ-HZ) and
# zhuguan (manager of ZJ, password $approver_pw), who approves a reversal.
# Needs $PMIS, $T; sets admin_otp, en_otp, cashier_otp. "Now" is PMIS_NOW (2025-07-01 here).
approver_pw=Shenpi2025pwx
seed_web_db() {
    cat >"$T/flat.json" <<'END'
{"code": "WEB-FLAT", "name": "测试单一电价", "category": "resident",
 "versions": [{"effective_from": "2020-01-01", "energy": {"price": "0.5"}}]}
END
    cat >"$T/r.csv" <<'END'
meter,read_on,source,total
WM-1,2025-03-15,remote,1000
WM-1,2025-04-15,remote,1180
WM-1,2025-05-15,remote,1400
WM-1,2025-06-15,remote,1620
WM-2,2025-03-15,remote,5000
WM-2,2025-04-15,remote,6000
WM-2,2025-05-15,remote,7100
WM-2,2025-06-15,remote,19000
END
    "$PMIS" --json init >"$T/init.json" 2>"$T/err" &&
        "$PMIS" org add ZJ --name 浙江省电力公司 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州供电公司 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-HZ-XH --name 西湖供电所 --level station --parent ZJ-HZ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波供电公司 --level city --parent ZJ >/dev/null &&
        "$PMIS" customer add --name 张三 --type resident --voltage 220V --address 杭州市西湖区文三路1号 \
            --org ZJ-HZ-XH --phone 13812345678 --id-no 110101199003071233 --opened 2024-01-05 >/dev/null &&
        "$PMIS" customer add --name 李四 --type resident --voltage 220V --address 宁波市海曙区某路2号 \
            --org ZJ-NB --phone 13900001111 --opened 2024-01-05 >/dev/null &&
        "$PMIS" customer add --name 杭州西湖丝绸厂 --type general_ci --voltage 10kV \
            --address 杭州市西湖区丝绸路8号 --org ZJ-HZ-XH --phone 13755550000 --opened 2024-01-05 >/dev/null ||
        return 1
    i=1
    while [ $i -le 12 ]; do
        "$PMIS" customer add --name "杭州第${i}纺织有限公司" --type general_ci --voltage 10kV \
            --address "杭州市西湖区工业路${i}号" --org ZJ-HZ-XH --phone "1371000$(printf %04d $i)" \
            --opened 2024-02-01 >/dev/null || return 1
        i=$((i + 1))
    done
    "$PMIS" tariff load "$T/flat.json" >/dev/null &&
        "$PMIS" account add 1000000000 --tariff WEB-FLAT --cycle-day 15 --opened 2024-01-05 >/dev/null &&
        "$PMIS" account add 1000000002 --tariff WEB-FLAT --cycle-day 15 --opened 2024-01-05 >/dev/null &&
        "$PMIS" meter add WM-1 --model DDZY71 --phases 1 >/dev/null &&
        "$PMIS" meter add WM-2 --model DTZY71 --phases 3 >/dev/null &&
        "$PMIS" meter install WM-1 --account 100000000001 --date 2025-03-01 --reads total=1000 >/dev/null &&
        "$PMIS" meter install WM-2 --account 100000000201 --date 2025-03-01 --reads total=5000 >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null &&
        PMIS_NOW=2025-05-01T02:00:00Z "$PMIS" bill run --period 2025-04 >/dev/null &&
        PMIS_NOW=2025-05-01T02:00:00Z "$PMIS" bill issue 1 --due-date 2025-05-10 >/dev/null &&
        PMIS_NOW=2025-06-01T02:00:00Z "$PMIS" bill run --period 2025-05 >/dev/null &&
        PMIS_NOW=2025-06-01T02:00:00Z "$PMIS" bill issue 2 --due-date 2025-06-10 >/dev/null &&
        PMIS_NOW=2025-07-01T02:00:00Z "$PMIS" bill run --period 2025-06 >/dev/null &&
        PMIS_NOW=2025-05-20T02:00:00Z "$PMIS" pay 100000000001 90.00 --date 2025-05-20 >/dev/null &&
        "$PMIS" --json user add lilei --org ZJ-HZ --roles service_agent --name "Li Lei" >"$T/user.json" &&
        "$PMIS" --json user add cashier1 --org ZJ-HZ --roles cashier --name 王收费 >"$T/cashier.json" &&
        echo "$approver_pw" | "$PMIS" user add zhuguan --org ZJ --roles manager --name 赵主管 \
            --password-stdin >/dev/null ||
        return 1
    admin_otp=$(jq -r .admin_one_time_password "$T/init.json")
    en_otp=$(jq -r .one_time_password "$T/user.json")
    cashier_otp=$(jq -r .one_time_password "$T/cashier.json")
}
