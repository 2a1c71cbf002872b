/*
 * The tariff engine: tariff_quote() prices one account-period's usage under an immutable
 * tariff (tariff_int.h), following docs in ../shared/reference/cn-tariff-rules.md: tier
 * splitting (§1.2-1.5), TOU x tier composition (§1.4), the two-part basic charge with the
 * 105 % rule, contract floor, utilisation discount and proration (§3.3-3.5), the 1983
 * power-factor adjustment (§4, pf.c) and funds (§2.3 T1, F1). Pure, allocation-free and
 * thread-safe; the bill run calls it once per account and month.
 *
 * Exactness: every part is qty x price x num/den; a line's parts are summed as an exact
 * fraction of 1e-9 fen and rounded half-up to fen once; the total is the sum of the lines.
 * Energy split between versions (pro rata by days) uses cumulative rounding, so the segments
 * sum to the measured Wh exactly.
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "domain/pf.h"
#include "domain/tariff_int.h"

#define MAX_SEGMENTS 6
#define E9 INT64_C(1000000000) /* 1e-9 fen per fen */

static const char *const tier_labels[TARIFF_MAX_TIERS] = { "tier1", "tier2", "tier3", "tier4",
                                                           "tier5" };
static const char *const tier_period_labels[TARIFF_MAX_TIERS][TOU_N] = {
    { "tier1 sharp", "tier1 peak", "tier1 flat", "tier1 valley", "tier1 deep" },
    { "tier2 sharp", "tier2 peak", "tier2 flat", "tier2 valley", "tier2 deep" },
    { "tier3 sharp", "tier3 peak", "tier3 flat", "tier3 valley", "tier3 deep" },
    { "tier4 sharp", "tier4 peak", "tier4 flat", "tier4 valley", "tier4 deep" },
    { "tier5 sharp", "tier5 peak", "tier5 flat", "tier5 valley", "tier5 deep" },
};

void usage_init(struct usage *u)
{
    memset(u, 0, sizeof(*u));
    u->cycle_months = 1;
}

/* ---- exact line sums ------------------------------------------------------------------- */

/* n / d in units of 1e-9 fen; d > 0 and small (products of day counts and percentages) */
struct lacc {
    __int128 n;
    int64_t d;
};

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a < 0 ? -a : a;
}

static __int128 div_round(__int128 n, __int128 d)
{
    bool neg = (n < 0) != (d < 0);
    unsigned __int128 un = n < 0 ? -(unsigned __int128)n : (unsigned __int128)n;
    unsigned __int128 ud = d < 0 ? -(unsigned __int128)d : (unsigned __int128)d;
    unsigned __int128 q = un / ud, r = un % ud;
    if (r >= ud - r)
        q++;
    return neg ? -(__int128)q : (__int128)q;
}

/* One part's value: qty × price (× 10 for a fen base: fen × e8 ratio = 1e-8 fen) × num / den. */
static int lacc_add(struct lacc *a, const struct quote_part *p, struct err *err)
{
    __int128 v, n, scale_a, scale_p;
    int64_t den = p->den, num = p->num;
    if (den < 0)
        den = -den, num = -num;
    int64_t g = gcd64(num, den);
    if (g > 1)
        num /= g, den /= g;
    int64_t l = a->d / gcd64(a->d, den) * den; /* lcm, small */
    scale_a = l / a->d;
    scale_p = l / den;
    if (__builtin_mul_overflow((__int128)p->qty, (__int128)p->price_e8, &v) ||
        __builtin_mul_overflow(v, (__int128)(p->unit == QTY_FEN ? 10 : 1), &v) ||
        __builtin_mul_overflow(v, (__int128)num, &v) || __builtin_mul_overflow(v, scale_p, &v) ||
        __builtin_mul_overflow(a->n, scale_a, &n) || __builtin_add_overflow(n, v, &n))
        return error(err, ERR_INVALID, "line amount overflows (part '%s')", p->label);
    a->n = n;
    a->d = l;
    return 0;
}

/* ---- building the quote ---------------------------------------------------------------- */

struct qb {
    const struct tariff *t;
    const struct usage *u;
    struct quote *q;
    struct err *err;
};

