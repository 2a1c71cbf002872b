/*
 * CSV import/export of customers, accounts and meters. Import runs in one transaction: rows are
 * prepared (validated, encrypted) and inserted one by one with a per-row scratch arena, so
 * memory stays flat however long the file (on PostgreSQL new customers stream through binary
 * COPY instead); every row is validated and checked against what is stored, so the report is
 * complete, and one bad row rolls everything back. Export streams rows in key order.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <pthread.h>
#include "core/money.h"
#include "domain/account.h"
#include "domain/archive_csv.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/customer.h"
#include "domain/meter.h"
#include "domain/pii.h"
#include "core/utf8.h"

struct column {
    const char *name;
    size_t offset; /* of a `const char *` member in the kind's input struct */
    bool required;
};

#define COL(type, member, req)                                                                     \
    {                                                                                              \
#member, offsetof(struct type, member), req                                                \
    }

static const struct column customer_cols[] = {
    COL(customer_in, cust_no, true),
    COL(customer_in, name, true),
    COL(customer_in, user_type, true),
    COL(customer_in, voltage, true),
    COL(customer_in, status, false),
    COL(customer_in, important, false),
    COL(customer_in, address, true),
    COL(customer_in, phone, false),
    COL(customer_in, id_type, false),
    COL(customer_in, id_no, false),
    { "org", offsetof(struct customer_in, org_code), true },
    COL(customer_in, opened_on, false),
    COL(customer_in, closed_on, false),
};

static const struct column account_cols[] = {
    COL(account_in, account_no, true),    COL(account_in, cust_no, true),
    COL(account_in, tariff_code, true),   COL(account_in, capacity_kva, false),
    COL(account_in, demand_kw, false),    COL(account_in, pf_standard, false),
    COL(account_in, cycle_day, true),     COL(account_in, pay_mode, false),
    COL(account_in, contact_name, false), COL(account_in, contact_phone, false),
    COL(account_in, bank_name, false),    COL(account_in, bank_account, false),
    COL(account_in, opened_on, false),
};

/* Meters: the archive fields, then where the meter is installed now (optional). */
struct meter_row_in {
    struct meter_in m;
    const char *account_no, *installed_on, *install_reads;
};

static const struct column meter_cols[] = {
    { "asset_no", offsetof(struct meter_row_in, m.asset_no), true },
    { "model", offsetof(struct meter_row_in, m.model), true },
    { "phases", offsetof(struct meter_row_in, m.phases), true },
    { "ct_ratio", offsetof(struct meter_row_in, m.ct_ratio), false },
    { "pt_ratio", offsetof(struct meter_row_in, m.pt_ratio), false },
    { "registers", offsetof(struct meter_row_in, m.registers), false },
    { "digits", offsetof(struct meter_row_in, m.digits), false },
    COL(meter_row_in, account_no, false),
    COL(meter_row_in, installed_on, false),
    COL(meter_row_in, install_reads, false),
};

struct kind_info {
    const char *name;
    const struct column *cols;
    size_t ncols;
    size_t in_size;
};

static const struct kind_info kinds[] = {
    [ARCHIVE_CUSTOMERS] = { "customers", customer_cols, ARRAY_SIZE(customer_cols),
                            sizeof(struct customer_in) },
    [ARCHIVE_ACCOUNTS] = { "accounts", account_cols, ARRAY_SIZE(account_cols),
                           sizeof(struct account_in) },
    [ARCHIVE_METERS] = { "meters", meter_cols, ARRAY_SIZE(meter_cols),
                         sizeof(struct meter_row_in) },
};

int archive_kind_parse(const char *s, enum archive_kind *out, struct err *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (s && !strcmp(s, kinds[i].name))
            return *out = (enum archive_kind)i, 0;
    return error(err, ERR_USAGE, "unknown table '%s': customers, accounts or meters", s ? s : "");
}

const char *archive_kind_name(enum archive_kind k)
{
    return kinds[k].name;
}

const char *archive_columns(enum archive_kind k)
{
    static char buf[ARRAY_SIZE(kinds)][512];
    if (!buf[k][0]) {
        size_t n = 0;
        for (size_t i = 0; i < kinds[k].ncols; i++)
            n += (size_t)snprintf(buf[k] + n, sizeof(buf[k]) - n, "%s%s", i ? "," : "",
                                  kinds[k].cols[i].name);
    }
    return buf[k];
}

