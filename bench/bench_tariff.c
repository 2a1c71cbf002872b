/*
 * bench_tariff [--seconds S] [DATA_DIR]: tariff_quote() throughput in-process on one core for
 * a residential tier bill (BJ-RES, annual tiers), a C&I TOU bill (GD-CI-TOU, windows + fund)
 * and a large-industry two-part bill (SH-LI-2P: demand with the 105 % rule, PF, fund), and
 * for a 1:1:1 mix. Tariffs come from DATA_DIR (default data/tariffs). `pmis tariff quote`
 * latency per CLI call is measured by bench/run.sh. Figures only, nothing asserted.
 */
#include "core/common.h"
#include "domain/tariff.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct tariff *load(const char *dir, const char *file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "bench_tariff: cannot open %s\n", path);
        exit(1);
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    struct tariff *t;
    struct err e = ERR_INIT;
    if (tariff_parse_json(buf, n, &t, &e)) {
        fprintf(stderr, "bench_tariff: %s: %s\n", path, e.msg);
        exit(1);
    }
    return t;
}

struct job {
    const char *name;
    const struct tariff *t[3];
    struct usage u[3];
    int n;
};

/* quotes per second over `secs`; varies the energy so no two quotes are alike */
static double run(struct job *j, double secs, int64_t *checksum)
{
    struct quote q;
    struct err e = ERR_INIT;
    long count = 0;
    double t0 = now_s(), t1;
    do {
        for (int r = 0; r < 1000; r++) {
            int k = (int)(count % j->n);
            struct usage u = j->u[k];
            u.total_wh += count % 997;
            if (u.has_tou) {
                u.tou_wh[TOU_FLAT] += count % 997;
                u.total_wh = 0;
            }
            if (tariff_quote(j->t[k], &u, &q, &e)) {
                fprintf(stderr, "bench_tariff: %s: %s\n", j->name, e.msg);
                exit(1);
            }
            *checksum += q.total_fen;
            count++;
        }
        t1 = now_s();
    } while (t1 - t0 < secs);
    return (double)count / (t1 - t0);
}

int main(int argc, char **argv)
{
    double secs = 1.0;
    const char *dir = "data/tariffs";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            secs = strtod(argv[++i], NULL);
        else
            dir = argv[i];
    }
    struct tariff *res = load(dir, "beijing-resident.json");
    struct tariff *ci = load(dir, "guangdong-ci-tou.json");
    struct tariff *li = load(dir, "large-industry.json");

    struct usage ur, uc, ul;
    usage_init(&ur);
    ur.period = (struct period){ 2024, 7 };
    ur.total_wh = 300000;
    ur.ytd_wh = 2700000;
    usage_init(&uc);
    uc.period = (struct period){ 2024, 7 };
    uc.has_tou = true;
    uc.tou_wh[TOU_SHARP] = 2000000;
    uc.tou_wh[TOU_PEAK] = 18000000;
    uc.tou_wh[TOU_FLAT] = 30000000;
    uc.tou_wh[TOU_VALLEY] = 20000000;
    usage_init(&ul);
    ul.period = (struct period){ 2024, 7 };
    ul.has_tou = true;
    ul.tou_wh[TOU_PEAK] = 40000000;
    ul.tou_wh[TOU_FLAT] = 40000000;
    ul.tou_wh[TOU_VALLEY] = 20000000;
    ul.capacity_va = 1250000;
    ul.contract_demand_w = 600000;
    ul.demand_w = 700000;
    ul.has_reactive = true;
    ul.reactive_varh = 69000000;
    ul.pf_standard = 90;

    struct job jobs[] = {
        { "residential tiers (BJ-RES)", { res }, { ur }, 1 },
        { "C&I TOU windows + fund (GD-CI-TOU)", { ci }, { uc }, 1 },
        { "large industry two-part + PF (SH-LI-2P)", { li }, { ul }, 1 },
        { "mix 1:1:1", { res, ci, li }, { ur, uc, ul }, 3 },
    };
    int64_t sum = 0;
    printf("tariff_quote, one thread, %.1f s each:\n", secs);
    for (size_t i = 0; i < ARRAY_SIZE(jobs); i++) {
        double rate = run(&jobs[i], secs, &sum);
        printf("  %-42s %10.0f quotes/s  %6.2f us/quote\n", jobs[i].name, rate, 1e6 / rate);
    }
    printf("  (checksum %" PRId64 ")\n", sum);
    tariff_free(res);
    tariff_free(ci);
    tariff_free(li);
    return 0;
}
