/*
 * Payments and the ledger over HTTP: posting a payment (idempotent per channel reference),
 * payments listed with keyset pagination, one receipt, reversal (冲正) approved by a second
 * user's password (主管授权, auth_approve), bank and agent collection files as text/csv
 * bodies, the cashier's own daily close (日结), an account's ledger (台账), the invariant
 * check, and late fees (accrual, waiver). Thin: the ledger (domain/ledger*.c) does the work
 * and keeps accounts of other subtrees unknown (ctx.scope_org_id), so they answer 404.
 */
#include "core/common.h"
#include "core/cfg.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/bill.h"
#include "domain/ledger.h"
#include "domain/payment_csv.h"

static json_t *alloc_json(const struct pay_alloc *a, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o}", "bill", api_json_str(a[i].bill_no),
                                             "late_fee", api_json_money(a[i].fee_fen), "principal",
                                             api_json_money(a[i].principal_fen)));
    return arr;
}

static json_t *payment_json(const struct payment_info *p)
{
    char rn[16];
    json_t *j = json_object();
    json_object_set_new(j, "receipt", json_string(ledger_receipt_no(p->id, rn)));
    json_object_set_new(j, "account", json_string(p->account_no));
    json_object_set_new(j, "amount", api_json_money(p->amount_fen));
    json_object_set_new(j, "credit_left", api_json_money(p->unallocated_fen));
    json_object_set_new(j, "channel", json_string(p->channel));
    json_object_set_new(j, "ref", api_json_str(p->ref));
    json_object_set_new(j, "paid_on", json_string(p->paid_on));
    json_object_set_new(j, "cashier", json_string(p->cashier));
    json_object_set_new(j, "status", json_string(p->status));
    json_object_set_new(j, "posted_at", api_json_time(p->posted_at));
    json_object_set_new(j, "reversed_on", api_json_str(p->reversed_on));
    json_object_set_new(j, "reversed_by", api_json_str(p->reversed_by));
    json_object_set_new(j, "reversal_approver", api_json_str(p->reversal_approver));
    json_object_set_new(j, "reversal_reason", api_json_str(p->reversal_reason));
    return j;
}

/* The payment and the bills it paid, as GET /payments/{receipt} answers it. */
static int payment_full(struct api_req *r, int64_t id, json_t **out)
{
    struct payment_info p;
    struct pay_alloc *al;
    int n = 0, rc;
    if ((rc = ledger_payment_get(&r->ctx, id, &p, &r->err)) ||
        (rc = ledger_payment_allocs(&r->ctx, id, &al, &n, &r->err)))
        return rc;
    *out = payment_json(&p);
    json_object_set_new(*out, "allocations", alloc_json(al, n));
    return 0;
}

/* The receipt of path parameter {id}: a malformed one names no payment (404). */
static int receipt_param(struct api_req *r, int64_t *id)
{
    const char *s = api_param(r, "id");
    if (ledger_receipt_parse(s, id, &r->err))
        return error(&r->err, ERR_NOT_FOUND, "no payment '%s'", s);
    return 0;
}

static bool principal_first(struct api_req *r)
{
    return r->cfg->settings && cfg_enum(r->cfg->settings, CFG_PAYMENT_ALLOCATION) == 1;
}

int api_payment_post(struct api_req *r)
{
    static const char *const known[] = { "account", "amount",          "channel", "ref",
                                         "date",    "principal_first", NULL };
    struct pay_req q = { .channel = "counter", .principal_first = principal_first(r) };
    const char *channel = NULL;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "account", true, &q.account_no)) ||
        (rc = api_body_money(r, "amount", true, &q.amount_fen)) ||
        (rc = api_body_str(r, "channel", false, &channel)) ||
        (rc = api_body_str(r, "ref", false, &q.ref)) ||
        (rc = api_body_date(r, "date", false, &q.paid_on)) ||
        (rc = api_body_bool(r, "principal_first", &q.principal_first)))
        return rc;
    if (channel)
        q.channel = channel;
    struct pay_result res;
    if ((rc = ledger_pay(&r->ctx, &q, &res, &r->err)))
        return rc;
    json_t *o;
    if ((rc = payment_full(r, res.payment_id, &o)))
        return rc;
    json_object_set_new(o, "duplicate", json_boolean(res.duplicate));
    if (!res.duplicate) {
        json_object_set_new(o, "late_fee_accrued", api_json_money(res.fee_fen));
        json_object_set_new(o, "to_late_fees", api_json_money(res.to_fees_fen));
        json_object_set_new(o, "to_principal", api_json_money(res.to_principal_fen));
        json_object_set_new(o, "credit", api_json_money(res.credit_fen));
        json_object_set_new(o, "balance", api_json_money(res.balance_fen));
    }
    /* a repeat of a posted reference answers the first receipt: nothing was created */
    return api_reply(r, res.duplicate ? 200 : 201, o);
}