void import_result_release(struct import_result *res)
{
    VEC_FREE(&res->bad);
}

/* Personal data in a report is masked like everywhere else. */
static const char *report_value(struct arena *keep, const char *column, const char *value)
{
    static const struct {
        const char *column;
        enum pii_kind kind;
    } pii_cols[] = {
        { "phone", PII_PHONE },
        { "contact_phone", PII_PHONE },
        { "id_no", PII_ID_NUMBER },
        { "bank_account", PII_BANK_ACCOUNT },
    };
    for (size_t i = 0; i < ARRAY_SIZE(pii_cols); i++) {
        if (column && !strcmp(column, pii_cols[i].column)) {
            struct strbuf m = STRBUF_INIT;
            pii_mask(pii_cols[i].kind, value, &m);
            const char *s = arena_strdup(keep, m.buf);
            strbuf_release(&m);
            return s;
        }
    }
    return arena_strndup(keep, value, utf8_prefix(value, 200)); /* whole characters only */
}

/* Report a row's error: the column it names and that column's value, masked if personal. */
static void row_bad(struct arena *keep, struct import_result *res, uint64_t line,
                    const struct err *row_err, const char *value)
{
    const char *column = row_err->field;
    res->bad_count++;
    if (res->bad.n >= ARCHIVE_MAX_REPORTED)
        return;
    struct import_bad b = {
        .line = line,
        .column = arena_strdup(keep, column && *column ? column : "-"),
        .value = report_value(keep, column, value ? value : ""),
        .reason = arena_strdup(keep, row_err->msg),
        .reason_zh = row_err->msg_zh[0] ? arena_strdup(keep, row_err->msg_zh) : NULL,
    };
    VEC_PUSH(&res->bad, b);
}

/* Map header columns to the kind's columns; unknown and missing required ones are errors. */
static int map_header(const struct kind_info *ki, struct csv_reader *r, int *map, struct err *err)
{
    size_t n = csv_header_count(r);
    for (size_t i = 0; i < ki->ncols; i++) {
        int idx = csv_column(r, ki->cols[i].name);
        if (idx < 0 && ki->cols[i].required)
            return error(err, ERR_INVALID, "line 1: missing column '%s' (a %s file has: %s)",
                         ki->cols[i].name, ki->name,
                         archive_columns((enum archive_kind)(ki - kinds)));
        map[i] = idx;
    }
    for (size_t j = 0; j < n; j++) {
        bool known = false;
        for (size_t i = 0; i < ki->ncols; i++)
            known |= map[i] == (int)j;
        if (!known)
            return error(err, ERR_INVALID,
                         "line 1: unknown column '%s' (column %zu; a %s file "
                         "has: %s)",
                         csv_header_name(r, j), j + 1, ki->name,
                         archive_columns((enum archive_kind)(ki - kinds)));
    }
    return 0;
}

/* One row: 0 created / unchanged (*created says which), or a row error in `err`. */
/* One account or meter row: 0 created / unchanged (*created says which), or a row error. */
static int import_row(struct ctx *c, enum archive_kind k, void *in, bool *created, struct err *err)
{
    int rc;
    switch (k) {
    case ARCHIVE_CUSTOMERS: /* import_customers_piped */
        break;
    case ARCHIVE_ACCOUNTS:
        return account_import_row(c, in, created, err);
    case ARCHIVE_METERS: {
        struct meter_row_in *m = in;
        if ((rc = meter_import_row(c, &m->m, created, err)))
            return rc;
        if (!m->account_no)
            return 0;
        struct meter cur;
        if ((rc = meter_get(c, m->m.asset_no, &cur, err)))
            return rc;
        if (cur.account_no && !strcmp(cur.account_no, m->account_no))
            return 0;
        if (cur.account_no)
            return error(err, ERR_CONFLICT, "meter '%s' is installed on account '%s', not '%s'",
                         m->m.asset_no, cur.account_no, m->account_no),
                   err_field(err, "account_no");
        *created = true;
        rc = meter_install(c, m->m.asset_no, m->account_no, NULL, m->installed_on, m->install_reads,
                           err);
        if (rc && !err->field[0])
            err_field(err, "account_no");
        return rc;
    }
    }
    return error(err, ERR_INTERNAL, "bad archive kind");
}

/*
 * Bulk load: importing customers into an empty table (the first load of a legacy archive) drops
 * the secondary indexes and the per-row search-index upkeep, and rebuilds both at the end, all
 * inside the import's transaction. 1M customers: the sorted builds take seconds where random
 * inserts into the blind indexes took most of the import.
 */
