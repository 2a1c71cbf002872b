/*
 * Unit tests for domain/demo_data: the random stream against reference values, determinism,
 * the org tree, user-type shares over 100k customers, and every identifier (ID numbers, credit
 * codes, mobiles, 户号, meter bar codes) re-checked by code written here, not shared with it.
 */
#include "core/common.h"
#include "core/strbuf.h"
#include "domain/demo_data.h"

#include <setjmp.h>
#include <cmocka.h>

#define BIG 100000

/* One line per customer with every field, for comparisons. */
static void serialize(const struct demo_customer *c, struct strbuf *sb)
{
    strbuf_addf(sb, "%" PRId64 "|%s|%s|%s|%s|%s|%d|%s|%d|%s|%s|%s|%s|%s|", c->seq,
                c->station->code, c->cust_no, c->name, c->contact, c->user_type, c->voltage_v,
                c->voltage, c->important, c->address, c->phone, c->id_type, c->id_number,
                c->opened_on);
    strbuf_addf(sb, "%s|%d|%s|%d|%d|%d|%s|%s|%s|%s|%s|%d|%s|%s|%" PRId64 "|%s|%s\n",
                c->tariff_code, c->capacity_kva, c->basic_by, c->demand_kw, c->pf_standard,
                c->cycle_day, c->pay_mode, c->asset_no, c->model, c->meter_spec, c->accuracy,
                c->phases, c->ct_ratio, c->pt_ratio, c->multiplier, c->registers,
                c->installed_on);
}

