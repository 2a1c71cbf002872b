/*
 * Unit tests for the tariff parser and engine (domain/tariff.h): the worked examples of
 * cn-tariff-rules.md (R1-R9, T1-T3, E9a-E9e, PF2-PF4, F1) with tariffs written here from the
 * rules' parameters, tier bounds at and around the edges, versions changing inside a period,
 * partial months, the invariants of every quote (total = sum of lines, each line = its parts
 * rounded once, deterministic), and the parser's refusals, each naming the item at fault.
 * Expected amounts come from the rules document, never from the engine's own output.
 */
#include "core/common.h"
#include "core/money.h"
#include "domain/tariff.h"

#include <setjmp.h>
#include <cmocka.h>

#define KWH(x) ((int64_t)(x)*1000)

/* JSON written with single quotes (no apostrophes in the texts) */
static char *dq(const char *sq)
{
    char *s = strdup(sq);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static struct tariff *parse(const char *sq)
{
    struct err e = ERR_INIT;
    struct tariff *t = NULL;
    char *s = dq(sq);
    if (tariff_parse_json(s, strlen(s), &t, &e))
        fail_msg("parse failed: %s", e.msg);
    free(s);
    return t;
}

/* The parse fails with ERR_INVALID and every `want` substring is in the message. */
static void parse_bad(const char *sq, const char *want1, const char *want2)
{
    struct err e = ERR_INIT;
    struct tariff *t = NULL;
    char *s = dq(sq);
    int rc = tariff_parse_json(s, strlen(s), &t, &e);
    free(s);
    if (rc != ERR_INVALID)
        fail_msg("expected ERR_INVALID (%s), got %d", want1, rc);
    assert_null(t);
    if (!strstr(e.msg, want1) || (want2 && !strstr(e.msg, want2)))
        fail_msg("message '%s' lacks '%s' / '%s'", e.msg, want1, want2 ? want2 : "");
}

static int64_t fen(const char *yuan)
{
    struct err e = ERR_INIT;
    int64_t v;
    if (money_parse(yuan, &v, &e))
        fail_msg("%s", e.msg);
    return v;
}

static int64_t price(const char *s)
{
    struct err e = ERR_INIT;
    int64_t v;
    if (price_parse(s, &v, &e))
        fail_msg("%s", e.msg);
    return v;
}

static struct usage month(int y, int m)
{
    struct usage u;
    usage_init(&u);
    u.period = (struct period){ y, m };
    return u;
}

/* Independent check of a line: sum of qty × price × num/den over a common denominator,
 * rounded half-up once. */
static int64_t line_expected(const struct quote_line *l)
{
    __int128 den = 1, num = 0;
    for (int i = 0; i < l->nparts; i++)
        den *= l->parts[i].den;
    for (int i = 0; i < l->nparts; i++) {
        const struct quote_part *p = &l->parts[i];
        __int128 v = (__int128)p->qty * p->price_e8 * (p->unit == QTY_FEN ? 10 : 1) * p->num;
        num += v * (den / p->den);
    }
    __int128 d = den * 1000000000;
    bool neg = num < 0;
    __int128 a = neg ? -num : num;
    __int128 q = a / d;
    if (2 * (a % d) >= d)
        q++;
    return (int64_t)(neg ? -q : q);
}

static void check_invariants(const struct tariff *t, const struct usage *u, const struct quote *q)
{
    int64_t sum = 0;
    for (int i = 0; i < q->nlines; i++) {
        const struct quote_line *l = &q->lines[i];
        assert_true(l->nparts > 0);
        assert_int_equal(l->amount_fen, line_expected(l));
        sum += l->amount_fen;
    }
    assert_int_equal(q->total_fen, sum);
    /* quoting again gives the same result */
    struct quote q2;
    struct err e = ERR_INIT;
    assert_int_equal(tariff_quote(t, u, &q2, &e), 0);
    assert_int_equal(q2.nlines, q->nlines);
    assert_int_equal(q2.total_fen, q->total_fen);
    for (int i = 0; i < q->nlines; i++) {
        char a[1024], b[1024];
        assert_int_equal(q2.lines[i].amount_fen, q->lines[i].amount_fen);
        assert_string_equal(quote_line_arith(&q2.lines[i], a, sizeof(a)),
                            quote_line_arith(&q->lines[i], b, sizeof(b)));
    }
    /* the canonical JSON of every version reparses to a tariff that quotes the same */
    char *js = tariff_to_json(t);
    struct tariff *t2 = NULL;
    assert_int_equal(tariff_parse_json(js, strlen(js), &t2, &e), 0);
    free(js);
    assert_int_equal(tariff_quote(t2, u, &q2, &e), 0);
    assert_int_equal(q2.total_fen, q->total_fen);
    tariff_free(t2);
}

static struct quote *quote(const struct tariff *t, const struct usage *u)
{
    static struct quote q;
    struct err e = ERR_INIT;
    memset(&q, 0, sizeof(q));
    if (tariff_quote(t, u, &q, &e))
        fail_msg("quote failed: %s", e.msg);
    check_invariants(t, u, &q);
    return &q;
}

static const struct quote_line *line(const struct quote *q, const char *code)
{
    for (int i = 0; i < q->nlines; i++)
        if (!strcmp(q->lines[i].code, code))
            return &q->lines[i];
    fail_msg("no line '%s'", code);
    return NULL;
}

static const struct quote_part *part(const struct quote_line *l, const char *label)
{
    for (int i = 0; i < l->nparts; i++)
        if (!strcmp(l->parts[i].label, label))
            return &l->parts[i];
    fail_msg("line '%s' has no part '%s'", l->code, label);
    return NULL;
}

/* ---- residential tiers (rules §1) ------------------------------------------------------ */

static const char *beijing =
    "{'code':'BJ-RES','name':'北京居民','category':'resident','versions':[{"
    "'effective_from':'2012-07-01','tiers':{'basis':'annual','bounds_kwh':[2880,4800],"
    "'method':'prices','prices':['0.4883','0.5383','0.7883']}}]}";

static void test_r1_r2_beijing(void **state)
{
    (void)state;
    struct tariff *t = parse(beijing);
    struct usage u = month(2024, 3);
    u.total_wh = KWH(300);
    struct quote *q = quote(t, &u);
    assert_int_equal(q->total_fen, fen("146.49")); /* R1 */
    assert_int_equal(q->nlines, 1);
    u.ytd_wh = KWH(2700);
    q = quote(t, &u);
    assert_int_equal(q->total_fen, fen("152.49")); /* R2 */
    assert_int_equal(part(line(q, "energy"), "tier1")->qty, KWH(180));
    assert_int_equal(part(line(q, "energy"), "tier2")->qty, KWH(120));
    tariff_free(t);
}

static void test_tier_bound_edges(void **state)
{
    (void)state;
    struct tariff *t = parse(beijing);
    struct usage u = month(2024, 3);
    u.total_wh = KWH(2880); /* exactly at the bound: all tier 1 */
    struct quote *q = quote(t, &u);
    assert_int_equal(q->lines[0].nparts, 1);
    assert_int_equal(q->total_fen, fen("1406.30")); /* 2880 × 0.4883 = 1406.304 */
    u.total_wh = KWH(2880) + 1;                     /* one Wh above */
    q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "tier2")->qty, 1);
    assert_int_equal(part(&q->lines[0], "tier1")->qty, KWH(2880));
    u.total_wh = KWH(2880) - 1; /* one Wh below */
    q = quote(t, &u);
    assert_int_equal(q->lines[0].nparts, 1);
    assert_int_equal(q->lines[0].parts[0].qty, KWH(2880) - 1);
    /* the year-to-date position counts: 4800 reached exactly, then one Wh into tier 3 */
    u.ytd_wh = KWH(4000);
    u.total_wh = KWH(800);
    q = quote(t, &u);
    assert_int_equal(q->lines[0].nparts, 1);
    assert_string_equal(q->lines[0].parts[0].label, "tier2");
    u.total_wh = KWH(800) + 1;
    q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "tier3")->qty, 1);
    tariff_free(t);
}

