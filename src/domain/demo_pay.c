/*
 * Demo payments: the bank and agent collection files of one period (demo_pay.h).
 */
#include "domain/demo_pay.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/demo_data.h"

#include <inttypes.h>

int demo_payments(struct ctx *c, const struct demo_pay_opts *o, struct demo_pay_result *r,
                  struct err *err)
{
    char per[PERIOD_BUF_SIZE], d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE], m[MONEY_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_DEMO_PAY_BILLS);
    bool headers = false;
    int ret;

    memset(r, 0, sizeof(*r));
    period_format(o->period, per);
    store_bind_text(st, 1, per);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        int64_t id = store_col_i64(st, 0), total = store_col_i64(st, 2);
        int64_t owed = store_col_i64(st, 4);
        struct date due;
        if ((ret = date_parse(store_col_text(st, 3), &due, err)))
            break;
        if (!headers) { /* every bill of a demo period has the same due date */
            r->bank_date = date_add_days(due, -2);
            r->agent_date = date_add_days(due, 11);
            fprintf(o->bank, "H,DEMO-BANK-%s,%s\n", per, date_format(r->bank_date, d1));
            fprintf(o->agent, "H,DEMO-AGENT-%s,%s\n", per, date_format(r->agent_date, d2));
            headers = true;
        }
        struct demo_rng rng;
        demo_rng_seed(&rng, o->seed ^ ((uint64_t)id << 20) ^ (uint64_t)(o->period.y * 12 +
                                                                        o->period.m));
        uint32_t h = demo_rng_below(&rng, 100);
        r->bills++;
        if (!strcmp(store_col_text(st, 5), "prepaid")) { /* 费控: top up a month ahead */
            int64_t amount = ((owed > 0 ? owed : 0) + total + 999) / 1000 * 1000;
            fprintf(o->bank, "D,P%s%08" PRId64 ",%s,%s\n", per, id, store_col_text(st, 1),
                    money_format(amount, m));
            r->bank_lines++;
            r->bank_fen += amount;
        } else if (h < 72 && owed > 0) { /* the bank debits what is owed, at least the bill */
            int64_t amount = owed > total ? owed : total;
            fprintf(o->bank, "D,B%s%08" PRId64 ",%s,%s\n", per, id, store_col_text(st, 1),
                    money_format(amount, m));
            r->bank_lines++;
            r->bank_fen += amount;
        } else if (h < 90 && owed > 0) {
            int64_t amount = (owed + 999) / 1000 * 1000;
            struct date on = date_add_days(due, (int32_t)demo_rng_below(&rng, 12));
            fprintf(o->agent, "D,A%s%08" PRId64 ",%s,%s,%s\n", per, id, store_col_text(st, 1),
                    money_format(amount, m), date_format(on, d1));
            r->agent_lines++;
            r->agent_fen += amount;
        } else
            r->skipped++;
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if (!r->bills)
        return error(err, ERR_NOT_FOUND, "no issued bill in %s", per);
    fprintf(o->bank, "T,%" PRId64 ",%s\n", r->bank_lines, money_format(r->bank_fen, m));
    fprintf(o->agent, "T,%" PRId64 ",%s\n", r->agent_lines, money_format(r->agent_fen, m));
    return 0;
}
