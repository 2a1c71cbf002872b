/*
 * Bill runs over HTTP: running a period (it blocks until the run is done, or with "background"
 * answers 202 at once and a server job computes it), the runs, one run with its progress,
 * its review queue (量费审核), decisions on one bill or on every bill of a run in review for a
 * reason, issue (发行) and corrections (退补). Thin: domain/bill*.c does the work. Runs and bills
 * are scoped to the caller's subtree in SQL (bill_run_get, bill_get): another subtree's answers
 * 404 like a missing one. A run of every org touches other subtrees, so a scoped caller may read
 * it and decide its own bills, but not start, bulk-decide or issue one (403).
 */
#include "core/common.h"
#include "core/cfg.h"
#include "core/energy.h"
#include "core/money.h"
#include "core/xalloc.h"
#include "api/api.h"
#include "domain/bill.h"

static void policy(struct api_req *r, struct bill_policy *p)
{
    bill_policy_default(p);
    if (!r->cfg->settings)
        return;
    p->due_days = (int)cfg_int(r->cfg->settings, CFG_BILLING_DUE_DAYS);
    p->review_multiple_pct = (int)cfg_int(r->cfg->settings, CFG_BILLING_REVIEW_MULTIPLE);
    p->spike_pct = (int)cfg_int(r->cfg->settings, CFG_BILLING_SPIKE);
    p->batch = (int)cfg_int(r->cfg->settings, CFG_BILLING_BATCH);
}

static json_t *kwh_json(int64_t wh)
{
    char b[ENERGY_BUF_SIZE];
    return json_string(energy_format_kwh(wh, b));
}

/* A run; status "failed" with its error (in the caller's language) for a run stopped on one. */
static json_t *run_json(struct api_req *req, const struct bill_run_info *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "period", json_string(r->period));
    json_object_set_new(j, "org", api_json_str(r->org_code));
    json_object_set_new(j, "cycle_day", r->cycle_day ? json_integer(r->cycle_day) : json_null());
    json_object_set_new(j, "status", json_string(r->status));
    json_object_set_new(j, "bills", json_integer(r->accounts));
    json_object_set_new(j, "in_review", json_integer(r->in_review));
    json_object_set_new(j, "energy_kwh", kwh_json(r->energy_wh));
    json_object_set_new(j, "total", api_json_money(r->total_fen));
    json_object_set_new(j, "started_at", api_json_time(r->started_at));
    json_object_set_new(j, "started_by", api_json_str(r->started_by));
    json_object_set_new(j, "issued_at", api_json_time(r->issued_at));
    api_json_lang(req, j, "error", r->error, r->error_zh);
    return j;
}

/* The run of path parameter {id}: a malformed id names no run (404), like a missing one. */
static int run_param(struct api_req *r, struct bill_run_info *out)
{
    int64_t id;
    int rc = api_param_id(r, "bill run", &id);
    return rc ? rc : bill_run_get(&r->ctx, id, out, &r->err);
}

/* A run of every org reaches beyond a scoped caller's subtree. */

/* A background run: its work units, computed after the reply by the server's job thread. */
struct run_job {
    int64_t run_id;
    struct bill_policy pol;
};

static int run_job(struct ctx *c, void *arg, struct err *err)
{
    struct run_job *j = arg;
    return bill_run_finish(c, j->run_id, &j->pol, err);
}

/* Split the run into BG_UNITS work units and leave the computing to a job: 202 with the run's
 * id at once; GET /bill-runs/{id} tells its progress. A run killed with the server is finished
 * by `pmis bill work ID` (or restarted). */