static const char *shenzhen =
    "{'code':'SZ-RES','name':'深圳居民','category':'resident','versions':[{"
    "'effective_from':'2012-07-01','tiers':{'basis':'monthly','seasons':["
    "{'name':'summer','months':[5,6,7,8,9,10],'bounds_kwh':[260,600]},"
    "{'name':'other','months':[11,12,1,2,3,4],'bounds_kwh':[200,400]}],"
    "'method':'prices','prices':['0.68','0.73','0.98']}}]}";

static void test_r3_shenzhen(void **state)
{
    (void)state;
    struct tariff *t = parse(shenzhen);
    struct usage u = month(2024, 7);
    u.total_wh = KWH(700);
    struct quote *q = quote(t, &u);
    assert_int_equal(q->total_fen, fen("523.00"));
    assert_int_equal(part(&q->lines[0], "tier2")->qty, KWH(340));
    u = month(2024, 1);
    u.total_wh = KWH(450);
    assert_int_equal(quote(t, &u)->total_fen, fen("331.00")); /* R3b */
    /* monthly bound edges: 260 kWh in July all tier 1, one Wh more reaches tier 2 */
    u = month(2024, 7);
    u.total_wh = KWH(260);
    q = quote(t, &u);
    assert_int_equal(q->lines[0].nparts, 1);
    u.total_wh = KWH(260) + 1;
    assert_int_equal(part(&quote(t, &u)->lines[0], "tier2")->qty, 1);
    /* bimonthly reading Apr+May: the bounds are 200+260 and 400+600 (rules §1.3) */
    u = month(2024, 5);
    u.cycle_months = 2;
    u.total_wh = KWH(1100);
    q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "tier1")->qty, KWH(460));
    assert_int_equal(part(&q->lines[0], "tier2")->qty, KWH(540));
    assert_int_equal(part(&q->lines[0], "tier3")->qty, KWH(100));
    tariff_free(t);
}

static void test_r4_guangzhou(void **state)
{
    (void)state;
    struct tariff *t =
        parse("{'code':'GZ-RES','name':'广州居民','category':'resident','versions':[{"
              "'effective_from':'2021-10-01','tiers':{'basis':'monthly','seasons':["
              "{'months':[5,6,7,8,9,10],'bounds_kwh':[260,600]},"
              "{'months':[11,12,1,2,3,4],'bounds_kwh':[200,400]}],"
              "'method':'prices','prices':['0.58886875','0.63886875','0.88886875']}}]}");
    struct usage u = month(2024, 7);
    u.total_wh = KWH(400);
    assert_int_equal(quote(t, &u)->total_fen, fen("242.55"));
    tariff_free(t);
}

/* Guangzhou TOU prices derived from the ex-fund base 0.5802 (rules §1.2): 1.7 : 1 : 0.38
 * plus the unscaled add-on 0.00866875; tier surcharge added after the TOU price */
static const char *gz_tou =
    "{'code':'GZ-RES-TOU','name':'广州居民分时','category':'resident','versions':[{"
    "'effective_from':'2021-10-01',"
    "'energy':{'tou':{'source':'windows','derive':{'base':'0.5802','ratios':{'peak':'1.7',"
    "'flat':'1','valley':'0.38'},'adder':'0.00866875'},'seasons':[{'name':'all','months':"
    "[1,2,3,4,5,6,7,8,9,10,11,12],'windows':[{'period':'valley','from':'00:00','to':'08:00'},"
    "{'period':'flat','from':'08:00','to':'10:00'},{'period':'peak','from':'10:00','to':'12:00'},"
    "{'period':'flat','from':'12:00','to':'14:00'},{'period':'peak','from':'14:00','to':'19:00'},"
    "{'period':'flat','from':'19:00','to':'24:00'}]}]}},"
    "'tiers':{'basis':'monthly','seasons':[{'months':[5,6,7,8,9,10],'bounds_kwh':[260,600]},"
    "{'months':[11,12,1,2,3,4],'bounds_kwh':[200,400]}],'method':'surcharge',"
    "'surcharges':['0','0.05','0.30']}}]}";

