/*
 * pmis prepaid check|threshold: the daily check of prepaid (费控) accounts — low-balance
 * warnings into the outbox and remote disconnection orders at zero credit — and its thresholds.
 */
#include "core/common.h"
#include "core/money.h"
#include "cli/cli.h"
#include "cli/cmd_collect.h"
#include "domain/collect.h"

#include <inttypes.h>

static int prepaid_row(void *arg, const struct prepaid_row *r)
{
    struct cli_list *l = arg;
    char c[MONEY_BUF_SIZE], d[MONEY_BUF_SIZE];
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(r->account_no));
        json_object_set_new(j, "customer", json_string(r->customer));
        json_object_set_new(j, "credit", cli_json_money(r->credit_fen));
        json_object_set_new(j, "daily_estimate", cli_json_money(r->daily_fen));
        json_object_set_new(j, "days_left", r->days_left < 0 ? json_null()
                                                             : json_integer(r->days_left));
        json_object_set_new(j, "action", json_string(r->action));
        json_object_set_new(j, "threshold", r->threshold ? json_integer(r->threshold)
                                                         : json_null());
        json_object_set_new(j, "order", r->order_id ? json_integer(r->order_id) : json_null());
        json_array_append_new(l->items, j);
        return 0;
    }
    printf("%s  credit %10s  daily %8s  ", r->account_no, money_format_grouped(r->credit_fen, c),
           money_format_grouped(r->daily_fen, d));
    if (r->days_left >= 0)
        printf("%4" PRId64 " days  ", r->days_left);
    else
        printf("   ? days  ");
    printf("%s", r->action);
    if (r->threshold)
        printf(" (%" PRId64 "-day threshold)", r->threshold);
    if (r->order_id)
        printf(" order #%" PRId64, r->order_id);
    printf("  %s\n", r->customer);
    return 0;
}

int cmd_prepaid_check(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "the day of the check (default today, never later)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE]\n\n"
                 "Checks every active prepaid (费控) account: the credit left, the daily charge\n"
                 "estimated from its last three bills and the days that makes; a warning at each\n"
                 "threshold reached (pmis prepaid threshold), once per top-up; at zero credit a\n"
                 "remote disconnection order. A top-up that leaves credit opens the reconnection.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct date d;
    struct prepaid_result r;
    struct cli_list l = CLI_LIST_INIT(cli);
    if (!(rc = collect_cli_date(cli, date, &d)))
        rc = collect_prepaid_check(&cli->ctx, d, prepaid_row, &l, &r, &cli->err);
    rc = cli_list_end(&l, rc);
    if (!rc && !cli->json)
        printf("%" PRId64 " prepaid accounts: %" PRId64 " warned, %" PRId64
               " disconnection orders\n", r.accounts, r.warned, r.orders);
    return rc;
}

static int threshold_row(void *arg, const struct remind_step *s)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "days_left", json_integer(s->days_after));
        json_object_set_new(j, "channel", json_string(s->channel));
        json_array_append_new(l->items, j);
    } else
        printf("%4" PRId64 " days of credit left: %s\n", s->days_after, s->channel);
    return 0;
}

int cmd_prepaid_threshold(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "[list | set DAYS CHANNEL | remove DAYS]\n\n"
                 "Low-balance warnings: when the credit lasts DAYS days or fewer at the estimated\n"
                 "daily charge, a message on CHANNEL (sms, wechat or letter).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 3);
    if (rc)
        return rc;
    const char *verb = argc ? argv[0] : "list";
    int64_t days = 0;
    if ((!strcmp(verb, "set") && argc == 3) || (!strcmp(verb, "remove") && argc == 2)) {
        char *end;
        long long v = strtoll(argv[1], &end, 10);
        if (!*argv[1] || *end || v < 1 || v > 365)
            return error(&cli->err, ERR_INVALID, "'%s' is not a number of days (1 to 365)",
                         argv[1]);
        days = v;
        rc = argc == 3 ? collect_threshold_set(&cli->ctx, days, argv[2], &cli->err)
                       : collect_threshold_remove(&cli->ctx, days, &cli->err);
        if (rc)
            return rc;
    } else if (strcmp(verb, "list") || argc > 1)
        return error(&cli->err, ERR_USAGE,
                     "prepaid threshold list, set DAYS CHANNEL or remove DAYS");
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_thresholds_list(&cli->ctx, threshold_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}