#define BG_UNITS 8
static int start_background(struct api_req *r, struct bill_run_opts *o, const char *period)
{
    struct bill_run_result res;
    int rc;
    if (o->dry_run)
        return error(&r->err, ERR_INVALID, "a dry run cannot run in the background"),
               err_field(&r->err, "background");
    o->units = BG_UNITS;
    if ((rc = bill_run(&r->ctx, o, &res, &r->err)))
        return rc;
    struct run_job *job = xcalloc(1, sizeof(*job));
    job->run_id = res.run_id;
    job->pol = *o->policy;
    char what[64];
    snprintf(what, sizeof(what), "bill run %" PRId64, res.run_id);
    if ((rc = api_job_start(r, what, run_job, job)))
        return rc;
    json_t *j = json_object();
    json_object_set_new(j, "run", json_integer(res.run_id));
    json_object_set_new(j, "period", json_string(period));
    json_object_set_new(j, "org", api_json_str(o->org_code));
    json_object_set_new(j, "background", json_true());
    json_object_set_new(j, "status", json_string("running"));
    json_object_set_new(j, "units", json_integer(res.units));
    return api_reply(r, 202, j);
}

int api_bill_run_start(struct api_req *r)
{
    static const char *const known[] = { "period",  "org",        "cycle_day", "dry_run",
                                         "restart", "background", NULL };
    const char *period;
    int64_t cycle_day = 0;
    struct bill_policy pol;
    struct bill_run_opts o = { .policy = &pol };
    bool background = false;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "period", true, &period)) ||
        (rc = api_body_str(r, "org", false, &o.org_code)) ||
        (rc = api_body_int(r, "cycle_day", 1, 28, &cycle_day)) ||
        (rc = api_body_bool(r, "dry_run", &o.dry_run)) ||
        (rc = api_body_bool(r, "restart", &o.restart)) ||
        (rc = api_body_bool(r, "background", &background)))
        return rc;
    if (period_parse(period, &o.period, &r->err))
        return error_prefix(&r->err, "field '%s': ", "period"), err_field(&r->err, "period");
    if (!o.org_code && r->ctx.scope_org_id)
        return error(&r->err, ERR_FORBIDDEN,
                     "a bill run of every org needs a user of the whole tree");
    o.cycle_day = (int)cycle_day;
    policy(r, &pol);
    if (background)
        return start_background(r, &o, period);
    struct bill_run_result res;
    if ((rc = bill_run(&r->ctx, &o, &res, &r->err)))
        return rc;
    json_t *j = json_object();
    json_object_set_new(j, "run", res.run_id ? json_integer(res.run_id) : json_null());
    json_object_set_new(j, "period", json_string(period));
    json_object_set_new(j, "org", api_json_str(o.org_code));
    json_object_set_new(j, "dry_run", json_boolean(o.dry_run));
    json_object_set_new(j, "resumed", json_boolean(res.resumed));
    json_object_set_new(j, "bills", json_integer(res.accounts));
    json_object_set_new(j, "in_review", json_integer(res.in_review));
    json_object_set_new(j, "failed", json_integer(res.failed));
    json_object_set_new(j, "replaced", json_integer(res.replaced));
    json_object_set_new(j, "skipped_issued", json_integer(res.skipped));
    json_object_set_new(j, "energy_kwh", kwh_json(res.energy_wh));
    json_object_set_new(j, "total", api_json_money(res.total_fen));
    return api_reply(r, o.dry_run ? 200 : 201, j);
}

struct run_list {
    struct api_req *r;
    json_t *items;
    int64_t last;
};

static int run_item(void *arg, const struct bill_run_info *r)
{
    struct run_list *l = arg;
    json_array_append_new(l->items, run_json(l->r, r));
    l->last = r->id;
    return 0;
}

int api_bill_run_list(struct api_req *r)
{
    const char *period = api_query(r, "period");
    struct period p;
    int64_t limit, before;
    int rc;
    if (period && period_parse(period, &p, &r->err))
        return error_prefix(&r->err, "query parameter '%s': ", "period"),
               err_field(&r->err, "period");
    if ((rc = api_query_int(r, "before", 1, INT64_MAX, 0, &before)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 50, &limit)))
        return rc;
    struct run_list l = { r, json_array(), 0 };
    if ((rc = bill_runs(&r->ctx, period, before, limit, run_item, &l, &r->err))) {
        json_decref(l.items);
        return rc;
    }
    bool more = (int64_t)json_array_size(l.items) == limit;
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", l.items, "next",
                                       more ? json_integer(l.last) : json_null()));
}

