/*
 * Accepting (受理) service applications (see apply.h): the members each kind takes, the checks
 * of its target (an org for a new connection, an existing customer or account for a change, no
 * other open application about it, capacity and tariff that really change), then one
 * transaction with the application row, its first stage (apply.c) and its accept event and
 * audit row. The clocks start from this moment.
 */
#include "domain/apply_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/account.h"
#include "domain/customer.h"

#include <stddef.h>

#define APPLY_TEXT_MAX 500

/* What each kind takes at intake (the completion effect is apply_done.c's, by kind). */
enum {
    T_ORG = 1 << 0,
    T_CUST = 1 << 1,
    T_ACCOUNT = 1 << 2,
    T_NAME = 1 << 3,
    T_NEW = 1 << 4,
    T_CAPACITY = 1 << 5,
    T_TARIFF = 1 << 6,
};
static const struct {
    const char *kind;
    unsigned takes;
} kinds[] = {
    { "new_lv_res", T_ORG | T_NAME | T_NEW | T_CAPACITY | T_TARIFF },
    { "new_lv_biz", T_ORG | T_NAME | T_NEW | T_CAPACITY | T_TARIFF },
    { "new_hv_single", T_ORG | T_NAME | T_NEW | T_CAPACITY | T_TARIFF },
    { "new_hv_dual", T_ORG | T_NAME | T_NEW | T_CAPACITY | T_TARIFF },
    { "cap_increase", T_ACCOUNT | T_CAPACITY },
    { "cap_decrease", T_ACCOUNT | T_CAPACITY },
    { "suspend", T_CUST },
    { "tariff_change", T_ACCOUNT | T_TARIFF },
    { "name_transfer", T_CUST | T_NAME },
    { "closure", T_CUST },
    { "meter_test", T_ACCOUNT },
};

static const char *kinds_list(struct ctx *c)
{
    struct strbuf sb = STRBUF_INIT;
    struct store_stmt *st = store_q(c->db, Q_APPLY_KINDS);
    struct err e = ERR_INIT;
    while (store_step(st, &e) == STORE_ROW)
        strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", store_col_text(st, 0));
    store_reset(st);
    const char *r = arena_strdup(c->arena, sb.buf);
    strbuf_release(&sb);
    return r;
}

/* Reject members the kind does not take, name a missing one it needs. */
static int check_members(struct ctx *c, const struct apply_in *in, unsigned takes, struct err *err)
{
    static const struct {
        unsigned flag;
        const char *field;
        size_t off;
    } m[] = {
        { T_ORG, "org", offsetof(struct apply_in, org_code) },
        { T_CUST, "cust_no", offsetof(struct apply_in, cust_no) },
        { T_ACCOUNT, "account", offsetof(struct apply_in, account_no) },
        { T_NAME, "name", offsetof(struct apply_in, name) },
        { T_NEW, "user_type", offsetof(struct apply_in, user_type) },
        { T_NEW, "voltage", offsetof(struct apply_in, voltage) },
        { T_NEW, "address", offsetof(struct apply_in, address) },
        { T_CAPACITY, "capacity_kva", offsetof(struct apply_in, capacity_kva) },
        { T_TARIFF, "tariff_code", offsetof(struct apply_in, tariff_code) },
    };
    for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
        const char *v = ctx_trim(c, *(const char *const *)((const char *)in + m[i].off));
        if ((takes & m[i].flag) && (!v || !*v))
            return error(err, ERR_INVALID, "an application of kind '%s' needs %s", in->kind,
                         m[i].field),
                   err_field(err, m[i].field);
        if (!(takes & m[i].flag) && v)
            return error(err, ERR_INVALID, "an application of kind '%s' does not take %s", in->kind,
                         m[i].field),
                   err_field(err, m[i].field);
    }
    return 0;
}

struct intake {
    const char *kind_name;
    int64_t total_days, warn_pct, org_id, customer_id, account_id, capacity_va;
    const char *name, *tariff;
};

