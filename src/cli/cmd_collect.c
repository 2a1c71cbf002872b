/*
 * pmis arrears aging|list|rate: arrears figures (欠费账龄, 欠费清单, 电费回收率) from the ledger
 * as of a day. Reminders, the outbox and disconnection are in cmd_remind.c.
 */
#include "core/common.h"
#include "core/money.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cmd_collect.h"
#include "domain/collect.h"

#include <inttypes.h>

int collect_cli_date(struct cli *cli, const char *s, struct date *d)
{
    if (s)
        return date_parse(s, d, &cli->err);
    return ctx_today(&cli->ctx, d, &cli->err);
}

static int parse_by(struct cli *cli, const char *by, enum collect_by *out)
{
    if (!by || !strcmp(by, "org"))
        *out = COLLECT_BY_ORG;
    else if (!strcmp(by, "type"))
        *out = COLLECT_BY_TYPE;
    else
        return error(&cli->err, ERR_USAGE, "--by is org or type, not '%s'", by);
    return 0;
}

static int parse_scope(struct cli *cli, const char *date, const char *org, const char *by,
                       int64_t depth, struct arrears_scope *s)
{
    int rc;
    if (depth < 0 || depth > 10)
        return error(&cli->err, ERR_USAGE, "--depth is 0 to 10, not %" PRId64, depth);
    s->org = org;
    s->depth = (int)depth;
    if ((rc = parse_by(cli, by, &s->by)))
        return rc;
    return collect_cli_date(cli, date, &s->asof);
}

static json_t *cell_json(const struct aging_cell *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "bills", json_integer(x->bills));
    json_object_set_new(o, "principal", cli_json_money(x->principal_fen));
    json_object_set_new(o, "late_fee", cli_json_money(x->fee_fen));
    json_object_set_new(o, "owed", cli_json_money(x->principal_fen + x->fee_fen));
    return o;
}

static json_t *aging_row_json(const struct aging_row *r, bool org)
{
    json_t *o = json_object(), *b = json_object();
    json_object_set_new(o, org ? "org" : "user_type", json_string(r->key));
    json_object_set_new(o, "name", json_string(r->name));
    if (org)
        json_object_set_new(o, "depth", json_integer(r->depth));
    json_object_set_new(o, "accounts", json_integer(r->accounts));
    for (int i = 0; i < COLLECT_BUCKETS; i++)
        json_object_set_new(b, collect_bucket_names[i], cell_json(&r->b[i]));
    json_object_set_new(o, "buckets", b);
    json_object_set_new(o, "total", cell_json(&r->total));
    return o;
}

static void aging_row_text(const struct aging_row *r)
{
    char m[COLLECT_BUCKETS][MONEY_BUF_SIZE], t[MONEY_BUF_SIZE], p[MONEY_BUF_SIZE],
        f[MONEY_BUF_SIZE];
    for (int i = 0; i < COLLECT_BUCKETS; i++)
        money_format_grouped(r->b[i].principal_fen + r->b[i].fee_fen, m[i]);
    printf("%*s%-12s %s  accounts %" PRId64 "  0-30 %s  31-60 %s  61-90 %s  >90 %s  owed %s "
           "(principal %s + late fee %s)\n",
           2 * r->depth, "", r->key, r->name, r->accounts, m[0], m[1], m[2], m[3],
           money_format_grouped(r->total.principal_fen + r->total.fee_fen, t),
           money_format_grouped(r->total.principal_fen, p),
           money_format_grouped(r->total.fee_fen, f));
}

int cmd_arrears_aging(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL, *org = NULL, *by = NULL;
    int64_t depth = 1;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "as of the end of this day (default today)" },
        { "org", OPT_STR, &org, "CODE", "only this org unit's subtree" },
        { "by", OPT_STR, &by, "org|type", "rows by org unit (default) or by user type" },
        { "depth", OPT_INT, &depth, "N", "org rows: the unit and N levels below (default 1)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE] [--org CODE] [--by org|type] [--depth N]\n\n"
                 "Arrears aging (欠费账龄): unpaid principal and late fee of the bills overdue on\n"
                 "DATE, in buckets of days past due (0-30, 31-60, 61-90, >90), as the ledger stood\n"
                 "at the end of DATE. An org row rolls up its whole subtree.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct arrears_scope s;
    struct aging_report r;
    if ((rc = parse_scope(cli, date, org, by, depth, &s)) ||
        (rc = collect_aging(&cli->ctx, &s, &r, &cli->err)))
        return rc;
    bool is_org = s.by == COLLECT_BY_ORG;
    char d[DATE_BUF_SIZE];
    date_format(r.asof, d);
    if (cli->json) {
        json_t *j = json_object(), *rows = json_array();
        json_object_set_new(j, "as_of", json_string(d));
        json_object_set_new(j, "by", json_string(is_org ? "org" : "type"));
        for (size_t i = 0; i < r.n; i++)
            json_array_append_new(rows, aging_row_json(&r.rows[i], is_org));
        json_object_set_new(j, "rows", rows);
        json_t *t = aging_row_json(&r.total, false);
        json_object_del(t, "user_type");
        json_object_del(t, "name");
        json_object_set_new(j, "total", t);
        cli_json_out(j);
        return 0;
    }
    printf("arrears aging as of %s, by %s (owed = principal + late fee)\n", d,
           is_org ? "org" : "user type");
    for (size_t i = 0; i < r.n; i++)
        aging_row_text(&r.rows[i]);
    aging_row_text(&r.total);
    return 0;
}

