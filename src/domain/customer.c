/*
 * Customers: validation and normalisation of input, encryption of personal data, insert
 * (idempotent by 户号), update with dated history, close, audited reveal, and search.
 * Every write runs in one transaction with its audit row.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/keyring.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/customer_int.h"
#include "domain/pii.h"
#include "domain/secret.h"

#define AAD_PHONE "customer.phone"
#define AAD_ID_NO "customer.id_no"
#define BIDX_PHONE "phone"
#define BIDX_ID_NO "id_no"

void customer_row_init(struct customer_row *r)
{
    memset(r, 0, sizeof(*r));
    strbuf_init(&r->phone_enc, 0);
    strbuf_init(&r->id_no_enc, 0);
}

void customer_row_release(struct customer_row *r)
{
    strbuf_release(&r->phone_enc);
    strbuf_release(&r->id_no_enc);
}

/* Trimmed multi-line text (an address) whose line breaks, CRLF or CR in a CSV cell, are LF. */
static const char *lines_text(struct ctx *c, const char *s)
{
    char *a = ctx_trim(c, s), *out = a;
    for (const char *p = a; p && *p; p++)
        if (*p != '\r')
            *out++ = *p;
        else if (p[1] != '\n')
            *out++ = '\n';
    if (out)
        *out = '\0';
    return a;
}

static int parse_flag(const char *field, const char *s, bool *out, struct err *err)
{
    static const char *const yes[] = { "1", "yes", "y", "true", "是" };
    static const char *const no[] = { "0", "no", "n", "false", "否", "" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
        if (!strcasecmp(s, yes[i]))
            return *out = true, 0;
    for (size_t i = 0; i < ARRAY_SIZE(no); i++)
        if (!strcasecmp(s, no[i]))
            return *out = false, 0;
    error(err, ERR_INVALID, "invalid %s '%s': use 1/0, yes/no or 是/否", field, s);
    return err_field(err, field);
}

static int check_date(const char *field, const char *s, struct err *err)
{
    struct date d;
    int rc = date_parse(s, &d, err);
    if (rc) {
        error_prefix(err, "%s: ", field);
        err_field(err, field);
    }
    return rc;
}

/* Non-empty text of at most `max` bytes without control characters, except line breaks (LF)
 * when `lines`: an address may span lines, as in an Excel cell. */
static int check_text(const char *field, const char *s, size_t max, bool lines, struct err *err)
{
    if (!s || !*s)
        error(err, ERR_INVALID, "%s is empty", field);
    else if (strlen(s) > max)
        error(err, ERR_INVALID, "%s is longer than %zu bytes", field, max);
    else {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p < 0x20 && !(lines && *p == '\n'))
                return error(err, ERR_INVALID, "%s contains a control character", field),
                       err_field(err, field);
        return 0;
    }
    return err_field(err, field);
}

/* Normalise an ID document number for its type: GB 11643 for resident ID cards, trimmed
 * upper case otherwise. */
