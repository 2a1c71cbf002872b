/*
 * Accounts (supply contracts): validation, encryption of the billing contact's phone and the
 * bank account, creation with a service point, update with tariff history.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/keyring.h"
#include "core/money.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/customer.h"
#include "domain/pii.h"
#include "domain/secret.h"

struct account_row {
    char account_no[16];
    int64_t customer_id;
    const char *cust_no, *customer_status, *customer_opened, *voltage, *tariff_code, *pay_mode;
    int64_t capacity_va, demand_w, pf_standard, cycle_day;
    const char *contact_name, *bank_name, *opened_on;
    struct strbuf phone_enc, bank_enc;
    unsigned char phone_bidx[32], bank_bidx[32];
    bool has_phone, has_bank;
};

/* A non-negative quantity with up to 3 decimals, in thousandths (kVA -> VA, kW -> W). */
static int parse_milli(const char *field, const char *s, int64_t *out, struct err *err)
{
    const char *why = NULL;
    if (decimal_parse(s, 3, 0, out, &why)) {
        why = why ? why : N_("not a number");
        error_detail(err, ERR_INVALID, why, NULL, "invalid %s '%s': %s", field, s, why);
    } else if (*out < 0) {
        error(err, ERR_INVALID, "invalid %s '%s': must not be negative", field, s);
    } else {
        return 0;
    }
    return err_field(err, field);
}

static int parse_pf(const char *s, int64_t *out, struct err *err)
{
    static const struct {
        const char *text;
        int v;
    } pf[] = {
        { "none", 0 },  { "0", 0 },   { "", 0 },      { "0.80", 80 }, { "0.8", 80 }, { "80", 80 },
        { "0.85", 85 }, { "85", 85 }, { "0.90", 90 }, { "0.9", 90 },  { "90", 90 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(pf); i++)
        if (!strcmp(s, pf[i].text))
            return *out = pf[i].v, 0;
    error(err, ERR_INVALID, "invalid pf_standard '%s': must be none, 0.80, 0.85 or 0.90", s);
    return err_field(err, "pf_standard");
}

static int parse_cycle_day(const char *s, int64_t *out, struct err *err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > 28)
        return error(err, ERR_INVALID, "invalid cycle_day '%s': must be a day 1-28", s),
               err_field(err, "cycle_day");
    *out = v;
    return 0;
}

static int set_phone(struct ctx *c, struct account_row *r, const char *v, struct err *err)
{
    struct strbuf norm = STRBUF_INIT;
    int rc = pii_normalize(PII_PHONE, v, &norm, err);
    if (rc) {
        error_prefix(err, "contact_phone: ");
        err_field(err, "contact_phone");
    } else
        rc = secret_seal(c, "account.contact_phone", "phone", norm.buf, &r->phone_enc,
                         r->phone_bidx, err);
    r->has_phone = rc == 0;
    strbuf_release(&norm);
    return rc;
}

static int set_bank(struct ctx *c, struct account_row *r, const char *v, struct err *err)
{
    struct strbuf norm = STRBUF_INIT;
    int rc = pii_normalize(PII_BANK_ACCOUNT, v, &norm, err);
    if (rc) {
        error_prefix(err, "bank_account: ");
        err_field(err, "bank_account");
    } else
        rc = secret_seal(c, "account.bank_account", "bank_account", norm.buf, &r->bank_enc,
                         r->bank_bidx, err);
    r->has_bank = rc == 0;
    strbuf_release(&norm);
    return rc;
}