static int payment_item(void *arg, const struct payment_info *p)
{
    json_array_append_new(arg, payment_json(p));
    return 0;
}

int api_payment_list(struct api_req *r)
{
    struct payment_filter f = { 0 };
    struct date d;
    int rc;
    f.account_no = api_query(r, "account");
    f.cashier = api_query(r, "cashier");
    if ((rc = api_query_date(r, "date", &d)))
        return rc;
    f.day = api_query(r, "date");
    const char *before = api_query(r, "before");
    if (before && ledger_receipt_parse(before, &f.before_id, &r->err))
        return err_field(&r->err, "before");
    if ((rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = ledger_payment_list(&r->ctx, &f, payment_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == f.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "receipt"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

int api_payment_get(struct api_req *r)
{
    int64_t id;
    json_t *o;
    int rc;
    if ((rc = receipt_param(r, &id)) || (rc = payment_full(r, id, &o)))
        return rc;
    return api_reply(r, 200, o);
}

/*
 * A reversal needs a second person: the approver's user name and password in the body, checked
 * here (auth_approve: another active user holding payment:reverse; failures count towards the
 * approver's lockout and are audited). The payment is looked up first, so another subtree's
 * receipt answers 404 before any password is checked.
 */
int api_payment_reverse(struct api_req *r)
{
    static const char *const known[] = { "reason", "approver", "approver_password", NULL };
    const char *reason, *approver, *password;
    struct payment_info p;
    int64_t id;
    char rn[16];
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "reason", true, &reason)) ||
        (rc = api_body_str(r, "approver", true, &approver)) ||
        (rc = api_body_str(r, "approver_password", true, &password)))
        return rc;
    if (!*reason)
        return error(&r->err, ERR_INVALID, "field 'reason' is empty"), err_field(&r->err, "reason");
    if ((rc = receipt_param(r, &id)) || (rc = ledger_payment_get(&r->ctx, id, &p, &r->err)))
        return rc;
    const char *what = arena_sprintf(&r->arena, "reversal of %s", ledger_receipt_no(id, rn));
    if ((rc = auth_approve(&r->ctx, &r->cfg->policy, approver, password, PERM_PAYMENT_REVERSE, what,
                           &r->err)) ||
        (rc = ledger_reverse(&r->ctx, id, reason, approver, &r->err)))
        return rc;
    json_t *o;
    if ((rc = payment_full(r, id, &o)))
        return rc;
    return api_reply(r, 200, o);
}

int api_payment_import(struct api_req *r)
{
    const char *channel = api_query(r, "channel");
    const char *encoding = api_query(r, "encoding");
    if (!channel)
        channel = "bank";
    if (strcmp(channel, "bank") && strcmp(channel, "agent"))
        return error(&r->err, ERR_INVALID, "query parameter 'channel' must be bank or agent"),
               err_field(&r->err, "channel");
    struct csv_options o = CSV_OPTIONS_INIT;
    int rc;
    if (encoding && csv_encoding_parse(encoding, &o.encoding, &r->err))
        return err_field(&r->err, "encoding");
    o.max_record = 4096;
    struct csv_reader cr;
    struct batch_result *res = arena_alloc(&r->arena, sizeof(*res));
    memset(res, 0, sizeof(*res));
    if ((rc = api_csv_open(r, &cr, &o)))
        return rc;
    /* one job, one transaction: see api_fees_accrue */
    int64_t wait_s = r->cfg->settings ? cfg_int(r->cfg->settings, CFG_PAYMENT_LOCK_WAIT) : 60;
    rc = payment_batch_import(&r->ctx, &cr, channel, principal_first(r), 1, wait_s, NULL, NULL,
                              res, &r->err);
    csv_close(&cr);
    if (rc)
        return rc;
    json_t *j = json_object(), *um = json_array();
    json_object_set_new(j, "batch", api_json_str(res->batch_ref));
    json_object_set_new(j, "file_date", api_json_str(res->file_date));
    json_object_set_new(j, "channel", json_string(channel));
    json_object_set_new(j, "already_imported", json_boolean(res->already));
    json_object_set_new(j, "lines", json_integer(res->lines));
    json_object_set_new(j, "total", api_json_money(res->total_fen));
    json_object_set_new(j, "posted", json_integer(res->posted));
    json_object_set_new(j, "posted_amount", api_json_money(res->posted_fen));
    json_object_set_new(j, "repeats", json_integer(res->repeats));
    json_object_set_new(j, "unmatched", json_integer(res->unmatched));
    json_object_set_new(j, "unmatched_amount", api_json_money(res->unmatched_fen));
    for (int i = 0; i < res->nreported; i++) {
        const struct batch_unmatched *u = &res->reported[i];
        json_t *line = json_pack("{s:I,s:o,s:o}", "line", (json_int_t)u->line, "ref",
                                 api_json_str(u->ref), "account", api_json_str(u->account_no));
        /* the reason in the caller's language, reason_en beside a Chinese one */
        api_json_lang(r, line, "reason", u->reason, u->reason_zh);
        json_array_append_new(um, line);
    }
    json_object_set_new(j, "unmatched_lines", um);
    return api_reply(r, 200, j);
}

/* The caller's own daily close: a cashier closes their day, never someone else's. */
int api_cashier_close(struct api_req *r)
{
    static const char *const known[] = { "date", "counted", NULL };
    struct close_count counted[8];
    struct date day = { 0, 0, 0 };
    int n = 0, rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "date", false, &day)))
        return rc;
    if (!date_is_valid(day) && (rc = ctx_today(&r->ctx, &day, &r->err)))
        return rc;
    json_t *c = json_object_get(r->json, "counted");
    if (c && !json_is_null(c)) {
        const char *ch;
        json_t *v;
        if (!json_is_object(c))
            return error(&r->err, ERR_INVALID,
                         "field 'counted' must be an object of channel: amount"),
                   err_field(&r->err, "counted");
        json_object_foreach(c, ch, v)
        {
            if (n == (int)ARRAY_SIZE(counted))
                return error(&r->err, ERR_INVALID, "field 'counted' has more than %zu channels",
                             ARRAY_SIZE(counted)),
                       err_field(&r->err, "counted");
            if (!json_is_string(v) || money_parse(json_string_value(v), &counted[n].fen, &r->err))
                return error(&r->err, ERR_INVALID,
                             "field 'counted': the amount of '%s' must be a decimal string", ch),
                       err_field(&r->err, "counted");
            counted[n++].channel = ch;
        }
    }
    struct close_result res;
    if ((rc = ledger_close(&r->ctx, r->ctx.actor, day, counted, n, &res, &r->err)))
        return rc;
    char db[DATE_BUF_SIZE];
    json_t *chs = json_array();
    for (int i = 0; i < res.n; i++)
        json_array_append_new(
            chs, json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "channel", res.ch[i].channel, "payments",
                           (json_int_t)res.ch[i].payments, "received",
                           api_json_money(res.ch[i].received_fen), "reversed",
                           api_json_money(res.ch[i].reversed_fen), "deposits",
                           api_json_money(res.ch[i].deposits_fen), "refunded",
                           api_json_money(res.ch[i].refunded_fen)));
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:b,s:o,s:o,s:o}", "cashier", r->ctx.actor, "date",
                               date_format(day, db), "already_closed", res.already, "channels", chs,
                               "net", api_json_money(res.net_fen), "cash",
                               api_json_money(res.cash_fen)));
}