static struct quote_line *line_new(struct qb *b, enum line_item item, const char *code,
                                   const char *name_zh, const char *rule,
                                   const struct tariff_version *v)
{
    if (b->q->nlines >= QUOTE_MAX_LINES) {
        error(b->err, ERR_INVALID, "tariff '%s': more than %d bill lines", b->t->code,
              QUOTE_MAX_LINES);
        return NULL;
    }
    struct quote_line *l = &b->q->lines[b->q->nlines++];
    l->item = item;
    l->code = code;
    l->name_zh = name_zh;
    l->rule = rule;
    l->detail[0] = '\0';
    l->version = v->from;
    l->qty = 0;
    l->unit = QTY_WH;
    l->price_e8 = 0;
    l->amount_fen = 0;
    l->nparts = 0;
    return l;
}

static int part(struct qb *b, struct quote_line *l, const char *label, enum qty_unit unit,
                int64_t qty, int64_t price_e8, int64_t num, int64_t den)
{
    if (l->nparts >= QUOTE_MAX_PARTS)
        return error(b->err, ERR_INVALID, "tariff '%s': line '%s' has more than %d parts",
                     b->t->code, l->code, QUOTE_MAX_PARTS);
    struct quote_part *p = &l->parts[l->nparts++];
    p->label = label;
    p->unit = unit;
    p->qty = qty;
    p->price_e8 = price_e8;
    p->num = num;
    p->den = den;
    return 0;
}

/* Sum the parts exactly, round once, add to the total. */
static int line_finish(struct qb *b, struct quote_line *l)
{
    struct lacc a = { 0, 1 };
    int64_t qty = 0;
    int rc;
    bool one_price = true;
    for (int i = 0; i < l->nparts; i++) {
        const struct quote_part *p = &l->parts[i];
        if ((rc = lacc_add(&a, p, b->err)))
            return rc;
        if (__builtin_add_overflow(qty, p->qty, &qty))
            return error(b->err, ERR_INVALID, "line quantity overflows");
        if (p->price_e8 != l->parts[0].price_e8)
            one_price = false;
    }
    __int128 fen = div_round(a.n, (__int128)a.d * E9);
    if (fen > INT64_MAX || fen < INT64_MIN)
        return error(b->err, ERR_INVALID, "line amount overflows");
    l->amount_fen = (int64_t)fen;
    l->qty = qty;
    l->unit = l->nparts ? l->parts[0].unit : QTY_WH;
    l->price_e8 = l->nparts && one_price ? l->parts[0].price_e8 : 0;
    if (__builtin_add_overflow(b->q->total_fen, l->amount_fen, &b->q->total_fen))
        return error(b->err, ERR_INVALID, "bill total overflows");
    return 0;
}

/* ---- versions and segments ------------------------------------------------------------- */

static int version_at(const struct tariff *t, int32_t day)
{
    for (int i = t->nversions - 1; i >= 0; i--)
        if (t->v[i].from_day <= day)
            return i;
    return -1;
}

struct seg {
    const struct tariff_version *v;
    int32_t days;
    int64_t wh, tou[TOU_N];
    int64_t before_wh; /* energy of earlier segments (annual tiers) */
};

/* a × num / den rounded half-up (den > 0, exact) */
static int64_t share(int64_t a, int64_t num, int64_t den)
{
    return (int64_t)div_round((__int128)a * num, den);
}

/* ---- tiers ----------------------------------------------------------------------------- */

/* The tier bounds for this segment: bound[k] is the upper bound of tier k (Wh). */
static int tier_bounds(struct qb *b, const struct seg *s, int nseg, int32_t window_days,
                       int64_t *bound)
{
    const struct tariff_version *v = s->v;
    const struct usage *u = b->u;
    for (int k = 0; k < v->ntiers - 1; k++) {
        int64_t sum = 0;
        if (v->tier_basis == TV_TIER_MONTHLY) {
            /* each month of the reading cycle keeps its seasonal bound (rules §1.3) */
            for (int c = 0; c < u->cycle_months; c++) {
                struct period pm = period_add(u->period, -c);
                sum += v->bound_wh[v->tier_season_of_month[pm.m]][k];
            }
            if (nseg > 1)
                sum = share(sum, s->days, window_days);
        } else {
            int m = u->months_in_year ? u->months_in_year : 12;
            sum = share(v->bound_wh[0][k], m, 12); /* R9: 2760 × 6/12 = 1380 */
        }
        bound[k] = sum;
    }
    return 0;
}

