# tests/web/seed-apply.sh — sourced by tests/web/run.sh; seed_apply_db (after seed_web_db, "now"
# 2025-07-01) adds what web/tests/e2e/apply.mjs needs:
# - applications: a residential new connection of ZJ-HZ accepted 2025-06-02 and still at 受理
#   (overdue by now), and stock meter WA-1 for the one the journey opens and completes;
# - surveys: three consult orders of 杭州第1..3纺织有限公司 archived in June, the first two
#   answered (满意 with scores, 基本满意), the third waiting for its callback (its id in
#   $survey_open); campaign 六月回访 over ZJ-HZ;
# - disconnection: 杭州某某医院 (important customer, general C&I, station ZJ-HZ-GS of its own,
#   so that its bill run touches no other account) with account
#   $hosp_acct, a March bill due 2025-04-10 unpaid, its notice served on 2025-06-20 (ready by
#   now); fuzong, a second manager of ZJ (password $approver_pw), gives the second approval.
seed_apply_db() {
    pw="$approver_pw"
    "$PMIS" meter add WA-1 --model DDZY71 --phases 1 >/dev/null &&
        PMIS_NOW=2025-06-02T02:00:00Z "$PMIS" apply new --kind new_lv_res --org ZJ-HZ-XH --name 王五 \
            --type resident --voltage 220V --address 杭州市西湖区学院路5号 --capacity 8 \
            --tariff WEB-FLAT >/dev/null &&
        echo "$pw" | "$PMIS" user add fuzong --org ZJ --roles manager --name 钱副总 --password-stdin \
            >/dev/null ||
        return 1
    # three archived consult orders of June, two answered
    k=3
    for day in 10 11 12; do
        id=$(PMIS_NOW=2025-06-${day}T02:00:00Z "$PMIS" --json ticket add --type consult --channel phone \
            --area urban --cust 100000000$k --text 咨询电价政策 | jq -r .id) || return 1
        for s in classified replied reviewed archived; do
            PMIS_NOW=2025-06-${day}T03:00:00Z "$PMIS" ticket move "$id" $s --note 已处理 >/dev/null ||
                return 1
        done
        case $day in
        10) PMIS_NOW=2025-06-${day}T05:00:00Z "$PMIS" survey record "$id" --result satisfied \
            --scores efficiency=5,quality=5,price=4,after_sales=4 >/dev/null ;;
        11) PMIS_NOW=2025-06-${day}T05:00:00Z "$PMIS" survey record "$id" \
            --result basically_satisfied --comment 等待时间稍长 >/dev/null ;;
        12) survey_open=$id ;;
        esac || return 1
        k=$((k + 1))
    done
    "$PMIS" survey campaign create --name 六月回访 --org ZJ-HZ --period 2025-06 --pct 50 --seed 42 \
        >/dev/null || return 1
    # the important customer in arrears
    printf 'meter,read_on,source,total\nWM-9,2025-02-15,remote,100\nWM-9,2025-03-15,remote,600\n' \
        >"$T/hosp.csv"
    # the station may exist already (seed-service.sh puts a customer without an account there)
    "$PMIS" --json org list | jq -e '.[] | select(.code == "ZJ-HZ-GS")' >/dev/null ||
        "$PMIS" org add ZJ-HZ-GS --name 拱墅供电所 --level station --parent ZJ-HZ >/dev/null ||
        return 1
    cust=$("$PMIS" --json customer add --name 杭州某某医院 --type general_ci --voltage 10kV \
        --address 杭州市拱墅区医院路9号 --org ZJ-HZ-GS --important yes --phone 13700009999 \
        --opened 2025-01-05 | jq -r .cust_no) &&
        hosp_acct=$("$PMIS" --json account add "$cust" --tariff WEB-FLAT --cycle-day 15 \
            --opened 2025-01-05 | jq -r .account_no) &&
        "$PMIS" meter add WM-9 --model DTZY71 --phases 3 >/dev/null &&
        "$PMIS" meter install WM-9 --account "$hosp_acct" --date 2025-01-15 --reads total=0 >/dev/null &&
        "$PMIS" import readings "$T/hosp.csv" >/dev/null &&
        PMIS_NOW=2025-04-01T02:00:00Z "$PMIS" bill run --period 2025-03 --org ZJ-HZ-GS >/dev/null &&
        run=$("$PMIS" --json bill runs --period 2025-03 | jq -r '[.[].run] | max') &&
        PMIS_NOW=2025-04-01T02:00:00Z "$PMIS" bill issue "$run" --due-date 2025-04-10 >/dev/null &&
        PMIS_NOW=2025-06-20T02:00:00Z "$PMIS" disconnect notice "$hosp_acct" >/dev/null ||
        return 1
}
