/* Stored text forms of bill inputs and lines (bill_text.h). */
#include "domain/bill_text.h"

#include "core/arena.h"

void bill_text_i64(struct strbuf *sb, int64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    strbuf_add(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void add_digits(struct strbuf *sb, unsigned v, int width)
{
    char b[8];
    for (int i = width - 1; i >= 0; i--, v /= 10)
        b[i] = (char)('0' + v % 10);
    strbuf_add(sb, b, (size_t)width);
}

void bill_text_date(struct strbuf *sb, struct date d)
{
    add_digits(sb, (unsigned)d.y % 10000, 4);
    strbuf_addch(sb, '-');
    add_digits(sb, (unsigned)d.m % 100, 2);
    strbuf_addch(sb, '-');
    add_digits(sb, (unsigned)d.d % 100, 2);
}

/* Zero is the decoder's default, so zero fields are left out (a shorter row per bill). */
static void kv_i64(struct strbuf *sb, const char *k, int64_t v)
{
    if (!v)
        return;
    strbuf_addstr(sb, k);
    strbuf_addch(sb, '=');
    bill_text_i64(sb, v);
    strbuf_addch(sb, ';');
}

static void kv_date(struct strbuf *sb, const char *k, struct date d)
{
    if (!date_is_valid(d))
        return;
    strbuf_addstr(sb, k);
    strbuf_addch(sb, '=');
    bill_text_date(sb, d);
    strbuf_addch(sb, ';');
}

static const char *const tou_keys[TOU_N] = { "sharp", "peak", "flat", "valley", "deep" };

void bill_usage_encode(const struct usage *u, struct strbuf *sb)
{
    strbuf_addstr(sb, "period=");
    add_digits(sb, (unsigned)u->period.y % 10000, 4);
    strbuf_addch(sb, '-');
    add_digits(sb, (unsigned)u->period.m % 100, 2);
    strbuf_addch(sb, ';');
    kv_date(sb, "from", u->from);
    kv_date(sb, "to", u->to);
    /* always: the decoder's default is usage_init's 1, not 0 */
    strbuf_addstr(sb, "cycle=");
    bill_text_i64(sb, u->cycle_months);
    strbuf_addch(sb, ';');
    kv_i64(sb, "days", u->supply_days);
    kv_i64(sb, "total", u->total_wh);
    kv_i64(sb, "tou", u->has_tou);
    for (int i = 0; i < TOU_N; i++)
        kv_i64(sb, tou_keys[i], u->tou_wh[i]);
    kv_i64(sb, "has_reactive", u->has_reactive);
    kv_i64(sb, "reactive", u->reactive_varh);
    kv_i64(sb, "capacity", u->capacity_va);
    kv_i64(sb, "demand", u->demand_w);
    kv_i64(sb, "contract", u->contract_demand_w);
    kv_i64(sb, "ytd", u->ytd_wh);
    kv_i64(sb, "miy", u->months_in_year);
    kv_i64(sb, "pf", u->pf_standard);
    strbuf_addstr(sb, "type=");
    strbuf_addstr(sb, u->user_type ? u->user_type : "");
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
    bool neg = n && *s == '-';
    uint64_t v = 0;
    size_t i = neg;
    if (i == n || n > 20)
        return -1;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + neg)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int bill_usage_decode(const char *text, struct arena *arena, struct usage *u, struct err *err)
{
    usage_init(u);
    for (const char *p = text; *p;) {
        const char *semi = strchr(p, ';'), *eq = strchr(p, '=');
        const char *end = semi ? semi : p + strlen(p);
        int64_t v = 0;
        char key[16];
        if (!eq || eq > end || (size_t)(eq - p) >= sizeof(key))
            return error(err, ERR_CORRUPT, "bill usage: bad field '%.*s'", (int)(end - p), p);
        memcpy(key, p, (size_t)(eq - p));
        key[eq - p] = '\0';
        const char *val = eq + 1;
        size_t vlen = (size_t)(end - val);
        char tmp[32];
        if (vlen < sizeof(tmp)) {
            memcpy(tmp, val, vlen);
            tmp[vlen] = '\0';
        } else {
            tmp[0] = '\0';
        }
        struct err e2 = ERR_INIT;
        if (!strcmp(key, "period")) {
            if (period_parse(tmp, &u->period, &e2))
                goto bad;
        } else if (!strcmp(key, "from") || !strcmp(key, "to")) {
            struct date d = { 0, 0, 0 };
            if (vlen && date_parse(tmp, &d, &e2))
                goto bad;
            *(!strcmp(key, "from") ? &u->from : &u->to) = d;
        } else if (!strcmp(key, "type")) {
            u->user_type = arena_strndup(arena, val, vlen);
        } else {
            int i;
            if (parse_i64(val, vlen, &v))
                goto bad;
            for (i = 0; i < TOU_N && strcmp(key, tou_keys[i]); i++)
                ;
            if (i < TOU_N)
                u->tou_wh[i] = v;
            else if (!strcmp(key, "cycle"))
                u->cycle_months = (int)v;
            else if (!strcmp(key, "days"))
                u->supply_days = (int)v;
            else if (!strcmp(key, "total"))
                u->total_wh = v;
            else if (!strcmp(key, "tou"))
                u->has_tou = v != 0;
            else if (!strcmp(key, "has_reactive"))
                u->has_reactive = v != 0;
            else if (!strcmp(key, "reactive"))
                u->reactive_varh = v;
            else if (!strcmp(key, "capacity"))
                u->capacity_va = v;
            else if (!strcmp(key, "demand"))
                u->demand_w = v;
            else if (!strcmp(key, "contract"))
                u->contract_demand_w = v;
            else if (!strcmp(key, "ytd"))
                u->ytd_wh = v;
            else if (!strcmp(key, "miy"))
                u->months_in_year = (int)v;
            else if (!strcmp(key, "pf"))
                u->pf_standard = (int)v;
            else
                return error(err, ERR_CORRUPT, "bill usage: unknown field '%s'", key);
        }
        p = semi ? semi + 1 : end;
        continue;
    bad:
        return error(err, ERR_CORRUPT, "bill usage: bad value of '%s': '%.*s'", key, (int)vlen,
                     val);
    }
    return 0;
}

static const char *const unit_names[] = { "Wh", "varh", "W", "VA", "fen", "days" };

const char *qty_unit_name(enum qty_unit u)
{
    return (unsigned)u < ARRAY_SIZE(unit_names) ? unit_names[u] : "?";
}

static const char *const item_names[] = { "energy", "tier_surcharge", "basic", "basic_excess",
                                          "pf_adjust", "fund" };

const char *line_item_name(enum line_item i)
{
    return (unsigned)i < ARRAY_SIZE(item_names) ? item_names[i] : "?";
}

void bill_parts_encode(const struct quote_line *l, struct strbuf *sb)
{
    for (int i = 0; i < l->nparts; i++) {
        const struct quote_part *p = &l->parts[i];
        if (i)
            strbuf_addch(sb, ';');
        strbuf_addstr(sb, p->label ? p->label : "");
        strbuf_addch(sb, ',');
        strbuf_addstr(sb, qty_unit_name(p->unit));
        strbuf_addch(sb, ',');
        bill_text_i64(sb, p->qty);
        strbuf_addch(sb, ',');
        bill_text_i64(sb, p->price_e8);
        strbuf_addch(sb, ',');
        bill_text_i64(sb, p->num);
        strbuf_addch(sb, ',');
        bill_text_i64(sb, p->den);
    }
}

int bill_parts_decode(const char *text, struct arena *arena, struct quote_line *l,
                      struct err *err)
{
    l->nparts = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, ';');
        const char *f[6];
        size_t flen[6];
        int nf = 0;
        if (!end)
            end = p + strlen(p);
        if (l->nparts == QUOTE_MAX_PARTS)
            return error(err, ERR_CORRUPT, "bill line: more than %d parts", QUOTE_MAX_PARTS);
        for (const char *q = p; nf < 6;) {
            const char *c = memchr(q, ',', (size_t)(end - q));
            f[nf] = q;
            flen[nf++] = (size_t)((c ? c : end) - q);
            if (!c)
                break;
            q = c + 1;
        }
        struct quote_part *pt = &l->parts[l->nparts];
        int u;
        if (nf != 6)
            goto bad;
        for (u = 0; u < (int)ARRAY_SIZE(unit_names); u++)
            if (strlen(unit_names[u]) == flen[1] && !memcmp(unit_names[u], f[1], flen[1]))
                break;
        if (u == (int)ARRAY_SIZE(unit_names) || parse_i64(f[2], flen[2], &pt->qty) ||
            parse_i64(f[3], flen[3], &pt->price_e8) || parse_i64(f[4], flen[4], &pt->num) ||
            parse_i64(f[5], flen[5], &pt->den) || !pt->den)
            goto bad;
        pt->unit = (enum qty_unit)u;
        pt->label = arena_strndup(arena, f[0], flen[0]);
        l->nparts++;
        p = *end ? end + 1 : end;
        continue;
    bad:
        return error(err, ERR_CORRUPT, "bill line: bad part '%.*s'", (int)(end - p), p);
    }
    return 0;
}