/* The target customer or account of a change, and what the change asks checked against it. */
static int check_target(struct ctx *c, const struct apply_in *in, struct intake *k, struct err *err)
{
    struct customer cu;
    struct account ac;
    int ret;
    memset(&ac, 0, sizeof(ac));
    const char *cust_no = ctx_trim(c, in->cust_no);
    if (in->account_no) {
        if ((ret = account_get(c, ctx_trim(c, in->account_no), &ac, err)))
            return ret;
        if (!strcmp(ac.status, "closed"))
            return error(err, ERR_CONFLICT, "account '%s' is closed", ac.account_no);
        k->account_id = ac.id;
        cust_no = ac.cust_no;
    }
    if ((ret = customer_get(c, cust_no, &cu, err)))
        return ret;
    if (!strcmp(cu.status, "closed"))
        return error(err, ERR_CONFLICT, "customer '%s' is closed", cu.cust_no);
    k->customer_id = cu.id;
    k->org_id = cu.org_id;
    if (!strcmp(in->kind, "suspend") && strcmp(cu.status, "active"))
        return error(err, ERR_CONFLICT, "customer '%s' is %s, not active", cu.cust_no, cu.status);
    if (!strcmp(in->kind, "name_transfer") && !strcmp(cu.name, k->name))
        return error(err, ERR_INVALID, "customer '%s' is already named '%s'", cu.cust_no, k->name),
               err_field(err, "name");
    if (!strcmp(in->kind, "tariff_change") && !strcmp(ac.tariff_code, k->tariff))
        return error(err, ERR_INVALID, "account '%s' already has tariff '%s'", ac.account_no,
                     k->tariff),
               err_field(err, "tariff_code");
    bool up = !strcmp(in->kind, "cap_increase"), down = !strcmp(in->kind, "cap_decrease");
    if ((up && k->capacity_va <= ac.capacity_va) || (down && k->capacity_va >= ac.capacity_va)) {
        char b[MONEY_BUF_SIZE];
        return error(err, ERR_INVALID, "capacity_kva must be %s the account's %s kVA for %s",
                     up ? "above" : "below", decimal_format(ac.capacity_va, 3, 0, 0, b), in->kind),
               err_field(err, "capacity_kva");
    }
    struct store_stmt *st = store_q(c->db, Q_APPLY_OPEN_FOR);
    store_bind_i64(st, 1, k->customer_id);
    store_bind_i64(st, 2, k->account_id);
    if ((ret = store_one(st, err)) == 0) {
        int64_t other = store_col_i64(st, 0);
        store_reset(st);
        return error(err, ERR_CONFLICT,
                     "customer '%s' already has open application %" PRId64
                     ": complete or cancel it first",
                     cu.cust_no, other);
    }
    return ret == ERR_NOT_FOUND ? 0 : ret;
}

/* The kind of a new connection matches its supply voltage and, residential or not, its user. */
static int check_new(const char *kind, const char *user_type, const char *voltage, struct err *err)
{
    bool lv_kind = !strncmp(kind, "new_lv_", 7);
    bool lv = !strcmp(voltage, "220V") || !strcmp(voltage, "380V");
    if (lv_kind != lv)
        return error(err, ERR_INVALID, "a %s connection is not supplied at %s: %s",
                     lv_kind ? "low-voltage" : "high-voltage", voltage,
                     lv_kind ? "220V or 380V" : "10kV or above"),
               err_field(err, "voltage");
    bool res_kind = !strcmp(kind, "new_lv_res"), res = !strcmp(user_type, "resident");
    if (lv_kind && res_kind != res)
        return error(err, ERR_INVALID, "%s is for %s customers, not user type '%s'", kind,
                     res_kind ? "residential" : "non-residential", user_type),
               err_field(err, "user_type");
    return 0;
}

/* The intake checks of `in`; `now` is the acceptance, the instant whose limits (the kind's
 * end-to-end total into k) the application keeps. */