static int normalize_id(const char *id_type, const char *in, struct strbuf *out, struct err *err)
{
    if (!strcmp(id_type, "id_card"))
        return pii_normalize(PII_ID_NUMBER, in, out, err);
    strbuf_reset(out);
    for (const char *p = in; *p; p++)
        if (*p != ' ')
            strbuf_addch(out, *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    if (out->len < 3 || out->len > 40)
        return error(err, ERR_INVALID, "invalid document number: length %zu", out->len);
    return 0;
}

static int set_phone(struct ctx *c, struct customer_row *r, const char *phone, struct err *err)
{
    struct strbuf norm = STRBUF_INIT;
    int rc = pii_normalize(PII_PHONE, phone, &norm, err);
    if (!rc)
        rc = secret_seal(c, AAD_PHONE, BIDX_PHONE, norm.buf, &r->phone_enc, r->phone_bidx, err);
    r->has_phone = rc == 0;
    strbuf_release(&norm);
    if (rc) {
        error_prefix(err, "phone: ");
        err_field(err, "phone");
    }
    return rc;
}

static int set_id_no(struct ctx *c, struct customer_row *r, const char *id_no, struct err *err)
{
    struct strbuf norm = STRBUF_INIT;
    int rc = ctx_check_code(c, "id_type", "id_type", r->id_type, err);
    if (!rc && (rc = normalize_id(r->id_type, id_no, &norm, err))) {
        error_prefix(err, "id_no: ");
        err_field(err, "id_no");
    }
    if (!rc)
        rc = secret_seal(c, AAD_ID_NO, BIDX_ID_NO, norm.buf, &r->id_no_enc, r->id_no_bidx, err);
    r->has_id_no = rc == 0;
    strbuf_release(&norm);
    return rc;
}

int customer_prepare(struct ctx *c, const struct customer_in *in, struct customer_row *out,
                     struct err *err)
{
    int rc;
    const char *cust_no = ctx_trim(c, in->cust_no);
    if (cust_no && *cust_no) {
        if (!str_is_digits(cust_no, 10))
            return error(err, ERR_INVALID, "invalid cust_no '%s': a 户号 is exactly 10 digits",
                         cust_no),
                   err_field(err, "cust_no");
        snprintf(out->cust_no, sizeof(out->cust_no), "%s", cust_no);
    } else {
        out->cust_no[0] = '\0';
    }
    out->name = ctx_trim(c, in->name);
    if ((rc = check_text("name", out->name, 200, false, err)))
        return rc;
    out->address = lines_text(c, in->address);
    if ((rc = check_text("address", out->address, 400, true, err)))
        return rc;
    out->user_type = ctx_trim(c, in->user_type);
    if ((rc = ctx_check_code(c, "user_type", "user_type", out->user_type, err)))
        return rc;
    out->voltage = ctx_trim(c, in->voltage);
    if ((rc = ctx_check_code(c, "voltage", "voltage", out->voltage, err)))
        return rc;
    out->status = in->status && *in->status ? ctx_trim(c, in->status) : "active";
    if ((rc = ctx_check_code(c, "status", "customer_status", out->status, err)))
        return rc;
    out->important = false;
    if (in->important &&
        (rc = parse_flag("important", ctx_trim(c, in->important), &out->important, err)))
        return rc;
    if ((rc = ctx_org_id(c, ctx_trim(c, in->org_code), &out->org_id, err)))
        return rc;

    if (in->opened_on && *in->opened_on) {
        out->opened_on = ctx_trim(c, in->opened_on);
        if ((rc = check_date("opened_on", out->opened_on, err)))
            return rc;
    } else {
        struct date today;
        char buf[16];
        if ((rc = ctx_today(c, &today, err)))
            return rc;
        out->opened_on = arena_strdup(c->arena, date_format(today, buf));
    }
    out->closed_on = NULL;
    if (in->closed_on && *in->closed_on) {
        out->closed_on = ctx_trim(c, in->closed_on);
        if ((rc = check_date("closed_on", out->closed_on, err)))
            return rc;
        if (strcmp(out->closed_on, out->opened_on) < 0)
            return error(err, ERR_INVALID, "closed_on '%s' is before opened_on '%s'",
                         out->closed_on, out->opened_on);
    }
    bool is_closed = !strcmp(out->status, "closed");
    if (is_closed && !out->closed_on)
        return error(err, ERR_INVALID, "status 'closed' needs closed_on");
    if (!is_closed && out->closed_on)
        return error(err, ERR_INVALID, "closed_on '%s' given but status is not 'closed'",
                     out->closed_on);

    out->has_phone = out->has_id_no = false;
    const char *phone = ctx_trim(c, in->phone);
    if (phone && *phone && (rc = set_phone(c, out, phone, err)))
        return rc;
    const char *id_no = ctx_trim(c, in->id_no);
    out->id_type = ctx_trim(c, in->id_type);
    if (out->id_type && !*out->id_type)
        out->id_type = NULL;
    if (id_no && *id_no) {
        if (!out->id_type)
            out->id_type = "id_card";
        if ((rc = set_id_no(c, out, id_no, err)))
            return rc;
    } else if (out->id_type) {
        return error(err, ERR_INVALID, "id_type '%s' given without id_no", out->id_type);
    }
    return 0;
}

/* ---- reading ---- */

struct raw_customer {
    struct customer cu;
    const void *phone_enc, *id_no_enc, *phone_bidx, *id_no_bidx;
    size_t phone_enc_len, id_no_enc_len, phone_bidx_len, id_no_bidx_len;
};

static const void *col_blob_dup(struct ctx *c, struct store_stmt *st, int col, size_t *len)
{
    *len = 0;
    if (store_col_null(st, col))
        return NULL;
    const void *p = store_col_blob(st, col, len);
    void *q = arena_alloc(c->arena, *len ? *len : 1);
    memcpy(q, p, *len);
    return q;
}

static void read_customer(struct ctx *c, struct store_stmt *st, struct raw_customer *r)
{
    struct customer *cu = &r->cu;
    cu->id = store_col_i64(st, 0);
    cu->cust_no = ctx_col_text(c, st, 1);
    cu->name = ctx_col_text(c, st, 2);
    cu->user_type = ctx_col_text(c, st, 3);
    cu->voltage = ctx_col_text(c, st, 4);
    cu->status = ctx_col_text(c, st, 5);
    cu->important = store_col_i64(st, 6) != 0;
    cu->address = ctx_col_text(c, st, 7);
    r->phone_enc = col_blob_dup(c, st, 8, &r->phone_enc_len);
    cu->id_type = ctx_col_text(c, st, 9);
    r->id_no_enc = col_blob_dup(c, st, 10, &r->id_no_enc_len);
    cu->org_id = store_col_i64(st, 11);
    cu->org_code = ctx_col_text(c, st, 12);
    cu->org_name = ctx_col_text(c, st, 13);
    cu->opened_on = ctx_col_text(c, st, 14);
    cu->closed_on = ctx_col_text(c, st, 15);
    cu->created_at = store_col_i64(st, 16);
    cu->updated_at = store_col_i64(st, 17);
    r->phone_bidx = col_blob_dup(c, st, 18, &r->phone_bidx_len);
    r->id_no_bidx = col_blob_dup(c, st, 19, &r->id_no_bidx_len);
    cu->phone_masked = secret_masked(c, AAD_PHONE, r->phone_enc, r->phone_enc_len, PII_PHONE);
    /* other documents do not parse as ID numbers and get pii_mask's generic masking */
    cu->id_no_masked = secret_masked(c, AAD_ID_NO, r->id_no_enc, r->id_no_enc_len, PII_ID_NUMBER);
}

void customer_read_row(struct ctx *c, struct store_stmt *st, struct customer *out)
{
    struct raw_customer r;
    read_customer(c, st, &r);
    *out = r.cu;
}

static int get_raw(struct ctx *c, const char *cust_no, struct raw_customer *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_GET);
    store_bind_text(st, 1, cust_no);
    ctx_bind_scope(c, st, 2);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown customer '%s'", cust_no);
    if (rc)
        return rc;
    read_customer(c, st, r);
    store_reset(st);
    return 0;
}

