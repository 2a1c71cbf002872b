/*
 * The tariff file format (doc/tariff-format.md): parse and validate with jansson into the
 * immutable struct tariff of tariff_int.h. Every problem is ERR_INVALID naming the tariff, the
 * version and the item; unknown keys are errors (typos must not silently drop a price). Each
 * version keeps its canonical JSON (sorted keys, compact), which is what the store saves and
 * reloads through this same parser. Called by the CLI (files) and tariff_store.c (database).
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "domain/tariff_int.h"

#include <jansson.h>

static const char *const period_names[TOU_N] = { "sharp", "peak", "flat", "valley", "deep" };
static const char *const period_names_zh[TOU_N] = { "尖峰", "高峰", "平段", "低谷", "深谷" };
static const char *const user_types[] = { "resident", "general_ci", "large_industry",
                                          "agriculture" };

const char *tou_period_name(enum tou_period p)
{
    return (unsigned)p < TOU_N ? period_names[p] : "?";
}

const char *tou_period_name_zh(enum tou_period p)
{
    return (unsigned)p < TOU_N ? period_names_zh[p] : "?";
}

unsigned tariff_user_type_bit(const char *user_type)
{
    for (size_t i = 0; user_type && i < ARRAY_SIZE(user_types); i++)
        if (!strcmp(user_type, user_types[i]))
            return 1u << i;
    return 0;
}

/* ---- parse context and messages ------------------------------------------------------- */

struct pctx {
    struct tariff *t;
    const char *code; /* "?" until known */
    char version[40]; /* "version 2024-01-01", "version #2" or "" */
    struct err *err;
};

static int fail(struct pctx *p, const char *item, const char *fmt, ...) PMIS_PRINTF(3, 4);
/* The message in p->err (both languages) as ERR_INVALID naming the tariff and the item. */
static int fail_prefix(struct pctx *p, const char *item)
{
    p->err->code = ERR_INVALID;
    return error_prefix(p->err, "tariff '%s'%s%s: %s: ", p->code, *p->version ? " " : "",
                        p->version, item);
}

static int fail(struct pctx *p, const char *item, const char *fmt, ...)
{
    if (!p->err)
        return ERR_INVALID;
    va_list ap;
    va_start(ap, fmt);
    error_v(p->err, ERR_INVALID, fmt, ap);
    va_end(ap);
    return fail_prefix(p, item);
}

/* fail() with the message of `e`. */
static int fail_err(struct pctx *p, const char *item, const struct err *e)
{
    if (!p->err)
        return ERR_INVALID;
    *p->err = *e;
    p->err->field[0] = '\0';
    return fail_prefix(p, item);
}

/* Reject keys not in `allowed` (NULL-terminated). */
static int check_keys(struct pctx *p, json_t *obj, const char *item, const char *const *allowed)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key))
            i++;
        if (!allowed[i]) {
            char list[300] = "";
            size_t o = 0;
            for (i = 0; allowed[i] && o < sizeof(list) - 40; i++)
                o +=
                    (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", allowed[i]);
            return fail(p, item, "unknown key '%s' (allowed: %s)", key, list);
        }
    }
    return 0;
}

static int need_object(struct pctx *p, json_t *v, const char *item)
{
    if (!json_is_object(v))
        return fail(p, item, "must be an object");
    return 0;
}

static int need_array(struct pctx *p, json_t *v, const char *item, size_t min)
{
    if (!json_is_array(v))
        return fail(p, item, "must be an array");
    if (json_array_size(v) < min)
        return fail(p, item, "must have at least %zu element%s", min, min == 1 ? "" : "s");
    return 0;
}

static int get_str(struct pctx *p, json_t *obj, const char *key, const char *item, bool required,
                   const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            return fail(p, item, "'%s' is missing", key);
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return fail(p, item, "'%s' must be a string", key);
    *out = json_string_value(v);
    return 0;
}

/* A price: a JSON string with up to 8 decimals, not negative. */
static int get_price(struct pctx *p, json_t *v, const char *item, int64_t *out)
{
    struct err e = ERR_INIT;
    if (!json_is_string(v))
        return fail(p, item, "prices are strings such as \"0.4883\"");
    if (price_parse(json_string_value(v), out, &e))
        return fail_err(p, item, &e);
    if (*out < 0)
        return fail(p, item, "negative price '%s'", json_string_value(v));
    if (*out > TARIFF_PRICE_MAX_E8)
        return fail(p, item, "price '%s' above 1000000", json_string_value(v));
    return 0;
}

/* A ratio such as "1.7" (8 decimals at most), positive. */
static int get_ratio(struct pctx *p, json_t *v, const char *item, int64_t *out)
{
    struct err e = ERR_INIT;
    if (!json_is_string(v))
        return fail(p, item, "ratios are strings such as \"1.7\"");
    if (price_parse(json_string_value(v), out, &e))
        return fail(p, item, "invalid ratio '%s'", json_string_value(v));
    if (*out <= 0 || *out > INT64_C(1000) * PRICE_SCALE)
        return fail(p, item, "ratio '%s' must be above 0 and at most 1000", json_string_value(v));
    return 0;
}

/* kWh as a string ("2760", "2760.5") or an integer; positive. */
static int get_kwh(struct pctx *p, json_t *v, const char *item, int64_t *wh)
{
    struct err e = ERR_INIT;
    if (json_is_integer(v)) {
        if (__builtin_mul_overflow(json_integer_value(v), (int64_t)ENERGY_WH_PER_KWH, wh))
            return fail(p, item, "kWh out of range");
    } else if (json_is_string(v)) {
        if (energy_parse_kwh(json_string_value(v), wh, &e))
            return fail_err(p, item, &e);
    } else {
        return fail(p, item, "kWh must be an integer or a string");
    }
    if (*wh <= 0)
        return fail(p, item, "kWh must be positive");
    if (*wh > TARIFF_KWH_MAX * ENERGY_WH_PER_KWH)
        return fail(p, item, "kWh above 1000000000000");
    return 0;
}

