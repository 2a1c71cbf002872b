/*
 * The bill run (bill.h): accounts a page at a time in id order, their meter stays in one query
 * per page, two indexed reading lookups per meter, VEE, the tariff engine, and the drafts
 * written with the run's cursor in one transaction per page.
 */
#include "domain/bill.h"

#include "core/energy.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "domain/audit.h"
#include "domain/bill_int.h"
#include "domain/bill_text.h"
#include "domain/vee.h"

void bill_policy_default(struct bill_policy *p)
{
    p->review_multiple_pct = 300;
    p->spike_pct = 300;
    p->due_days = 15;
    p->batch = 1000;
}

static struct date date_or_none(const char *s)
{
    struct date d = { 0, 0, 0 };
    struct err e = ERR_INIT;
    if (s && *s && date_parse(s, &d, &e))
        d = (struct date){ 0, 0, 0 };
    return d;
}

/* The reading date R(P) of an account with reading day `day` (1..28). */
static struct date read_date(struct period p, int day)
{
    struct date d = period_first_day(p);
    d.d = day >= 1 && day <= 28 ? day : 1;
    return d;
}

/* ---- loading a page ---- */

static void acct_from_row(struct store_stmt *st, struct bill_acct *a)
{
    memset(a, 0, sizeof(*a));
    a->id = store_col_i64(st, 0);
    snprintf(a->account_no, sizeof(a->account_no), "%s", store_col_text(st, 1));
    snprintf(a->tariff_code, sizeof(a->tariff_code), "%s", store_col_text(st, 2));
    a->capacity_va = store_col_i64(st, 3);
    a->demand_w = store_col_i64(st, 4);
    a->pf_standard = (int)store_col_i64(st, 5);
    a->cycle_day = (int)store_col_i64(st, 6);
    a->opened_on = date_or_none(store_col_text(st, 7));
    a->closed_on = date_or_none(store_col_null(st, 8) ? NULL : store_col_text(st, 8));
    snprintf(a->user_type, sizeof(a->user_type), "%s", store_col_text(st, 9));
}

static void stay_from_row(struct store_stmt *st, struct bill_stay *s)
{
    memset(s, 0, sizeof(*s));
    s->sp_id = store_col_i64(st, 1);
    s->install_id = store_col_i64(st, 2);
    s->meter_id = store_col_i64(st, 3);
    snprintf(s->asset_no, sizeof(s->asset_no), "%s", store_col_text(st, 4));
    s->meter.multiplier = store_col_i64(st, 5);
    s->meter.digits = (int)store_col_i64(st, 6);
    s->installed_on = date_or_none(store_col_text(st, 7));
    s->removed_on = date_or_none(store_col_null(st, 8) ? NULL : store_col_text(st, 8));
}

/* Load the stays of accounts page[0..n) (sorted by id) and attach them. */
int bill_load_stays(struct ctx *c, struct bill_page *pg, struct period p, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_STAYS);
    size_t ai = 0;
    int ret;

    VEC_CLEAR(&pg->stays);
    if (!pg->accts.n)
        return 0;
    store_bind_i64(st, 1, pg->accts.v[0].id);
    store_bind_i64(st, 2, pg->accts.v[pg->accts.n - 1].id);
    store_bind_text(st, 3, date_format(period_last_day(p), hi));
    store_bind_text(st, 4, date_format(period_first_day(period_prev(p)), lo));
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_stay s;
        stay_from_row(st, &s);
        s.account_id = store_col_i64(st, 0);
        VEC_PUSH(&pg->stays, s);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    /* attach: both sorted by account id */
    for (size_t i = 0; i < pg->accts.n; i++)
        pg->accts.v[i].nstays = 0;
    for (size_t i = 0; i < pg->stays.n; i++) {
        while (ai < pg->accts.n && pg->accts.v[ai].id < pg->stays.v[i].account_id)
            ai++;
        if (ai == pg->accts.n)
            break;
        if (pg->accts.v[ai].id == pg->stays.v[i].account_id) {
            if (!pg->accts.v[ai].nstays)
                pg->accts.v[ai].first_stay = i;
            pg->accts.v[ai].nstays++;
        }
    }
    return 0;
}

/* ---- readings ---- */

static const struct {
    enum reg reg;
    const char *name;
} install_regs[] = {
    { REG_TOTAL, "total" },   { REG_SHARP, "sharp" },       { REG_PEAK, "peak" },
    { REG_FLAT, "flat" },     { REG_VALLEY, "valley" },     { REG_REACTIVE, "reactive" },
    { REG_DEMAND, "demand" },
};

