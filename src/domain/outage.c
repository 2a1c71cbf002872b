/*
 * Outage events (see outage.h). Publishing, closing and grouping each run in one transaction
 * with their audit row; notices are outbox rows addressed by account number like every other
 * message (collections, 0010), rendered here from the outage_* message templates.
 */
#include "domain/outage_int.h"

#include "core/common.h"
#include "core/log.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/outbox.h"
#include "domain/ticket_int.h"

#define OUTAGE_REASON_MAX 500

static const char *const kinds[][2] = {
    { "planned", "计划停电" }, { "temporary", "临时停电" }, { "fault", "故障停电" }
};

const char *outage_kind_zh(const char *kind)
{
    for (size_t i = 0; kind && i < ARRAY_SIZE(kinds); i++)
        if (!strcmp(kinds[i][0], kind))
            return kinds[i][1];
    return kind;
}

int outage_notice_check(const char *kind, const struct tz *tz, int64_t notice_us, int64_t from_us,
                        bool important, bool *late, struct err *err)
{
    *late = false;
    if (!kind || (strcmp(kind, "planned") && strcmp(kind, "temporary") && strcmp(kind, "fault")))
        return error(err, ERR_INVALID, "unknown outage kind '%s' (planned, temporary, fault)",
                     kind ? kind : "");
    if (!strcmp(kind, "planned")) {
        /* 《供电营业规则》(2024) 第六十二条 (一): 计划检修 提前七日通知或公告 — calendar days */
        struct date on = tz_today(tz, notice_us), start = tz_today(tz, from_us);
        if (date_diff_days(on, start) < OUTAGE_PLANNED_DAYS) {
            char a[DATE_BUF_SIZE], b[DATE_BUF_SIZE], d[DATE_BUF_SIZE], e[DATE_BUF_SIZE];
            return error(err, ERR_CONFLICT, "a planned outage on %s must be announced %d days "
                         "ahead, by %s (rules §7.3): it is %s; move it to %s or later, or "
                         "register a temporary outage", date_format(start, a),
                         OUTAGE_PLANNED_DAYS,
                         date_format(date_add_days(start, -OUTAGE_PLANNED_DAYS), b),
                         date_format(on, d),
                         date_format(date_add_days(on, OUTAGE_PLANNED_DAYS), e));
        }
    } else if (!strcmp(kind, "temporary")) {
        /* (二): 临时检修 提前二十四小时通知重要用户 */
        *late = important && from_us - notice_us < (int64_t)OUTAGE_TEMPORARY_HOURS * 3600 * 1000000;
    }
    return 0;
}

const char *outage_local_time(struct ctx *c, const struct tz *tz, int64_t us)
{
    struct datetime dt;
    if (!us)
        return "待定";
    tz_to_local(tz, us, &dt);
    return arena_sprintf(c->arena, "%04d-%02d-%02d %02d:%02d", dt.date.y, dt.date.m,
                         dt.date.d, dt.hour, dt.min);
}

/* The English of what outage_kind_zh() and outage_local_time() put in Chinese. */
static const char *in_english(const char *zh)
{
    static const char *const en[][2] = { { "计划停电", "planned outage" },
                                         { "临时停电", "temporary outage" },
                                         { "故障停电", "fault outage" },
                                         { "待定", "to be announced" } };
    for (size_t i = 0; zh && i < ARRAY_SIZE(en); i++)
        if (!strcmp(zh, en[i][0]))
            return en[i][1];
    return zh;
}

/* Fill {customer} {account} {kind} {from} {to} {reason} {outage}; other text is copied. */
static void render(const char *body, const void *arg, const char *lang, struct strbuf *out)
{
    const struct notice_vars *v = arg;
    bool en = !strcmp(lang, "en");
    const struct {
        const char *name, *value;
    } vars[] = { { "customer", v->customer },
                 { "account", v->account },
                 { "kind", en ? in_english(v->kind) : v->kind },
                 { "from", v->from },
                 { "to", en ? in_english(v->to) : v->to },
                 { "reason", v->reason },
                 { "outage", v->outage } };
    for (const char *p = body; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        size_t i = 0;
        if (close)
            while (i < ARRAY_SIZE(vars) && (strlen(vars[i].name) != (size_t)(close - p - 1) ||
                                            strncmp(vars[i].name, p + 1, close - p - 1)))
                i++;
        if (close && i < ARRAY_SIZE(vars)) {
            strbuf_addstr(out, vars[i].value ? vars[i].value : "");
            p = close + 1;
        } else {
            strbuf_addch(out, *p++);
        }
    }
}