static void test_r5_guangzhou_tou(void **state)
{
    (void)state;
    struct tariff *t = parse(gz_tou);
    struct usage u = month(2024, 7);
    u.has_tou = true;
    u.tou_wh[TOU_PEAK] = KWH(150);
    u.tou_wh[TOU_FLAT] = KWH(150);
    u.tou_wh[TOU_VALLEY] = KWH(100);
    struct quote *q = quote(t, &u);
    const struct quote_line *en = line(q, "energy");
    assert_int_equal(part(en, "peak")->price_e8, price("0.99500875"));
    assert_int_equal(part(en, "flat")->price_e8, price("0.58886875"));
    assert_int_equal(part(en, "valley")->price_e8, price("0.22914475"));
    assert_int_equal(en->amount_fen, fen("260.50")); /* 260.4961 rounded once */
    assert_int_equal(line(q, "tier_surcharge")->amount_fen, fen("7.00"));
    assert_int_equal(part(line(q, "tier_surcharge"), "tier2")->qty, KWH(140));
    assert_int_equal(q->total_fen, fen("267.50"));
    assert_int_equal(q->energy_wh, KWH(400));
    /* the periods of the day */
    struct date d = { 2024, 7, 15 };
    assert_int_equal(tariff_period_at(t, d, 0), TOU_VALLEY);
    assert_int_equal(tariff_period_at(t, d, 8 * 60 - 1), TOU_VALLEY);
    assert_int_equal(tariff_period_at(t, d, 8 * 60), TOU_FLAT);
    assert_int_equal(tariff_period_at(t, d, 11 * 60 + 30), TOU_PEAK);
    assert_int_equal(tariff_period_at(t, d, 1439), TOU_FLAT);
    assert_true(tariff_uses_windows(t, d));
    assert_false(tariff_uses_windows(t, (struct date){ 2020, 1, 1 }));
    /* no split by period: refused */
    struct err e = ERR_INIT;
    struct quote q2;
    u.has_tou = false;
    u.total_wh = KWH(400);
    assert_int_equal(tariff_quote(t, &u, &q2, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "no split by period"));
    tariff_free(t);
}

static void test_r6_zhejiang_both_methods(void **state)
{
    (void)state;
    struct tariff *a = parse(
        "{'code':'ZJ-RES-TOU','name':'浙江居民分时','category':'resident','versions':[{"
        "'effective_from':'2012-07-01','energy':{'tou':{'source':'registers','prices':{"
        "'peak':'0.568','valley':'0.288'}}},'tiers':{'basis':'annual','bounds_kwh':[2760,4800],"
        "'method':'surcharge','surcharges':['0','0.05','0.30']}}]}");
    struct tariff *b =
        parse("{'code':'ZJ-RES-TOU-B','name':'浙江居民分时','category':'resident','versions':[{"
              "'effective_from':'2012-07-01','energy':{'tou':{'source':'registers'}},"
              "'tiers':{'basis':'annual','bounds_kwh':[2760,4800],'method':'proportional',"
              "'tou_prices':[{'peak':'0.568','valley':'0.288'},{'peak':'0.618','valley':'0.338'},"
              "{'peak':'0.868','valley':'0.588'}]}}]}");
    struct usage u = month(2024, 8);
    u.has_tou = true;
    u.tou_wh[TOU_PEAK] = KWH(200);
    u.tou_wh[TOU_VALLEY] = KWH(100);
    u.ytd_wh = KWH(2600);
    struct quote *q = quote(a, &u);
    assert_int_equal(line(q, "energy")->amount_fen, fen("142.40")); /* 113.60 + 28.80 */
    assert_int_equal(line(q, "tier_surcharge")->amount_fen, fen("7.00"));
    assert_int_equal(q->total_fen, fen("149.40"));
    q = quote(b, &u);
    assert_int_equal(q->total_fen, fen("149.40"));
    const struct quote_line *en = line(q, "energy");
    assert_int_equal(part(en, "tier1 peak")->qty + part(en, "tier1 valley")->qty, KWH(160));
    assert_int_equal(part(en, "tier1 peak")->qty, 106667); /* 2/3 of 160 kWh, to the Wh */
    assert_int_equal(part(en, "tier2 peak")->qty + part(en, "tier2 valley")->qty, KWH(140));
    assert_int_equal(part(en, "tier1 peak")->qty + part(en, "tier2 peak")->qty, KWH(200));
    /* the flat register has no price here: refused, naming the period */
    struct err e = ERR_INIT;
    struct quote q2;
    u.tou_wh[TOU_FLAT] = 5;
    assert_int_equal(tariff_quote(a, &u, &q2, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "'flat'"));
    tariff_free(a);
    tariff_free(b);
}

