/*
 * Operations endpoints: /healthz (the process answers), /readyz (the database answers and its
 * migrations are current), /metrics (Prometheus text: server.c keeps the counters, and the
 * progress of running bill runs is read from the database when it answers).
 */
#include "core/common.h"
#include "core/log.h"
#include "api/api.h"
#include "domain/bill.h"

int api_healthz(struct api_req *r)
{
    return api_reply(r, 200, json_pack("{s:s}", "status", "ok"));
}

int api_readyz(struct api_req *r)
{
    int rc = store_require_current(r->ctx.db, &r->err);
    if (rc) {
        /* not ready is an answer, not a server fault: 503 with the reason */
        json_t *e = api_error_object(r, ERR_UNAVAILABLE, r->err.msg, r->err.msg_zh);
        return api_reply(r, 503, json_pack("{s:o}", "error", e));
    }
    return api_reply(r, 200, json_pack("{s:s}", "status", "ready"));
}

static int run_progress(void *arg, const struct bill_run_progress *p)
{
    struct strbuf *out = arg;
    char labels[96];
    snprintf(labels, sizeof(labels), "{run=\"%" PRId64 "\",period=\"%s\"}", p->id, p->period);
    strbuf_addf(out, "pmis_bill_run_accounts_billed%s %" PRId64 "\n", labels, p->accounts);
    if (p->units)
        strbuf_addf(out,
                    "pmis_bill_run_units%s %" PRId64 "\npmis_bill_run_units_done%s %" PRId64 "\n",
                    labels, p->units, labels, p->units_done);
    return 0;
}

int api_metrics(struct api_req *r)
{
    api_metrics_text(r, &r->text);
    /* a database that does not answer leaves these out: the rest still describes the server */
    if (r->ctx.db) {
        struct strbuf runs = STRBUF_INIT;
        struct err e = ERR_INIT;
        if (bill_runs_running(&r->ctx, run_progress, &runs, &e))
            log_warn("metrics: bill runs: %s", e.msg);
        else
            strbuf_addf(&r->text,
                        "# HELP pmis_bill_run_accounts_billed Accounts a running bill run has "
                        "billed so far.\n# TYPE pmis_bill_run_accounts_billed gauge\n"
                        "# HELP pmis_bill_run_units Work units of a running bill run.\n"
                        "# TYPE pmis_bill_run_units gauge\n"
                        "# HELP pmis_bill_run_units_done Work units of a running bill run that "
                        "are done.\n# TYPE pmis_bill_run_units_done gauge\n%s",
                        runs.buf);
        strbuf_release(&runs);
    }
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    r->status = 200;
    return 0;
}