int outage_notify(struct ctx *c, const char *kind, int64_t account_id, const char *account_no,
                  const struct notice_vars *v, int64_t *id, struct err *err)
{
    char lang[3];
    unsigned mask;
    int ret;
    *id = 0;
    if ((ret = outbox_account_lang(c, account_id, lang, err)) ||
        (ret = outbox_account_channels(c, account_id, &mask, err)))
        return ret;
    /* one message per channel of the account, in its language; a channel without a template
     * of the kind (letters: 0023 gives sms, wechat, email and webhook) is passed over, and an
     * account left with none gets the SMS */
    for (int i = 0; i < OUTBOX_NCHANNELS && !ret; i++) {
        int64_t box = 0;
        if (!(mask & (1u << i)))
            continue;
        ret = outbox_enqueue(c, kind, outbox_channel_names[i], account_id, account_no, lang,
                             render, v, &box, err);
        if (ret == ERR_NOT_FOUND) {
            log_debug("no %s template for %s: not sent there", kind, outbox_channel_names[i]);
            ret = 0;
        } else if (!*id) {
            *id = box;
        }
    }
    if (!ret && !*id)
        ret = outbox_enqueue(c, kind, "sms", account_id, account_no, lang, render, v, id, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no %s template for sms", kind);
    return ret;
}

struct affected {
    int64_t id, org_id, account_id;
    const char *cust_no, *name, *account_no;
    bool important;
};

static int check_in(struct ctx *c, const struct outage_in *in, const char **reason,
                    struct err *err)
{
    if (!in->kind || (strcmp(in->kind, "planned") && strcmp(in->kind, "temporary") &&
                      strcmp(in->kind, "fault"))) {
        error(err, ERR_INVALID, "unknown outage kind '%s' (planned, temporary, fault)",
              in->kind ? in->kind : "");
        return err_field(err, "kind");
    }
    if (in->feeder && in->sp_no)
        return error(err, ERR_INVALID, "an outage is of an org unit, a feeder or a service "
                     "point: give --feeder or --sp, not both");
    if (!in->org_code && !in->feeder && !in->sp_no)
        return error(err, ERR_INVALID, "an outage needs its area: --org CODE, --feeder F or "
                     "--sp SP-NO");
    if (in->feeder && (!*in->feeder || strlen(in->feeder) > OUTAGE_FEEDER_MAX))
        return error(err, ERR_INVALID, "a feeder name has 1 to %d bytes", OUTAGE_FEEDER_MAX);
    if (!in->from_at) {
        error(err, ERR_INVALID, "an outage needs its start (--from)");
        return err_field(err, "from");
    }
    if (!in->to_at && strcmp(in->kind, "fault")) {
        error(err, ERR_INVALID, "a %s outage needs its planned end (--to)", in->kind);
        return err_field(err, "to");
    }
    if (in->to_at && in->to_at <= in->from_at) {
        error(err, ERR_INVALID, "the outage ends (--to) before it starts (--from)");
        return err_field(err, "to");
    }
    *reason = ctx_trim(c, in->reason);
    if (!*reason || !**reason || strlen(*reason) > OUTAGE_REASON_MAX) {
        error(err, ERR_INVALID, "an outage needs its reason (1 to %d bytes)", OUTAGE_REASON_MAX);
        return err_field(err, "reason");
    }
    return 0;
}

int outage_add(struct ctx *c, const struct outage_in *in, struct outage_result *res,
               struct err *err)
{
    const char *reason = NULL, *scope = in->sp_no ? "sp" : in->feeder ? "feeder" : "org";
    int64_t org_id = 0, sp_id = 0, sp_org = 0, now = ctx_now(c);
    struct tz tz;
    VEC(struct affected) aff = VEC_INIT;
    int ret;
    memset(res, 0, sizeof(*res));
    if ((ret = check_in(c, in, &reason, err)))
        return ret;
    if (in->org_code && (ret = ctx_org_id(c, in->org_code, &org_id, err)))
        return ret;
    if (in->sp_no) {
        struct store_stmt *st = store_q(c->db, Q_OUTAGE_SP_GET);
        store_bind_text(st, 1, in->sp_no);
        ctx_bind_scope(c, st, 2);
        if ((ret = store_one(st, err)) == ERR_NOT_FOUND)
            return error(err, ERR_NOT_FOUND, "no service point '%s'", in->sp_no);
        if (ret)
            return ret;
        sp_id = store_col_i64(st, 0);
        sp_org = store_col_i64(st, 1);
        store_reset(st);
    }
    if ((ret = tz_load(c->zone_name, &tz, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        goto done;
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_AFFECTED);
    store_bind_text(st, 1, scope);
    store_bind_i64(st, 2, sp_id ? sp_id : org_id);
    store_bind_text(st, 3, in->feeder);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct affected a = { store_col_i64(st, 0), store_col_i64(st, 4), store_col_i64(st, 5),
                              ctx_col_text(c, st, 1), ctx_col_text(c, st, 2),
                              ctx_col_text(c, st, 6), store_col_i64(st, 3) != 0 };
        VEC_PUSH(&aff, a);
        res->important += a.important;
    }
    store_reset(st);
    if (ret)
        goto out;
    if (!aff.n) {
        ret = error(err, ERR_INVALID, "no customer is in the outage's area (%s %s)%s", scope,
                    in->sp_no ? in->sp_no : in->feeder ? in->feeder : in->org_code,
                    in->feeder ? ": tag service points with 'pmis outage feeder'" : "");
        goto out;
    }
    if ((ret = outage_notice_check(in->kind, &tz, now, in->from_at, res->important > 0,
                                   &res->late_notice, err)))
        goto out;
    if (!org_id)
        org_id = sp_org ? sp_org : aff.v[0].org_id;
    st = store_q(c->db, Q_OUTAGE_ADD);
    store_bind_text(st, 1, in->kind);
    store_bind_text(st, 2, scope);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, in->feeder);
    if (sp_id)
        store_bind_i64(st, 5, sp_id);
    else
        store_bind_null(st, 5);
    store_bind_i64(st, 6, in->from_at);
    if (in->to_at)
        store_bind_i64(st, 7, in->to_at);
    else
        store_bind_null(st, 7);
    store_bind_text(st, 8, reason);
    store_bind_i64(st, 9, now);
    store_bind_i64(st, 10, res->late_notice);
    store_bind_text(st, 11, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    res->id = store_col_i64(st, 0);
    store_reset(st);
    struct notice_vars v = { NULL, NULL, outage_kind_zh(in->kind),
                             outage_local_time(c, &tz, in->from_at),
                             outage_local_time(c, &tz, in->to_at), reason,
                             arena_sprintf(c->arena, "%" PRId64, res->id) };
    const char *tmpl = strcmp(in->kind, "fault") ? "outage_notice" : "outage_fault";
    for (size_t i = 0; i < aff.n && !ret; i++) {
        int64_t box = 0;
        v.customer = aff.v[i].name;
        v.account = aff.v[i].account_no;
        if (aff.v[i].account_id &&
            (ret = outage_notify(c, tmpl, aff.v[i].account_id, aff.v[i].account_no, &v, &box,
                                 err)))
            break;
        res->notified += box != 0;
        st = store_q(c->db, Q_OUTAGE_CUSTOMER_ADD);
        store_bind_i64(st, 1, res->id);
        store_bind_i64(st, 2, aff.v[i].id);
        store_bind_i64(st, 3, aff.v[i].important);
        if (box)
            store_bind_i64(st, 4, box);
        else
            store_bind_null(st, 4);
        ret = store_exec(st, err);
    }
    res->affected = (int64_t)aff.n;
    if (ret)
        goto out;
    struct audit_rec ar = {
        .action = "outage.add",
        .entity = "outage",
        .entity_key = v.outage,
        .after = arena_sprintf(c->arena, "%s|%s|%" PRId64 "|%s|%" PRId64 "|%" PRId64 "|%s",
                               in->kind, scope, org_id, in->feeder ? in->feeder : "",
                               in->from_at, in->to_at, reason),
        .detail = arena_sprintf(c->arena, "%" PRId64 " customers (%" PRId64 " important), %"
                                PRId64 " notices%s", res->affected, res->important,
                                res->notified, res->late_notice ? ", late notice" : ""),
    };
    ret = audit_append(c, &ar, err);
out:
    ret = store_end(c->db, ret, err);
done:
    VEC_FREE(&aff);
    tz_release(&tz);
    return ret;
}

/* ---- reading ---- */

static void outage_read(struct ctx *c, struct store_stmt *st, struct outage *o)
{
    o->id = store_col_i64(st, 0);
    o->kind = ctx_col_text(c, st, 1);
    o->kind_name = outage_kind_zh(o->kind);
    o->scope = ctx_col_text(c, st, 2);
    o->org_code = ctx_col_text(c, st, 3);
    o->feeder = ctx_col_text(c, st, 4);
    o->sp_no = ctx_col_text(c, st, 5);
    o->from_at = store_col_i64(st, 6);
    o->to_at = store_col_i64(st, 7);
    o->reason = ctx_col_text(c, st, 8);
    o->notice_at = store_col_i64(st, 9);
    o->late_notice = store_col_i64(st, 10) != 0;
    o->state = ctx_col_text(c, st, 11);
    o->closed_at = store_col_i64(st, 12);
    o->close_note = ctx_col_text(c, st, 13);
    o->created_by = ctx_col_text(c, st, 14);
    o->affected = store_col_i64(st, 15);
    o->important = store_col_i64(st, 16);
    o->notified = store_col_i64(st, 17);
    o->tickets = store_col_i64(st, 18);
    o->org_id = store_col_i64(st, 19);
}

int outage_get(struct ctx *c, int64_t id, struct outage *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no outage %" PRId64, id);
    if (ret)
        return ret;
    outage_read(c, st, out);
    store_reset(st);
    return 0;
}

int outage_list(struct ctx *c, const struct outage_filter *f, outage_fn *fn, void *arg,
                struct err *err)
{
    int ret = 0;
    if (f->state && strcmp(f->state, "active") && strcmp(f->state, "closed"))
        return error(err, ERR_INVALID, "an outage is active or closed, not '%s'", f->state);
    if (f->kind && !strcmp(outage_kind_zh(f->kind), f->kind))
        return error(err, ERR_INVALID, "unknown outage kind '%s' (planned, temporary, fault)",
                     f->kind);
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_LIST);
    store_bind_text(st, 1, f->state);
    store_bind_text(st, 2, f->kind);
    store_bind_i64(st, 3, f->after_id);
    store_bind_i64(st, 4, f->limit > 0 ? f->limit : 100);
    ctx_bind_scope(c, st, 5);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct outage o;
        outage_read(c, st, &o);
        ret = fn(arg, &o);
    }
    store_reset(st);
    return ret;
}

int outage_customers(struct ctx *c, int64_t id, outage_customer_fn *fn, void *arg,
                     struct err *err)
{
    struct outage o;
    int ret = outage_get(c, id, &o, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_CUSTOMERS);
    store_bind_i64(st, 1, id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct outage_customer k = { ctx_col_text(c, st, 0), ctx_col_text(c, st, 1),
                                     ctx_col_text(c, st, 3), store_col_i64(st, 2) != 0,
                                     store_col_i64(st, 4) };
        ret = fn(arg, &k);
    }
    store_reset(st);
    return ret;
}

int outage_tickets(struct ctx *c, int64_t id, outage_ticket_fn *fn, void *arg, struct err *err)
{
    struct outage o;
    int ret = outage_get(c, id, &o, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_TICKETS);
    store_bind_i64(st, 1, id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct outage_ticket k = { store_col_i64(st, 0), ctx_col_text(c, st, 1),
                                   ctx_col_text(c, st, 2) };
        ret = fn(arg, &k);
    }
    store_reset(st);
    return ret;
}