/* Split `wh` consumed from cumulative position `start` into tiers. */
static void tier_split(const struct tariff_version *v, const int64_t *bound, int64_t start,
                       int64_t wh, int64_t *out)
{
    int64_t end = start + wh;
    for (int k = 0; k < v->ntiers; k++) {
        int64_t lo = k ? bound[k - 1] : INT64_MIN, hi = k < v->ntiers - 1 ? bound[k] : INT64_MAX;
        int64_t a = start > lo ? start : lo, z = end < hi ? end : hi;
        out[k] = z > a ? z - a : 0;
    }
}

static void tier_detail(const struct tariff_version *v, const int64_t *bound, int64_t start,
                        char *buf, size_t size)
{
    size_t o = 0;
    char kb[ENERGY_BUF_SIZE];
    o += (size_t)snprintf(buf + o, size - o, "bounds");
    for (int k = 0; k < v->ntiers - 1 && o < size; k++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? "/" : " ",
                              decimal_format(bound[k], 3, 0, 0, kb));
    if (o < size)
        o += (size_t)snprintf(buf + o, size - o, " kWh");
    if (v->tier_basis == TV_TIER_ANNUAL && o < size)
        snprintf(buf + o, size - o, ", %s kWh earlier in the year",
                 decimal_format(start, 3, 0, 0, kb));
}

/* ---- the lines of one segment ---------------------------------------------------------- */

