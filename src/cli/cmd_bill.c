/*
 * pmis bill run|review|issue|show|list|explain|adjust|runs: monthly bill runs, the review queue
 * (量费审核), release (发行), explanations and corrections (退补).
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "cli/cli.h"
#include "domain/bill.h"
#include "domain/bill_text.h"
#include "domain/vee.h"

static void policy_from_cfg(struct cli *cli, struct bill_policy *p)
{
    bill_policy_default(p);
    p->due_days = (int)cfg_int(&cli->cfg, CFG_BILLING_DUE_DAYS);
    p->review_multiple_pct = (int)cfg_int(&cli->cfg, CFG_BILLING_REVIEW_MULTIPLE);
    p->spike_pct = (int)cfg_int(&cli->cfg, CFG_BILLING_SPIKE);
    p->batch = (int)cfg_int(&cli->cfg, CFG_BILLING_BATCH);
}

static void run_progress(void *arg, int64_t done, int64_t total)
{
    cli_progress(arg, "billing", (uint64_t)done, (uint64_t)total);
}

int cmd_bill_run(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL, *org = NULL;
    int64_t cycle_day = 0, units = 0;
    bool dry_run = false, restart = false;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "the billing month (required)" },
        { "org", OPT_STR, &org, "CODE", "only accounts of this org unit and below" },
        { "cycle-day", OPT_INT, &cycle_day, "D", "only accounts read on day D (1..28)" },
        { "dry-run", OPT_BOOL, &dry_run, NULL, "compute and report, write nothing" },
        { "restart", OPT_BOOL, &restart, NULL,
          "start an interrupted run over instead of resuming" },
        { "units", OPT_INT, &units, "N",
          "only split the run into N work units for `pmis bill work` processes" },
        OPT_SPEC_END,
    };
    cli->usage = "--period YYYY-MM [--org CODE] [--cycle-day D] [--dry-run] [--units N]\n\n"
                 "Computes a draft bill for every active account of the period. Bills that fail\n"
                 "validation or look unusual wait in review (pmis bill review list); the others\n"
                 "are released with `pmis bill issue RUN`. Running a period again resumes an\n"
                 "interrupted run, or replaces the drafts of a finished one.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period)
        return error(&cli->err, ERR_USAGE, "--%s is required", "period");
    struct bill_policy pol;
    struct bill_run_opts o = { .org_code = org,
                               .cycle_day = (int)cycle_day,
                               .dry_run = dry_run,
                               .restart = restart,
                               .units = (int)units,
                               .policy = &pol,
                               .progress = run_progress,
                               .progress_arg = cli };
    struct bill_run_result r;
    if ((rc = period_parse(period, &o.period, &cli->err)))
        return rc;
    if (cycle_day < 0 || cycle_day > 28)
        return error(&cli->err, ERR_USAGE, "--cycle-day must be 1..28");
    if (units < 0 || units > BILL_UNITS_MAX)
        return error(&cli->err, ERR_USAGE, "--units must be 1..%d", BILL_UNITS_MAX);
    policy_from_cfg(cli, &pol);
    rc = bill_run(&cli->ctx, &o, &r, &cli->err);
    cli_progress_end(cli);
    if (rc)
        return rc;
    if (units) {
        if (cli->json) {
            json_t *j = json_object();
            json_object_set_new(j, "run", json_integer(r.run_id));
            json_object_set_new(j, "period", json_string(period));
            json_object_set_new(j, "units", json_integer(r.units));
            cli_json_out(j);
        } else
            printf("bill run %" PRId64 " for %s: %" PRId64 " work units; compute them with\n"
                   "  pmis bill work %" PRId64 "\n"
                   "in as many processes, on as many hosts, as you like\n",
                   r.run_id, period, r.units, r.run_id);
        return 0;
    }
    char m[MONEY_BUF_SIZE], e[ENERGY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "run", r.run_id ? json_integer(r.run_id) : json_null());
        json_object_set_new(j, "period", json_string(period));
        json_object_set_new(j, "dry_run", json_boolean(dry_run));
        json_object_set_new(j, "resumed", json_boolean(r.resumed));
        json_object_set_new(j, "bills", json_integer(r.accounts));
        json_object_set_new(j, "in_review", json_integer(r.in_review));
        json_object_set_new(j, "failed", json_integer(r.failed));
        json_object_set_new(j, "replaced", json_integer(r.replaced));
        json_object_set_new(j, "skipped_issued", json_integer(r.skipped));
        json_object_set_new(j, "energy_kwh", cli_json_kwh(r.energy_wh));
        json_object_set_new(j, "total", cli_json_money(r.total_fen));
        cli_json_out(j);
    } else {
        if (dry_run)
            printf("dry run for %s (nothing written)\n", period);
        else
            printf("bill run %" PRId64 " for %s%s\n", r.run_id, period,
                   r.resumed ? " (resumed)" : "");
        printf("bills:      %" PRId64 "\n", r.accounts);
        printf("in review:  %" PRId64 "%s\n", r.in_review,
               r.failed ? " (some could not be priced: see the review queue)" : "");
        if (r.replaced)
            printf("replaced:   %" PRId64 " earlier drafts\n", r.replaced);
        if (r.skipped)
            printf("skipped:    %" PRId64 " accounts already issued for %s\n", r.skipped, period);
        printf("energy:     %s kWh\n", energy_format_kwh(r.energy_wh, e));
        printf("amount:     %s yuan\n", money_format_grouped(r.total_fen, m));
    }
    return 0;
}

static int print_run(void *arg, const struct bill_run_info *r)
{
    struct cli_list *l = arg;
    char m[MONEY_BUF_SIZE], e[ENERGY_BUF_SIZE], at[40];
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "run", json_integer(r->id));
        json_object_set_new(j, "period", json_string(r->period));
        json_object_set_new(j, "org", cli_json_str(r->org_code));
        json_object_set_new(j, "cycle_day",
                            r->cycle_day ? json_integer(r->cycle_day) : json_null());
        json_object_set_new(j, "status", json_string(r->status));
        json_object_set_new(j, "bills", json_integer(r->accounts));
        json_object_set_new(j, "in_review", json_integer(r->in_review));
        json_object_set_new(j, "energy_kwh", cli_json_kwh(r->energy_wh));
        json_object_set_new(j, "total", cli_json_money(r->total_fen));
        json_object_set_new(j, "started_at", json_string(instant_format(r->started_at, at)));
        json_object_set_new(j, "started_by", json_string(r->started_by));
        if (r->error)
            cli_json_lang(j, "error", r->error, r->error_zh);
        json_array_append_new(l->items, j);
        return 0;
    }
    printf("%6" PRId64 "  %s  %-8s %-10s %8" PRId64 " bills %6" PRId64 " in review %16s kWh %18s"
           "  %s by %s\n",
           r->id, r->period, r->org_code ? r->org_code : "all", r->status, r->accounts,
           r->in_review, energy_format_kwh(r->energy_wh, e), money_format_grouped(r->total_fen, m),
           instant_format(r->started_at, at), r->started_by);
    if (r->error)
        printf("        %s\n", cli_lang(r->error, r->error_zh));
    return 0;
}

int cmd_bill_runs(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL;
    int64_t limit = 50;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "runs of this month" },
        { "limit", OPT_INT, &limit, "N", "at most N runs (50)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--period YYYY-MM] [--limit N]\n\nBill runs, newest first: status running "
                 "(interrupted: run it again), failed (a\nbackground run stopped on the error "
                 "shown under it: run it again), computed,\nissued or replaced.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, bill_runs(&cli->ctx, period, 0, limit, print_run, &l, &cli->err));
}

/* ---- printing bills ---- */