struct bulk {
    bool on;
    struct strbuf ddl; /* CREATE INDEX statements to run again */
};

static int bulk_begin(struct ctx *c, enum archive_kind k, struct bulk *b, struct err *err)
{
    if (k != ARCHIVE_CUSTOMERS)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_ANY);
    int rc = store_one(st, err);
    store_reset(st);
    if (rc == 0)
        return 0;
    if (rc != ERR_NOT_FOUND)
        return rc;
    rc = store_indexes_suspend(c->db, "customer", &b->ddl, err);
    b->on = rc == 0;
    return rc;
}

static int bulk_end(struct ctx *c, struct bulk *b, struct err *err)
{
    if (!b->on)
        return 0;
    log_debug("bulk load: building the indexes and the search index");
    int rc = store_indexes_restore(c->db, b->ddl.buf, err);
    log_debug("bulk load: indexes built, filling the search index");
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_FTS_AUTOMERGE);
    store_bind_i64(st, 1, 0);
    if (!rc)
        rc = store_exec(st, err);
    if (!rc)
        rc = store_exec(store_q(c->db, Q_CUSTOMER_FTS_REBUILD), err);
    st = store_q(c->db, Q_CUSTOMER_FTS_AUTOMERGE);
    store_bind_i64(st, 1, 4);
    if (!rc)
        rc = store_exec(st, err);
    log_debug("bulk load: search index filled");
    return rc;
}

static bool is_row_error(int rc)
{
    return rc == ERR_INVALID || rc == ERR_CONFLICT || rc == ERR_NOT_FOUND;
}

/* The field of `rec` in the column that `row_err` names, or NULL. */
static const char *field_of(const struct kind_info *ki, const int *map,
                            const struct csv_record *rec, const struct err *row_err)
{
    for (size_t i = 0; i < ki->ncols; i++)
        if (row_err->field[0] && !strcmp(ki->cols[i].name, row_err->field) && map[i] >= 0)
            return rec->fields[map[i]].p;
    return NULL;
}

static void fill_in(const struct kind_info *ki, const int *map, const struct csv_record *rec,
                    void *in)
{
    memset(in, 0, ki->in_size);
    for (size_t i = 0; i < ki->ncols; i++) {
        const char *v = map[i] >= 0 ? rec->fields[map[i]].p : NULL;
        *(const char **)((char *)in + ki->cols[i].offset) = v && *v ? v : NULL;
    }
}

static void report_progress(const struct import_opts *o, uint64_t done, uint64_t total)
{
    if (o->progress)
        o->progress(o->progress_arg, done, total);
}

/* Accounts and meters: read, validate and write each row in turn. */
static int import_inline(struct ctx *c, enum archive_kind k, struct csv_reader *r, const int *map,
                         const struct import_opts *o, struct import_result *res, struct err *err)
{
    const struct kind_info *ki = &kinds[k];
    struct arena row_arena = ARENA_INIT;
    struct arena *keep = c->arena;
    struct csv_record *rec;
    size_t nheader = csv_header_count(r);
    void *in = arena_alloc(keep, ki->in_size);
    int rc;

    while ((rc = csv_next(r, &rec, err)) == 1) {
        struct err row_err = ERR_INIT;
        res->rows++;
        if (csv_check_fields(rec, nheader, &row_err)) {
            row_bad(keep, res, rec->line, &row_err, NULL);
            continue;
        }
        fill_in(ki, map, rec, in);
        c->arena = &row_arena;
        bool created = false;
        int row_rc = import_row(c, k, in, &created, &row_err);
        c->arena = keep;
        arena_reset(&row_arena);
        if (is_row_error(row_rc)) {
            row_bad(keep, res, rec->line, &row_err, field_of(ki, map, rec, &row_err));
        } else if (row_rc) {
            *err = row_err;
            rc = row_rc;
            break;
        } else {
            res->created += created;
            res->unchanged += !created;
        }
        if ((res->rows & 4095) == 0) {
            uint64_t done, total;
            csv_progress(r, &done, &total);
            report_progress(o, done, total);
        }
    }
    arena_release(&row_arena);
    return rc < 0 ? rc : 0;
}

