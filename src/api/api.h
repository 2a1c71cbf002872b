/*
 * The HTTP/JSON API (issue 5): `pmis serve` on libmicrohttpd. How to add a route:
 *   1. write `int api_<noun>_<verb>(struct api_req *r)` in api_<noun>.c and declare it below;
 *   2. add a row to routes.def with its permission and flags;
 *   3. in the handler read api_param / api_query / api_body_*, call the domain with &r->ctx
 *      (actor, request id and org scope are already set), and api_reply() a JSON value, or
 *      return a negative ERR_* with r->err filled: the router renders the error.
 * The router applies authentication, permissions, org scope, CSRF, body limits, JSON parsing
 * and denial audits from the flags, so handlers never repeat them. Handlers stay thin: no SQL,
 * no business rules. api/ never includes cli/ headers.
 */
#ifndef PMIS_API_H
#define PMIS_API_H

#include "core/clock.h"
#include "core/strbuf.h"
#include "domain/auth.h"
#include "domain/ctx.h"

#include <jansson.h>

struct cfg;
struct keyring;

/* routes.def flags */
enum {
    R_PUBLIC = 1 << 0,     /* no authentication (login, health, metrics) */
    R_WRITE = 1 << 1,      /* changes state: CSRF-checked for cookie sessions */
    R_JSON = 1 << 2,       /* takes a JSON object body (parsed into r->json) */
    R_NO_DB = 1 << 3,      /* needs no database connection */
    R_PW_CHANGE = 1 << 4,  /* allowed while the password must be changed */
    R_CSV = 1 << 5,        /* takes a text/csv body up to server.max_import_bytes, spooled to a
                              file as it arrives (read it with api_csv_open) */
    R_LIMITED = 1 << 6,    /* rate-limited per client address (login: auth.login_per_minute) */
    R_WHOLE_TREE = 1 << 7, /* acts on every org unit (policies, settings, nightly jobs): a caller
                              of a subtree is refused (403) before the handler */
};

#define API_MAX_PARAMS 4

struct api_req;
typedef int route_fn(struct api_req *r);

struct route {
    const char *method, *pattern;
    route_fn *fn;
    int perm; /* PERM_* or PERM_ANY */
    unsigned flags;
    const char *name; /* the handler's name: the OpenAPI operationId */
};

/** The route table from routes.def, and its size. */
extern const struct route api_routes[];
extern const size_t api_routes_count;

struct route_params {
    size_t n;
    const char *name[API_MAX_PARAMS];
    char *value[API_MAX_PARAMS]; /* allocated in the arena given to route_match */
};

/**
 * Whether `path` matches `pattern`: literal segments must be equal, a "{name}" segment takes
 * one non-empty path segment (no '/'). Captured values are copied into `a`. Pure.
 */
bool route_match(const char *pattern, const char *path, struct route_params *p, struct arena *a);

/** Index of the route for (method, path), -1 when no pattern matches, -2 when a pattern
 *  matches but not with this method (405). `p` gets the parameters. */
int route_find(const char *method, const char *path, struct route_params *p, struct arena *a);

struct api_config {
    const char *listen;             /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
    const char *tls_cert, *tls_key; /* PEM text (not paths), both or neither */
    size_t max_body;                /* server.max_body_bytes */
    size_t max_import;              /* server.max_import_bytes: R_CSV routes */
    unsigned max_connections, timeout_s, grace_s;
    unsigned db_idle_s; /* pooled connections unused this long are closed */
    struct auth_policy policy;
    const char *zone_name;
    const struct clock *clock;
    struct store *db;           /* the primary connection: each worker opens a peer of it */
    struct keyring *keys;       /* cloned per worker */
    const struct cfg *settings; /* the effective configuration, read-only (billing, fees) */
    const char *web_dir;        /* real path of the web UI's files, or NULL: API only */
    int64_t login_per_minute;   /* R_LIMITED routes per client address; 0 = no limit */
    int64_t login_burst;
};

