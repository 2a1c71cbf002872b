/*
 * Writing drafts (bill_int.h): bills and their lines in bulk, with ids assigned here — rows
 * of 16 per INSERT on SQLite, binary COPY on PostgreSQL.
 */
#include "domain/bill.h"

#include "core/energy.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "domain/audit.h"
#include "domain/bill_int.h"
#include "domain/bill_text.h"
#include "domain/reading.h"
#include "domain/vee.h"

/* ---- writing ---- */

void bill_batch_init(struct bill_batch *b)
{
    memset(b, 0, sizeof(*b));
}

void bill_batch_reset(struct bill_batch *b)
{
    arena_reset(&b->arena);
    VEC_CLEAR(&b->bills);
    VEC_CLEAR(&b->lines);
}

void bill_batch_release(struct bill_batch *b)
{
    arena_release(&b->arena);
    VEC_FREE(&b->bills);
    VEC_FREE(&b->lines);
}

static const char *batch_str(struct bill_batch *b, const struct strbuf *sb)
{
    return arena_strndup(&b->arena, sb->buf, sb->len);
}

static const char *batch_date(struct bill_batch *b, struct date d)
{
    char buf[DATE_BUF_SIZE];
    return date_is_valid(d) ? arena_strndup(&b->arena, bill_fmt_date(d, buf), 10) : NULL;
}

void bill_batch_add(struct bill_batch *b, int64_t run_id, int64_t account_id,
                    const char *tariff_code, const char *kind, int64_t adjusts,
                    const struct bill_draft *d)
{
    char pb[PERIOD_BUF_SIZE];
    struct strbuf tmp = STRBUF_INIT;
    struct bill_out o;

    o.id = 0;
    o.run_id = run_id;
    o.account_id = account_id;
    o.adjusts = adjusts;
    o.period = arena_strndup(&b->arena, bill_fmt_period(d->u.period, pb), 7);
    o.kind = kind;
    o.status = d->status;
    o.tariff_code = arena_strdup(&b->arena, tariff_code);
    o.read_from = batch_date(b, d->read_from);
    o.read_to = batch_date(b, d->read_to);
    o.reason = d->reason.len ? batch_str(b, &d->reason) : NULL;
    o.usage = batch_str(b, &d->usage);
    o.reads = batch_str(b, &d->reads);
    o.note = d->note ? arena_strdup(&b->arena, d->note) : NULL;
    o.energy_wh = d->q.energy_wh;
    o.total_fen = d->q.total_fen;
    o.vee_flags = d->vee_flags;
    o.first_line = b->lines.n;
    o.nlines = d->q.nlines;
    for (int i = 0; i < d->q.nlines; i++) {
        const struct quote_line *l = &d->q.lines[i];
        struct bill_out_line ol;
        ol.item = line_item_name(l->item);
        ol.code = l->code ? l->code : ol.item;
        ol.name = l->name_zh ? l->name_zh : "";
        if (l->detail[0]) {
            strbuf_reset(&tmp);
            strbuf_addstr(&tmp, l->rule ? l->rule : "");
            strbuf_addstr(&tmp, tmp.len ? ": " : "");
            strbuf_addstr(&tmp, l->detail);
            ol.rule = batch_str(b, &tmp);
        } else {
            ol.rule = l->rule ? l->rule : "";
        }
        ol.version = date_is_valid(l->version) ? batch_date(b, l->version) : "";
        ol.unit = qty_unit_name(l->unit);
        ol.qty = l->qty;
        ol.price_e8 = l->price_e8;
        ol.amount_fen = l->amount_fen;
        strbuf_reset(&tmp);
        bill_parts_encode(l, &tmp);
        ol.parts = batch_str(b, &tmp);
        VEC_PUSH(&b->lines, ol);
    }
    VEC_PUSH(&b->bills, o);
    strbuf_release(&tmp);
}

static void bind_id_or_null(struct store_stmt *st, int idx, int64_t v)
{
    if (v)
        store_bind_i64(st, idx, v);
    else
        store_bind_null(st, idx);
}

/* Bind bill `o` as row `row` of a statement of 18 columns per row. */
static void bind_bill(struct store_stmt *st, int row, const struct bill_out *o, int64_t now)
{
    int k = row * 18;
    store_bind_i64(st, k + 1, o->id);
    bind_id_or_null(st, k + 2, o->run_id);
    store_bind_i64(st, k + 3, o->account_id);
    store_bind_text(st, k + 4, o->period);
    store_bind_text(st, k + 5, o->kind);
    store_bind_text(st, k + 6, o->status);
    bind_id_or_null(st, k + 7, o->adjusts);
    store_bind_text(st, k + 8, o->tariff_code);
    store_bind_text(st, k + 9, o->read_from);
    store_bind_text(st, k + 10, o->read_to);
    store_bind_i64(st, k + 11, o->energy_wh);
    store_bind_i64(st, k + 12, o->total_fen);
    store_bind_i64(st, k + 13, o->vee_flags);
    store_bind_text(st, k + 14, o->reason);
    store_bind_text(st, k + 15, o->usage);
    store_bind_text(st, k + 16, o->reads);
    store_bind_text(st, k + 17, o->note);
    store_bind_i64(st, k + 18, now);
}