static int prepare(struct ctx *c, const struct account_in *in, struct account_row *r,
                   struct err *err)
{
    int rc;
    const char *cust_no = ctx_trim(c, in->cust_no);
    if (!cust_no || !*cust_no)
        return error(err, ERR_INVALID, "cust_no is missing"), err_field(err, "cust_no");
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_ID_STATUS);
    store_bind_text(st, 1, cust_no);
    ctx_bind_scope(c, st, 2);
    rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown customer '%s'", cust_no),
               err_field(err, "cust_no");
    if (rc)
        return rc;
    r->cust_no = cust_no;
    r->customer_id = store_col_i64(st, 0);
    r->customer_status = arena_strdup(c->arena, store_col_text(st, 1));
    r->customer_opened = arena_strdup(c->arena, store_col_text(st, 2));
    r->voltage = arena_strdup(c->arena, store_col_text(st, 3));
    store_reset(st);
    if (!strcmp(r->customer_status, "closed"))
        return error(err, ERR_CONFLICT, "customer '%s' is closed", cust_no);

    const char *no = ctx_trim(c, in->account_no);
    if (no && *no) {
        if (!str_is_digits(no, 12) || strncmp(no, cust_no, 10))
            return error(err, ERR_INVALID,
                         "invalid account_no '%s': 12 digits starting with the 户号 '%s'", no,
                         cust_no),
                   err_field(err, "account_no");
        snprintf(r->account_no, sizeof(r->account_no), "%s", no);
    }
    r->tariff_code = ctx_trim(c, in->tariff_code);
    if (!r->tariff_code || !*r->tariff_code || strlen(r->tariff_code) > 32)
        return error(err, ERR_INVALID, "tariff_code is missing or longer than 32 characters"),
               err_field(err, "tariff_code");
    r->capacity_va = r->demand_w = r->pf_standard = 0;
    if (in->capacity_kva && *in->capacity_kva &&
        (rc = parse_milli("capacity_kva", ctx_trim(c, in->capacity_kva), &r->capacity_va, err)))
        return rc;
    if (in->demand_kw && *in->demand_kw &&
        (rc = parse_milli("demand_kw", ctx_trim(c, in->demand_kw), &r->demand_w, err)))
        return rc;
    if (in->pf_standard && (rc = parse_pf(ctx_trim(c, in->pf_standard), &r->pf_standard, err)))
        return rc;
    if (!in->cycle_day || !*in->cycle_day)
        return error(err, ERR_INVALID, "cycle_day is missing"), err_field(err, "cycle_day");
    if ((rc = parse_cycle_day(ctx_trim(c, in->cycle_day), &r->cycle_day, err)))
        return rc;
    r->pay_mode = in->pay_mode && *in->pay_mode ? ctx_trim(c, in->pay_mode) : "postpaid";
    if ((rc = ctx_check_code(c, "pay_mode", "pay_mode", r->pay_mode, err)))
        return rc;
    r->contact_name = in->contact_name && *in->contact_name ? ctx_trim(c, in->contact_name) : NULL;
    r->bank_name = in->bank_name && *in->bank_name ? ctx_trim(c, in->bank_name) : NULL;
    if (in->contact_phone && *in->contact_phone &&
        (rc = set_phone(c, r, ctx_trim(c, in->contact_phone), err)))
        return rc;
    if (in->bank_account && *in->bank_account &&
        (rc = set_bank(c, r, ctx_trim(c, in->bank_account), err)))
        return rc;
    if (in->opened_on && *in->opened_on) {
        struct date d;
        r->opened_on = ctx_trim(c, in->opened_on);
        if ((rc = date_parse(r->opened_on, &d, err)))
            return error_prefix(err, "opened_on: "), err_field(err, "opened_on");
        if (strcmp(r->opened_on, r->customer_opened) < 0)
            return error(err, ERR_INVALID, "opened_on '%s' is before the customer's '%s'",
                         r->opened_on, r->customer_opened),
                   err_field(err, "opened_on");
    } else {
        struct date today;
        char buf[16];
        if ((rc = ctx_today(c, &today, err)))
            return rc;
        r->opened_on = arena_strdup(c->arena, date_format(today, buf));
    }
    return 0;
}

static void row_init(struct account_row *r)
{
    memset(r, 0, sizeof(*r));
    strbuf_init(&r->phone_enc, 0);
    strbuf_init(&r->bank_enc, 0);
}

static void row_release(struct account_row *r)
{
    strbuf_release(&r->phone_enc);
    strbuf_release(&r->bank_enc);
}

