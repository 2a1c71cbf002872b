/*
 * bench_ledger --db URL [--accounts N] [--bank-lines M] [--single K] [--jobs J] [--accrue-only]:
 * the receivables ledger at scale (--accrue-only: the fill and the accrual, phase 1, alone).
 * Fills a migrated, empty database by bulk SQL with N accounts, each with one issued bill of
 * 100.00–599.99 yuan due 2025-05-15 and its receivable, and a history: the month before's bill,
 * paid by the bank and settled (N payments, allocations and ledger entries); on PostgreSQL then
 * VACUUM ANALYZE, as autovacuum keeps an established database (not the bill-run path: this
 * measures the ledger). Then, with the clock at 2025-06-14:
 *   1. late fees accrued for all N overdue bills (ledger_accrue, 30 days each);
 *   2. K (--single, default N/10) counter payments through ledger_pay, one transaction each
 *      (`pmis pay`), then N payments through ledger_post_many, 1000 per transaction (the path
 *      of every payment), each paying its bill's fee and part of its principal; the mean time
 *      of the first and the last tenth of these batches shows whether a batch slows down as
 *      the payment table grows;
 *   3. a bank collection file of M lines (payment_batch_import, the path of `pmis payment
 *      import`) paying the first M accounts again;
 * and `ledger verify` over everything. With --jobs J (PostgreSQL; default 1) the accrual, the
 * N payments and the bank file run in J parts by account, each on its own connection (the
 * payments: J client threads posting disjoint accounts, 1000 per transaction each — the
 * system's throughput). Each phase prints the load average and, on PostgreSQL, the CPU time
 * of the whole server (the postmaster, its live children and those it has reaped), a steadier
 * measure than wall time on a shared machine. Prints the figures; asserts nothing.
 */
#include "core/common.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "domain/ctx.h"
#include "domain/ledger.h"
#include "domain/payment_csv.h"
#include "store/store.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char fill[] =
    "INSERT INTO org_unit (code, name, level, parent_id, created_at)"
    " VALUES ('BENCH', 'bench', 'hq', NULL, 0);\n"
    "CREATE TEMP TABLE seq_n (i BIGINT PRIMARY KEY);\n"
    "{{SEQ}}\n"
    "INSERT INTO customer (id, cust_no, name, user_type, voltage, status, important, address,"
    " org_id, opened_on, created_at, updated_at)"
    " SELECT i, CAST(1000000000 + i AS TEXT), '测试用户', CASE WHEN i % 10 < 8 THEN 'resident'"
    " ELSE 'general_ci' END, '220V', 'active', 0, '测试地址',"
    " (SELECT id FROM org_unit WHERE code = 'BENCH'), '2020-01-01', 0, 0 FROM seq_n;\n"
    "INSERT INTO account (id, account_no, customer_id, tariff_code, cycle_day, pay_mode, status,"
    " opened_on, created_at, updated_at) SELECT i, CAST(1000000000 + i AS TEXT) || '01', i,"
    " 'FLAT', 15, 'postpaid', 'active', '2020-01-01', 0, 0 FROM seq_n;\n"
    "INSERT INTO bill (id, bill_no, account_id, period, kind, status, tariff_code, energy_wh,"
    " total_fen, usage_text, reads_text, due_on, issued_at, created_at)"
    " SELECT i, 'B202504' || CAST(1000000000 + i AS TEXT), i, '2025-04', 'regular', 'issued',"
    " 'FLAT', 100000, 10000 + (i * 7919) % 50000, '', '', '2025-05-15', 0, 0 FROM seq_n;\n"
    "INSERT INTO receivable (bill_id, account_id, bill_year, resident, due_on, amount_fen)"
    " SELECT i, i, 2025, CASE WHEN i % 10 < 8 THEN 1 ELSE 0 END, '2025-05-15',"
    " 10000 + (i * 7919) % 50000 FROM seq_n;\n"
    /* the history: last month's bill, paid by the bank, settled */
    "INSERT INTO bill (id, bill_no, account_id, period, kind, status, tariff_code, energy_wh,"
    " total_fen, usage_text, reads_text, due_on, issued_at, created_at)"
    " SELECT {{N}} + i, 'B202503' || CAST(1000000000 + i AS TEXT), i, '2025-03', 'regular',"
    " 'issued', 'FLAT', 100000, 9000 + (i * 7919) % 50000, '', '', '2025-04-15', 0, 0"
    " FROM seq_n;\n"
    "INSERT INTO receivable (bill_id, account_id, bill_year, resident, due_on, amount_fen,"
    " paid_fen, settled_on) SELECT {{N}} + i, i, 2025, CASE WHEN i % 10 < 8 THEN 1 ELSE 0 END,"
    " '2025-04-15', 9000 + (i * 7919) % 50000, 9000 + (i * 7919) % 50000, '2025-04-10'"
    " FROM seq_n;\n"
    "INSERT INTO payment (id, account_id, amount_fen, unallocated_fen, channel, ref, paid_on,"
    " cashier, status, posted_at) SELECT i, i, 9000 + (i * 7919) % 50000, 0, 'bank',"
    " 'H' || CAST(i AS TEXT), '2025-04-10', 'bench', 'posted', 0 FROM seq_n;\n"
    "INSERT INTO allocation (payment_id, bill_id, fee_fen, principal_fen)"
    " SELECT i, {{N}} + i, 0, 9000 + (i * 7919) % 50000 FROM seq_n;\n"
    "INSERT INTO ledger_entry (account_id, kind, debit_fen, credit_fen, bill_id, on_date,"
    " posted_at, actor) SELECT i, 'bill', 9000 + (i * 7919) % 50000, 0, {{N}} + i,"
    " '2025-04-01', 0, 'bench' FROM seq_n;\n"
    "INSERT INTO ledger_entry (account_id, kind, debit_fen, credit_fen, payment_id, on_date,"
    " posted_at, actor, note) SELECT i, 'payment', 0, 9000 + (i * 7919) % 50000, i,"
    " '2025-04-10', 0, 'bench', 'H' || CAST(i AS TEXT) FROM seq_n;\n"
    "INSERT INTO ledger_entry (account_id, kind, debit_fen, credit_fen, bill_id, on_date,"
    " posted_at, actor) SELECT i, 'bill', 10000 + (i * 7919) % 50000, 0, i, '2025-05-01', 0,"
    " 'bench' FROM seq_n;\n"
    "INSERT INTO account_balance (account_id, balance_fen, updated_at)"
    " SELECT i, 10000 + (i * 7919) % 50000, 0 FROM seq_n;\n"
    "DROP TABLE seq_n;\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb / 1024;
}