struct statement {
    json_t *entries, *open;
    int64_t running;
};

static int entry_item(void *arg, const struct ledger_entry_info *e)
{
    struct statement *s = arg;
    char rn[16];
    s->running += e->debit_fen - e->credit_fen;
    json_t *o = json_object();
    json_object_set_new(o, "date", json_string(e->on_date));
    json_object_set_new(o, "kind", json_string(e->kind));
    json_object_set_new(o, "bill", api_json_str(e->bill_no));
    json_object_set_new(o, "receipt",
                        e->payment_id ? json_string(ledger_receipt_no(e->payment_id, rn))
                                      : json_null());
    json_object_set_new(o, "debit", api_json_money(e->debit_fen));
    json_object_set_new(o, "credit", api_json_money(e->credit_fen));
    json_object_set_new(o, "balance", api_json_money(s->running));
    json_object_set_new(o, "by", json_string(e->actor));
    json_object_set_new(o, "note", api_json_str(e->note));
    json_array_append_new(s->entries, o);
    return 0;
}

static int open_item(void *arg, const struct ledger_item *it)
{
    struct statement *s = arg;
    json_t *o = json_object();
    json_object_set_new(o, "bill", json_string(it->bill_no));
    json_object_set_new(o, "period", json_string(it->period));
    json_object_set_new(o, "due_on", json_string(it->due_on));
    json_object_set_new(o, "amount", api_json_money(it->amount_fen));
    json_object_set_new(o, "principal_owed", api_json_money(it->amount_fen - it->paid_fen));
    json_object_set_new(o, "late_fee_owed",
                        api_json_money(it->fee_fen - it->fee_paid_fen - it->fee_waived_fen));
    json_object_set_new(o, "late_fee_through", api_json_str(it->fee_through));
    json_array_append_new(s->open, o);
    return 0;
}

