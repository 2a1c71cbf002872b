/*
 * pmis credit rate|show: the monthly credit rating (信用评级) of every account and one
 * account's ratings with their reasons (doc/credit-rating.md); pmis deposit take|list|apply|
 * required: deposits (保证金) for the grades that need one.
 */
#include "core/common.h"
#include "core/money.h"
#include "api/api.h"
#include "cli/cli.h"
#include "domain/collect.h"

#include <inttypes.h>

int cmd_credit_rate(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "rate as of this month's end (default: last month)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--period YYYY-MM]\n\n"
                 "Rates every active account from its payment history over the 12 months to the\n"
                 "end of the period (doc/credit-rating.md): a score 0-100 and a grade (A/B/C/D)\n"
                 "with the reasons. Rating a period again replaces its ratings.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct period p;
    if (period) {
        if ((rc = period_parse(period, &p, &cli->err)))
            return rc;
    } else {
        struct date today;
        if ((rc = ctx_today(&cli->ctx, &today, &cli->err)))
            return rc;
        p = period_prev(period_of(today));
    }
    struct credit_run r;
    if ((rc = collect_credit_rate(&cli->ctx, p, &r, &cli->err)))
        return rc;
    char pb[PERIOD_BUF_SIZE];
    period_format(p, pb);
    if (cli->json) {
        json_t *j = json_object(), *g = json_object();
        json_object_set_new(j, "period", json_string(pb));
        json_object_set_new(j, "accounts", json_integer(r.accounts));
        for (int k = 0; k < r.ngrades; k++)
            json_object_set_new(g, r.grades[k].grade, json_integer(r.by_grade[k]));
        json_object_set_new(j, "grades", g);
        cli_json_out(j);
        return 0;
    }
    printf("credit rating %s: %" PRId64 " accounts", pb, r.accounts);
    for (int k = 0; k < r.ngrades; k++)
        printf(", %s %" PRId64, r.grades[k].grade, r.by_grade[k]);
    printf("\n");
    return 0;
}

static int show_row(void *arg, const struct credit_info *ci)
{
    struct cli_list *l = arg;
    char m[MONEY_BUF_SIZE], a[MONEY_BUF_SIZE];
    if (l->cli->json) {
        json_array_append_new(l->items, api_credit_json(ci));
        return 0;
    }
    printf("%s  %3" PRId64 "  %s %s%s  on time %" PRId64 "/%" PRId64 "  arrears %s  average bill "
           "%s\n  %s\n",
           ci->period, ci->score, ci->grade, ci->grade_name,
           ci->deposit_required ? "  deposit (保证金) required" : "", ci->in.on_time, ci->in.bills,
           money_format_grouped(ci->in.arrears_fen, m),
           money_format_grouped(ci->in.avg_bill_fen, a), *ci->reasons ? ci->reasons : "—");
    return 0;
}

int cmd_credit_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT\n\nThe account's credit ratings, latest first, with the reasons.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_credit_show(&cli->ctx, argv[0], show_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}

int cmd_deposit_take(struct cli *cli, int argc, char **argv)
{
    const char *channel = "counter", *ref = NULL, *reason = NULL;
    const struct opt_spec specs[] = {
        { "channel", OPT_STR, &channel, "CH", "counter (default), bank, wechat, alipay or agent" },
        { "ref", OPT_STR, &ref, "REF", "the channel's reference (required but for counter)" },
        { "reason", OPT_STR, &reason, "TEXT", "why it is taken (e.g. credit grade D)" },
        OPT_SPEC_END,
    };
    cli->usage = "ACCOUNT AMOUNT [--channel CH] [--ref REF] [--reason TEXT]\n\n"
                 "Takes a deposit (保证金) of AMOUNT yuan, held until the account closes.";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc)
        return rc;
    int64_t fen, id;
    bool repeat;
    if ((rc = money_parse(argv[1], &fen, &cli->err)) ||
        (rc = collect_deposit_take(&cli->ctx, argv[0], fen, channel, ref, reason, &id, &repeat,
                                   &cli->err)))
        return rc;
    char m[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "deposit", json_integer(id));
        json_object_set_new(j, "repeat", json_boolean(repeat));
        json_object_set_new(j, "account", json_string(argv[0]));
        json_object_set_new(j, "amount", cli_json_money(fen));
        cli_json_out(j);
    } else if (repeat)
        printf("%s %s reference %s was already taken as deposit #%" PRId64 ": nothing taken\n",
               argv[0], channel, ref, id);
    else
        printf("deposit #%" PRId64 ": %s yuan held for %s\n", id, money_format_grouped(fen, m),
               argv[0]);
    return 0;
}

static int deposit_row(void *arg, const struct deposit_info *d)
{
    struct cli_list *l = arg;
    char a[MONEY_BUF_SIZE], p[MONEY_BUF_SIZE], r[MONEY_BUF_SIZE];
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(d->id));
        json_object_set_new(j, "account", json_string(d->account_no));
        json_object_set_new(j, "amount", cli_json_money(d->amount_fen));
        json_object_set_new(j, "channel", json_string(d->channel));
        json_object_set_new(j, "ref", cli_json_str(d->ref));
        json_object_set_new(j, "reason", cli_json_str(d->reason));
        json_object_set_new(j, "taken_on", json_string(d->taken_on));
        json_object_set_new(j, "taken_by", json_string(d->taken_by));
        json_object_set_new(j, "status", json_string(d->status));
        json_object_set_new(j, "applied", cli_json_money(d->applied_fen));
        json_object_set_new(j, "refunded", cli_json_money(d->refunded_fen));
        json_object_set_new(j, "held", cli_json_money(d->held_fen));
        json_object_set_new(j, "closed_on", cli_json_str(d->closed_on));
        json_array_append_new(l->items, j);
        return 0;
    }
    printf("#%" PRId64 "  %s  %12s  %-8s %s  taken %s by %s  applied %s  refunded %s\n", d->id,
           d->account_no, money_format_grouped(d->amount_fen, a), d->status, d->channel,
           d->taken_on, d->taken_by, money_format_grouped(d->applied_fen, p),
           money_format_grouped(d->refunded_fen, r));
    return 0;
}