/*
 * Customers: a second thread reads the CSV, validates, normalises and encrypts each row into a
 * ring of prepared rows (everything customer_prepare does, against a frozen lookup cache and
 * its own copy of the key file) while this thread inserts them; on two cores the two halves of
 * the work overlap. Rows reach the database in file order, so results and reports are the same
 * as one thread's.
 */
#define PIPE_SLOTS 512
#define PG_BATCH 256 /* PostgreSQL, table not empty: 户号 looked up at once */

struct pipe_slot {
    struct arena arena; /* the prepared row's strings */
    struct customer_row row;
    uint64_t line;
    int rc;      /* 0, or the row's error */
    bool stored; /* PostgreSQL: the batch lookup found the 户号 stored */
    struct err err;
    const char *bad_value; /* in `arena` */
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct pipe_slot *slots;
    size_t head, tail; /* consumed / produced so far */
    bool done, stop;
    int rc; /* the reader's end: 0 at the end of the file, or a CSV error in err */
    struct err err;
    uint64_t done_bytes, total_bytes;
    /* the producer's world */
    struct ctx pctx;
    struct csv_reader *r;
    const int *map;
    bool bulk;
};

static void *pipe_produce(void *arg)
{
    struct pipe *p = arg;
    const struct kind_info *ki = &kinds[ARCHIVE_CUSTOMERS];
    size_t nheader = csv_header_count(p->r);
    struct customer_in in;
    struct csv_record *rec;
    struct err cerr = ERR_INIT;

    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->tail - p->head == PIPE_SLOTS && !p->stop)
            pthread_cond_wait(&p->not_full, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        int rc = csv_next(p->r, &rec, &cerr);
        if (rc != 1) {
            pthread_mutex_lock(&p->mu);
            p->rc = rc;
            p->err = cerr;
            p->done = true;
            pthread_cond_signal(&p->not_empty);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        struct pipe_slot *sl = &p->slots[p->tail % PIPE_SLOTS];
        arena_reset(&sl->arena);
        err_clear(&sl->err);
        sl->line = rec->line;
        sl->bad_value = NULL;
        if ((sl->rc = csv_check_fields(rec, nheader, &sl->err)) == 0) {
            fill_in(ki, p->map, rec, &in);
            p->pctx.arena = &sl->arena;
            sl->row.defer_search_index = p->bulk;
            sl->rc = customer_prepare(&p->pctx, &in, &sl->row, &sl->err);
            if (!sl->rc && !sl->row.cust_no[0])
                sl->rc = error(&sl->err, ERR_INVALID, "cust_no is missing"),
                err_field(&sl->err, "cust_no");
            if (sl->rc) {
                const char *v = field_of(ki, p->map, rec, &sl->err);
                sl->bad_value = v ? arena_strdup(&sl->arena, v) : NULL;
            }
        }
        pthread_mutex_lock(&p->mu);
        p->tail++;
        if ((p->tail & 4095) == 0)
            csv_progress(p->r, &p->done_bytes, &p->total_bytes);
        pthread_cond_signal(&p->not_empty);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/*
 * PostgreSQL: a round trip per row would cost most of the import, so rows whose 户号 is new go
 * to the database through binary COPY (store_bulk_*). A 户号 that may be stored — found by the
 * lookup of its batch, or sent earlier in this import — goes through customer_insert as on
 * SQLite, after the COPY so far is ended, so that it sees every row before it and is reported
 * the same way (unchanged, or already there with different data). A table empty at the start
 * (the bulk load) needs no lookups: only this import's rows can be there.
 */
struct keyset { /* 户号 as integers + 1 (10 digits fit), open addressing, 0 = empty */
    uint64_t *v;
    size_t cap, n;
};

static size_t keyset_pos(const struct keyset *k, uint64_t key)
{
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (k->cap - 1);
    while (k->v[i] && k->v[i] != key)
        i = (i + 1) & (k->cap - 1);
    return i;
}

static bool keyset_has(const struct keyset *k, uint64_t key)
{
    return k->cap && k->v[keyset_pos(k, key)] == key;
}

static void keyset_add(struct keyset *k, uint64_t key)
{
    if (2 * (k->n + 1) > k->cap) {
        struct keyset g = { xcalloc(k->cap ? 2 * k->cap : 4096, sizeof(uint64_t)),
                            k->cap ? 2 * k->cap : 4096, 0 };
        for (size_t i = 0; i < k->cap; i++)
            if (k->v[i])
                g.v[keyset_pos(&g, k->v[i])] = k->v[i], g.n++;
        free(k->v);
        *k = g;
    }
    size_t i = keyset_pos(k, key);
    if (!k->v[i])
        k->v[i] = key, k->n++;
}

static void keyset_clear(struct keyset *k)
{
    if (k->n)
        memset(k->v, 0, k->cap * sizeof(*k->v));
    k->n = 0;
}

static uint64_t cust_key(const char *cust_no)
{
    return strtoull(cust_no, NULL, 10) + 1; /* customer_prepare checked: 10 digits */
}

struct sink {
    bool copy;                 /* PostgreSQL: new rows through COPY */
    bool lookup;               /* the table had rows at the start */
    struct store_stmt *st;     /* the open COPY, or NULL */
    struct keyset sent, found; /* 户号 sent by COPY; stored ones of the current batch */
    struct strbuf list;
};

static int sink_flush(struct sink *k, bool abort, struct err *err)
{
    if (!k->st)
        return 0;
    struct store_stmt *st = k->st;
    k->st = NULL;
    return store_bulk_end(st, abort, NULL, err);
}

/* Mark the good rows of slots [head, head + n) whose 户号 is stored. */
static int sink_lookup(struct ctx *c, struct sink *k, struct pipe_slot *slots, size_t head,
                       size_t n, struct err *err)
{
    int rc;
    if ((rc = sink_flush(k, false, err)))
        return rc;
    strbuf_reset(&k->list);
    for (size_t i = 0; i < n; i++) {
        struct pipe_slot *sl = &slots[(head + i) % PIPE_SLOTS];
        sl->stored = false;
        if (!sl->rc)
            strbuf_addf(&k->list, "%s%s", k->list.len ? "," : "", sl->row.cust_no);
    }
    if (!k->list.len)
        return 0;
    keyset_clear(&k->found);
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_EXISTING);
    store_bind_text(st, 1, k->list.buf);
    while ((rc = store_step(st, err)) == STORE_ROW)
        keyset_add(&k->found, cust_key(store_col_text(st, 0)));
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && k->found.n; i++) {
        struct pipe_slot *sl = &slots[(head + i) % PIPE_SLOTS];
        sl->stored = !sl->rc && keyset_has(&k->found, cust_key(sl->row.cust_no));
    }
    return 0;
}

