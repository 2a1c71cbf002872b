/*
 * Completion of a service application (apply.h): the archive change of its kind, made through
 * the archive's own domain functions (customer.h, account.h, meter.h) so their checks, history
 * and audit rows apply, nested in one transaction with the application's last stage, state,
 * event and audit row. Any error rolls all of it back: a new connection never leaves a
 * customer without its account or meter, a closure never removes meters of a customer it
 * then fails to close.
 */
#include "domain/apply_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/account.h"
#include "domain/customer.h"
#include "domain/meter.h"

struct done {
    struct application *a;
    const struct apply_done_in *in;
    const char *date;
};

static const char *kva(struct ctx *c, int64_t va)
{
    char b[MONEY_BUF_SIZE];
    return arena_strdup(c->arena, decimal_format(va, 3, 0, 0, b));
}

/* New connection: the customer, its account and the meter, as applied for. */
static int done_new(struct ctx *c, struct done *d, struct err *err)
{
    struct application *a = d->a;
    struct customer cu;
    struct account ac;
    int ret;
    struct customer_in ci = {
        .name = a->name,
        .user_type = a->user_type,
        .voltage = a->voltage,
        .address = a->address,
        .org_code = a->org_code,
        .phone = d->in->phone,
        .id_type = d->in->id_type,
        .id_no = d->in->id_no,
        .opened_on = d->date,
    };
    if ((ret = customer_add(c, &ci, &cu, err)))
        return error_prefix(err, "customer: ");
    struct account_in ai = {
        .cust_no = cu.cust_no,
        .tariff_code = a->tariff_code,
        .capacity_kva = kva(c, a->capacity_va),
        .cycle_day = d->in->cycle_day ? d->in->cycle_day : "1",
        .opened_on = d->date,
    };
    if ((ret = account_add(c, &ai, &ac, err)))
        return error_prefix(err, "account: ");
    if ((ret = meter_install(c, d->in->meter, ac.account_no, NULL, d->date, d->in->reads, err)))
        return error_prefix(err, "meter: ");
    a->customer_id = cu.id;
    a->account_id = ac.id;
    a->result = arena_sprintf(c->arena, "customer %s, account %s, meter %s installed on %s",
                              cu.cust_no, ac.account_no, d->in->meter, d->date);
    return 0;
}

static int done_account(struct ctx *c, struct done *d, struct err *err)
{
    struct application *a = d->a;
    struct account ac;
    int ret;
    if ((ret = account_get(c, a->account_no, &ac, err)))
        return ret;
    struct account_in ai = { 0 };
    if (!strcmp(a->kind, "tariff_change")) {
        ai.tariff_code = a->tariff_code;
        a->result = arena_sprintf(c->arena, "account %s tariff %s -> %s from %s", ac.account_no,
                                  ac.tariff_code, a->tariff_code, d->date);
    } else {
        ai.capacity_kva = kva(c, a->capacity_va);
        a->result = arena_sprintf(c->arena, "account %s capacity %s -> %s kVA from %s",
                                  ac.account_no, kva(c, ac.capacity_va), ai.capacity_kva, d->date);
    }
    return account_update(c, a->account_no, &ai, d->date, err);
}

static int done_customer(struct ctx *c, struct done *d, struct err *err)
{
    struct application *a = d->a;
    struct customer cu;
    int ret;
    if ((ret = customer_get(c, a->cust_no, &cu, err)))
        return ret;
    struct customer_in ci = { 0 };
    if (!strcmp(a->kind, "suspend")) {
        ci.status = "suspended";
        a->result = arena_sprintf(c->arena, "customer %s suspended from %s", cu.cust_no, d->date);
    } else {
        ci.name = a->name;
        ci.phone = d->in->phone;
        ci.id_type = d->in->id_type;
        ci.id_no = d->in->id_no;
        a->result = arena_sprintf(c->arena, "customer %s transferred from %s to %s on %s",
                                  cu.cust_no, cu.name, a->name, d->date);
    }
    return customer_update(c, a->cust_no, &ci, d->date, err);
}

/* Closure (销户): nothing owed on any account, then every meter removed, then closed. */
static int done_closure(struct ctx *c, struct done *d, struct err *err)
{
    struct application *a = d->a;
    struct strbuf removed = STRBUF_INIT;
    int ret;
    struct store_stmt *st = store_q(c->db, Q_APPLY_ARREARS);
    store_bind_i64(st, 1, a->customer_id);
    if ((ret = store_one(st, err)) == 0) {
        char b[MONEY_BUF_SIZE];
        ret = error(err, ERR_CONFLICT,
                    "account '%s' of customer '%s' owes %s yuan: closure is "
                    "refused until it is paid",
                    store_col_text(st, 0), a->cust_no, money_format(store_col_i64(st, 1), b));
        store_reset(st);
        return ret;
    }
    if (ret != ERR_NOT_FOUND)
        return ret;
    for (int guard = 0; guard < 1000; guard++) {
        st = store_q(c->db, Q_CUSTOMER_OPEN_METERS);
        store_bind_i64(st, 1, a->customer_id);
        if ((ret = store_one(st, err)) == ERR_NOT_FOUND) {
            ret = 0;
            break;
        }
        if (ret)
            break;
        const char *asset = ctx_col_text(c, st, 0);
        store_reset(st);
        if ((ret = meter_remove(c, asset, d->date, d->in->reads, err))) {
            error_prefix(err, "meter: ");
            break;
        }
        strbuf_addf(&removed, ", meter %s removed", asset);
    }
    if (!ret && !(ret = customer_close(c, a->cust_no, d->date, err)))
        a->result =
            arena_sprintf(c->arena, "customer %s closed on %s%s", a->cust_no, d->date, removed.buf);
    strbuf_release(&removed);
    return ret;
}