/* The installation ("install") or removal ("remove") readings of a stay. */
static int install_reads(struct ctx *c, const struct bill_stay *s, const char *event,
                         struct date on, struct read_set *out, bool *found, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_INSTALL_READS);
    int ret;
    memset(out, 0, sizeof(*out));
    out->on = on;
    out->source = READ_MANUAL;
    *found = false;
    store_bind_i64(st, 1, s->install_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        const char *ev = store_col_text(st, 0), *reg = store_col_text(st, 1);
        if (strcmp(ev, event))
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(install_regs); i++)
            if (!strcmp(reg, install_regs[i].name)) {
                out->v[install_regs[i].reg] = store_col_i64(st, 2);
                out->present |= 1u << install_regs[i].reg;
                *found = true;
            }
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* The latest real reading of the stay's meter dated in [lo, hi]. */
static int last_read(struct ctx *c, const struct bill_stay *s, struct date lo, struct date hi,
                     struct read_set *out, bool *found, struct err *err)
{
    char a[DATE_BUF_SIZE], b[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_READ_LAST);
    int ret;
    *found = false;
    if (date_cmp(lo, hi) > 0)
        return 0;
    store_bind_i64(st, 1, s->meter_id);
    store_bind_text(st, 2, date_format(hi, a));
    store_bind_text(st, 3, date_format(lo, b));
    ret = store_step(st, err);
    if (ret == STORE_ROW) {
        memset(out, 0, sizeof(*out));
        out->on = date_or_none(store_col_text(st, 0));
        for (int r = 0; r < REG_N; r++)
            if (!store_col_null(st, 1 + r)) {
                out->v[r] = store_col_i64(st, 1 + r);
                out->present |= 1u << r;
            }
        int src = read_source_parse(store_col_text(st, 8));
        out->source = src < 0 ? READ_MANUAL : (enum read_source)src;
        *found = true;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

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
        int64_t wh[REG_N] = { u.total_wh, u.tou_wh[TOU_SHARP], u.tou_wh[TOU_PEAK],
                              u.tou_wh[TOU_FLAT], u.tou_wh[TOU_VALLEY], u.reactive_varh, 0 };
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

static void reads_line(struct strbuf *sb, const struct bill_stay *s, const struct read_set *from,
                       const struct read_set *to)
{
    char d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE], e[ENERGY_BUF_SIZE];
    strbuf_addf(sb, "%s x%" PRId64 " %s (%s) -> %s (%s):", s->asset_no, s->meter.multiplier,
                date_format(from->on, d1), read_source_name(from->source),
                date_format(to->on, d2), read_source_name(to->source));
    for (int r = 0; r < REG_N; r++) {
        if (!(to->present & (1u << r)))
            continue;
        strbuf_addf(sb, " %s ", reg_name(r));
        if (r != REG_DEMAND && (from->present & (1u << r)))
            strbuf_addf(sb, "%s-", energy_format_kwh3(from->v[r], e));
        strbuf_addstr(sb, energy_format_kwh3(to->v[r], e));
    }
    strbuf_addch(sb, '\n');
}

/*
 * VEE for one service point's stays (at most the last two that touch the window): fills `vin`
 * segments and the reads text. Returns 0, or a negative ERR_* for a database failure.
 */
static int sp_inputs(struct ctx *c, const struct bill_stay *st, int n, struct date rp,
                     struct date r, struct read_set rs[4], struct vee_in *vin, struct strbuf *rt,
                     bool *missing, struct err *err)
{
    bool f1, f2;
    int ret;
    *missing = false;
    vin->nsegments = 0;
    vin->meter_changed = false;
    if (n >= 2) {
        const struct bill_stay *o = &st[n - 2], *nw = &st[n - 1];
        /* old meter: its baseline to its removal; new meter: installation to latest read */
        if ((ret = last_read(c, o, o->installed_on, rp, &rs[0], &f1, err)))
            return ret;
        if (!f1 && (ret = install_reads(c, o, "install", o->installed_on, &rs[0], &f1, err)))
            return ret;
        if ((ret = install_reads(c, o, "remove", o->removed_on, &rs[1], &f2, err)))
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
        if ((ret = install_reads(c, nw, "install", nw->installed_on, &rs[2], &f1, err)))
            return ret;
        if ((ret = last_read(c, nw, nw->installed_on, r, &rs[3], &f2, err)))
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
    if ((ret = last_read(c, s, s->installed_on, rp, &rs[0], &f1, err)))
        return ret;
    if (!f1 && (ret = install_reads(c, s, "install", s->installed_on, &rs[0], &f1, err)))
        return ret;
    if (!f1) {
        /* nothing to measure from: VEE says so (no baseline) */
        vin->nsegments = 1;
        vin->seg[0] = (struct vee_segment){ &s->meter, NULL, NULL };
        return 0;
    }
    if ((ret = last_read(c, s, date_add_days(rs[0].on, 1), hi, &rs[1], &f2, err)))
        return ret;
    if (!f2 && date_is_valid(s->removed_on) && date_cmp(s->removed_on, r) <= 0 &&
        (ret = install_reads(c, s, "remove", s->removed_on, &rs[1], &f2, err)))
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

int bill_compute(struct ctx *c, const struct bill_env *env, const struct bill_acct *a,
                 const struct bill_stay *stays, struct bill_draft *d, struct err *err)
{
    struct period p = env->period;
    struct date r = read_date(p, a->cycle_day), rp = read_date(period_prev(p), a->cycle_day);
    struct date win_from = { 0, 0, 0 }, win_to = { 0, 0, 0 };
    char pb[PERIOD_BUF_SIZE], pb2[PERIOD_BUF_SIZE], pb3[PERIOD_BUF_SIZE], pb4[PERIOD_BUF_SIZE];
    struct vee_out total;
    struct vee_policy vp = { env->policy->spike_pct, 100, 1000 };
    int64_t last_wh[REG_N] = { 0 }, est_wh[REG_N] = { 0 };
    bool have_prev = false, prev_loaded = false, any_meter = false;
    int64_t n12 = 0, sum_wh = 0, sum_fen = 0, ytd = 0;
    bool prev_estimated = false;
    int ret;

    memset(&total, 0, sizeof(total));
    strbuf_reset(&d->reads);
    strbuf_reset(&d->usage);
    strbuf_reset(&d->reason);
    d->status = "draft";
    d->vee_flags = 0;
    d->quoted = false;
    d->read_from = d->read_to = (struct date){ 0, 0, 0 };

    /* 12-month history: average, year-to-date, whether last period was estimated */
    struct store_stmt *st = store_q(c->db, Q_BILL_STATS);
    struct period jan = { p.y, 1 };
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, period_format(period_add(p, -12), pb));
    store_bind_text(st, 3, period_format(jan, pb2));
    store_bind_text(st, 4, period_format(p, pb3));
    store_bind_text(st, 5, period_format(period_prev(p), pb4));
    if ((ret = store_one(st, err)))
        return ret;
    n12 = store_col_i64(st, 0);
    sum_wh = store_col_i64(st, 1);
    sum_fen = store_col_i64(st, 2);
    ytd = store_col_i64(st, 3);
    prev_estimated = store_col_i64(st, 4) != 0;
    store_reset(st);

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
        if ((ret = sp_inputs(c, two, m, rp, r, rs, &vin, &d->reads, &missing, err)))
            return ret;
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
                        two[m - 1].asset_no, date_format(r, pb));
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
    unsigned tou_mask = (1u << REG_SHARP) | (1u << REG_PEAK) | (1u << REG_FLAT) |
                        (1u << REG_VALLEY);
    if (total.present & tou_mask) {
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
            strbuf_addf(&d->reads, "total register %s kWh, period registers %s kWh: billed the"
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
    u->months_in_year = date_is_valid(a->opened_on) && a->opened_on.y == p.y
                            ? 12 - a->opened_on.m + 1
                            : 12;
    u->pf_standard = a->pf_standard;
    u->user_type = a->user_type;
    bill_usage_encode(u, &d->usage);

    /* price it */
    const struct tariff *t = tariff_set_find(env->tariffs, a->tariff_code);
    struct err qe = ERR_INIT;
    if (!t) {
        strbuf_addf(&d->reason, "tariff '%s' not found", a->tariff_code);
    } else if (tariff_quote(t, u, &d->q, &qe)) {
        strbuf_addf(&d->reason, "cannot price: %s", qe.msg);
    } else {
        d->quoted = true;
    }
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

/* ---- writing ---- */

int bill_write(struct ctx *c, int64_t run_id, int64_t account_id, const char *tariff_code,
               const char *kind, int64_t adjusts, const struct bill_draft *d, int64_t *id,
               struct err *err)
{
    char pb[PERIOD_BUF_SIZE], d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_INSERT);
    int ret;

    if (run_id)
        store_bind_i64(st, 1, run_id);
    else
        store_bind_null(st, 1);
    store_bind_i64(st, 2, account_id);
    store_bind_text(st, 3, period_format(d->u.period, pb));
    store_bind_text(st, 4, kind);
    store_bind_text(st, 5, d->status);
    if (adjusts)
        store_bind_i64(st, 6, adjusts);
    else
        store_bind_null(st, 6);
    store_bind_text(st, 7, tariff_code);
    store_bind_text(st, 8, date_is_valid(d->read_from) ? date_format(d->read_from, d1) : NULL);
    store_bind_text(st, 9, date_is_valid(d->read_to) ? date_format(d->read_to, d2) : NULL);
    store_bind_i64(st, 10, d->q.energy_wh);
    store_bind_i64(st, 11, d->q.total_fen);
    store_bind_i64(st, 12, d->vee_flags);
    store_bind_text(st, 13, d->reason.len ? d->reason.buf : NULL);
    store_bind_text(st, 14, d->usage.buf);
    store_bind_text(st, 15, d->reads.buf);
    store_bind_text(st, 16, d->note);
    store_bind_i64(st, 17, ctx_now(c));
    if ((ret = store_one(st, err)))
        return ret;
    *id = store_col_i64(st, 0);
    store_reset(st);

    struct strbuf parts = STRBUF_INIT, rule = STRBUF_INIT;
    st = store_q(c->db, Q_BILL_LINE_INSERT);
    for (int i = 0; i < d->q.nlines && !ret; i++) {
        const struct quote_line *l = &d->q.lines[i];
        char vb[DATE_BUF_SIZE];
        strbuf_reset(&parts);
        bill_parts_encode(l, &parts);
        store_bind_i64(st, 1, *id);
        store_bind_i64(st, 2, i + 1);
        store_bind_text(st, 3, line_item_name(l->item));
        store_bind_text(st, 4, l->code ? l->code : line_item_name(l->item));
        store_bind_text(st, 5, l->name_zh ? l->name_zh : "");
        strbuf_reset(&rule);
        strbuf_addstr(&rule, l->rule ? l->rule : "");
        if (l->detail[0]) {
            strbuf_addstr(&rule, rule.len ? ": " : "");
            strbuf_addstr(&rule, l->detail);
        }
        store_bind_text(st, 6, rule.buf);
        store_bind_text(st, 7, date_is_valid(l->version) ? date_format(l->version, vb) : "");
        store_bind_text(st, 8, qty_unit_name(l->unit));
        store_bind_i64(st, 9, l->qty);
        store_bind_i64(st, 10, l->price_e8);
        store_bind_i64(st, 11, l->amount_fen);
        store_bind_text(st, 12, parts.buf);
        ret = store_exec(st, err);
    }
    strbuf_release(&parts);
    strbuf_release(&rule);
    return ret;
}

void bill_draft_init(struct bill_draft *d)
{
    memset(d, 0, sizeof(*d));
    strbuf_init(&d->usage, 512);
    strbuf_init(&d->reads, 256);
    strbuf_init(&d->reason, 64);
}

void bill_draft_release(struct bill_draft *d)
{
    strbuf_release(&d->usage);
    strbuf_release(&d->reads);
    strbuf_release(&d->reason);
}

/* ---- the run ---- */

static int load_page(struct ctx *c, struct bill_page *pg, int64_t after, int cycle_day,
                     int64_t org_id, struct period p, int limit, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNTS_PAGE);
    int ret;
    VEC_CLEAR(&pg->accts);
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, cycle_day);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, date_format(period_last_day(p), hi));
    store_bind_text(st, 5, date_format(period_first_day(p), lo));
    store_bind_i64(st, 6, limit);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_acct a;
        acct_from_row(st, &a);
        VEC_PUSH(&pg->accts, a);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* An existing regular bill of the account for the period: issued ones are kept (skip), earlier
 * drafts are deleted (replaced). */
static int existing_bill(struct ctx *c, int64_t account_id, struct period p, bool *issued,
                         int64_t *replaced, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_EXISTING);
    int ret;
    *issued = false;
    store_bind_i64(st, 1, account_id);
    store_bind_text(st, 2, period_format(p, pb));
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    int64_t id = store_col_i64(st, 0);
    *issued = !strcmp(store_col_text(st, 1), "issued");
    store_reset(st);
    if (*issued)
        return 0;
    (*replaced)++;
    st = store_q(c->db, Q_BILL_DELETE);
    store_bind_i64(st, 1, id);
    return store_exec(st, err);
}

