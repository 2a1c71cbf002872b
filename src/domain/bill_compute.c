/*
 * One account's draft bill (bill_int.h: bill_compute): the meters' readings through VEE, the
 * TOU split from interval data where the tariff uses time windows, the usage priced by the
 * tariff, and the review rules.
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

/* ---- one account ---- */

/* Consumption of the previous bills: last_wh = the latest bill's, est_wh = the sum of the
 * estimated bills since the last real reading. */
static int prev_bills(struct ctx *c, const struct bill_acct *a, struct period p, int64_t *last_wh,
                      bool *have_last, int64_t *est_wh, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_PREV);
    int ret, n = 0;
    *have_last = false;
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, period_format(p, pb));
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct usage u;
        unsigned flags = (unsigned)store_col_i64(st, 2);
        struct err e2 = ERR_INIT;
        if (bill_usage_decode(store_col_text(st, 1), c->arena, &u, &e2))
            break;
        int64_t wh[REG_N] = { u.total_wh,
                              u.tou_wh[TOU_SHARP],
                              u.tou_wh[TOU_PEAK],
                              u.tou_wh[TOU_FLAT],
                              u.tou_wh[TOU_VALLEY],
                              u.reactive_varh,
                              0 };
        if (!n++) {
            memcpy(last_wh, wh, sizeof(wh));
            *have_last = true;
        }
        if (!(flags & VEE_ESTIMATED))
            break;
        for (int r = 0; r < REG_N; r++)
            est_wh[r] += wh[r];
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

static void add_reasons(struct strbuf *sb, unsigned flags, unsigned mask)
{
    for (unsigned f = 1; f && f <= VEE_NO_BASELINE; f <<= 1)
        if (flags & mask & f) {
            if (sb->len)
                strbuf_addstr(sb, "; ");
            strbuf_addstr(sb, vee_flag_name(f));
        }
}

/* "M4 x2000 2025-05-15 (remote) -> 2025-06-15 (remote): total 1050.000-1100.000 ..." */
static void reads_line(struct strbuf *sb, const struct bill_stay *s, const struct read_set *from,
                       const struct read_set *to)
{
    char e[ENERGY_BUF_SIZE];
    strbuf_addstr(sb, s->asset_no);
    strbuf_addstr(sb, " x");
    bill_text_i64(sb, s->meter.multiplier);
    strbuf_addch(sb, ' ');
    bill_text_date(sb, from->on);
    strbuf_addstr(sb, " (");
    strbuf_addstr(sb, read_source_name(from->source));
    strbuf_addstr(sb, ") -> ");
    bill_text_date(sb, to->on);
    strbuf_addstr(sb, " (");
    strbuf_addstr(sb, read_source_name(to->source));
    strbuf_addstr(sb, "):");
    for (int r = 0; r < REG_N; r++) {
        if (!(to->present & (1u << r)))
            continue;
        strbuf_addch(sb, ' ');
        strbuf_addstr(sb, reg_name(r));
        strbuf_addch(sb, ' ');
        if (r != REG_DEMAND && (from->present & (1u << r))) {
            strbuf_addstr(sb, energy_format_kwh3(from->v[r], e));
            strbuf_addch(sb, '-');
        }
        strbuf_addstr(sb, energy_format_kwh3(to->v[r], e));
    }
    strbuf_addch(sb, '\n');
}

/*
 * VEE for one service point's stays (at most the last two that touch the window): fills `vin`
 * segments and the reads text. Returns 0, or a negative ERR_* for a database failure.
 */