static int energy_lines(struct qb *b, const struct seg *s, int nseg, int32_t window_days)
{
    const struct tariff_version *v = s->v;
    struct quote_line *l;
    int64_t bound[TARIFF_MAX_TIERS], tw[TARIFF_MAX_TIERS];
    int64_t start = 0;
    int rc;
    bool tiered = v->tier_basis != TV_TIER_NONE;

    if (tiered) {
        tier_bounds(b, s, nseg, window_days, bound);
        if (v->tier_basis == TV_TIER_ANNUAL)
            start = b->u->ytd_wh + s->before_wh;
        tier_split(v, bound, start, s->wh, tw);
    }
    if (v->energy == TV_TOU) {
        for (int p = 0; p < TOU_N; p++)
            if (s->tou[p] && !(v->periods & (1u << p))) {
                char kb[ENERGY_BUF_SIZE], db[DATE_BUF_SIZE];
                return error(b->err, ERR_INVALID,
                             "tariff '%s' version %s has no price for period '%s' (usage has "
                             "%s kWh in it)",
                             b->t->code, date_format(v->from, db), tou_period_name(p),
                             energy_format_kwh3(s->tou[p], kb));
            }
    }
    if (tiered && v->tier_method == TV_TIER_PRICES) {
        if (!(l = line_new(b, LINE_ENERGY, "energy", "电度电费",
                           v->tier_basis == TV_TIER_ANNUAL ? "residential tiers, annual (阶梯)"
                                                           : "residential tiers, monthly (阶梯)",
                           v)))
            return b->err->code;
        tier_detail(v, bound, start, l->detail, sizeof(l->detail));
        for (int k = 0; k < v->ntiers; k++)
            if ((tw[k] || (k == v->ntiers - 1 && !l->nparts)) &&
                (rc = part(b, l, tier_labels[tw[k] ? k : 0], QTY_WH, tw[k],
                           v->tier_price[tw[k] ? k : 0], 1, 1)))
                return rc;
        return line_finish(b, l);
    }
    if (tiered && v->tier_method == TV_TIER_PROPORTIONAL) {
        /* rules §1.4 R6 method B, R7: each tier's kWh split between the periods in proportion
         * to the periods' shares; cumulative rounding keeps both the tier sums and the
         * period sums exact */
        if (!(l = line_new(b, LINE_ENERGY, "energy", "电度电费",
                           "TOU x tier, tier kWh split by period shares (rules §1.4)", v)))
            return b->err->code;
        tier_detail(v, bound, start, l->detail, sizeof(l->detail));
        int64_t prev[TOU_N] = { 0 }, cum_tier = 0;
        for (int k = 0; k < v->ntiers; k++) {
            cum_tier += tw[k];
            int64_t cum_per = 0, prev_cell = 0;
            for (int p = 0; p < TOU_N; p++) {
                if (!(v->periods & (1u << p)))
                    continue;
                cum_per += s->tou[p];
                int64_t cell =
                    s->wh ? share(cum_tier, cum_per, s->wh) : 0; /* tiers ≤k, periods ≤p */
                int64_t upto_k = cell - prev_cell;               /* tiers ≤k, period p */
                prev_cell = cell;
                int64_t q = upto_k - prev[p];
                prev[p] = upto_k;
                if (q && (rc = part(b, l, tier_period_labels[k][p], QTY_WH, q,
                                    v->tier_tou_price[k][p], 1, 1)))
                    return rc;
            }
        }
        for (int p = 0; p < TOU_N && !l->nparts; p++) /* no energy: one empty part */
            if ((v->periods & (1u << p)) && (rc = part(b, l, tier_period_labels[0][p], QTY_WH, 0,
                                                       v->tier_tou_price[0][p], 1, 1)))
                return rc;
        return line_finish(b, l);
    }
    /* flat or TOU energy at the base (tier-1) price */
    if (v->energy == TV_FLAT) {
        if (!(l = line_new(b, LINE_ENERGY, "energy", "电度电费", "energy price", v)) ||
            part(b, l, "energy", QTY_WH, s->wh, v->price_e8, 1, 1))
            return b->err->code;
    } else {
        if (!(l = line_new(b, LINE_ENERGY, "energy", "电度电费",
                           v->source == TV_WINDOWS ? "time-of-use, periods by time windows"
                                                   : "time-of-use, periods by meter registers",
                           v)))
            return b->err->code;
        for (int p = 0; p < TOU_N; p++)
            if ((v->periods & (1u << p)) &&
                (rc = part(b, l, tou_period_name(p), QTY_WH, s->tou[p], v->tou_price[p], 1, 1)))
                return rc;
    }
    if ((rc = line_finish(b, l)))
        return rc;
    if (tiered && v->tier_method == TV_TIER_SURCHARGE) {
        /* rules §1.4: tier on the total kWh, surcharge on top of the period prices */
        if (!(l = line_new(b, LINE_TIER_SURCHARGE, "tier_surcharge", "阶梯加价",
                           "tier surcharge on total kWh (rules §1.4)", v)))
            return b->err->code;
        tier_detail(v, bound, start, l->detail, sizeof(l->detail));
        for (int k = 0; k < v->ntiers; k++)
            if (tw[k] && v->surcharge[k] &&
                (rc = part(b, l, tier_labels[k], QTY_WH, tw[k], v->surcharge[k], 1, 1)))
                return rc;
        if (!l->nparts) { /* nothing above tier 1: no line */
            b->q->nlines--;
            return 0;
        }
        return line_finish(b, l);
    }
    return 0;
}

struct basic_calc {
    int64_t basic_qty, basic_price, excess_qty, excess_price;
    enum qty_unit unit;
    int64_t hu_num, hu_den; /* utilisation discount, 1/1 if none */
    int64_t pro_num, pro_den;
    const char *rule;
    char detail[96];
};