static void test_r7_shanghai_proportional(void **state)
{
    (void)state;
    struct tariff *t =
        parse("{'code':'SH-RES-TOU','name':'上海居民分时','category':'resident','versions':[{"
              "'effective_from':'2012-07-01','energy':{'tou':{'source':'windows','seasons':[{"
              "'months':[1,2,3,4,5,6,7,8,9,10,11,12],'windows':["
              "{'period':'peak','from':'06:00','to':'22:00'},"
              "{'period':'valley','from':'22:00','to':'06:00'}]}]}},"
              "'tiers':{'basis':'annual','bounds_kwh':[3120,4800],'method':'proportional',"
              "'tou_prices':[{'peak':'0.617','valley':'0.307'},{'peak':'0.677','valley':'0.337'},"
              "{'peak':'0.977','valley':'0.487'}]}}]}");
    struct usage u = month(2024, 8);
    u.has_tou = true;
    u.tou_wh[TOU_PEAK] = KWH(280);
    u.tou_wh[TOU_VALLEY] = KWH(120);
    u.ytd_wh = KWH(3000);
    struct quote *q = quote(t, &u);
    const struct quote_line *en = line(q, "energy");
    assert_int_equal(part(en, "tier1 peak")->qty, KWH(84));
    assert_int_equal(part(en, "tier1 valley")->qty, KWH(36));
    assert_int_equal(part(en, "tier2 peak")->qty, KWH(196));
    assert_int_equal(part(en, "tier2 valley")->qty, KWH(84));
    assert_int_equal(q->total_fen, fen("223.88"));
    /* a window across midnight */
    assert_int_equal(tariff_period_at(t, (struct date){ 2024, 8, 1 }, 23 * 60), TOU_VALLEY);
    assert_int_equal(tariff_period_at(t, (struct date){ 2024, 8, 1 }, 5 * 60), TOU_VALLEY);
    assert_int_equal(tariff_period_at(t, (struct date){ 2024, 8, 1 }, 6 * 60), TOU_PEAK);
    tariff_free(t);
}

static const char *jiangsu =
    "{'code':'JS-RES','name':'江苏居民','category':'resident','versions':[{"
    "'effective_from':'2012-07-01','tiers':{'basis':'annual','bounds_kwh':[2760,4800],"
    "'method':'prices','prices':['0.5283','0.5783','0.8283']}}]}";

static void test_r8_whole_year(void **state)
{
    (void)state;
    struct tariff *t = parse(jiangsu);
    /* the annual settlement view: one window over the whole year, nothing billed before */
    struct usage u = month(2024, 12);
    u.from = (struct date){ 2024, 1, 1 };
    u.to = (struct date){ 2024, 12, 31 };
    u.total_wh = KWH(5200);
    struct quote *q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "tier1")->qty, KWH(2760));
    assert_int_equal(part(&q->lines[0], "tier2")->qty, KWH(2040));
    assert_int_equal(part(&q->lines[0], "tier3")->qty, KWH(400));
    assert_int_equal(q->total_fen, fen("2969.16"));
    tariff_free(t);
}

static void test_r9_prorated_bounds(void **state)
{
    (void)state;
    struct tariff *t =
        parse("{'code':'ZJ-RES','name':'浙江居民','category':'resident','versions':[{"
              "'effective_from':'2012-07-01','tiers':{'basis':'annual','bounds_kwh':[2760,4800],"
              "'method':'prices','prices':['0.538','0.588','0.838']}}]}");
    struct usage u = month(2024, 12);
    u.months_in_year = 6; /* connected in July: bounds 1380 / 2400 */
    u.ytd_wh = KWH(1300);
    u.total_wh = KWH(100);
    struct quote *q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "tier1")->qty, KWH(80));
    assert_int_equal(part(&q->lines[0], "tier2")->qty, KWH(20));
    u.ytd_wh = KWH(2350);
    q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "tier2")->qty, KWH(50));
    assert_int_equal(part(&q->lines[0], "tier3")->qty, KWH(50));
    u.ytd_wh = 0;
    u.total_wh = KWH(1380);
    assert_int_equal(quote(t, &u)->lines[0].nparts, 1);
    tariff_free(t);
}

/* ---- C&I time of use (rules §2) -------------------------------------------------------- */

static const char *gd_ci =
    "{'code':'GD-CI-TOU','name':'广东一般工商业分时','category':'general_ci','versions':[{"
    "'effective_from':'2021-10-01','energy':{'tou':{'source':'windows','derive':{'base':'0.65',"
    "'ratios':{'peak':'1.7','flat':'1','valley':'0.38','sharp':{'of':'peak','ratio':'1.25'}},"
    "'round_decimals':4},'seasons':[{'name':'summer','months':[7,8,9],'windows':["
    "{'period':'valley','from':'00:00','to':'08:00'},{'period':'flat','from':'08:00','to':'10:00'},"
    "{'period':'peak','from':'10:00','to':'11:00'},{'period':'sharp','from':'11:00','to':'12:00'},"
    "{'period':'flat','from':'12:00','to':'14:00'},{'period':'peak','from':'14:00','to':'15:00'},"
    "{'period':'sharp','from':'15:00','to':'17:00'},{'period':'peak','from':'17:00','to':'19:00'},"
    "{'period':'flat','from':'19:00','to':'24:00'}]},{'name':'other','months':[1,2,3,4,5,6,10,11,"
    "12],'windows':[{'period':'valley','from':'00:00','to':'08:00'},"
    "{'period':'flat','from':'08:00','to':'10:00'},{'period':'peak','from':'10:00','to':'12:00'},"
    "{'period':'flat','from':'12:00','to':'14:00'},{'period':'peak','from':'14:00','to':'19:00'},"
    "{'period':'flat','from':'19:00','to':'24:00'}]}]}},"
    "'funds':[{'code':'gov_funds','name':'政府性基金及附加','price':'0.0295'}]}]}";