static int done_test(struct ctx *c, struct done *d, struct err *err)
{
    (void)err;
    d->a->result =
        arena_sprintf(c->arena, "meter test of account %s: %s", d->a->account_no, d->in->result);
    return 0;
}

static const struct {
    const char *kind;
    int (*fn)(struct ctx *, struct done *, struct err *);
} effects[] = {
    { "new_lv_res", done_new },         { "new_lv_biz", done_new },
    { "new_hv_single", done_new },      { "new_hv_dual", done_new },
    { "cap_increase", done_account },   { "cap_decrease", done_account },
    { "tariff_change", done_account },  { "suspend", done_customer },
    { "name_transfer", done_customer }, { "closure", done_closure },
    { "meter_test", done_test },
};

/* What completion of the kind needs from `in`, checked before anything is written. */
static int check_in(struct ctx *c, const struct application *a, const struct apply_done_in *in,
                    bool is_new, struct err *err)
{
    bool test = !strcmp(a->kind, "meter_test");
    if (is_new && (!in->meter || !*in->meter))
        return error(err, ERR_INVALID, "completing a new connection needs the meter to install"),
               err_field(err, "meter");
    if (!is_new && in->meter)
        return error(err, ERR_INVALID, "only a new connection installs a meter on completion"),
               err_field(err, "meter");
    if (test && (!in->result || (strcmp(in->result, "pass") && strcmp(in->result, "fail"))))
        return error(err, ERR_INVALID, "a meter test completes with its result: pass or fail"),
               err_field(err, "result");
    if (!test && in->result)
        return error(err, ERR_INVALID, "only a meter test has a result"), err_field(err, "result");
    if ((in->phone || in->id_no || in->id_type) && !is_new && strcmp(a->kind, "name_transfer"))
        return error(err, ERR_INVALID,
                     "personal data is given only for a new connection or a "
                     "name transfer"),
               err_field(err, "phone");
    if (in->cycle_day && !is_new)
        return error(err, ERR_INVALID, "only a new connection sets the billing cycle day"),
               err_field(err, "cycle_day");
    if (in->reads && !is_new && strcmp(a->kind, "closure"))
        return error(err, ERR_INVALID, "meter reads are given for a new connection or a closure"),
               err_field(err, "reads");
    if (in->date) {
        struct date dt;
        int ret = date_parse(in->date, &dt, err);
        if (ret)
            return error_prefix(err, "date: "), err_field(err, "date");
    }
    const char *note = ctx_trim(c, in->note);
    if (note && strlen(note) > 500)
        return error(err, ERR_INVALID, "the note is over 500 bytes"), err_field(err, "note");
    return 0;
}

int apply_complete(struct ctx *c, int64_t id, const struct apply_done_in *in, struct err *err)
{
    struct apply_stage_def s[APPLY_MAX_STAGES];
    struct application a;
    struct done d = { &a, in, in->date };
    int64_t now = ctx_now(c), start, days;
    size_t n, k = 0;
    char today[DATE_BUF_SIZE];
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = apply_lock(c, id, err)) || (ret = apply_get_raw(c, id, &a, &start, &days, err)) ||
        (ret = apply_check_open(c, &a, err)) || (ret = apply_kind_stages(c, a.kind, a.accepted_at, s, &n, err)))
        goto out;
    int i = apply_stage_index(&a, s, n);
    if (i < 0 || (size_t)i + 1 != n) {
        ret = error(err, ERR_CONFLICT,
                    "application %" PRId64 " is at %s (%s): it completes at its "
                    "last stage %s (%s); next: %s",
                    a.id, a.stage_name, a.stage, s[n - 1].name, s[n - 1].stage,
                    i >= 0 && (size_t)i + 1 < n ? s[i + 1].stage : "-");
        goto out;
    }
    while (k < ARRAY_SIZE(effects) && strcmp(effects[k].kind, a.kind))
        k++;
    if (k == ARRAY_SIZE(effects)) {
        ret = error(err, ERR_INVALID, "application kind '%s' has no completion rule", a.kind);
        goto out;
    }
    if ((ret = check_in(c, &a, in, effects[k].fn == done_new, err)))
        goto out;
    if (!d.date) {
        struct date t;
        if ((ret = ctx_today(c, &t, err)))
            goto out;
        d.date = date_format(t, today);
    }
    const char *from = a.stage;
    if ((ret = effects[k].fn(c, &d, err)) || (ret = apply_sla_close(c, a.id, true, now, err)) ||
        (ret = apply_end_pause(c, &a, now, err)) ||
        (ret = apply_finish_stage(c, &a, now, err)))
        goto out;
    a.state = "completed";
    a.closed_at = now;
    if (!(ret = apply_save(c, &a, now, err)))
        ret = apply_record(c, &a, "complete", from, ctx_trim(c, in->note), now, err);
out:
    return store_end(c->db, ret, err);
}