/* Month-level basic-charge quantities (rules §3.2-3.5); per segment only the days differ. */
static int basic_prepare(struct qb *b, const struct tariff_version *v, int64_t total_wh,
                         struct basic_calc *c)
{
    const struct usage *u = b->u;
    char db[DATE_BUF_SIZE], x[MONEY_BUF_SIZE], y[MONEY_BUF_SIZE];
    memset(c, 0, sizeof(*c));
    c->hu_num = c->hu_den = 1;
    if (v->basic == TV_BASIC_CAPACITY) {
        if (u->capacity_va <= 0)
            return error(b->err, ERR_INVALID,
                         "tariff '%s' version %s bills capacity: the usage has no capacity",
                         b->t->code, date_format(v->from, db));
        c->unit = QTY_VA;
        c->basic_qty = u->capacity_va;
        c->basic_price = v->basic_price_e8;
        c->rule = "capacity x price (两部制 按容量)";
    } else {
        if (u->demand_w <= 0)
            return error(b->err, ERR_INVALID,
                         "tariff '%s' version %s bills demand: the usage has no maximum demand",
                         b->t->code, date_format(v->from, db));
        c->unit = QTY_W;
        int64_t contract = u->contract_demand_w;
        if (contract > 0) {
            /* the contract may not be below a share of the capacity (E9c: 40 % of 1250 kVA) */
            if (v->min_contract_percent && u->capacity_va > 0) {
                int64_t floor_w = share(u->capacity_va, v->min_contract_percent, 100);
                if (contract < floor_w)
                    contract = floor_w;
            }
            int64_t thr = share(contract, v->excess_percent, 100);
            c->basic_price = v->basic_price_e8;
            if (u->demand_w > thr) {
                c->excess_qty = u->demand_w - thr;
                if (v->excess_rule == TV_EXCESS_DOUBLE) {
                    /* E9b: 600 × 40.8 + 70 × 81.6 */
                    c->basic_qty = contract;
                    c->excess_price = 2 * v->basic_price_e8;
                    c->rule = "contract demand; excess over the threshold at double price";
                } else {
                    /* E9b alternative: 700 × 40.8 + 70 × 40.8 */
                    c->basic_qty = u->demand_w;
                    c->excess_price = v->basic_price_e8;
                    c->rule = "actual demand plus the excess over the threshold";
                }
            } else {
                c->basic_qty = contract;
                c->rule = "contract demand (合同最大需量)";
            }
            snprintf(c->detail, sizeof(c->detail), "contract %s kW, actual %s kW, threshold %d%%",
                     decimal_format(contract, 3, 0, 0, x), decimal_format(u->demand_w, 3, 0, 0, y),
                     v->excess_percent);
        } else {
            c->basic_qty = u->demand_w;
            c->basic_price = v->basic_price_e8;
            c->rule = "actual maximum demand (实际最大需量)";
        }
        /* E9d: kWh per kVA ≥ 260 -> 90 % */
        if (v->hu_kwh_per_kva && u->capacity_va > 0 &&
            (__int128)total_wh >= (__int128)v->hu_kwh_per_kva * u->capacity_va) {
            c->hu_num = v->hu_percent;
            c->hu_den = 100;
            size_t o = strlen(c->detail);
            snprintf(c->detail + o, sizeof(c->detail) - o, "%s≥%" PRId64 " kWh/kVA: %d%%",
                     o ? "; " : "", v->hu_kwh_per_kva, v->hu_percent);
        }
    }
    /* partial month (rules §3.4): supply days / calendar days (2024) or / 30 (1996) */
    int mdays = period_days(u->period);
    c->pro_num = c->pro_den = 1;
    if (u->supply_days < 0 || u->supply_days > mdays)
        return error(b->err, ERR_INVALID, "supply days %d out of range 0..%d", u->supply_days,
                     mdays);
    if (u->supply_days && u->supply_days < mdays) {
        c->pro_num = u->supply_days;
        c->pro_den = v->prorate == TV_PRORATE_THIRTY ? 30 : mdays;
        size_t o = strlen(c->detail);
        snprintf(c->detail + o, sizeof(c->detail) - o, "%s%d/%" PRId64 " days (%s rule)",
                 o ? "; " : "", u->supply_days, c->pro_den,
                 v->prorate == TV_PRORATE_THIRTY ? "1996" : "2024");
    }
    return 0;
}