static void test_t1_guangdong_ci(void **state)
{
    (void)state;
    struct tariff *t = parse(gd_ci);
    struct usage u = month(2024, 7);
    u.has_tou = true;
    u.tou_wh[TOU_SHARP] = KWH(2000);
    u.tou_wh[TOU_PEAK] = KWH(18000);
    u.tou_wh[TOU_FLAT] = KWH(30000);
    u.tou_wh[TOU_VALLEY] = KWH(20000);
    u.total_wh = KWH(70000);
    struct quote *q = quote(t, &u);
    const struct quote_line *en = line(q, "energy");
    assert_int_equal(part(en, "sharp")->price_e8, price("1.3813")); /* 1.38125 -> 4 dp */
    assert_int_equal(part(en, "peak")->price_e8, price("1.1050"));
    assert_int_equal(part(en, "flat")->price_e8, price("0.6500"));
    assert_int_equal(part(en, "valley")->price_e8, price("0.2470"));
    assert_int_equal(en->amount_fen, fen("47092.60"));
    assert_int_equal(line(q, "gov_funds")->amount_fen, fen("2065.00"));
    assert_int_equal(q->total_fen, fen("49157.60"));
    struct date jul = { 2024, 7, 1 }, jan = { 2024, 1, 1 };
    assert_int_equal(tariff_period_at(t, jul, 11 * 60 + 30), TOU_SHARP);
    assert_int_equal(tariff_period_at(t, jan, 11 * 60 + 30), TOU_PEAK);
    assert_int_equal(tariff_period_at(t, jul, 16 * 60 + 59), TOU_SHARP);
    assert_int_equal(tariff_period_at(t, jul, 17 * 60), TOU_PEAK);
    tariff_free(t);
}

/* T2/T3: derived prices through a one-kWh quote per period */
static void derived(const char *base, const char *peak, const char *valley, const char *crit,
                    const char *want_peak, const char *want_valley, const char *want_sharp)
{
    char js[1024];
    snprintf(js, sizeof(js),
             "{'code':'X','name':'x','category':'large_industry','versions':[{'effective_from':"
             "'2024-01-01','energy':{'tou':{'source':'registers','derive':{'base':'%s',"
             "'ratios':{'peak':'%s','flat':'1','valley':'%s','sharp':{'of':'peak','ratio':'%s'}}"
             "}}}}]}",
             base, peak, valley, crit);
    struct tariff *t = parse(js);
    struct usage u = month(2024, 7);
    u.has_tou = true;
    for (int p = 0; p < TOU_DEEP; p++)
        u.tou_wh[p] = KWH(1);
    struct quote *q = quote(t, &u);
    assert_int_equal(part(&q->lines[0], "peak")->price_e8, price(want_peak));
    assert_int_equal(part(&q->lines[0], "valley")->price_e8, price(want_valley));
    assert_int_equal(part(&q->lines[0], "sharp")->price_e8, price(want_sharp));
    assert_int_equal(part(&q->lines[0], "flat")->price_e8, price(base));
    tariff_free(t);
}

static void test_t2_t3_derived_prices(void **state)
{
    (void)state;
    derived("0.60", "1.8", "0.4", "1.25", "1.080", "0.240", "1.350"); /* T2 Shanghai */
    derived("0.60", "1.6", "0.4", "1.2", "0.960", "0.240", "1.152");  /* T3 Beijing */
}

/* ---- two-part basic charge (rules §3) -------------------------------------------------- */

static struct tariff *two_part(const char *basic)
{
    char js[1024];
    snprintf(js, sizeof(js),
             "{'code':'LI','name':'大工业','category':'large_industry','versions':[{"
             "'effective_from':'2024-01-01','energy':{'price':'0.65'},'basic':%s}]}",
             basic);
    return parse(js);
}

static void test_e9a_capacity(void **state)
{
    (void)state;
    struct tariff *t = two_part("{'method':'capacity','price':'25.5'}");
    struct usage u = month(2024, 7);
    u.capacity_va = KWH(1000);
    struct quote *q = quote(t, &u);
    assert_int_equal(line(q, "basic")->amount_fen, fen("25500.00"));
    struct err e = ERR_INIT;
    struct quote q2;
    u.capacity_va = 0;
    assert_int_equal(tariff_quote(t, &u, &q2, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "capacity"));
    tariff_free(t);
}

static void test_e9b_105_rule(void **state)
{
    (void)state;
    struct tariff *dbl = two_part("{'method':'demand','price':'40.8','excess_percent':105,"
                                  "'excess_rule':'double_excess'}");
    struct tariff *alt = two_part("{'method':'demand','price':'40.8','excess_percent':105,"
                                  "'excess_rule':'actual_plus_excess'}");
    struct usage u = month(2024, 7);
    u.contract_demand_w = KWH(600);
    u.demand_w = KWH(700);
    struct quote *q = quote(dbl, &u);
    assert_int_equal(line(q, "basic")->amount_fen, fen("24480.00"));
    assert_int_equal(line(q, "basic_excess")->qty, KWH(70));
    assert_int_equal(line(q, "basic_excess")->price_e8, price("81.6"));
    assert_int_equal(q->total_fen - line(q, "energy")->amount_fen, fen("30192.00"));
    q = quote(alt, &u);
    assert_int_equal(q->total_fen - line(q, "energy")->amount_fen, fen("31416.00"));
    /* at the threshold (630 kW) the contract value is billed, one W more is excess */
    u.demand_w = KWH(630);
    q = quote(dbl, &u);
    assert_int_equal(q->nlines, 2);
    assert_int_equal(line(q, "basic")->amount_fen, fen("24480.00"));
    u.demand_w = KWH(630) + 1;
    q = quote(dbl, &u);
    assert_int_equal(line(q, "basic_excess")->qty, 1);
    u.demand_w = KWH(500); /* below the contract: the contract */
    assert_int_equal(line(quote(dbl, &u), "basic")->amount_fen, fen("24480.00"));
    /* no contract: actual demand × price */
    u.contract_demand_w = 0;
    u.demand_w = KWH(480);
    assert_int_equal(line(quote(dbl, &u), "basic")->amount_fen, fen("19584.00"));
    tariff_free(dbl);
    tariff_free(alt);
}