static int get_int(struct pctx *p, json_t *obj, const char *key, const char *item, int min, int max,
                   int dflt, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return fail(p, item, "'%s' must be an integer %d..%d", key, min, max);
    *out = (int)json_integer_value(v);
    return 0;
}

static int period_of_name(const char *s)
{
    for (int i = 0; i < TOU_N; i++)
        if (!strcmp(s, period_names[i]))
            return i;
    return -1;
}

static int get_period(struct pctx *p, const char *name, const char *item, bool registers,
                      enum tou_period *out)
{
    int i = period_of_name(name);
    if (i < 0)
        return fail(p, item, "unknown period '%s' (sharp, peak, flat, valley, deep)", name);
    if (registers && i == TOU_DEEP)
        return fail(p, item,
                    "unknown register 'deep': deep valley has no meter register "
                    "(use source \"windows\")");
    *out = (enum tou_period)i;
    return 0;
}

/* months [1..12] into a bit mask (bit m); each month once */
static int get_months(struct pctx *p, json_t *v, const char *item, unsigned *mask)
{
    size_t i;
    json_t *m;
    if (need_array(p, v, item, 1))
        return ERR_INVALID;
    *mask = 0;
    json_array_foreach(v, i, m)
    {
        if (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 12)
            return fail(p, item, "months are integers 1..12");
        unsigned b = 1u << json_integer_value(m);
        if (*mask & b)
            return fail(p, item, "month %d twice", (int)json_integer_value(m));
        *mask |= b;
    }
    return 0;
}

/* every month 1..12 in exactly one of the seasons' masks */
static int check_month_cover(struct pctx *p, const unsigned *masks, int n, const char *item)
{
    unsigned all = 0;
    for (int i = 0; i < n; i++) {
        if (all & masks[i])
            for (int m = 1; m <= 12; m++)
                if (all & masks[i] & (1u << m))
                    return fail(p, item, "month %d is in two seasons", m);
        all |= masks[i];
    }
    for (int m = 1; m <= 12; m++)
        if (!(all & (1u << m)))
            return fail(p, item, "month %d is in no season", m);
    return 0;
}

/* "HH:MM" -> minute; "24:00" only when allow_24 */
static int get_hhmm(struct pctx *p, json_t *v, const char *item, bool allow_24, int *out)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
        s[1] > '9' || s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
        return fail(p, item, "times are \"HH:MM\"");
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m || !allow_24)))
        return fail(p, item, "invalid time '%s'", s);
    *out = h * 60 + m;
    return 0;
}

static const char *hhmm(int minute, char *buf)
{
    snprintf(buf, 8, "%02d:%02d", minute / 60 % 100, minute % 60);
    return buf;
}

/* ---- energy ---------------------------------------------------------------------------- */

/* round(base × ratio) to `dp` decimals, exactly from the full product (no double rounding) */
static int64_t mul_round(int64_t base_e8, int64_t ratio_e8, int dp)
{
    __int128 prod = (__int128)base_e8 * ratio_e8; /* 1e-16 units */
    __int128 unit = 1;
    for (int i = 0; i < 16 - dp; i++)
        unit *= 10;
    __int128 q = prod / unit, r = prod % unit;
    if (2 * r >= unit)
        q++;
    for (int i = 0; i < 8 - dp; i++)
        q *= 10;
    return (int64_t)q;
}

static int parse_derive(struct pctx *p, json_t *d, struct tariff_version *v, unsigned *periods)
{
    static const char *const keys[] = { "base", "ratios", "round_decimals", "adder", NULL };
    const char *item = "energy.tou.derive";
    int64_t base, adder = 0, pre[TOU_N] = { 0 };
    int dp, rc;
    const char *key;
    json_t *val;
    if ((rc = need_object(p, d, item)) || (rc = check_keys(p, d, item, keys)))
        return rc;
    if (!json_object_get(d, "base"))
        return fail(p, item, "'%s' is missing", "base");
    if ((rc = get_price(p, json_object_get(d, "base"), "energy.tou.derive.base", &base)) ||
        (rc = get_int(p, d, "round_decimals", item, 0, 8, 8, &dp)))
        return rc;
    if (json_object_get(d, "adder") &&
        (rc = get_price(p, json_object_get(d, "adder"), "energy.tou.derive.adder", &adder)))
        return rc;
    json_t *ratios = json_object_get(d, "ratios");
    if (!ratios || !json_is_object(ratios) || !json_object_size(ratios))
        return fail(p, item, "'ratios' must be an object of period: ratio");
    /* direct ratios of the base first, then ratios of another period's (rounded) price */
    for (int pass = 0; pass < 2; pass++) {
        json_object_foreach(ratios, key, val)
        {
            enum tou_period per;
            int64_t r;
            char it[80];
            snprintf(it, sizeof(it), "energy.tou.derive.ratios.%s", key);
            if ((rc = get_period(p, key, it, v->source == TV_REGISTERS, &per)))
                return rc;
            if (json_is_string(val)) {
                if (pass == 1)
                    continue;
                if ((rc = get_ratio(p, val, it, &r)))
                    return rc;
                pre[per] = mul_round(base, r, dp);
            } else if (json_is_object(val)) {
                static const char *const rk[] = { "of", "ratio", NULL };
                const char *of;
                enum tou_period ref;
                if (pass == 0) {
                    if ((rc = check_keys(p, val, it, rk)))
                        return rc;
                    continue;
                }
                if ((rc = get_str(p, val, "of", it, true, &of)) ||
                    (rc = get_period(p, of, it, false, &ref)))
                    return rc;
                json_t *rv = json_object_get(val, "ratio");
                if (!rv)
                    return fail(p, it, "'%s' is missing", "ratio");
                if ((rc = get_ratio(p, rv, it, &r)))
                    return rc;
                if (!(*periods & (1u << ref)) || !json_is_string(json_object_get(ratios, of)))
                    return fail(p, it, "'%s' must have a ratio of the base", of);
                pre[per] = mul_round(pre[ref], r, dp);
            } else {
                return fail(p, it, "a ratio is a string or {\"of\": PERIOD, \"ratio\": R}");
            }
            *periods |= 1u << per;
        }
    }
    for (int i = 0; i < TOU_N; i++)
        if (*periods & (1u << i))
            v->tou_price[i] = pre[i] + adder;
    return 0;
}

