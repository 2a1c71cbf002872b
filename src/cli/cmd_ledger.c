/*
 * pmis ledger show|verify, pmis fees accrue|waive|policy: an account's statement (台账), the
 * ledger's invariant check, and late fees (违约金).
 */
#include "core/common.h"
#include "core/money.h"
#include "cli/cli.h"
#include "domain/ledger.h"

#include <inttypes.h>

struct show {
    struct cli *cli;
    json_t *entries, *items;
    int64_t running;
    bool header; /* "open bills:" printed */
};

static int show_entry(void *arg, const struct ledger_entry_info *e)
{
    struct show *s = arg;
    char rn[16], m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], m3[MONEY_BUF_SIZE];
    s->running += e->debit_fen - e->credit_fen;
    const char *what = e->bill_no                ? e->bill_no
                       : e->payment_id           ? ledger_receipt_no(e->payment_id, rn)
                                                 : "";
    if (s->cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(e->on_date));
        json_object_set_new(o, "kind", json_string(e->kind));
        json_object_set_new(o, "bill", cli_json_str(e->bill_no));
        json_object_set_new(o, "receipt", e->payment_id ? json_string(rn) : json_null());
        json_object_set_new(o, "debit", cli_json_money(e->debit_fen));
        json_object_set_new(o, "credit", cli_json_money(e->credit_fen));
        json_object_set_new(o, "balance", cli_json_money(s->running));
        json_object_set_new(o, "by", json_string(e->actor));
        json_object_set_new(o, "note", cli_json_str(e->note));
        json_array_append_new(s->entries, o);
        return 0;
    }
    printf("%s  %-10s %-16s %12s %12s %12s%s%s\n", e->on_date, e->kind, what,
           e->debit_fen ? money_format_grouped(e->debit_fen, m1) : "",
           e->credit_fen ? money_format_grouped(e->credit_fen, m2) : "",
           money_format_grouped(s->running, m3), e->note ? "  " : "", e->note ? e->note : "");
    return 0;
}

static int show_item(void *arg, const struct ledger_item *it)
{
    struct show *s = arg;
    char m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE];
    int64_t principal = it->amount_fen - it->paid_fen;
    int64_t fee = it->fee_fen - it->fee_paid_fen - it->fee_waived_fen;
    if (s->cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "bill", json_string(it->bill_no));
        json_object_set_new(o, "period", json_string(it->period));
        json_object_set_new(o, "due_on", json_string(it->due_on));
        json_object_set_new(o, "amount", cli_json_money(it->amount_fen));
        json_object_set_new(o, "principal_owed", cli_json_money(principal));
        json_object_set_new(o, "late_fee_owed", cli_json_money(fee));
        json_object_set_new(o, "late_fee_through", cli_json_str(it->fee_through));
        json_array_append_new(s->items, o);
        return 0;
    }
    if (!s->header) {
        printf("open bills:\n");
        s->header = true;
    }
    printf("  %-16s %s due %s  principal %12s  late fee %10s%s%s\n", it->bill_no, it->period,
           it->due_on, money_format_grouped(principal, m1), money_format_grouped(fee, m2),
           it->fee_through ? " through " : "", it->fee_through ? it->fee_through : "");
    return 0;
}

int cmd_ledger_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT\n\nThe account's ledger (台账): every bill, late fee, payment and\n"
                 "reversal with the running balance, then the bills still open.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct show s = { cli, NULL, NULL, 0, false };
    if (cli->json) {
        s.entries = json_array();
        s.items = json_array();
    }
    int64_t balance;
    rc = ledger_statement(&cli->ctx, argv[0], show_entry, show_item, &s, &balance, &cli->err);
    char m[MONEY_BUF_SIZE];
    if (!rc && cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(argv[0]));
        json_object_set_new(j, "balance", cli_json_money(balance));
        json_object_set_new(j, "entries", s.entries);
        json_object_set_new(j, "open", s.items);
        cli_json_out(j);
        return 0;
    }
    json_decref(s.entries);
    json_decref(s.items);
    if (rc)
        return rc;
    printf("balance: %s%s\n", money_format_grouped(balance, m),
           balance < 0 ? " (credit 预存)" : "");
    return 0;
}