static int run_open(struct ctx *c, const struct bill_run_opts *o, int64_t org_id,
                    struct bill_run_result *r, int64_t *cursor, bool *had_runs, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st;
    int ret;

    st = store_q(c->db, Q_BILL_RUN_ANY);
    store_bind_text(st, 1, period_format(o->period, pb));
    if ((ret = store_one(st, err)))
        return ret;
    *had_runs = store_col_i64(st, 0) > 0;
    store_reset(st);
    *cursor = 0;
    if (o->dry_run)
        return 0;

    st = store_q(c->db, Q_BILL_RUN_OPEN);
    store_bind_text(st, 1, pb);
    store_bind_i64(st, 2, org_id);
    store_bind_i64(st, 3, o->cycle_day);
    ret = store_one(st, err);
    if (ret && ret != ERR_NOT_FOUND)
        return ret;
    if (!ret) {
        int64_t id = store_col_i64(st, 0);
        bool running = !strcmp(store_col_text(st, 1), "running");
        if (running && !o->restart) {
            r->run_id = id;
            r->resumed = true;
            *cursor = store_col_i64(st, 2);
            r->accounts = store_col_i64(st, 3);
            r->in_review = store_col_i64(st, 4);
            r->total_fen = store_col_i64(st, 5);
            r->energy_wh = store_col_i64(st, 6);
            store_reset(st);
            return 0;
        }
        store_reset(st);
        if (running) {
            st = store_q(c->db, Q_BILL_RUN_RESTART);
            store_bind_i64(st, 1, id);
            store_bind_i64(st, 2, ctx_now(c));
            store_bind_text(st, 3, c->actor);
            r->run_id = id;
            return store_exec(st, err);
        }
        st = store_q(c->db, Q_BILL_RUN_STATUS);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, "replaced");
        store_bind_i64(st, 3, ctx_now(c));
        if ((ret = store_exec(st, err)))
            return ret;
    }
    st = store_q(c->db, Q_BILL_RUN_INSERT);
    store_bind_text(st, 1, pb);
    if (org_id)
        store_bind_i64(st, 2, org_id);
    else
        store_bind_null(st, 2);
    store_bind_i64(st, 3, o->cycle_day);
    store_bind_i64(st, 4, ctx_now(c));
    store_bind_text(st, 5, c->actor);
    if ((ret = store_one(st, err)))
        return ret;
    r->run_id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