/* prices object {period: price} into prices[], periods mask */
static int parse_period_prices(struct pctx *p, json_t *obj, const char *item, bool registers,
                               int64_t *prices, unsigned *periods)
{
    const char *key;
    json_t *val;
    int rc;
    if ((rc = need_object(p, obj, item)))
        return rc;
    if (!json_object_size(obj))
        return fail(p, item, "no prices");
    *periods = 0;
    json_object_foreach(obj, key, val)
    {
        enum tou_period per;
        char it[80];
        snprintf(it, sizeof(it), "%s.%s", item, key);
        if ((rc = get_period(p, key, it, registers, &per)) ||
            (rc = get_price(p, val, it, &prices[per])))
            return rc;
        *periods |= 1u << per;
    }
    return 0;
}

static int parse_seasons(struct pctx *p, json_t *arr, struct tariff_version *v, unsigned *used)
{
    static const char *const skeys[] = { "name", "months", "windows", NULL };
    static const char *const wkeys[] = { "period", "from", "to", NULL };
    unsigned masks[TARIFF_MAX_SEASONS];
    size_t i, j;
    json_t *s, *w;
    int rc;
    if ((rc = need_array(p, arr, "energy.tou.seasons", 1)))
        return rc;
    if (json_array_size(arr) > TARIFF_MAX_SEASONS)
        return fail(p, "energy.tou.seasons", "at most %d seasons", TARIFF_MAX_SEASONS);
    v->nseasons = (int)json_array_size(arr);
    v->minute = arena_alloc(&p->t->arena, sizeof(*v->minute) * (size_t)v->nseasons);
    *used = 0;
    json_array_foreach(arr, i, s)
    {
        char it[120];
        const char *name;
        snprintf(it, sizeof(it), "energy.tou.seasons[%zu]", i);
        if ((rc = need_object(p, s, it)) || (rc = check_keys(p, s, it, skeys)) ||
            (rc = get_str(p, s, "name", it, false, &name)))
            return rc;
        if (!name)
            name = arena_sprintf(&p->t->arena, "#%zu", i + 1);
        v->season_name[i] = arena_strdup(&p->t->arena, name);
        snprintf(it, sizeof(it), "energy.tou.seasons '%s'", name);
        if (!json_object_get(s, "months"))
            return fail(p, it, "'%s' is missing", "months");
        if ((rc = get_months(p, json_object_get(s, "months"), it, &masks[i])))
            return rc;
        uint8_t *min = v->minute[i];
        memset(min, 0xFF, 1440);
        json_t *ws = json_object_get(s, "windows");
        if (!ws)
            return fail(p, it, "'%s' is missing", "windows");
        if ((rc = need_array(p, ws, it, 1)))
            return rc;
        json_array_foreach(ws, j, w)
        {
            char wit[160], b[8];
            const char *pname;
            enum tou_period per;
            int from, to;
            snprintf(wit, sizeof(wit), "%s window %zu", it, j + 1);
            if ((rc = need_object(p, w, wit)) || (rc = check_keys(p, w, wit, wkeys)) ||
                (rc = get_str(p, w, "period", wit, true, &pname)) ||
                (rc = get_period(p, pname, wit, false, &per)))
                return rc;
            if (!json_object_get(w, "from") || !json_object_get(w, "to"))
                return fail(p, wit, "'from' and 'to' are required");
            if ((rc = get_hhmm(p, json_object_get(w, "from"), wit, false, &from)) ||
                (rc = get_hhmm(p, json_object_get(w, "to"), wit, true, &to)))
                return rc;
            if (from == to || (to == 0 && from == 0))
                return fail(p, wit, "empty window %s-%s", hhmm(from, b), hhmm(from, b));
            /* a window may wrap midnight (22:00-06:00) */
            for (int m = from; m != to; m = (m + 1) % 1440) {
                if (min[m] != 0xFF)
                    return fail(p, it, "TOU windows overlap at %s (%s and %s)", hhmm(m, b),
                                period_names[min[m]], period_names[per]);
                min[m] = (uint8_t)per;
                if (to == 1440 && m == 1439)
                    break;
            }
            *used |= 1u << per;
        }
        for (int m = 0; m < 1440; m++)
            if (min[m] == 0xFF) {
                char b[8];
                return fail(p, it,
                            "TOU windows leave a gap at %s (windows must cover "
                            "00:00-24:00 exactly)",
                            hhmm(m, b));
            }
    }
    if ((rc = check_month_cover(p, masks, v->nseasons, "energy.tou.seasons")))
        return rc;
    for (int s2 = 0; s2 < v->nseasons; s2++)
        for (int m = 1; m <= 12; m++)
            if (masks[s2] & (1u << m))
                v->season_of_month[m] = (int8_t)s2;
    return 0;
}