int cmd_ledger_verify(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "\n\nChecks every account: balance = Σ debits − Σ credits = open bills − credit;\n"
                 "each bill's payments match its allocations; each payment is fully allocated\n"
                 "or kept as credit. Exits 76 (corrupt) listing what is wrong.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct ledger_verify_result r;
    if ((rc = ledger_verify(&cli->ctx, &r, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object(), *pr = json_array();
        json_object_set_new(j, "accounts", json_integer(r.accounts));
        json_object_set_new(j, "entries", json_integer(r.entries));
        json_object_set_new(j, "receivables", json_integer(r.receivables));
        json_object_set_new(j, "payments", json_integer(r.payments));
        json_object_set_new(j, "deposits", json_integer(r.deposits));
        json_object_set_new(j, "held", cli_json_money(r.held_fen));
        for (int i = 0; i < r.nproblems; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "check", json_string(r.problems[i].check));
            json_object_set_new(o, "account", json_string(r.problems[i].account_no));
            json_object_set_new(o, "detail", json_string(r.problems[i].detail));
            json_array_append_new(pr, o);
        }
        json_object_set_new(j, "problems", pr);
        json_object_set_new(j, "problems_total", json_integer(r.nfound));
        cli_json_out(j);
    } else {
        for (int i = 0; i < r.nproblems; i++)
            printf("%s: %s: %s\n", r.problems[i].account_no, r.problems[i].check,
                   r.problems[i].detail);
        if (r.nfound > r.nproblems)
            printf("... and %d more problem(s) not listed (the first %d are)\n",
                   r.nfound - r.nproblems, r.nproblems);
        char h[MONEY_BUF_SIZE];
        printf("%" PRId64 " accounts, %" PRId64 " entries, %" PRId64 " receivables, %" PRId64
               " payments, %" PRId64 " deposits (%s yuan held) checked: %s\n",
               r.accounts, r.entries, r.receivables, r.payments, r.deposits,
               money_format_grouped(r.held_fen, h), r.nfound ? "PROBLEMS FOUND" : "ok");
    }
    if (r.nfound)
        return error(&cli->err, ERR_CORRUPT, "the ledger has %d problem(s)", r.nfound);
    return 0;
}

int cmd_fees_accrue(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL;
    int64_t jobs = INT64_MIN; /* not given */
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "accrue through this day (default today)" },
        { "jobs", OPT_INT, &jobs, "N",
          "N connections at once on PostgreSQL, each on its own accounts (default fees.jobs)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE] [--jobs N]\n\n"
                 "Accrues late fees (违约金) on every overdue bill through DATE under the late-fee\n"
                 "policies (pmis fees policy list). Running it again for the same day adds nothing.\n"
                 "On SQLite, whose writers take turns, it always runs as one job.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if ((rc = cli_jobs(cli, jobs, CFG_FEES_JOBS, &jobs)))
        return rc;
    struct date d;
    if (date) {
        if ((rc = date_parse(date, &d, &cli->err)))
            return rc;
    } else if ((rc = ctx_today(&cli->ctx, &d, &cli->err)))
        return rc;
    struct accrue_result r;
    if ((rc = ledger_accrue(&cli->ctx, d, cfg_int(&cli->cfg, CFG_FEES_BATCH), jobs, &r,
                            &cli->err)))
        return rc;
    char db[DATE_BUF_SIZE], m[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "through", json_string(date_format(d, db)));
        json_object_set_new(j, "bills", json_integer(r.bills));
        json_object_set_new(j, "late_fees", cli_json_money(r.fee_fen));
        cli_json_out(j);
    } else
        printf("late fees through %s: %s yuan on %" PRId64 " bills\n", date_format(d, db),
               money_format_grouped(r.fee_fen, m), r.bills);
    return 0;
}

int cmd_fees_waive(struct cli *cli, int argc, char **argv)
{
    const char *reason = NULL, *approver = NULL, *amount = NULL;
    const struct opt_spec specs[] = {
        { "amount", OPT_STR, &amount, "YUAN", "how much of the unpaid late fee (required)" },
        { "reason", OPT_STR, &reason, "TEXT", "why (required)" },
        { "approver", OPT_STR, &approver, "USER", "another user with fee:waive (required)" },
        OPT_SPEC_END,
    };
    cli->usage = "BILL --amount YUAN --reason TEXT --approver USER\n\n"
                 "Waives (减免) part or all of a bill's unpaid late fee; audited.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if (!amount)
        return error(&cli->err, ERR_USAGE, "--%s is required", "amount");
    int64_t fen;
    if ((rc = money_parse(amount, &fen, &cli->err)) ||
        (rc = ledger_waive(&cli->ctx, argv[0], fen, reason, approver, &cli->err)))
        return rc;
    char m[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "bill", json_string(argv[0]));
        json_object_set_new(j, "waived", cli_json_money(fen));
        cli_json_out(j);
    } else
        printf("waived %s yuan of the late fee of %s\n", money_format_grouped(fen, m), argv[0]);
    return 0;
}

