/*
 * Interval load data (负荷曲线) of one meter and one local day, packed for storage: the codec
 * of meter_interval.points and the sums a bill run needs. Pure and thread-safe.
 *
 * Encoding (version 1): one byte 0x01, then exactly interval_points(minutes) values, each an
 * unsigned LEB128 varint of (Wh + 1), where 0 means a missing point. Point i covers local
 * wall-clock minutes [i x minutes, (i + 1) x minutes) of the day. A 15-minute day of typical
 * household values takes ~200 bytes instead of 768 for fixed-width int64.
 */
#ifndef PMIS_INTERVAL_H
#define PMIS_INTERVAL_H

#include "core/common.h"
#include "core/err.h"

#define INTERVAL_MAX_POINTS 96
#define INTERVAL_MISSING INT64_MIN
/** Room for any packed day: the version byte and 96 ten-byte varints. */
#define INTERVAL_PACK_MAX (1 + INTERVAL_MAX_POINTS * 10)

/** Points in a day of `minutes` intervals: 96, 48 or 24 for 15, 30, 60; 0 for anything else. */
int interval_points(int minutes);

/**
 * Pack `n` points (each >= 0 Wh, or INTERVAL_MISSING) into `out` (INTERVAL_PACK_MAX bytes);
 * returns the length. Negative points other than INTERVAL_MISSING are a caller's bug.
 */
size_t interval_pack(const int64_t *pts, int n, unsigned char *out);

/**
 * Unpack a day of `n` points into pts[0..n). ERR_CORRUPT naming the problem when the blob has
 * another version, fewer or more points, or a truncated varint.
 */
int interval_unpack(const void *blob, size_t len, int n, int64_t *pts, struct err *err);

/**
 * Sum of the present points in slots [first, last) (a TOU window: 08:00-11:00 at 15 minutes is
 * slots 32..44); *missing (may be NULL) gets how many points of the window are missing.
 */
int64_t interval_sum(const int64_t *pts, int first, int last, int *missing);

/**
 * The largest average demand of one interval in W: max point Wh x 60 / minutes (15-minute
 * data: the 15-minute maximum demand of two-part tariffs); 0 when no point is present.
 */
int64_t interval_max_demand_w(const int64_t *pts, int n, int minutes);

#endif
