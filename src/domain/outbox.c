/*
 * The outbox (see outbox.h): queuing a message in the recipient's language with a fresh
 * delivery key, an account's language, channel and e-mail address preferences, one message
 * with its attempts, the dead letters and their requeue. Called by collect_outbox.c and
 * outage.c (queuing) and cmd_outbox.c.
 */
#include "domain/outbox.h"

#include "core/common.h"
#include "domain/audit.h"
#include "domain/ledger.h"
#include "domain/secret.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

const char *const outbox_channel_names[OUTBOX_NCHANNELS] = { "sms", "wechat", "letter", "email",
                                                             "webhook" };

int outbox_channel_index(const char *name)
{
    for (int i = 0; name && i < OUTBOX_NCHANNELS; i++)
        if (!strcmp(name, outbox_channel_names[i]))
            return i;
    return -1;
}

bool outbox_lang_ok(const char *lang)
{
    return lang && (!strcmp(lang, "zh") || !strcmp(lang, "en"));
}

int outbox_account_lang(struct ctx *c, int64_t account_id, char lang[3], struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_LANG_GET);
    store_bind_i64(st, 1, account_id);
    int ret = store_one(st, err);
    snprintf(lang, 3, "%s", ret ? "zh" : store_col_text(st, 0));
    store_reset(st);
    return ret == ERR_NOT_FOUND ? 0 : ret;
}

/* Parse "sms,wechat" into a channel mask; ERR_INVALID naming the problem. */
static int channels_parse(const char *list, unsigned *mask, struct err *err)
{
    *mask = 0;
    for (const char *p = list ? list : ""; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[16];
        int i = -1;
        if (n && n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            i = outbox_channel_index(name);
        }
        if (i < 0)
            return error(err, ERR_INVALID, "unknown channel '%.*s' (sms, wechat, letter, email, "
                         "webhook)", (int)(n < 32 ? n : 32), p);
        if (*mask & (1u << i))
            return error(err, ERR_INVALID, "channel '%s' is listed twice", name);
        *mask |= 1u << i;
        p += n + (end != NULL);
    }
    if (!*mask)
        return error(err, ERR_INVALID, "the list of channels is empty");
    return 0;
}

int outbox_account_channels(struct ctx *c, int64_t account_id, unsigned *mask, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_CHANNELS_GET);
    store_bind_i64(st, 1, account_id);
    int ret = store_one(st, err);
    *mask = 1u << OUTBOX_SMS;
    if (!ret && channels_parse(store_col_text(st, 0), mask, err))
        *mask = 1u << OUTBOX_SMS; /* only the migration's default or this module writes it */
    store_reset(st);
    return ret == ERR_NOT_FOUND ? 0 : ret;
}

int outbox_account_email(struct ctx *c, int64_t account_id, const char **out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_EMAIL_GET);
    size_t len = 0;
    store_bind_i64(st, 1, account_id);
    int ret = store_one(st, err);
    const void *enc = ret || store_col_null(st, 0) ? NULL : store_col_blob(st, 0, &len);
    *out = secret_masked(c, OUTBOX_AAD_EMAIL, enc, len, PII_EMAIL);
    store_reset(st);
    return ret == ERR_NOT_FOUND ? 0 : ret;
}

/* Store (or with "" remove) the account's e-mail address, sealed, and audit its blind index. */
static int email_set(struct ctx *c, int64_t id, const char *account_no, const char *norm,
                     struct err *err)
{
    struct strbuf enc = STRBUF_INIT, canon = STRBUF_INIT;
    unsigned char bidx[32] = { 0 };
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_EMAIL_SET);
    int ret = 0;
    store_bind_i64(st, 1, id);
    if (*norm && !(ret = secret_seal(c, OUTBOX_AAD_EMAIL, "email", norm, &enc, bidx, err))) {
        store_bind_blob(st, 2, enc.buf, enc.len);
        store_bind_blob(st, 3, bidx, sizeof(bidx));
    } else {
        store_bind_null(st, 2);
        store_bind_null(st, 3);
    }
    secret_canon(&canon, "email", *norm, bidx);
    store_bind_i64(st, 4, ctx_now(c));
    store_bind_text(st, 5, c->actor);
    struct audit_rec ar = { "outbox.email", "account", account_no, NULL, canon.buf,
                            *norm ? "set" : "removed" };
    if (!ret && !(ret = store_exec(st, err)))
        ret = audit_append(c, &ar, err);
    strbuf_release(&enc);
    strbuf_release(&canon);
    return ret;
}