static int check_intake(struct ctx *c, const struct apply_in *in, int64_t now, struct intake *k,
                        struct err *err)
{
    size_t i = 0;
    int ret;
    while (in->kind && i < ARRAY_SIZE(kinds) && strcmp(kinds[i].kind, in->kind))
        i++;
    struct store_stmt *st = store_q(c->db, Q_APPLY_KIND_GET);
    store_bind_text(st, 1, in->kind ? in->kind : "");
    store_bind_i64(st, 2, now);
    if (i == ARRAY_SIZE(kinds) || (ret = store_one(st, err)) == ERR_NOT_FOUND)
        return error(err, ERR_INVALID, "unknown application kind '%s' (%s)",
                     in->kind ? in->kind : "", kinds_list(c)),
               err_field(err, "kind");
    if (ret)
        return ret;
    k->kind_name = ctx_col_text(c, st, 0);
    ret = apply_limit_col(st, 2, kinds[i].kind, "total", &k->total_days, err);
    k->warn_pct = store_col_i64(st, 3);
    store_reset(st);
    if (ret)
        return ret;
    if ((ret = check_members(c, in, kinds[i].takes, err)))
        return ret;
    k->name = ctx_trim(c, in->name);
    k->tariff = ctx_trim(c, in->tariff_code);
    if ((k->name && strlen(k->name) > 200) || (k->tariff && strlen(k->tariff) > 32))
        return error(err, ERR_INVALID, "%s is too long",
                     k->name && strlen(k->name) > 200 ? "name" : "tariff_code"),
               err_field(err, k->name ? "name" : "tariff_code");
    if (k->tariff && (ret = account_check_tariff(c, k->tariff, err)))
        return ret;
    if (in->capacity_kva) {
        const char *why = NULL, *s = ctx_trim(c, in->capacity_kva);
        if (decimal_parse(s, 3, 0, &k->capacity_va, &why) || k->capacity_va <= 0) {
            why = why ? why : N_("must be above 0");
            return error_detail(err, ERR_INVALID, why, NULL, "invalid capacity_kva '%s': %s", s,
                                why),
                   err_field(err, "capacity_kva");
        }
    }
    if (kinds[i].takes & T_NEW) {
        const char *addr = ctx_trim(c, in->address);
        if (strlen(addr) > APPLY_TEXT_MAX)
            return error(err, ERR_INVALID, "address is too long"), err_field(err, "address");
        if ((ret = ctx_check_code(c, "user_type", "user_type", ctx_trim(c, in->user_type), err)) ||
            (ret = ctx_check_code(c, "voltage", "voltage", ctx_trim(c, in->voltage), err)) ||
            (ret = check_new(in->kind, ctx_trim(c, in->user_type), ctx_trim(c, in->voltage), err)))
            return ret;
        return ctx_org_id(c, ctx_trim(c, in->org_code), &k->org_id, err);
    }
    return check_target(c, in, k, err);
}

int apply_add(struct ctx *c, const struct apply_in *in, int64_t *id, struct err *err)
{
    struct intake k = { 0 };
    struct apply_stage_def s[APPLY_MAX_STAGES];
    struct application a;
    int64_t now = ctx_now(c), start, days;
    size_t n;
    int ret;
    const char *note = ctx_trim(c, in->note);
    if (note && strlen(note) > APPLY_TEXT_MAX)
        return error(err, ERR_INVALID, "the note is over %d bytes", APPLY_TEXT_MAX);
    if ((ret = check_intake(c, in, now, &k, err)) ||
        (ret = apply_kind_stages(c, in->kind, now, s, &n, err)))
        return ret;
    bool is_new = !k.customer_id;
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_APPLY_ADD);
    store_bind_text(st, 1, in->kind);
    store_bind_text(st, 2, s[0].stage);
    store_bind_i64(st, 3, k.org_id);
    if (is_new)
        store_bind_null(st, 4);
    else
        store_bind_i64(st, 4, k.customer_id);
    if (k.account_id)
        store_bind_i64(st, 5, k.account_id);
    else
        store_bind_null(st, 5);
    store_bind_text(st, 6, k.name);
    store_bind_text(st, 7, is_new ? ctx_trim(c, in->user_type) : NULL);
    store_bind_text(st, 8, is_new ? ctx_trim(c, in->voltage) : NULL);
    store_bind_text(st, 9, is_new ? ctx_trim(c, in->address) : NULL);
    if (k.capacity_va)
        store_bind_i64(st, 10, k.capacity_va);
    else
        store_bind_null(st, 10);
    store_bind_text(st, 11, k.tariff);
    store_bind_i64(st, 12, k.total_days);
    store_bind_i64(st, 13, k.warn_pct);
    store_bind_i64(st, 14, now);
    store_bind_text(st, 15, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    *id = store_col_i64(st, 0);
    store_reset(st);
    if (!(ret = apply_get_raw(c, *id, &a, &start, &days, err)) &&
        !(ret = apply_enter_stage(c, &a, &s[0], now, err)))
        ret = apply_record(c, &a, "accept", NULL, note, now, err);
out:
    return store_end(c->db, ret, err);
}