static json_t *bill_json(const struct bill_info *b)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(b->id));
    json_object_set_new(j, "bill_no", cli_json_str(b->bill_no));
    json_object_set_new(j, "account_no", cli_json_str(b->account_no));
    json_object_set_new(j, "period", cli_json_str(b->period));
    json_object_set_new(j, "kind", cli_json_str(b->kind));
    json_object_set_new(j, "status", cli_json_str(b->status));
    json_object_set_new(j, "tariff", cli_json_str(b->tariff_code));
    json_object_set_new(j, "read_from", cli_json_str(b->read_from));
    json_object_set_new(j, "read_to", cli_json_str(b->read_to));
    json_object_set_new(j, "energy_kwh", cli_json_kwh(b->energy_wh));
    json_object_set_new(j, "total", cli_json_money(b->total_fen));
    json_object_set_new(j, "due_on", cli_json_str(b->due_on));
    json_object_set_new(j, "review_reason", cli_json_str(b->review_reason));
    json_object_set_new(j, "run", b->run_id ? json_integer(b->run_id) : json_null());
    json_object_set_new(j, "adjusts",
                        b->adjusts_bill_id ? json_integer(b->adjusts_bill_id) : json_null());
    return j;
}

static int print_row(void *arg, const struct bill_info *b)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_array_append_new(l->items, bill_json(b));
        return 0;
    }
    char m[MONEY_BUF_SIZE], e[ENERGY_BUF_SIZE], id[24];
    snprintf(id, sizeof(id), "#%" PRId64, b->id);
    printf("%-16s %-8s %-14s %-10s %-8s %12s kWh %14s%s%s\n", b->bill_no ? b->bill_no : id,
           b->period, b->account_no, b->kind, b->status, energy_format_kwh(b->energy_wh, e),
           money_format_grouped(b->total_fen, m), b->review_reason ? "  " : "",
           b->review_reason ? b->review_reason : "");
    return 0;
}