static int basic_lines(struct qb *b, const struct seg *s, int nseg, int32_t window_days,
                       int64_t total_wh)
{
    const struct tariff_version *v = s->v;
    struct basic_calc c;
    struct quote_line *l;
    int rc;
    if ((rc = basic_prepare(b, v, total_wh, &c)))
        return rc;
    int64_t num = c.hu_num * c.pro_num, den = c.hu_den * c.pro_den;
    if (nseg > 1) {
        num *= s->days;
        den *= window_days;
    }
    int64_t g = gcd64(num, den);
    num /= g, den /= g;
    if (!(l = line_new(b, LINE_BASIC, "basic", "基本电费", c.rule, v)))
        return b->err->code;
    memcpy(l->detail, c.detail, sizeof(l->detail));
    if (nseg > 1) {
        size_t o = strlen(l->detail);
        snprintf(l->detail + o, sizeof(l->detail) - o, "%s%d/%d days of the window", o ? "; " : "",
                 s->days, window_days);
    }
    if ((rc = part(b, l, c.unit == QTY_VA ? "capacity" : "demand", c.unit, c.basic_qty,
                   c.basic_price, num, den)) ||
        (rc = line_finish(b, l)))
        return rc;
    if (c.excess_qty) {
        if (!(l = line_new(b, LINE_BASIC_EXCESS, "basic_excess", "超需量基本电费", c.rule, v)))
            return b->err->code;
        memcpy(l->detail, c.detail, sizeof(l->detail));
        if ((rc = part(b, l, "excess", QTY_W, c.excess_qty, c.excess_price, num, den)) ||
            (rc = line_finish(b, l)))
            return rc;
    }
    return 0;
}

static int fund_lines(struct qb *b, const struct seg *s)
{
    const struct tariff_version *v = s->v;
    unsigned ut = tariff_user_type_bit(b->u->user_type ? b->u->user_type : b->t->category);
    int rc;
    for (int f = 0; f < v->nfunds; f++) {
        const struct tv_fund *fd = &v->funds[f];
        if (fd->exempt & ut)
            continue;
        struct quote_line *l = line_new(b, LINE_FUND, fd->code, fd->name,
                                        "government fund per kWh of total energy", v);
        if (!l)
            return b->err->code;
        if ((rc = part(b, l, fd->code, QTY_WH, s->wh, fd->price_e8, 1, 1)) ||
            (rc = line_finish(b, l)))
            return rc;
    }
    return 0;
}

static bool in_pf_base(unsigned base, enum line_item item)
{
    switch (item) {
    case LINE_ENERGY:
    case LINE_TIER_SURCHARGE:
        return base & TV_PF_ENERGY;
    case LINE_BASIC:
    case LINE_BASIC_EXCESS:
        return base & TV_PF_BASIC;
    case LINE_FUND:
        return base & TV_PF_FUNDS;
    default:
        return false;
    }
}

/* ---- the quote ------------------------------------------------------------------------- */