/* utime + stime (with cutime + cstime when `reaped`) of process `pid`, in seconds; its parent */
static double proc_cpu(long pid, bool reaped, long *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = 0;
    char *p = strrchr(buf, ')'); /* the command may hold spaces */
    long v[16] = { 0 };
    if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld %ld %ld", &v[0],
                     &v[1], &v[2], &v[3], &v[4]) != 5)
        return 0;
    if (ppid)
        *ppid = v[0];
    long ticks = v[1] + v[2] + (reaped ? v[3] + v[4] : 0);
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* Whether live process `pid` is one of the server's own (WAL writer, checkpointer, background
 * writer, the launchers), not a client's backend (which may be exiting, its title gone). */
static bool is_server_own(long pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = 0;
    static const char *const own[] = { "checkpointer", "background writer", "walwriter",
                                       "launcher", "stats collector", "archiver" };
    for (size_t i = 0; i < ARRAY_SIZE(own); i++)
        if (strstr(buf, own[i]))
            return true;
    return false;
}

/* The PostgreSQL server's CPU time, sampled at the start of each phase */
struct pgmon {
    long postmaster; /* 0: SQLite, or not found */
    double cpu0;     /* the whole server's, at the start of the phase */
    double bg, bg0;  /* its own processes' (not backends'): now, at the start */
};

/* CPU seconds of the whole PostgreSQL server so far: the postmaster, its live children and
 * those it has reaped (backends of closed connections, autovacuum workers); 0 on SQLite. */
static double pg_cpu(struct pgmon *m)
{
    if (!m->postmaster)
        return 0;
    double t = proc_cpu(m->postmaster, true, NULL);
    DIR *d = opendir("/proc");
    struct dirent *e;
    m->bg = 0;
    while (d && (e = readdir(d))) {
        long pid = strtol(e->d_name, NULL, 10), ppid = 0;
        if (pid <= 0)
            continue;
        double c = proc_cpu(pid, false, &ppid);
        if (ppid == m->postmaster) {
            t += c;
            if (is_server_own(pid))
                m->bg += c;
        }
    }
    if (d)
        closedir(d);
    return t;
}