static int sp_inputs(struct ctx *c, const struct bill_page *pg, const struct bill_stay *st, int n,
                     struct date rp, struct date r, struct read_set rs[4], struct vee_in *vin,
                     struct strbuf *rt, bool *missing, struct err *err)
{
    bool f1, f2;
    int ret;
    *missing = false;
    vin->nsegments = 0;
    vin->meter_changed = false;
    if (n >= 2) {
        const struct bill_stay *o = &st[n - 2], *nw = &st[n - 1];
        /* old meter: its baseline to its removal; new meter: installation to latest read */
        if ((ret = bill_last_read(c, pg, o, o->installed_on, rp, &rs[0], &f1, err)))
            return ret;
        if (!f1 && (ret = bill_install_reads(c, o, "install", o->installed_on, &rs[0], &f1, err)))
            return ret;
        if ((ret = bill_install_reads(c, o, "remove", o->removed_on, &rs[1], &f2, err)))
            return ret;
        if (!f1) {
            /* nothing to measure the old meter from: VEE says so (no baseline) */
            vin->nsegments = 1;
            vin->seg[0] = (struct vee_segment){ &o->meter, NULL, NULL };
            return 0;
        }
        if (!f2) {
            rs[1] = rs[0]; /* removal without readings: nothing measured on the old meter */
            rs[1].on = o->removed_on;
        }
        if ((ret = bill_install_reads(c, nw, "install", nw->installed_on, &rs[2], &f1, err)))
            return ret;
        if ((ret = bill_last_read(c, pg, nw, nw->installed_on, r, &rs[3], &f2, err)))
            return ret;
        if (!f2)
            rs[3] = rs[2]; /* no reading of the new meter yet: nothing measured on it */
        vin->nsegments = 2;
        vin->meter_changed = true;
        vin->seg[0] = (struct vee_segment){ &o->meter, &rs[0], &rs[1] };
        vin->seg[1] = (struct vee_segment){ &nw->meter, &rs[2], &rs[3] };
        reads_line(rt, o, &rs[0], &rs[1]);
        reads_line(rt, nw, &rs[2], &rs[3]);
        return 0;
    }
    const struct bill_stay *s = &st[0];
    struct date hi = r;
    if (date_is_valid(s->removed_on) && date_cmp(s->removed_on, hi) < 0)
        hi = s->removed_on;
    if ((ret = bill_last_read(c, pg, s, s->installed_on, rp, &rs[0], &f1, err)))
        return ret;
    if (!f1 && (ret = bill_install_reads(c, s, "install", s->installed_on, &rs[0], &f1, err)))
        return ret;
    if (!f1) {
        /* nothing to measure from: VEE says so (no baseline) */
        vin->nsegments = 1;
        vin->seg[0] = (struct vee_segment){ &s->meter, NULL, NULL };
        return 0;
    }
    if ((ret = bill_last_read(c, pg, s, date_add_days(rs[0].on, 1), hi, &rs[1], &f2, err)))
        return ret;
    if (!f2 && date_is_valid(s->removed_on) && date_cmp(s->removed_on, r) <= 0 &&
        (ret = bill_install_reads(c, s, "remove", s->removed_on, &rs[1], &f2, err)))
        return ret;
    if (!f2) {
        *missing = true;
        return 0;
    }
    vin->nsegments = 1;
    vin->seg[0] = (struct vee_segment){ &s->meter, &rs[0], &rs[1] };
    reads_line(rt, s, &rs[0], &rs[1]);
    return 0;
}

/* ---- time-of-use windows and demand from interval data ---- */

/* A meter's real reading window (from, to]: its interval days are from + 1 .. to. */
struct iv_seg {
    int64_t meter_id, multiplier;
    struct date from, to;
    const char *asset_no;
};

struct iv_scan {
    const struct tariff *t; /* NULL: demand only */
    struct date lo, hi;
    int64_t sum[TOU_N]; /* meter-side Wh per period */
    int64_t max_w;      /* meter-side W */
    int days, missing;  /* days found, missing points in them */
};

static int iv_day(void *arg, int64_t meter_id, const struct interval_day *d)
{
    struct iv_scan *sc = arg;
    UNUSED(meter_id);
    if (date_cmp(d->day, sc->lo) < 0 || date_cmp(d->day, sc->hi) > 0)
        return 0;
    sc->days++;
    for (int i = 0; i < d->n; i++) {
        if (d->pts[i] == INTERVAL_MISSING) {
            sc->missing++;
        } else if (sc->t) {
            enum tou_period p = tariff_period_at(sc->t, d->day, i * d->minutes);
            sc->sum[p] += d->pts[i];
        }
    }
    int64_t w = interval_max_demand_w(d->pts, d->n, d->minutes);
    if (w > sc->max_w)
        sc->max_w = w;
    return 0;
}

