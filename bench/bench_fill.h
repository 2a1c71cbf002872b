/*
 * Shared by the benchmarks that fill a database with bulk SQL (bench_billrun.c,
 * bench_tickets.c): a script template where {{SEQ}} fills the temporary table seq_n with 1..N in
 * the backend's dialect and {{N}} stands for N, run in one transaction on the database of the
 * command line "NAME URL N". Header-only: each benchmark is its own program.
 */
#ifndef PMIS_BENCH_FILL_H
#define PMIS_BENCH_FILL_H

#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "store/store.h"

#include <time.h>

/* `tmpl` with {{SEQ}} and {{N}} expanded for store `s` appended to `out`. */
static inline void bench_fill_sql(struct strbuf *out, const char *tmpl, struct store *s,
                                  long long n)
{
    const char *seq = store_kind(s) == STORE_PG
                          ? "INSERT INTO seq_n SELECT generate_series(1, {{N}});"
                          : "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
                            " WHERE i < {{N}}) INSERT INTO seq_n SELECT i FROM s;";
    struct strbuf t = STRBUF_INIT;
    for (const char *p = tmpl; *p; p++) {
        if (!strncmp(p, "{{SEQ}}", 7)) {
            strbuf_addstr(&t, seq);
            p += 6;
        } else {
            strbuf_addch(&t, *p);
        }
    }
    for (const char *p = t.buf; *p; p++) {
        if (!strncmp(p, "{{N}}", 5)) {
            strbuf_addf(out, "%lld", n);
            p += 4;
        } else {
            strbuf_addch(out, *p);
        }
    }
    strbuf_release(&t);
}

/* Adds backend-specific lines (with {{N}}) to the template for store `s`. */
typedef void bench_fill_extra_fn(struct strbuf *tmpl, struct store *s);

/*
 * main() of a filler: parse "URL N" (die with `name`'s usage otherwise), open the database, run
 * `tmpl` plus what `extra` (may be NULL) adds, expanded, in one transaction, print "filled N
 * <what> in S s", close.
 */
static inline int bench_fill_main(int argc, char **argv, const char *name, const char *tmpl,
                                  bench_fill_extra_fn *extra, const char *what)
{
    struct err err = ERR_INIT;
    struct store *s = NULL;
    struct strbuf t = STRBUF_INIT, sql = STRBUF_INIT;
    struct timespec t0, t1;
    char *end;
    if (argc != 3)
        die("usage: %s URL N", name);
    long long n = strtoll(argv[2], &end, 10);
    if (*end || n < 1 || n > 100000000)
        die("%s: N must be 1..100000000", name);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (store_open(&s, argv[1], &err))
        die("%s: %s", name, err.msg);
    strbuf_addstr(&t, tmpl);
    if (extra)
        extra(&t, s);
    bench_fill_sql(&sql, t.buf, s, n);
    if (store_begin(s, &err) || store_exec_script(s, sql.buf, &err) || store_commit(s, &err))
        die("%s: %s", name, err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("filled %lld %s in %.2f s\n", n, what,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    store_close(s);
    strbuf_release(&t);
    strbuf_release(&sql);
    return 0;
}

#endif
