/*
 * The collection department's versioned data and jobs over HTTP, what `pmis fees policy`,
 * `disconnect policy`, `remind schedule|template|history`, `orders cancel`, `prepaid check|
 * threshold` and `credit rate` do: thin, the same domain calls (ledger_fee.c, collect*.c).
 * Policies, the reminder schedule, templates and prepaid thresholds are data of the whole tree,
 * and the prepaid check and the credit rating run over every account, so changing or running
 * them needs a user of the whole tree (R_WHOLE_TREE in routes.def: the router refuses a caller
 * of a subtree); reading them does not. The domain names the field of bad input. An account's
 * reminders and an order of another subtree answer 404 (ctx.scope_org_id).
 */
#include "core/common.h"
#include "core/date.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/collect.h"
#include "domain/ledger.h"

/* ---- late-fee policies ---- */

static json_t *fee_policy_json(const struct fee_policy *p)
{
    char d[DATE_BUF_SIZE], r1[32], r2[32], r3[32];
    json_t *j = json_object();
    json_object_set_new(j, "from", json_string(date_format(p->from, d)));
    json_object_set_new(j, "resident_permille",
                        json_string(decimal_format(p->resident_ppm, 3, 0, 0, r1)));
    json_object_set_new(j, "current_year_permille",
                        json_string(decimal_format(p->current_year_ppm, 3, 0, 0, r2)));
    json_object_set_new(j, "cross_year_permille",
                        json_string(decimal_format(p->cross_year_ppm, 3, 0, 0, r3)));
    json_object_set_new(j, "min", api_json_money(p->min_fen));
    json_object_set_new(j, "source", api_json_str(p->source));
    return j;
}

int api_fee_policy_list(struct api_req *r)
{
    struct fee_policies pol;
    int rc = fee_policies_load(&r->ctx, &pol, &r->err);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (int i = 0; i < pol.n; i++)
        json_array_append_new(items, fee_policy_json(&pol.p[i]));
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

/* A required daily rate in per mille ("0.5", a string, at least 0) as millionths. */
static int body_permille(struct api_req *r, const char *field, int64_t *ppm)
{
    const char *s, *why;
    int rc = api_body_str(r, field, true, &s);
    if (rc)
        return rc;
    if (fee_rate_parse(s, ppm, &why))
        return error_detail(&r->err, ERR_INVALID, why, NULL,
                            "field '%s': '%s' is not a rate in ‰ per day: %s", field, s, why),
               err_field(&r->err, field);
    return 0;
}

int api_fee_policy_add(struct api_req *r)
{
    static const char *const known[] = { "from",
                                         "resident_permille",
                                         "current_year_permille",
                                         "cross_year_permille",
                                         "min",
                                         "source",
                                         NULL };
    struct fee_policy p = { .min_fen = 0 };
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "from", true, &p.from)) ||
        (rc = body_permille(r, "resident_permille", &p.resident_ppm)) ||
        (rc = body_permille(r, "current_year_permille", &p.current_year_ppm)) ||
        (rc = body_permille(r, "cross_year_permille", &p.cross_year_ppm)) ||
        (rc = api_body_money(r, "min", true, &p.min_fen)) ||
        (rc = api_body_str(r, "source", true, &p.source)))
        return rc;
    if ((rc = fee_policy_add(&r->ctx, &p, &r->err)))
        return rc;
    return api_reply(r, 201, fee_policy_json(&p));
}

/* ---- disconnection policies ---- */

static json_t *disconnect_policy_json(const struct disconnect_policy *p)
{
    char d[DATE_BUF_SIZE];
    json_t *j = json_object();
    json_object_set_new(j, "from", json_string(date_format(p->from, d)));
    json_object_set_new(j, "overdue_days", json_integer(p->overdue_days));
    json_object_set_new(j, "notice_days_resident", json_integer(p->notice_days_resident));
    json_object_set_new(j, "notice_days_other", json_integer(p->notice_days_other));
    json_object_set_new(j, "reconnect_hours", json_integer(p->reconnect_hours));
    json_object_set_new(j, "important_approvals", json_integer(p->important_approvals));
    json_object_set_new(j, "final_notice_minutes", json_integer(p->final_notice_minutes));
    json_object_set_new(j, "regulator", api_json_str(p->regulator));
    json_object_set_new(j, "source", api_json_str(p->source));
    return j;
}

