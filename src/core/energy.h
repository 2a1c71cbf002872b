/*
 * Energy quantities: int64 Wh (watt-hours), so a kWh reading with 3 decimals is exact.
 * Parsing takes kWh strings; printing gives kWh with 2 decimals (display, rounded) or 3
 * (exact). Pure and thread-safe; fallible functions return 0 or ERR_INVALID with the detail in
 * `err` and leave their output untouched on error. Used by reading, billing and reports.
 */
#ifndef PMIS_ENERGY_H
#define PMIS_ENERGY_H

#include "core/common.h"
#include "core/err.h"

#define ENERGY_WH_PER_KWH 1000
/** Big enough for any formatted energy with sign and NUL. */
#define ENERGY_BUF_SIZE 32

/**
 * Parse kWh with at most 3 decimals into Wh: "300" -> 300000, "300.5" -> 300500,
 * "-12.345" -> -12345 (negatives are corrections/refunds). Plain decimals only: grouping
 * commas, spaces, '+', exponents and a 4th decimal are rejected with ERR_INVALID naming the
 * value and the reason; so is anything outside int64 Wh.
 */
int energy_parse_kwh(const char *s, int64_t *wh, struct err *err);

/**
 * Format Wh as kWh with exactly 2 decimals, rounded half-up on the magnitude from Wh
 * (1005 Wh -> "1.01", -1005 -> "-1.01", 1004 -> "1.00"). For display and API replies
 * ("300.00"); bills compute from exact Wh, never from this string. buf: ENERGY_BUF_SIZE.
 */
char *energy_format_kwh(int64_t wh, char *buf);

/** Format Wh as kWh with exactly 3 decimals, exact: 300500 -> "300.500". */
char *energy_format_kwh3(int64_t wh, char *buf);

/** Format Wh as kWh as a file writes it: exact, up to 3 decimals, trailing zeros trimmed
 *  (160000 -> "160", 1500 -> "1.5", -1 -> "-0.001"). buf: ENERGY_BUF_SIZE. */
char *energy_format_kwh_plain(int64_t wh, char *buf);

/** *out = a + b; ERR_INVALID if the sum leaves int64 Wh. */
int energy_add(int64_t a, int64_t b, int64_t *out, struct err *err);
/** *out = a - b; ERR_INVALID if the difference leaves int64 Wh. */
int energy_sub(int64_t a, int64_t b, int64_t *out, struct err *err);
/** Wh × an integer factor, e.g. a meter advance × CT/PT multiplier (倍率). */
int energy_mul(int64_t wh, int64_t factor, int64_t *out, struct err *err);

/**
 * Wh × num / den rounded half-up on the magnitude to whole Wh, computed exactly: splitting
 * a quantity by a share (2/3 peak), dividing by 1.04 for a +4 % meter error (100, 104),
 * pro-rating tier bounds (6, 12). den must be non-zero.
 */
int energy_mul_ratio(int64_t wh, int64_t num, int64_t den, int64_t *out, struct err *err);

#endif
