/*
 * Ledger work split by account (ledger.h, "partitions"): N threads, each on its own database
 * connection, each taking the accounts of its part. A part locks only its own accounts'
 * balance rows, in account order as every posting does, so parts never wait for each other
 * and a payment posted meanwhile to one of their accounts takes its turn as it would with a
 * single process.
 */
#include "domain/ledger.h"

#include "core/common.h"
#include "core/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

int ledger_jobs(const struct ctx *c, int64_t jobs)
{
    if (store_kind(c->db) != STORE_PG || store_tx_depth(c->db) > 0)
        return 1;
    if (jobs <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? n : 1;
    }
    return jobs > LEDGER_JOBS_MAX ? LEDGER_JOBS_MAX : (int)jobs;
}

int ledger_jobs_check(int64_t jobs, struct err *err)
{
    if (jobs < 1 || jobs > LEDGER_JOBS_MAX)
        return error(err, ERR_USAGE, "jobs must be a whole number from 1 to %d, not %" PRId64,
                     LEDGER_JOBS_MAX, jobs);
    return 0;
}

struct part {
    pthread_t th;
    bool started;
    struct ctx c;
    int k, n;
    ledger_part_fn *fn;
    void *arg;
    int ret;
    struct err err;
};

static void *part_main(void *p_)
{
    struct part *p = p_;
    p->ret = p->fn(&p->c, p->k, p->n, p->arg, &p->err);
    return NULL;
}

int ledger_parallel(struct ctx *c, int jobs, ledger_part_fn *fn, void *arg, struct err *err)
{
    /* inside the caller's transaction other connections would not see its work, and could
     * wait for its locks forever: one part then, on its connection */
    if (jobs <= 1 || store_tx_depth(c->db) > 0)
        return fn(c, 0, 1, arg, err);
    struct part *p = xreallocarray(NULL, (size_t)jobs, sizeof(*p));
    struct arena *own = xreallocarray(NULL, (size_t)jobs, sizeof(*own));
    int ret = 0;

    for (int k = 0; k < jobs; k++) {
        p[k] = (struct part){ .k = k, .n = jobs, .fn = fn, .arg = arg, .err = ERR_INIT };
        p[k].c = *c;
        p[k].c.db = NULL;
        own[k] = (struct arena)ARENA_INIT;
        p[k].c.arena = &own[k];
        p[k].c.cache = NULL; /* each part looks up through its own */
    }
    /* every connection first: a server that refuses one changes nothing */
    for (int k = 0; k < jobs && !ret; k++)
        ret = store_open_peer(c->db, &p[k].c.db, err);
    for (int k = 0; k < jobs && !ret; k++) {
        if (pthread_create(&p[k].th, NULL, part_main, &p[k]))
            ret = error(err, ERR_INTERNAL, "cannot start a ledger worker thread: %s",
                        strerror(errno));
        else
            p[k].started = true;
    }
    for (int k = 0; k < jobs; k++) {
        if (p[k].started) {
            pthread_join(p[k].th, NULL);
            if (!ret && p[k].ret) {
                *err = p[k].err;
                ret = p[k].ret;
            }
        }
        if (p[k].c.db)
            store_close(p[k].c.db);
        arena_release(&own[k]); /* before p: its hooks may use the part's context */
    }
    free(own);
    free(p);
    return ret;
}