int cmd_bill_list(struct cli *cli, int argc, char **argv)
{
    const char *account = NULL, *period = NULL, *status = NULL;
    int64_t run = 0, limit = 100;
    const struct opt_spec specs[] = {
        { "account", OPT_STR, &account, "ACCOUNT", "bills of this account" },
        { "period", OPT_STR, &period, "YYYY-MM", "bills of this month" },
        { "run", OPT_INT, &run, "RUN", "bills of this run" },
        { "status", OPT_STR, &status, "S", "draft, review, approved, held or issued" },
        { "limit", OPT_INT, &limit, "N", "at most N bills (100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--account ACCOUNT] [--period YYYY-MM] [--run RUN] [--status S]";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct bill_filter f = { .account_no = account, .period = period, .run_id = run,
                             .status = status, .limit = limit };
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, bill_list(&cli->ctx, &f, print_row, &l, &cli->err));
}

int cmd_bill_review(struct cli *cli, int argc, char **argv)
{
    const char *note = NULL, *reason = NULL;
    int64_t run = 0, limit = 100;
    const struct opt_spec specs[] = {
        { "run", OPT_INT, &run, "RUN", "list: only this run; approve/hold: all of this run" },
        { "reason", OPT_STR, &reason, "TEXT",
          "with --run: the bills whose review reason contains TEXT" },
        { "note", OPT_STR, &note, "TEXT", "approve/hold: the reviewer's note (hold requires it)" },
        { "limit", OPT_INT, &limit, "N", "list: at most N bills (100)" },
        OPT_SPEC_END,
    };
    cli->usage = "list [--run RUN] | approve BILL [--note T] | hold BILL --note T | "
                 "recompute BILL\n"
                 "   or: approve|hold --run RUN --reason TEXT [--note T]\n\n"
                 "The review queue (量费审核): bills that failed validation or look unusual.\n"
                 "BILL is a bill number or #id; --run with --reason decides every bill of the\n"
                 "run in review for that reason (e.g. --reason \"consumption spike\").";
    int rc = cli_options(cli, specs, &argc, argv, 1, 2);
    if (rc)
        return rc;
    const char *verb = argv[0];
    if (!strcmp(verb, "list")) {
        if (argc != 1)
            return error(&cli->err, ERR_USAGE, "review list takes no argument");
        struct bill_filter f = { .run_id = run, .status = "review", .limit = limit };
        struct cli_list l = CLI_LIST_INIT(cli);
        return cli_list_end(&l, bill_list(&cli->ctx, &f, print_row, &l, &cli->err));
    }
    if (argc == 1 && run && reason && (!strcmp(verb, "approve") || !strcmp(verb, "hold"))) {
        int64_t n;
        if (!strcmp(verb, "hold") && (!note || !*note))
            return error(&cli->err, ERR_USAGE, "holding bills needs --note with the reason");
        if ((rc = bill_review_bulk(&cli->ctx, run, reason, !strcmp(verb, "approve"), note, &n,
                                   &cli->err)))
            return rc;
        printf("%s %" PRId64 " bills of run %" PRId64 "\n",
               !strcmp(verb, "approve") ? "approved" : "held", n, run);
        return 0;
    }
    if (argc != 2)
        return error(&cli->err, ERR_USAGE, "review %s needs a BILL (or --run RUN --reason TEXT)",
                     verb);
    int64_t id;
    if (strcmp(verb, "approve") && strcmp(verb, "hold") && strcmp(verb, "recompute"))
        return error(&cli->err, ERR_USAGE,
                     "unknown review action '%s' (list, approve, hold, recompute)", verb);
    if (!strcmp(verb, "hold") && (!note || !*note))
        return error(&cli->err, ERR_USAGE, "holding a bill needs --note with the reason");
    if ((rc = bill_find(&cli->ctx, argv[1], &id, &cli->err)))
        return rc;
    if (!strcmp(verb, "recompute")) {
        struct bill_policy pol;
        policy_from_cfg(cli, &pol);
        rc = bill_recompute(&cli->ctx, id, &pol, &cli->err);
    } else {
        rc = bill_review(&cli->ctx, id, !strcmp(verb, "approve"), note, &cli->err);
    }
    if (rc)
        return rc;
    if (!cli->json)
        printf("bill %s: %s\n", argv[1],
               !strcmp(verb, "approve") ? "approved"
               : !strcmp(verb, "hold")  ? "held"
                                        : "recomputed");
    else {
        json_t *j = json_object();
        json_object_set_new(j, "bill", json_string(argv[1]));
        json_object_set_new(j, "action", json_string(verb));
        cli_json_out(j);
    }
    return 0;
}

int cmd_bill_issue(struct cli *cli, int argc, char **argv)
{
    const char *due = NULL;
    const struct opt_spec specs[] = {
        { "due-date", OPT_STR, &due, "DATE", "due date (default: today + billing.due_days)" },
        OPT_SPEC_END,
    };
    cli->usage =
        "RUN | BILL [--due-date DATE]\n\n"
        "Issues (发行) a bill run: its draft and approved bills get numbers and due dates\n"
        "and become immutable; bills in review or held stay out. Given a correction\n"
        "bill (#id), issues that one.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct date due_on = { 0, 0, 0 };
    if (due && (rc = date_parse(due, &due_on, &cli->err)))
        return rc;
    struct bill_policy pol;
    policy_from_cfg(cli, &pol);
    if (argv[0][0] == '#') {
        int64_t id;
        const char *no;
        if ((rc = bill_find(&cli->ctx, argv[0], &id, &cli->err)) ||
            (rc = bill_issue_adjustment(&cli->ctx, id, due_on, &pol, &no, &cli->err)))
            return rc;
        printf("issued %s\n", no);
        return 0;
    }
    char *end;
    long long run = strtoll(argv[0], &end, 10);
    if (*end || run <= 0)
        return error(&cli->err, ERR_USAGE, "invalid run '%s'", argv[0]);
    struct bill_issue_result r;
    if ((rc = bill_issue(&cli->ctx, run, due_on, &pol, &r, &cli->err)))
        return rc;
    char m[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "run", json_integer(run));
        json_object_set_new(j, "issued", json_integer(r.issued));
        json_object_set_new(j, "first", cli_json_str(r.first_no));
        json_object_set_new(j, "last", cli_json_str(r.last_no));
        json_object_set_new(j, "in_review", json_integer(r.left_in_review));
        json_object_set_new(j, "held", json_integer(r.held));
        json_object_set_new(j, "total", cli_json_money(r.total_fen));
        cli_json_out(j);
    } else {
        printf("issued %" PRId64 " bills of run %lld", r.issued, run);
        if (r.issued)
            printf(" (%s .. %s)", r.first_no, r.last_no);
        printf(", %s yuan\n", money_format_grouped(r.total_fen, m));
        if (r.left_in_review || r.held)
            printf("not issued: %" PRId64 " in review, %" PRId64 " held\n", r.left_in_review,
                   r.held);
    }
    return 0;
}

