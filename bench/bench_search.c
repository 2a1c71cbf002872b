/*
 * bench_search [--db URL] [--queries Q] N [SEED]: customer_search() latency on a database that
 * holds the N customers gen_customers N SEED wrote (imported with `pmis import customers`).
 * Queries are drawn from the data itself: customer `seq` is remade from (SEED, seq) as the
 * generator made it, so 户号, phones, ID numbers, names and addresses are real ones.
 * Per query kind it prints p50/p95/p99/max in ms over Q queries (default 300), each a first page
 * of 50 rows read and masked exactly as `pmis customer search` does; --slow MS lists the queries
 * that took MS or longer on stderr. The store (--db, else
 * PMIS_DB) and key file (PMIS_KEYS_FILE) are opened as src/cli/main.c opens them. Figures only.
 */
#include "core/common.h"
#include "core/clock.h"
#include "core/keyring.h"
#include "domain/customer.h"
#include "domain/demo_data.h"

#define WARMUP 20 /* untimed queries per kind: prepared statements and page cache */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Byte offset of UTF-8 character `i` of `s` (or the end). */
static size_t char_off(const char *s, size_t i)
{
    size_t off = 0;
    while (s[off] && i) {
        off++;
        while (((unsigned char)s[off] & 0xC0) == 0x80)
            off++;
        i--;
    }
    return off;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* `len` characters of `s` from a random start; shorter strings are taken whole. */
static void substring(struct demo_rng *rng, const char *s, size_t len, char *out, size_t cap)
{
    size_t n = utf8_len(s);
    size_t from = n > len ? demo_rng_below(rng, (uint32_t)(n - len + 1)) : 0;
    size_t a = char_off(s, from), b = char_off(s, from + len);
    snprintf(out, cap, "%.*s", (int)(b - a), s + a);
}

enum kind {
    K_CUST_NO,
    K_CUST_NO_PREFIX,
    K_PHONE,
    K_ID_NO,
    K_NAME_1,
    K_NAME_2,
    K_NAME_3,
    K_NAME_FIXED,
    K_ADDRESS_2,
    K_ADDRESS_4,
    K_ADDRESS_STREET,
    K__COUNT
};

static const char *const kind_names[] = {
    "户号 exact",         "户号 prefix, 7 digits", "phone (blind index)", "ID no. (blind index)",
    "name, 1st char",     "name, 2 chars",         "name, 3-4 chars",     "name 有限公司|纺织有",
    "address, 2 chars",   "address, 4-6 chars",    "address, street 3-6",
};

/* Print `s` left-aligned in `width` terminal columns (a CJK character takes two). */
static void print_col(const char *s, int width)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += *p < 0x80 ? 1 : (*p & 0xC0) == 0xC0 ? 2 : 0;
    printf("  %s%*s", s, width > w ? width - w : 0, "");
}

/* Make query number `i` of kind `k` from a random customer. */
static void make_query(const struct demo_gen *g, struct demo_rng *rng, int64_t n, enum kind k,
                       long i, struct customer_query *q, char *buf, size_t cap)
{
    static const char *const fixed[] = { "有限公司", "纺织有" };
    struct demo_customer d;
    struct err err = ERR_INIT;
    do {
        if (demo_customer(g, (int64_t)demo_rng_below(rng, (uint32_t)n), NULL, &d, &err))
            die_err(&err);
    } while ((k == K_ID_NO && !d.id_number[0]) || (k == K_NAME_3 && utf8_len(d.name) < 3));
    memset(q, 0, sizeof(*q));
    q->text = buf;
    switch (k) {
    case K_CUST_NO:
        q->by = CS_CUST_NO;
        snprintf(buf, cap, "%s", d.cust_no);
        break;
    case K_CUST_NO_PREFIX:
        q->by = CS_CUST_NO;
        q->prefix = true;
        snprintf(buf, cap, "%.7s", d.cust_no);
        break;
    case K_PHONE:
        q->by = CS_PHONE;
        snprintf(buf, cap, "%s", d.phone);
        break;
    case K_ID_NO:
        q->by = CS_ID_NO;
        snprintf(buf, cap, "%s", d.id_number);
        break;
    case K_NAME_1:
        q->by = CS_NAME;
        snprintf(buf, cap, "%.*s", (int)char_off(d.name, 1), d.name);
        break;
    case K_NAME_2:
        q->by = CS_NAME;
        substring(rng, d.name, 2, buf, cap);
        break;
    case K_NAME_3:
        q->by = CS_NAME;
        substring(rng, d.name, 3 + demo_rng_below(rng, 2), buf, cap);
        break;
    case K_NAME_FIXED:
        q->by = CS_NAME;
        snprintf(buf, cap, "%s", fixed[i % 2]);
        break;
    case K_ADDRESS_2:
        q->by = CS_ADDRESS;
        substring(rng, d.address, 2, buf, cap);
        break;
    case K_ADDRESS_4:
        q->by = CS_ADDRESS;
        substring(rng, d.address, 4 + demo_rng_below(rng, 3), buf, cap);
        break;
    case K_ADDRESS_STREET:
        /* what a clerk types: part of the street or village, not the region every address in
           a county starts with (浙江省温州市苍南县钱库镇: 12 characters or so) */
        q->by = CS_ADDRESS;
        substring(rng, d.address + char_off(d.address, 12), 3 + demo_rng_below(rng, 4), buf,
                  cap);
        break;
    case K__COUNT:
        break;
    }
}

