/*
 * VEE (validation, estimation, editing) of register readings into billable consumption: the
 * pure rules a bill run applies to each meter between two reading dates (manual 3.3, rules
 * §8.2). No I/O: the bill run fetches the readings and calls vee_consume() per meter.
 *
 * Registers are cumulative counters in Wh (varh for reactive; the demand register holds the
 * period's maximum demand in W and is not an advance). Consumption = advance x multiplier.
 */
#ifndef PMIS_VEE_H
#define PMIS_VEE_H

#include "core/common.h"
#include "core/date.h"

/** Meter registers, in the order of the meter_read table's columns. */
enum reg { REG_TOTAL, REG_SHARP, REG_PEAK, REG_FLAT, REG_VALLEY, REG_REACTIVE, REG_DEMAND, REG_N };
/** "total", "sharp", ... as in the register code list; reg_parse returns -1 if unknown. */
const char *reg_name(enum reg r);
int reg_parse(const char *s);
/** The register's name for a message: its code in English, its Chinese name (总, 尖, 峰, 平,
 *  谷, 无功, 需量; from the catalogue) when zh. */
const char *reg_label(enum reg r, bool zh);
/** A meter's comma list of register codes ("total,peak,valley") for a message: `list` itself
 *  in English; in Chinese the names joined by "、" in `buf` (cut to `size`). */
const char *reg_list_label(const char *list, bool zh, char *buf, size_t size);

enum read_source { READ_REMOTE, READ_MANUAL, READ_CUSTOMER, READ_ESTIMATED };
const char *read_source_name(enum read_source s); /* remote manual customer estimated */
int read_source_parse(const char *s);             /* -1 if unknown */

/** One meter's registers on one date. `present` has bit (1 << reg) for each register read. */
struct read_set {
    struct date on;
    unsigned present;
    int64_t v[REG_N];
    enum read_source source;
};

struct vee_meter {
    int digits;         /* integer digits of the register (rollover at 10^digits kWh) */
    int64_t multiplier; /* CT x PT */
};

struct vee_policy {
    int spike_pct;            /* spike when total > avg x spike_pct / 100 (e.g. 300); 0 = off */
    int tou_tolerance_pct_e2; /* TOU registers must sum to total within this share, 0.01 %
                                 units (e.g. 100 = 1 %) ... */
    int64_t tou_tolerance_wh; /* ... or within this many Wh of advance, whichever is larger */
};

/** Flags on a consumption (bit set); several can be set at once. */
enum {
    VEE_NEGATIVE = 1 << 0,     /* an advance is negative and not a plausible rollover: fails */
    VEE_ROLLOVER = 1 << 1,     /* a register wrapped past 10^digits kWh (accepted, flagged) */
    VEE_METER_CHANGE = 1 << 2, /* a meter was replaced inside the window */
    VEE_ZERO = 1 << 3,         /* zero consumption on an active account */
    VEE_SPIKE = 1 << 4,        /* above spike_pct of the recent average */
    VEE_TOU_MISMATCH = 1 << 5, /* TOU registers do not sum to the total within tolerance */
    VEE_ESTIMATED = 1 << 6,    /* no reading: estimated from the previous period (§8.2) */
    VEE_SETTLED = 1 << 7,      /* a real reading settles earlier estimates (subtracted) */
    VEE_NO_BASELINE = 1 << 8,  /* no earlier reading or installation reading: fails */
};
/** Flags that stop a bill from being released without review. */
#define VEE_FAILED (VEE_NEGATIVE | VEE_NO_BASELINE | VEE_TOU_MISMATCH)
/** A short English name per flag, for review reasons: "negative advance", "rollover", ... */
const char *vee_flag_name(unsigned flag);

/**
 * One meter segment of the window: readings `from` and `to` of the same meter (either may be
 * an installation or removal reading). A window with a meter change has two segments.
 */
struct vee_segment {
    const struct vee_meter *meter;
    const struct read_set *from, *to;
};

struct vee_in {
    int nsegments; /* 1, or 2 with a meter replaced in the window; 0 = no reading
                      this period (estimate) */
    struct vee_segment seg[2];
    bool meter_changed;
    bool active;                 /* the account is active (zero consumption is suspicious) */
    int64_t avg_wh;              /* recent average of billed total per period, 0 = unknown */
    const int64_t *last_wh;      /* previous period's billed consumption per register, for an
                                    estimate; NULL = none (then estimate = 0 and VEE_NO_BASELINE) */
    const int64_t *estimated_wh; /* consumption billed on estimates since the last real reading,
                                    per register, to subtract when a real reading settles them;
                                    NULL = none */
    const struct vee_policy *policy;
};

struct vee_out {
    int64_t wh[REG_N]; /* consumption per register x multiplier; demand = max W x multiplier */
    unsigned present;  /* registers with a consumption */
    unsigned flags;
};

/**
 * Apply the rules to `in`; always fills `out` (flags say what is wrong). Pure, thread-safe.
 * - Per segment and energy register read at both ends: advance = to - from, x the segment's
 *   multiplier, summed over the segments. The demand register is the `to` reading x
 *   multiplier (the larger of two segments), never an advance.
 * - A negative advance is a rollover (VEE_ROLLOVER, advance + 10^digits kWh) when both readings
 *   lie in 0 .. 10^digits kWh and the wrapped advance is less than half that range; otherwise
 *   VEE_NEGATIVE and wh[] keeps the negative advance x multiplier for review.
 * - VEE_NO_BASELINE: a segment lacks `from` or `to`, or either lacks the total register.
 * - VEE_TOU_MISMATCH per segment, on the meter's own advances (before the multiplier): the TOU
 *   registers read at both ends must sum to the total within max(|total| x pct_e2 / 10000
 *   rounded down, tou_tolerance_wh); exactly at the tolerance passes.
 * - VEE_ZERO: `active` and a metered total of 0 (before settling estimates).
 * - nsegments == 0: estimate (§8.2): wh[] = last_wh[] (present: total and the non-zero ones),
 *   VEE_ESTIMATED; without last_wh, 0 and VEE_NO_BASELINE too.
 * - estimated_wh with a real reading: wh[r] -= estimated_wh[r] for every energy register
 *   (M4: 400 - 180 = 220), VEE_SETTLED; the result may be negative (a credit) and is not
 *   flagged VEE_NEGATIVE for that.
 * - VEE_SPIKE: spike_pct > 0, avg_wh > 0 and the billed total (after settlement) x 100 >
 *   avg_wh x spike_pct; exactly at the threshold passes.
 */
void vee_consume(const struct vee_in *in, struct vee_out *out);

#endif
