/*
 * Exact money: amounts are int64 分 (fen, 0.01 yuan); prices are int64 scaled by 1e8
 * ("price_e8": 0.58886875 yuan/kWh = 58886875). Products are computed exactly in 128 bits and
 * rounded once, ROUND_HALF_UP on the magnitude (0.5 fen goes away from zero for either sign, as
 * in Chinese billing practice: 四舍五入). No floating point anywhere. Every function is pure and
 * thread-safe; fallible ones return 0 or ERR_INVALID (overflow, bad input) with detail in `err`
 * and leave their output untouched on error.
 */
#ifndef PMIS_MONEY_H
#define PMIS_MONEY_H

#include "core/common.h"
#include "core/err.h"

#define MONEY_FEN_PER_YUAN 100
/** Scale of prices: 1 yuan per unit = PRICE_SCALE. */
#define PRICE_SCALE INT64_C(100000000)
#define PRICE_DECIMALS 8
/** Big enough for any formatted amount or price, grouped or not, with sign and NUL. */
#define MONEY_BUF_SIZE 32

/*
 * Scaled decimals, the layer under money, price and energy: a decimal string <-> an int64
 * holding value × 10^scale. Reasons are static lowercase strings for the caller's message.
 */
#define DECIMAL_GROUPING 1u /* accept "1,234.5" (commas between every group of three) */

/**
 * Parse an optionally negative decimal with at most `scale` (0..18) decimals into
 * value × 10^scale. Returns 0, or -1 with *why set to the reason ("empty", "more than 2
 * decimals", "misplaced grouping comma", "out of range", ...). Pure.
 */
int decimal_parse(const char *s, int scale, unsigned flags, int64_t *out, const char **why);

/**
 * Format value / 10^scale with at least `min_decimals` and at most `scale` decimals
 * (trailing zeros beyond min_decimals trimmed); grouped if flags has DECIMAL_GROUPING.
 * buf must hold MONEY_BUF_SIZE bytes; returns buf.
 */
char *decimal_format(int64_t v, int scale, int min_decimals, unsigned flags, char *buf);

/**
 * Parse a yuan amount into fen: "1234.56", "1,234.56", "-12.3", "0.05", "12".
 * Grouping commas are optional but, if used, must separate every group of three digits left
 * of the point ("1,234,567.8"; not "12,34" or "1234,567"). At most 2 decimals; a point must
 * be followed by a digit; a leading '-' only; no spaces. Range INT64_MIN..INT64_MAX fen.
 * Returns 0 or ERR_INVALID with a message naming the value and the reason.
 */
int money_parse(const char *s, int64_t *fen, struct err *err);

/** Format fen as "1234.56" / "-0.05" into buf (MONEY_BUF_SIZE bytes); returns buf. */
char *money_format(int64_t fen, char *buf);

/** Format fen with grouping commas, "1,234,567.89" / "-1,234.00"; returns buf. */
char *money_format_grouped(int64_t fen, char *buf);

/** *out = a + b; ERR_INVALID (naming both amounts) if the sum does not fit in int64 fen. */
int money_add(int64_t a, int64_t b, int64_t *out, struct err *err);
/** *out = a - b; ERR_INVALID if the difference does not fit in int64 fen. */
int money_sub(int64_t a, int64_t b, int64_t *out, struct err *err);
/** *out = amount × an integer count (e.g. 12 months); ERR_INVALID on overflow. */
int money_mul(int64_t fen, int64_t n, int64_t *out, struct err *err);

/**
 * amount × num / den, rounded half-up on the magnitude to whole fen, computed exactly.
 * For rates: late fee 2‰ per day × 6 days = (fen, 12, 1000); +4 % power-factor adjustment =
 * (fen, 4, 100); −0.75 % = (fen, -75, 10000); proration 12/31 days = (fen, 12, 31).
 * den must be non-zero (a zero den is ERR_INVALID); signs of num and den are honoured.
 */
int money_mul_ratio(int64_t fen, int64_t num, int64_t den, int64_t *out, struct err *err);

/**
 * One bill line: quantity × price rounded half-up to fen, once.
 * `qty_milli` is in thousandths of the price's unit: Wh for a yuan/kWh price (also W for
 * yuan/kW demand prices, varh for yuan/kvarh). fen = round(qty_milli/1000 × price_e8/1e8 × 100).
 * E.g. 260000 Wh × 58886875 (0.58886875 yuan/kWh) = 153.106875 yuan -> 15311 fen.
 * Negative quantities or prices (refunds, credits) are allowed. ERR_INVALID on overflow.
 */
int money_line(int64_t energy_wh, int64_t price_e8, int64_t *fen, struct err *err);

/**
 * Exact accumulator for when several products make up ONE line and must be rounded once
 * (money_line rounds each product). The sum is kept in 1e-9 fen; initialise with
 * MONEY_ACC_INIT. Not thread-safe (plain value owned by the caller).
 */
struct money_acc {
    __extension__ __int128 e9; /* exact sum in units of 1e-9 fen */
};
/* clang-format off */
#define MONEY_ACC_INIT { 0 }
/* clang-format on */

/** Add qty_milli × price_e8 exactly; ERR_INVALID if the sum would leave ±2^126. */
int money_acc_add_line(struct money_acc *acc, int64_t qty_milli, int64_t price_e8, struct err *err);
/** Add a whole amount in fen exactly. */
int money_acc_add_fen(struct money_acc *acc, int64_t fen, struct err *err);
/** The sum rounded half-up to fen; ERR_INVALID if it does not fit in int64. */
int money_acc_result(const struct money_acc *acc, int64_t *fen, struct err *err);

/**
 * Parse a price in yuan per unit with up to 8 decimals ("0.58886875", "1.105", "-0.05",
 * "40.8") into price_e8. No grouping commas. ERR_INVALID for a 9th decimal, garbage or
 * overflow, naming the value.
 */
int price_parse(const char *s, int64_t *price_e8, struct err *err);

/** Format a price with trailing zeros trimmed but at least 2 decimals: "0.58886875",
 *  "0.4883", "1.00", "-0.05"; returns buf (MONEY_BUF_SIZE bytes). */
char *price_format(int64_t price_e8, char *buf);

/** price × num / den rounded half-up to the 8th decimal (e.g. peak = flat × 17/10). */
int price_mul_ratio(int64_t price_e8, int64_t num, int64_t den, int64_t *out, struct err *err);

/** Round a price half-up to `decimals` (0..8) decimals, e.g. 1.38125 -> 1.3813 at 4.
 *  ERR_INVALID if decimals is out of range or the result overflows. */
int price_round(int64_t price_e8, int decimals, int64_t *out, struct err *err);

#endif