static int count_accounts(struct ctx *c, int64_t after, const struct bill_run_opts *o,
                          int64_t org_id, int64_t *n, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNTS_COUNT);
    int ret;
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, o->cycle_day);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, date_format(period_last_day(o->period), hi));
    store_bind_text(st, 5, date_format(period_first_day(o->period), lo));
    if ((ret = store_one(st, err)))
        return ret;
    *n = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

int bill_run(struct ctx *c, const struct bill_run_opts *o, struct bill_run_result *r,
             struct err *err)
{
    char pb[PERIOD_BUF_SIZE], lockname[64], what[64];
    struct bill_policy defpol;
    struct bill_env env;
    struct bill_page pg = { VEC_INIT, VEC_INIT };
    struct bill_draft d;
    int64_t org_id = 0, cursor = 0, total = 0, done = 0;
    bool had_runs = false, locked = false;
    int ret;

    memset(r, 0, sizeof(*r));
    if (!o->policy)
        bill_policy_default(&defpol);
    env.policy = o->policy ? o->policy : &defpol;
    env.period = o->period;
    env.tariffs = NULL;
    if (o->cycle_day < 0 || o->cycle_day > 28) {
        error(err, ERR_INVALID, "reading day %d is out of range (1..28)", o->cycle_day);
        return err_field(err, "cycle_day");
    }
    if (o->org_code && (ret = ctx_org_id(c, o->org_code, &org_id, err)))
        return ret;
    period_format(o->period, pb);
    snprintf(lockname, sizeof(lockname), "bill-run-%s", pb);
    snprintf(what, sizeof(what), "a bill run for %s", pb);
    if ((ret = store_lock_try(c->db, lockname, what, err)))
        return ret;
    locked = true;
    bill_draft_init(&d);
    if ((ret = tariff_set_load(c, &env.tariffs, err)))
        goto out;
    if ((ret = store_begin(c->db, err)))
        goto out;
    ret = run_open(c, o, org_id, r, &cursor, &had_runs, err);
    if (!ret)
        ret = store_commit(c->db, err);
    else
        store_rollback(c->db);
    if (ret)
        goto out;
    if ((ret = count_accounts(c, cursor, o, org_id, &total, err)))
        goto out;