static void find_postmaster(struct pgmon *m, struct store *db)
{
    struct err e = ERR_INIT;
    struct store_stmt *st = store_q(db, Q_TEST_BACKEND_PID);
    if (store_kind(db) != STORE_PG || store_one(st, &e))
        return;
    long backend = (long)store_col_i64(st, 0), ppid = 0;
    store_reset(st);
    proc_cpu(backend, false, &ppid);
    m->postmaster = ppid;
}

/* a phase starts */
static void phase(struct pgmon *m)
{
    m->cpu0 = pg_cpu(m);
    m->bg0 = m->bg;
}

/* "load 1.23 1.10 0.90, server CPU 4.56 s (backends 4.10 s)" since the phase started */
static const char *machine(struct pgmon *m, char buf[96])
{
    double la[3] = { 0, 0, 0 };
    if (getloadavg(la, 3) != 3)
        la[0] = la[1] = la[2] = 0;
    int w = snprintf(buf, 96, "load %.2f %.2f %.2f", la[0], la[1], la[2]);
    if (m->postmaster) {
        double all = pg_cpu(m) - m->cpu0;
        snprintf(buf + w, 96 - (size_t)w, ", server CPU %.2f s (backends %.2f s)", all,
                 all - (m->bg - m->bg0));
    }
    return buf;
}

static int fill_db(struct store *s, int64_t n, struct err *err)
{
    struct strbuf sql = STRBUF_INIT, seq = STRBUF_INIT;
    if (store_kind(s) == STORE_PG)
        strbuf_addf(&seq, "INSERT INTO seq_n SELECT generate_series(1, %" PRId64 ");", n);
    else
        strbuf_addf(&seq,
                    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < "
                    "%" PRId64 ") INSERT INTO seq_n SELECT i FROM c;",
                    n);
    const char *p = fill, *q;
    while ((q = strstr(p, "{{"))) {
        strbuf_add(&sql, p, (size_t)(q - p));
        if (!strncmp(q, "{{SEQ}}", 7))
            strbuf_addstr(&sql, seq.buf);
        else
            strbuf_addf(&sql, "%" PRId64, n);
        p = q + (q[2] == 'S' ? 7 : 5);
    }
    strbuf_addstr(&sql, p);
    /* an established database: its sequences past the history, its statistics gathered (as
     * autovacuum keeps them); the code must not depend on them (see Q_LP_REFS) */
    if (store_kind(s) == STORE_PG)
        strbuf_addstr(&sql, "SELECT setval(pg_get_serial_sequence('payment', 'id'), "
                            "(SELECT MAX(id) FROM payment));\n");
    int ret = store_begin(s, err);
    if (!ret)
        ret = store_end(s, store_exec_script(s, sql.buf, err), err);
    if (!ret && store_kind(s) == STORE_PG)
        ret = store_exec_script(s, "VACUUM ANALYZE", err);

    strbuf_release(&sql);
    strbuf_release(&seq);
    return ret;
}

struct pay_parts {
    int64_t n;
    struct date today;
    const struct fee_policies *pol;
    double **bt;  /* per part: its batches' times */
    int64_t *nb;  /* per part: how many */
};

/* Part k of n: accounts i (1..N) with (i - 1) % n == k, 1000 payments per transaction. */
static int pay_part(struct ctx *c, int k, int n, void *arg, struct err *err)
{
    struct pay_parts *p = arg;
    struct post_line *lines = xcalloc(1000, sizeof(*lines));
    char (*accs)[24] = xcalloc(1000, 24), (*refs)[32] = xcalloc(1000, 32);
    struct post_opts po = { .channel = "wechat", .kind = "payment", .check_closed_day = true,
                            .policies = p->pol };
    int64_t mine = (p->n - k + n - 1) / n;
    p->bt[k] = xcalloc((size_t)(mine / 1000 + 1), sizeof(double));
    int ret = 0;
    for (int64_t i = 1 + k; i <= p->n && !ret;) {
        double tb = now_s();
        size_t q = 0;
        for (; q < 1000 && i <= p->n; q++, i += n) {
            snprintf(accs[q], 24, "%" PRId64 "01", 1000000000 + i);
            snprintf(refs[q], 32, "W%" PRId64, i);
            lines[q] = (struct post_line){ .account_no = accs[q], .ref = refs[q],
                                           .amount_fen = 5000 + i % 3000, .paid_on = p->today };
        }
        if ((ret = store_begin(c->db, err)))
            break;
        ret = store_end(c->db, ledger_post_many(c, &po, lines, q, err), err);
        for (size_t j = 0; j < q && !ret; j++)
            if (lines[j].status != LINE_POSTED)
                ret = error(err, ERR_INTERNAL, "post %s: %s", accs[j], lines[j].error);
        arena_reset(c->arena);
        p->bt[k][p->nb[k]++] = now_s() - tb;
    }
    free(lines);
    free(accs);
    free(refs);
    return ret;
}