int customer_get(struct ctx *c, const char *cust_no, struct customer *out, struct err *err)
{
    struct raw_customer r;
    int rc = get_raw(c, cust_no, &r, err);
    if (!rc)
        *out = r.cu;
    return rc;
}

int customer_id_get(struct ctx *c, const char *cust_no, int64_t *id, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_ID_STATUS);
    store_bind_text(st, 1, cust_no);
    ctx_bind_scope(c, st, 2);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown customer '%s'", cust_no),
               err_field(err, "customer");
    if (rc)
        return rc;
    *id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

/* ---- writing ---- */

static bool blob_eq(const void *a, size_t alen, bool has_b, const void *b)
{
    if (!has_b)
        return a == NULL;
    return a && alen == 32 && !memcmp(a, b, 32);
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Canonical text of a customer for audit digests: archive fields and blind indexes. */
static char *canon(struct ctx *c, const struct customer_row *r)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_addf(&sb,
                "cust_no=%s\nname=%s\nuser_type=%s\nvoltage=%s\nstatus=%s\nimportant=%d\n"
                "address=%s\norg_id=%" PRId64 "\nopened_on=%s\nclosed_on=%s\nid_type=%s\n",
                r->cust_no, r->name, r->user_type, r->voltage, r->status, r->important, r->address,
                r->org_id, r->opened_on, r->closed_on ? r->closed_on : "",
                r->id_type ? r->id_type : "");
    secret_canon(&sb, "phone", r->has_phone, r->phone_bidx);
    secret_canon(&sb, "id_no", r->has_id_no, r->id_no_bidx);
    char *s = arena_strdup(c->arena, sb.buf);
    strbuf_release(&sb);
    return s;
}