/* ---- show / explain ---- */

struct line_print {
    struct cli *cli;
    json_t *arr;
    bool explain;
};

/* A stored unit ("Wh") as people read it ("kWh"). */
static const char *unit_label(const char *unit)
{
    for (int u = QTY_WH; u <= QTY_DAYS; u++)
        if (!strcmp(unit, qty_unit_name((enum qty_unit)u)))
            return qty_unit_label((enum qty_unit)u);
    return unit;
}

static void fmt_qty(const char *unit, int64_t q, char *buf)
{
    if (!strcmp(unit, "fen"))
        money_format(q, buf);
    else if (!strcmp(unit, "days"))
        snprintf(buf, MONEY_BUF_SIZE, "%" PRId64, q);
    else
        energy_format_kwh3(q, buf);
}

static int print_line(void *arg, const struct bill_line_info *l)
{
    struct line_print *lp = arg;
    char q[MONEY_BUF_SIZE], p[MONEY_BUF_SIZE], a[MONEY_BUF_SIZE];
    fmt_qty(l->unit, l->qty, q);
    price_format(l->price_e8, p);
    money_format(l->amount_fen, a);
    if (lp->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "item", json_string(l->item));
        json_object_set_new(j, "code", json_string(l->code));
        json_object_set_new(j, "name", json_string(l->name));
        json_object_set_new(j, "quantity", json_string(q));
        json_object_set_new(j, "unit", json_string(unit_label(l->unit)));
        json_object_set_new(j, "price", l->price_e8 ? json_string(p) : json_null());
        json_object_set_new(j, "amount", json_string(a));
        json_object_set_new(j, "rule", json_string(l->rule));
        json_object_set_new(j, "version", json_string(l->version));
        if (lp->explain) {
            struct quote_line ql;
            char buf[1024];
            struct err e = ERR_INIT;
            memset(&ql, 0, sizeof(ql));
            ql.amount_fen = l->amount_fen;
            if (!bill_parts_decode(l->parts, lp->cli->ctx.arena, &ql, &e))
                json_object_set_new(j, "arithmetic",
                                    json_string(quote_line_arith(&ql, buf, sizeof(buf))));
        }
        json_array_append_new(lp->arr, j);
        return 0;
    }
    printf("  %-16s %-*s %14s %-5s × %-12s = %12s", l->code, cli_pad(l->name, 14), l->name, q,
           unit_label(l->unit),
           l->price_e8 ? p : "-", a);
    if (*l->version)
        printf("   %s [%s]\n", l->rule, l->version);
    else
        printf("   %s\n", l->rule);
    if (lp->explain) {
        struct quote_line ql;
        char buf[1024];
        struct err e = ERR_INIT;
        memset(&ql, 0, sizeof(ql));
        ql.amount_fen = l->amount_fen;
        if (bill_parts_decode(l->parts, lp->cli->ctx.arena, &ql, &e))
            printf("      (%s)\n", e.msg);
        else
            printf("      %s\n", quote_line_arith(&ql, buf, sizeof(buf)));
    }
    return 0;
}