/* A daily rate in per mille ("1", "0.5") as millionths. */
static int rate_parse(struct cli *cli, const char *name, const char *s, int64_t *ppm)
{
    const char *why;
    if (!s)
        return error(&cli->err, ERR_USAGE, "--%s is required", name);
    if (fee_rate_parse(s, ppm, &why))
        return error_detail(&cli->err, ERR_INVALID, why, NULL,
                            "--%s '%s' is not a rate in ‰ per day: %s", name, s, why);
    return 0;
}

int cmd_fees_policy(struct cli *cli, int argc, char **argv)
{
    const char *from = NULL, *res = NULL, *cur = NULL, *cross = NULL, *min = NULL, *source = NULL;
    const struct opt_spec specs[] = {
        { "from", OPT_STR, &from, "DATE", "with add: effective date" },
        { "resident", OPT_STR, &res, "PERMILLE", "with add: residential rate, ‰ per day" },
        { "current-year", OPT_STR, &cur, "PERMILLE", "with add: other users, same-year arrears" },
        { "cross-year", OPT_STR, &cross, "PERMILLE", "with add: other users, earlier years' arrears" },
        { "min", OPT_STR, &min, "YUAN", "with add: the least fee charged (0 for none)" },
        { "source", OPT_STR, &source, "TEXT", "with add: the regulation it implements" },
        OPT_SPEC_END,
    };
    cli->usage = "list | add --from DATE --resident ‰ --current-year ‰ --cross-year ‰ --min YUAN "
                 "--source TEXT\n\n"
                 "Late-fee policies are versioned by effective date: the policy in force on an\n"
                 "overdue day prices that day. A changed regulation is a new version.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if (!strcmp(argv[0], "add")) {
        struct fee_policy p = { .source = source };
        if (!from)
            return error(&cli->err, ERR_USAGE, "--%s is required", "from");
        if (!min)
            return error(&cli->err, ERR_USAGE, "--%s is required", "min");
        if ((rc = date_parse(from, &p.from, &cli->err)) ||
            (rc = rate_parse(cli, "resident", res, &p.resident_ppm)) ||
            (rc = rate_parse(cli, "current-year", cur, &p.current_year_ppm)) ||
            (rc = rate_parse(cli, "cross-year", cross, &p.cross_year_ppm)) ||
            (rc = money_parse(min, &p.min_fen, &cli->err)) ||
            (rc = fee_policy_add(&cli->ctx, &p, &cli->err)))
            return rc;
        if (!cli->json)
            printf("late-fee policy from %s added\n", from);
        else {
            json_t *j = json_object();
            json_object_set_new(j, "from", json_string(from));
            cli_json_out(j);
        }
        return 0;
    }
    if (strcmp(argv[0], "list"))
        return error(&cli->err, ERR_USAGE, "fees policy list or add, not '%s'", argv[0]);
    struct fee_policies pol;
    if ((rc = fee_policies_load(&cli->ctx, &pol, &cli->err)))
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    for (int i = 0; i < pol.n; i++) {
        const struct fee_policy *p = &pol.p[i];
        char db[DATE_BUF_SIZE], r1[32], r2[32], r3[32], m[MONEY_BUF_SIZE];
        decimal_format(p->resident_ppm, 3, 0, 0, r1);
        decimal_format(p->current_year_ppm, 3, 0, 0, r2);
        decimal_format(p->cross_year_ppm, 3, 0, 0, r3);
        date_format(p->from, db);
        if (cli->json) {
            json_t *o = json_object();
            json_object_set_new(o, "from", json_string(db));
            json_object_set_new(o, "resident_permille", json_string(r1));
            json_object_set_new(o, "current_year_permille", json_string(r2));
            json_object_set_new(o, "cross_year_permille", json_string(r3));
            json_object_set_new(o, "min", cli_json_money(p->min_fen));
            json_object_set_new(o, "source", json_string(p->source));
            json_array_append_new(l.items, o);
        } else
            printf("from %s  resident %s‰  current year %s‰  cross year %s‰  min %s  %s\n", db,
                   r1, r2, r3, money_format(p->min_fen, m), p->source);
    }
    return cli_list_end(&l, 0);
}