static int parse_energy(struct pctx *p, json_t *e, struct tariff_version *v, bool prices_needed)
{
    static const char *const ekeys[] = { "price", "tou", NULL };
    static const char *const tkeys[] = { "source", "prices", "derive", "seasons", NULL };
    int rc;
    if ((rc = need_object(p, e, "energy")) || (rc = check_keys(p, e, "energy", ekeys)))
        return rc;
    json_t *price = json_object_get(e, "price"), *tou = json_object_get(e, "tou");
    if (!!price == !!tou)
        return fail(p, "energy", "give either 'price' (flat) or 'tou'");
    if (price) {
        v->energy = TV_FLAT;
        if (!prices_needed)
            return fail(p, "energy.price", "not allowed with tiers method \"proportional\"");
        return get_price(p, price, "energy.price", &v->price_e8);
    }
    v->energy = TV_TOU;
    const char *src;
    if ((rc = need_object(p, tou, "energy.tou")) ||
        (rc = check_keys(p, tou, "energy.tou", tkeys)) ||
        (rc = get_str(p, tou, "source", "energy.tou", true, &src)))
        return rc;
    if (!strcmp(src, "registers"))
        v->source = TV_REGISTERS;
    else if (!strcmp(src, "windows"))
        v->source = TV_WINDOWS;
    else
        return fail(p, "energy.tou.source", "unknown source '%s' (registers or windows)", src);
    json_t *prices = json_object_get(tou, "prices"), *derive = json_object_get(tou, "derive");
    json_t *seasons = json_object_get(tou, "seasons");
    unsigned priced = 0, used = 0;
    if (v->source == TV_WINDOWS) {
        if (!seasons)
            return fail(p, "energy.tou", "source \"windows\" needs 'seasons'");
        if ((rc = parse_seasons(p, seasons, v, &used)))
            return rc;
    } else if (seasons) {
        return fail(p, "energy.tou.seasons", "only with source \"windows\"");
    }
    if (prices && derive)
        return fail(p, "energy.tou", "give either 'prices' or 'derive', not both");
    if (!prices_needed) {
        if (prices || derive)
            return fail(p, "energy.tou",
                        "with tiers method \"proportional\" the prices are in "
                        "tiers.tou_prices, not here");
        v->periods = used; /* registers: set from tiers.tou_prices */
        return 0;
    }
    if (prices)
        rc = parse_period_prices(p, prices, "energy.tou.prices", v->source == TV_REGISTERS,
                                 v->tou_price, &priced);
    else if (derive)
        rc = parse_derive(p, derive, v, &priced);
    else
        return fail(p, "energy.tou", "'prices' or 'derive' is missing");
    if (rc)
        return rc;
    if (v->source == TV_WINDOWS) {
        for (int i = 0; i < TOU_N; i++) {
            if ((used & (1u << i)) && !(priced & (1u << i)))
                return fail(p, "energy.tou", "missing price for period '%s' used by the windows",
                            period_names[i]);
            if (!(used & (1u << i)) && (priced & (1u << i)))
                return fail(p, "energy.tou", "price for period '%s' that no window uses",
                            period_names[i]);
        }
    }
    v->periods = priced;
    for (int i = 0; i < TOU_N; i++)
        if ((priced & (1u << i)) && v->tou_price[i] < 0)
            return fail(p, "energy.tou", "negative price for '%s'", period_names[i]);
    return 0;
}

/* ---- tiers ----------------------------------------------------------------------------- */

static int parse_bounds(struct pctx *p, json_t *arr, const char *item, int64_t *out, int *n)
{
    size_t i;
    json_t *b;
    int rc;
    if ((rc = need_array(p, arr, item, 1)))
        return rc;
    if (json_array_size(arr) > TARIFF_MAX_TIERS - 1)
        return fail(p, item, "at most %d bounds", TARIFF_MAX_TIERS - 1);
    json_array_foreach(arr, i, b)
    {
        if ((rc = get_kwh(p, b, item, &out[i])))
            return rc;
        if (i > 0 && out[i] <= out[i - 1]) {
            char x[ENERGY_BUF_SIZE], y[ENERGY_BUF_SIZE];
            return fail(p, item, "bounds must increase: %s kWh after %s kWh",
                        energy_format_kwh3(out[i], x), energy_format_kwh3(out[i - 1], y));
        }
    }
    *n = (int)json_array_size(arr);
    return 0;
}

static int parse_price_list(struct pctx *p, json_t *arr, const char *item, int want, int64_t *out)
{
    size_t i;
    json_t *x;
    int rc;
    if ((rc = need_array(p, arr, item, 1)))
        return rc;
    if ((int)json_array_size(arr) != want)
        return fail(p, item, "%d tiers need %d prices, got %zu", want, want, json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        if ((rc = get_price(p, x, item, &out[i])))
            return rc;
    }
    return 0;
}