static int disconnect_policy_item(void *arg, const struct disconnect_policy *p)
{
    json_array_append_new(arg, disconnect_policy_json(p));
    return 0;
}

int api_disconnect_policy_list(struct api_req *r)
{
    json_t *items = json_array();
    int rc = collect_policy_list(&r->ctx, disconnect_policy_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

/* Unset fields take DISCONNECT_POLICY_DEFAULTS, as on the CLI; "regulator": null copies to none. */
int api_disconnect_policy_add(struct api_req *r)
{
    static const char *const known[] = { "from",
                                         "overdue_days",
                                         "notice_days_resident",
                                         "notice_days_other",
                                         "reconnect_hours",
                                         "important_approvals",
                                         "final_notice_minutes",
                                         "regulator",
                                         "source",
                                         NULL };
    struct disconnect_policy p = DISCONNECT_POLICY_DEFAULTS;
    json_t *reg = json_object_get(r->json, "regulator");
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "from", true, &p.from)) ||
        (rc = api_body_int(r, "overdue_days", 0, 3650, &p.overdue_days)) ||
        (rc = api_body_int(r, "notice_days_resident", 0, 365, &p.notice_days_resident)) ||
        (rc = api_body_int(r, "notice_days_other", 0, 365, &p.notice_days_other)) ||
        (rc = api_body_int(r, "reconnect_hours", 1, 720, &p.reconnect_hours)) ||
        (rc = api_body_int(r, "important_approvals", 1, 2, &p.important_approvals)) ||
        (rc = api_body_int(r, "final_notice_minutes", 0, 1440, &p.final_notice_minutes)) ||
        (!json_is_null(reg) && (rc = api_body_str(r, "regulator", false, &p.regulator))) ||
        (rc = api_body_str(r, "source", true, &p.source)))
        return rc;
    if (json_is_null(reg))
        p.regulator = NULL;
    if ((rc = collect_policy_add(&r->ctx, &p, &r->err)))
        return rc;
    return api_reply(r, 201, disconnect_policy_json(&p));
}

/* ---- work orders ---- */

/* POST /api/v1/orders/{id}/cancel {"reason"}: the order, cancelled */
int api_order_cancel(struct api_req *r)
{
    static const char *const known[] = { "reason", NULL };
    const char *reason;
    struct order_info o;
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_param_id(r, "collection order", &id)) ||
        (rc = api_body_str(r, "reason", true, &reason)))
        return rc;
    if (!*reason)
        return error(&r->err, ERR_INVALID, "field 'reason' must not be empty"),
               err_field(&r->err, "reason");
    if ((rc = collect_order_close(&r->ctx, id, false, reason, &r->err)) ||
        (rc = collect_order_get(&r->ctx, id, &o, &r->err)))
        return rc;
    return api_reply(r, 200, api_order_json(&o, api_time_utc, NULL));
}

/* ---- the prepaid check and its thresholds ---- */

static int prepaid_item(void *arg, const struct prepaid_row *p)
{
    json_t *j = json_object();
    json_object_set_new(j, "account", json_string(p->account_no));
    json_object_set_new(j, "customer", json_string(p->customer));
    json_object_set_new(j, "credit", api_json_money(p->credit_fen));
    json_object_set_new(j, "daily_estimate", api_json_money(p->daily_fen));
    json_object_set_new(j, "days_left",
                        p->days_left < 0 ? json_null() : json_integer(p->days_left));
    json_object_set_new(j, "action", json_string(p->action));
    json_object_set_new(j, "threshold", p->threshold ? json_integer(p->threshold) : json_null());
    json_object_set_new(j, "order", p->order_id ? json_integer(p->order_id) : json_null());
    json_array_append_new(arg, j);
    return 0;
}

