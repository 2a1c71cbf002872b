/*
 * The notification outbox over HTTP: messages of the caller's org subtree with their delivery
 * state (GET /api/v1/outbox, /api/v1/outbox/{id} with the attempts), the requeue of a dead
 * letter (POST /api/v1/outbox/{id}/retry), a sender's report on a message it handled outside
 * the delivery worker — a letter posted or returned (POST …/{id}/mark-sent, …/mark-failed, as
 * `pmis outbox mark-sent|mark-failed`) — and an account's message preferences: the channels
 * its notices go out on, their language and the email channel's address, answered masked
 * (POST /api/v1/accounts/{id}/messaging). Delivery
 * itself is `pmis outbox deliver`.
 */
#include "api/api.h"
#include "domain/collect.h"
#include "domain/outbox.h"

#include <errno.h>
#include <stdlib.h>

json_t *api_outbox_json(const struct outbox_detail *d, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(d->id));
    json_object_set_new(j, "kind", json_string(d->kind));
    json_object_set_new(j, "channel", json_string(d->channel));
    json_object_set_new(j, "lang", json_string(d->lang));
    json_object_set_new(j, "recipient", json_string(d->recipient));
    json_object_set_new(j, "status", json_string(d->status));
    json_object_set_new(j, "in_flight", json_boolean(d->claimed_by != NULL));
    json_object_set_new(j, "attempts", json_integer(d->attempts));
    json_object_set_new(j, "next_attempt_at",
                        strcmp(d->status, "queued") ? json_null() : when(d->next_at, arg));
    json_object_set_new(j, "delivery_key", api_json_str(d->delivery_key));
    json_object_set_new(j, "created_at", when(d->created_at, arg));
    json_object_set_new(j, "sent_at", when(d->sent_at, arg));
    json_object_set_new(j, "error", api_json_str(d->error));
    json_object_set_new(j, "body", json_string(d->body));
    return j;
}

json_t *api_outbox_attempt_json(const struct outbox_attempt *a, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "attempt", json_integer(a->attempt));
    json_object_set_new(j, "worker", json_string(a->worker));
    json_object_set_new(j, "started_at", when(a->started_at, arg));
    json_object_set_new(j, "finished_at", when(a->finished_at, arg));
    json_object_set_new(j, "http_status",
                        a->http_status ? json_integer(a->http_status) : json_null());
    json_object_set_new(j, "outcome", api_json_str(a->outcome));
    json_object_set_new(j, "error", api_json_str(a->error));
    return j;
}

/* instants as ISO 8601 UTC, the API's form */
static json_t *utc(int64_t us, void *arg)
{
    (void)arg;
    return api_json_time(us);
}

static int item(void *arg, const struct outbox_detail *d)
{
    json_array_append_new(arg, api_outbox_json(d, utc, NULL));
    return 0;
}

int api_outbox_list(struct api_req *r)
{
    struct outbox_filter f = { .status = api_query(r, "status"),
                               .channel = api_query(r, "channel"),
                               .account_no = api_query(r, "account") };
    int rc;
    if ((rc = api_query_int(r, "after", 0, INT64_MAX, 0, &f.after_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = outbox_list(&r->ctx, &f, item, items, &r->err))) {
        json_decref(items);
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, strstr(r->err.msg, "channel") ? "channel" : "status");
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == f.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "id"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

static int attempt(void *arg, const struct outbox_attempt *a)
{
    json_array_append_new(arg, api_outbox_attempt_json(a, utc, NULL));
    return 0;
}

static int message_reply(struct api_req *r, int64_t id)
{
    struct outbox_detail d;
    json_t *attempts = json_array();
    int rc = outbox_show(&r->ctx, id, &d, attempt, attempts, &r->err);
    if (rc) {
        json_decref(attempts);
        return rc;
    }
    json_t *j = api_outbox_json(&d, utc, NULL);
    json_object_set_new(j, "attempt_log", attempts);
    return api_reply(r, 200, j);
}

int api_outbox_get(struct api_req *r)
{
    int64_t id;
    int rc = api_param_id(r, "outbox message", &id);
    return rc ? rc : message_reply(r, id);
}

int api_outbox_retry(struct api_req *r)
{
    static const char *const known[] = { NULL };
    int64_t id, n;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_param_id(r, "outbox message", &id)) ||
        (rc = outbox_retry(&r->ctx, id, NULL, &n, &r->err)))
        return rc;
    return message_reply(r, id);
}

/* A manual sender's report: message {id} of the caller's subtree (outbox_show answers 404
 * otherwise) sent, or failed with the sender's error text. A message a delivery worker holds
 * is refused (409): its outcome is the worker's. */
static int mark(struct api_req *r, bool failed)
{
    static const char *const known[] = { "error", NULL };
    static const char *const none[] = { NULL };
    struct outbox_detail d;
    const char *text = NULL;
    int64_t id;
    int rc;
    if ((rc = api_param_id(r, "outbox message", &id)) ||
        (rc = outbox_show(&r->ctx, id, &d, NULL, NULL, &r->err)) ||
        (rc = api_body_only(r, failed ? known : none)) ||
        (failed && (rc = api_body_str(r, "error", true, &text))))
        return rc;
    if (d.claimed_by)
        return error(&r->err, ERR_CONFLICT,
                     "outbox message %" PRId64 " is being delivered by worker %s: its outcome is "
                     "the worker's",
                     id, d.claimed_by);
    if ((rc = collect_outbox_mark(&r->ctx, id, text, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "error");
        return rc;
    }
    return message_reply(r, id);
}

int api_outbox_mark_sent(struct api_req *r)
{
    return mark(r, false);
}

int api_outbox_mark_failed(struct api_req *r)
{
    return mark(r, true);
}

/* {"channels": "sms,wechat,email", "lang": "zh"|"en", "email": "addr"|""}, any of them
 * (outbox_prefs_set: all checked before any is stored); the reply reads the preferences back,
 * the address masked. */
int api_account_messaging(struct api_req *r)
{
    static const char *const known[] = { "channels", "lang", "email", NULL };
    const char *acct = api_param(r, "id"), *list, *lang, *email;
    struct outbox_prefs p;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "channels", false, &list)) ||
        (rc = api_body_str(r, "lang", false, &lang)) ||
        (rc = api_body_str(r, "email", false, &email)) ||
        (rc = outbox_prefs_set(&r->ctx, acct, list, lang, email, &p, &r->err)))
        return rc;
    json_t *ch = json_array();
    for (int i = 0; i < OUTBOX_NCHANNELS; i++)
        if (p.channels & (1u << i))
            json_array_append_new(ch, json_string(outbox_channel_names[i]));
    return api_reply(r, 200,
                     json_pack("{s:s,s:o,s:s,s:o}", "account", acct, "channels", ch, "lang", p.lang,
                               "email", api_json_str(p.email)));
}