    int limit = env.policy->batch > 0 ? env.policy->batch : 1000;
    for (;;) {
        int64_t n_acc = 0, n_rev = 0, fen = 0, wh = 0;
        if ((ret = load_page(c, &pg, cursor, o->cycle_day, org_id, o->period, limit, err)))
            goto out;
        if (!pg.accts.n)
            break;
        if ((ret = bill_load_stays(c, &pg, o->period, err)))
            goto out;
        if (!o->dry_run && (ret = store_begin(c->db, err)))
            goto out;
        for (size_t i = 0; i < pg.accts.n && !ret; i++) {
            const struct bill_acct *a = &pg.accts.v[i];
            bool issued = false;
            int64_t id;
            arena_reset(c->arena);
            if (had_runs && !o->dry_run &&
                (ret = existing_bill(c, a->id, o->period, &issued, &r->replaced, err)))
                break;
            if (issued) {
                r->skipped++;
                continue;
            }
            if ((ret = bill_compute(c, &env, a, a->nstays ? &pg.stays.v[a->first_stay] : NULL,
                                    &d, err)))
                break;
            n_acc++;
            if (!strcmp(d.status, "review"))
                n_rev++;
            if (d.failed)
                r->failed++;
            fen += d.q.total_fen;
            wh += d.q.energy_wh;
            if (!o->dry_run)
                ret = bill_write(c, r->run_id, a->id, a->tariff_code, "regular", 0, &d, &id, err);
        }
        cursor = pg.accts.v[pg.accts.n - 1].id;
        if (!ret && !o->dry_run) {
            struct store_stmt *st = store_q(c->db, Q_BILL_RUN_PROGRESS);
            store_bind_i64(st, 1, r->run_id);
            store_bind_i64(st, 2, cursor);
            store_bind_i64(st, 3, n_acc);
            store_bind_i64(st, 4, n_rev);
            store_bind_i64(st, 5, fen);
            store_bind_i64(st, 6, wh);
            ret = store_exec(st, err);
        }
        if (!o->dry_run) {
            if (!ret)
                ret = store_commit(c->db, err);
            else
                store_rollback(c->db);
        }
        if (ret)
            goto out;
        r->accounts += n_acc;
        r->in_review += n_rev;
        r->total_fen += fen;
        r->energy_wh += wh;
        done += (int64_t)pg.accts.n;
        if (o->progress)
            o->progress(o->progress_arg, done, total);
    }
    if (!o->dry_run) {
        char detail[160];
        struct audit_rec ar = { "bill.run", "bill_run", NULL, NULL, NULL, detail };
        char key[32];
        snprintf(key, sizeof(key), "%" PRId64, r->run_id);
        ar.entity_key = key;
        snprintf(detail, sizeof(detail),
                 "period %s: %" PRId64 " bills, %" PRId64 " in review, %" PRId64
                 " replaced, %" PRId64 " skipped",
                 pb, r->accounts, r->in_review, r->replaced, r->skipped);
        if ((ret = store_begin(c->db, err)))
            goto out;
        struct store_stmt *st = store_q(c->db, Q_BILL_RUN_STATUS);
        store_bind_i64(st, 1, r->run_id);
        store_bind_text(st, 2, "computed");
        store_bind_i64(st, 3, ctx_now(c));
        ret = store_exec(st, err);
        if (!ret)
            ret = audit_append(c, &ar, err);
        if (!ret)
            ret = store_commit(c->db, err);
        else
            store_rollback(c->db);
    }
out:
    VEC_FREE(&pg.accts);
    VEC_FREE(&pg.stays);
    bill_draft_release(&d);
    if (env.tariffs)
        tariff_set_free(env.tariffs);
    if (locked)
        store_unlock(c->db, lockname);
    return ret;
}