static void bind_opt_blob(struct store_stmt *st, int idx, bool has, const struct strbuf *sb)
{
    if (has)
        store_bind_blob(st, idx, sb->buf, sb->len);
    else
        store_bind_null(st, idx);
}

static void bind_opt_bidx(struct store_stmt *st, int idx, bool has, const unsigned char *b)
{
    if (has)
        store_bind_blob(st, idx, b, 32);
    else
        store_bind_null(st, idx);
}

/* Parameters ?2..?16, shared by Q_CUSTOMER_INSERT and Q_CUSTOMER_UPDATE. */
static void bind_row(struct ctx *c, struct store_stmt *st, const struct customer_row *r)
{
    store_bind_text(st, 2, r->name);
    store_bind_text(st, 3, r->user_type);
    store_bind_text(st, 4, r->voltage);
    store_bind_text(st, 5, r->status);
    store_bind_i64(st, 6, r->important);
    store_bind_text(st, 7, r->address);
    bind_opt_blob(st, 8, r->has_phone, &r->phone_enc);
    bind_opt_bidx(st, 9, r->has_phone, r->phone_bidx);
    store_bind_text(st, 10, r->id_type);
    bind_opt_blob(st, 11, r->has_id_no, &r->id_no_enc);
    bind_opt_bidx(st, 12, r->has_id_no, r->id_no_bidx);
    store_bind_i64(st, 13, r->org_id);
    store_bind_text(st, 14, r->opened_on);
    store_bind_text(st, 15, r->closed_on);
    store_bind_i64(st, 16, ctx_now(c));
}

/*
 * PostgreSQL's name search index: the name's bigrams into customer.name_grams (sql/0007), ?idx
 * of the insert, update and COPY. SQLite indexes names in customer_fts instead (Q_CUSTOMER_FTS_ADD
 * and triggers), and its texts of those statements have no ?idx.
 */
static void bind_name_grams(struct ctx *c, struct store_stmt *st, int idx, const char *name)
{
    if (store_kind(c->db) != STORE_PG)
        return;
    struct strbuf grams = STRBUF_INIT;
    utf8_bigrams(name, &grams, '\0');
    store_bind_text_array(st, idx, grams.buf, grams.len);
    strbuf_release(&grams);
}

