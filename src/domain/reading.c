/*
 * Reading and interval queries (reading.h): rows of meter_read and meter_interval turned into
 * read sets and unpacked days, for the CLI and the bill run.
 */
#include "core/common.h"
#include "domain/meter.h"
#include "domain/reading.h"

/* Restate an error about a stored value as ERR_CORRUPT naming the table. */
static int corrupt(struct err *err, const char *table)
{
    err->code = ERR_CORRUPT;
    return error_prefix(err, "%s: ", table);
}

/* Columns READ_ROW_COLS from `col`: read_on, seven registers, source, status. */
static int row_reading(struct store_stmt *st, int col, struct reading *r, struct err *err)
{
    memset(r, 0, sizeof(*r));
    int rc = date_parse(store_col_text(st, col), &r->rs.on, err);
    if (rc)
        return corrupt(err, "meter_read");
    for (int i = 0; i < REG_N; i++) {
        if (!store_col_null(st, col + 1 + i)) {
            r->rs.v[i] = store_col_i64(st, col + 1 + i);
            r->rs.present |= 1u << i;
        }
    }
    int src = read_source_parse(store_col_text(st, col + 8));
    if (src < 0)
        return error(err, ERR_CORRUPT, "meter_read: unknown source '%s'",
                     store_col_text(st, col + 8));
    r->rs.source = (enum read_source)src;
    r->valid = !strcmp(store_col_text(st, col + 9), "valid");
    return 0;
}

static int run_scan(struct store_stmt *st, int col, reading_fn *fn, void *arg, int64_t meter_id,
                    struct err *err)
{
    struct reading r;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t id = col ? store_col_i64(st, 0) : meter_id;
        if ((rc = row_reading(st, col, &r, err)) || (rc = fn(arg, id, &r))) {
            store_reset(st);
            return rc;
        }
    }
    return rc;
}

static void bind_date(struct store_stmt *st, int idx, struct date d)
{
    char buf[DATE_BUF_SIZE];
    store_bind_text(st, idx, date_format(d, buf));
}

int reading_list(struct ctx *c, const char *asset_no, const struct date *from,
                 const struct date *to, reading_fn *fn, void *arg, struct err *err)
{
    struct meter m;
    int rc = meter_get(c, asset_no, &m, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_READ_LIST);
    store_bind_i64(st, 1, m.id);
    bind_date(st, 2, from ? *from : (struct date){ 1, 1, 1 });
    bind_date(st, 3, to ? *to : (struct date){ 9999, 12, 31 });
    return run_scan(st, 0, fn, arg, m.id, err);
}

int reading_latest(struct ctx *c, int64_t meter_id, struct date on, struct reading *last,
                   struct reading *prev, int *found, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_READ_LATEST);
    int rc;
    *found = 0;
    store_bind_i64(st, 1, meter_id);
    bind_date(st, 2, on);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if ((rc = row_reading(st, 0, *found ? prev : last, err))) {
            store_reset(st);
            return rc;
        }
        ++*found;
    }
    return rc;
}

int reading_scan(struct ctx *c, int64_t first_meter, int64_t last_meter, struct date from,
                 struct date to, reading_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_READ_SCAN);
    store_bind_i64(st, 1, first_meter);
    store_bind_i64(st, 2, last_meter);
    bind_date(st, 3, from);
    bind_date(st, 4, to);
    return run_scan(st, 1, fn, arg, 0, err);
}

int reading_intervals(struct ctx *c, int64_t meter_id, struct date from, struct date to,
                      interval_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_IV_RANGE);
    struct interval_day d;
    int rc;
    store_bind_i64(st, 1, meter_id);
    bind_date(st, 2, from);
    bind_date(st, 3, to);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        size_t len;
        const void *blob = store_col_blob(st, 3, &len);
        d.minutes = (int)store_col_i64(st, 2);
        d.n = interval_points(d.minutes);
        if ((rc = date_parse(store_col_text(st, 1), &d.day, err)) ||
            (rc = interval_unpack(blob, len, d.n, d.pts, err)) || (rc = fn(arg, meter_id, &d))) {
            if (rc == ERR_INVALID)
                rc = corrupt(err, "meter_interval");
            store_reset(st);
            return rc;
        }
    }
    return rc;
}
