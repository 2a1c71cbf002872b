/*
 * Unit tests for the late-fee arithmetic of domain/ledger.h (rules §6.3): the worked examples
 * L1–L4 under the 1996 and the 2024 policy, the minimum (and a policy without one), a policy
 * change in the middle of the arrears, the accrual of a receivable (idempotent per day,
 * nothing on principal already paid), rounding half up, overflow, and the runs of days at one
 * rate against the sum day by day across policy and year boundaries.
 */
#include "core/common.h"
#include "domain/ledger.h"

#include <setjmp.h>
#include <cmocka.h>

static struct date D(int y, int m, int d)
{
    struct date x = { y, m, d };
    return x;
}

/* 1996 and 2024 rules as seeded by 0008_ledger.sql; optionally a third without a minimum */
static void policies(struct fee_policies *p, bool no_min_from_2025)
{
    memset(p, 0, sizeof(*p));
    p->p[p->n++] = (struct fee_policy){ D(1996, 10, 8), 1000, 2000, 3000, 100, "1996" };
    p->p[p->n++] = (struct fee_policy){ D(2024, 6, 1), 1000, 2000, 3000, 100, "2024" };
    if (no_min_from_2025)
        p->p[p->n++] = (struct fee_policy){ D(2025, 1, 1), 1000, 2000, 3000, 0, "none" };
}

static int64_t fee(const struct fee_policies *p, bool resident, int year, int64_t fen,
                   struct date due, struct date paid)
{
    struct err err;
    int64_t u;
    assert_int_equal(fee_ufen(p, resident, year, fen, due, paid, &u, &err), 0);
    return fee_charge(p, paid, u);
}

static void test_worked_examples(void **state)
{
    (void)state;
    struct fee_policies p;
    policies(&p, false);
    /* L1: non-residential 10,000 due 2024-12-25 paid 2025-01-10: 6 d × 2‰ + 10 d × 3‰ */
    assert_int_equal(fee(&p, false, 2024, 1000000, D(2024, 12, 25), D(2025, 1, 10)), 42000);
    /* L2: residential, same dates: 16 d × 1‰ */
    assert_int_equal(fee(&p, true, 2024, 1000000, D(2024, 12, 25), D(2025, 1, 10)), 16000);
    /* L3: residential 50.00 three days late: 0.15, the 1-yuan minimum */
    assert_int_equal(fee(&p, true, 2025, 5000, D(2025, 3, 1), D(2025, 3, 4)), 100);
    /* L4: non-residential 8,000, 10 days inside one year */
    assert_int_equal(fee(&p, false, 2025, 800000, D(2025, 3, 1), D(2025, 3, 11)), 16000);
    /* a bill of December paid the next year is cross-year from the first overdue day */
    assert_int_equal(fee(&p, false, 2024, 1000000, D(2025, 1, 15), D(2025, 1, 16)), 3000);
}

static void test_minimum_versions(void **state)
{
    (void)state;
    struct fee_policies p;
    policies(&p, true);
    /* L3 where the minimum was dropped: 0.15 */
    assert_int_equal(fee(&p, true, 2025, 5000, D(2025, 3, 1), D(2025, 3, 4)), 15);
    /* nothing overdue, nothing charged (no minimum on zero) */
    assert_int_equal(fee(&p, true, 2025, 5000, D(2025, 3, 1), D(2025, 3, 1)), 0);
    /* days before a rate change are priced by the old policy, after it by the new one */
    struct fee_policies q;
    policies(&q, false);
    q.p[q.n++] = (struct fee_policy){ D(2025, 3, 3), 2000, 2000, 3000, 0, "double" };
    /* 2025-03-02 at 1‰ + 03-03..03-04 at 2‰ on 100.00 = 0.10 + 0.40 */
    assert_int_equal(fee(&q, true, 2025, 10000, D(2025, 3, 1), D(2025, 3, 4)), 50);
}

static void test_rounding(void **state)
{
    (void)state;
    struct fee_policies p;
    policies(&p, true);
    /* 12.35 × 1‰ × 4 = 0.0494 -> 0.05 (half up from 4.94 fen) */
    assert_int_equal(fee(&p, true, 2025, 1235, D(2025, 3, 1), D(2025, 3, 5)), 5);
    /* 12.50 × 1‰ × 4 = 0.05 exactly; 12.25 × 1‰ × 2 = 0.0245 -> 0.02 */
    assert_int_equal(fee(&p, true, 2025, 1250, D(2025, 3, 1), D(2025, 3, 5)), 5);
    assert_int_equal(fee(&p, true, 2025, 1225, D(2025, 3, 1), D(2025, 3, 3)), 2);
    /* 2.5 fen goes up to 3 */
    assert_int_equal(fee_charge(&p, D(2025, 3, 3), 2500000), 3);
    assert_int_equal(fee_charge(&p, D(2025, 3, 3), 2499999), 2);
}