/**
 * Serve until SIGTERM or SIGINT, then stop accepting, let in-flight requests finish (up to
 * grace_s) and return 0. ERR_CONFIG for a bad listen address or TLS material, ERR_IO when the
 * port cannot be bound. Prints "listening on ADDR" on stderr once ready.
 */
int api_serve(const struct api_config *cfg, struct err *err);

/* ---- what a handler sees ---- */

struct api_req {
    struct ctx ctx;
    struct arena arena;
    struct err err;
    const struct api_config *cfg;
    const char *method, *path, *request_id;
    const char *client; /* the client's address ("127.0.0.1", "::1") */
    int route; /* index into api_routes, or -1 */
    struct route_params params;
    void *conn;   /* the MHD connection (server.c) */
    void *server; /* the server (server.c), for metrics */
    bool tls;
    const char *body; /* the body in memory (R_CSV routes: NULL, see body_fd) */
    size_t body_len;
    int body_fd;  /* R_CSV: the body in a spool file (owned by the server, read from offset 0),
                     -1 when none arrived */
    json_t *json; /* R_JSON: the parsed object, owned by the request */
    struct principal who;
    bool authed;
    /* the response */
    int status;
    json_t *out;        /* JSON reply, owned by the request */
    struct strbuf text; /* or a text reply (metrics) */
    int reply_fd;       /* or a file reply (an export), sent from offset 0 to its end: a
                           descriptor the request owns (closed when sent or dropped), -1 none */
    const char *content_type;
    const char *disposition; /* a Content-Disposition header value (a download), or NULL */
    const char *set_cookie;  /* a Set-Cookie header value, or NULL */
    int64_t retry_after;     /* > 0: a Retry-After header (seconds) */
};

/** A path parameter ("{id}"); never NULL for a parameter of the route's pattern. */
const char *api_param(struct api_req *r, const char *name);
/** A query parameter (already percent-decoded and checked as UTF-8 by the router), or NULL. */
const char *api_query(struct api_req *r, const char *name);
/** Path parameter "{id}" as a positive record number; ERR_NOT_FOUND "no <what> 'x'" otherwise
 *  (no record has that name). */
int api_param_id(struct api_req *r, const char *what, int64_t *id);
/** A request header, or NULL. */
const char *api_header(struct api_req *r, const char *name);
/** Whether an Accept-Language value (or NULL) prefers Chinese (zh, zh-CN, zh-Hans...) to
 *  English: the zh* or en* range of highest q, the first of equals; English by default. */
bool api_accept_zh(const char *header);
/** api_accept_zh() of the request's Accept-Language header. */
bool api_lang_zh(struct api_req *r);
/** Set `key` of object `j` to a text in the caller's language: `zh` (NULL when untranslated)
 *  when the caller prefers Chinese and there is one, with `key`_en holding `en` beside it; else
 *  `en` (null for NULL). As bad-row reasons and bill-run errors are given. */
void api_json_lang(struct api_req *r, json_t *j, const char *key, const char *en, const char *zh);
/** A new JSON error object {"code","message"[,"message_en"][,"field"]} for code rc: "message"
 *  is msg_zh when the caller prefers Chinese and msg_zh is not empty (then "message_en" holds
 *  msg_en), else msg_en; "field" is r->err.field when set (api_lang.c). */
json_t *api_error_object(struct api_req *r, int rc, const char *msg_en, const char *msg_zh);
/** ERR_INVALID naming the first query parameter that is not UTF-8 text (server.c). */
int api_check_query(struct api_req *r);
/** Whether `s` is valid UTF-8 without control characters. */
bool api_text_ok(const char *s);
/** A cookie, or NULL. */
const char *api_cookie(struct api_req *r, const char *name);

/**
 * A string member of the JSON body: ERR_INVALID naming the field when it is missing and
 * `required`, or not a string (or null). *out is NULL when absent.
 */
int api_body_str(struct api_req *r, const char *field, bool required, const char **out);
/** An instant member: ISO 8601 with an offset, or local time in zone `tz`; *us untouched when
 *  absent and not required. */