static int parse_tiers(struct pctx *p, json_t *t, struct tariff_version *v, json_t *energy)
{
    static const char *const keys[] = { "basis",  "bounds_kwh", "seasons",    "method",
                                        "prices", "surcharges", "tou_prices", NULL };
    const char *basis, *method;
    int rc, nb = 0;
    if ((rc = need_object(p, t, "tiers")) || (rc = check_keys(p, t, "tiers", keys)) ||
        (rc = get_str(p, t, "basis", "tiers", true, &basis)) ||
        (rc = get_str(p, t, "method", "tiers", true, &method)))
        return rc;
    if (!strcmp(basis, "monthly"))
        v->tier_basis = TV_TIER_MONTHLY;
    else if (!strcmp(basis, "annual"))
        v->tier_basis = TV_TIER_ANNUAL;
    else
        return fail(p, "tiers.basis", "unknown basis '%s' (monthly or annual)", basis);
    json_t *bounds = json_object_get(t, "bounds_kwh"), *seasons = json_object_get(t, "seasons");
    if (!!bounds == !!seasons)
        return fail(p, "tiers", "give either 'bounds_kwh' or 'seasons'");
    if (bounds) {
        if ((rc = parse_bounds(p, bounds, "tiers.bounds_kwh", v->bound_wh[0], &nb)))
            return rc;
        v->ntier_seasons = 1;
        for (int m = 1; m <= 12; m++)
            v->tier_season_of_month[m] = 0;
    } else {
        static const char *const skeys[] = { "name", "months", "bounds_kwh", NULL };
        unsigned masks[TARIFF_MAX_SEASONS];
        size_t i;
        json_t *s;
        if (v->tier_basis != TV_TIER_MONTHLY)
            return fail(p, "tiers.seasons", "seasonal bounds only with basis \"monthly\"");
        if ((rc = need_array(p, seasons, "tiers.seasons", 1)))
            return rc;
        if (json_array_size(seasons) > TARIFF_MAX_SEASONS)
            return fail(p, "tiers.seasons", "at most %d seasons", TARIFF_MAX_SEASONS);
        json_array_foreach(seasons, i, s)
        {
            char it[60];
            int n;
            snprintf(it, sizeof(it), "tiers.seasons[%zu]", i);
            if ((rc = need_object(p, s, it)) || (rc = check_keys(p, s, it, skeys)))
                return rc;
            if (!json_object_get(s, "months") || !json_object_get(s, "bounds_kwh"))
                return fail(p, it, "'months' and 'bounds_kwh' are required");
            if ((rc = get_months(p, json_object_get(s, "months"), it, &masks[i])) ||
                (rc = parse_bounds(p, json_object_get(s, "bounds_kwh"), it, v->bound_wh[i], &n)))
                return rc;
            if (i > 0 && n != nb)
                return fail(p, it, "every season needs the same number of bounds (%d, not %d)", nb,
                            n);
            nb = n;
        }
        v->ntier_seasons = (int)json_array_size(seasons);
        if ((rc = check_month_cover(p, masks, v->ntier_seasons, "tiers.seasons")))
            return rc;
        for (int s2 = 0; s2 < v->ntier_seasons; s2++)
            for (int m = 1; m <= 12; m++)
                if (masks[s2] & (1u << m))
                    v->tier_season_of_month[m] = (int8_t)s2;
    }
    v->ntiers = nb + 1;
    json_t *prices = json_object_get(t, "prices"), *sur = json_object_get(t, "surcharges");
    json_t *tp = json_object_get(t, "tou_prices");
    if (!strcmp(method, "prices")) {
        v->tier_method = TV_TIER_PRICES;
        if (energy)
            return fail(p, "energy",
                        "not allowed with tiers method \"prices\" (tiers.prices "
                        "gives every tier's price)");
        if (sur || tp || !prices)
            return fail(p, "tiers", "method \"prices\" takes 'prices' only");
        v->energy = TV_FLAT;
        return parse_price_list(p, prices, "tiers.prices", v->ntiers, v->tier_price);
    }
    if (!energy)
        return fail(p, "energy", "'%s' is missing", "energy");
    if (!strcmp(method, "surcharge")) {
        v->tier_method = TV_TIER_SURCHARGE;
        if (prices || tp || !sur)
            return fail(p, "tiers", "method \"surcharge\" takes 'surcharges' only");
        return parse_price_list(p, sur, "tiers.surcharges", v->ntiers, v->surcharge);
    }
    if (!strcmp(method, "proportional")) {
        size_t i;
        json_t *o;
        v->tier_method = TV_TIER_PROPORTIONAL;
        if (prices || sur || !tp)
            return fail(p, "tiers", "method \"proportional\" takes 'tou_prices' only");
        if (v->energy != TV_TOU)
            return fail(p, "tiers", "method \"proportional\" needs a TOU 'energy'");
        if ((rc = need_array(p, tp, "tiers.tou_prices", 1)))
            return rc;
        if ((int)json_array_size(tp) != v->ntiers)
            return fail(p, "tiers.tou_prices", "%d tiers need %d price sets, got %zu", v->ntiers,
                        v->ntiers, json_array_size(tp));
        json_array_foreach(tp, i, o)
        {
            char it[60];
            unsigned got;
            snprintf(it, sizeof(it), "tiers.tou_prices[%zu]", i);
            if ((rc = parse_period_prices(p, o, it, v->source == TV_REGISTERS, v->tier_tou_price[i],
                                          &got)))
                return rc;
            if (v->source == TV_REGISTERS && i == 0)
                v->periods = got;
            for (int k = 0; k < TOU_N; k++) {
                if ((v->periods & (1u << k)) && !(got & (1u << k)))
                    return fail(p, it, "missing price for period '%s'", period_names[k]);
                if (!(v->periods & (1u << k)) && (got & (1u << k)))
                    return fail(p, it, "price for period '%s' that is not used", period_names[k]);
            }
        }
        for (int k = 0; k < TOU_N; k++)
            v->tou_price[k] = v->tier_tou_price[0][k];
        return 0;
    }
    return fail(p, "tiers.method", "unknown method '%s' (prices, surcharge or proportional)",
                method);
}

/* ---- basic charge, power factor, funds ------------------------------------------------- */

