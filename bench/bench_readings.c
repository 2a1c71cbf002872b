/*
 * bench_readings --db URL [--meters N] [--days D] [--iv-days E]: import speed of register
 * readings and interval data. Into a fresh, migrated database it imports N customers, accounts
 * and meters (total, sharp, peak, flat, valley, reactive registers) through the archive import,
 * then times reading_import() of generated CSV held in memory (so disk reads do not count):
 *   readings wide:  N x D rows of 6 registers        (default 2000 x 100 = 1.2M readings)
 *   readings long:  the next N x D/2 days, one line per register
 *   intervals wide: N x E days of 96 points         (default 2000 x 6 = 1.15M points)
 *   intervals long: the next N x E/2 days, one line per point
 *   re-import of the wide readings (all unchanged: the idempotency check alone)
 * Load shapes come from ../shared/data/load/PJME_hourly.csv when it is there (scaled per meter),
 * else from a synthetic daily curve. Prints values/s and the peak RSS so far. Figures only.
 */
#include "core/common.h"
#include "core/clock.h"
#include "core/keyring.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "domain/archive_csv.h"
#include "domain/org.h"
#include "domain/reading_csv.h"
#include "domain/tariff.h"

#include <sys/resource.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* hourly load shape, relative (mean ~1000) */
static int shape[24 * 366];
static int nshape;

static void load_shape(void)
{
    FILE *fp = fopen("../shared/data/load/PJME_hourly.csv", "r");
    if (!fp)
        fp = fopen("/work/shared/data/load/PJME_hourly.csv", "r");
    char line[128];
    double sum = 0;
    if (fp) {
        if (fgets(line, sizeof(line), fp))
            while (nshape < (int)ARRAY_SIZE(shape) && fgets(line, sizeof(line), fp)) {
                const char *comma = strchr(line, ',');
                if (comma) {
                    shape[nshape] = (int)strtod(comma + 1, NULL);
                    sum += shape[nshape++];
                }
            }
        fclose(fp);
        printf("load shape: %d hours of PJM load (PJME_hourly.csv)\n", nshape);
    }
    if (nshape < 48) {
        nshape = 24 * 7;
        sum = 0;
        for (int i = 0; i < nshape; i++)
            sum += shape[i] = 600 + (i % 24 >= 8 && i % 24 < 22 ? 800 : 0) + (i * 37) % 200;
        printf("load shape: synthetic\n");
    }
    for (int i = 0; i < nshape; i++)
        shape[i] = (int)(shape[i] * 1000.0 * nshape / sum);
}

static int import_mem(struct ctx *c, enum reading_kind k, const struct strbuf *csv,
                      const char *what, int64_t expect, struct err *err)
{
    struct csv_reader r;
    struct import_opts o = { .csv = CSV_OPTIONS_INIT, .source = what };
    struct reading_import_result res;
    o.csv.max_record = 1 << 20;
    double t0 = now_s();
    int rc = csv_open_mem(&r, csv->buf, csv->len, &o.csv, err);
    if (!rc)
        rc = reading_import(c, k, &r, &o, 0, &res, err);
    csv_close(&r);
    double dt = now_s() - t0;
    if (rc) {
        fprintf(stderr, "%s: %s\n", what, err->msg);
        if (res.r.bad.n)
            fprintf(stderr, "  line %" PRIu64 ": %s\n", res.r.bad.v[0].line, res.r.bad.v[0].reason);
        reading_import_result_release(&res);
        return rc;
    }
    printf("%-34s %9" PRId64 " values %8.2f s %10.0f values/s  (%" PRId64 " new)  RSS %ld MiB\n",
           what, res.values, dt, (double)res.values / dt, res.r.created, peak_rss_mib());
    if (res.values != expect)
        fprintf(stderr, "  expected %" PRId64 " values\n", expect);
    reading_import_result_release(&res);
    arena_reset(c->arena);
    return 0;
}

static int archive_mem(struct ctx *c, enum archive_kind k, const struct strbuf *csv,
                       struct err *err)
{
    struct csv_reader r;
    struct import_opts o = { .csv = CSV_OPTIONS_INIT, .source = "bench" };
    struct import_result res;
    int rc = csv_open_mem(&r, csv->buf, csv->len, &o.csv, err);
    if (!rc)
        rc = archive_import(c, k, &r, &o, &res, err);
    csv_close(&r);
    if (rc && res.bad.n)
        fprintf(stderr, "line %" PRIu64 ": %s\n", res.bad.v[0].line, res.bad.v[0].reason);
    import_result_release(&res);
    return rc;
}