/* Write one good row: 0 with *created and *same, or an error in row_err: a row error
 * (is_row_error) unless *fatal, which ends the import (the COPY stream may be broken). */
static int sink_row(struct ctx *c, struct sink *k, const struct pipe_slot *sl, bool *created,
                    bool *same, bool *fatal, struct err *row_err)
{
    int64_t id;
    int rc;
    *fatal = false;
    if (k->copy) {
        uint64_t key = cust_key(sl->row.cust_no);
        if (!sl->stored && !keyset_has(&k->sent, key)) {
            if (!k->st && (rc = store_bulk_begin(c->db, Q_CUSTOMER_BULK, &k->st, row_err)))
                k->st = NULL;
            else
                rc = customer_bulk_add(c, k->st, &sl->row, row_err);
            if (rc)
                return *fatal = true, rc;
            keyset_add(&k->sent, key);
            *created = true;
            *same = false;
            return 0;
        }
        if ((rc = sink_flush(k, false, row_err)))
            return *fatal = true, rc;
    }
    return customer_insert(c, &sl->row, &id, created, same, row_err);
}

static int import_customers_piped(struct ctx *c, struct csv_reader *r, const int *map, bool bulk,
                                  const struct import_opts *o, struct import_result *res,
                                  struct err *err)
{
    struct pipe p = { .r = r, .map = map, .bulk = bulk };
    struct sink sink = { .copy = store_kind(c->db) == STORE_PG, .list = STRBUF_INIT };
    sink.lookup = sink.copy && !bulk;
    struct arena row_arena = ARENA_INIT;
    struct arena *keep = c->arena;
    struct keyring *pkeys = NULL;
    pthread_t producer;
    int rc;