static void test_accrue_receivable(void **state)
{
    (void)state;
    struct fee_policies p;
    struct err err;
    int64_t added;
    policies(&p, false);
    struct receivable r = { .bill_id = 1, .bill_year = 2024, .resident = false,
                            .due_on = D(2024, 12, 25), .amount_fen = 1000000 };
    /* before the due date: nothing, and the day is not marked */
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2024, 12, 25), &added, &err), 0);
    assert_int_equal(added, 0);
    assert_false(date_is_valid(r.fee_through));
    /* L1 in two steps gives L1 */
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2024, 12, 31), &added, &err), 0);
    assert_int_equal(added, 12000);
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2025, 1, 10), &added, &err), 0);
    assert_int_equal(added, 30000);
    assert_int_equal(r.fee_fen, 42000);
    /* again for the same day, or an earlier one: nothing */
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2025, 1, 10), &added, &err), 0);
    assert_int_equal(added, 0);
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2025, 1, 5), &added, &err), 0);
    assert_int_equal(added, 0);
    assert_int_equal(r.fee_fen, 42000);
    /* half the principal paid: the next day costs 3‰ of 5,000.00 */
    r.paid_fen = 500000;
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2025, 1, 11), &added, &err), 0);
    assert_int_equal(added, 1500);
    /* all paid: nothing accrues on the fee itself */
    r.paid_fen = 1000000;
    assert_int_equal(ledger_rec_accrue(&p, &r, D(2025, 2, 11), &added, &err), 0);
    assert_int_equal(added, 0);
}

static void test_errors(void **state)
{
    (void)state;
    struct fee_policies p;
    struct err err;
    int64_t u;
    policies(&p, false);
    /* a day before the first policy */
    assert_int_equal(fee_ufen(&p, true, 1990, 100, D(1990, 1, 1), D(1990, 1, 2), &u, &err),
                     ERR_CONFIG);
    assert_non_null(strstr(err.msg, "1990-01-02"));
    /* a principal so large the product does not fit */
    assert_int_equal(fee_ufen(&p, false, 2024, INT64_MAX / 1000, D(2024, 1, 1), D(2024, 12, 31),
                              &u, &err),
                     ERR_INVALID);
}

/* the sum day by day, as the rules state it, against fee_ufen's runs of days */
static int64_t ufen_by_day(const struct fee_policies *p, bool resident, int year, int64_t fen,
                           struct date after, struct date through)
{
    int64_t sum = 0;
    for (int32_t d = date_to_days(after) + 1; d <= date_to_days(through); d++) {
        struct date day = date_from_days(d);
        const struct fee_policy *in = NULL;
        for (int i = 0; i < p->n && date_cmp(p->p[i].from, day) <= 0; i++)
            in = &p->p[i];
        sum += fen * (resident             ? in->resident_ppm
                      : day.y <= year      ? in->current_year_ppm
                                           : in->cross_year_ppm);
    }
    return sum;
}

static void test_runs_match_days(void **state)
{
    (void)state;
    struct fee_policies p;
    struct err err;
    int64_t u;
    policies(&p, false);
    /* a third version with other rates from 2025-03-01, so every boundary shows */
    p.p[p.n++] = (struct fee_policy){ D(2025, 3, 1), 1500, 2500, 3500, 0, "test" };
    for (int32_t a = date_to_days(D(2024, 4, 20)); a < date_to_days(D(2025, 6, 1)); a += 23)
        for (int32_t len = 0; len < 700; len += 29)
            for (int k = 0; k < 4; k++) {
                bool resident = k & 1;
                int year = k & 2 ? 2023 : 2024;
                struct date after = date_from_days(a), through = date_from_days(a + len);
                assert_int_equal(fee_ufen(&p, resident, year, 12345, after, through, &u, &err), 0);
                assert_int_equal(u, ufen_by_day(&p, resident, year, 12345, after, through));
            }
}

static void test_receipts(void **state)
{
    (void)state;
    char b[16];
    int64_t id;
    struct err err;
    assert_string_equal(ledger_receipt_no(42, b), "SK0000000042");
    assert_int_equal(ledger_receipt_parse("SK0000000042", &id, &err), 0);
    assert_int_equal(id, 42);
    assert_int_equal(ledger_receipt_parse("7", &id, &err), 0);
    assert_int_equal(id, 7);
    assert_int_equal(ledger_receipt_parse("SK", &id, &err), ERR_INVALID);
    assert_int_equal(ledger_receipt_parse("SK00000000000", &id, &err), ERR_INVALID);
    assert_int_equal(ledger_receipt_parse("SK-1", &id, &err), ERR_INVALID);
    assert_int_equal(ledger_receipt_parse("0", &id, &err), ERR_INVALID);
    assert_true(ledger_channel_is_cash("wechat"));
    assert_false(ledger_channel_is_cash("adjustment"));
    assert_false(ledger_channel_is_cash(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_examples), cmocka_unit_test(test_minimum_versions),
        cmocka_unit_test(test_rounding),        cmocka_unit_test(test_accrue_receivable),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_receipts),
        cmocka_unit_test(test_runs_match_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