static void test_e9c_contract_floor(void **state)
{
    (void)state;
    struct tariff *t = two_part("{'method':'demand','price':'40.8','min_contract_percent':40}");
    struct usage u = month(2024, 7);
    u.capacity_va = KWH(1250);
    u.contract_demand_w = KWH(400);
    u.demand_w = KWH(450);
    struct quote *q = quote(t, &u);
    assert_int_equal(line(q, "basic")->qty, KWH(500));
    assert_int_equal(line(q, "basic")->amount_fen, fen("20400.00")); /* 500 × 40.8 */
    tariff_free(t);
}

static void test_e9d_utilisation_discount(void **state)
{
    (void)state;
    struct tariff *t = two_part("{'method':'demand','price':'40.8','high_utilisation':"
                                "{'kwh_per_kva':260,'percent':90}}");
    struct usage u = month(2024, 7);
    u.capacity_va = KWH(1250);
    u.demand_w = KWH(480);
    u.total_wh = KWH(330000); /* 264 kWh/kVA */
    struct quote *q = quote(t, &u);
    assert_int_equal(line(q, "basic")->amount_fen, fen("17625.60"));
    u.total_wh = KWH(325000); /* exactly 260: still discounted */
    assert_int_equal(line(quote(t, &u), "basic")->amount_fen, fen("17625.60"));
    u.total_wh = KWH(325000) - 1;
    assert_int_equal(line(quote(t, &u), "basic")->amount_fen, fen("19584.00"));
    tariff_free(t);
}

static void test_e9e_proration(void **state)
{
    (void)state;
    struct tariff *cal = two_part("{'method':'capacity','price':'25.5','proration':"
                                  "'calendar_days'}");
    struct tariff *thirty = two_part("{'method':'capacity','price':'25.5','proration':'thirty'}");
    struct usage u = month(2024, 7);
    u.capacity_va = KWH(1000);
    u.supply_days = 12; /* 20-31 July */
    assert_int_equal(line(quote(cal, &u), "basic")->amount_fen, fen("9870.97"));
    assert_int_equal(line(quote(thirty, &u), "basic")->amount_fen, fen("10200.00"));
    u.supply_days = 31; /* the whole month: no proration */
    assert_int_equal(line(quote(thirty, &u), "basic")->amount_fen, fen("25500.00"));
    u = month(2024, 2); /* February 2024 has 29 days */
    u.capacity_va = KWH(1000);
    u.supply_days = 10;
    assert_int_equal(line(quote(cal, &u), "basic")->amount_fen, fen("8793.10")); /* 8793.103 */
    struct err e = ERR_INIT;
    struct quote q2;
    u.supply_days = 30;
    assert_int_equal(tariff_quote(cal, &u, &q2, &e), ERR_INVALID);
    tariff_free(cal);
    tariff_free(thirty);
}

/* ---- power factor (rules §4.7) and funds (§5, F1) -------------------------------------- */

static const char *large_industry =
    "{'code':'LI-PF','name':'大工业','category':'large_industry','versions':[{"
    "'effective_from':'2024-01-01','energy':{'price':'0.65'},"
    "'basic':{'method':'capacity','price':'25.5'},'pf':{},"
    "'funds':[{'code':'f1','name':'政府性基金及附加','price':'0.029115','exempt':['agriculture']}]"
    "}]}";

static void test_pf2_pf3_pf4(void **state)
{
    (void)state;
    struct tariff *t = parse(large_industry);
    struct usage u = month(2024, 7);
    u.capacity_va = KWH(1000); /* basic 25,500.00 */
    u.total_wh = KWH(100000);  /* energy 65,000.00 */
    u.has_reactive = true;
    u.reactive_varh = KWH(69000); /* PF2: 0.82 */
    u.pf_standard = 90;
    struct quote *q = quote(t, &u);
    assert_int_equal(line(q, "pf_adjust")->qty, fen("90500.00")); /* funds excluded */
    assert_int_equal(line(q, "pf_adjust")->amount_fen, fen("3620.00"));
    assert_int_equal(q->pf_actual, 82);
    assert_int_equal(q->pf_percent_e2, 400);
    assert_int_equal(line(q, "f1")->amount_fen, fen("2911.50")); /* 100,000 × 0.029115 */
    u.reactive_varh = KWH(30000);                                /* PF3: 0.96 -> -0.75 % */
    q = quote(t, &u);
    assert_int_equal(line(q, "pf_adjust")->amount_fen, -fen("678.75"));
    u.reactive_varh = 133333333; /* PF4: 0.60 -> +25 % */
    q = quote(t, &u);
    assert_int_equal(q->pf_actual, 60);
    assert_int_equal(line(q, "pf_adjust")->amount_fen, fen("22625.00"));
    /* the PF5 boundary through the engine */
    u.reactive_varh = 49839000;
    assert_int_equal(quote(t, &u)->pf_percent_e2, 0);
    u.reactive_varh = 49840000;
    assert_int_equal(quote(t, &u)->pf_percent_e2, 50);
    /* no standard: no line; a standard without reactive energy: refused */
    u.pf_standard = 0;
    q = quote(t, &u);
    for (int i = 0; i < q->nlines; i++)
        assert_int_not_equal(q->lines[i].item, LINE_PF_ADJUST);
    struct err e = ERR_INIT;
    struct quote q2;
    u.pf_standard = 90;
    u.has_reactive = false;
    assert_int_equal(tariff_quote(t, &u, &q2, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "reactive"));
    tariff_free(t);
}

static void test_f1_funds(void **state)
{
    (void)state;
    struct tariff *t = parse(large_industry);
    struct usage u = month(2024, 7);
    u.capacity_va = KWH(1000);
    u.total_wh = KWH(70000);
    struct quote *q = quote(t, &u);
    assert_int_equal(line(q, "f1")->amount_fen, fen("2038.05"));
    u.user_type = "agriculture"; /* exempt */
    q = quote(t, &u);
    for (int i = 0; i < q->nlines; i++)
        assert_int_not_equal(q->lines[i].item, LINE_FUND);
    tariff_free(t);
}