int api_prepaid_check(struct api_req *r)
{
    static const char *const known[] = { "date", NULL };
    struct date d = { 0, 0, 0 };
    struct prepaid_result res;
    char db[DATE_BUF_SIZE];
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "date", false, &d)))
        return rc;
    if (!date_is_valid(d) && (rc = ctx_today(&r->ctx, &d, &r->err)))
        return rc;
    json_t *items = json_array();
    if ((rc = collect_prepaid_check(&r->ctx, d, prepaid_item, items, &res, &r->err))) {
        json_decref(items);
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "date");
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:I,s:I,s:I,s:o}", "date", date_format(d, db), "accounts",
                               (json_int_t)res.accounts, "warned", (json_int_t)res.warned, "orders",
                               (json_int_t)res.orders, "items", items));
}

static int threshold_item(void *arg, const struct remind_step *s)
{
    json_array_append_new(
        arg, json_pack("{s:I,s:s}", "days_left", (json_int_t)s->days_after, "channel", s->channel));
    return 0;
}

static int threshold_reply(struct api_req *r)
{
    json_t *items = json_array();
    int rc = collect_thresholds_list(&r->ctx, threshold_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_prepaid_thresholds(struct api_req *r)
{
    return threshold_reply(r);
}

/* Path parameter {days} if a whole number 1..3650 (else no such step or threshold). */
static bool days_param(struct api_req *r, int64_t *days)
{
    const char *s = api_param(r, "days");
    char *end;
    long long v = strtoll(s, &end, 10);
    *days = v;
    return *s && !*end && v >= 1 && v <= 3650;
}

/* DELETE: remove the threshold of {days} days left; the thresholds after it */
int api_prepaid_threshold_remove(struct api_req *r)
{
    int64_t days;
    int rc;
    if (!days_param(r, &days))
        return error(&r->err, ERR_NOT_FOUND, "no prepaid threshold '%s'", api_param(r, "days"));
    if ((rc = collect_threshold_remove(&r->ctx, days, &r->err)))
        return rc;
    return threshold_reply(r);
}

/* POST {"days_left", "channel"}: add or change a threshold; the thresholds after it */
int api_prepaid_threshold_set(struct api_req *r)
{
    static const char *const known[] = { "days_left", "channel", NULL };
    int64_t days = 0;
    const char *channel;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_int(r, "days_left", 1, 365, &days)) ||
        (rc = api_body_str(r, "channel", true, &channel)))
        return rc;
    if (!days)
        return error(&r->err, ERR_INVALID, "field 'days_left' is required"),
               err_field(&r->err, "days_left");
    if ((rc = collect_threshold_set(&r->ctx, days, channel, &r->err)))
        return rc;
    return threshold_reply(r);
}

/* ---- credit rating ---- */

/* POST {"period"} (default last month): every active account rated; counts by grade */
int api_credit_rate(struct api_req *r)
{
    static const char *const known[] = { "period", NULL };
    const char *period;
    struct period p;
    struct credit_run res;
    char pb[PERIOD_BUF_SIZE];
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "period", false, &period)))
        return rc;
    if (period && period_parse(period, &p, &r->err))
        return error_prefix(&r->err, "field '%s': ", "period"), err_field(&r->err, "period");
    if (!period) {
        struct date today;
        if ((rc = ctx_today(&r->ctx, &today, &r->err)))
            return rc;
        p = period_prev(period_of(today));
    }
    if ((rc = collect_credit_rate(&r->ctx, p, &res, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "period");
        return rc;
    }
    json_t *g = json_object();
    for (int k = 0; k < res.ngrades; k++)
        json_object_set_new(g, res.grades[k].grade, json_integer(res.by_grade[k]));
    return api_reply(r, 200,
                     json_pack("{s:s,s:I,s:o}", "period", period_format(p, pb), "accounts",
                               (json_int_t)res.accounts, "grades", g));
}

/* ---- the reminder schedule, message templates and an account's reminders ---- */

