/*
 * The outbox as collections use it: messages queued from their templates in the account's
 * language (outbox.c), addressed by account number (no phone number is ever written here),
 * delivered by `pmis outbox deliver` or reported back by an outside sender (sent / failed);
 * an account's reminder history. Called by
 * collect_remind.c, collect_disconnect.c, collect_order.c, collect_prepaid.c, cmd_remind.c.
 */
#include "domain/collect.h"

#include "core/common.h"
#include "domain/audit.h"
#include "domain/ledger.h"
#include "domain/outbox.h"

#include <inttypes.h>
#include <string.h>

static void render_collect(const char *body, const void *vars, const char *lang,
                           struct strbuf *out)
{
    (void)lang; /* amounts, dates and numbers read the same in both languages */
    collect_render(body, vars, out);
}

int collect_outbox_add(struct ctx *c, const char *kind, const char *channel, int64_t account_id,
                       const char *account_no, const struct msg_vars *v, int64_t *id,
                       struct err *err)
{
    char lang[3];
    int ret = outbox_account_lang(c, account_id, lang, err);
    return ret ? ret : outbox_enqueue(c, kind, channel, account_id, account_no, lang,
                                      render_collect, v, id, err);
}

/* ---- history and the outbox ---- */

static int walk_outbox(struct ctx *c, struct store_stmt *st, outbox_fn *fn, void *arg,
                       struct err *err)
{
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct outbox_msg m = {
            .id = store_col_i64(st, 0),
            .kind = store_col_text(st, 1),
            .channel = store_col_text(st, 2),
            .recipient = store_col_text(st, 3),
            .body = store_col_text(st, 4),
            .status = store_col_text(st, 5),
            .error = store_col_null(st, 6) ? NULL : store_col_text(st, 6),
            .created_by = store_col_text(st, 7),
            .created_at = store_col_i64(st, 8),
            .sent_at = store_col_i64(st, 9),
            .bill_no = store_col_null(st, 10) ? NULL : store_col_text(st, 10),
            .days_overdue = store_col_i64(st, 11),
        };
        ret = fn(arg, &m);
    }
    (void)c;
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int collect_remind_history(struct ctx *c, const char *account_no, outbox_fn *fn, void *arg,
                           struct err *err)
{
    int64_t id;
    bool closed;
    int ret = ledger_account_find(c, account_no, &id, &closed, err);
    if (ret)
        return ret;
    struct store_stmt *st;
    st = store_q(c->db, Q_COLLECT_HISTORY);
    store_bind_i64(st, 1, id);
    return walk_outbox(c, st, fn, arg, err);
}

int collect_outbox_list(struct ctx *c, const struct outbox_query *q, outbox_fn *fn, void *arg,
                        struct err *err)
{
    if (q->status && strcmp(q->status, "queued") && strcmp(q->status, "sent") &&
        strcmp(q->status, "failed"))
        return error(err, ERR_INVALID, "status is queued, sent or failed, not '%s'", q->status);
    if (q->channel && !collect_channel_ok(q->channel))
        return error(err, ERR_INVALID, "unknown channel '%s' (one of " COLLECT_CHANNELS ")",
                     q->channel);
    if (q->limit < 1 || q->limit > 10000)
        return error(err, ERR_INVALID, "a page has 1 to 10000 messages, not %" PRId64, q->limit);
    struct store_stmt *st = store_q(c->db, Q_COLLECT_OUTBOX_LIST);
    store_bind_text(st, 1, q->status);
    store_bind_text(st, 2, q->channel);
    store_bind_text(st, 3, q->account_no);
    store_bind_i64(st, 4, q->after_id);
    store_bind_i64(st, 5, q->limit);
    return walk_outbox(c, st, fn, arg, err);
}

int collect_outbox_mark(struct ctx *c, int64_t id, const char *error_text, struct err *err)
{
    const char *to = error_text ? "failed" : "sent";
    if (error_text && !*error_text)
        return error(err, ERR_INVALID, "a failed message needs the sender's error text");
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_OUTBOX_GET);
    store_bind_i64(st, 1, id);
    if ((ret = store_one(st, err))) {
        if (ret == ERR_NOT_FOUND)
            ret = error(err, ERR_NOT_FOUND, "no outbox message %" PRId64, id);
        goto out;
    }
    char from[16];
    snprintf(from, sizeof(from), "%s", store_col_text(st, 0));
    store_reset(st);
    /* queued → sent | failed; failed → sent (a retry that worked); sent is final */
    if (!strcmp(from, "sent") || (error_text && strcmp(from, "queued"))) {
        ret = error(err, ERR_CONFLICT, "outbox message %" PRId64 " is %s: it cannot become %s",
                    id, from, to);
        goto out;
    }
    st = store_q(c->db, Q_COLLECT_OUTBOX_MARK);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, to);
    if (error_text)
        store_bind_null(st, 3);
    else
        store_bind_i64(st, 3, ctx_now(c));
    store_bind_text(st, 4, error_text);
    store_bind_text(st, 5, from);
    if ((ret = store_exec(st, err)))
        goto out;
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    struct audit_rec ar = { .action = error_text ? "outbox.mark_failed" : "outbox.mark_sent",
                            .entity = "outbox",
                            .entity_key = key,
                            .before = arena_sprintf(c->arena, "status=%s\n", from),
                            .after = arena_sprintf(c->arena, "status=%s\n", to),
                            .detail = error_text ? "the sender's error recorded" : NULL };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}