static int parse_basic(struct pctx *p, json_t *b, struct tariff_version *v)
{
    static const char *const keys[] = { "method",           "price",     "excess_percent",
                                        "excess_rule",      "proration", "min_contract_percent",
                                        "high_utilisation", NULL };
    const char *method, *rule, *pro;
    int rc;
    if ((rc = need_object(p, b, "basic")) || (rc = check_keys(p, b, "basic", keys)) ||
        (rc = get_str(p, b, "method", "basic", true, &method)) ||
        (rc = get_str(p, b, "excess_rule", "basic", false, &rule)) ||
        (rc = get_str(p, b, "proration", "basic", false, &pro)))
        return rc;
    if (!json_object_get(b, "price"))
        return fail(p, "basic", "'%s' is missing", "price");
    if ((rc = get_price(p, json_object_get(b, "price"), "basic.price", &v->basic_price_e8)))
        return rc;
    if (!strcmp(method, "capacity"))
        v->basic = TV_BASIC_CAPACITY;
    else if (!strcmp(method, "demand"))
        v->basic = TV_BASIC_DEMAND;
    else
        return fail(p, "basic.method", "unknown method '%s' (capacity or demand)", method);
    v->prorate = TV_PRORATE_CALENDAR_DAYS;
    if (pro && !strcmp(pro, "thirty"))
        v->prorate = TV_PRORATE_THIRTY;
    else if (pro && strcmp(pro, "calendar_days"))
        return fail(p, "basic.proration", "unknown proration '%s' (calendar_days or thirty)", pro);
    if (v->basic == TV_BASIC_CAPACITY) {
        if (rule || json_object_get(b, "excess_percent") ||
            json_object_get(b, "min_contract_percent") || json_object_get(b, "high_utilisation"))
            return fail(p, "basic",
                        "excess, contract and utilisation rules are for method "
                        "\"demand\" only");
        return 0;
    }
    v->excess_rule = TV_EXCESS_DOUBLE;
    if (rule && !strcmp(rule, "actual_plus_excess"))
        v->excess_rule = TV_EXCESS_ACTUAL_PLUS;
    else if (rule && strcmp(rule, "double_excess"))
        return fail(p, "basic.excess_rule",
                    "unknown rule '%s' (double_excess or actual_plus_excess)", rule);
    if ((rc = get_int(p, b, "excess_percent", "basic", 100, 1000, 105, &v->excess_percent)) ||
        (rc = get_int(p, b, "min_contract_percent", "basic", 0, 100, 0, &v->min_contract_percent)))
        return rc;
    json_t *hu = json_object_get(b, "high_utilisation");
    if (hu) {
        static const char *const hk[] = { "kwh_per_kva", "percent", NULL };
        if ((rc = need_object(p, hu, "basic.high_utilisation")) ||
            (rc = check_keys(p, hu, "basic.high_utilisation", hk)))
            return rc;
        if (!json_object_get(hu, "kwh_per_kva") || !json_object_get(hu, "percent"))
            return fail(p, "basic.high_utilisation", "'kwh_per_kva' and 'percent' are required");
        if ((rc = get_kwh(p, json_object_get(hu, "kwh_per_kva"), "basic.high_utilisation",
                          &v->hu_kwh_per_kva)) ||
            (rc = get_int(p, hu, "percent", "basic.high_utilisation", 1, 100, 100, &v->hu_percent)))
            return rc;
        v->hu_kwh_per_kva /= ENERGY_WH_PER_KWH;
        if (!v->hu_kwh_per_kva)
            return fail(p, "basic.high_utilisation", "'kwh_per_kva' must be at least 1");
    }
    return 0;
}

static int parse_pf(struct pctx *p, json_t *o, struct tariff_version *v)
{
    static const char *const keys[] = { "apply", "base", NULL };
    int rc;
    if ((rc = need_object(p, o, "pf")) || (rc = check_keys(p, o, "pf", keys)))
        return rc;
    json_t *apply = json_object_get(o, "apply"), *base = json_object_get(o, "base");
    if (apply && !json_is_boolean(apply))
        return fail(p, "pf.apply", "must be true or false");
    v->pf = !apply || json_is_true(apply);
    v->pf_base = TV_PF_BASIC | TV_PF_ENERGY;
    if (base) {
        size_t i;
        json_t *x;
        if ((rc = need_array(p, base, "pf.base", 1)))
            return rc;
        v->pf_base = 0;
        json_array_foreach(base, i, x)
        {
            const char *s = json_is_string(x) ? json_string_value(x) : "";
            unsigned bit = !strcmp(s, "basic")    ? TV_PF_BASIC
                           : !strcmp(s, "energy") ? TV_PF_ENERGY
                           : !strcmp(s, "funds")  ? TV_PF_FUNDS
                                                  : 0;
            if (!bit)
                return fail(p, "pf.base", "unknown component '%s' (basic, energy, funds)", s);
            v->pf_base |= bit;
        }
    }
    return 0;
}

static bool valid_code(const char *s, bool fund)
{
    size_t n = strlen(s);
    if (!n || n > TARIFF_CODE_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
              (!fund && ((*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '.'))))
            return false;
    return true;
}

static int parse_funds(struct pctx *p, json_t *arr, struct tariff_version *v)
{
    static const char *const keys[] = { "code", "name", "price", "exempt", NULL };
    size_t i, j;
    json_t *f, *x;
    int rc;
    if ((rc = need_array(p, arr, "funds", 0)))
        return rc;
    if (json_array_size(arr) > TARIFF_MAX_FUNDS)
        return fail(p, "funds", "at most %d funds", TARIFF_MAX_FUNDS);
    json_array_foreach(arr, i, f)
    {
        struct tv_fund *fd = &v->funds[i];
        const char *code, *name;
        char it[80];
        snprintf(it, sizeof(it), "funds[%zu]", i);
        if ((rc = need_object(p, f, it)) || (rc = check_keys(p, f, it, keys)) ||
            (rc = get_str(p, f, "code", it, true, &code)))
            return rc;
        if (!valid_code(code, true))
            return fail(p, it, "invalid fund code '%s' (a-z, 0-9, _)", code);
        snprintf(it, sizeof(it), "fund '%s'", code);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(v->funds[k].code, code))
                return fail(p, it, "fund code twice");
        if ((rc = get_str(p, f, "name", it, true, &name)))
            return rc;
        if (!json_object_get(f, "price"))
            return fail(p, it, "'%s' is missing", "price");
        if ((rc = get_price(p, json_object_get(f, "price"), it, &fd->price_e8)))
            return rc;
        fd->code = arena_strdup(&p->t->arena, code);
        fd->name = arena_strdup(&p->t->arena, name);
        json_t *ex = json_object_get(f, "exempt");
        if (ex) {
            if ((rc = need_array(p, ex, it, 0)))
                return rc;
            json_array_foreach(ex, j, x)
            {
                unsigned bit = json_is_string(x) ? tariff_user_type_bit(json_string_value(x)) : 0;
                if (!bit)
                    return fail(p, it,
                                "unknown user type in 'exempt' (resident, general_ci, "
                                "large_industry, agriculture)");
                fd->exempt |= bit;
            }
        }
    }
    v->nfunds = (int)json_array_size(arr);
    return 0;
}

