/*
 * Tariffs (电价) as versioned data, and the pure engine that prices one account-period's usage.
 *
 * A tariff has a code, a category (user type) and versions with effective dates. A version
 * holds the energy charge (flat, time-of-use periods, residential tiers, TOU x tier), the basic
 * charge (两部制: capacity or demand), the power-factor rule and the government funds. The JSON
 * file format is documented in doc/tariff-format.md; everything that differs by province is in
 * that data, only the algorithms are code (rules: ../shared/reference/cn-tariff-rules.md).
 *
 * Loaded tariffs are immutable: tariff_set_load() reads every tariff once for a bill run and
 * any number of threads may then call tariff_quote() on it concurrently.
 *
 * Rounding: a quote is a list of lines; each line's amount is the exact sum of its parts
 * (quantity x price, in 128-bit arithmetic) rounded half-up to fen ONCE (money_acc). The total
 * is the sum of the rounded lines. So "bill total = sum of lines" and "each line rounded once"
 * hold by construction. The time-of-use periods of the energy charge are parts of one line
 * (rules §1.5 R5: 260.4961 -> 260.50, then + 7.00 tier surcharge = 267.50).
 */
#ifndef PMIS_TARIFF_H
#define PMIS_TARIFF_H

#include "core/date.h"
#include "domain/ctx.h"

/** Time-of-use periods, in register order. TOU_DEEP (深谷) has no meter register. */
enum tou_period { TOU_SHARP, TOU_PEAK, TOU_FLAT, TOU_VALLEY, TOU_DEEP, TOU_N };
/** "sharp", "peak", "flat", "valley", "deep" / 尖峰 高峰 平段 低谷 深谷. */
const char *tou_period_name(enum tou_period p);
const char *tou_period_name_zh(enum tou_period p);

struct tariff;     /* one tariff and all its versions; opaque, immutable once loaded */
struct tariff_set; /* every tariff in the database, by code */

/** What is being priced: one account's consumption over one billing window. */
struct usage {
    struct period period; /* billing month: selects seasons, monthly tier bounds, days-in-month */
    struct date from, to; /* consumption window, inclusive; versions split pro rata by its days.
                             Both zero (date_is_valid false) = the calendar month of `period` */
    int cycle_months;     /* 1 monthly, 2 bimonthly (tier bounds = sum of the months' bounds) */
    int supply_days;      /* days with supply in `period` for the basic-charge proration;
                             0 = the whole month */
    int64_t total_wh;     /* active energy, all periods */
    bool has_tou;         /* tou_wh[] holds the split by period (registers or interval data) */
    int64_t tou_wh[TOU_N];
    bool has_reactive;
    int64_t reactive_varh;     /* Q for the power factor */
    int64_t capacity_va;       /* billed capacity (transformer kVA in VA) */
    int64_t demand_w;          /* actual maximum demand in W */
    int64_t contract_demand_w; /* contract (合同) maximum demand in W */
    int64_t ytd_wh;            /* annual tiers: energy billed earlier in the tier year */
    int months_in_year;        /* annual tiers: months of supply in the tier year, 1..12;
                                  0 = 12 (bounds pro-rated by months/12, rules §1.3 R9) */
    int pf_standard;           /* 0 = no adjustment, 80, 85, 90 (the account's standard) */
    const char *user_type;     /* resident, general_ci, large_industry, agriculture: fund
                                  exemptions */
};
/** A usage with everything zero / absent (call before filling it). */
void usage_init(struct usage *u);

/** Units of a line's or part's quantity. */
enum qty_unit {
    QTY_WH,   /* energy, shown as kWh; price yuan/kWh */
    QTY_VARH, /* reactive energy, kvarh */
    QTY_W,    /* demand, kW; price yuan/kW·month */
    QTY_VA,   /* capacity, kVA; price yuan/kVA·month */
    QTY_FEN,  /* a money base (power-factor adjustment); price = the percentage as e8 of 1 */
    QTY_DAYS, /* proration */
};

/** How people read a unit: "kWh", "kvarh", "kW", "kVA", "yuan", "days". */
const char *qty_unit_label(enum qty_unit u);

#define QUOTE_MAX_PARTS 16
#define QUOTE_MAX_LINES 24

/** One product inside a line: qty x price. `label` is static text ("peak", "tier2"). */
struct quote_part {
    const char *label;
    enum qty_unit unit;
    int64_t qty;      /* Wh / varh / W / VA / fen, per unit */
    int64_t price_e8; /* yuan per kWh/kW/kVA, or a ratio x 1e8 for QTY_FEN */
    int64_t num, den; /* extra factor (proration days/month days, 0.9 discount); 1/1 if none */
};

enum line_item {
    LINE_ENERGY,         /* 电度电费 */
    LINE_TIER_SURCHARGE, /* 阶梯加价 (TOU x tier, surcharge method) */
    LINE_BASIC,          /* 基本电费 (容量 / 需量) */
    LINE_BASIC_EXCESS,   /* 超需量基本电费 (over 105 %) */
    LINE_PF_ADJUST,      /* 功率因数调整电费 */
    LINE_FUND,           /* 政府性基金及附加, one line per fund */
};