int customer_insert(struct ctx *c, const struct customer_row *r, int64_t *id, bool *created,
                    bool *same, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_INSERT);
    store_bind_text(st, 1, r->cust_no);
    bind_row(c, st, r);
    bind_name_grams(c, st, 17, r->name);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) { /* PostgreSQL: RETURNING id */
        *id = store_col_i64(st, 0);
        store_reset(st);
        *created = true;
        *same = false;
        return 0;
    }
    if (rc < 0)
        return rc;
    if (store_changes(st) == 1) {
        /* SQLite: no RETURNING and no FTS trigger, for import speed (see q_archive.def) */
        st = store_q(c->db, Q_CUSTOMER_LAST_ID);
        if ((rc = store_one(st, err)))
            return rc;
        *id = store_col_i64(st, 0);
        store_reset(st);
        if (r->defer_search_index) {
            *created = true;
            *same = false;
            return 0;
        }
        st = store_q(c->db, Q_CUSTOMER_FTS_ADD);
        store_bind_i64(st, 1, *id);
        store_bind_text(st, 2, r->name);
        if ((rc = store_exec(st, err)))
            return rc;
        *created = true;
        *same = false;
        return 0;
    }
    /* 户号 taken: an identical row is a re-import */
    *created = false;
    struct raw_customer ex;
    if ((rc = get_raw(c, r->cust_no, &ex, err)))
        return rc;
    *id = ex.cu.id;
    *same = str_eq(ex.cu.name, r->name) && str_eq(ex.cu.user_type, r->user_type) &&
            str_eq(ex.cu.voltage, r->voltage) && str_eq(ex.cu.status, r->status) &&
            ex.cu.important == r->important && str_eq(ex.cu.address, r->address) &&
            ex.cu.org_id == r->org_id && str_eq(ex.cu.opened_on, r->opened_on) &&
            str_eq(ex.cu.closed_on, r->closed_on) && str_eq(ex.cu.id_type, r->id_type) &&
            blob_eq(ex.phone_bidx, ex.phone_bidx_len, r->has_phone, r->phone_bidx) &&
            blob_eq(ex.id_no_bidx, ex.id_no_bidx_len, r->has_id_no, r->id_no_bidx);
    return 0;
}

int customer_bulk_add(struct ctx *c, struct store_stmt *st, const struct customer_row *r,
                      struct err *err)
{
    store_bind_text(st, 1, r->cust_no);
    bind_row(c, st, r);
    int64_t now = ctx_now(c); /* created_at = updated_at, as Q_CUSTOMER_INSERT's ?16 twice */
    store_bind_i64(st, 16, now);
    store_bind_i64(st, 17, now);
    bind_name_grams(c, st, 18, r->name);
    return store_bulk_add(st, err);
}

static int next_cust_no(struct ctx *c, char out[16], struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_MAX_NO);
    int rc = store_one(st, err);
    if (rc)
        return rc;
    const char *max = store_col_text(st, 0);
    unsigned long long n = 1000000000ULL;
    if (max && str_is_digits(max, 10))
        n = strtoull(max, NULL, 10) + 1;
    store_reset(st);
    if (n > 9999999999ULL)
        return error(err, ERR_CONFLICT, "no free 户号 left after '%s'", max);
    snprintf(out, 16, "%010llu", n);
    return 0;
}

int customer_add(struct ctx *c, const struct customer_in *in, struct customer *out, struct err *err)
{
    struct customer_row r;
    int64_t id;
    bool created = false, same = false;
    int rc;

    customer_row_init(&r);
    if ((rc = customer_prepare(c, in, &r, err)))
        goto out;
    if ((rc = store_begin(c->db, err)))
        goto out;
    if (!r.cust_no[0] && (rc = next_cust_no(c, r.cust_no, err)))
        goto fail;
    if ((rc = customer_insert(c, &r, &id, &created, &same, err)))
        goto fail;
    if (!created) {
        rc = error(err, ERR_CONFLICT, "customer '%s' already exists", r.cust_no);
        goto fail;
    }
    struct audit_rec ar = { .action = "customer.create",
                            .entity = "customer",
                            .entity_key = r.cust_no,
                            .after = canon(c, &r) };
    if ((rc = audit_append(c, &ar, err)))
        goto fail;
    if ((rc = store_commit(c->db, err)))
        goto fail;
    if (out)
        rc = customer_get(c, r.cust_no, out, err);
    goto out;
fail:
    store_rollback(c->db);
out:
    customer_row_release(&r);
    return rc;
}

