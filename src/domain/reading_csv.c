/*
 * Import of register readings and interval data from CSV (reading_csv.h), built for millions
 * of values a second: every value of the file becomes a 24-byte cell (meter, day, register or
 * point, value, line); the file's meters are looked up once (with their installation stays);
 * cells are sorted into key order (meter id, day), merged with the stored rows of those
 * meters and days read in one ordered scan per thousand meters, and new meter-days go to the
 * database through the store's bulk load in key order, which appends to the WITHOUT ROWID
 * B-tree (binary COPY on PostgreSQL). Nothing is written unless every row is good.
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/log.h"
#include "core/strmap.h"
#include "core/utf8.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/interval.h"
#include "domain/reading_csv.h"
#include "domain/vee.h"

#define METERS_ONE_BY_ONE 2000 /* up to this many meters: one lookup each, else one scan */
#define EXISTING_CHUNK 1000    /* meter ids per scan of stored rows */
#define NO_METER UINT32_MAX

/* One value of the file: a register reading or an interval point. */
struct cell {
    int64_t v;      /* Wh, varh or W */
    uint32_t meter; /* index into imp.meters while parsing, then the meter's rank by id */
    int32_t day;    /* days since 1970-01-01 */
    uint32_t line;
    uint16_t slot; /* enum reg, or the point's index in the day */
    uint8_t src;   /* enum read_source, or the interval minutes */
    uint8_t pad;
};

struct stay {
    int32_t from, to; /* days, inclusive; to = INT32_MAX while installed */
};

struct imeter {
    const char *asset_no;
    int64_t id; /* 0: unknown */
    unsigned regs;
    const char *registers;
    uint32_t stay_first, stay_n;
};

/* A stored meter-day: a reading row or an unpacked interval day. */
struct stored {
    uint32_t rank;
    int32_t day;
    unsigned present; /* readings: registers not NULL */
    int src;          /* readings: source; intervals: minutes */
    int n;            /* intervals: points */
    int64_t v[INTERVAL_MAX_POINTS];
};

struct group_ref {
    uint32_t first, n; /* cells[first .. first + n) */
    uint32_t upd;      /* index into imp.upds, or UINT32_MAX for a new meter-day */
};

struct imp {
    struct ctx *c;
    enum reading_kind kind;
    struct reading_import_result *res;
    struct arena *keep;
    /* the header */
    bool wide;
    int col_meter, col_date, col_reg, col_val, col_src, col_minutes;
    const char *date_name; /* read_on, ts or date */
    int reg_col[REG_N];
    int npoints, minutes; /* wide intervals: points per row; long: default minutes */
    /* the file's meters */
    struct strmap names;
    VEC(struct imeter) meters;
    VEC(struct stay) stays;
    VEC(int64_t) ids;      /* meter ids by rank */
    VEC(uint32_t) by_rank; /* meters[] index by rank */
    /* values */
    VEC(struct cell) cells;
    VEC(uint8_t) bad_lines; /* bitmap: lines already reported */
    int32_t min_day, max_day;
    /* the merge's outcome */
    VEC(struct group_ref) groups; /* meter-days to insert or update, in key order */
    VEC(struct stored) upds;      /* stored meter-days that get more values, merged */
    /* parse caches */
    uint32_t last_meter;
    char last_name[40];
    char last_date[12];
    int32_t last_day;
};

static const char *const reg_names_list = "total, sharp, peak, flat, valley, reactive, demand";

int reading_kind_parse(const char *s, enum reading_kind *out, struct err *err)
{
    if (s && !strcmp(s, "readings"))
        return *out = READING_REGISTERS, 0;
    if (s && !strcmp(s, "intervals"))
        return *out = READING_INTERVALS, 0;
    return error(err, ERR_USAGE, "unknown kind '%s': readings or intervals", s ? s : "");
}

const char *reading_kind_name(enum reading_kind k)
{
    return k == READING_REGISTERS ? "readings" : "intervals";
}

void reading_import_result_release(struct reading_import_result *res)
{
    import_result_release(&res->r);
}

/* ---- bad rows ---- */

/* Report `line` as bad, unless it was already: one reason per line, the first found; the
 * reason in English and in Chinese (NULL when untranslated). */
static void bad_push(struct imp *im, uint64_t line, const char *column, const char *value,
                     const char *reason, const char *reason_zh)
{
    size_t byte = (size_t)(line >> 3);
    if (byte >= im->bad_lines.n) {
        VEC_RESERVE(&im->bad_lines, byte + 1);
        memset(im->bad_lines.v + im->bad_lines.n, 0, byte + 1 - im->bad_lines.n);
        im->bad_lines.n = byte + 1;
    }
    uint8_t bit = (uint8_t)(1u << (line & 7));
    if (im->bad_lines.v[byte] & bit)
        return;
    im->bad_lines.v[byte] |= bit;
    im->res->r.bad_count++;
    if (im->res->r.bad.n >= ARCHIVE_MAX_REPORTED)
        return;
    struct import_bad b = {
        .line = line,
        .column = arena_strdup(im->keep, column ? column : "-"),
        .value = value ? arena_strndup(im->keep, value, utf8_prefix(value, 200)) : "",
        .reason = arena_strdup(im->keep, reason),
        .reason_zh = reason_zh && *reason_zh ? arena_strdup(im->keep, reason_zh) : NULL,
    };
    VEC_PUSH(&im->res->r.bad, b);
}