struct quote_line {
    enum line_item item;
    const char *code;    /* "energy", "tier_surcharge", "basic", "basic_excess",
                            "pf_adjust", or the fund code; static or owned by the tariff */
    const char *name_zh; /* 电度电费 ...; for funds the fund's name */
    const char *rule;    /* static text naming the rule applied: "residential tiers, annual
                            (阶梯)", "1983 power-factor table ((83)水电财字第215号)" */
    char detail[96];     /* the numbers behind `rule` for this line: "pf 0.82 vs 0.90: +4.00 %",
                            "12/31 days", "tier 2 above 2760 kWh"; may be empty */
    struct date version; /* effective_from of the tariff version that produced it */
    int64_t qty;         /* the line's headline quantity in `unit` */
    enum qty_unit unit;
    int64_t price_e8;   /* headline price when the line has one price, else 0 */
    int64_t amount_fen; /* exact sum of the parts, rounded half-up once */
    int nparts;
    struct quote_part parts[QUOTE_MAX_PARTS];
};

struct quote {
    int nlines;
    struct quote_line lines[QUOTE_MAX_LINES];
    int64_t total_fen; /* sum of lines[].amount_fen */
    int64_t energy_wh; /* billed active energy */
    int pf_percent_e2; /* applied adjustment in 0.01 % (400 = +4 %), 0 if none */
    int pf_actual;     /* rounded power factor x 100 (82), 0 if not computed */
};

/**
 * Price `u` under tariff `t`: the versions in force in the window (split pro rata by days),
 * energy, tiers, basic charge, power factor and funds. Pure and thread-safe on an immutable
 * tariff. Errors: ERR_NOT_FOUND when no version is in force for part of the window; ERR_INVALID
 * naming the missing input (a TOU tariff priced from registers without has_tou, a demand
 * tariff without demand_w, ...) or an overflow.
 */
int tariff_quote(const struct tariff *t, const struct usage *u, struct quote *q, struct err *err);

/** The TOU period in force at local `minute` (0..1439) of day `d` (seasons by month; day types
 *  from the tariff's rules), for splitting interval data. TOU_FLAT when the tariff has no
 *  windows. Pure. */
enum tou_period tariff_period_at(const struct tariff *t, struct date d, int minute);
/** Whether the version in force on `d` takes its TOU split from time windows (interval data)
 *  rather than from meter registers. */
bool tariff_uses_windows(const struct tariff *t, struct date d);

const char *tariff_code(const struct tariff *t);
const char *tariff_category(const struct tariff *t);
const char *tariff_name(const struct tariff *t);
/** The tariff's free-text note ("" if none). */
const char *tariff_note(const struct tariff *t);
/** Versions, ascending by effective date; i in 0..tariff_version_count()-1. */
int tariff_version_count(const struct tariff *t);
struct date tariff_version_from(const struct tariff *t, int i);
/** The canonical JSON of version i (keys sorted, compact): what tariff_save stores. */
const char *tariff_version_json(const struct tariff *t, int i);
/** One line per version summarising it for people ("energy TOU (registers): peak 1.105 ..."),
 *  into buf; returns buf. */
char *tariff_version_summary(const struct tariff *t, int i, char *buf, size_t size);
/** The canonical JSON of the whole tariff (code, name, category, note, versions), allocated
 *  with malloc: the caller frees it. */
char *tariff_to_json(const struct tariff *t);

/**
 * Parse and validate a tariff file (doc/tariff-format.md). Every problem is ERR_INVALID naming
 * the tariff, version and item ("tariff 'GZ-RES' version 2024-01-01: TOU windows overlap at
 * 10:00 in months 7-9"). Returns a new tariff owned by the caller (tariff_free).
 */
int tariff_parse_json(const char *text, size_t len, struct tariff **out, struct err *err);
void tariff_free(struct tariff *t);
/**
 * Parse a file holding one tariff object or an array of them; all-or-nothing: on error
 * nothing is returned. Two tariffs with one code is ERR_INVALID. *out is a malloc'ed array of
 * *n tariffs owned by the caller (tariff_free_all).
 */
int tariff_parse_json_all(const char *text, size_t len, struct tariff ***out, size_t *n,
                          struct err *err);
void tariff_free_all(struct tariff **v, size_t n);

/** Store a parsed tariff's versions (new code, or new versions of an existing code; an
 *  identical version again is a no-op, a changed one is ERR_CONFLICT naming it; a different
 *  name or category for a stored code is ERR_CONFLICT too). One transaction, nested in the
 *  caller's; one audit row per new version ("tariff.version.add"). `source` (file name or
 *  NULL) goes into the audit detail. *added (may be NULL) gets the number of new versions. */
int tariff_save(struct ctx *c, const struct tariff *t, const char *source, int *added,
                struct err *err);

/** Load every tariff from the database; the set owns them (tariff_set_free). */
int tariff_set_load(struct ctx *c, struct tariff_set **out, struct err *err);
/** The tariff with `code`, or NULL (binary search). */
const struct tariff *tariff_set_find(const struct tariff_set *s, const char *code);
/** Number of tariffs and the i-th, ascending by code. */
size_t tariff_set_count(const struct tariff_set *s);
const struct tariff *tariff_set_at(const struct tariff_set *s, size_t i);
/** Load one tariff by code from the database: ERR_NOT_FOUND "unknown tariff 'X'". */
int tariff_load(struct ctx *c, const char *code, struct tariff **out, struct err *err);
void tariff_set_free(struct tariff_set *s);

/** Render a line's arithmetic for people: "180.000 kWh × 0.4883 + 120.000 kWh × 0.5383 =
 *  152.49". Into buf (at least 512 bytes); returns buf. */
char *quote_line_arith(const struct quote_line *l, char *buf, size_t size);

#endif