static int add_history(struct ctx *c, int64_t customer_id, const char *field, const char *old,
                       const char *new, const char *effective_on, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_HISTORY_INSERT);
    store_bind_i64(st, 1, customer_id);
    store_bind_text(st, 2, field);
    store_bind_text(st, 3, old);
    store_bind_text(st, 4, new);
    store_bind_text(st, 5, effective_on);
    store_bind_i64(st, 6, ctx_now(c));
    store_bind_text(st, 7, c->actor ? c->actor : "unknown");
    return store_exec(st, err);
}

/* Row form of a stored customer, to be changed and written back. */
static void row_from_raw(const struct raw_customer *ex, struct customer_row *r)
{
    snprintf(r->cust_no, sizeof(r->cust_no), "%s", ex->cu.cust_no);
    r->name = ex->cu.name;
    r->user_type = ex->cu.user_type;
    r->voltage = ex->cu.voltage;
    r->status = ex->cu.status;
    r->address = ex->cu.address;
    r->id_type = ex->cu.id_type;
    r->opened_on = ex->cu.opened_on;
    r->closed_on = ex->cu.closed_on;
    r->org_id = ex->cu.org_id;
    r->important = ex->cu.important;
    r->has_phone = ex->phone_enc != NULL;
    if (r->has_phone) {
        strbuf_add(&r->phone_enc, ex->phone_enc, ex->phone_enc_len);
        memcpy(r->phone_bidx, ex->phone_bidx, 32);
    }
    r->has_id_no = ex->id_no_enc != NULL;
    if (r->has_id_no) {
        strbuf_add(&r->id_no_enc, ex->id_no_enc, ex->id_no_enc_len);
        memcpy(r->id_no_bidx, ex->id_no_bidx, 32);
    }
}

static int write_row(struct ctx *c, int64_t id, const struct customer_row *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_UPDATE);
    store_bind_i64(st, 1, id);
    bind_row(c, st, r);
    bind_name_grams(c, st, 17, r->name);
    return store_exec(st, err);
}

struct change {
    const char *field, *old, *new;
};