static int list_row(void *arg, const struct arrears_account *a)
{
    struct cli_list *l = arg;
    char p[MONEY_BUF_SIZE], f[MONEY_BUF_SIZE];
    if (l->cli->json) {
        json_array_append_new(l->items, api_arrears_json(a));
        return 0;
    }
    printf("%s  %-10s %-10s due %s  %4" PRId32 " days  %" PRId64 " bills  principal %12s  "
           "late fee %10s  %s\n",
           a->account_no, a->org, a->user_type, a->oldest_due, a->days, a->bills,
           money_format_grouped(a->principal_fen, p), money_format_grouped(a->fee_fen, f),
           a->customer);
    return 0;
}

int cmd_arrears_list(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL, *org = NULL, *after = NULL;
    int64_t min_days = 1, limit = 100;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "as of the end of this day (default today)" },
        { "org", OPT_STR, &org, "CODE", "only this org unit's subtree" },
        { "min-days", OPT_INT, &min_days, "N", "oldest bill at least N days past due (default 1)" },
        { "after", OPT_STR, &after, "CURSOR", "next page: the cursor the last page printed" },
        { "limit", OPT_INT, &limit, "N", "at most N accounts (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE] [--org CODE] [--min-days N] [--after CURSOR] [--limit N]\n\n"
                 "The accounts in arrears (欠费清单) on DATE, oldest debt first, with what they\n"
                 "owe. A full page ends with the cursor of the next one (on stderr).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct arrears_query q = { .org = org, .min_days = min_days, .after = after, .limit = limit };
    if ((rc = collect_cli_date(cli, date, &q.asof)))
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    const char *next = NULL;
    rc = collect_arrears_list(&cli->ctx, &q, list_row, &l, &next, &cli->err);
    rc = cli_list_end(&l, rc);
    if (!rc && next)
        fprintf(stderr, "more: --after %s\n", next);
    return rc;
}

struct rate_out {
    struct cli_list l;
    bool org;
};

static int rate_row(void *arg, const struct rate_row *r)
{
    struct rate_out *o = arg;
    char pct[32], b[MONEY_BUF_SIZE], p[MONEY_BUF_SIZE], f[MONEY_BUF_SIZE], w[MONEY_BUF_SIZE];
    decimal_format(r->rate_bp, 2, 2, 0, pct);
    if (o->l.cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "period", json_string(r->period));
        json_object_set_new(j, o->org ? "org" : "user_type", cli_json_str(r->key));
        json_object_set_new(j, "name", cli_json_str(r->name));
        if (o->org && r->key)
            json_object_set_new(j, "depth", json_integer(r->depth));
        json_object_set_new(j, "bills", json_integer(r->bills));
        json_object_set_new(j, "billed", cli_json_money(r->billed_fen));
        json_object_set_new(j, "paid", cli_json_money(r->paid_fen));
        json_object_set_new(j, "unpaid", cli_json_money(r->billed_fen - r->paid_fen));
        json_object_set_new(j, "rate_pct", json_string(pct));
        json_object_set_new(j, "late_fee_accrued", cli_json_money(r->fee_fen));
        json_object_set_new(j, "late_fee_waived", cli_json_money(r->fee_waived_fen));
        json_object_set_new(j, "late_fee_paid", cli_json_money(r->fee_paid_fen));
        json_array_append_new(o->l.items, j);
        return 0;
    }
    printf("%s  %*s%-12s billed %12s  paid %12s  rate %6s%%  late fee accrued %s waived %s  %s\n",
           r->period, r->key ? 2 * r->depth : 0, "", r->key ? r->key : "total",
           money_format_grouped(r->billed_fen, b), money_format_grouped(r->paid_fen, p), pct,
           money_format_grouped(r->fee_fen, f), money_format_grouped(r->fee_waived_fen, w),
           r->name ? r->name : "合计");
    return 0;
}

int cmd_arrears_rate(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL, *org = NULL, *by = NULL, *period = NULL, *from = NULL, *to = NULL;
    int64_t depth = 1;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "the bills of this period" },
        { "from", OPT_STR, &from, "YYYY-MM", "or of the periods from this one" },
        { "to", OPT_STR, &to, "YYYY-MM", "... to this one" },
        { "date", OPT_STR, &date, "DATE", "as of the end of this day (default today)" },
        { "org", OPT_STR, &org, "CODE", "only this org unit's subtree" },
        { "by", OPT_STR, &by, "org|type", "rows by org unit (default) or by user type" },
        { "depth", OPT_INT, &depth, "N", "org rows: the unit and N levels below (default 1)" },
        OPT_SPEC_END,
    };
    cli->usage = "(--period P | --from P --to P) [--date DATE] [--org CODE] [--by org|type]\n\n"
                 "Collection rate (电费回收率) of a period's bills as of DATE: principal paid by\n"
                 "payments dated up to DATE / principal billed, with the late fees accrued, waived\n"
                 "and paid on those bills; per period and org unit (or user type), then a total.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period == !(from || to) || (!period && !(from && to)))
        return error(&cli->err, ERR_USAGE, "give --period, or --from and --to");
    struct period pf, pt;
    if ((rc = period_parse(period ? period : from, &pf, &cli->err)) ||
        (rc = period_parse(period ? period : to, &pt, &cli->err)))
        return rc;
    struct arrears_scope s;
    if ((rc = parse_scope(cli, date, org, by, depth, &s)))
        return rc;
    struct rate_out o = { CLI_LIST_INIT(cli), s.by == COLLECT_BY_ORG };
    rc = collect_rate(&cli->ctx, &s, pf, pt, rate_row, &o, &cli->err);
    return cli_list_end(&o.l, rc);
}
