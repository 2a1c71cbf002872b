/*
 * pmis pay, pmis payment list|show|reverse|close: taking payments at the counter and from
 * channels, receipts, reversals (冲正) and the cashier's daily close (日结).
 */
#include "core/common.h"
#include "core/money.h"
#include "cli/cli.h"
#include "domain/ledger.h"
#include "domain/payment_csv.h"

#include <inttypes.h>

static json_t *alloc_json(const struct pay_alloc *a, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "bill", cli_json_str(a[i].bill_no));
        json_object_set_new(o, "late_fee", cli_json_money(a[i].fee_fen));
        json_object_set_new(o, "principal", cli_json_money(a[i].principal_fen));
        json_array_append_new(arr, o);
    }
    return arr;
}

static void print_allocs(const struct pay_alloc *a, int n)
{
    char m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE];
    for (int i = 0; i < n; i++)
        printf("  %-16s principal %12s  late fee %10s\n", a[i].bill_no,
               money_format_grouped(a[i].principal_fen, m1), money_format_grouped(a[i].fee_fen, m2));
}

int cmd_pay(struct cli *cli, int argc, char **argv)
{
    const char *channel = "counter", *ref = NULL, *date = NULL;
    bool principal_first = false;
    const struct opt_spec specs[] = {
        { "channel", OPT_STR, &channel, "CH", "counter (default), bank, wechat, alipay or agent" },
        { "ref", OPT_STR, &ref, "REF", "the channel's transaction reference (required but for counter)" },
        { "date", OPT_STR, &date, "DATE", "payment date (default today; not after fees were accrued)" },
        { "principal-first", OPT_BOOL, &principal_first, NULL,
          "pay each bill's principal before its late fee (default: payment.allocation)" },
        OPT_SPEC_END,
    };
    cli->usage = "ACCOUNT AMOUNT [--channel CH] [--ref REF] [--date DATE]\n\n"
                 "Posts a payment of AMOUNT yuan to ACCOUNT. Late fees are accrued to the payment\n"
                 "date, then the oldest bills are paid first (late fee before principal); what is\n"
                 "left stays as credit (预存) for the next bill. The same channel reference twice\n"
                 "posts once. Prints the receipt number.";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc)
        return rc;
    struct pay_req q = { .account_no = argv[0], .channel = channel, .ref = ref };
    if ((rc = money_parse(argv[1], &q.amount_fen, &cli->err)))
        return rc;
    if (date && (rc = date_parse(date, &q.paid_on, &cli->err)))
        return rc;
    q.principal_first = principal_first || cfg_enum(&cli->cfg, CFG_PAYMENT_ALLOCATION) == 1;
    struct pay_result r;
    if ((rc = ledger_pay(&cli->ctx, &q, &r, &cli->err)))
        return rc;
    struct pay_alloc *al;
    int n = 0;
    if ((rc = ledger_payment_allocs(&cli->ctx, r.payment_id, &al, &n, &cli->err)))
        return rc;
    char rn[16], m[MONEY_BUF_SIZE];
    ledger_receipt_no(r.payment_id, rn);
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "receipt", json_string(rn));
        json_object_set_new(j, "duplicate", json_boolean(r.duplicate));
        json_object_set_new(j, "account", json_string(q.account_no));
        json_object_set_new(j, "amount", cli_json_money(q.amount_fen));
        if (!r.duplicate) {
            json_object_set_new(j, "late_fee_accrued", cli_json_money(r.fee_fen));
            json_object_set_new(j, "to_late_fees", cli_json_money(r.to_fees_fen));
            json_object_set_new(j, "to_principal", cli_json_money(r.to_principal_fen));
            json_object_set_new(j, "credit", cli_json_money(r.credit_fen));
            json_object_set_new(j, "balance", cli_json_money(r.balance_fen));
        }
        json_object_set_new(j, "allocations", alloc_json(al, n));
        cli_json_out(j);
        return 0;
    }
    if (r.duplicate) {
        printf("%s %s reference %s was already posted as receipt %s: nothing posted\n",
               q.account_no, channel, ref, rn);
        return 0;
    }
    printf("receipt %s: %s yuan from %s by %s\n", rn, money_format_grouped(q.amount_fen, m),
           q.account_no, channel);
    if (r.fee_fen)
        printf("late fee accrued to the payment date: %s\n", money_format_grouped(r.fee_fen, m));
    print_allocs(al, n);
    if (r.credit_fen)
        printf("credit (预存) kept: %s\n", money_format_grouped(r.credit_fen, m));
    printf("balance: %s\n", money_format_grouped(r.balance_fen, m));
    return 0;
}

