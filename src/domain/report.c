/*
 * Dashboard reports (report.h): sales by period and user type, one query over the org subtree
 * (q_report.def), with a total row per period summed here from the type rows.
 */
#include "domain/report.h"

#include "core/common.h"
#include "store/store.h"

#include <string.h>

int report_sales(struct ctx *c, const char *org, struct period from, struct period to, sales_fn *fn,
                 void *arg, struct err *err)
{
    char pf[PERIOD_BUF_SIZE], pt[PERIOD_BUF_SIZE];
    int64_t org_id = 0;
    int ret;

    if (period_cmp(from, to) > 0)
        return error(err, ERR_INVALID, "period %s is after %s", period_format(from, pf),
                     period_format(to, pt));
    if (org && (ret = ctx_org_id(c, org, &org_id, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_REPORT_SALES);
    store_bind_text(st, 1, period_format(from, pf));
    store_bind_text(st, 2, period_format(to, pt));
    if (org_id)
        store_bind_i64(st, 3, org_id);
    else
        store_bind_null(st, 3);
    struct sales_row tot = { 0 };
    ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct sales_row x = {
            .period = ctx_col_text(c, st, 0),
            .user_type = ctx_col_text(c, st, 1),
            .name = ctx_col_text(c, st, 2),
            .bills = store_col_i64(st, 3),
            .accounts = store_col_i64(st, 4),
            .energy_wh = store_col_i64(st, 5),
            .revenue_fen = store_col_i64(st, 6),
        };
        if (tot.period && strcmp(tot.period, x.period)) { /* the previous period's total */
            if ((ret = fn(arg, &tot)))
                break;
            memset(&tot, 0, sizeof(tot));
        }
        tot.period = x.period;
        /* an account has one customer, so one user type: the type rows' accounts add up */
        tot.bills += x.bills;
        tot.accounts += x.accounts;
        tot.energy_wh += x.energy_wh;
        tot.revenue_fen += x.revenue_fen;
        ret = fn(arg, &x);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if (!ret && tot.period)
        ret = fn(arg, &tot);
    return ret;
}