int main(int argc, char **argv)
{
    const char *url = NULL;
    int64_t n = 100000, m = 100000, single = -1, jobs = 1;
    bool accrue_only = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            url = argv[++i];
        else if (!strcmp(argv[i], "--accounts") && i + 1 < argc)
            n = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--bank-lines") && i + 1 < argc)
            m = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--single") && i + 1 < argc)
            single = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--accrue-only"))
            accrue_only = true;
        else
            return fprintf(stderr, "usage: bench_ledger --db URL [--accounts N] "
                                   "[--bank-lines M] [--single K] [--jobs J] [--accrue-only]\n"),
                   64;
    }
    if (!url || n < 1 || m < 0 || m > n || jobs < 1 || jobs > LEDGER_JOBS_MAX)
        return fprintf(stderr, "bench_ledger: --db URL, N >= 1, 0 <= M <= N, 1 <= J <= %d\n",
                       LEDGER_JOBS_MAX), 64;
    log_set_level(LOG_WARN);
    struct err err = ERR_INIT;
    struct store *db;
    struct arena arena = ARENA_INIT;
    if (store_open(&db, url, &err) || store_migrate(db, NULL, &err))
        return fprintf(stderr, "bench_ledger: %s\n", err.msg), 1;
    /* 2025-06-14 10:00 in Shanghai */
    struct clock clk = clock_fixed(INT64_C(1749866400) * 1000000);
    struct ctx c = { .db = db, .clock = &clk, .actor = "bench", .zone_name = "Asia/Shanghai",
                     .arena = &arena };
    struct pgmon pm = { 0 };
    find_postmaster(&pm, db);
    char mb[96];
    phase(&pm);
    printf("jobs %" PRId64 " (runs as %d), nproc %ld, %s\n", jobs, ledger_jobs(&c, jobs),
           sysconf(_SC_NPROCESSORS_ONLN), machine(&pm, mb));
    double t0 = now_s();
    if (fill_db(db, n, &err))
        return fprintf(stderr, "fill: %s\n", err.msg), 1;
    printf("fill: %" PRId64 " accounts with an overdue bill in %.2f s\n", n, now_s() - t0);

    struct date today = { 2025, 6, 14 };
    struct accrue_result ar;
    phase(&pm);
    t0 = now_s();
    if (ledger_accrue(&c, today, 5000, jobs, &ar, &err))
        return fprintf(stderr, "accrue: %s\n", err.msg), 1;
    double t = now_s() - t0;
    printf("accrue: %" PRId64 " bills, %" PRId64 " fen of late fees in %.2f s (%.0f bills/s); "
           "%s\n", ar.bills, ar.fee_fen, t, (double)ar.bills / t, machine(&pm, mb));
    arena_reset(&arena);
    if (accrue_only) {
        store_close(db);
        arena_release(&arena);
        return 0;
    }

    struct fee_policies pol;
    if (fee_policies_load(&c, &pol, &err))
        return fprintf(stderr, "policies: %s\n", err.msg), 1;
    /* counter payments, each in its own transaction as `pmis pay` posts them: a tenth of N */
    char acc[24];
    if (single < 0)
        single = n / 10 ? n / 10 : 1;
    phase(&pm);
    t0 = now_s();
    for (int64_t i = 1; i <= single; i++) {
        snprintf(acc, sizeof(acc), "%" PRId64 "01", 1000000000 + i);
        struct pay_req q = { .account_no = acc, .amount_fen = 1000, .channel = "counter" };
        struct pay_result r;
        if (ledger_pay(&c, &q, &r, &err))
            return fprintf(stderr, "pay %s: %s\n", acc, err.msg), 1;
        arena_reset(&arena);
    }
    t = now_s() - t0;
    printf("pay one by one: %" PRId64 " payments in %.2f s (%.0f payments/s); %s\n", single, t,
           (double)single / t, machine(&pm, mb));
    /* N payments, 1000 per transaction (a channel's stream), in `jobs` parts by account */
    struct pay_parts pp = { n, today, &pol, xcalloc((size_t)jobs, sizeof(*pp.bt)),
                            xcalloc((size_t)jobs, sizeof(*pp.nb)) };
    int nj = ledger_jobs(&c, jobs);
    phase(&pm);
    t0 = now_s();
    if (ledger_parallel(&c, nj, pay_part, &pp, &err))
        return fprintf(stderr, "post: %s\n", err.msg), 1;
    t = now_s() - t0;
    printf("pay: %" PRId64 " payments in %.2f s (%.0f payments/s), %d jobs; %s\n", n, t,
           (double)n / t, nj, machine(&pm, mb));

    /* a batch's time must not grow with the payments before it (each part's batches) */
    double first = 0, last = 0, worst = 0;
    int64_t nfirst = 0, nlast = 0, nball = 0;
    for (int k = 0; k < nj; k++) {
        int64_t nb = pp.nb[k], tenth = nb / 10 ? nb / 10 : 1;
        nball += nb;
        for (int64_t j2 = 0; j2 < nb; j2++) {
            double b = pp.bt[k][j2];
            if (j2 < tenth)
                first += b, nfirst++;
            if (j2 >= nb - tenth)
                last += b, nlast++;
            if (b > worst)
                worst = b;
        }
        free(pp.bt[k]);
    }
    printf("pay batches: %" PRId64 " of 1000, first tenth %.1f ms, last tenth %.1f ms each, "
           "slowest %.1f ms\n", nball, first / (double)(nfirst ? nfirst : 1) * 1e3,
           last / (double)(nlast ? nlast : 1) * 1e3, worst * 1e3);
    free(pp.bt);
    free(pp.nb);

    if (m) {
        struct strbuf f = STRBUF_INIT;
        strbuf_addstr(&f, "H,BENCH-1,2025-06-14\n");
        for (int64_t i = 1; i <= m; i++)
            strbuf_addf(&f, "D,BK%" PRId64 ",%" PRId64 "01,12.34\n", i, 1000000000 + i);
        strbuf_addf(&f, "T,%" PRId64 ",%" PRId64 ".%02" PRId64 "\n", m, m * 1234 / 100,
                    m * 1234 % 100);
        struct csv_reader r;
        struct batch_result *res = calloc(1, sizeof(*res));
        phase(&pm);
        t0 = now_s();
        if (csv_open_mem(&r, f.buf, f.len, NULL, &err) ||
            payment_batch_import(&c, &r, "bank", false, jobs, 60, NULL, NULL, res, &err))
            return fprintf(stderr, "bank file: %s\n", err.msg), 1;
        t = now_s() - t0;
        csv_close(&r);
        printf("bank file: %" PRId64 " lines, %" PRId64 " posted in %.2f s (%.0f lines/s); %s\n",
               res->lines, res->posted, t, (double)res->lines / t, machine(&pm, mb));
        free(res);
        strbuf_release(&f);
        arena_reset(&arena);
    }

    /* the statistics autovacuum would have gathered by now: verify joins whole tables */
    if (store_kind(db) == STORE_PG && store_exec_script(db, "ANALYZE", &err))
        return fprintf(stderr, "analyze: %s\n", err.msg), 1;
    struct ledger_verify_result *v = calloc(1, sizeof(*v));
    t0 = now_s();
    if (ledger_verify(&c, v, &err))
        return fprintf(stderr, "verify: %s\n", err.msg), 1;
    printf("verify: %" PRId64 " accounts, %" PRId64 " entries, %d problems in %.2f s\n",
           v->accounts, v->entries, v->nproblems, now_s() - t0);
    printf("peak RSS: %ld MiB\n", rss_mib());
    free(v);
    arena_release(&arena);
    store_close(db);
    return 0;
}