int api_account_ledger(struct api_req *r)
{
    struct statement s = { json_array(), json_array(), 0 };
    int64_t balance;
    int rc =
        ledger_statement(&r->ctx, api_param(r, "id"), entry_item, open_item, &s, &balance, &r->err);
    if (rc) {
        json_decref(s.entries);
        json_decref(s.open);
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:o,s:o,s:o}", "account", api_param(r, "id"), "balance",
                               api_json_money(balance), "entries", s.entries, "open", s.open));
}

int api_ledger_verify(struct api_req *r)
{
    struct ledger_verify_result *v = arena_alloc(&r->arena, sizeof(*v));
    int rc = ledger_verify(&r->ctx, v, &r->err);
    if (rc)
        return rc;
    json_t *pr = json_array();
    for (int i = 0; i < v->nproblems; i++)
        json_array_append_new(pr, json_pack("{s:s,s:s,s:s}", "check", v->problems[i].check,
                                            "account", v->problems[i].account_no, "detail",
                                            v->problems[i].detail));
    /* problems are an answer about the data, not a failure of the request */
    return api_reply(r, 200,
                     json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:i}", "ok", v->nfound == 0,
                               "accounts", (json_int_t)v->accounts, "entries",
                               (json_int_t)v->entries, "receivables", (json_int_t)v->receivables,
                               "payments", (json_int_t)v->payments, "deposits",
                               (json_int_t)v->deposits, "held", api_json_money(v->held_fen),
                               "problems", pr, "problems_total", v->nfound));
}

int api_fees_accrue(struct api_req *r)
{
    static const char *const known[] = { "date", NULL };
    struct date d = { 0, 0, 0 };
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "date", false, &d)))
        return rc;
    if (!date_is_valid(d) && (rc = ctx_today(&r->ctx, &d, &r->err)))
        return rc;
    struct accrue_result res;
    int64_t batch = r->cfg->settings ? cfg_int(r->cfg->settings, CFG_FEES_BATCH) : 5000;
    /* one job: a request holds one pooled connection, and N more per request would escape the
     * pool's bound on the server's connections; `pmis daily` (fees.jobs) is the nightly path */
    if ((rc = ledger_accrue(&r->ctx, d, batch, 1, &res, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "date");
        return rc;
    }
    char db[DATE_BUF_SIZE];
    return api_reply(r, 200,
                     json_pack("{s:s,s:I,s:o}", "through", date_format(d, db), "bills",
                               (json_int_t)res.bills, "late_fees", api_json_money(res.fee_fen)));
}

/* A waiver, like a reversal, is approved by a second user's password (fee:waive). */
int api_fees_waive(struct api_req *r)
{
    static const char *const known[] = {
        "bill", "amount", "reason", "approver", "approver_password", NULL
    };
    const char *bill_no, *reason, *approver, *password;
    struct bill_info b;
    int64_t fen, id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "bill", true, &bill_no)) ||
        (rc = api_body_money(r, "amount", true, &fen)) ||
        (rc = api_body_str(r, "reason", true, &reason)) ||
        (rc = api_body_str(r, "approver", true, &approver)) ||
        (rc = api_body_str(r, "approver_password", true, &password)))
        return rc;
    if (!*reason)
        return error(&r->err, ERR_INVALID, "field 'reason' is empty"), err_field(&r->err, "reason");
    rc = bill_find(&r->ctx, bill_no, &id, &r->err);
    if (!rc)
        rc = bill_get(&r->ctx, id, &b, &r->err);
    if (rc == ERR_NOT_FOUND || rc == ERR_INVALID) /* another subtree's bill reads as missing */
        return error(&r->err, ERR_NOT_FOUND, "no bill '%s'", bill_no);
    if (rc)
        return rc;
    const char *what = arena_sprintf(&r->arena, "late-fee waiver on %s", bill_no);
    if ((rc = auth_approve(&r->ctx, &r->cfg->policy, approver, password, PERM_FEE_WAIVE, what,
                           &r->err)))
        return rc;
    if ((rc = ledger_waive(&r->ctx, bill_no, fen, reason, approver, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "amount");
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:o,s:s}", "bill", bill_no, "waived", api_json_money(fen),
                               "approver", approver));
}