    if ((rc = ctx_cache_freeze(c, err)) || (rc = keyring_clone(c->keys, &pkeys, err)))
        return rc;
    p.pctx = *c;
    p.pctx.db = NULL; /* the producer never touches the database */
    p.pctx.keys = pkeys;
    p.slots = xcalloc(PIPE_SLOTS, sizeof(*p.slots));
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        customer_row_init(&p.slots[i].row);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.not_empty, NULL);
    pthread_cond_init(&p.not_full, NULL);
    if (pthread_create(&producer, NULL, pipe_produce, &p)) {
        rc = error(err, ERR_INTERNAL, "cannot start the import thread: %s", strerror(errno));
        goto out;
    }

    for (;;) {
        /* a batch to look up is PG_BATCH rows, or what is left at the end of the file */
        size_t want = sink.lookup ? PG_BATCH : 1;
        pthread_mutex_lock(&p.mu);
        while (p.tail - p.head < want && !p.done)
            pthread_cond_wait(&p.not_empty, &p.mu);
        size_t n = p.tail - p.head;
        uint64_t done_bytes = p.done_bytes, total_bytes = p.total_bytes;
        pthread_mutex_unlock(&p.mu);
        if (!n)
            break;
        if (n > want)
            n = want;
        if (sink.lookup && (rc = sink_lookup(c, &sink, p.slots, p.head, n, err)))
            break;
        for (size_t i = 0; i < n && !rc; i++) {
            struct pipe_slot *sl = &p.slots[p.head % PIPE_SLOTS];
            res->rows++;
            if (sl->rc) {
                row_bad(keep, res, sl->line, &sl->err, sl->bad_value);
            } else {
                bool created, same, fatal;
                struct err row_err = ERR_INIT;
                c->arena = &row_arena;
                int row_rc = sink_row(c, &sink, sl, &created, &same, &fatal, &row_err);
                c->arena = keep;
                arena_reset(&row_arena);
                if (!row_rc && !created && !same)
                    row_rc =
                        error(&row_err, ERR_CONFLICT,
                              "customer '%s' already exists with different data", sl->row.cust_no),
                    err_field(&row_err, "cust_no");
                if (!fatal && is_row_error(row_rc)) {
                    row_bad(keep, res, sl->line, &row_err,
                            !strcmp(row_err.field, "cust_no") ? sl->row.cust_no : NULL);
                } else if (row_rc) {
                    *err = row_err;
                    rc = row_rc;
                    break;
                } else {
                    res->created += created;
                    res->unchanged += !created;
                }
            }
            pthread_mutex_lock(&p.mu);
            p.head++;
            pthread_cond_signal(&p.not_full);
            pthread_mutex_unlock(&p.mu);
            if ((res->rows & 4095) == 0)
                report_progress(o, done_bytes, total_bytes);
        }
        if (rc)
            break;
    }
    if (rc) {
        pthread_mutex_lock(&p.mu);
        p.stop = true;
        pthread_cond_signal(&p.not_full);
        pthread_mutex_unlock(&p.mu);
    }
    /* the rows sent must reach the table before the import goes on (indexes, audit) */
    struct err end_err = ERR_INIT;
    int end_rc = sink_flush(&sink, rc != 0, &end_err);
    if (!rc && end_rc)
        *err = end_err;
    if (!rc)
        rc = end_rc;
    pthread_join(producer, NULL);
    if (!rc && p.rc < 0) {
        *err = p.err;
        rc = p.rc;
    }
out:
    for (size_t i = 0; i < PIPE_SLOTS; i++) {
        customer_row_release(&p.slots[i].row);
        arena_release(&p.slots[i].arena);
    }
    free(p.slots);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.not_empty);
    pthread_cond_destroy(&p.not_full);
    arena_release(&row_arena);
    keyring_free(pkeys);
    free(sink.sent.v);
    free(sink.found.v);
    strbuf_release(&sink.list);
    return rc;
}