/* The interval totals of every segment, x the multiplier (interval values are meter-side, like
 * register readings: bill.h): tou[] per period (with t), *max_w the largest interval demand
 * (the larger over meters, as for demand registers), *complete whether every day of every
 * window has all its points. */
static int iv_collect(struct ctx *c, const struct tariff *t, const struct iv_seg *segs, int n,
                      struct strbuf *rt, int64_t tou[TOU_N], int64_t *max_w, bool *complete,
                      struct err *err)
{
    char e[ENERGY_BUF_SIZE];
    int ret;
    *complete = true;
    *max_w = 0;
    for (int p = 0; p < TOU_N; p++)
        tou[p] = 0;
    for (int k = 0; k < n; k++) {
        struct iv_scan sc;
        memset(&sc, 0, sizeof(sc));
        sc.t = t;
        sc.lo = date_add_days(segs[k].from, 1);
        sc.hi = segs[k].to;
        int want = date_cmp(sc.lo, sc.hi) <= 0 ? date_diff_days(sc.lo, sc.hi) + 1 : 0;
        if (want && (ret = reading_intervals(c, segs[k].meter_id, sc.lo, sc.hi, iv_day, &sc, err)))
            return ret;
        if (sc.days < want || sc.missing)
            *complete = false;
        int64_t w = sc.max_w * segs[k].multiplier;
        if (w > *max_w)
            *max_w = w;
        strbuf_addstr(rt, segs[k].asset_no);
        strbuf_addstr(rt, " interval data: ");
        bill_text_i64(rt, sc.days);
        strbuf_addch(rt, '/');
        bill_text_i64(rt, want);
        strbuf_addstr(rt, " days");
        if (sc.missing) {
            strbuf_addstr(rt, ", ");
            bill_text_i64(rt, sc.missing);
            strbuf_addstr(rt, " points missing");
        }
        for (int p = 0; t && p < TOU_N; p++) {
            if (!sc.sum[p])
                continue;
            tou[p] += sc.sum[p] * segs[k].multiplier;
            strbuf_addch(rt, ' ');
            strbuf_addstr(rt, tou_period_name((enum tou_period)p));
            strbuf_addch(rt, ' ');
            strbuf_addstr(rt, energy_format_kwh3(sc.sum[p], e));
        }
        if (sc.max_w) {
            strbuf_addstr(rt, " max demand ");
            strbuf_addstr(rt, energy_format_kwh3(sc.max_w, e));
            strbuf_addstr(rt, " kW");
        }
        strbuf_addch(rt, '\n');
    }
    return 0;
}

/*
 * Split the account's metered total by time-of-use window (bill.h): the intervals' energy per
 * period, less what estimates already billed of each period, and the rest of the register
 * advance (missing data, rounding) in the flat period. Incomplete data, or complete data that
 * miss the advance by more than the VEE tolerance, send the bill to review.
 */
static int iv_split(struct ctx *c, const struct tariff *t, const struct iv_seg *segs, int n,
                    const int64_t *est_wh, const struct vee_policy *vp, struct usage *u,
                    struct bill_draft *d, int64_t *max_w, struct err *err)
{
    static const enum reg reg_of[TOU_N] = { REG_SHARP, REG_PEAK, REG_FLAT, REG_VALLEY, REG_N };
    char e1[ENERGY_BUF_SIZE];
    int64_t tou[TOU_N], sum = 0;
    bool complete;
    int ret;