static char *canon(struct ctx *c, const struct account_row *r)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_addf(&sb,
                "account_no=%s\ncust_no=%s\ntariff=%s\ncapacity_va=%" PRId64 "\ndemand_w=%" PRId64
                "\npf=%" PRId64 "\ncycle_day=%" PRId64 "\npay_mode=%s\ncontact=%s\nbank=%s\n",
                r->account_no, r->cust_no, r->tariff_code, r->capacity_va, r->demand_w,
                r->pf_standard, r->cycle_day, r->pay_mode, r->contact_name ? r->contact_name : "",
                r->bank_name ? r->bank_name : "");
    secret_canon(&sb, "contact_phone", r->has_phone, r->phone_bidx);
    secret_canon(&sb, "bank_account", r->has_bank, r->bank_bidx);
    char *s = arena_strdup(c->arena, sb.buf);
    strbuf_release(&sb);
    return s;
}

static void bind_secret(struct store_stmt *st, int idx, bool has, const struct strbuf *enc,
                        const unsigned char *bidx)
{
    if (has) {
        store_bind_blob(st, idx, enc->buf, enc->len);
        store_bind_blob(st, idx + 1, bidx, 32);
    } else {
        store_bind_null(st, idx);
        store_bind_null(st, idx + 1);
    }
}

static int next_account_no(struct ctx *c, struct account_row *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ACCOUNT_MAX_NO);
    store_bind_i64(st, 1, r->customer_id);
    int rc = store_one(st, err);
    if (rc)
        return rc;
    int seq = 1;
    const char *max = store_col_text(st, 0);
    if (max && str_is_digits(max, 12))
        seq = (int)strtol(max + 10, NULL, 10) + 1;
    store_reset(st);
    if (seq > 99)
        return error(err, ERR_CONFLICT, "customer '%s' already has 99 accounts", r->cust_no);
    snprintf(r->account_no, sizeof(r->account_no), "%s%02d", r->cust_no, seq);
    return 0;
}

/* Insert account + service point; *created false when the number exists. */
static int insert(struct ctx *c, const struct account_row *r, bool *created, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ACCOUNT_INSERT);
    store_bind_text(st, 1, r->account_no);
    store_bind_i64(st, 2, r->customer_id);
    store_bind_text(st, 3, r->tariff_code);
    store_bind_i64(st, 4, r->capacity_va);
    store_bind_i64(st, 5, r->demand_w);
    store_bind_i64(st, 6, r->pf_standard);
    store_bind_i64(st, 7, r->cycle_day);
    store_bind_text(st, 8, r->pay_mode);
    store_bind_text(st, 9, r->contact_name);
    bind_secret(st, 10, r->has_phone, &r->phone_enc, r->phone_bidx);
    store_bind_text(st, 12, r->bank_name);
    bind_secret(st, 13, r->has_bank, &r->bank_enc, r->bank_bidx);
    store_bind_text(st, 15, r->opened_on);
    store_bind_i64(st, 16, ctx_now(c));
    int rc = store_step(st, err);
    if (rc < 0)
        return rc;
    *created = rc == STORE_ROW;
    if (!*created)
        return 0;
    int64_t id = store_col_i64(st, 0);
    store_reset(st);

    /* one service point per contract, at the customer's supply voltage */
    st = store_q(c->db, Q_SP_INSERT);
    store_bind_text(st, 1, arena_sprintf(c->arena, "%s1", r->account_no));
    store_bind_i64(st, 2, id);
    store_bind_text(st, 3, "主计量点");
    store_bind_text(st, 4, r->voltage);
    store_bind_i64(st, 5, ctx_now(c));
    return store_exec(st, err);
}

static const char *col(struct ctx *c, struct store_stmt *st, int i)
{
    return store_col_null(st, i) ? NULL : arena_strdup(c->arena, store_col_text(st, i));
}