/* ---- versions and windows -------------------------------------------------------------- */

static void test_version_change_mid_period(void **state)
{
    (void)state;
    struct tariff *t =
        parse("{'code':'V','name':'v','category':'resident','versions':["
              "{'effective_from':'2024-01-01','tiers':{'basis':'monthly','bounds_kwh':[200,400],"
              "'method':'prices','prices':['0.5','1.0','2.0']}},"
              "{'effective_from':'2024-07-16','tiers':{'basis':'monthly','bounds_kwh':[200,400],"
              "'method':'prices','prices':['0.6','1.2','2.4']}}]}");
    struct usage u = month(2024, 7);
    u.total_wh = KWH(310);
    struct quote *q = quote(t, &u);
    assert_int_equal(q->nlines, 2);
    /* 15 of 31 days: 150 kWh, bounds 200×15/31 = 96.774 and 193.548 kWh */
    assert_int_equal(q->lines[0].version.d, 1);
    assert_int_equal(part(&q->lines[0], "tier1")->qty, 96774);
    assert_int_equal(part(&q->lines[0], "tier2")->qty, KWH(150) - 96774);
    assert_int_equal(q->lines[0].amount_fen, fen("101.61")); /* 48.387 + 53.226 */
    /* 16 days: 160 kWh, bounds 103.226 / 206.452 kWh */
    assert_int_equal(q->lines[1].version.d, 16);
    assert_int_equal(part(&q->lines[1], "tier1")->qty, 103226);
    assert_int_equal(q->lines[1].amount_fen, fen("130.06")); /* 61.9356 + 68.1288 */
    assert_int_equal(q->total_fen, fen("231.67"));
    /* energy that does not divide evenly still sums exactly */
    u.total_wh = 1000003;
    q = quote(t, &u);
    assert_int_equal(q->lines[0].qty + q->lines[1].qty, 1000003);
    /* a window before the first version */
    struct err e = ERR_INIT;
    struct quote q2;
    u = month(2023, 12);
    u.total_wh = KWH(1);
    assert_int_equal(tariff_quote(t, &u, &q2, &e), ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "2023-12-01"));
    tariff_free(t);
}

static void test_basic_split_by_version_and_partial_window(void **state)
{
    (void)state;
    struct tariff *t = parse(
        "{'code':'LI2','name':'大工业','category':'large_industry','versions':["
        "{'effective_from':'2024-01-01','energy':{'price':'0.6'},'basic':{'method':'capacity',"
        "'price':'24'}},{'effective_from':'2024-06-11','energy':{'price':'0.6'},'basic':{"
        "'method':'capacity','price':'30'}}]}");
    struct usage u = month(2024, 6); /* 30 days: 10 at 24, 20 at 30 */
    u.capacity_va = KWH(1000);
    struct quote *q = quote(t, &u);
    assert_int_equal(line(q, "basic")->amount_fen, fen("8000.00")); /* 24000 × 10/30 */
    assert_int_equal(q->lines[3].amount_fen, fen("20000.00"));      /* 30000 × 20/30 */
    /* a window of part of the month, inside one version */
    u.from = (struct date){ 2024, 6, 20 };
    u.to = (struct date){ 2024, 6, 30 };
    u.total_wh = KWH(100);
    q = quote(t, &u);
    assert_int_equal(q->nlines, 2);
    assert_int_equal(line(q, "energy")->amount_fen, fen("60.00"));
    tariff_free(t);
}

static void test_quote_errors(void **state)
{
    (void)state;
    struct tariff *t = parse(gd_ci);
    struct usage u = month(2024, 7);
    struct quote q;
    struct err e = ERR_INIT;
    u.has_tou = true;
    u.tou_wh[TOU_PEAK] = KWH(10);
    u.total_wh = KWH(11);
    assert_int_equal(tariff_quote(t, &u, &q, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "differs"));
    u.total_wh = 0;
    u.tou_wh[TOU_PEAK] = -1;
    assert_int_equal(tariff_quote(t, &u, &q, &e), ERR_INVALID);
    tariff_free(t);
    t = two_part("{'method':'demand','price':'40.8'}");
    u = month(2024, 7);
    assert_int_equal(tariff_quote(t, &u, &q, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "demand"));
    tariff_free(t);
}

static void test_arith(void **state)
{
    (void)state;
    struct tariff *t = parse(beijing);
    struct usage u = month(2024, 3);
    u.total_wh = KWH(300);
    u.ytd_wh = KWH(2700);
    char buf[512];
    assert_string_equal(quote_line_arith(&quote(t, &u)->lines[0], buf, sizeof(buf)),
                        "180.000 kWh × 0.4883 + 120.000 kWh × 0.5383 = 152.49");
    tariff_free(t);
}

/* ---- parser refusals ------------------------------------------------------------------- */

#define HEAD "{'code':'BAD','name':'x','category':'general_ci','versions':["
#define WIN(w)                                                                                     \
    HEAD "{'effective_from':'2024-01-01','energy':{'tou':{'source':'windows','prices':{"           \
         "'peak':'1','valley':'0.5'},'seasons':[{'name':'all','months':[1,2,3,4,5,6,7,8,9,10,"     \
         "11,12],'windows':[" w "]}]}}}]}"