static int show(struct cli *cli, int argc, char **argv, bool explain)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = explain ? "BILL\n\nReadings, multiplier, consumption per register, tariff "
                           "version and each line's\nrule and arithmetic. BILL is a bill "
                           "number or #id."
                         : "BILL\n\nA bill and its lines. BILL is a bill number or #id.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id;
    struct bill_info b;
    const char *usage, *reads;
    if ((rc = bill_find(&cli->ctx, argv[0], &id, &cli->err)) ||
        (rc = bill_get(&cli->ctx, id, &b, &cli->err)) ||
        (rc = bill_inputs(&cli->ctx, id, &usage, &reads, &cli->err)))
        return rc;
    struct line_print lp = { cli, json_array(), explain };
    char m[MONEY_BUF_SIZE], e[ENERGY_BUF_SIZE];
    if (cli->json) {
        json_t *j = bill_json(&b);
        if ((rc = bill_lines(&cli->ctx, id, print_line, &lp, &cli->err))) {
            json_decref(j);
            json_decref(lp.arr);
            return rc;
        }
        json_object_set_new(j, "lines", lp.arr);
        if (explain) {
            json_object_set_new(j, "readings", json_string(reads));
            json_object_set_new(j, "usage", json_string(usage));
        }
        cli_json_out(j);
        return 0;
    }
    json_decref(lp.arr);
    lp.arr = NULL;
    if (b.bill_no)
        printf("bill      %s\n", b.bill_no);
    else
        printf("bill      (not issued) #%" PRId64 "\n", b.id);
    printf("account   %s  %s (%s)\n", b.account_no, b.customer_name, b.cust_no);
    printf("period    %s  %s  %s\n", b.period, b.kind, b.status);
    if (b.read_from)
        printf("window    %s .. %s\n", b.read_from, b.read_to);
    printf("tariff    %s\n", b.tariff_code);
    if (b.review_reason)
        printf("review    %s\n", b.review_reason);
    if (b.note)
        printf("note      %s\n", b.note);
    if (b.due_on)
        printf("due       %s\n", b.due_on);
    if (explain) {
        printf("readings\n");
        for (const char *p = reads; *p;) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            printf("  %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
        struct usage u;
        struct err e2 = ERR_INIT;
        if (!bill_usage_decode(usage, cli->ctx.arena, &u, &e2)) {
            char a[ENERGY_BUF_SIZE];
            printf("consumption (after multiplier)\n  total %s kWh",
                   energy_format_kwh3(u.total_wh, a));
            if (u.has_tou)
                for (int i = 0; i < TOU_N; i++)
                    if (u.tou_wh[i])
                        printf(", %s %s", tou_period_name((enum tou_period)i),
                               energy_format_kwh3(u.tou_wh[i], a));
            if (u.has_reactive)
                printf(", reactive %s kvarh", energy_format_kwh3(u.reactive_varh, a));
            if (u.demand_w)
                printf(", max demand %s kW", energy_format_kwh3(u.demand_w, a));
            printf("\n");
            if (u.ytd_wh || u.months_in_year != 12)
                printf("  year to date before this bill %s kWh, %d months of supply this year\n",
                       energy_format_kwh3(u.ytd_wh, a), u.months_in_year);
        }
    }
    printf("lines\n");
    if ((rc = bill_lines(&cli->ctx, id, print_line, &lp, &cli->err)))
        return rc;
    printf("energy    %s kWh\n", energy_format_kwh(b.energy_wh, e));
    printf("total     %s yuan\n", money_format_grouped(b.total_fen, m));
    return 0;
}