int cmd_deposit_list(struct cli *cli, int argc, char **argv)
{
    struct deposit_query q = { .limit = 100 };
    const struct opt_spec specs[] = {
        { "account", OPT_STR, &q.account_no, "ACCOUNT", "one account's deposits" },
        { "status", OPT_STR, &q.status, "S", "held, applied or refunded" },
        { "after", OPT_INT, &q.after_id, "ID", "next page: deposits after this id" },
        { "limit", OPT_INT, &q.limit, "N", "at most N deposits (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--account A] [--status S] [--after ID] [--limit N]\n\nDeposits (保证金).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_deposit_list(&cli->ctx, &q, deposit_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}

static int deposit_id(struct cli *cli, const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 1)
        return error(&cli->err, ERR_INVALID, "'%s' is not a deposit id", s);
    *id = v;
    return 0;
}

int cmd_deposit_refund(struct cli *cli, int argc, char **argv)
{
    struct deposit_refund_in in = { .all = true };
    const struct opt_spec specs[] = {
        { "reason", OPT_STR, &in.reason, "TEXT", "why it is refunded (required)" },
        { "approver", OPT_STR, &in.approver, "USER",
          "another user with collection:approve (required)" },
        { "ref", OPT_STR, &in.ref, "REF", "the channel's reference (required but for counter)" },
        OPT_SPEC_END,
    };
    cli->usage = "ID [AMOUNT] --reason TEXT --approver USER [--ref REF]\n\n"
                 "Refunds (退还) AMOUNT yuan of held deposit ID, all of it by default, by the\n"
                 "channel it was taken by.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 2);
    if (rc)
        return rc;
    int64_t refund_id;
    if ((rc = deposit_id(cli, argv[0], &in.deposit_id)) ||
        (argc > 1 && (rc = money_parse(argv[1], &in.amount_fen, &cli->err))))
        return rc;
    in.all = argc < 2;
    if ((rc = collect_deposit_refund(&cli->ctx, &in, &refund_id, &cli->err)))
        return rc;
    char rn[16];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "refund", json_string(collect_refund_no(refund_id, rn)));
        json_object_set_new(j, "deposit", json_integer(in.deposit_id));
        cli_json_out(j);
    } else
        printf("refund %s of deposit #%" PRId64 "\n", collect_refund_no(refund_id, rn),
               in.deposit_id);
    return 0;
}

int cmd_deposit_apply(struct cli *cli, int argc, char **argv)
{
    const char *ref = NULL;
    const struct opt_spec specs[] = {
        { "ref", OPT_STR, &ref, "REF", "the reference refunding the unused part (but for counter)" },
        OPT_SPEC_END,
    };
    cli->usage = "ACCOUNT [--ref REF]\n\nOn closure: the account's held deposits pay what it owes "
                 "today (late\nfees accrued to today included) through the ledger; the rest is "
                 "refunded.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct deposit_apply_result r;
    if ((rc = collect_deposit_apply(&cli->ctx, argv[0], ref, &r, &cli->err)))
        return rc;
    char h[MONEY_BUF_SIZE], a[MONEY_BUF_SIZE], f[MONEY_BUF_SIZE], b[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(argv[0]));
        json_object_set_new(j, "deposits", json_integer(r.deposits));
        json_object_set_new(j, "held", cli_json_money(r.held_fen));
        json_object_set_new(j, "applied", cli_json_money(r.applied_fen));
        json_object_set_new(j, "refund", cli_json_money(r.refunded_fen));
        json_object_set_new(j, "balance", cli_json_money(r.balance_fen));
        cli_json_out(j);
    } else
        printf("%s: %" PRId64 " deposits of %s yuan: %s paid the bills, %s to refund; balance %s\n",
               argv[0], r.deposits, money_format_grouped(r.held_fen, h),
               money_format_grouped(r.applied_fen, a), money_format_grouped(r.refunded_fen, f),
               money_format_grouped(r.balance_fen, b));
    return 0;
}

static int due_row(void *arg, const struct deposit_due *d)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(d->account_no));
        json_object_set_new(j, "customer", json_string(d->customer));
        json_object_set_new(j, "period", json_string(d->period));
        json_object_set_new(j, "grade", json_string(d->grade));
        json_object_set_new(j, "score", json_integer(d->score));
        json_array_append_new(l->items, j);
    } else
        printf("%s  %s %3" PRId64 " (%s)  %s\n", d->account_no, d->grade, d->score, d->period,
               d->customer);
    return 0;
}

int cmd_deposit_required(struct cli *cli, int argc, char **argv)
{
    const char *after = NULL;
    int64_t limit = 100;
    const struct opt_spec specs[] = {
        { "after", OPT_STR, &after, "ACCOUNT", "next page: accounts after this one" },
        { "limit", OPT_INT, &limit, "N", "at most N accounts (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--after ACCOUNT] [--limit N]\n\n"
                 "Active accounts whose latest credit grade requires a deposit (grade D unless\n"
                 "credit_grade says otherwise) and that hold none.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_deposit_required(&cli->ctx, after, limit, due_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}