static void read_account(struct ctx *c, struct store_stmt *st, struct account *a)
{
    size_t len;
    const void *p;
    a->id = store_col_i64(st, 0);
    a->account_no = col(c, st, 1);
    a->customer_id = store_col_i64(st, 2);
    a->cust_no = col(c, st, 3);
    a->tariff_code = col(c, st, 4);
    a->capacity_va = store_col_i64(st, 5);
    a->demand_w = store_col_i64(st, 6);
    a->pf_standard = (int)store_col_i64(st, 7);
    a->cycle_day = (int)store_col_i64(st, 8);
    a->pay_mode = col(c, st, 9);
    a->contact_name = col(c, st, 10);
    p = store_col_null(st, 11) ? NULL : store_col_blob(st, 11, &len);
    a->contact_phone_masked = secret_masked(c, "account.contact_phone", p, p ? len : 0, PII_PHONE);
    a->bank_name = col(c, st, 12);
    p = store_col_null(st, 13) ? NULL : store_col_blob(st, 13, &len);
    a->bank_account_masked =
        secret_masked(c, "account.bank_account", p, p ? len : 0, PII_BANK_ACCOUNT);
    a->status = col(c, st, 14);
    a->opened_on = col(c, st, 15);
    a->closed_on = col(c, st, 16);
    a->sp_no = col(c, st, 17);
    a->meter_no = col(c, st, 20);
}

int account_get(struct ctx *c, const char *account_no, struct account *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ACCOUNT_GET);
    store_bind_text(st, 1, account_no);
    ctx_bind_scope(c, st, 2);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown account '%s'", account_no);
    if (rc)
        return rc;
    read_account(c, st, out);
    store_reset(st);
    return 0;
}

int account_add(struct ctx *c, const struct account_in *in, struct account *out, struct err *err)
{
    struct account_row r;
    bool created;
    int rc;

    row_init(&r);
    if ((rc = prepare(c, in, &r, err)) || (rc = account_check_tariff(c, r.tariff_code, err)))
        goto out;
    if ((rc = store_begin(c->db, err)))
        goto out;
    if (!r.account_no[0] && (rc = next_account_no(c, &r, err)))
        goto fail;
    if ((rc = insert(c, &r, &created, err)))
        goto fail;
    if (!created) {
        rc = error(err, ERR_CONFLICT, "account '%s' already exists", r.account_no);
        goto fail;
    }
    struct audit_rec ar = { .action = "account.create",
                            .entity = "account",
                            .entity_key = r.account_no,
                            .after = canon(c, &r) };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    if (out)
        rc = account_get(c, r.account_no, out, err);
    goto out;
fail:
    store_rollback(c->db);
out:
    row_release(&r);
    return rc;
}

/* Whether column `i` of the current row holds `s` (NULL for SQL NULL). */
static bool col_eq(struct store_stmt *st, int i, const char *s)
{
    return store_col_null(st, i) ? !s : s && !strcmp(store_col_text(st, i), s);
}

int account_import_row(struct ctx *c, const struct account_in *in, bool *created, struct err *err)
{
    struct account_row r;
    int rc;

    row_init(&r);
    if ((rc = prepare(c, in, &r, err)) || (rc = account_check_tariff(c, r.tariff_code, err)))
        goto out;
    if (!r.account_no[0]) {
        rc = error(err, ERR_INVALID, "account_no is missing");
        goto out;
    }
    if ((rc = insert(c, &r, created, err)) || *created)
        goto out;
    /* exists: the same contract again is a no-op, a different one a conflict */
    struct store_stmt *st = store_q(c->db, Q_ACCOUNT_GET);
    store_bind_text(st, 1, r.account_no);
    ctx_bind_scope(c, st, 2);
    if ((rc = store_one(st, err)))
        goto out;
    size_t pl = 0, bl = 0;
    const void *pb = store_col_null(st, 18) ? NULL : store_col_blob(st, 18, &pl);
    const void *bb = store_col_null(st, 19) ? NULL : store_col_blob(st, 19, &bl);
    bool same = store_col_i64(st, 2) == r.customer_id &&
                !strcmp(store_col_text(st, 4), r.tariff_code) &&
                store_col_i64(st, 5) == r.capacity_va && store_col_i64(st, 6) == r.demand_w &&
                store_col_i64(st, 7) == r.pf_standard && store_col_i64(st, 8) == r.cycle_day &&
                !strcmp(store_col_text(st, 9), r.pay_mode) && col_eq(st, 10, r.contact_name) &&
                col_eq(st, 12, r.bank_name) && col_eq(st, 15, r.opened_on) &&
                (r.has_phone ? pb && pl == 32 && !memcmp(pb, r.phone_bidx, 32) : !pb) &&
                (r.has_bank ? bb && bl == 32 && !memcmp(bb, r.bank_bidx, 32) : !bb);
    store_reset(st);
    if (!same)
        rc = error(err, ERR_CONFLICT, "account '%s' already exists with different data",
                   r.account_no),
        err_field(err, "account_no");
out:
    row_release(&r);
    return rc;
}

