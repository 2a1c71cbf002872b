/*
 * pmis daily [--date D]: the day's collection jobs in one command for cron or a systemd timer
 * — late fees accrued through D, the credit rating of the month before D's once it has none
 * (before the reminders: the grade sets their intensity), the reminders of D and the prepaid
 * check of D. Each step is idempotent and commits on its own, so running it again (after a
 * failure, or twice a day) does only what is missing.
 */
#include "core/common.h"
#include "core/money.h"
#include "cli/cli.h"
#include "cli/cmd_collect.h"
#include "domain/collect.h"
#include "domain/ledger.h"

#include <inttypes.h>

static int no_row(void *arg, const struct prepaid_row *r)
{
    (void)arg;
    (void)r;
    return 0;
}

int cmd_daily(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "the day (default today, never later)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE]\n\n"
                 "The day's collection jobs, each idempotent and committed on its own: late fees\n"
                 "(违约金) through DATE; on the first run of a month the credit rating (信用评级)\n"
                 "of the month before; reminders (催费) of DATE; the prepaid (费控) check.\n"
                 "Run it once a day from cron; running it again does only what is missing.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct date d, today;
    if ((rc = collect_cli_date(cli, date, &d)) || (rc = ctx_today(&cli->ctx, &today, &cli->err)))
        return rc;
    char db[DATE_BUF_SIZE], m[MONEY_BUF_SIZE], pb[PERIOD_BUF_SIZE];
    date_format(d, db);
    if (date_cmp(d, today) > 0)
        return error(&cli->err, ERR_INVALID, "the daily jobs run for today or a day before, not "
                     "%s", db);

    struct accrue_result fees;
    if ((rc = ledger_accrue(&cli->ctx, d, cfg_int(&cli->cfg, CFG_FEES_BATCH),
                            cfg_int(&cli->cfg, CFG_FEES_JOBS), &fees, &cli->err)))
        return rc;
    if (!cli->json)
        printf("%s late fees: %s yuan on %" PRId64 " bills\n", db,
               money_format_grouped(fees.fee_fen, m), fees.bills);

    struct period last = period_prev(period_of(d));
    struct credit_run cr = { 0 };
    bool rated;
    if ((rc = collect_credit_rated(&cli->ctx, last, &rated, &cli->err)) ||
        (!rated && (rc = collect_credit_rate(&cli->ctx, last, &cr, &cli->err))))
        return rc;
    struct remind_result rem;
    if ((rc = collect_remind_run(&cli->ctx, d, 1000, &rem, &cli->err)))
        return rc;
    if (!cli->json)
        printf("%s reminders: %" PRId64 " overdue bills, %" PRId64 " queued\n", db, rem.bills,
               rem.queued);

    struct prepaid_result pre;
    if ((rc = collect_prepaid_check(&cli->ctx, d, no_row, NULL, &pre, &cli->err)))
        return rc;
    if (!cli->json)
        printf("%s prepaid: %" PRId64 " accounts, %" PRId64 " warned, %" PRId64
               " disconnection orders\n", db, pre.accounts, pre.warned, pre.orders);

    period_format(last, pb);
    if (!cli->json) {
        if (rated)
            printf("%s credit rating of %s: done before\n", db, pb);
        else
            printf("%s credit rating of %s: %" PRId64 " accounts\n", db, pb, cr.accounts);
        return 0;
    }
    json_t *j = json_object();
    json_object_set_new(j, "date", json_string(db));
    json_object_set_new(j, "late_fees", json_pack("{s:I,s:o}", "bills", (json_int_t)fees.bills,
                                                  "amount", cli_json_money(fees.fee_fen)));
    json_object_set_new(j, "reminders",
                        json_pack("{s:I,s:I}", "overdue_bills", (json_int_t)rem.bills, "queued",
                                  (json_int_t)rem.queued));
    json_object_set_new(j, "prepaid",
                        json_pack("{s:I,s:I,s:I}", "accounts", (json_int_t)pre.accounts, "warned",
                                  (json_int_t)pre.warned, "orders", (json_int_t)pre.orders));
    json_object_set_new(j, "credit",
                        json_pack("{s:s,s:b,s:I}", "period", pb, "rated_now", !rated,
                                  "accounts", (json_int_t)cr.accounts));
    cli_json_out(j);
    return 0;
}