int outbox_prefs_set(struct ctx *c, const char *account_no, const char *channels,
                     const char *lang, const char *email, struct outbox_prefs *out,
                     struct err *err)
{
    struct strbuf norm = STRBUF_INIT, addr = STRBUF_INIT;
    unsigned mask = 0;
    int64_t id;
    bool closed;
    int ret;
    if (!channels && !lang && !email)
        return error(err, ERR_INVALID, "give channels, a language, an email address or more"),
               err_field(err, "channels");
    if (channels && channels_parse(channels, &mask, err))
        return err_field(err, "channels");
    if (lang && !outbox_lang_ok(lang))
        return error(err, ERR_INVALID, "messages are written in zh or en, not '%s'", lang),
               err_field(err, "lang");
    email = email ? ctx_trim(c, email) : NULL;
    if (email && *email && (ret = pii_email_parse(email, &addr, err))) {
        strbuf_release(&addr);
        return err_field(err, "email");
    }
    if (email && !c->keys)
        BUG("an email address handled without a key file");
    if ((ret = ledger_account_find(c, account_no, &id, &closed, err)))
        goto out;
    /* stored in the channels' own order, so equal sets read the same */
    for (int i = 0; i < OUTBOX_NCHANNELS; i++)
        if (mask & (1u << i))
            strbuf_addf(&norm, "%s%s", norm.len ? "," : "", outbox_channel_names[i]);
    if ((ret = store_begin(c->db, err)))
        goto out;
    struct store_stmt *st;
    if (channels) {
        st = store_q(c->db, Q_OUTBOX_CHANNELS_SET);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, norm.buf);
        store_bind_i64(st, 3, ctx_now(c));
        store_bind_text(st, 4, c->actor);
        struct audit_rec ar = { "outbox.channels", "account", account_no, NULL, norm.buf, NULL };
        if (!(ret = store_exec(st, err)))
            ret = audit_append(c, &ar, err);
    }
    if (lang && !ret) {
        st = store_q(c->db, Q_OUTBOX_LANG_SET);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, lang);
        store_bind_i64(st, 3, ctx_now(c));
        store_bind_text(st, 4, c->actor);
        struct audit_rec ar = { "outbox.lang", "account", account_no, NULL, lang, NULL };
        if (!(ret = store_exec(st, err)))
            ret = audit_append(c, &ar, err);
    }
    if (email && !ret)
        ret = email_set(c, id, account_no, addr.buf, err);
    if (!ret && out && !(ret = outbox_account_channels(c, id, &out->channels, err)) &&
        !(ret = outbox_account_lang(c, id, out->lang, err)))
        ret = outbox_account_email(c, id, &out->email, err);
    ret = store_end(c->db, ret, err);
out:
    strbuf_release(&norm);
    strbuf_release(&addr);
    return ret;
}

int outbox_enqueue(struct ctx *c, const char *kind, const char *channel, int64_t account_id,
                   const char *account_no, const char *lang, outbox_render_fn *render,
                   const void *vars, int64_t *id, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_TEMPLATE_GET);
    struct strbuf body = STRBUF_INIT;
    char used[3], key[5 + 32 + 1];
    unsigned char rnd[16];
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, channel);
    store_bind_text(st, 3, lang);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no %s template for %s (pmis remind template set)", kind,
                     channel);
    if (ret)
        return ret;
    snprintf(used, sizeof(used), "%s", store_col_text(st, 1));
    render(store_col_text(st, 0), vars, used, &body);
    store_reset(st);
    /* the key names the message to gateways: random, so two databases never share one */
    randombytes_buf(rnd, sizeof(rnd));
    memcpy(key, "pmis-", 5);
    sodium_bin2hex(key + 5, sizeof(key) - 5, rnd, sizeof(rnd));
    st = store_q(c->db, Q_OUTBOX_ADD);
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, channel);
    store_bind_i64(st, 3, account_id);
    store_bind_text(st, 4, account_no);
    store_bind_text(st, 5, body.buf);
    store_bind_i64(st, 6, ctx_now(c));
    store_bind_text(st, 7, c->actor);
    store_bind_text(st, 8, used);
    store_bind_text(st, 9, key);
    strbuf_release(&body);
    if ((ret = store_one(st, err)))
        return ret;
    *id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