int api_body_instant(struct api_req *r, const struct tz *tz, const char *field, bool required,
                     int64_t *us);
/** A boolean member; absent leaves *out unchanged. */
int api_body_bool(struct api_req *r, const char *field, bool *out);
/** A boolean query parameter "true" or "false"; absent leaves *out unchanged. ERR_INVALID
 *  names it. */
int api_query_bool(struct api_req *r, const char *name, bool *out);
/** An integer query parameter in [min, max]; absent = def. ERR_INVALID names it. */
int api_query_int(struct api_req *r, const char *name, int64_t min, int64_t max, int64_t def,
                  int64_t *out);

/** ERR_INVALID naming the first member of the JSON body not in `known` (NULL-terminated). */
int api_body_only(struct api_req *r, const char *const *known);
/** A money member ("123.45", a string): ERR_INVALID naming the field when missing and
 *  `required`, not a string or not an amount. Absent leaves *fen unchanged. */
int api_body_money(struct api_req *r, const char *field, bool required, int64_t *fen);
/** A date member ("2025-06-30"); absent leaves *out unchanged. */
int api_body_date(struct api_req *r, const char *field, bool required, struct date *out);
/** An energy member in kWh ("123.456", a string, at least 0): ERR_INVALID naming the field
 *  when missing and `required`, not a string or not a quantity. Absent leaves *wh unchanged. */
int api_body_kwh(struct api_req *r, const char *field, bool required, int64_t *wh);
/** An integer member (a JSON number) in [min, max]; absent leaves *out unchanged. */
int api_body_int(struct api_req *r, const char *field, int64_t min, int64_t max, int64_t *out);
/** Months p[0]..p[1] from query parameters 'period' (both) or 'from' and 'to'; ERR_INVALID
 *  names the missing or bad one. */
int api_query_periods(struct api_req *r, struct period p[2]);
/** A date query parameter; absent leaves *out unchanged. ERR_INVALID names it. */
int api_query_date(struct api_req *r, const char *name, struct date *out);

/* The cursor of an SLA run's listing (domain/sla.h struct sla_page). */
struct sla_page;
/** A body of only {"all": bool, "after": key, "limit": 1..SLA_PAGE_MAX}: *all (false when
 *  absent) and the cursor (from the first, SLA_PAGE_DEFAULT rows when absent). ERR_INVALID
 *  names the field. */
int api_sla_page_body(struct api_req *r, bool *all, struct sla_page *p);
/** The reply's "next": the page's cursor, or null on the last page. */
json_t *api_sla_page_next(const struct sla_page *p);

/** Reply with `status` and `body` (taken over). */
int api_reply(struct api_req *r, int status, json_t *body);
/** A JSON string, or null for NULL. */
json_t *api_json_str(const char *s);
/** An amount in fen as a decimal string ("146.49"). */
json_t *api_json_money(int64_t fen);
/** An instant (µs since the epoch) as ISO 8601 UTC, or null for 0. */
json_t *api_json_time(int64_t us);

/** The body limit of a request for (method, path), from its route's flags: R_CSV routes take
 *  up to cfg->max_import bytes spooled to a file (*spool true), others cfg->max_body in memory;
 *  *key names the setting for the 413. Uses `a` for the route's parameters (router.c). */
size_t api_body_limit(const struct api_config *cfg, const char *method, const char *path,
                      struct arena *a, const char **key, bool *spool);
/** A CSV reader over the request's body (the spool file of an R_CSV route, else the body in
 *  memory), as csv_open_mem; csv_close() it either way (router.c). */
struct csv_reader;
struct csv_options;
int api_csv_open(struct api_req *r, struct csv_reader *cr, const struct csv_options *o);

/** Run the routing pipeline on a request whose method, path, body, conn and cfg are set. */
void api_dispatch(struct api_req *r);
/** Reply with error rc (r->err, or the code's default text) in the error shape and its status;
 *  a 5xx keeps its detail for the log and gives the request id instead. */