/* ---- version and tariff ---------------------------------------------------------------- */

static int parse_version(struct pctx *p, json_t *o, size_t idx, struct tariff_version *v)
{
    static const char *const keys[] = { "effective_from", "note", "energy", "tiers",
                                        "basic",          "pf",   "funds",  NULL };
    const char *from, *note;
    struct err e = ERR_INIT;
    int rc;
    snprintf(p->version, sizeof(p->version), "version #%zu", idx + 1);
    if ((rc = need_object(p, o, "version")) ||
        (rc = get_str(p, o, "effective_from", "effective_from", true, &from)))
        return rc;
    if (date_parse(from, &v->from, &e))
        return fail_err(p, "effective_from", &e);
    snprintf(p->version, sizeof(p->version), "version %s", from);
    if ((rc = check_keys(p, o, "version", keys)) ||
        (rc = get_str(p, o, "note", "note", false, &note)))
        return rc;
    v->from_day = date_to_days(v->from);
    v->note = arena_strdup(&p->t->arena, note ? note : "");
    json_t *energy = json_object_get(o, "energy"), *tiers = json_object_get(o, "tiers");
    bool prices_needed = true;
    if (tiers && json_is_object(tiers)) {
        json_t *m = json_object_get(tiers, "method");
        prices_needed = !(json_is_string(m) && !strcmp(json_string_value(m), "proportional"));
    }
    if (energy && (rc = parse_energy(p, energy, v, prices_needed)))
        return rc;
    if (tiers) {
        if ((rc = parse_tiers(p, tiers, v, energy)))
            return rc;
    } else if (!energy) {
        return fail(p, "energy", "'%s' is missing", "energy");
    }
    if (json_object_get(o, "basic") && (rc = parse_basic(p, json_object_get(o, "basic"), v)))
        return rc;
    if (json_object_get(o, "pf") && (rc = parse_pf(p, json_object_get(o, "pf"), v)))
        return rc;
    if (json_object_get(o, "funds") && (rc = parse_funds(p, json_object_get(o, "funds"), v)))
        return rc;
    char *canon = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    v->json = arena_strdup(&p->t->arena, canon);
    free(canon);
    return 0;
}

static int parse_tariff(json_t *o, size_t idx, struct tariff **out, struct err *err)
{
    static const char *const keys[] = { "code", "name", "category", "note", "versions", NULL };
    struct tariff *t = calloc(1, sizeof(*t));
    struct pctx p = { .t = t, .code = "?", .err = err };
    const char *code, *name, *cat, *note;
    char where[32];
    int rc;
    if (!t)
        abort();
    snprintf(where, sizeof(where), "#%zu", idx + 1);
    p.code = where;
    if ((rc = need_object(&p, o, "tariff")) || (rc = get_str(&p, o, "code", "code", true, &code)))
        goto fail;
    if (!valid_code(code, false)) {
        rc = fail(&p, "code", "invalid code '%.40s' (letters, digits, '-', '_', '.', at most %d)",
                  code, TARIFF_CODE_MAX);
        goto fail;
    }
    t->code = arena_strdup(&t->arena, code);
    p.code = t->code;
    if ((rc = check_keys(&p, o, "tariff", keys)) ||
        (rc = get_str(&p, o, "name", "name", true, &name)) ||
        (rc = get_str(&p, o, "category", "category", true, &cat)) ||
        (rc = get_str(&p, o, "note", "note", false, &note)))
        goto fail;
    if (!*name) {
        rc = fail(&p, "name", "must not be empty");
        goto fail;
    }
    if (!tariff_user_type_bit(cat)) {
        rc = fail(&p, "category",
                  "unknown category '%s' (resident, general_ci, large_industry, agriculture)", cat);
        goto fail;
    }
    t->name = arena_strdup(&t->arena, name);
    t->category = arena_strdup(&t->arena, cat);
    t->note = arena_strdup(&t->arena, note ? note : "");
    json_t *vs = json_object_get(o, "versions");
    if (!vs) {
        rc = fail(&p, "versions", "'%s' is missing", "versions");
        goto fail;
    }
    if ((rc = need_array(&p, vs, "versions", 1)))
        goto fail;
    t->nversions = (int)json_array_size(vs);
    t->v = arena_alloc(&t->arena, sizeof(*t->v) * (size_t)t->nversions);
    for (int i = 0; i < t->nversions; i++) {
        if ((rc = parse_version(&p, json_array_get(vs, (size_t)i), (size_t)i, &t->v[i])))
            goto fail;
        if (i > 0 && t->v[i].from_day <= t->v[i - 1].from_day) {
            char b[DATE_BUF_SIZE];
            date_format(t->v[i].from, b);
            if (t->v[i].from_day == t->v[i - 1].from_day)
                rc = fail(&p, "effective_from", "duplicate effective date %s", b);
            else
                rc = fail(&p, "effective_from",
                          "versions must be in ascending order of effective_from (%s)", b);
            goto fail;
        }
    }
    *out = t;
    return 0;
fail:
    tariff_free(t);
    return rc;
}