    if ((ret = iv_collect(c, t, segs, n, &d->reads, tou, max_w, &complete, err)))
        return ret;
    for (int p = 0; p < TOU_N; p++) {
        if (est_wh && reg_of[p] != REG_N)
            tou[p] -= est_wh[reg_of[p]];
        sum += tou[p];
    }
    int64_t rest = u->total_wh - sum;
    u->has_tou = true;
    memcpy(u->tou_wh, tou, sizeof(tou));
    u->tou_wh[TOU_FLAT] += rest;
    if (rest) {
        strbuf_addstr(&d->reads, "register advance less interval data: ");
        strbuf_addstr(&d->reads, energy_format_kwh3(rest, e1));
        strbuf_addstr(&d->reads, " kWh billed as flat\n");
    }
    int64_t mag = rest < 0 ? -rest : rest, abs_total = u->total_wh < 0 ? -u->total_wh : u->total_wh;
    int64_t tol = abs_total * vp->tou_tolerance_pct_e2 / 10000;
    if (tol < vp->tou_tolerance_wh)
        tol = vp->tou_tolerance_wh;
    const char *why = !complete   ? "interval data incomplete"
                      : mag > tol ? "interval data do not match the register advance"
                                  : NULL;
    if (why) {
        if (d->reason.len)
            strbuf_addstr(&d->reason, "; ");
        strbuf_addstr(&d->reason, why);
    }
    return 0;
}