void api_error_reply(struct api_req *r, int rc);

/** R_LIMITED: take one request of the client's allowance; ERR_RATE_LIMITED (r->retry_after
 *  set) when it is spent (server.c). */
int api_rate_check(struct api_req *r);

/** Run fn(c, arg) after this request, on a thread of its own with its own database connection
 *  and key ring, as the caller (actor) with no org scope; fn's error is logged, `arg` freed with
 *  free() afterwards (also when the thread cannot start: ERR_INTERNAL). Shutdown waits for jobs
 *  up to server.grace_s like in-flight requests (server.c). */
typedef int api_job_fn(struct ctx *c, void *arg, struct err *err);
int api_job_start(struct api_req *r, const char *what, api_job_fn *fn, void *arg);
/** Append the Prometheus exposition of the server's metrics (server.c). */
void api_metrics_text(struct api_req *r, struct strbuf *out);

/* ---- the web UI's static files (web.c) ---- */

/**
 * The directory `pmis serve` serves the web UI from: `configured` (server.web_dir) when not
 * empty — ERR_CONFIG unless it is a directory holding index.html — else the first of web/,
 * ../web/ and ../share/pmis/web/ beside the executable that holds index.html, else NULL
 * (the API only). *out is the real path, the caller frees it.
 */
int web_dir_resolve(const char *configured, char **out, struct err *err);
/** Whether `r` is for the web UI: GET or HEAD, outside /api/, matching no route, with a web
 *  directory configured. Uses r's arena. */
bool web_wants(struct api_req *r);
/** Answer `r` from the web directory (a file, index.html for the UI's routes, or 404) and
 *  queue the response on r->conn; sets r->status. Returns the libmicrohttpd result. */
int web_reply(struct api_req *r);

/* ---- handlers (routes.def) ---- */
route_fn api_auth_login, api_auth_logout, api_auth_me, api_auth_password;
route_fn api_healthz, api_readyz, api_metrics, api_openapi;
route_fn api_org_list, api_org_add;
route_fn api_user_list, api_user_disable, api_user_enable, api_user_roles, api_role_list,
    api_token_list, api_token_revoke;
route_fn api_user_password, api_user_create, api_role_create, api_role_update, api_role_delete,
    api_token_create;
route_fn api_calendar_get, api_calendar_set, api_calendar_remove, api_calendar_import,
    api_calendar_workday;
route_fn api_customer_search, api_customer_create, api_customer_get, api_customer_reveal,
    api_customer_accounts, api_customer_update, api_customer_close;
route_fn api_account_get, api_account_create, api_account_update, api_meter_get, api_meter_create,
    api_meter_install,
    api_meter_remove, api_meter_replace;
route_fn api_audit_list, api_audit_verify;
route_fn api_tariff_list, api_tariff_get, api_tariff_save, api_tariff_quote, api_bill_list,
    api_bill_get, api_bill_explain;
route_fn api_bill_run_start, api_bill_run_list, api_bill_run_get, api_bill_run_review,
    api_bill_run_decide, api_bill_run_issue, api_bill_decide, api_bill_adjust;
route_fn api_reading_import, api_interval_import;
route_fn api_archive_import, api_archive_export; /* api_archive_csv.c */
/* The CSV imports' shared parts (api_reading.c). */
struct import_opts;
struct import_result;
/** The options of a CSV import from the query: ?encoding= (utf-8, gbk, gb18030) and
 *  ?dry_run=true|false; the source "api" for the audit row, records up to 4 KiB. ERR_INVALID
 *  names the parameter. */
int api_import_opts(struct api_req *r, struct import_opts *o);
/** Reply 400 with r->err in the error shape, "bad_count" and "bad" (each bad row's line, column,
 *  value and reason in the caller's language) beside it: a refused file. */
int api_import_refused(struct api_req *r, const struct import_result *res);
route_fn api_arrears_aging, api_arrears_list, api_arrears_rate, api_remind_run,
    api_disconnect_candidates, api_disconnect_notice, api_disconnect_approve, api_orders_list,
    api_order_done, api_order_final_notice, api_account_credit;