int tariff_parse_json_all(const char *text, size_t len, struct tariff ***out, size_t *n,
                          struct err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return error(err, ERR_INVALID, "invalid JSON at line %d column %d: %s", je.line, je.column,
                     je.text);
    size_t cnt = json_is_array(root) ? json_array_size(root) : 1;
    struct tariff **v = calloc(cnt ? cnt : 1, sizeof(*v));
    int rc = 0;
    if (!v)
        abort();
    if (!cnt)
        rc = error(err, ERR_INVALID, "the file holds no tariff");
    for (size_t i = 0; i < cnt && !rc; i++) {
        json_t *o = json_is_array(root) ? json_array_get(root, i) : root;
        if ((rc = parse_tariff(o, i, &v[i], err)))
            break;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(v[k]->code, v[i]->code)) {
                rc = error(err, ERR_INVALID, "tariff '%s' is in the file twice", v[i]->code);
                i++; /* free it too */
                break;
            }
    }
    json_decref(root);
    if (rc) {
        tariff_free_all(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return 0;
}

int tariff_parse_json(const char *text, size_t len, struct tariff **out, struct err *err)
{
    struct tariff **v;
    size_t n;
    int rc = tariff_parse_json_all(text, len, &v, &n, err);
    if (rc)
        return rc;
    if (n != 1) {
        tariff_free_all(v, n);
        return error(err, ERR_INVALID, "expected one tariff, the file holds %zu", n);
    }
    *out = v[0];
    free(v);
    return 0;
}

void tariff_free(struct tariff *t)
{
    if (!t)
        return;
    arena_release(&t->arena);
    free(t);
}

void tariff_free_all(struct tariff **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        tariff_free(v[i]);
    free(v);
}

/* ---- accessors ------------------------------------------------------------------------- */

const char *tariff_code(const struct tariff *t)
{
    return t->code;
}

const char *tariff_category(const struct tariff *t)
{
    return t->category;
}

const char *tariff_name(const struct tariff *t)
{
    return t->name;
}

const char *tariff_note(const struct tariff *t)
{
    return t->note;
}

int tariff_version_count(const struct tariff *t)
{
    return t->nversions;
}

struct date tariff_version_from(const struct tariff *t, int i)
{
    return t->v[i].from;
}

const char *tariff_version_json(const struct tariff *t, int i)
{
    return t->v[i].json;
}

char *tariff_to_json(const struct tariff *t)
{
    json_t *o = json_object(), *vs = json_array();
    json_object_set_new(o, "code", json_string(t->code));
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "category", json_string(t->category));
    if (*t->note)
        json_object_set_new(o, "note", json_string(t->note));
    for (int i = 0; i < t->nversions; i++)
        json_array_append_new(vs, json_loads(t->v[i].json, 0, NULL));
    json_object_set_new(o, "versions", vs);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!s)
        abort();
    return s;
}

char *tariff_version_summary(const struct tariff *t, int i, char *buf, size_t size)
{
    const struct tariff_version *v = &t->v[i];
    char pb[MONEY_BUF_SIZE], kb[ENERGY_BUF_SIZE];
    size_t o = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (o < size)                                                                              \
            o += (size_t)snprintf(buf + o, size - o, __VA_ARGS__);                                 \
    } while (0)
    buf[0] = '\0';
    if (v->tier_basis != TV_TIER_NONE) {
        ADD("tiers %s %s, bounds", v->tier_basis == TV_TIER_ANNUAL ? "annual" : "monthly",
            v->tier_method == TV_TIER_PRICES      ? "prices"
            : v->tier_method == TV_TIER_SURCHARGE ? "surcharge"
                                                  : "proportional");
        for (int s = 0; s < v->ntier_seasons; s++) {
            ADD("%s", s ? " |" : "");
            for (int k = 0; k < v->ntiers - 1; k++) {
                decimal_format(v->bound_wh[s][k], 3, 0, 0, kb);
                ADD("%s%s", k ? "/" : " ", kb);
            }
        }
        ADD(" kWh");
        if (v->tier_method == TV_TIER_PRICES)
            for (int k = 0; k < v->ntiers; k++)
                ADD("%s%s", k ? "/" : ", prices ", price_format(v->tier_price[k], pb));
        if (v->tier_method == TV_TIER_SURCHARGE)
            for (int k = 0; k < v->ntiers; k++)
                ADD("%s%s", k ? "/" : ", surcharges ", price_format(v->surcharge[k], pb));
        ADD("; ");
    }
    if (v->energy == TV_FLAT && (v->tier_basis == TV_TIER_NONE || v->tier_method != TV_TIER_PRICES))
        ADD("energy %s", price_format(v->price_e8, pb));
    else if (v->energy == TV_TOU) {
        ADD("energy TOU (%s", v->source == TV_WINDOWS ? "windows" : "registers");
        if (v->source == TV_WINDOWS)
            ADD(", %d season%s", v->nseasons, v->nseasons == 1 ? "" : "s");
        ADD(")");
        for (int k = 0; k < v->ntiers || k < 1; k++) {
            if (v->tier_method == TV_TIER_PROPORTIONAL)
                ADD(" tier%d", k + 1);
            for (int per = 0; per < TOU_N; per++)
                if (v->periods & (1u << per))
                    ADD(" %s %s", period_names[per],
                        price_format(v->tier_method == TV_TIER_PROPORTIONAL
                                         ? v->tier_tou_price[k][per]
                                         : v->tou_price[per],
                                     pb));
            if (v->tier_method != TV_TIER_PROPORTIONAL)
                break;
        }
    }
    if (v->basic == TV_BASIC_CAPACITY)
        ADD("; basic capacity %s/kVA", price_format(v->basic_price_e8, pb));
    else if (v->basic == TV_BASIC_DEMAND)
        ADD("; basic demand %s/kW (excess > %d%% %s)", price_format(v->basic_price_e8, pb),
            v->excess_percent,
            v->excess_rule == TV_EXCESS_DOUBLE ? "double_excess" : "actual_plus_excess");
    if (v->basic)
        ADD(", proration %s", v->prorate == TV_PRORATE_THIRTY ? "thirty" : "calendar_days");
    if (v->pf)
        ADD("; pf adjustment");
    for (int f = 0; f < v->nfunds; f++)
        ADD("%s%s %s", f ? ", " : "; funds ", v->funds[f].code,
            price_format(v->funds[f].price_e8, pb));
#undef ADD
    return buf;
}