static json_t *payment_json(const struct payment_info *p)
{
    char rn[16];
    json_t *j = json_object();
    json_object_set_new(j, "receipt", json_string(ledger_receipt_no(p->id, rn)));
    json_object_set_new(j, "account", json_string(p->account_no));
    json_object_set_new(j, "amount", cli_json_money(p->amount_fen));
    json_object_set_new(j, "credit_left", cli_json_money(p->unallocated_fen));
    json_object_set_new(j, "channel", json_string(p->channel));
    json_object_set_new(j, "ref", cli_json_str(p->ref));
    json_object_set_new(j, "paid_on", json_string(p->paid_on));
    json_object_set_new(j, "cashier", json_string(p->cashier));
    json_object_set_new(j, "status", json_string(p->status));
    json_object_set_new(j, "reversed_on", cli_json_str(p->reversed_on));
    json_object_set_new(j, "reversed_by", cli_json_str(p->reversed_by));
    json_object_set_new(j, "reversal_approver", cli_json_str(p->reversal_approver));
    json_object_set_new(j, "reversal_reason", cli_json_str(p->reversal_reason));
    return j;
}

static int list_row(void *arg, const struct payment_info *p)
{
    struct cli_list *l = arg;
    char rn[16], m[MONEY_BUF_SIZE];
    if (l->cli->json) {
        json_array_append_new(l->items, payment_json(p));
        return 0;
    }
    printf("%s  %s  %-14s %12s  %-8s %-10s %s%s\n", ledger_receipt_no(p->id, rn), p->paid_on,
           p->account_no, money_format_grouped(p->amount_fen, m), p->channel, p->cashier,
           p->ref ? p->ref : "-", strcmp(p->status, "reversed") ? "" : "  REVERSED");
    return 0;
}