int cmd_bill_show(struct cli *cli, int argc, char **argv)
{
    return show(cli, argc, argv, false);
}

int cmd_bill_explain(struct cli *cli, int argc, char **argv)
{
    return show(cli, argc, argv, true);
}

int cmd_bill_adjust(struct cli *cli, int argc, char **argv)
{
    const char *kwh = NULL, *reason = NULL, *account = NULL, *error_pct = NULL, *tested = NULL,
               *found = NULL;
    const struct opt_spec specs[] = {
        { "kwh", OPT_STR, &kwh, "N", "the corrected total energy of BILL" },
        { "reason", OPT_STR, &reason, "TEXT", "why (required)" },
        { "account", OPT_STR, &account, "ACCOUNT", "meter error: the account" },
        { "meter-error", OPT_STR, &error_pct, "PCT", "meter error found, e.g. +4 (fast) or -2.5" },
        { "tested", OPT_STR, &tested, "DATE", "meter error: last test or installation" },
        { "found", OPT_STR, &found, "DATE", "meter error: when the error was found and fixed" },
        OPT_SPEC_END,
    };
    cli->usage =
        "BILL --kwh N --reason TEXT\n"
        "   or: --account ACCOUNT --meter-error PCT --tested DATE --found DATE --reason T\n\n"
        "Corrections (退补): a new adjustment bill against an issued one, never an edit.\n"
        "A meter error corrects the bills of the second half of the time since the last\n"
        "test to zero error (rules §8.4: energy / (1 + error)). Corrections wait in\n"
        "review; approve them, then `pmis bill issue #ID`.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 1);
    if (rc)
        return rc;
    if (!reason || !*reason)
        return error(&cli->err, ERR_USAGE, "--%s is required", "reason");
    if (error_pct) {
        struct date t, f;
        int64_t pct;
        const char *why = NULL;
        if (argc || !account || !tested || !found)
            return error(&cli->err, ERR_USAGE,
                         "--meter-error needs --account, --tested and --found (and no BILL)");
        const char *s = *error_pct == '+' ? error_pct + 1 : error_pct;
        if (decimal_parse(s, 2, 0, &pct, &why))
            return error_detail(&cli->err, ERR_USAGE, why, NULL, "invalid --meter-error '%s': %s",
                                error_pct, why);
        if ((rc = date_parse(tested, &t, &cli->err)) || (rc = date_parse(found, &f, &cli->err)))
            return rc;
        int64_t n;
        if ((rc = bill_adjust_meter_error(&cli->ctx, account, t, f, (int)pct, reason, &n,
                                          &cli->err)))
            return rc;
        printf("%" PRId64 " correction bills in review for account %s\n", n, account);
        return 0;
    }
    if (argc != 1 || !kwh)
        return error(&cli->err, ERR_USAGE, "give BILL and --kwh, or --meter-error");
    int64_t id, wh, adj;
    if ((rc = energy_parse_kwh(kwh, &wh, &cli->err)) ||
        (rc = bill_find(&cli->ctx, argv[0], &id, &cli->err)) ||
        (rc = bill_adjust(&cli->ctx, id, wh, reason, &adj, &cli->err)))
        return rc;
    struct bill_info b;
    if ((rc = bill_get(&cli->ctx, adj, &b, &cli->err)))
        return rc;
    char m[MONEY_BUF_SIZE];
    if (cli->json)
        cli_json_out(bill_json(&b));
    else
        printf("correction #%" PRId64 " of %s: %s yuan (in review)\n", adj, argv[0],
               money_format_grouped(b.total_fen, m));
    return 0;
}