static const char *day_str(int day0, int d, char buf[DATE_BUF_SIZE])
{
    return date_format(date_add_days((struct date){ 2024, 1, 1 }, day0 + d), buf);
}

/* cumulative register values of meter m after day d (Wh) */
static void regs_at(int m, int d, int64_t out[6])
{
    int64_t daily = 8000 + (m * 7919) % 20000; /* Wh per day */
    int64_t total = (int64_t)(d + 1) * daily + m * 13;
    out[0] = total;
    out[1] = total / 10;
    out[2] = total * 3 / 10;
    out[3] = total * 4 / 10;
    out[4] = total - out[1] - out[2] - out[3];
    out[5] = total / 3;
}

int main(int argc, char **argv)
{
    const char *url = NULL;
    int meters = 2000, days = 100, iv_days = 6;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            url = argv[++i];
        else if (!strcmp(argv[i], "--meters") && i + 1 < argc)
            meters = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--days") && i + 1 < argc)
            days = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--iv-days") && i + 1 < argc)
            iv_days = (int)strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_readings --db URL [--meters N] [--days D] "
                            "[--iv-days E]\n");
            return 64;
        }
    }
    if (!url || meters < 1 || days < 2 || iv_days < 2)
        return fprintf(stderr, "bench_readings: --db URL is required\n"), 64;
    log_set_level(LOG_WARN);
    struct err err = ERR_INIT;
    struct store *db;
    struct keyring *keys;
    struct arena arena = ARENA_INIT;
    char keyfile[64];
    snprintf(keyfile, sizeof(keyfile), "/tmp/bench_readings.%d.keys", (int)getpid());
    if (store_open(&db, url, &err) || store_migrate(db, NULL, &err) ||
        keyring_create(keyfile, &err) || keyring_load(keyfile, &keys, &err))
        return fprintf(stderr, "bench_readings: %s\n", err.msg), 1;
    unlink(keyfile);
    struct clock clk = clock_system();
    struct ctx c = { .db = db,
                     .keys = keys,
                     .clock = &clk,
                     .actor = "bench",
                     .zone_name = "Asia/Shanghai",
                     .arena = &arena };
    load_shape();

    /* the archive: one customer, account and meter each */
    double t0 = now_s();
    struct strbuf cu = STRBUF_INIT, ac = STRBUF_INIT, me = STRBUF_INIT, csv = STRBUF_INIT;
    if (org_add(&c, "B", "基准供电所", "station", NULL, NULL, &err))
        return fprintf(stderr, "org: %s\n", err.msg), 1;
    /* the tariff the accounts name: an account names a loaded one */
    static const char res1[] = "{\"code\": \"RES-1\", \"name\": \"基准电价\", \"category\": "
                               "\"resident\", \"versions\": [{\"effective_from\": \"2020-01-01\", "
                               "\"energy\": {\"price\": \"0.50\"}}]}";
    struct tariff *tf = NULL;
    int trc = tariff_parse_json(res1, sizeof(res1) - 1, &tf, &err);
    if (!trc)
        trc = tariff_save(&c, tf, "bench", NULL, &err);
    tariff_free(tf);
    if (trc)
        return fprintf(stderr, "tariff: %s\n", err.msg), 1;
    strbuf_addstr(&cu, "cust_no,name,user_type,voltage,address,org,opened_on\n");
    strbuf_addstr(&ac, "account_no,cust_no,tariff_code,cycle_day,opened_on\n");
    strbuf_addstr(&me, "asset_no,model,phases,registers,digits,account_no,installed_on\n");
    for (int m = 0; m < meters; m++) {
        strbuf_addf(&cu, "%010d,用户%d,resident,220V,地址%d,B,2023-01-01\n", 1000000000 + m, m, m);
        strbuf_addf(&ac, "%010d01,%010d,RES-1,5,2023-01-01\n", 1000000000 + m, 1000000000 + m);
        strbuf_addf(&me,
                    "B%07d,DDZY,1,\"total,sharp,peak,flat,valley,reactive\",8,%010d01,"
                    "2023-12-31\n",
                    m, 1000000000 + m);
    }
    if (archive_mem(&c, ARCHIVE_CUSTOMERS, &cu, &err) ||
        archive_mem(&c, ARCHIVE_ACCOUNTS, &ac, &err) || archive_mem(&c, ARCHIVE_METERS, &me, &err))
        return fprintf(stderr, "archive: %s\n", err.msg), 1;
    printf("archive: %d meters installed in %.2f s\n", meters, now_s() - t0);
    arena_reset(&arena);

    char day[DATE_BUF_SIZE];
    int64_t v[6];
    /* readings, wide: days 0 .. days-1 */
    strbuf_addstr(&csv, "meter,read_on,source,total,sharp,peak,flat,valley,reactive\n");
    for (int m = 0; m < meters; m++)
        for (int d = 0; d < days; d++) {
            regs_at(m, d, v);
            strbuf_addf(&csv, "B%07d,%s,remote", m, day_str(0, d, day));
            for (int r = 0; r < 6; r++)
                strbuf_addf(&csv, ",%" PRId64 ".%03d", v[r] / 1000, (int)(v[r] % 1000));
            strbuf_addch(&csv, '\n');
        }
    if (import_mem(&c, READING_REGISTERS, &csv, "readings wide (6 registers)",
                   (int64_t)meters * days * 6, &err))
        return 1;
    if (import_mem(&c, READING_REGISTERS, &csv, "readings wide again (unchanged)",
                   (int64_t)meters * days * 6, &err))
        return 1;
    /* readings, long: the following days */
    static const char *const regs[] = { "total", "sharp", "peak", "flat", "valley", "reactive" };
    strbuf_reset(&csv);
    strbuf_addstr(&csv, "meter,read_on,register,value_kwh,source\n");
    for (int m = 0; m < meters; m++)
        for (int d = days; d < days + days / 2; d++) {
            regs_at(m, d, v);
            day_str(0, d, day);
            for (int r = 0; r < 6; r++)
                strbuf_addf(&csv, "B%07d,%s,%s,%" PRId64 ".%03d,remote\n", m, day, regs[r],
                            v[r] / 1000, (int)(v[r] % 1000));
        }
    if (import_mem(&c, READING_REGISTERS, &csv, "readings long (1 line a value)",
                   (int64_t)meters * (days / 2) * 6, &err))
        return 1;

    /* intervals, wide: 96 points a day from the load shape */
    strbuf_reset(&csv);
    strbuf_addstr(&csv, "meter,date");
    for (int i = 1; i <= 96; i++)
        strbuf_addf(&csv, ",p%d", i);
    strbuf_addch(&csv, '\n');
    for (int m = 0; m < meters; m++)
        for (int d = 0; d < iv_days; d++) {
            strbuf_addf(&csv, "B%07d,%s", m, day_str(0, d, day));
            for (int i = 0; i < 96; i++) {
                int h = (m * 131 + d * 24 + i / 4) % nshape;
                int wh = shape[h] * (200 + m % 300) / 4000; /* ~50..125 Wh a quarter */
                strbuf_addf(&csv, ",0.%03d", wh % 1000);
            }
            strbuf_addch(&csv, '\n');
        }
    if (import_mem(&c, READING_INTERVALS, &csv, "intervals wide (96 a row)",
                   (int64_t)meters * iv_days * 96, &err))
        return 1;
    /* intervals, long */
    strbuf_reset(&csv);
    strbuf_addstr(&csv, "meter,ts,kwh\n");
    for (int m = 0; m < meters; m++)
        for (int d = iv_days; d < iv_days + iv_days / 2; d++) {
            day_str(0, d, day);
            for (int i = 0; i < 96; i++) {
                int h = (m * 131 + d * 24 + i / 4) % nshape;
                int wh = shape[h] * (200 + m % 300) / 4000;
                strbuf_addf(&csv, "B%07d,%s %02d:%02d,0.%03d\n", m, day, i / 4, i % 4 * 15,
                            wh % 1000);
            }
        }
    if (import_mem(&c, READING_INTERVALS, &csv, "intervals long (1 line a point)",
                   (int64_t)meters * (iv_days / 2) * 96, &err))
        return 1;
    strbuf_release(&cu);
    strbuf_release(&ac);
    strbuf_release(&me);
    strbuf_release(&csv);
    arena_release(&arena);
    keyring_free(keys);
    store_close(db);
    return 0;
}