int cmd_payment_list(struct cli *cli, int argc, char **argv)
{
    const char *account = NULL, *date = NULL, *cashier = NULL;
    int64_t limit = 100;
    const struct opt_spec specs[] = {
        { "account", OPT_STR, &account, "ACCOUNT", "only this account's payments" },
        { "date", OPT_STR, &date, "DATE", "only payments of this day" },
        { "cashier", OPT_STR, &cashier, "USER", "only this cashier's payments" },
        { "limit", OPT_INT, &limit, "N", "at most N, newest first (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--account ACCOUNT] [--date DATE] [--cashier USER] [--limit N]";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct date d;
    if (date && (rc = date_parse(date, &d, &cli->err)))
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    struct payment_filter f = { account, date, cashier, 0, limit };
    rc = ledger_payment_list(&cli->ctx, &f, list_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}

int cmd_payment_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "RECEIPT\n\nA payment (SK0000000042, or its number) and the bills it paid.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id;
    struct payment_info p;
    struct pay_alloc *al;
    int n;
    if ((rc = ledger_receipt_parse(argv[0], &id, &cli->err)) ||
        (rc = ledger_payment_get(&cli->ctx, id, &p, &cli->err)) ||
        (rc = ledger_payment_allocs(&cli->ctx, id, &al, &n, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = payment_json(&p);
        json_object_set_new(j, "allocations", alloc_json(al, n));
        cli_json_out(j);
        return 0;
    }
    char rn[16], m[MONEY_BUF_SIZE];
    printf("receipt %s  %s\n", ledger_receipt_no(p.id, rn), p.status);
    printf("account %s, %s yuan by %s%s%s on %s, cashier %s\n", p.account_no,
           money_format_grouped(p.amount_fen, m), p.channel, p.ref ? " ref " : "",
           p.ref ? p.ref : "", p.paid_on, p.cashier);
    if (p.reversed_on)
        printf("reversed on %s by %s, approved by %s: %s\n", p.reversed_on, p.reversed_by,
               p.reversal_approver, p.reversal_reason);
    print_allocs(al, n);
    if (p.unallocated_fen)
        printf("credit still to apply: %s\n", money_format_grouped(p.unallocated_fen, m));
    return 0;
}

int cmd_payment_reverse(struct cli *cli, int argc, char **argv)
{
    const char *reason = NULL, *approver = NULL;
    const struct opt_spec specs[] = {
        { "reason", OPT_STR, &reason, "TEXT", "why (required)" },
        { "approver", OPT_STR, &approver, "USER", "another user with payment:reverse (required)" },
        OPT_SPEC_END,
    };
    cli->usage = "RECEIPT --reason TEXT --approver USER\n\n"
                 "Reverses (冲正) a payment: the bills it paid are owed again exactly as before,\n"
                 "its credit is withdrawn, and a reversal entry is posted today.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id;
    if ((rc = ledger_receipt_parse(argv[0], &id, &cli->err)) ||
        (rc = ledger_reverse(&cli->ctx, id, reason, approver, &cli->err)))
        return rc;
    char rn[16];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "receipt", json_string(ledger_receipt_no(id, rn)));
        json_object_set_new(j, "status", json_string("reversed"));
        cli_json_out(j);
    } else
        printf("reversed %s\n", ledger_receipt_no(id, rn));
    return 0;
}

/* "counter=1234.50" */
static int parse_counted(struct cli *cli, const char *s, struct close_count *out)
{
    const char *eq = strchr(s, '=');
    if (!eq)
        return error(&cli->err, ERR_USAGE, "counted amounts are CHANNEL=AMOUNT, not '%s'", s);
    out->channel = arena_strndup(&cli->arena, s, (size_t)(eq - s));
    return money_parse(eq + 1, &out->fen, &cli->err);
}

int cmd_payment_close(struct cli *cli, int argc, char **argv)
{
    const char *cashier = NULL, *date = NULL;
    const struct opt_spec specs[] = {
        { "cashier", OPT_STR, &cashier, "USER", "whose day (default: you)" },
        { "date", OPT_STR, &date, "DATE", "which day (default today)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--cashier USER] [--date DATE] [CHANNEL=AMOUNT ...]\n\n"
                 "Daily close (日结): totals by channel, checked against the ledger; the amounts\n"
                 "counted per channel (e.g. counter=1234.50) must match the payments. Afterwards\n"
                 "the cashier posts nothing more on that day.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 8);
    if (rc)
        return rc;
    struct date day;
    if (date) {
        if ((rc = date_parse(date, &day, &cli->err)))
            return rc;
    } else if ((rc = ctx_today(&cli->ctx, &day, &cli->err)))
        return rc;
    struct close_count counted[8];
    int n = 0;
    for (int i = 0; i < argc; i++)
        if ((rc = parse_counted(cli, argv[i], &counted[n++])))
            return rc;
    struct close_result r;
    if (!cashier)
        cashier = cli->ctx.actor;
    if ((rc = ledger_close(&cli->ctx, cashier, day, counted, n, &r, &cli->err)))
        return rc;
    char db[DATE_BUF_SIZE], m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], m3[MONEY_BUF_SIZE],
        m4[MONEY_BUF_SIZE];
    date_format(day, db);
    if (cli->json) {
        json_t *j = json_object(), *chs = json_array();
        json_object_set_new(j, "cashier", json_string(cashier));
        json_object_set_new(j, "date", json_string(db));
        json_object_set_new(j, "already_closed", json_boolean(r.already));
        for (int i = 0; i < r.n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "channel", json_string(r.ch[i].channel));
            json_object_set_new(o, "payments", json_integer(r.ch[i].payments));
            json_object_set_new(o, "received", cli_json_money(r.ch[i].received_fen));
            json_object_set_new(o, "reversed", cli_json_money(r.ch[i].reversed_fen));
            json_object_set_new(o, "deposits", cli_json_money(r.ch[i].deposits_fen));
            json_object_set_new(o, "refunded", cli_json_money(r.ch[i].refunded_fen));
            json_array_append_new(chs, o);
        }
        json_object_set_new(j, "channels", chs);
        json_object_set_new(j, "net", cli_json_money(r.net_fen));
        json_object_set_new(j, "cash", cli_json_money(r.cash_fen));
        cli_json_out(j);
        return 0;
    }
    printf("%s %s %s\n", r.already ? "already closed:" : "closed", cashier, db);
    for (int i = 0; i < r.n; i++)
        printf("  %-8s %6" PRId64 " payments %14s received %12s reversed %12s deposits %12s "
               "refunded\n",
               r.ch[i].channel, r.ch[i].payments, money_format_grouped(r.ch[i].received_fen, m1),
               money_format_grouped(r.ch[i].reversed_fen, m2),
               money_format_grouped(r.ch[i].deposits_fen, m3),
               money_format_grouped(r.ch[i].refunded_fen, m4));
    printf("  net %s yuan, cash %s yuan\n", money_format_grouped(r.net_fen, m1),
           money_format_grouped(r.cash_fen, m2));
    return 0;
}

static void batch_progress(void *arg, int64_t done, int64_t total)
{
    cli_progress(arg, "payments", (uint64_t)done, (uint64_t)total);
}

int cmd_payment_import(struct cli *cli, int argc, char **argv)
{
    const char *channel = "bank", *encoding = "utf-8";
    bool principal_first = false;
    int64_t jobs = INT64_MIN; /* not given */
    const struct opt_spec specs[] = {
        { "channel", OPT_STR, &channel, "CH", "bank (default) or agent" },
        { "jobs", OPT_INT, &jobs, "N",
          "N connections at once on PostgreSQL, each on its own accounts (default payment.jobs)" },
        { "encoding", OPT_STR, &encoding, "ENC", "utf-8 (default), gbk or gb18030" },
        { "principal-first", OPT_BOOL, &principal_first, NULL,
          "pay each bill's principal before its late fee (default: payment.allocation)" },
        OPT_SPEC_END,
    };
    cli->usage = "FILE.csv [--channel bank|agent] [--jobs N]\n\n"
                 "Posts a bank or agent collection file (代收; doc/payments-format.md):\n"
                 "  H,BATCH_REF,FILE_DATE / D,REF,ACCOUNT,AMOUNT[,PAID_ON] ... / T,COUNT,TOTAL\n"
                 "A malformed record, a repeated reference or wrong control totals refuse the\n"
                 "whole file. Records for unknown or closed accounts are reported, the rest post.\n"
                 "Importing the same file again posts nothing. On PostgreSQL the accounts post\n"
                 "in N parts, each committed on its own: if the import stops half way, import\n"
                 "the file again to post the rest. On SQLite it is one transaction.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if ((rc = cli_jobs(cli, jobs, CFG_PAYMENT_JOBS, &jobs)))
        return rc;
    struct csv_options o = CSV_OPTIONS_INIT;
    if ((rc = csv_encoding_parse(encoding, &o.encoding, &cli->err)))
        return rc;
    o.max_record = 4096;
    int fd;
    struct csv_reader r;
    struct batch_result *res = arena_alloc(&cli->arena, sizeof(*res));
    memset(res, 0, sizeof(*res));
    if ((rc = cli_open_input(cli, argv[0], &fd)))
        return rc;
    rc = csv_open_fd(&r, fd, &o, &cli->err);
    if (!rc)
        rc = payment_batch_import(&cli->ctx, &r, channel,
                                  principal_first ||
                                      cfg_enum(&cli->cfg, CFG_PAYMENT_ALLOCATION) == 1,
                                  jobs, cfg_int(&cli->cfg, CFG_PAYMENT_LOCK_WAIT), batch_progress,
                                  cli, res, &cli->err);
    if (rc)
        error_prefix(&cli->err, "%s: ", argv[0]);
    csv_close(&r);
    cli_close_input(fd);
    cli_progress_end(cli);
    if (rc)
        return rc;
    char m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object(), *um = json_array();
        json_object_set_new(j, "batch", json_string(res->batch_ref));
        json_object_set_new(j, "file_date", cli_json_str(res->file_date));
        json_object_set_new(j, "already_imported", json_boolean(res->already));
        json_object_set_new(j, "lines", json_integer(res->lines));
        json_object_set_new(j, "total", cli_json_money(res->total_fen));
        json_object_set_new(j, "posted", json_integer(res->posted));
        json_object_set_new(j, "posted_amount", cli_json_money(res->posted_fen));
        json_object_set_new(j, "repeats", json_integer(res->repeats));
        json_object_set_new(j, "unmatched", json_integer(res->unmatched));
        for (int i = 0; i < res->nreported; i++) {
            json_t *u = json_object();
            json_object_set_new(u, "line", json_integer(res->reported[i].line));
            json_object_set_new(u, "ref", json_string(res->reported[i].ref));
            json_object_set_new(u, "account", json_string(res->reported[i].account_no));
            cli_json_lang(u, "reason", res->reported[i].reason, res->reported[i].reason_zh);
            json_array_append_new(um, u);
        }
        json_object_set_new(j, "unmatched_lines", um);
        cli_json_out(j);
        return 0;
    }
    if (res->already) {
        printf("%s: batch %s was imported before (%" PRId64 " lines, %" PRId64
               " posted): nothing posted now\n",
               argv[0], res->batch_ref, res->lines, res->posted);
        return 0;
    }
    for (int i = 0; i < res->nreported; i++) /* each reason in the caller's language */
        printf("%s:%" PRId64 ": unmatched %s (account %s): %s\n", argv[0], res->reported[i].line,
               res->reported[i].ref, res->reported[i].account_no,
               cli_lang(res->reported[i].reason, res->reported[i].reason_zh));
    printf("batch %s of %s: %" PRId64 " lines, %s yuan; posted %" PRId64 " (%s yuan), %" PRId64
           " repeats, %" PRId64 " unmatched\n",
           res->batch_ref, res->file_date, res->lines, money_format_grouped(res->total_fen, m1),
           res->posted, money_format_grouped(res->posted_fen, m2), res->repeats, res->unmatched);
    return 0;
}