int bill_compute(struct ctx *c, const struct bill_env *env, const struct bill_page *pg,
                 const struct bill_acct *a, struct bill_draft *d, struct err *err)
{
    const struct bill_stay *stays = a->nstays ? &pg->stays.v[a->first_stay] : NULL;
    struct period p = env->period;
    struct date r = bill_read_date(p, a->cycle_day),
                rp = bill_read_date(period_prev(p), a->cycle_day);
    struct date win_from = { 0, 0, 0 }, win_to = { 0, 0, 0 };
    char pb[DATE_BUF_SIZE];
    struct vee_out total;
    struct vee_policy vp = { env->policy->spike_pct, 100, 1000 };
    int64_t last_wh[REG_N] = { 0 }, est_wh[REG_N] = { 0 };
    bool have_prev = false, prev_loaded = false, any_meter = false, any_missing = false;
    struct iv_seg segs[16];
    int nsegs = 0;
    /* 12-month history: average, year-to-date, whether last period was estimated */
    int64_t n12 = a->hist.n12, sum_wh = a->hist.sum_wh, sum_fen = a->hist.sum_fen;
    int64_t ytd = a->hist.ytd_wh;
    bool prev_estimated = a->hist.prev_estimated;
    int ret;

    memset(&total, 0, sizeof(total));
    strbuf_reset(&d->reads);
    strbuf_reset(&d->usage);
    strbuf_reset(&d->reason);
    d->status = "draft";
    d->vee_flags = 0;
    d->quoted = false;
    d->read_from = d->read_to = (struct date){ 0, 0, 0 };

    /* service points: group the stays that touch (rp, r] */
    for (int i = 0; i < a->nstays;) {
        int j = i, n = 0;
        const struct bill_stay *grp[8];
        while (j < a->nstays && stays[j].sp_id == stays[i].sp_id) {
            const struct bill_stay *s = &stays[j++];
            if (date_cmp(s->installed_on, r) > 0)
                continue;
            if (date_is_valid(s->removed_on) && date_cmp(s->removed_on, rp) <= 0)
                continue;
            if (n < 8)
                grp[n++] = s;
        }
        i = j;
        if (!n)
            continue;
        any_meter = true;
        struct bill_stay two[2];
        int m = n >= 2 ? 2 : 1;
        for (int k = 0; k < m; k++)
            two[k] = *grp[n - m + k];
        struct read_set rs[4];
        struct vee_in vin;
        struct vee_out out;
        bool missing;
        memset(&vin, 0, sizeof(vin));
        if ((ret = sp_inputs(c, pg, two, m, rp, r, rs, &vin, &d->reads, &missing, err)))
            return ret;
        if (missing)
            any_missing = true;
        for (int k = 0; k < vin.nsegments && nsegs < (int)ARRAY_SIZE(segs); k++) {
            const struct bill_stay *ms = grp[n - m + (vin.nsegments == 2 ? k : m - 1)];
            if (!vin.seg[k].from || !vin.seg[k].to)
                continue;
            segs[nsegs++] = (struct iv_seg){ ms->meter_id, ms->meter.multiplier,
                                             vin.seg[k].from->on, vin.seg[k].to->on, ms->asset_no };
        }
        if ((missing || prev_estimated) && !prev_loaded) {
            if ((ret = prev_bills(c, a, p, last_wh, &have_prev, est_wh, err)))
                return ret;
            prev_loaded = true;
        }
        vin.active = true;
        vin.avg_wh = n12 ? sum_wh / n12 : 0;
        vin.last_wh = have_prev ? last_wh : NULL;
        vin.estimated_wh = prev_estimated && !missing ? est_wh : NULL;
        vin.policy = &vp;
        if (missing) {
            vin.nsegments = 0;
            strbuf_addf(&d->reads, "%s: no reading up to %s, estimated from the previous bill\n",
                        two[m - 1].asset_no, bill_fmt_date(r, pb));
        }
        vee_consume(&vin, &out);
        for (int reg = 0; reg < REG_N; reg++)
            if (out.present & (1u << reg)) {
                if (reg == REG_DEMAND)
                    total.wh[reg] = total.wh[reg] > out.wh[reg] ? total.wh[reg] : out.wh[reg];
                else
                    total.wh[reg] += out.wh[reg];
            }
        total.present |= out.present;
        total.flags |= out.flags;
        if (vin.nsegments) {
            const struct vee_segment *f = &vin.seg[0], *t = &vin.seg[vin.nsegments - 1];
            if (f->from && (!date_is_valid(win_from) || date_cmp(f->from->on, win_from) < 0))
                win_from = f->from->on;
            if (t->to && (!date_is_valid(win_to) || date_cmp(t->to->on, win_to) > 0))
                win_to = t->to->on;
        }
    }
    if (!any_meter) {
        total.flags |= VEE_NO_BASELINE;
        strbuf_addstr(&d->reads, "no meter installed in the reading window\n");
    }
    d->vee_flags = total.flags;

    /* the usage the tariff prices */
    struct usage *u = &d->u;
    usage_init(u);
    u->period = p;
    if (date_is_valid(win_from) && date_is_valid(win_to) && date_cmp(win_from, win_to) < 0) {
        u->from = date_add_days(win_from, 1);
        u->to = win_to;
    } else {
        u->from = date_add_days(rp, 1);
        u->to = r;
    }
    d->read_from = u->from;
    d->read_to = u->to;
    u->cycle_months = 1;
    struct date first = period_first_day(p), last = period_last_day(p);
    struct date sfrom = first, sto = last;
    if (date_is_valid(a->opened_on) && date_cmp(a->opened_on, first) > 0)
        sfrom = a->opened_on;
    if (date_is_valid(a->closed_on) && date_cmp(a->closed_on, last) < 0)
        sto = a->closed_on;
    if (date_cmp(sfrom, first) || date_cmp(sto, last))
        u->supply_days = date_cmp(sto, sfrom) < 0 ? 0 : date_diff_days(sfrom, sto) + 1;
    if (!u->supply_days && (date_cmp(sfrom, first) || date_cmp(sto, last)))
        u->supply_days = 0;
    u->total_wh = total.wh[REG_TOTAL];
    /* a tariff with time-of-use windows splits real readings' energy by interval data, not by
     * the meter's period registers; estimates keep the estimated split */
    const struct tariff *t = tariff_set_find(env->tariffs, a->tariff_code);
    bool real = nsegs > 0 && !any_missing && !(d->vee_flags & VEE_NO_BASELINE);
    bool windows = t && real && (tariff_uses_windows(t, u->from) || tariff_uses_windows(t, u->to));
    unsigned tou_mask =
        (1u << REG_SHARP) | (1u << REG_PEAK) | (1u << REG_FLAT) | (1u << REG_VALLEY);
    if (!windows && (total.present & tou_mask)) {
        u->has_tou = true;
        u->tou_wh[TOU_SHARP] = total.wh[REG_SHARP];
        u->tou_wh[TOU_PEAK] = total.wh[REG_PEAK];
        u->tou_wh[TOU_FLAT] = total.wh[REG_FLAT];
        u->tou_wh[TOU_VALLEY] = total.wh[REG_VALLEY];
        int64_t sum = 0;
        for (int i = 0; i < TOU_N; i++)
            sum += u->tou_wh[i];
        if (sum != u->total_wh) {
            /* the period registers are what is billed; VEE has already judged the gap
             * against the tolerance (beyond it the bill is in review) */
            char e1[ENERGY_BUF_SIZE], e2[ENERGY_BUF_SIZE];
            strbuf_addf(&d->reads,
                        "total register %s kWh, period registers %s kWh: billed the"
                        " period registers\n",
                        energy_format_kwh3(u->total_wh, e1), energy_format_kwh3(sum, e2));
            u->total_wh = sum;
        }
    }
    if (total.present & (1u << REG_REACTIVE)) {
        u->has_reactive = true;
        u->reactive_varh = total.wh[REG_REACTIVE];
    }
    u->capacity_va = a->capacity_va;
    u->demand_w = total.wh[REG_DEMAND];
    u->contract_demand_w = a->demand_w;
    u->ytd_wh = ytd;
    u->months_in_year =
        date_is_valid(a->opened_on) && a->opened_on.y == p.y ? 12 - a->opened_on.m + 1 : 12;
    u->pf_standard = a->pf_standard;
    u->user_type = a->user_type;

    /* price it: with time-of-use windows the split comes from interval data (bill.h) */
    struct err qe = ERR_INIT;
    int64_t iv_max_w = -1; /* -1: intervals not read */
    if (windows && (ret = iv_split(c, t, segs, nsegs, prev_estimated && prev_loaded ? est_wh : NULL,
                                   &vp, u, d, &iv_max_w, err)))
        return ret;
    if (!t) {
        strbuf_addf(&d->reason, "tariff '%s' not found", a->tariff_code);
    } else if (tariff_quote(t, u, &d->q, &qe)) {
        /* a demand tariff and no demand register: the largest interval demand */
        bool retried = false;
        if (qe.code == ERR_INVALID && real && u->demand_w <= 0 &&
            !(total.present & (1u << REG_DEMAND))) {
            bool complete;
            int64_t tou[TOU_N];
            if (iv_max_w < 0 &&
                (ret = iv_collect(c, NULL, segs, nsegs, &d->reads, tou, &iv_max_w, &complete, err)))
                return ret;
            if (iv_max_w > 0) {
                u->demand_w = iv_max_w;
                qe = (struct err)ERR_INIT;
                retried = !tariff_quote(t, u, &d->q, &qe);
            }
        }
        if (retried) {
            d->quoted = true;
        } else {
            if (d->reason.len)
                strbuf_addstr(&d->reason, "; ");
            strbuf_addf(&d->reason, "cannot price: %s", qe.msg);
        }
    } else {
        d->quoted = true;
    }
    bill_usage_encode(u, &d->usage);
    if (!d->quoted) {
        d->q.nlines = 0;
        d->q.total_fen = 0;
        d->q.energy_wh = u->total_wh;
        d->status = "review";
        d->failed = true;
    } else {
        d->failed = false;
    }

    /* review rules */
    add_reasons(&d->reason, d->vee_flags,
                VEE_FAILED | VEE_ESTIMATED | VEE_SPIKE | VEE_ZERO | VEE_ROLLOVER);
    if (d->quoted) {
        if (d->q.total_fen < 0)
            strbuf_addstr(&d->reason, d->reason.len ? "; negative bill" : "negative bill");
        else if (d->q.total_fen == 0 && !(d->vee_flags & VEE_ZERO))
            strbuf_addstr(&d->reason, d->reason.len ? "; zero bill" : "zero bill");
        if (env->policy->review_multiple_pct && n12 >= 3 && sum_fen > 0) {
            /* total > avg x pct/100  <=>  total x n x 100 > sum x pct (exact) */
            __extension__ __int128 lhs = (__int128)d->q.total_fen * n12 * 100;
            __extension__ __int128 rhs = (__int128)sum_fen * env->policy->review_multiple_pct;
            if (lhs > rhs) {
                char m1[MONEY_BUF_SIZE];
                if (d->reason.len)
                    strbuf_addstr(&d->reason, "; ");
                strbuf_addf(&d->reason, "above %d.%02dx the %" PRId64 "-bill average of %s",
                            env->policy->review_multiple_pct / 100,
                            env->policy->review_multiple_pct % 100, n12,
                            money_format(sum_fen / n12, m1));
            }
        }
    }
    if (d->reason.len)
        d->status = "review";
    return 0;
}