static int step_item(void *arg, const struct remind_step *s)
{
    json_array_append_new(arg,
                          json_pack("{s:I,s:s,s:o}", "days_after_due", (json_int_t)s->days_after,
                                    "channel", s->channel, "grades", api_json_str(s->grades)));
    return 0;
}

static int schedule_reply(struct api_req *r)
{
    json_t *items = json_array();
    int rc = collect_steps_list(&r->ctx, step_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_remind_schedule(struct api_req *r)
{
    return schedule_reply(r);
}

/* POST {"days_after_due", "channel", "grades"?}: add or change a step; the schedule after it */
int api_remind_schedule_set(struct api_req *r)
{
    static const char *const known[] = { "days_after_due", "channel", "grades", NULL };
    int64_t days = 0;
    const char *channel, *grades;
    int rc;
    if ((rc = api_body_only(r, known)) ||
        (rc = api_body_int(r, "days_after_due", 1, 3650, &days)) ||
        (rc = api_body_str(r, "channel", true, &channel)) ||
        (rc = api_body_str(r, "grades", false, &grades)))
        return rc;
    if (!days)
        return error(&r->err, ERR_INVALID, "field 'days_after_due' is required"),
               err_field(&r->err, "days_after_due");
    if ((rc = collect_step_set(&r->ctx, days, channel, grades, &r->err)))
        return rc;
    return schedule_reply(r);
}

/* DELETE /api/v1/reminders/schedule/{days}: the schedule after the step is removed */
int api_remind_schedule_remove(struct api_req *r)
{
    int64_t days;
    int rc;
    if (!days_param(r, &days))
        return error(&r->err, ERR_NOT_FOUND, "no reminder step '%s'", api_param(r, "days"));
    if ((rc = collect_step_remove(&r->ctx, days, &r->err)))
        return rc;
    return schedule_reply(r);
}

static int template_item(void *arg, const struct template_info *t)
{
    json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:o}", "kind", t->kind, "channel",
                                         t->channel, "lang", t->lang, "body", t->body, "updated_by",
                                         api_json_str(t->updated_by)));
    return 0;
}

static int templates_reply(struct api_req *r)
{
    json_t *items = json_array();
    int rc = collect_templates_list(&r->ctx, template_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_remind_templates(struct api_req *r)
{
    return templates_reply(r);
}

/* POST {"kind", "channel", "lang"?, "body"}: set a template's text; the templates after it */
int api_remind_template_set(struct api_req *r)
{
    static const char *const known[] = { "kind", "channel", "lang", "body", NULL };
    const char *kind, *channel, *lang, *body;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "kind", true, &kind)) ||
        (rc = api_body_str(r, "channel", true, &channel)) ||
        (rc = api_body_str(r, "lang", false, &lang)) || (rc = api_body_str(r, "body", true, &body)))
        return rc;
    if ((rc = collect_template_set(&r->ctx, kind, channel, lang, body, &r->err)))
        return rc;
    return templates_reply(r);
}

static int history_item(void *arg, const struct outbox_msg *m)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(m->id));
    json_object_set_new(j, "kind", json_string(m->kind));
    json_object_set_new(j, "channel", json_string(m->channel));
    json_object_set_new(j, "recipient", json_string(m->recipient));
    json_object_set_new(j, "bill", api_json_str(m->bill_no));
    json_object_set_new(j, "days_overdue",
                        m->bill_no ? json_integer(m->days_overdue) : json_null());
    json_object_set_new(j, "status", json_string(m->status));
    json_object_set_new(j, "created_at", api_json_time(m->created_at));
    json_object_set_new(j, "sent_at", api_json_time(m->sent_at));
    json_object_set_new(j, "error", api_json_str(m->error));
    json_object_set_new(j, "body", json_string(m->body));
    json_array_append_new(arg, j);
    return 0;
}

/* GET /api/v1/accounts/{id}/reminders: its reminders and notices, oldest first */
int api_account_reminders(struct api_req *r)
{
    json_t *items = json_array();
    int rc = collect_remind_history(&r->ctx, api_param(r, "id"), history_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:s,s:o}", "account", api_param(r, "id"), "items", items));
}