int tariff_quote(const struct tariff *t, const struct usage *u, struct quote *q, struct err *err)
{
    struct qb b = { t, u, q, err };
    struct seg segs[MAX_SEGMENTS];
    char db[DATE_BUF_SIZE], kb[ENERGY_BUF_SIZE], kb2[ENERGY_BUF_SIZE];
    int nseg = 0, rc;

    q->nlines = 0;
    q->total_fen = 0;
    q->energy_wh = 0;
    q->pf_percent_e2 = 0;
    q->pf_actual = 0;
    if (u->period.m < 1 || u->period.m > 12)
        return error(err, ERR_INVALID, "usage: invalid billing period");
    if (u->cycle_months < 1 || u->cycle_months > 12)
        return error(err, ERR_INVALID, "usage: cycle_months %d out of range 1..12",
                     u->cycle_months);
    if (u->months_in_year < 0 || u->months_in_year > 12)
        return error(err, ERR_INVALID, "usage: months_in_year %d out of range 1..12",
                     u->months_in_year);

    /* the window: usage.from..to, default the months of the reading cycle ending at period */
    struct date from = u->from, to = u->to;
    if (!date_is_valid(from) && !date_is_valid(to)) {
        from = period_first_day(period_add(u->period, 1 - u->cycle_months));
        to = period_last_day(u->period);
    } else if (!date_is_valid(from) || !date_is_valid(to) || date_cmp(from, to) > 0) {
        return error(err, ERR_INVALID, "usage: invalid consumption window");
    }
    int32_t d0 = date_to_days(from), d1 = date_to_days(to), window_days = d1 - d0 + 1;

    /* energy */
    int64_t total = u->total_wh;
    if (u->has_tou) {
        int64_t sum = 0;
        for (int p = 0; p < TOU_N; p++) {
            if (u->tou_wh[p] < 0)
                return error(err, ERR_INVALID, "usage: negative energy in period '%s'",
                             tou_period_name(p));
            if (__builtin_add_overflow(sum, u->tou_wh[p], &sum))
                return error(err, ERR_INVALID, "usage: energy overflows");
        }
        if (total && total != sum)
            return error(err, ERR_INVALID,
                         "usage: total %s kWh differs from the sum of the periods %s kWh",
                         energy_format_kwh3(total, kb), energy_format_kwh3(sum, kb2));
        total = sum;
    }
    if (total < 0)
        return error(err, ERR_INVALID, "usage: negative energy %s kWh",
                     energy_format_kwh3(total, kb));
    if (u->ytd_wh < 0)
        return error(err, ERR_INVALID, "usage: negative year-to-date energy");
    if (total > INT64_MAX / 4 || u->ytd_wh > INT64_MAX / 4)
        return error(err, ERR_INVALID, "usage: energy out of range");
    q->energy_wh = total;

    /* segments: the versions in force over the window, pro rata by days */
    int vi = version_at(t, d0);
    if (vi < 0)
        return error(err, ERR_NOT_FOUND, "tariff '%s' has no version in force on %s", t->code,
                     date_format(from, db));
    int32_t cum = 0;
    int64_t prev_wh = 0, prev_tou[TOU_N] = { 0 };
    for (int i = vi; i < t->nversions && (i == vi || t->v[i].from_day <= d1); i++) {
        if (nseg == MAX_SEGMENTS)
            return error(err, ERR_INVALID, "tariff '%s': more than %d versions in one window",
                         t->code, MAX_SEGMENTS);
        struct seg *s = &segs[nseg++];
        int32_t a = i == vi ? d0 : t->v[i].from_day;
        int32_t z =
            i + 1 < t->nversions && t->v[i + 1].from_day <= d1 ? t->v[i + 1].from_day - 1 : d1;
        s->v = &t->v[i];
        s->days = z - a + 1;
        cum += s->days;
        s->before_wh = prev_wh;
        int64_t c = share(total, cum, window_days);
        s->wh = c - prev_wh;
        prev_wh = c;
        for (int p = 0; p < TOU_N; p++) {
            int64_t cp = u->has_tou ? share(u->tou_wh[p], cum, window_days) : 0;
            s->tou[p] = cp - prev_tou[p];
            prev_tou[p] = cp;
        }
        if (s->v->energy == TV_TOU && !u->has_tou)
            return error(err, ERR_INVALID,
                         "tariff '%s' version %s is time-of-use (%s): the usage has no split by "
                         "period",
                         t->code, date_format(s->v->from, db),
                         s->v->source == TV_WINDOWS ? "windows: split interval data with "
                                                      "tariff_period_at"
                                                    : "registers");
    }

    /* the power factor, once for the month (rules §4.3) */
    int pf = 0, pf_e2 = 0;
    bool pf_any = false;
    for (int i = 0; i < nseg; i++)
        pf_any |= segs[i].v->pf;
    if (pf_any && u->pf_standard) {
        if (!pf_standard_valid(u->pf_standard))
            return error(err, ERR_INVALID, "usage: invalid power-factor standard %d",
                         u->pf_standard);
        if (!u->has_reactive)
            return error(err, ERR_INVALID,
                         "tariff '%s' adjusts for the power factor: the usage has no reactive "
                         "energy",
                         t->code);
        pf = pf_round(total, u->reactive_varh);
        if ((rc = pf_adjust_e2(u->pf_standard, pf, &pf_e2, err)))
            return rc;
        q->pf_actual = pf;
        q->pf_percent_e2 = pf_e2;
    }

    for (int i = 0; i < nseg; i++) {
        const struct seg *s = &segs[i];
        int first = q->nlines;
        if ((rc = energy_lines(&b, s, nseg, window_days)))
            return rc;
        if (s->v->basic && (rc = basic_lines(&b, s, nseg, window_days, total)))
            return rc;
        if ((rc = fund_lines(&b, s)))
            return rc;
        if (s->v->pf && u->pf_standard) {
            int64_t base = 0;
            for (int k = first; k < q->nlines; k++)
                if (in_pf_base(s->v->pf_base, q->lines[k].item) &&
                    __builtin_add_overflow(base, q->lines[k].amount_fen, &base))
                    return error(err, ERR_INVALID, "power-factor base overflows");
            struct quote_line *l = line_new(&b, LINE_PF_ADJUST, "pf_adjust", "功率因数调整电费",
                                            "1983 power-factor table ((83)水电财字第215号)", s->v);
            if (!l)
                return err->code;
            snprintf(l->detail, sizeof(l->detail), "pf %d.%02d vs standard 0.%02d: %s%d.%02d %%",
                     pf / 100, pf % 100, u->pf_standard, pf_e2 < 0 ? "-" : "+", abs(pf_e2) / 100,
                     abs(pf_e2) % 100);
            if ((rc = part(&b, l, "pf_base", QTY_FEN, base, (int64_t)pf_e2 * 10000, 1, 1)) ||
                (rc = line_finish(&b, l)))
                return rc;
        }
    }
    return 0;
}

