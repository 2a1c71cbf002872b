/*
 * Meter readings and interval load data at rest, for the CLI, the API and the bill run.
 *
 * Schema (sql/0004_reading.sql):
 *   meter_read (meter_id, read_on 'YYYY-MM-DD', total, sharp, peak, flat, valley, reactive,
 *               demand, source, status, batch_id, created_at), PRIMARY KEY (meter_id, read_on)
 *     registers: cumulative Wh (varh for reactive), demand = maximum demand in W; NULL = not
 *     read. source remote|manual|customer|estimated; status valid|void.
 *   meter_interval (meter_id, day, minutes 15|30|60, points, batch_id, created_at),
 *     PRIMARY KEY (meter_id, day); points packed by domain/interval.h.
 * Both are WITHOUT ROWID on SQLite: ordered range scans by (meter_id, date) are seeks on the
 * primary key. "The latest reading on or before R and the one before it" for every meter is
 * reading_scan() over the window, or in SQL a descending seek per meter (Q_READ_LATEST).
 * Readings are written only by imports (domain/reading_csv.h).
 */
#ifndef PMIS_READING_H
#define PMIS_READING_H

#include "domain/ctx.h"
#include "domain/interval.h"
#include "domain/vee.h"

/** A stored reading: the registers read on one date, and whether review set it aside. */
struct reading {
    struct read_set rs; /* rs.present: the registers not NULL */
    bool valid;         /* status 'valid' (false: 'void') */
};

typedef int reading_fn(void *arg, int64_t meter_id, const struct reading *r);

/**
 * The readings of meter `asset_no` dated from..to inclusive (NULL: open end), oldest first,
 * each passed to fn (a non-zero return stops and is returned). ERR_NOT_FOUND for an unknown
 * meter. fn may run other queries, but not another reading_list on the same connection.
 */
int reading_list(struct ctx *c, const char *asset_no, const struct date *from,
                 const struct date *to, reading_fn *fn, void *arg, struct err *err);

/**
 * For billing one meter: the latest real reading (source not 'estimated', status 'valid') on
 * or before `on` into *last and the one before it into *prev; *found gets 0, 1 (only *last)
 * or 2. Installation and removal readings are in meter_install_read (domain/meter.h), not
 * here.
 */
int reading_latest(struct ctx *c, int64_t meter_id, struct date on, struct reading *last,
                   struct reading *prev, int *found, struct err *err);

/**
 * Every stored reading (estimated and void ones too: check rs.source and valid) of meters
 * first_meter..last_meter (ids, inclusive) dated from..to, in key order (meter_id, read_on):
 * one ordered range scan for a bill run's batch of meters. fn as for reading_list.
 */
int reading_scan(struct ctx *c, int64_t first_meter, int64_t last_meter, struct date from,
                 struct date to, reading_fn *fn, void *arg, struct err *err);

/** One meter's interval data of one local day; pts[i] is INTERVAL_MISSING where absent. */
struct interval_day {
    struct date day;
    int minutes, n; /* n = interval_points(minutes) */
    int64_t pts[INTERVAL_MAX_POINTS];
};

typedef int interval_fn(void *arg, int64_t meter_id, const struct interval_day *d);

/**
 * The interval days of meter `meter_id` from..to inclusive, oldest first, to fn. ERR_CORRUPT
 * for a stored day that does not decode.
 */
int reading_intervals(struct ctx *c, int64_t meter_id, struct date from, struct date to,
                      interval_fn *fn, void *arg, struct err *err);

#endif
