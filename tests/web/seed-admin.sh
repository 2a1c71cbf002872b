# tests/web/seed-admin.sh — sourced by tests/web/run.sh: the administration journey's extra
# data (web/tests/e2e/admin.mjs), called after seed_web_db. 李四 (1000000001, ZJ-NB) gets
# account 100000000101 with meter WM-3 read on 2025-05-15 and 2025-06-15 but no bill: the
# journey starts a bill run of 2025-06 for ZJ-NB from the billing page and watches it finish.
# Six meter readers of ZJ-NB (chaobiao01..06, the last disabled) give the Users page two
# keyset pages of ten.
seed_admin_db() {
    for i in 1 2 3 4 5 6; do
        "$PMIS" user add "chaobiao0$i" --org ZJ-NB --roles billing_clerk --name "抄表员$i" \
            >/dev/null || return 1
    done
    "$PMIS" user disable chaobiao06 >/dev/null || return 1
    printf '%s\n' meter,read_on,source,total WM-3,2025-05-15,remote,300 WM-3,2025-06-15,remote,420 \
        >"$T/r-admin.csv"
    "$PMIS" account add 1000000001 --tariff WEB-FLAT --cycle-day 15 --opened 2024-01-05 >/dev/null &&
        "$PMIS" meter add WM-3 --model DDZY71 --phases 1 >/dev/null &&
        "$PMIS" meter install WM-3 --account 100000000101 --date 2025-03-01 --reads total=200 >/dev/null &&
        "$PMIS" import readings "$T/r-admin.csv" >/dev/null
}