int archive_import(struct ctx *c, enum archive_kind k, struct csv_reader *r,
                   const struct import_opts *o, struct import_result *res, struct err *err)
{
    const struct kind_info *ki = &kinds[k];
    struct arena *keep = c->arena;
    struct bulk bulk = { false, STRBUF_INIT };
    int map[16];
    int rc;

    struct date today;
    memset(res, 0, sizeof(*res));
    if ((rc = csv_read_header(r, err)) || (rc = map_header(ki, r, map, err)))
        return rc;
    /* create the lookup cache in the long-lived arena before rows switch to their own */
    if ((rc = ctx_today(c, &today, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = bulk_begin(c, k, &bulk, err)))
        goto fail;
    if (k == ARCHIVE_CUSTOMERS)
        rc = import_customers_piped(c, r, map, bulk.on, o, res, err);
    else
        rc = import_inline(c, k, r, map, o, res, err);
    if (rc < 0)
        goto fail;
    if (res->rows == 0) {
        rc = error(err, ERR_INVALID, "the file has a header but no rows");
        goto fail;
    }
    if (res->bad_count) {
        res->rows_failed = true;
        rc =
            error(err, ERR_INVALID, "%" PRId64 " of %" PRId64 " rows are bad; nothing was imported",
                  res->bad_count, res->rows);
        goto fail;
    }
    if (o->dry_run) {
        store_rollback(c->db);
        strbuf_release(&bulk.ddl);
        return 0;
    }
    if ((rc = bulk_end(c, &bulk, err)))
        goto fail;
    struct audit_rec ar = {
        .action = arena_sprintf(keep, "import.%s", ki->name),
        .entity = "import",
        .entity_key = o->source ? o->source : "-",
        .detail = arena_sprintf(keep, "rows=%" PRId64 " created=%" PRId64 " unchanged=%" PRId64,
                                res->rows, res->created, res->unchanged),
    };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    res->committed = true;
    strbuf_release(&bulk.ddl);
    return 0;
fail:
    store_rollback(c->db);
    strbuf_release(&bulk.ddl);
    return rc;
}

/* ---- export ---- */

/* The full or masked value of an encrypted column; NULL with `err` set when it does not
 * decrypt, since an export must not write a placeholder where personal data belongs. */
static const char *plain(struct ctx *c, const char *aad, struct store_stmt *st, int col,
                         bool with_pii, enum pii_kind kind, struct strbuf *tmp, struct err *err)
{
    if (store_col_null(st, col))
        return "";
    size_t len;
    const void *p = store_col_blob(st, col, &len);
    strbuf_reset(tmp);
    if (keyring_decrypt(c->keys, aad, p, len, tmp, err))
        return NULL;
    if (with_pii)
        return arena_strdup(c->arena, tmp->buf);
    struct strbuf m = STRBUF_INIT;
    pii_mask(kind, tmp->buf, &m);
    const char *s = arena_strdup(c->arena, m.buf);
    strbuf_release(&m);
    return s;
}

static const char *txt(struct store_stmt *st, int col)
{
    return store_col_null(st, col) ? "" : store_col_text(st, col);
}

/* Fill fields[] from the current export row of `k` (arena strings, "" for NULL); a NULL field
 * is a personal-data value that does not decrypt (err says why). */
static void export_fields(struct ctx *c, enum archive_kind k, struct store_stmt *st, bool with_pii,
                          const char **fields, struct strbuf *tmp, struct err *err)
{
    char num[40];
    switch (k) {
    case ARCHIVE_CUSTOMERS:
        fields[0] = txt(st, 1);
        fields[1] = txt(st, 2);
        fields[2] = txt(st, 3);
        fields[3] = txt(st, 4);
        fields[4] = txt(st, 5);
        fields[5] = store_col_i64(st, 6) ? "1" : "0";
        fields[6] = txt(st, 7);
        fields[7] = plain(c, "customer.phone", st, 8, with_pii, PII_PHONE, tmp, err);
        fields[8] = txt(st, 9);
        fields[9] = plain(c, "customer.id_no", st, 10, with_pii, PII_ID_NUMBER, tmp, err);
        fields[10] = txt(st, 12);
        fields[11] = txt(st, 14);
        fields[12] = txt(st, 15);
        break;
    case ARCHIVE_ACCOUNTS:
        fields[0] = txt(st, 1);
        fields[1] = txt(st, 3);
        fields[2] = txt(st, 4);
        fields[3] = arena_strdup(c->arena, decimal_format(store_col_i64(st, 5), 3, 0, 0, num));
        fields[4] = arena_strdup(c->arena, decimal_format(store_col_i64(st, 6), 3, 0, 0, num));
        fields[5] = store_col_i64(st, 7)
                        ? arena_sprintf(c->arena, "0.%02d", (int)store_col_i64(st, 7))
                        : "none";
        fields[6] = arena_sprintf(c->arena, "%d", (int)store_col_i64(st, 8));
        fields[7] = txt(st, 9);
        fields[8] = txt(st, 10);
        fields[9] = plain(c, "account.contact_phone", st, 11, with_pii, PII_PHONE, tmp, err);
        fields[10] = txt(st, 12);
        fields[11] = plain(c, "account.bank_account", st, 13, with_pii, PII_BANK_ACCOUNT, tmp, err);
        fields[12] = txt(st, 15);
        break;
    case ARCHIVE_METERS:
        for (int i = 0; i < 9; i++)
            fields[i] = i == 2 || i == 6 ? arena_sprintf(c->arena, "%d", (int)store_col_i64(st, i))
                                         : txt(st, i);
        fields[9] = ""; /* install readings are history, not current state */
        break;
    }
}

/* Rows of an export page: memory stays flat however many rows, and on PostgreSQL (whose client
 * holds a statement's whole result) a page is what one statement fetches. */
#define EXPORT_PAGE 2000

/* Write the rows of `k` in `scope` (0: all) page by page, each after the last key written. */
static int export_rows(struct ctx *c, enum archive_kind k, int64_t scope, struct csv_writer *w,
                       bool with_pii, int64_t *rows, struct err *err)
{
    static const enum query_id q[] = { Q_EXPORT_CUSTOMERS, Q_EXPORT_ACCOUNTS, Q_EXPORT_METERS };
    const struct kind_info *ki = &kinds[k];
    const char *fields[16];
    struct arena row_arena = ARENA_INIT;
    struct arena *keep = c->arena;
    struct strbuf tmp = STRBUF_INIT, last = STRBUF_INIT;
    struct store_stmt *st = store_q(c->db, q[k]);
    int64_t in_page;
    int rc = 0;
    do {
        if (scope)
            store_bind_i64(st, 1, scope);
        else
            store_bind_null(st, 1);
        store_bind_text(st, 2, last.buf);
        store_bind_i64(st, 3, EXPORT_PAGE);
        in_page = 0;
        while ((rc = store_step(st, err)) == STORE_ROW) {
            c->arena = &row_arena;
            export_fields(c, k, st, with_pii, fields, &tmp, err);
            const char *undecryptable = NULL; /* the column whose error is in err */
            for (size_t i = 0; i < ki->ncols; i++)
                if (!fields[i])
                    undecryptable = ki->cols[i].name;
            rc = undecryptable
                     ? error_prefix(err, "row '%s', column %s: ", fields[0], undecryptable)
                     : csv_write_record(w, ki->ncols, fields, err);
            if (!rc) {
                strbuf_reset(&last);
                strbuf_addstr(&last, fields[0]); /* the key: cust_no, account_no, asset_no */
            }
            c->arena = keep;
            arena_reset(&row_arena);
            if (rc) {
                store_reset(st);
                break;
            }
            ++*rows;
            in_page++;
        }
    } while (rc == STORE_DONE && in_page == EXPORT_PAGE);
    arena_release(&row_arena);
    strbuf_release(&tmp);
    strbuf_release(&last);
    return rc < 0 ? rc : 0;
}

int archive_export_check(struct ctx *c, const struct export_opts *o, int64_t *scope,
                         struct err *err)
{
    *scope = c->scope_org_id; /* an org_code narrows it (ctx_org_id keeps it inside) */
    if (o->with_pii && c->caller_perms && !(*c->caller_perms & PERM_BIT(PERM_PII_READ)))
        return error(err, ERR_FORBIDDEN,
                     "with_pii=true needs permission 'pii:read': without it the export is masked"),
               err_field(err, "with_pii");
    if (o->org_code)
        return ctx_org_id(c, o->org_code, scope, err);
    return 0;
}

int archive_export(struct ctx *c, enum archive_kind k, struct csv_writer *w,
                   const struct export_opts *o, int64_t *rows, struct err *err)
{
    const struct kind_info *ki = &kinds[k];
    const char *fields[16];
    int64_t scope;
    int rc;

    *rows = 0;
    if ((rc = archive_export_check(c, o, &scope, err)))
        return rc;
    for (size_t i = 0; i < ki->ncols; i++)
        fields[i] = ki->cols[i].name;
    if ((rc = csv_write_record(w, ki->ncols, fields, err)))
        return rc;
    /* the pages of one snapshot: a file of one instant while rows are added or changed */
    if ((rc = store_begin_snapshot(c->db, err)))
        return rc;
    rc = export_rows(c, k, scope, w, o->with_pii, rows, err);
    if ((rc = store_end(c->db, rc, err)))
        return rc;
    if (o->with_pii) {
        struct audit_rec ar = {
            .action = arena_sprintf(c->arena, "export.%s", ki->name),
            .entity = "export",
            .entity_key = o->org_code ? o->org_code : "*",
            .detail = arena_sprintf(c->arena, "rows=%" PRId64 " with personal data", *rows),
        };
        return audit_append(c, &ar, err);
    }
    return 0;
}