enum tou_period tariff_period_at(const struct tariff *t, struct date d, int minute)
{
    int i = version_at(t, date_to_days(d));
    if (i < 0 || t->v[i].energy != TV_TOU || t->v[i].source != TV_WINDOWS)
        return TOU_FLAT;
    if (minute < 0)
        minute = 0;
    if (minute > 1439)
        minute = 1439;
    const struct tariff_version *v = &t->v[i];
    return (enum tou_period)v->minute[v->season_of_month[d.m]][minute];
}

bool tariff_uses_windows(const struct tariff *t, struct date d)
{
    int i = version_at(t, date_to_days(d));
    return i >= 0 && t->v[i].energy == TV_TOU && t->v[i].source == TV_WINDOWS;
}

/* ---- rendering ------------------------------------------------------------------------- */

const char *qty_unit_label(enum qty_unit u)
{
    switch (u) {
    case QTY_WH:
        return "kWh";
    case QTY_VARH:
        return "kvarh";
    case QTY_W:
        return "kW";
    case QTY_VA:
        return "kVA";
    case QTY_FEN:
        return "yuan";
    case QTY_DAYS:
        return "days";
    }
    return "";
}

char *quote_line_arith(const struct quote_line *l, char *buf, size_t size)
{
    size_t o = 0;
    char qb[MONEY_BUF_SIZE], pb[MONEY_BUF_SIZE], ab[MONEY_BUF_SIZE];
    buf[0] = '\0';
    for (int i = 0; i < l->nparts && o < size; i++) {
        const struct quote_part *p = &l->parts[i];
        if (p->unit == QTY_FEN)
            o += (size_t)snprintf(buf + o, size - o, "%s%s × %s %%", i ? " + " : "",
                                  money_format(p->qty, qb),
                                  decimal_format(p->price_e8, 6, 2, 0, pb));
        else if (p->unit == QTY_DAYS)
            o += (size_t)snprintf(buf + o, size - o, "%s%" PRId64 " days × %s", i ? " + " : "",
                                  p->qty, price_format(p->price_e8, pb));
        else
            o += (size_t)snprintf(buf + o, size - o, "%s%s %s × %s", i ? " + " : "",
                                  decimal_format(p->qty, 3, 3, 0, qb), qty_unit_label(p->unit),
                                  price_format(p->price_e8, pb));
        if ((p->num != 1 || p->den != 1) && o < size)
            o += (size_t)snprintf(buf + o, size - o, " × %" PRId64 "/%" PRId64, p->num, p->den);
    }
    if (o < size)
        snprintf(buf + o, size - o, " = %s", money_format(l->amount_fen, ab));
    return buf;
}