static void read_detail(struct ctx *c, struct store_stmt *st, struct outbox_detail *d)
{
    *d = (struct outbox_detail){
        .id = store_col_i64(st, 0),
        .kind = ctx_col_text(c, st, 1),
        .channel = ctx_col_text(c, st, 2),
        .recipient = ctx_col_text(c, st, 3),
        .body = ctx_col_text(c, st, 4),
        .status = ctx_col_text(c, st, 5),
        .error = ctx_col_text(c, st, 6),
        .created_by = ctx_col_text(c, st, 7),
        .created_at = store_col_i64(st, 8),
        .sent_at = store_col_i64(st, 9),
        .lang = ctx_col_text(c, st, 10),
        .attempts = store_col_i64(st, 11),
        .next_at = store_col_i64(st, 12),
        .claimed_by = ctx_col_text(c, st, 13),
        .delivery_key = ctx_col_text(c, st, 14),
    };
}

int outbox_show(struct ctx *c, int64_t id, struct outbox_detail *d, outbox_attempt_fn *fn,
                void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_SHOW);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no outbox message %" PRId64, id);
    if (ret)
        return ret;
    read_detail(c, st, d);
    store_reset(st);
    if (!fn)
        return 0;
    st = store_q(c->db, Q_OUTBOX_ATTEMPTS);
    store_bind_i64(st, 1, id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct outbox_attempt a = {
            .attempt = store_col_i64(st, 0),
            .worker = store_col_text(st, 1),
            .started_at = store_col_i64(st, 2),
            .finished_at = store_col_i64(st, 3),
            .http_status = store_col_i64(st, 4),
            .outcome = store_col_null(st, 5) ? NULL : store_col_text(st, 5),
            .error = store_col_null(st, 6) ? NULL : store_col_text(st, 6),
        };
        ret = fn(arg, &a);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int outbox_list(struct ctx *c, const struct outbox_filter *f, outbox_detail_fn *fn, void *arg,
                struct err *err)
{
    if (f->status && strcmp(f->status, "queued") && strcmp(f->status, "sent") &&
        strcmp(f->status, "failed"))
        return error(err, ERR_INVALID, "status is queued, sent or failed, not '%s'", f->status);
    if (f->channel && outbox_channel_index(f->channel) < 0)
        return error(err, ERR_INVALID, "unknown channel '%s' (sms, wechat, letter, email, "
                     "webhook)", f->channel);
    if (f->limit < 1 || f->limit > 10000)
        return error(err, ERR_INVALID, "a page has 1 to 10000 messages, not %" PRId64, f->limit);
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_LIST);
    store_bind_text(st, 1, f->status);
    store_bind_text(st, 2, f->channel);
    store_bind_text(st, 3, f->account_no);
    store_bind_i64(st, 4, f->after_id);
    store_bind_i64(st, 5, f->limit);
    ctx_bind_scope(c, st, 6);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct outbox_detail d;
        read_detail(c, st, &d);
        ret = fn(arg, &d);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int outbox_retry(struct ctx *c, int64_t id, const char *channel, int64_t *n, struct err *err)
{
    char key[24], detail[64];
    *n = 0;
    if (channel && outbox_channel_index(channel) < 0)
        return error(err, ERR_INVALID, "unknown channel '%s' (sms, wechat, letter, email, "
                     "webhook)", channel);
    if (!id && c->scope_org_id)
        return error(err, ERR_FORBIDDEN, "requeuing every dead letter needs a user of the "
                     "whole org tree");
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st;
    if (id) {
        st = store_q(c->db, Q_OUTBOX_SHOW);
        store_bind_i64(st, 1, id);
        ctx_bind_scope(c, st, 2);
        if ((ret = store_one(st, err))) {
            if (ret == ERR_NOT_FOUND)
                ret = error(err, ERR_NOT_FOUND, "no outbox message %" PRId64, id);
            goto out;
        }
        if (strcmp(store_col_text(st, 5), "failed")) {
            ret = error(err, ERR_CONFLICT, "outbox message %" PRId64 " is %s, not a dead letter: "
                        "only failed messages are requeued", id, store_col_text(st, 5));
            store_reset(st);
            goto out;
        }
        store_reset(st);
    }
    st = store_q(c->db, Q_OUTBOX_REQUEUE);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, channel);
    if ((ret = store_exec(st, err)))
        goto out;
    *n = store_changes(st);
    snprintf(key, sizeof(key), "%" PRId64, id);
    snprintf(detail, sizeof(detail), "%" PRId64 " requeued%s%s", *n, channel ? " on " : "",
             channel ? channel : "");
    struct audit_rec ar = { "outbox.retry", "outbox", id ? key : "dead-letters", NULL, NULL,
                            detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}