int customer_update(struct ctx *c, const char *cust_no, const struct customer_in *in,
                    const char *effective_on, struct err *err)
{
    struct raw_customer ex;
    struct customer_row r;
    struct change ch[12];
    size_t nch = 0;
    char today_buf[16];
    int rc;

    customer_row_init(&r);
    if ((rc = get_raw(c, cust_no, &ex, err)))
        goto out;
    struct customer_row before;
    customer_row_init(&before);
    row_from_raw(&ex, &before);
    row_from_raw(&ex, &r);
    if (!strcmp(ex.cu.status, "closed")) {
        rc = error(err, ERR_CONFLICT, "customer '%s' is closed", cust_no);
        goto out_before;
    }
    if (effective_on) {
        if ((rc = check_date("effective date", effective_on, err)))
            goto out_before;
    } else {
        struct date today;
        if ((rc = ctx_today(c, &today, err)))
            goto out_before;
        effective_on = date_format(today, today_buf);
    }

#define TEXT_FIELD(member, max, lines)                                                             \
    if (in->member) {                                                                              \
        const char *v = lines ? lines_text(c, in->member) : ctx_trim(c, in->member);               \
        if ((rc = check_text(#member, v, max, lines, err)))                                        \
            goto out_before;                                                                       \
        if (strcmp(v, r.member))                                                                   \
            ch[nch++] = (struct change){ #member, r.member, v }, r.member = v;                     \
    }
#define CODE_FIELD(member, list)                                                                   \
    if (in->member) {                                                                              \
        const char *v = ctx_trim(c, in->member);                                                   \
        if ((rc = ctx_check_code(c, #member, list, v, err)))                                       \
            goto out_before;                                                                       \
        if (strcmp(v, r.member))                                                                   \
            ch[nch++] = (struct change){ #member, r.member, v }, r.member = v;                     \
    }
    TEXT_FIELD(name, 200, false)
    TEXT_FIELD(address, 400, true)
    CODE_FIELD(user_type, "user_type")
    CODE_FIELD(voltage, "voltage")
    CODE_FIELD(status, "customer_status")
#undef TEXT_FIELD
#undef CODE_FIELD
    if (in->status && !strcmp(r.status, "closed")) {
        rc = error(err, ERR_INVALID, "use 'pmis customer close' to close customer '%s'", cust_no);
        goto out_before;
    }
    if (in->important) {
        bool imp;
        if ((rc = parse_flag("important", ctx_trim(c, in->important), &imp, err)))
            goto out_before;
        if (imp != r.important)
            ch[nch++] = (struct change){ "important", r.important ? "1" : "0", imp ? "1" : "0" };
        r.important = imp;
    }
    if (in->org_code) {
        int64_t org_id;
        const char *code = ctx_trim(c, in->org_code);
        if ((rc = ctx_org_id(c, code, &org_id, err)))
            goto out_before;
        if (org_id != r.org_id)
            ch[nch++] = (struct change){ "org", ex.cu.org_code, code };
        r.org_id = org_id;
    }
    if (in->phone) {
        if ((rc = set_phone(c, &r, ctx_trim(c, in->phone), err)))
            goto out_before;
        if (!blob_eq(ex.phone_bidx, ex.phone_bidx_len, true, r.phone_bidx)) {
            struct strbuf m = STRBUF_INIT, norm = STRBUF_INIT;
            pii_normalize(PII_PHONE, ctx_trim(c, in->phone), &norm, NULL);
            pii_mask(PII_PHONE, norm.buf, &m);
            ch[nch++] =
                (struct change){ "phone", ex.cu.phone_masked, arena_strdup(c->arena, m.buf) };
            strbuf_release(&m);
            strbuf_release(&norm);
        }
    }
    if (in->id_type || in->id_no) {
        if (in->id_type)
            r.id_type = ctx_trim(c, in->id_type);
        if (!in->id_no) {
            rc = error(err, ERR_INVALID, "changing id_type needs the id_no too");
            goto out_before;
        }
        if (!r.id_type)
            r.id_type = "id_card";
        if ((rc = set_id_no(c, &r, ctx_trim(c, in->id_no), err)))
            goto out_before;
        if (!blob_eq(ex.id_no_bidx, ex.id_no_bidx_len, true, r.id_no_bidx) ||
            !str_eq(ex.cu.id_type, r.id_type))
            ch[nch++] = (struct change){ "id_no", ex.cu.id_no_masked, "(changed)" };
    }
    if (nch == 0) {
        rc = error(err, ERR_INVALID, "nothing to change for customer '%s'", cust_no);
        goto out_before;
    }

    if ((rc = store_begin(c->db, err)))
        goto out_before;
    if ((rc = write_row(c, ex.cu.id, &r, err)))
        goto fail;
    struct strbuf fields = STRBUF_INIT;
    for (size_t i = 0; i < nch; i++) {
        strbuf_addf(&fields, "%s%s", i ? "," : "", ch[i].field);
        if ((rc = add_history(c, ex.cu.id, ch[i].field, ch[i].old, ch[i].new, effective_on, err)))
            break;
    }
    struct audit_rec ar = { .action = "customer.update",
                            .entity = "customer",
                            .entity_key = cust_no,
                            .before = canon(c, &before),
                            .after = canon(c, &r),
                            .detail = arena_strdup(c->arena, fields.buf) };
    strbuf_release(&fields);
    if (rc || (rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    goto out_before;
fail:
    store_rollback(c->db);
out_before:
    customer_row_release(&before);
out:
    customer_row_release(&r);
    return rc;
}

int customer_close(struct ctx *c, const char *cust_no, const char *date, struct err *err)
{
    struct raw_customer ex;
    char buf[16];
    int rc;

    if ((rc = get_raw(c, cust_no, &ex, err)))
        return rc;
    if (!strcmp(ex.cu.status, "closed"))
        return error(err, ERR_CONFLICT, "customer '%s' is already closed (on %s)", cust_no,
                     ex.cu.closed_on ? ex.cu.closed_on : "?");
    if (date) {
        if ((rc = check_date("close date", date, err)))
            return rc;
    } else {
        struct date today;
        if ((rc = ctx_today(c, &today, err)))
            return rc;
        date = date_format(today, buf);
    }
    if (strcmp(date, ex.cu.opened_on) < 0)
        return error(err, ERR_INVALID, "close date '%s' is before the opening date '%s'", date,
                     ex.cu.opened_on);

    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_OPEN_METERS);
    store_bind_i64(st, 1, ex.cu.id);
    rc = store_one(st, err);
    if (rc == 0) {
        rc = error(err, ERR_CONFLICT,
                   "customer '%s' still has meter '%s' installed; remove it first", cust_no,
                   store_col_text(st, 0));
        store_reset(st);
        return rc;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;

    struct customer_row r, before;
    customer_row_init(&r);
    customer_row_init(&before);
    row_from_raw(&ex, &r);
    row_from_raw(&ex, &before);
    r.status = "closed";
    r.closed_on = date;
    if ((rc = store_begin(c->db, err)))
        goto out;
    if ((rc = write_row(c, ex.cu.id, &r, err)))
        goto fail;
    st = store_q(c->db, Q_ACCOUNT_CLOSE_FOR_CUSTOMER);
    store_bind_i64(st, 1, ex.cu.id);
    store_bind_text(st, 2, date);
    store_bind_i64(st, 3, ctx_now(c));
    if ((rc = store_exec(st, err)))
        goto fail;
    if ((rc = add_history(c, ex.cu.id, "status", ex.cu.status, "closed", date, err)))
        goto fail;
    struct audit_rec ar = { .action = "customer.close",
                            .entity = "customer",
                            .entity_key = cust_no,
                            .before = canon(c, &before),
                            .after = canon(c, &r) };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    goto out;
fail:
    store_rollback(c->db);
out:
    customer_row_release(&r);
    customer_row_release(&before);
    return rc;
}

int customer_reveal(struct ctx *c, const char *cust_no, enum customer_pii f, const char *reason,
                    struct strbuf *out, struct err *err)
{
    struct raw_customer ex;
    int rc = get_raw(c, cust_no, &ex, err);
    if (rc)
        return rc;
    const char *field = f == CUSTOMER_PHONE ? "phone" : "id_no";
    const void *enc = f == CUSTOMER_PHONE ? ex.phone_enc : ex.id_no_enc;
    size_t len = f == CUSTOMER_PHONE ? ex.phone_enc_len : ex.id_no_enc_len;
    if (!enc)
        return error(err, ERR_NOT_FOUND, "customer '%s' has no %s on file", cust_no, field);
    if (!reason || !*reason)
        return error(err, ERR_INVALID, "revealing personal data needs a reason");
    strbuf_reset(out);
    if ((rc = keyring_decrypt(c->keys, f == CUSTOMER_PHONE ? AAD_PHONE : AAD_ID_NO, enc, len, out,
                              err)))
        return error_prefix(err, "customer '%s' %s: ", cust_no, field);
    struct audit_rec ar = { .action = "pii.reveal",
                            .entity = "customer",
                            .entity_key = cust_no,
                            .detail =
                                arena_sprintf(c->arena, "field=%s reason=%s", field, reason) };
    if ((rc = audit_append(c, &ar, err)))
        strbuf_reset(out);
    return rc;
}

int customer_history(struct ctx *c, const char *cust_no, customer_history_fn *fn, void *arg,
                     struct err *err)
{
    struct customer cu;
    int rc = customer_get(c, cust_no, &cu, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_HISTORY_LIST);
    store_bind_i64(st, 1, cu.id);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct customer_history_row h = {
            .field = store_col_text(st, 0),
            .old_value = store_col_text(st, 1),
            .new_value = store_col_text(st, 2),
            .effective_on = store_col_text(st, 3),
            .actor = store_col_text(st, 4),
            .changed_at = store_col_i64(st, 5),
        };
        if ((rc = fn(arg, &h))) {
            store_reset(st);
            return rc;
        }
    }
    return rc;
}