static void test_parse_refusals(void **state)
{
    (void)state;
    parse_bad(WIN("{'period':'peak','from':'08:00','to':'22:00'},"
                  "{'period':'valley','from':'21:00','to':'08:00'}"),
              "version 2024-01-01", "overlap at 21:00");
    parse_bad(WIN("{'period':'peak','from':'09:00','to':'22:00'},"
                  "{'period':'valley','from':'22:00','to':'08:00'}"),
              "BAD", "gap at 08:00");
    parse_bad(WIN("{'period':'peek','from':'08:00','to':'22:00'},"
                  "{'period':'valley','from':'22:00','to':'08:00'}"),
              "unknown period 'peek'", NULL);
    parse_bad(WIN("{'period':'peak','from':'08:00','to':'22:00'},"
                  "{'period':'valley','from':'22:00','to':'08:00'},"
                  "{'period':'flat','from':'25:00','to':'08:00'}"),
              "invalid time '25:00'", NULL);
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'tou':{'source':'windows','prices':{"
                   "'peak':'1'},'seasons':[{'months':[1,2,3,4,5,6,7,8,9,10,11,12],'windows':["
                   "{'period':'peak','from':'08:00','to':'22:00'},"
                   "{'period':'valley','from':'22:00','to':'08:00'}]}]}}}]}",
              "missing price for period 'valley'", NULL);
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'tou':{'source':'windows','prices':{"
                   "'peak':'1','valley':'0.5'},'seasons':[{'months':[1,2,3,5,6,7,8,9,10,11,12],"
                   "'windows':[{'period':'peak','from':'00:00','to':'24:00'}]}]}}}]}",
              "month 4 is in no season", NULL);
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'tou':{'source':'registers',"
                   "'prices':{'peak':'1','deep':'0.1'}}}}]}",
              "unknown register 'deep'", NULL);
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':'-0.5'}}]}", "energy.price",
              "negative price");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':'0.123456789'}}]}",
              "energy.price", "more than 8 decimals");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':0.5}}]}", "energy.price",
              "strings");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'pricee':'0.5'}}]}",
              "unknown key 'pricee'", "energy");
    parse_bad(HEAD "{'energy':{'price':'0.5'}}]}", "version #1", "'effective_from' is missing");
    parse_bad(HEAD "{'effective_from':'2024-02-30','energy':{'price':'0.5'}}]}", "version #1",
              "2024-02-30");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':'0.5'}},"
                   "{'effective_from':'2024-01-01','energy':{'price':'0.6'}}]}",
              "duplicate effective date 2024-01-01", NULL);
    parse_bad(HEAD "{'effective_from':'2024-01-01','tiers':{'basis':'annual','bounds_kwh':"
                   "[2760,2760],'method':'prices','prices':['1','2','3']}}]}",
              "tiers.bounds_kwh", "must increase");
    parse_bad(HEAD "{'effective_from':'2024-01-01','tiers':{'basis':'annual','bounds_kwh':"
                   "[4800,2760],'method':'prices','prices':['1','2','3']}}]}",
              "tiers.bounds_kwh", "must increase");
    parse_bad(HEAD "{'effective_from':'2024-01-01','tiers':{'basis':'annual','bounds_kwh':"
                   "[2760,4800],'method':'prices','prices':['1','2']}}]}",
              "tiers.prices", "3 tiers need 3 prices");
    parse_bad(HEAD "{'effective_from':'2024-01-01','tiers':{'basis':'weekly','bounds_kwh':"
                   "[2760],'method':'prices','prices':['1','2']}}]}",
              "tiers.basis", "weekly");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':'0.5'},'basic':{'method':"
                   "'demand','price':'40.8','excess_rule':'triple'}}]}",
              "basic.excess_rule", "triple");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':'0.5'},'funds':[{'code':"
                   "'a','name':'A','price':'0.01','exempt':['martian']}]}]}",
              "fund 'a'", "unknown user type");
    parse_bad(HEAD "{'effective_from':'2024-01-01','energy':{'price':'0.5'},'pf':{'base':["
                   "'energy','tax']}}]}",
              "pf.base", "'tax'");
    parse_bad("{'code':'BAD','name':'x','category':'shop','versions':[]}", "category", "shop");
    parse_bad("{'code':'BAD','name':'x','category':'resident','versions':[]}", "versions",
              "at least 1");
    parse_bad("{'code':'BAD','name':'x','category':'resident','versions':[], 'extra':1}",
              "unknown key 'extra'", NULL);
    parse_bad("{'code':'BAD', 'name':", "invalid JSON", NULL);
}

static void test_parse_all(void **state)
{
    (void)state;
    struct tariff **v;
    size_t n;
    struct err e = ERR_INIT;
    char js[4096];
    snprintf(js, sizeof(js), "[%s,%s]", beijing, shenzhen);
    char *s = dq(js);
    assert_int_equal(tariff_parse_json_all(s, strlen(s), &v, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(tariff_code(v[1]), "SZ-RES");
    assert_string_equal(tariff_category(v[1]), "resident");
    tariff_free_all(v, n);
    free(s);
    snprintf(js, sizeof(js), "[%s,%s]", beijing, beijing);
    s = dq(js);
    assert_int_equal(tariff_parse_json_all(s, strlen(s), &v, &n, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "'BJ-RES' is in the file twice"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r1_r2_beijing),
        cmocka_unit_test(test_tier_bound_edges),
        cmocka_unit_test(test_r3_shenzhen),
        cmocka_unit_test(test_r4_guangzhou),
        cmocka_unit_test(test_r5_guangzhou_tou),
        cmocka_unit_test(test_r6_zhejiang_both_methods),
        cmocka_unit_test(test_r7_shanghai_proportional),
        cmocka_unit_test(test_r8_whole_year),
        cmocka_unit_test(test_r9_prorated_bounds),
        cmocka_unit_test(test_t1_guangdong_ci),
        cmocka_unit_test(test_t2_t3_derived_prices),
        cmocka_unit_test(test_e9a_capacity),
        cmocka_unit_test(test_e9b_105_rule),
        cmocka_unit_test(test_e9c_contract_floor),
        cmocka_unit_test(test_e9d_utilisation_discount),
        cmocka_unit_test(test_e9e_proration),
        cmocka_unit_test(test_pf2_pf3_pf4),
        cmocka_unit_test(test_f1_funds),
        cmocka_unit_test(test_version_change_mid_period),
        cmocka_unit_test(test_basic_split_by_version_and_partial_window),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