static void make(const struct demo_gen *g, int64_t seq, struct demo_customer *c)
{
    struct err err = ERR_INIT;
    assert_int_equal(demo_customer(g, seq, NULL, c, &err), 0);
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

/* n fixed-width strings of `width` bytes each, all distinct? */
static bool all_distinct(char *v, size_t n, size_t width)
{
    qsort(v, n, width, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(v + (i - 1) * width, v + i * width))
            return false;
    return true;
}

/* ---- independent check-digit arithmetic ---- */

/* ISO 7064 MOD 11-2, weights 2^(17-i) mod 11, as GB 11643 defines them. */
static bool id_number_ok(const char *id)
{
    if (strlen(id) != 18)
        return false;
    int sum = 0, w = 1;
    int weights[17];
    for (int i = 16; i >= 0; i--) {
        w = w * 2 % 11;
        weights[i] = w;
    }
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9')
            return false;
        sum += (id[i] - '0') * weights[i];
    }
    int check = (12 - sum % 11) % 11;
    return id[17] == (check == 10 ? 'X' : '0' + check);
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool valid_date(int y, int m, int d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1)
        return false;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* "YYYY-MM-DD" that is a real day; fills y, m, d. */
static bool parse_date(const char *s, int *y, int *m, int *d)
{
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d", y, m, d) == 3 && s[4] == '-' &&
           s[7] == '-' && valid_date(*y, *m, *d);
}

static const char uscc_set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* GB 32100: weights 3^i mod 31 over 17 characters; GB 11714 inside at positions 9-17. */
static bool uscc_ok(const char *s)
{
    if (strlen(s) != 18)
        return false;
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++) {
        const char *p = strchr(uscc_set, s[i]);
        if (!p || !s[i])
            return false;
        sum += (int)(p - uscc_set) * w;
        w = w * 3 % 31;
    }
    if (s[17] != uscc_set[(31 - sum % 31) % 31])
        return false;
    static const int ow[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
    int osum = 0;
    for (int i = 0; i < 8; i++) {
        char ch = s[8 + i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch - 'A' + 10;
        osum += v * ow[i];
    }
    int oc = 11 - osum % 11;
    char expect = oc == 10 ? 'X' : oc == 11 ? '0' : (char)('0' + oc);
    return s[16] == expect;
}

static bool luhn_ok(const char *s)
{
    size_t n = strlen(s);
    int sum = 0;
    for (size_t k = 0; k < n; k++) {
        int v = s[n - 1 - k] - '0';
        if (k % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

static bool mobile_ok(const char *s)
{
    if (!all_digits(s, 11))
        return false;
    int p = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return (p >= 130 && p <= 139) || (p >= 150 && p <= 153) || (p >= 155 && p <= 159) ||
           p == 166 || (p >= 170 && p <= 178) || (p >= 180 && p <= 189) || p == 191 ||
           p == 198 || p == 199;
}

/* Valid UTF-8 made only of 3-byte (CJK) characters, count in [lo, hi]. */
static bool cjk_chars(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    if (n % 3 || n / 3 < lo || n / 3 > hi)
        return false;
    for (size_t i = 0; i < n; i += 3) {
        unsigned char a = (unsigned char)s[i];
        if ((a & 0xf0) != 0xe0 || ((unsigned char)s[i + 1] & 0xc0) != 0x80 ||
            ((unsigned char)s[i + 2] & 0xc0) != 0x80)
            return false;
    }
    return true;
}

/* ---- tests ---- */

static void test_rng_reference(void **state)
{
    UNUSED(state);
    /* xoshiro256** seeded by splitmix64 from 0, as in the reference implementation */
    struct demo_rng r;
    demo_rng_seed(&r, 0);
    assert_true(demo_rng_next(&r) == UINT64_C(0x99ec5f36cb75f2b4));
    assert_true(demo_rng_next(&r) == UINT64_C(0xbf6e1f784956452a));
    assert_true(demo_rng_next(&r) == UINT64_C(0x1a5f849d4933e6e0));
    demo_rng_seed(&r, 12345);
    assert_true(demo_rng_next(&r) == UINT64_C(0xbe6a36374160d49b));

    unsigned hist[10] = { 0 };
    for (int i = 0; i < 100000; i++) {
        uint32_t x = demo_rng_below(&r, 10);
        assert_true(x < 10);
        hist[x]++;
    }
    for (int i = 0; i < 10; i++)
        assert_true(hist[i] > 9500 && hist[i] < 10500);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(demo_rng_below(&r, 1), 0);
}

static void test_org_tree(void **state)
{
    UNUSED(state);
    size_t n;
    const struct demo_org *o = demo_orgs(&n);
    static const char *const levels[] = { "hq", "province", "city", "county", "station" };
    size_t count[5] = { 0 };
    for (size_t i = 0; i < n; i++) {
        int lv = -1;
        for (int k = 0; k < 5; k++)
            if (!strcmp(o[i].level, levels[k]))
                lv = k;
        assert_true(lv >= 0);
        count[lv]++;
        for (size_t j = 0; j < i; j++)
            assert_true(strcmp(o[i].code, o[j].code) != 0);
        for (const char *p = o[i].code; *p; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || *p == '-');
        assert_true(all_digits(o[i].region, 6));
        assert_true(strlen(o[i].name) > 0);
        assert_ptr_equal(demo_org_find(o[i].code), &o[i]);
        if (lv == 0) {
            assert_null(o[i].parent);
            continue;
        }
        /* the parent exists, comes earlier, is one level up, and prefixes the code */
        const struct demo_org *p = demo_org_find(o[i].parent);
        assert_non_null(p);
        assert_true(p < &o[i]);
        assert_string_equal(p->level, levels[lv - 1]);
        if (lv >= 2) {
            assert_memory_equal(o[i].code, p->code, strlen(p->code));
            assert_int_equal(o[i].code[strlen(p->code)], '-');
        }
        if (lv >= 3)
            assert_true(strlen(o[i].county) > 0 && strlen(o[i].area_code) == 4);
        if (lv == 3)
            assert_non_null(strstr(o[i].name, o[i].county)); /* 国网桐庐县供电公司 */
        if (lv == 4) {
            assert_string_equal(o[i].region, p->region);
            assert_string_equal(o[i].county, p->county);
            assert_true(o[i].weight > 0);
            assert_non_null(strstr(o[i].name, "供电所"));
            /* 分水供电所 is in 分水镇 */
            size_t nl = strlen(o[i].name) - strlen("供电所");
            assert_memory_equal(o[i].name, o[i].town, nl);
        } else {
            assert_int_equal(o[i].weight, 0);
        }
    }
    assert_int_equal(count[0], 1);
    assert_int_equal(count[1], 1);
    assert_int_equal(count[2], 3);
    assert_int_equal(count[3], 9);
    assert_int_equal(count[4], 18);
    assert_int_equal(n, 32);

    const struct demo_org *tl = demo_org_find("ZJ-HZ-TL");
    assert_string_equal(tl->name, "国网桐庐县供电公司");
    assert_string_equal(tl->region, "330122");
    assert_string_equal(demo_org_find("ZJ-NB-YY")->region, "330281");
    assert_string_equal(demo_org_find("ZJ-WZ-CN")->region, "330327");
    assert_string_equal(demo_org_find("ZJ-HZ-TL-FS")->name, "分水供电所");
    assert_string_equal(demo_org_find("ZJ")->name, "国网浙江省电力有限公司");
    assert_string_equal(demo_org_find("HQ")->name, "国家电网有限公司");
    assert_null(demo_org_find("ZJ-XX"));
}

static void test_determinism(void **state)
{
    UNUSED(state);
    struct demo_gen g1, g2, g3;
    demo_gen_init(&g1, 42);
    demo_gen_init(&g2, 42);
    demo_gen_init(&g3, 43);
    struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, rev = STRBUF_INIT, one = STRBUF_INIT;
    struct demo_customer c;
    for (int64_t i = 0; i < 1000; i++) {
        make(&g1, i, &c);
        serialize(&c, &a);
        make(&g2, i, &c);
        serialize(&c, &b);
    }
    assert_string_equal(a.buf, b.buf);

    /* customer i does not depend on which customers were made before it */
    struct strbuf lines[1000];
    for (int64_t i = 999; i >= 0; i--) {
        strbuf_init(&lines[i], 0);
        make(&g1, i, &c);
        serialize(&c, &lines[i]);
    }
    for (int i = 0; i < 1000; i++) {
        strbuf_addstr(&rev, lines[i].buf);
        strbuf_release(&lines[i]);
    }
    assert_string_equal(a.buf, rev.buf);

    /* another seed gives other customers */
    struct strbuf other = STRBUF_INIT;
    size_t differ = 0;
    for (int64_t i = 0; i < 1000; i++) {
        struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
        make(&g1, i, &c);
        serialize(&c, &x);
        make(&g3, i, &c);
        serialize(&c, &y);
        strbuf_addstr(&other, y.buf);
        differ += strcmp(x.buf, y.buf) != 0;
        strbuf_release(&x);
        strbuf_release(&y);
    }
    assert_int_equal(differ, 1000);
    assert_true(strcmp(a.buf, other.buf) != 0);

    /* an explicit station gives the same as drawing it, when it is the one drawn */
    make(&g1, 7, &c);
    struct demo_customer e;
    assert_int_equal(demo_customer(&g1, 7, c.station, &e, NULL), 0);
    strbuf_reset(&one);
    serialize(&c, &one);
    strbuf_reset(&rev);
    serialize(&e, &rev);
    assert_string_equal(one.buf, rev.buf);

    strbuf_release(&a);
    strbuf_release(&b);
    strbuf_release(&rev);
    strbuf_release(&one);
    strbuf_release(&other);
}

/* Pinned output: the same seed must give these values on every machine and build. */
static void test_golden(void **state)
{
    UNUSED(state);
    struct demo_gen g;
    demo_gen_init(&g, 42);
    struct demo_customer c;
    make(&g, 19, &c);
    assert_string_equal(c.cust_no, "3330000019");
    assert_string_equal(c.station->code, "ZJ-WZ-CN-LX");
    assert_string_equal(c.user_type, "large_industry");
    assert_string_equal(c.name, "苍南益丰塑业有限公司");
    assert_string_equal(c.id_number, "91330327829730646G");
    assert_string_equal(c.address, "浙江省温州市苍南县灵溪镇工业功能区创新路292号");
    assert_int_equal(c.capacity_kva, 2000);
    assert_int_equal(c.demand_kw, 1580);
    assert_string_equal(c.ct_ratio, "150/5");
    assert_string_equal(c.pt_ratio, "10000/100");
    assert_int_equal(c.multiplier, 3000);
    make(&g, 0, &c);
    assert_string_equal(c.id_number, "330225194610280277");
    assert_string_equal(c.asset_no, "3321170300000000000004");
    assert_string_equal(c.opened_on, "2010-04-21");
}

static void test_bad_arguments(void **state)
{
    UNUSED(state);
    struct demo_gen g;
    demo_gen_init(&g, 1);
    struct demo_customer c;
    struct err err = ERR_INIT;
    assert_int_equal(demo_customer(&g, -1, NULL, &c, &err), ERR_INVALID);
    assert_string_equal(err.msg, "demo customer number '-1' is not in 0..9999999");
    assert_int_equal(demo_customer(&g, DEMO_MAX_SEQ + 1, NULL, &c, &err), ERR_INVALID);
    assert_int_equal(demo_customer(&g, DEMO_MAX_SEQ, NULL, &c, &err), 0);
    assert_string_equal(c.cust_no + 3, "9999999");
    assert_int_equal(demo_customer(&g, 5, demo_org_find("ZJ-HZ-TL"), &c, &err), ERR_INVALID);
    assert_string_equal(err.msg, "demo org 'ZJ-HZ-TL' is a county, not a station");
    struct demo_org copy = *demo_org_find("ZJ-NB-XS-SP");
    assert_int_equal(demo_customer(&g, 5, &copy, &c, &err), 0);
    assert_ptr_equal(c.station, demo_org_find("ZJ-NB-XS-SP"));
    assert_string_equal(c.cust_no, "3320000005");
}

/* Shares, per-type rules and formats over 100k customers. */
static void test_shares_and_rules(void **state)
{
    UNUSED(state);
    struct demo_gen g;
    demo_gen_init(&g, 2024);
    static const char *const types[] = { "resident", "general_ci", "large_industry",
                                         "agriculture" };
    static const int transformer[] = { 315,  400,  500,  630,  800,  1000, 1250, 1600,
                                       2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000 };
    size_t by_type[4] = { 0 }, prepaid = 0, important = 0, res_220 = 0, stations_seen = 0;
    size_t station_hits[32] = { 0 };
    size_t n_orgs;
    const struct demo_org *orgs = demo_orgs(&n_orgs);
    struct demo_customer c;
    for (int64_t i = 0; i < BIG; i++) {
        make(&g, i, &c);
        int t = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(c.user_type, types[k]))
                t = k;
        assert_true(t >= 0);
        by_type[t]++;
        prepaid += !strcmp(c.pay_mode, "prepaid");
        station_hits[c.station - orgs]++;
        assert_string_equal(c.station->level, "station");
        assert_true(c.cycle_day >= 1 && c.cycle_day <= 28);

        int oy, om, od, iy, im, id;
        assert_true(parse_date(c.opened_on, &oy, &om, &od));
        assert_true(parse_date(c.installed_on, &iy, &im, &id));
        assert_true(strcmp(c.installed_on, c.opened_on) >= 0);
        assert_true(strcmp(c.installed_on, DEMO_LAST_DATE) <= 0);
        assert_true(oy >= 1990);
        assert_non_null(strstr(c.address, c.station->county));
        if (t == 0)
            assert_non_null(strstr(c.address, c.station->town));
        assert_memory_equal(c.address, "浙江省", strlen("浙江省"));

        /* multiplier = CT ratio × PT ratio */
        int64_t mult = 1;
        if (c.ct_ratio[0]) {
            int p, s;
            assert_int_equal(sscanf(c.ct_ratio, "%d/%d", &p, &s), 2);
            assert_int_equal(s, 5);
            mult *= p / s;
        }
        if (c.pt_ratio[0]) {
            int p, s;
            assert_int_equal(sscanf(c.pt_ratio, "%d/%d", &p, &s), 2);
            assert_int_equal(p, c.voltage_v);
            assert_int_equal(s, 100);
            mult *= p / s;
        }
        assert_int_equal(c.multiplier, mult);
        assert_int_equal(c.phases, c.voltage_v == 220 ? 1 : 3);
        assert_true(!strncmp(c.model, c.phases == 1 ? "DDZY" : c.voltage_v >= 10000 &&
                             c.voltage_v < 110000 ? "DSZY" : "DTZY", 4));

        switch (t) {
        case 0:
            res_220 += c.voltage_v == 220;
            assert_true(c.voltage_v == 220 || c.voltage_v == 380);
            assert_string_equal(c.tariff_code, "RES-TIER");
            assert_int_equal(c.pf_standard, 0);
            assert_false(c.important);
            assert_string_equal(c.registers, "total,peak,valley");
            assert_string_equal(c.id_type, "id_card");
            assert_string_equal(c.name, c.contact);
            assert_true(cjk_chars(c.name, 2, 4));
            assert_int_equal(c.multiplier, 1);
            break;
        case 1:
            assert_true(c.voltage_v == 380 || c.voltage_v == 10000);
            assert_string_equal(c.tariff_code, "GCI-TOU");
            assert_int_equal(c.pf_standard, c.capacity_kva >= 100 ? 85 : 0);
            assert_string_equal(c.registers, "total,sharp,peak,flat,valley,reactive");
            break;
        case 2: {
            assert_true(c.voltage_v == 10000 || c.voltage_v == 35000 || c.voltage_v == 110000);
            assert_string_equal(c.tariff_code, "LI-2PART");
            assert_int_equal(c.pf_standard, 90);
            bool standard = false;
            for (size_t k = 0; k < ARRAY_SIZE(transformer); k++)
                standard |= c.capacity_kva == transformer[k];
            assert_true(standard);
            if (!strcmp(c.basic_by, "demand")) {
                assert_true(c.demand_kw * 100 >= c.capacity_kva * 40 - 1000);
                assert_true(c.demand_kw < c.capacity_kva);
            } else {
                assert_string_equal(c.basic_by, "capacity");
                assert_int_equal(c.demand_kw, 0);
            }
            assert_string_equal(c.pay_mode, "postpaid");
            assert_string_equal(c.registers,
                                "total,sharp,peak,flat,valley,reactive,demand");
            assert_true(c.multiplier > 1);
            break;
        }
        case 3:
            assert_int_equal(c.voltage_v, 380);
            assert_string_equal(c.tariff_code, "AGR");
            if (strstr(c.name, "排灌站"))
                assert_int_equal(c.pf_standard, 80);
            else
                assert_int_equal(c.pf_standard, c.capacity_kva >= 100 ? 85 : 0);
            break;
        }
        if (t != 0) {
            important += c.important;
            assert_string_equal(c.id_type, "uscc");
            assert_true(cjk_chars(c.contact, 2, 4));
            assert_true(c.capacity_kva > 0);
        }
        if (t != 2) {
            assert_string_equal(c.basic_by, "");
            assert_int_equal(c.demand_kw, 0);
        }
    }
    for (size_t i = 0; i < n_orgs; i++)
        stations_seen += station_hits[i] > 0;
    assert_int_equal(stations_seen, 18);

    print_message("types: %zu resident, %zu general_ci, %zu large, %zu agriculture; "
                  "%zu prepaid, %zu important\n", by_type[0], by_type[1], by_type[2],
                  by_type[3], prepaid, important);
    assert_true(by_type[0] >= BIG * 88 / 100 && by_type[0] <= BIG * 92 / 100);
    assert_true(by_type[1] >= BIG * 7 / 100 && by_type[1] <= BIG * 9 / 100);
    assert_true(by_type[2] >= BIG * 7 / 1000 && by_type[2] <= BIG * 13 / 1000);
    assert_true(by_type[3] >= BIG * 7 / 1000 && by_type[3] <= BIG * 13 / 1000);
    size_t nonres = BIG - by_type[0];
    assert_true(important >= nonres * 2 / 1000 && important <= nonres * 10 / 1000);
    assert_true(prepaid > BIG * 3 / 100 && prepaid < BIG * 20 / 100);
    assert_true(res_220 > by_type[0] * 90 / 100);
}

/* Every identifier checks out and the unique ones are unique. */
static void test_identifiers(void **state)
{
    UNUSED(state);
    struct demo_gen g;
    demo_gen_init(&g, 7);
    char(*cust)[11] = calloc(BIG, 11);
    char(*asset)[23] = calloc(BIG, 23);
    char(*ids)[19] = calloc(BIG, 19);
    assert_non_null(cust);
    assert_non_null(asset);
    assert_non_null(ids);
    size_t males = 0, residents = 0, landlines = 0;
    struct demo_customer c;
    for (int64_t i = 0; i < BIG; i++) {
        make(&g, i, &c);
        memcpy(cust[i], c.cust_no, 11);
        memcpy(asset[i], c.asset_no, 23);
        memcpy(ids[i], c.id_number, 19);

        /* 户号: "33", the city digit, seq */
        assert_true(all_digits(c.cust_no, 10));
        assert_memory_equal(c.cust_no, "33", 2);
        assert_true(c.cust_no[2] >= '1' && c.cust_no[2] <= '3');
        assert_int_equal(strtoll(c.cust_no + 3, NULL, 10), i);
        /* meter bar code: 22 digits, Luhn */
        assert_true(all_digits(c.asset_no, 22));
        assert_true(luhn_ok(c.asset_no));

        if (c.phone[0] == '1') {
            assert_true(mobile_ok(c.phone));
        } else {
            landlines++;
            assert_true(strlen(c.phone) == 13);
            assert_memory_equal(c.phone, c.station->area_code, 4);
            assert_int_equal(c.phone[4], '-');
            assert_true(all_digits(c.phone + 5, 8));
            assert_true(c.phone[5] >= '2' && c.phone[5] <= '8');
            assert_string_not_equal(c.user_type, "resident");
        }

        if (!strcmp(c.id_type, "id_card")) {
            residents++;
            assert_true(id_number_ok(c.id_number));
            assert_memory_equal(c.id_number, c.station->region, 6);
            int y = 0, m = 0, d = 0;
            assert_int_equal(sscanf(c.id_number + 6, "%4d%2d%2d", &y, &m, &d), 3);
            assert_true(valid_date(y, m, d));
            assert_true(y >= 1940 && y <= 2004);
            int oy, om, od;
            assert_true(parse_date(c.opened_on, &oy, &om, &od));
            assert_true(oy * 10000 + om * 100 + od >= (y + 18) * 10000 + m * 100 + d);
            int order = (c.id_number[14] - '0') * 100 + (c.id_number[15] - '0') * 10 +
                        (c.id_number[16] - '0');
            assert_true(order >= 1);
            males += order % 2;
        } else {
            assert_string_equal(c.id_type, "uscc");
            assert_true(uscc_ok(c.id_number));
            assert_memory_equal(c.id_number + 2, c.station->region, 6);
            const char *kinds[] = { "91", "92", "93", "52", "N2" };
            bool known = false;
            for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
                known |= !memcmp(c.id_number, kinds[k], 2);
            assert_true(known);
        }
    }
    assert_true(all_distinct(&cust[0][0], BIG, 11));
    assert_true(all_distinct(&asset[0][0], BIG, 23));
    assert_true(all_distinct(&ids[0][0], BIG, 19));
    assert_true(males > residents * 45 / 100 && males < residents * 55 / 100);
    assert_true(landlines > 0);
    free(cust);
    free(asset);
    free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_reference),
        cmocka_unit_test(test_org_tree),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_shares_and_rules),
        cmocka_unit_test(test_identifiers),
    };
    return cmocka_run_group_tests_name("demo_data", tests, NULL, NULL);
}