/* bad_push with the reason formatted from `fmt`, a whole message of the catalogue, in both
 * languages as error() formats it. */
static void PMIS_PRINTF(5, 6) bad_row(struct imp *im, uint64_t line, const char *column,
                                      const char *value, const char *fmt, ...)
{
    struct err e = ERR_INIT;
    va_list ap;
    va_start(ap, fmt);
    error_v(&e, ERR_INVALID, fmt, ap);
    va_end(ap);
    bad_push(im, line, column, value, e.msg, e.msg_zh);
}

static void bad_err(struct imp *im, uint64_t line, const char *column, const char *value,
                    const struct err *e)
{
    bad_push(im, line, column, value, e->msg, e->msg_zh);
}

static int cmp_bad(const void *a, const void *b)
{
    const struct import_bad *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* ---- the header ---- */

static int header_error(struct csv_reader *r, const char *want, struct err *err)
{
    struct strbuf got = STRBUF_INIT;
    for (size_t i = 0; i < csv_header_count(r); i++)
        strbuf_addf(&got, "%s%s", i ? "," : "", csv_header_name(r, i));
    int rc =
        error(err, ERR_INVALID, "line 1: header '%s' is not a known format: %s", got.buf, want);
    strbuf_release(&got);
    return rc;
}

/* Column `name` (required or not); every column must be claimed by exactly one name. */
static int col(struct csv_reader *r, const char *name, bool required, bool *claimed,
               const char *want, struct err *err)
{
    int i = csv_column(r, name);
    if (i < 0 && required)
        return error(err, ERR_INVALID, "line 1: missing column '%s' (%s)", name, want), -2;
    if (i >= 0)
        claimed[i] = true;
    return i;
}

static int map_header(struct imp *im, struct csv_reader *r, struct err *err)
{
    size_t n = csv_header_count(r);
    bool *claimed = arena_alloc(im->keep, n + 1);
    const char *want;
    im->col_reg = im->col_val = im->col_src = im->col_minutes = -1;
    for (int i = 0; i < REG_N; i++)
        im->reg_col[i] = -1;

    if (im->kind == READING_REGISTERS) {
        im->wide = csv_column(r, "register") < 0;
        want = im->wide ? "wide readings are meter,read_on,source,total,sharp,peak,flat,valley,"
                          "reactive,demand (any of the registers)"
                        : "long readings are meter,read_on,register,value_kwh,source";
        if ((im->col_meter = col(r, "meter", true, claimed, want, err)) < -1 ||
            (im->col_date = col(r, "read_on", true, claimed, want, err)) < -1 ||
            (im->col_src = col(r, "source", true, claimed, want, err)) < -1)
            return ERR_INVALID;
        if (!im->wide) {
            if ((im->col_reg = col(r, "register", true, claimed, want, err)) < -1 ||
                (im->col_val = col(r, "value_kwh", true, claimed, want, err)) < -1)
                return ERR_INVALID;
        } else {
            bool any = false;
            for (int i = 0; i < REG_N; i++)
                any |= (im->reg_col[i] =
                            col(r, reg_name((enum reg)i), false, claimed, want, err)) >= 0;
            if (!any)
                return header_error(r, want, err);
        }
    } else {
        im->wide = csv_column(r, "ts") < 0;
        want = "long intervals are meter,ts,kwh[,minutes]; wide ones meter,date,p1..p96 "
               "(or p1..p48, p1..p24)";
        if (!im->wide) {
            if ((im->col_meter = col(r, "meter", true, claimed, want, err)) < -1 ||
                (im->col_date = col(r, "ts", true, claimed, want, err)) < -1 ||
                (im->col_val = col(r, "kwh", true, claimed, want, err)) < -1)
                return ERR_INVALID;
            im->col_minutes = col(r, "minutes", false, claimed, want, err);
        } else {
            im->npoints = (int)n - 2;
            if (interval_points(15) != im->npoints && interval_points(30) != im->npoints &&
                interval_points(60) != im->npoints)
                return header_error(r, want, err);
            if (strcmp(csv_header_name(r, 0), "meter") || strcmp(csv_header_name(r, 1), "date"))
                return header_error(r, want, err);
            for (int i = 0; i < im->npoints; i++) {
                char name[16];
                snprintf(name, sizeof(name), "p%d", i + 1);
                if (strcmp(csv_header_name(r, (size_t)i + 2), name))
                    return error(err, ERR_INVALID, "line 1: column %d is '%s', expected '%s'",
                                 i + 3, csv_header_name(r, (size_t)i + 2), name);
            }
            im->col_meter = 0;
            im->col_date = 1;
            im->minutes = 1440 / im->npoints;
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!claimed[i])
            return error(err, ERR_INVALID, "line 1: unknown column '%s' (column %zu; %s)",
                         csv_header_name(r, i), i + 1, want);
    return 0;
}

/* ---- parsing rows into cells ---- */

static uint32_t intern_meter(struct imp *im, const char *name, size_t len)
{
    if (len < sizeof(im->last_name) && im->last_meter != NO_METER &&
        !memcmp(im->last_name, name, len + 1))
        return im->last_meter;
    int64_t idx;
    if (!strmap_get(&im->names, name, &idx)) {
        struct imeter m = { .asset_no = arena_strdup(im->keep, name) };
        idx = (int64_t)im->meters.n;
        VEC_PUSH(&im->meters, m);
        strmap_put(&im->names, name, idx);
    }
    if (len < sizeof(im->last_name)) {
        memcpy(im->last_name, name, len + 1);
        im->last_meter = (uint32_t)idx;
    }
    return (uint32_t)idx;
}

static int parse_day(struct imp *im, const char *s, int32_t *day, struct err *e)
{
    if (!strcmp(s, im->last_date)) {
        *day = im->last_day;
        return 0;
    }
    struct date d;
    int rc = date_parse(s, &d, e);
    if (rc)
        return rc;
    *day = date_to_days(d);
    if (strlen(s) < sizeof(im->last_date)) {
        snprintf(im->last_date, sizeof(im->last_date), "%s", s);
        im->last_day = *day;
    }
    return 0;
}

/* "YYYY-MM-DD HH:MM" (or 'T' for the blank, and ":00" seconds) -> day and minute of day. */
static int parse_ts(struct imp *im, const char *s, int32_t *day, int *minute, struct err *e)
{
    size_t n = strlen(s);
    char date[11];
    if ((n != 16 && !(n == 19 && !strcmp(s + 16, ":00"))) || (s[10] != ' ' && s[10] != 'T') ||
        s[13] != ':' || s[11] < '0' || s[11] > '2' || s[12] < '0' || s[12] > '9' || s[14] < '0' ||
        s[14] > '5' || s[15] < '0' || s[15] > '9')
        return error(e, ERR_INVALID, "invalid time '%s': expected YYYY-MM-DD HH:MM", s);
    int h = (s[11] - '0') * 10 + (s[12] - '0');
    if (h > 23)
        return error(e, ERR_INVALID, "invalid time '%s': hour %d out of range", s, h);
    memcpy(date, s, 10);
    date[10] = '\0';
    *minute = h * 60 + (s[14] - '0') * 10 + (s[15] - '0');
    return parse_day(im, date, day, e);
}

static void add_cell(struct imp *im, uint32_t meter, int32_t day, uint64_t line, int slot, int src,
                     int64_t v)
{
    struct cell c = { .v = v,
                      .meter = meter,
                      .day = day,
                      .line = (uint32_t)line,
                      .slot = (uint16_t)slot,
                      .src = (uint8_t)src };
    VEC_PUSH(&im->cells, c);
    if (day < im->min_day)
        im->min_day = day;
    if (day > im->max_day)
        im->max_day = day;
}

/* A kWh (or kW) value: 0 with *wh, or the row reported bad. */
static int parse_value(struct imp *im, uint64_t line, const char *column, const char *s,
                       int64_t *wh)
{
    struct err e = ERR_INIT;
    if (energy_parse_kwh(s, wh, &e)) {
        bad_err(im, line, column, s, &e);
        return -1;
    }
    if (*wh < 0) {
        bad_row(im, line, column, s, "negative value '%s'", s);
        return -1;
    }
    return 0;
}

/* One data row into cells; a bad row adds none and is reported. */
static void parse_row(struct imp *im, const struct csv_record *rec)
{
    uint64_t line = rec->line;
    const struct csv_field *f = rec->fields;
    struct err e = ERR_INIT;
    size_t ncells = im->cells.n;
    int32_t day;
    int src = 0, minute = 0;

    if (line > UINT32_MAX) {
        bad_row(im, line, NULL, NULL, "the file is too long (over 4 billion lines)");
        return;
    }
    const char *meter = f[im->col_meter].p;
    if (!*meter) {
        bad_row(im, line, "meter", "", "meter is missing");
        return;
    }
    const char *date = f[im->col_date].p;
    const char *date_col = im->date_name;
    if (im->kind == READING_INTERVALS && !im->wide) {
        if (parse_ts(im, date, &day, &minute, &e)) {
            bad_err(im, line, date_col, date, &e);
            return;
        }
    } else if (parse_day(im, date, &day, &e)) {
        bad_err(im, line, date_col, date, &e);
        return;
    }
    if (im->col_src >= 0) {
        if ((src = read_source_parse(f[im->col_src].p)) < 0) {
            bad_row(im, line, "source", f[im->col_src].p,
                "unknown source '%s' (remote, manual, customer, estimated)", f[im->col_src].p);
            return;
        }
    }
    uint32_t m = intern_meter(im, meter, f[im->col_meter].len);
    int64_t v;

    if (im->kind == READING_REGISTERS && !im->wide) {
        int reg = reg_parse(f[im->col_reg].p);
        if (reg < 0) {
            bad_row(im, line, "register", f[im->col_reg].p, "unknown register '%s' (%s)",
                f[im->col_reg].p, reg_names_list);
            return;
        }
        if (parse_value(im, line, "value_kwh", f[im->col_val].p, &v))
            return;
        add_cell(im, m, day, line, reg, src, v);
    } else if (im->kind == READING_REGISTERS) {
        for (int i = 0; i < REG_N; i++) {
            if (im->reg_col[i] < 0 || !*f[im->reg_col[i]].p)
                continue;
            if (parse_value(im, line, reg_name((enum reg)i), f[im->reg_col[i]].p, &v)) {
                im->cells.n = ncells;
                return;
            }
            add_cell(im, m, day, line, i, src, v);
        }
        if (im->cells.n == ncells)
            bad_row(im, line, "-", "", "no register values");
    } else if (!im->wide) {
        int minutes = im->minutes;
        if (im->col_minutes >= 0 && *f[im->col_minutes].p) {
            const char *s = f[im->col_minutes].p;
            minutes = !strcmp(s, "15") ? 15 : !strcmp(s, "30") ? 30 : !strcmp(s, "60") ? 60 : 0;
            if (!minutes) {
                bad_row(im, line, "minutes", s, "invalid interval length '%s': 15, 30 or 60", s);
                return;
            }
        }
        if (minute % minutes) {
            bad_row(im, line, "ts", date, "'%s' is not the start of a %d-minute interval", date,
                minutes);
            return;
        }
        if (parse_value(im, line, "kwh", f[im->col_val].p, &v))
            return;
        add_cell(im, m, day, line, minute / minutes, minutes, v);
    } else {
        for (int i = 0; i < im->npoints; i++) {
            const struct csv_field *p = &f[i + 2];
            if (!p->len)
                continue;
            char column[16];
            snprintf(column, sizeof(column), "p%d", i + 1);
            if (parse_value(im, line, column, p->p, &v)) {
                im->cells.n = ncells;
                return;
            }
            add_cell(im, m, day, line, i, im->minutes, v);
        }
        if (im->cells.n == ncells)
            bad_row(im, line, "-", "", "no interval values");
    }
}

/* ---- the file's meters ---- */

static unsigned register_mask(const char *registers)
{
    unsigned mask = 0;
    const char *p = registers;
    while (p && *p) {
        char name[16];
        size_t n = strcspn(p, ",");
        if (n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            int r = reg_parse(name);
            if (r >= 0)
                mask |= 1u << r;
        }
        p = p[n] ? p + n + 1 : NULL;
    }
    return mask;
}

/* One row of READ_METER_COLS for meter `idx` (the first row of a meter fills it in). */
static int meter_row(struct imp *im, struct store_stmt *st, uint32_t idx, struct err *err)
{
    struct imeter *m = &im->meters.v[idx];
    if (!m->id) {
        m->id = store_col_i64(st, 0);
        m->registers = arena_strdup(im->keep, store_col_text(st, 4));
        m->regs = register_mask(m->registers);
        m->stay_first = (uint32_t)im->stays.n;
    }
    if (store_col_null(st, 5))
        return 0;
    struct stay s = { 0, INT32_MAX };
    struct date d;
    if (date_parse(store_col_text(st, 5), &d, err))
        return ERR_CORRUPT;
    s.from = date_to_days(d);
    if (!store_col_null(st, 6)) {
        if (date_parse(store_col_text(st, 6), &d, err))
            return ERR_CORRUPT;
        s.to = date_to_days(d);
    }
    VEC_PUSH(&im->stays, s);
    m->stay_n++;
    return 0;
}

static int load_meters(struct imp *im, struct err *err)
{
    struct store *db = im->c->db;
    int rc = 0;
    if (im->meters.n <= METERS_ONE_BY_ONE) {
        for (uint32_t i = 0; i < im->meters.n && !rc; i++) {
            struct store_stmt *st = store_q(db, Q_READ_METER_ONE);
            store_bind_text(st, 1, im->meters.v[i].asset_no);
            ctx_bind_scope(im->c, st, 2);
            while ((rc = store_step(st, err)) == STORE_ROW)
                if ((rc = meter_row(im, st, i, err))) {
                    store_reset(st);
                    break;
                }
        }
        return rc;
    }
    /* many meters: one pass over all of them, rows of a meter together */
    struct store_stmt *st = store_q(db, Q_READ_METER_ALL);
    ctx_bind_scope(im->c, st, 1);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t idx;
        if (strmap_get(&im->names, store_col_text(st, 1), &idx) &&
            (rc = meter_row(im, st, (uint32_t)idx, err))) {
            store_reset(st);
            break;
        }
    }
    return rc;
}

static const char *day_text(int32_t day, char buf[DATE_BUF_SIZE])
{
    return date_format(date_from_days(day), buf);
}

static void format_value(const struct imp *im, int slot, int64_t v, char *buf, size_t size)
{
    char num[ENERGY_BUF_SIZE];
    energy_format_kwh_plain(v, num);
    snprintf(buf, size, "%s %s", num,
             im->kind == READING_REGISTERS && slot == REG_DEMAND ? "kW" : "kWh");
}

/* The column a cell came from, for reports. */
static const char *cell_column(const struct imp *im, const struct cell *c, char buf[16])
{
    if (im->kind == READING_REGISTERS)
        return im->wide ? reg_name((enum reg)c->slot) : "value_kwh";
    if (!im->wide)
        return "kwh";
    snprintf(buf, 16, "p%d", c->slot + 1);
    return buf;
}

/* A cell's value as a file would write it ("160", "1.5"). */
static const char *cell_value(const struct cell *c, char buf[ENERGY_BUF_SIZE])
{
    return energy_format_kwh_plain(c->v, buf);
}

/* Unknown meters, registers the meter lacks, days outside its installations: cells dropped. */
static void check_cells(struct imp *im)
{
    char dbuf[DATE_BUF_SIZE], vbuf[ENERGY_BUF_SIZE];
    for (size_t i = 0; i < im->cells.n; i++) {
        struct cell *c = &im->cells.v[i];
        const struct imeter *m = &im->meters.v[c->meter];
        if (!m->id) {
            bad_row(im, c->line, "meter", m->asset_no, "unknown meter '%s'", m->asset_no);
            c->meter = NO_METER;
            continue;
        }
        if (im->kind == READING_REGISTERS && !(m->regs & (1u << c->slot))) {
            struct err e = ERR_INIT;
            char list[128], list_zh[128];
            error_langs(&e, ERR_INVALID, "meter '%s' has no '%s' register (it has %s)",
                        ERR_BOTH(m->asset_no), reg_label((enum reg)c->slot, false),
                        reg_label((enum reg)c->slot, true),
                        reg_list_label(m->registers, false, list, sizeof(list)),
                        reg_list_label(m->registers, true, list_zh, sizeof(list_zh)));
            bad_err(im, c->line, im->wide ? reg_name((enum reg)c->slot) : "register",
                im->wide ? cell_value(c, vbuf) : reg_name((enum reg)c->slot), &e);
            c->meter = NO_METER;
            continue;
        }
        bool in = false;
        for (uint32_t s = 0; s < m->stay_n && !in; s++) {
            const struct stay *st = &im->stays.v[m->stay_first + s];
            in = c->day >= st->from && c->day <= st->to;
        }
        if (!in) {
            if (!m->stay_n) {
                bad_row(im, c->line, im->date_name, day_text(c->day, dbuf),
                    "meter '%s' has never been installed", m->asset_no);
            } else {
                const struct stay *st = &im->stays.v[m->stay_first + m->stay_n - 1];
                char from[DATE_BUF_SIZE], to[DATE_BUF_SIZE];
                if (st->to == INT32_MAX)
                    bad_row(im, c->line, im->date_name, day_text(c->day, dbuf),
                        "meter '%s' was not installed on %s (its last installation: %s to now)",
                        m->asset_no, dbuf, day_text(st->from, from));
                else
                    bad_row(im, c->line, im->date_name, day_text(c->day, dbuf),
                        "meter '%s' was not installed on %s (its last installation: %s to %s)",
                        m->asset_no, dbuf, day_text(st->from, from), day_text(st->to, to));
            }
            c->meter = NO_METER;
        }
    }
}

/* ---- key order ---- */

struct id_idx {
    int64_t id;
    uint32_t idx;
};

static int cmp_id_idx(const void *a, const void *b)
{
    const struct id_idx *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_cell(const void *a, const void *b)
{
    const struct cell *x = a, *y = b;
    if (x->meter != y->meter)
        return x->meter < y->meter ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Cells of known meters, renumbered by meter id rank and sorted (meter id, day, slot, line). */
static void key_order(struct imp *im)
{
    size_t nm = im->meters.n, nk = 0;
    struct id_idx *order = xcalloc(nm ? nm : 1, sizeof(*order));
    uint32_t *rank = xcalloc(nm ? nm : 1, sizeof(*rank));
    for (uint32_t i = 0; i < nm; i++)
        if (im->meters.v[i].id)
            order[nk++] = (struct id_idx){ im->meters.v[i].id, i };
    qsort(order, nk, sizeof(*order), cmp_id_idx);
    VEC_RESERVE(&im->ids, nk);
    VEC_RESERVE(&im->by_rank, nk);
    for (uint32_t r = 0; r < nk; r++) {
        rank[order[r].idx] = r;
        im->ids.v[r] = order[r].id;
        im->by_rank.v[r] = order[r].idx;
    }
    im->ids.n = im->by_rank.n = nk;

    size_t w = 0;
    bool sorted = true;
    for (size_t i = 0; i < im->cells.n; i++) {
        struct cell c = im->cells.v[i];
        if (c.meter == NO_METER)
            continue;
        c.meter = rank[c.meter];
        if (w && sorted && cmp_cell(&im->cells.v[w - 1], &c) > 0)
            sorted = false;
        im->cells.v[w++] = c;
    }
    im->cells.n = w;
    if (!sorted)
        qsort(im->cells.v, w, sizeof(*im->cells.v), cmp_cell);
    free(order);
    free(rank);
}

static const struct imeter *meter_of_rank(const struct imp *im, uint32_t rank)
{
    return &im->meters.v[im->by_rank.v[rank]];
}

/* ---- stored rows, in key order, a chunk of meters at a time ---- */

struct cursor {
    struct store_stmt *st;
    size_t next_rank; /* the first rank of the next chunk */
    bool running;     /* st has rows to come */
    bool have;        /* row is a stored meter-day */
    struct stored row;
};

static int decode_stored(struct imp *im, struct store_stmt *st, struct stored *row, struct err *err)
{
    int64_t id = store_col_i64(st, 0);
    size_t lo = 0, hi = im->ids.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (im->ids.v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == im->ids.n || im->ids.v[lo] != id)
        return error(err, ERR_INTERNAL, "stored rows of meter %" PRId64 " were not asked for", id);
    row->rank = (uint32_t)lo;
    struct date d;
    if (date_parse(store_col_text(st, 1), &d, err))
        return ERR_CORRUPT;
    row->day = date_to_days(d);
    if (im->kind == READING_REGISTERS) {
        row->present = 0;
        for (int r = 0; r < REG_N; r++) {
            row->v[r] = 0;
            if (!store_col_null(st, 2 + r)) {
                row->v[r] = store_col_i64(st, 2 + r);
                row->present |= 1u << r;
            }
        }
        row->src = read_source_parse(store_col_text(st, 9));
        return 0;
    }
    size_t len;
    const void *blob = store_col_blob(st, 3, &len);
    row->src = (int)store_col_i64(st, 2);
    row->n = interval_points(row->src);
    return interval_unpack(blob, len, row->n, row->v, err);
}

static int cursor_next(struct imp *im, struct cursor *cur, struct err *err)
{
    for (;;) {
        if (cur->running) {
            int rc = store_step(cur->st, err);
            if (rc == STORE_ROW) {
                cur->have = true;
                rc = decode_stored(im, cur->st, &cur->row, err);
                if (rc)
                    store_reset(cur->st);
                return rc;
            }
            cur->running = false;
            if (rc < 0)
                return rc;
        }
        if (cur->next_rank >= im->ids.n) {
            cur->have = false;
            return 0;
        }
        size_t end = cur->next_rank + EXISTING_CHUNK;
        if (end > im->ids.n)
            end = im->ids.n;
        struct strbuf list = STRBUF_INIT;
        for (size_t r = cur->next_rank; r < end; r++)
            strbuf_addf(&list, "%s%" PRId64, r > cur->next_rank ? "," : "", im->ids.v[r]);
        cur->next_rank = end;
        char from[DATE_BUF_SIZE], to[DATE_BUF_SIZE];
        cur->st =
            store_q(im->c->db, im->kind == READING_REGISTERS ? Q_READ_EXISTING : Q_IV_EXISTING);
        store_bind_text(cur->st, 1, list.buf);
        store_bind_text(cur->st, 2, day_text(im->min_day, from));
        store_bind_text(cur->st, 3, day_text(im->max_day, to));
        strbuf_release(&list);
        cur->running = true;
    }
}

/* ---- merging the file with what is stored ---- */

#define CELL_SKIP 1 /* cell.pad: already stored, or a repeat of an earlier line */

/* A cell's source as the file's source or minutes column wrote it ("manual", "30"). */
static const char *src_value(const struct imp *im, int src, char *buf, size_t size)
{
    if (im->kind == READING_REGISTERS)
        snprintf(buf, size, "%s", read_source_name((enum read_source)src));
    else
        snprintf(buf, size, "%d", src);
    return buf;
}

/* One meter-day of the file: cells[first, end) against the stored row `ex` (or NULL). */
static void merge_group(struct imp *im, size_t first, size_t end, const struct stored *ex)
{
    struct cell *cells = im->cells.v, *c0 = &cells[first];
    const struct imeter *m = meter_of_rank(im, c0->meter);
    char a[40], b[40], vb[ENERGY_BUF_SIZE], cb[16], d[DATE_BUF_SIZE];
    const char *src_col = im->kind == READING_REGISTERS ? "source" : "minutes";
    bool group_bad = false;
    size_t nnew = 0, slot_first = first;

    for (size_t k = first; k < end; k++) {
        struct cell *c = &cells[k];
        if (k > first && c->slot != cells[k - 1].slot)
            slot_first = k;
        if (c->src != c0->src) {
            src_value(im, c->src, a, sizeof(a));
            if (im->kind == READING_REGISTERS)
                bad_row(im, c->line, src_col, a,
                    "meter '%s' %s: source '%s' here but source '%s' on line %u", m->asset_no,
                    day_text(c->day, d), read_source_name((enum read_source)c->src),
                    read_source_name((enum read_source)c0->src), c0->line);
            else
                bad_row(im, c->line, src_col, a,
                    "meter '%s' %s: %d-minute data here but %d-minute data on line %u",
                    m->asset_no, day_text(c->day, d), c->src, c0->src, c0->line);
            group_bad = true;
            continue;
        }
        if (k != slot_first) { /* the same register or point again */
            const struct cell *p = &cells[slot_first];
            c->pad = CELL_SKIP;
            if (c->v == p->v) {
                im->res->r.unchanged++;
                continue;
            }
            format_value(im, c->slot, c->v, a, sizeof(a));
            format_value(im, p->slot, p->v, b, sizeof(b));
            if (im->kind == READING_REGISTERS) {
                struct err e = ERR_INIT;
                error_langs(&e, ERR_INVALID,
                            "meter '%s' read on %s: %s is %s here but %s on line %u",
                            ERR_BOTH(m->asset_no), ERR_BOTH(day_text(c->day, d)),
                            reg_label((enum reg)c->slot, false), reg_label((enum reg)c->slot, true),
                            ERR_BOTH(a), ERR_BOTH(b), p->line);
                bad_err(im, c->line, cell_column(im, c, cb), cell_value(c, vb), &e);
            } else
                bad_row(im, c->line, cell_column(im, c, cb), cell_value(c, vb),
                    "meter '%s' on %s %02d:%02d is %s here but %s on line %u", m->asset_no,
                    day_text(c->day, d), c->slot * c->src / 60, c->slot * c->src % 60, a, b,
                    p->line);
            group_bad = true;
            continue;
        }
        if (ex && ex->src != c->src) {
            src_value(im, c->src, a, sizeof(a));
            if (im->kind == READING_REGISTERS)
                bad_row(im, c->line, src_col, a,
                    "meter '%s' %s is stored with source '%s', not source '%s'", m->asset_no,
                    day_text(c->day, d), read_source_name((enum read_source)ex->src),
                    read_source_name((enum read_source)c->src));
            else
                bad_row(im, c->line, src_col, a,
                    "meter '%s' %s is stored with %d-minute data, not %d-minute data",
                    m->asset_no, day_text(c->day, d), ex->src, c->src);
            group_bad = true;
            continue;
        }
        bool stored = ex && (im->kind == READING_REGISTERS ? (ex->present & (1u << c->slot)) != 0
                                                           : ex->v[c->slot] != INTERVAL_MISSING);
        if (stored) {
            c->pad = CELL_SKIP;
            if (ex->v[c->slot] == c->v) {
                im->res->r.unchanged++;
                continue;
            }
            format_value(im, c->slot, ex->v[c->slot], b, sizeof(b));
            format_value(im, c->slot, c->v, a, sizeof(a));
            if (im->kind == READING_REGISTERS) {
                struct err e = ERR_INIT;
                error_langs(&e, ERR_INVALID,
                            "meter '%s' read on %s: %s is stored as %s, the file says %s",
                            ERR_BOTH(m->asset_no), ERR_BOTH(day_text(c->day, d)),
                            reg_label((enum reg)c->slot, false), reg_label((enum reg)c->slot, true),
                            ERR_BOTH(b), ERR_BOTH(a));
                bad_err(im, c->line, cell_column(im, c, cb), cell_value(c, vb), &e);
            } else
                bad_row(im, c->line, cell_column(im, c, cb), cell_value(c, vb),
                    "meter '%s' on %s %02d:%02d is stored as %s, the file says %s", m->asset_no,
                    day_text(c->day, d), c->slot * c->src / 60, c->slot * c->src % 60, b, a);
            group_bad = true;
            continue;
        }
        nnew++;
    }
    if (group_bad || !nnew)
        return;
    im->res->r.created += (int64_t)nnew;
    struct group_ref g = { (uint32_t)first, (uint32_t)(end - first), UINT32_MAX };
    if (ex) {
        struct stored u = *ex;
        for (size_t k = first; k < end; k++) {
            const struct cell *c = &cells[k];
            if (c->pad == CELL_SKIP)
                continue;
            u.v[c->slot] = c->v;
            u.present |= 1u << (c->slot & 31);
        }
        g.upd = (uint32_t)im->upds.n;
        VEC_PUSH(&im->upds, u);
        im->res->days_merged++;
    } else {
        im->res->days_new++;
    }
    VEC_PUSH(&im->groups, g);
}

static bool same_day(const struct cell *a, const struct cell *b)
{
    return a->meter == b->meter && a->day == b->day;
}

static int merge(struct imp *im, struct err *err)
{
    struct cursor cur = { 0 };
    int rc = cursor_next(im, &cur, err);
    size_t i = 0, n = im->cells.n;
    while (!rc && i < n) {
        const struct cell *c = &im->cells.v[i];
        size_t j = i + 1;
        while (j < n && same_day(c, &im->cells.v[j]))
            j++;
        while (!rc && cur.have &&
               (cur.row.rank < c->meter || (cur.row.rank == c->meter && cur.row.day < c->day)))
            rc = cursor_next(im, &cur, err);
        if (rc)
            break;
        bool hit = cur.have && cur.row.rank == c->meter && cur.row.day == c->day;
        merge_group(im, i, j, hit ? &cur.row : NULL);
        i = j;
    }
    if (cur.running)
        store_reset(cur.st);
    return rc;
}

/* ---- writing ---- */

static void bind_reading(struct store_stmt *st, const int64_t *v, unsigned present)
{
    for (int r = 0; r < REG_N; r++) {
        if (present & (1u << r))
            store_bind_i64(st, 3 + r, v[r]);
        else
            store_bind_null(st, 3 + r);
    }
}

static int write_rows(struct imp *im, int64_t batch, struct err *err)
{
    struct store *db = im->c->db;
    bool regs = im->kind == READING_REGISTERS;
    unsigned char packed[INTERVAL_PACK_MAX];
    char date[DATE_BUF_SIZE];
    int64_t now = ctx_now(im->c);
    int32_t date_day = INT32_MIN;
    int rc = 0;

    /* merges first: no other statement may run during the bulk load */
    for (size_t i = 0; i < im->groups.n && !rc; i++) {
        const struct group_ref *g = &im->groups.v[i];
        if (g->upd == UINT32_MAX)
            continue;
        const struct stored *u = &im->upds.v[g->upd];
        struct store_stmt *st = store_q(db, regs ? Q_READ_MERGE : Q_IV_MERGE);
        store_bind_i64(st, 1, im->ids.v[u->rank]);
        store_bind_text(st, 2, day_text(u->day, date));
        if (regs) {
            bind_reading(st, u->v, u->present);
        } else {
            size_t len = interval_pack(u->v, u->n, packed);
            store_bind_blob(st, 3, packed, len);
        }
        rc = store_exec(st, err);
    }
    if (rc)
        return rc;

    struct store_stmt *st;
    if ((rc = store_bulk_begin(db, regs ? Q_READ_BULK : Q_IV_BULK, &st, err)))
        return rc;
    for (size_t i = 0; i < im->groups.n && !rc; i++) {
        const struct group_ref *g = &im->groups.v[i];
        if (g->upd != UINT32_MAX)
            continue;
        const struct cell *c = &im->cells.v[g->first];
        int64_t v[INTERVAL_MAX_POINTS];
        unsigned present = 0;
        int n = regs ? REG_N : interval_points(c->src);
        for (int k = 0; k < n; k++)
            v[k] = regs ? 0 : INTERVAL_MISSING;
        for (uint32_t k = 0; k < g->n; k++) {
            const struct cell *x = c + k;
            if (x->pad == CELL_SKIP)
                continue;
            v[x->slot] = x->v;
            present |= 1u << (x->slot & 31);
        }
        if (c->day != date_day) {
            day_text(c->day, date);
            date_day = c->day;
        }
        store_bind_i64(st, 1, im->ids.v[c->meter]);
        store_bind_text(st, 2, date);
        if (regs) {
            bind_reading(st, v, present);
            store_bind_text(st, 10, read_source_name((enum read_source)c->src));
            store_bind_text(st, 11, "valid");
            store_bind_i64(st, 12, batch);
            store_bind_i64(st, 13, now);
        } else {
            size_t len = interval_pack(v, n, packed);
            store_bind_i64(st, 3, c->src);
            store_bind_blob(st, 4, packed, len);
            store_bind_i64(st, 5, batch);
            store_bind_i64(st, 6, now);
        }
        rc = store_bulk_add(st, err);
    }
    int end_rc = store_bulk_end(st, rc != 0, NULL, err);
    return rc ? rc : end_rc;
}

/* ---- the import ---- */

static void report_progress(const struct import_opts *o, struct csv_reader *r)
{
    uint64_t done, total;
    if (!o->progress)
        return;
    csv_progress(r, &done, &total);
    o->progress(o->progress_arg, done, total);
}

static void imp_release(struct imp *im)
{
    strmap_release(&im->names);
    VEC_FREE(&im->meters);
    VEC_FREE(&im->stays);
    VEC_FREE(&im->ids);
    VEC_FREE(&im->by_rank);
    VEC_FREE(&im->cells);
    VEC_FREE(&im->bad_lines);
    VEC_FREE(&im->groups);
    VEC_FREE(&im->upds);
}

int reading_import(struct ctx *c, enum reading_kind k, struct csv_reader *r,
                   const struct import_opts *o, int minutes, struct reading_import_result *res,
                   struct err *err)
{
    struct imp im = { .c = c, .kind = k, .res = res, .keep = c->arena };
    struct csv_record *rec;
    int rc;

    memset(res, 0, sizeof(*res));
    im.names = (struct strmap)STRMAP_INIT;
    im.min_day = INT32_MAX;
    im.max_day = INT32_MIN;
    im.last_meter = NO_METER;
    im.minutes = minutes ? minutes : 15;
    if (!interval_points(im.minutes))
        return error(err, ERR_USAGE, "invalid interval length %d: 15, 30 or 60 minutes", minutes);
    if ((rc = csv_read_header(r, err)) || (rc = map_header(&im, r, err)))
        return rc;
    res->format = im.wide ? "wide" : "long";
    im.date_name = k == READING_REGISTERS ? "read_on" : im.wide ? "date" : "ts";

    size_t nheader = csv_header_count(r);
    while ((rc = csv_next(r, &rec, err)) == 1) {
        struct err row_err = ERR_INIT;
        res->r.rows++;
        if (csv_check_fields(rec, nheader, &row_err))
            bad_err(&im, rec->line, NULL, NULL, &row_err);
        else
            parse_row(&im, rec);
        if ((res->r.rows & 65535) == 0)
            report_progress(o, r);
    }
    if (rc < 0)
        goto out;
    report_progress(o, r);
    if (res->r.rows == 0) {
        rc = error(err, ERR_INVALID, "the file has a header but no rows");
        goto out;
    }
    res->values = (int64_t)im.cells.n;

    if ((rc = store_begin(c->db, err)))
        goto out;
    log_debug("%s: %zu values of %zu meters parsed", reading_kind_name(k), im.cells.n, im.meters.n);
    if ((rc = load_meters(&im, err)))
        goto fail;
    check_cells(&im);
    key_order(&im);
    if ((rc = merge(&im, err)))
        goto fail;
    log_debug("%s: merged, %" PRId64 " new and %" PRId64 " merged meter-days", reading_kind_name(k),
              res->days_new, res->days_merged);
    if (res->r.bad_count) {
        qsort(res->r.bad.v, res->r.bad.n, sizeof(*res->r.bad.v), cmp_bad);
        res->r.rows_failed = true;
        rc =
            error(err, ERR_INVALID, "%" PRId64 " of %" PRId64 " rows are bad; nothing was imported",
                  res->r.bad_count, res->r.rows);
        goto fail;
    }
    if (o->dry_run) {
        store_rollback(c->db);
        goto out;
    }
    /* a file of values all stored already writes nothing but its audit row */
    int64_t batch = 0;
    if (im.groups.n) {
        struct store_stmt *st = store_q(c->db, Q_READ_BATCH_INSERT);
        store_bind_text(st, 1, reading_kind_name(k));
        store_bind_text(st, 2, o->source ? o->source : "-");
        store_bind_i64(st, 3, res->r.rows);
        store_bind_i64(st, 4, res->r.created);
        store_bind_text(st, 5, c->actor ? c->actor : "unknown");
        store_bind_i64(st, 6, ctx_now(c));
        if ((rc = store_one(st, err)))
            goto fail;
        batch = store_col_i64(st, 0);
        store_reset(st);
        if ((rc = write_rows(&im, batch, err)))
            goto fail;
    }
    struct audit_rec ar = {
        .action = arena_sprintf(c->arena, "import.%s", reading_kind_name(k)),
        .entity = "import",
        .entity_key = o->source ? o->source : "-",
        .detail = arena_sprintf(c->arena,
                                "batch=%" PRId64 " rows=%" PRId64 " values=%" PRId64 " new=%" PRId64
                                " unchanged=%" PRId64,
                                batch, res->r.rows, res->values, res->r.created, res->r.unchanged),
    };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    res->r.committed = true;
    goto out;
fail:
    store_rollback(c->db);
out:
    imp_release(&im);
    return rc < 0 ? rc : 0;
}