route_fn api_fee_policy_list, api_fee_policy_add, api_disconnect_policy_list,
    api_disconnect_policy_add, api_order_cancel, api_prepaid_check, api_prepaid_thresholds,
    api_prepaid_threshold_set, api_prepaid_threshold_remove, api_credit_rate;
/* api_collect_admin.c */
route_fn api_deposit_take, api_deposit_list, api_deposit_required, api_deposit_refund,
    api_deposit_apply; /* api_deposit.c */
route_fn api_tariff_simulate; /* api_tariff_sim.c */
route_fn api_remind_schedule, api_remind_schedule_set, api_remind_schedule_remove,
    api_remind_templates, api_remind_template_set, api_account_reminders;
route_fn api_outbox_list, api_outbox_get, api_outbox_retry, api_outbox_mark_sent,
    api_outbox_mark_failed, api_account_messaging;
/* An instant (µs; 0 for none) as JSON, in the caller's form (UTC here, local time in the CLI). */
typedef json_t *api_time_fn(int64_t us, void *arg);
/** The API's form: api_json_time (UTC); `arg` unused. */
json_t *api_time_utc(int64_t us, void *arg);
/*
 * Collection records as JSON, one shape for the API and `pmis ... --json` (api_collect.c):
 * an account in arrears, a disconnection candidate, a collection order (times by `when`) and a
 * credit rating.
 */
struct arrears_account;
struct candidate;
struct order_info;
struct credit_info;
json_t *api_arrears_json(const struct arrears_account *a);
json_t *api_candidate_json(const struct candidate *k);
json_t *api_order_json(const struct order_info *o, api_time_fn *when, void *arg);
json_t *api_credit_json(const struct credit_info *ci);
/* A service application, one of its stages and one event, as JSON: the API's and `pmis apply
 * list|show --json` (api_apply.c). */
struct application;
struct apply_stage_row;
struct apply_event;
json_t *api_application_json(const struct application *a, api_time_fn *when, void *arg);
json_t *api_apply_stage_json(const struct apply_stage_row *s, api_time_fn *when, void *arg);
json_t *api_apply_event_json(const struct apply_event *e, api_time_fn *when, void *arg);
/*
 * A work order as JSON, one shape for the API and `pmis ticket list|show --json` (api_ticket.c):
 * the order as listed, and its detail — customer, text, creator, history, SLA clocks (their
 * state at ctx now), root causes, repeat flag and outage — read in the ctx's scope; *out NULL
 * on error.
 */
struct ticket;
json_t *api_ticket_json(const struct ticket *t, api_time_fn *when, void *arg);
int api_ticket_detail_json(struct ctx *c, const struct ticket *t, api_time_fn *when, void *arg,
                           json_t **out, struct err *err);
/** An item of the supervisor's queue (a work order's or an application's breached clock), one
 *  shape for the API and `pmis ticket escalations --json` (api_service.c). */
struct ticket_escalation;
json_t *api_escalation_json(const struct ticket_escalation *e, api_time_fn *when, void *arg);
/** An outage, one shape for GET /outages, /outages/lookup, a ticket's "affected_by" and `pmis
 *  outage lookup --json` (api_service.c). */
struct outage;
json_t *api_outage_json(const struct outage *o, api_time_fn *when, void *arg);
/** The outages affecting work order `t`'s customer now (outage_lookup), as an array of
 *  api_outage_json; empty for an anonymous caller (api_ticket.c). */
struct ticket;
int api_ticket_affected_by(struct ctx *c, const struct ticket *t, api_time_fn *when, void *arg,
                           json_t **out, struct err *err);
/** A row of the work orders' SLA run, one shape for POST /tickets/sla and `pmis ticket sla
 *  --json` (api_ticket_sla.c). */
struct ticket_sla_row;
json_t *api_ticket_sla_row_json(const struct ticket_sla_row *s, api_time_fn *when, void *arg);
struct outbox_detail;
struct outbox_attempt;
/** An outbox message and one delivery attempt as JSON: the form of the API and of
 *  `pmis outbox show|dead --json` (api_outbox.c). */