/* The run's progress (whole-run counts, no amounts: the same for every scope); its error in
 * the caller's language (Accept-Language), with error_en beside a Chinese one. */
static json_t *progress_json(struct api_req *r, const struct bill_run_state *p)
{
    json_t *j = json_object();
    json_object_set_new(j, "phase", json_string(p->phase));
    json_object_set_new(j, "percent", json_integer(p->percent));
    json_object_set_new(j, "accounts_done", json_integer(p->accounts_done));
    json_object_set_new(j, "accounts_total",
                        p->accounts_total < 0 ? json_null() : json_integer(p->accounts_total));
    json_object_set_new(j, "units", json_integer(p->units));
    json_object_set_new(j, "units_done", json_integer(p->units_done));
    api_json_lang(r, j, "error", p->error, p->error_zh);
    return j;
}

int api_bill_run_get(struct api_req *r)
{
    struct bill_run_info run;
    struct bill_run_state st;
    int rc = run_param(r, &run);
    if (rc || (rc = bill_run_state(&r->ctx, run.id, &st, &r->err)))
        return rc;
    json_t *j = run_json(r, &run);
    json_object_set_new(j, "progress", progress_json(r, &st));
    return api_reply(r, 200, j);
}

static int review_item(void *arg, const struct bill_info *b)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(b->id));
    json_object_set_new(j, "account_no", json_string(b->account_no));
    json_object_set_new(j, "period", json_string(b->period));
    json_object_set_new(j, "kind", json_string(b->kind));
    json_object_set_new(j, "status", json_string(b->status));
    json_object_set_new(j, "energy_kwh", kwh_json(b->energy_wh));
    json_object_set_new(j, "total", api_json_money(b->total_fen));
    json_object_set_new(j, "review_reason", api_json_str(b->review_reason));
    json_array_append_new(arg, j);
    return 0;
}

/* The run's bills in review, of the caller's subtree only (bill_list is scoped). */
int api_bill_run_review(struct api_req *r)
{
    struct bill_run_info run;
    struct bill_filter f = { .status = "review" };
    int rc;
    if ((rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)) || (rc = run_param(r, &run)))
        return rc;
    f.run_id = run.id;
    json_t *items = json_array();
    if ((rc = bill_list(&r->ctx, &f, review_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:I,s:o}", "run", (json_int_t)run.id, "items", items));
}

/* "approve" or "hold" (with a note) from the body's action and note. */
static int decision(struct api_req *r, bool *approve, const char **note)
{
    const char *action;
    int rc;
    if ((rc = api_body_str(r, "action", true, &action)) ||
        (rc = api_body_str(r, "note", false, note)))
        return rc;
    if (strcmp(action, "approve") && strcmp(action, "hold"))
        return error(&r->err, ERR_INVALID, "field 'action' must be approve or hold"),
               err_field(&r->err, "action");
    *approve = !strcmp(action, "approve");
    if (!*approve && (!*note || !**note))
        return error(&r->err, ERR_INVALID, "holding needs a note with the reason"),
               err_field(&r->err, "note");
    return 0;
}

int api_bill_run_decide(struct api_req *r)
{
    static const char *const known[] = { "action", "reason", "note", NULL };
    struct bill_run_info run;
    const char *reason, *note;
    bool approve;
    int64_t n;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = decision(r, &approve, &note)) ||
        (rc = api_body_str(r, "reason", true, &reason)))
        return rc;
    if (!*reason)
        return error(&r->err, ERR_INVALID, "field 'reason' is empty"), err_field(&r->err, "reason");
    if ((rc = run_param(r, &run)))
        return rc;
    if (!run.org_code && r->ctx.scope_org_id)
        return error(&r->err, ERR_FORBIDDEN,
                     "deciding the bills of a run of every org needs a user of the whole tree");
    if ((rc = bill_review_bulk(&r->ctx, run.id, reason, approve, note, &n, &r->err)))
        return rc;
    return api_reply(r, 200,
                     json_pack("{s:I,s:s,s:s,s:I}", "run", (json_int_t)run.id, "action",
                               approve ? "approve" : "hold", "reason", reason, "bills",
                               (json_int_t)n));
}