/* A tariff named by an account or an application exists: the bill run could not price an
 * account on an unknown one. */
int account_check_tariff(struct ctx *c, const char *code, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TARIFF_GET);
    store_bind_text(st, 1, code);
    int ret = store_one(st, err);
    store_reset(st);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_INVALID, "unknown tariff '%s': load it first ('pmis tariff load')",
                     code),
               err_field(err, "tariff_code");
    return ret;
}

int account_update(struct ctx *c, const char *account_no, const struct account_in *in,
                   const char *effective_on, struct err *err)
{
    struct account a;
    struct account_row r;
    int rc;
    char buf[16];

    row_init(&r);
    if ((rc = account_get(c, account_no, &a, err)))
        goto out;
    if (!strcmp(a.status, "closed")) {
        rc = error(err, ERR_CONFLICT, "account '%s' is closed", account_no);
        goto out;
    }
    /* start from the stored contract, secrets included */
    struct store_stmt *st = store_q(c->db, Q_ACCOUNT_GET);
    store_bind_text(st, 1, account_no);
    ctx_bind_scope(c, st, 2);
    if ((rc = store_one(st, err)))
        goto out;
    size_t len;
    const void *p;
    if (!store_col_null(st, 11)) {
        p = store_col_blob(st, 11, &len);
        strbuf_add(&r.phone_enc, p, len);
        memcpy(r.phone_bidx, store_col_blob(st, 18, &len), 32);
        r.has_phone = true;
    }
    if (!store_col_null(st, 13)) {
        p = store_col_blob(st, 13, &len);
        strbuf_add(&r.bank_enc, p, len);
        memcpy(r.bank_bidx, store_col_blob(st, 19, &len), 32);
        r.has_bank = true;
    }
    store_reset(st);
    snprintf(r.account_no, sizeof(r.account_no), "%s", a.account_no);
    r.cust_no = a.cust_no;
    r.customer_id = a.customer_id;
    r.tariff_code = a.tariff_code;
    r.capacity_va = a.capacity_va;
    r.demand_w = a.demand_w;
    r.pf_standard = a.pf_standard;
    r.cycle_day = a.cycle_day;
    r.pay_mode = a.pay_mode;
    r.contact_name = a.contact_name;
    r.bank_name = a.bank_name;
    char *before = canon(c, &r);

    if (in->tariff_code) {
        r.tariff_code = ctx_trim(c, in->tariff_code);
        if (!*r.tariff_code || strlen(r.tariff_code) > 32) {
            rc = error(err, ERR_INVALID, "tariff_code is empty or longer than 32 characters");
            err_field(err, "tariff_code");
            goto out;
        }
        if (strcmp(r.tariff_code, a.tariff_code) &&
            (rc = account_check_tariff(c, r.tariff_code, err)))
            goto out;
    }
    if ((in->capacity_kva &&
         (rc = parse_milli("capacity_kva", ctx_trim(c, in->capacity_kva), &r.capacity_va, err))) ||
        (in->demand_kw &&
         (rc = parse_milli("demand_kw", ctx_trim(c, in->demand_kw), &r.demand_w, err))) ||
        (in->pf_standard && (rc = parse_pf(ctx_trim(c, in->pf_standard), &r.pf_standard, err))) ||
        (in->cycle_day && (rc = parse_cycle_day(ctx_trim(c, in->cycle_day), &r.cycle_day, err))))
        goto out;
    if (in->pay_mode) {
        r.pay_mode = ctx_trim(c, in->pay_mode);
        if ((rc = ctx_check_code(c, "pay_mode", "pay_mode", r.pay_mode, err)))
            goto out;
    }
    if (in->contact_name)
        r.contact_name = *in->contact_name ? ctx_trim(c, in->contact_name) : NULL;
    if (in->bank_name)
        r.bank_name = *in->bank_name ? ctx_trim(c, in->bank_name) : NULL;
    if (in->contact_phone && (rc = set_phone(c, &r, ctx_trim(c, in->contact_phone), err)))
        goto out;
    if (in->bank_account && (rc = set_bank(c, &r, ctx_trim(c, in->bank_account), err)))
        goto out;
    char *after = canon(c, &r);
    if (!strcmp(before, after)) {
        rc = error(err, ERR_INVALID, "nothing to change for account '%s'", account_no);
        goto out;
    }
    if (!effective_on) {
        struct date today;
        if ((rc = ctx_today(c, &today, err)))
            goto out;
        effective_on = date_format(today, buf);
    } else {
        struct date d;
        if ((rc = date_parse(effective_on, &d, err)))
            goto out;
    }

    if ((rc = store_begin(c->db, err)))
        goto out;
    st = store_q(c->db, Q_ACCOUNT_UPDATE);
    store_bind_i64(st, 1, a.id);
    store_bind_text(st, 2, r.tariff_code);
    store_bind_i64(st, 3, r.capacity_va);
    store_bind_i64(st, 4, r.demand_w);
    store_bind_i64(st, 5, r.pf_standard);
    store_bind_i64(st, 6, r.cycle_day);
    store_bind_text(st, 7, r.pay_mode);
    store_bind_text(st, 8, r.contact_name);
    bind_secret(st, 9, r.has_phone, &r.phone_enc, r.phone_bidx);
    store_bind_text(st, 11, r.bank_name);
    bind_secret(st, 12, r.has_bank, &r.bank_enc, r.bank_bidx);
    store_bind_i64(st, 14, ctx_now(c));
    if ((rc = store_exec(st, err)))
        goto fail;
    if (strcmp(a.tariff_code, r.tariff_code)) {
        st = store_q(c->db, Q_HISTORY_INSERT);
        store_bind_i64(st, 1, a.customer_id);
        store_bind_text(st, 2, "tariff");
        store_bind_text(st, 3, arena_sprintf(c->arena, "%s: %s", account_no, a.tariff_code));
        store_bind_text(st, 4, arena_sprintf(c->arena, "%s: %s", account_no, r.tariff_code));
        store_bind_text(st, 5, effective_on);
        store_bind_i64(st, 6, ctx_now(c));
        store_bind_text(st, 7, c->actor ? c->actor : "unknown");
        if ((rc = store_exec(st, err)))
            goto fail;
    }
    struct audit_rec ar = { .action = "account.update",
                            .entity = "account",
                            .entity_key = account_no,
                            .before = before,
                            .after = after };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    goto out;
fail:
    store_rollback(c->db);
out:
    row_release(&r);
    return rc;
}

int account_list(struct ctx *c, const char *cust_no, account_fn *fn, void *arg, struct err *err)
{
    struct customer cu; /* in the caller's scope, or "unknown customer" */
    int rc = customer_get(c, cust_no, &cu, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_ACCOUNT_LIST);
    store_bind_text(st, 1, cust_no);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct account a;
        read_account(c, st, &a);
        if ((rc = fn(arg, &a))) {
            store_reset(st);
            return rc;
        }
    }
    return rc;
}