json_t *api_outbox_json(const struct outbox_detail *d, api_time_fn *when, void *arg);
json_t *api_outbox_attempt_json(const struct outbox_attempt *a, api_time_fn *when, void *arg);
route_fn api_survey_record, api_survey_list, api_survey_report, api_survey_campaign_create,
    api_survey_campaign_get, api_survey_get;
route_fn api_survey_campaign_list, api_survey_template_list, api_survey_template_add;
/** A survey template version with its dimensions as JSON: the API's and `pmis survey template
 *  list --json` (api_survey.c). */
struct survey_template;
json_t *api_survey_template_json(const struct survey_template *t);
route_fn api_payment_post, api_payment_list, api_payment_get, api_payment_reverse,
    api_payment_import, api_cashier_close, api_account_ledger, api_ledger_verify, api_fees_accrue,
    api_fees_waive;
route_fn api_ticket_list, api_ticket_create, api_ticket_get, api_ticket_classify,
    api_ticket_dispatch, api_ticket_process, api_ticket_respond, api_ticket_reply,
    api_ticket_review, api_ticket_archive, api_ticket_reopen, api_ticket_merge, api_ticket_pause,
    api_ticket_resume, api_ticket_causes;
route_fn api_ticket_taxonomy; /* api_ticket_tax.c */
route_fn api_ticket_sla_summary; /* api_ticket_tax.c */
route_fn api_ticket_sla; /* api_ticket_sla.c */
route_fn api_escalation_list, api_escalation_ack, api_escalation_resolve, api_sla_compliance,
    api_complaint_rate, api_outage_list, api_outage_create, api_outage_lookup, api_outage_get,
    api_outage_customers, api_outage_close, api_sp_feeder_set;
route_fn api_apply_list, api_apply_get, api_apply_create, api_apply_advance, api_apply_cancel,
    api_apply_complete;
route_fn api_apply_sla, api_apply_limits, api_apply_limits_set;
/** The working-day limits of kind `kind` (NULL: every kind) as {"kinds": [...]}: one shape for
 *  GET /applications/limits and `pmis apply limits --json` (api_apply.c). */
int api_apply_limits_json(struct ctx *c, const char *kind, json_t **out, struct err *err);
/** The versions of the limits of kind `kind` as {"kind": K, "versions": [...]} (the latest
 *  effective first): GET /applications/limits?history=true and `apply limits --history --json`. */
int api_apply_limits_history_json(struct ctx *c, const char *kind, api_time_fn *when, void *arg,
                                  json_t **out, struct err *err);
route_fn api_apply_pause, api_apply_resume; /* api_apply_pause.c */
/** Reply with application `id` as GET /applications/{id} shows it — its stages and its
 *  history — read in the ctx's scope (api_apply.c). */
int api_apply_reply(struct api_req *r, int status, int64_t id);
route_fn api_sla_policy_list, api_sla_policy_get, api_sla_policy_add, api_ticket_type_list,
    api_ticket_type_get, api_ticket_type_set; /* api_ticket_conf.c */
/** An SLA policy version and a work-order type version as JSON: the API's and
 *  `pmis sla|ticket-type list|show --json` (api_ticket_conf.c). */
struct sla_policy;
struct ticket_type_def;
json_t *api_sla_policy_json(const struct sla_policy *p, api_time_fn *when, void *arg);
json_t *api_ticket_type_json(const struct ticket_type_def *t, api_time_fn *when, void *arg);
route_fn api_report_sales, api_customer_history, api_meter_readings, api_meter_intervals;
/** One day of a meter's interval data as JSON — date, minutes, points (kWh strings, null where
 *  missing), missing, total_kwh, max_demand_kw — the API's and `pmis reading intervals --json`
 *  (api_report.c). */
struct interval_day;
json_t *api_interval_day_json(const struct interval_day *d);

#endif