struct count {
    long rows;
};

static int count_row(void *arg, const struct customer *cu)
{
    UNUSED(cu);
    ((struct count *)arg)->rows++;
    return 0;
}

int main(int argc, char **argv)
{
    const char *url = getenv("PMIS_DB");
    long nq = 300;
    double slow = 0;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "--db"))
            url = argv[i + 1];
        else if (!strcmp(argv[i], "--queries"))
            nq = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--slow"))
            slow = atof(argv[i + 1]);
        else
            break;
    }
    if (argc - i < 1 || argc - i > 2 || nq < 1)
        die("usage: bench_search [--db URL] [--queries Q] [--slow MS] N [SEED]");
    int64_t n = atoll(argv[i]);
    uint64_t seed = argc - i == 2 ? strtoull(argv[i + 1], NULL, 10) : 2025;
    const char *keys_file = getenv("PMIS_KEYS_FILE");
    if (!url || !keys_file)
        die("bench_search: set PMIS_DB (or --db) and PMIS_KEYS_FILE");
    if (n < 1 || n > DEMO_MAX_SEQ + 1)
        die("bench_search: N must be 1..%" PRId64, DEMO_MAX_SEQ + 1);

    struct err err = ERR_INIT;
    struct arena keep = ARENA_INIT, scratch = ARENA_INIT;
    struct clock clk = clock_system();
    struct ctx c = { .clock = &clk, .actor = "bench", .zone_name = "Asia/Shanghai",
                     .arena = &keep };
    if (store_open(&c.db, url, &err) || store_require_current(c.db, &err) ||
        keyring_load(keys_file, &c.keys, &err))
        die_err(&err);
    /* make the lookup caches in the long-lived arena before queries switch to scratch */
    struct date today;
    if (ctx_today(&c, &today, &err))
        die_err(&err);

    struct demo_gen g;
    struct demo_rng rng;
    demo_gen_init(&g, seed);
    demo_rng_seed(&rng, seed ^ 0xbe7c4);
    double *ms = malloc(sizeof(double) * (size_t)nq);
    if (!ms)
        die("out of memory");
    char buf[256];

    printf("customer_search over %" PRId64 " customers (%s), %ld queries per kind, page of 50\n",
           n, store_kind(c.db) == STORE_SQLITE ? "SQLite" : "PostgreSQL", nq);
    print_col("query", 24);
    printf("%8s %8s %8s %8s %8s\n", "p50 ms", "p95 ms", "p99 ms", "max ms", "rows/q");
    for (int k = 0; k < K__COUNT; k++) {
        long rows = 0;
        for (long j = -WARMUP; j < nq; j++) {
            struct customer_query q;
            make_query(&g, &rng, n, (enum kind)k, j + WARMUP, &q, buf, sizeof(buf));
            struct count cnt = { 0 };
            c.arena = &scratch;
            double t0 = now_ms();
            int rc = customer_search(&c, &q, count_row, &cnt, NULL, &err);
            double t = now_ms() - t0;
            c.arena = &keep;
            arena_reset(&scratch);
            if (rc)
                die("bench_search: query '%s' (%s): %s", buf, kind_names[k], err.msg);
            if (slow > 0 && t >= slow)
                fprintf(stderr, "slow: %.1f ms, %ld rows: %s '%s'\n", t, cnt.rows,
                        kind_names[k], buf);
            if (j >= 0) {
                ms[j] = t;
                rows += cnt.rows;
            }
        }
        qsort(ms, (size_t)nq, sizeof(double), cmp_double);
        print_col(kind_names[k], 24);
        printf("%8.3f %8.3f %8.3f %8.3f %8.1f\n", ms[nq / 2],
               ms[(nq * 95 + 99) / 100 - 1], ms[(nq * 99 + 99) / 100 - 1], ms[nq - 1],
               (double)rows / (double)nq);
        fflush(stdout);
    }
    free(ms);
    arena_release(&scratch);
    arena_release(&keep);
    keyring_free(c.keys);
    store_close(c.db);
    return 0;
}