int cmd_bill_work(struct cli *cli, int argc, char **argv)
{
    const char *worker = NULL;
    const struct opt_spec specs[] = {
        { "worker", OPT_STR, &worker, "NAME", "this worker's name in the unit rows (default: --as)" },
        OPT_SPEC_END,
    };
    cli->usage = "RUN [--worker NAME]\n\n"
                 "Computes the work units of a bill run split with `bill run --units N` until none\n"
                 "is left to claim. Start as many as you like, on any hosts sharing the database;\n"
                 "a unit whose worker died is taken over where it stopped. The last one done\n"
                 "makes the run computed, ready for review and `bill issue`.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    char *end;
    long long run = strtoll(argv[0], &end, 10);
    if (*end || run <= 0)
        return error(&cli->err, ERR_USAGE, "invalid run '%s'", argv[0]);
    struct bill_policy pol;
    struct bill_work_result w;
    policy_from_cfg(cli, &pol);
    rc = bill_work(&cli->ctx, run, &pol, worker, run_progress, cli, &w, &cli->err);
    cli_progress_end(cli);
    if (rc)
        return rc;
    char m[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "run", json_integer(run));
        json_object_set_new(j, "units", json_integer(w.units));
        json_object_set_new(j, "units_left", json_integer(w.units_left));
        json_object_set_new(j, "finished", json_boolean(w.finished));
        json_object_set_new(j, "bills", json_integer(w.r.accounts));
        json_object_set_new(j, "in_review", json_integer(w.r.in_review));
        json_object_set_new(j, "total", cli_json_money(w.r.total_fen));
        cli_json_out(j);
    } else
        printf("run %lld: %" PRId64 " work units, %" PRId64 " bills (%" PRId64
               " in review), %s yuan; %s\n",
               run, w.units, w.r.accounts, w.r.in_review, money_format_grouped(w.r.total_fen, m),
               w.finished            ? "the run is computed"
               : w.units_left        ? "other workers still on it"
                                     : "nothing left");
    return 0;
}
