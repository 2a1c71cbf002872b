/*
 * The stored text forms of a bill's inputs and lines (inside the billing modules only):
 *   usage   "period=2025-06;from=2025-05-16;to=2025-06-15;cycle=1;total=300000;...;type=resident"
 *           every field of struct usage, energies in Wh, so a bill can be re-priced exactly
 *           (corrections, tariff simulation) and explained; period, cycle and type are
 *           always written, other fields only when not zero (absent reads as 0 / no date);
 *   parts   "label,unit,qty,price_e8,num,den;..." the products that make one bill line.
 * Writers are allocation-light (they run once per bill in a bill run); readers check every
 * field and fail with ERR_CORRUPT naming it, as a damaged row must never be billed from.
 */
#ifndef PMIS_BILL_TEXT_H
#define PMIS_BILL_TEXT_H

#include "core/strbuf.h"
#include "domain/tariff.h"

/** Append a decimal integer (faster than strbuf_addf on the bill-run path). */
void bill_text_i64(struct strbuf *sb, int64_t v);
/** Append "YYYY-MM-DD" (no printf; an invalid date prints its fields as they are). */
void bill_text_date(struct strbuf *sb, struct date d);

/** Append the usage as "k=v;..." (user_type included). */
void bill_usage_encode(const struct usage *u, struct strbuf *sb);
/** Parse a usage written by bill_usage_encode; user_type points into `arena`. */
int bill_usage_decode(const char *text, struct arena *arena, struct usage *u, struct err *err);

const char *qty_unit_name(enum qty_unit u); /* "Wh" "varh" "W" "VA" "fen" "days" */
const char *line_item_name(enum line_item i); /* "energy" "tier_surcharge" ... */

/** Append the parts of `l`. */
void bill_parts_encode(const struct quote_line *l, struct strbuf *sb);
/** Fill l->parts/nparts from `text`; labels point into `arena`. */
int bill_parts_decode(const char *text, struct arena *arena, struct quote_line *l,
                      struct err *err);

#endif