int api_bill_run_issue(struct api_req *r)
{
    static const char *const known[] = { "due_date", NULL };
    struct bill_run_info run;
    struct date due = { 0, 0, 0 };
    struct bill_policy pol;
    struct bill_issue_result res;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "due_date", false, &due)) ||
        (rc = run_param(r, &run)))
        return rc;
    if (!run.org_code && r->ctx.scope_org_id)
        return error(&r->err, ERR_FORBIDDEN,
                     "issuing a run of every org needs a user of the whole tree");
    policy(r, &pol);
    if ((rc = bill_issue(&r->ctx, run.id, due, &pol, &res, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "due_date");
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:I,s:I,s:o,s:o,s:I,s:I,s:o}", "run", (json_int_t)run.id, "issued",
                               (json_int_t)res.issued, "first", api_json_str(res.first_no), "last",
                               api_json_str(res.last_no), "in_review",
                               (json_int_t)res.left_in_review, "held", (json_int_t)res.held,
                               "total", api_json_money(res.total_fen)));
}

/* The bill of path parameter {id} (number or id), in the caller's subtree, or 404. */
static int bill_param(struct api_req *r, struct bill_info *b)
{
    const char *key = api_param(r, "id");
    int64_t id;
    int rc = bill_find(&r->ctx, key, &id, &r->err);
    if (!rc)
        rc = bill_get(&r->ctx, id, b, &r->err);
    if (rc == ERR_NOT_FOUND || rc == ERR_INVALID) /* another subtree's bill reads as missing */
        return error(&r->err, ERR_NOT_FOUND, "no bill '%s'", key);
    return rc;
}

int api_bill_decide(struct api_req *r)
{
    static const char *const known[] = { "action", "note", NULL };
    struct bill_info b;
    const char *note;
    bool approve;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = decision(r, &approve, &note)) ||
        (rc = bill_param(r, &b)) || (rc = bill_review(&r->ctx, b.id, approve, note, &r->err)) ||
        (rc = bill_get(&r->ctx, b.id, &b, &r->err)))
        return rc;
    return api_reply(r, 200,
                     json_pack("{s:I,s:s,s:o}", "id", (json_int_t)b.id, "status", b.status, "note",
                               api_json_str(b.note)));
}

int api_bill_adjust(struct api_req *r)
{
    static const char *const known[] = { "kwh", "reason", NULL };
    struct bill_info b;
    const char *reason;
    int64_t wh = 0, adj;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_kwh(r, "kwh", true, &wh)) ||
        (rc = api_body_str(r, "reason", true, &reason)))
        return rc;
    if (!*reason)
        return error(&r->err, ERR_INVALID, "field 'reason' is empty"), err_field(&r->err, "reason");
    if ((rc = bill_param(r, &b)) || (rc = bill_adjust(&r->ctx, b.id, wh, reason, &adj, &r->err)) ||
        (rc = bill_get(&r->ctx, adj, &b, &r->err)))
        return rc;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(b.id));
    json_object_set_new(j, "adjusts", json_integer(b.adjusts_bill_id));
    json_object_set_new(j, "account_no", json_string(b.account_no));
    json_object_set_new(j, "period", json_string(b.period));
    json_object_set_new(j, "kind", json_string(b.kind));
    json_object_set_new(j, "status", json_string(b.status));
    json_object_set_new(j, "energy_kwh", kwh_json(b.energy_wh));
    json_object_set_new(j, "total", api_json_money(b.total_fen));
    json_object_set_new(j, "review_reason", api_json_str(b.review_reason));
    return api_reply(r, 201, j);
}