/* Bind line number `line_no` of bill `bill_id` as row `row` of 12 columns per row. */
static void bind_line(struct store_stmt *st, int row, int64_t bill_id, int line_no,
                      const struct bill_out_line *l)
{
    int k = row * 12;
    store_bind_i64(st, k + 1, bill_id);
    store_bind_i64(st, k + 2, line_no);
    store_bind_text(st, k + 3, l->item);
    store_bind_text(st, k + 4, l->code);
    store_bind_text(st, k + 5, l->name);
    store_bind_text(st, k + 6, l->rule);
    store_bind_text(st, k + 7, l->version);
    store_bind_text(st, k + 8, l->unit);
    store_bind_i64(st, k + 9, l->qty);
    store_bind_i64(st, k + 10, l->price_e8);
    store_bind_i64(st, k + 11, l->amount_fen);
    store_bind_text(st, k + 12, l->parts);
}

#define BILL_ROWS 16 /* rows per Q_BILL_INSERT16 / Q_BILL_LINE_INSERT16 */

/* A line by its position in the batch: bill index and line within it. */
struct line_ref {
    size_t bill;
    int k;
};

static bool next_line(const struct bill_batch *b, struct line_ref *r)
{
    while (r->bill < b->bills.n && r->k >= b->bills.v[r->bill].nlines) {
        r->bill++;
        r->k = 0;
    }
    return r->bill < b->bills.n;
}

int bill_batch_write(struct ctx *c, struct bill_batch *b, struct err *err)
{
    struct store_stmt *st;
    int64_t now = ctx_now(c);
    size_t n = 0, i = 0;
    struct line_ref lr = { 0, 0 };
    int ret;

    if (!b->bills.n)
        return 0;
    /* ids first: the lines need them, and neither bulk load can return them */
    st = store_q(c->db, Q_BILL_NEW_IDS);
    store_bind_i64(st, 1, (int64_t)b->bills.n);
    while ((ret = store_step(st, err)) == STORE_ROW && n < b->bills.n)
        b->bills.v[n++].id = store_col_i64(st, 0);
    store_reset(st);
    if (ret < 0)
        return ret;
    if (n != b->bills.n)
        return error(err, ERR_INTERNAL, "got %zu new bill ids for %zu bills", n, b->bills.n);

    /* SQLite: BILL_ROWS rows per statement while there are that many, then one by one */
    if (store_kind(c->db) == STORE_SQLITE) {
        st = store_q(c->db, Q_BILL_INSERT16);
        for (; i + BILL_ROWS <= b->bills.n; i += BILL_ROWS) {
            for (int r = 0; r < BILL_ROWS; r++)
                bind_bill(st, r, &b->bills.v[i + (size_t)r], now);
            if ((ret = store_exec(st, err)))
                return ret;
        }
    }
    if (i < b->bills.n) {
        if ((ret = store_bulk_begin(c->db, Q_BILL_BULK, &st, err)))
            return ret;
        for (; i < b->bills.n && !ret; i++) {
            bind_bill(st, 0, &b->bills.v[i], now);
            ret = store_bulk_add(st, err);
        }
        if (ret) {
            store_bulk_end(st, true, NULL, err);
            return ret;
        }
        if ((ret = store_bulk_end(st, false, NULL, err)))
            return ret;
    }

    if (store_kind(c->db) == STORE_SQLITE) {
        st = store_q(c->db, Q_BILL_LINE_INSERT16);
        for (;;) {
            struct line_ref probe = lr;
            int r = 0;
            /* are there BILL_ROWS lines left? */
            for (; r < BILL_ROWS && next_line(b, &probe); r++)
                probe.k++;
            if (r < BILL_ROWS)
                break;
            for (r = 0; r < BILL_ROWS && next_line(b, &lr); r++, lr.k++) {
                const struct bill_out *o = &b->bills.v[lr.bill];
                bind_line(st, r, o->id, lr.k + 1, &b->lines.v[o->first_line + (size_t)lr.k]);
            }
            if ((ret = store_exec(st, err)))
                return ret;
        }
    }
    if (!next_line(b, &lr))
        return 0;
    if ((ret = store_bulk_begin(c->db, Q_BILL_LINE_BULK, &st, err)))
        return ret;
    for (; next_line(b, &lr) && !ret; lr.k++) {
        const struct bill_out *o = &b->bills.v[lr.bill];
        bind_line(st, 0, o->id, lr.k + 1, &b->lines.v[o->first_line + (size_t)lr.k]);
        ret = store_bulk_add(st, err);
    }
    if (ret) {
        store_bulk_end(st, true, NULL, err);
        return ret;
    }
    return store_bulk_end(st, false, NULL, err);
}

int bill_write(struct ctx *c, int64_t run_id, int64_t account_id, const char *tariff_code,
               const char *kind, int64_t adjusts, const struct bill_draft *d, int64_t *id,
               struct err *err)
{
    struct bill_batch b;
    int ret;
    bill_batch_init(&b);
    bill_batch_add(&b, run_id, account_id, tariff_code, kind, adjusts, d);
    ret = bill_batch_write(c, &b, err);
    *id = ret ? 0 : b.bills.v[0].id;
    bill_batch_release(&b);
    return ret;
}

void bill_draft_init(struct bill_draft *d)
{
    memset(d, 0, sizeof(*d));
    strbuf_init(&d->usage, 512);
    strbuf_init(&d->reads, 256);
    strbuf_init(&d->reason, 64);
}

void bill_draft_release(struct bill_draft *d)
{
    strbuf_release(&d->usage);
    strbuf_release(&d->reads);
    strbuf_release(&d->reason);
}
