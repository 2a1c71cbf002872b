/*
 * The complaint closed loop (see complaint.h; manual 2.4.1 接单-分类-响应-反馈-复核, 6.4 repeat
 * complaints and 问题归因). The intake and move hooks run inside ticket.c's transactions and
 * write through ticket_record(), so every flag and tag is a ticket_event row with its audit row.
 */
#include "domain/complaint.h"

#include "core/common.h"
#include "domain/audit.h"
#include "domain/customer.h"
#include "domain/ticket_int.h"

static bool is_complaint(const struct ticket *t)
{
    return !strcmp(t->type, "complaint");
}

int complaint_intake(struct ctx *c, const struct ticket *t, int64_t now, struct err *err)
{
    if (!t->customer_id || !t->cust_no)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_COMPLAINT_REPEAT_DAYS);
    store_bind_text(st, 1, t->type);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    int64_t days = store_col_i64(st, 0);
    store_reset(st);
    if (days <= 0)
        return 0;
    struct customer cu;
    if ((ret = customer_get(c, t->cust_no, &cu, err)))
        return ret;
    st = store_q(c->db, Q_COMPLAINT_REPEAT_FIND);
    store_bind_text(st, 1, t->type);
    store_bind_i64(st, 2, t->id);
    store_bind_i64(st, 3, t->customer_id);
    store_bind_text(st, 4, t->subtype);
    store_bind_i64(st, 5, now - days * US_PER_DAY);
    store_bind_i64(st, 6, now);
    store_bind_text(st, 7, cu.address);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    int64_t earlier = store_col_i64(st, 0);
    const char *basis = ctx_col_text(c, st, 1);
    store_reset(st);
    st = store_q(c->db, Q_COMPLAINT_REPEAT_ADD);
    store_bind_i64(st, 1, t->id);
    store_bind_i64(st, 2, earlier);
    store_bind_text(st, 3, basis);
    store_bind_i64(st, 4, days);
    if ((ret = store_exec(st, err)))
        return ret;
    return ticket_record(c, t, "repeat", t->state,
                         arena_sprintf(c->arena, "repeats work order %" PRId64 " (same %s within "
                                       "%" PRId64 " days)", earlier, basis, days),
                         now, err);
}

int complaint_check_move(struct ctx *c, const struct ticket *t, const char *to,
                         const char *note, struct err *err)
{
    if (!is_complaint(t))
        return 0;
    bool has_note = note && *note;
    if (!strcmp(to, "classified") && !*t->subtype)
        return error(err, ERR_CONFLICT, "complaint %" PRId64 " needs its category to be "
                     "classified: give --subtype service|business|outage|quality|grid", t->id);
    if (!strcmp(to, "replied") && !has_note)
        return error(err, ERR_CONFLICT, "the feedback to the customer (反馈) of complaint %"
                     PRId64 " needs --note saying what was replied", t->id);
    if (!strcmp(to, "reviewed") && !has_note)
        return error(err, ERR_CONFLICT, "the callback review (复核) of complaint %" PRId64
                     " needs --note with the customer's answer", t->id);
    if (strcmp(to, "archived"))
        return 0;
    struct store_stmt *st = store_q(c->db, Q_COMPLAINT_LOOP);
    store_bind_i64(st, 1, t->id);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    bool responded = store_col_i64(st, 0) > 0, replied = store_col_i64(st, 1) > 0,
         reviewed = store_col_i64(st, 2) > 0;
    store_reset(st);
    struct strbuf sb = STRBUF_INIT;
    if (!*t->subtype)
        strbuf_addf(&sb, ", classification (no category)");
    if (!responded)
        strbuf_addf(&sb, ", response (never responded)");
    if (!replied)
        strbuf_addf(&sb, ", feedback to the customer (the reply has no note)");
    if (!reviewed)
        strbuf_addf(&sb, ", review (the callback has no note)");
    if (sb.len)
        ret = error(err, ERR_CONFLICT, "complaint %" PRId64 " cannot be archived: its closed "
                    "loop lacks %s", t->id, sb.buf + 2);
    strbuf_release(&sb);
    return ret;
}

int complaint_repeat_get(struct ctx *c, int64_t id, struct complaint_repeat *out, bool *found,
                         struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COMPLAINT_REPEAT_GET);
    store_bind_i64(st, 1, id);
    int ret = store_one(st, err);
    *found = false;
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    out->earlier_id = store_col_i64(st, 0);
    out->basis = ctx_col_text(c, st, 1);
    out->window_days = store_col_i64(st, 2);
    out->earlier_accepted_at = store_col_i64(st, 3);
    out->earlier_state = ctx_col_text(c, st, 4);
    out->earlier_subtype = ctx_col_text(c, st, 5);
    out->earlier_cust_no = ctx_col_text(c, st, 6);
    store_reset(st);
    *found = true;
    return 0;
}

int complaint_tag(struct ctx *c, int64_t id, const char *causes, bool remove, struct err *err)
{
    struct ticket t;
    int64_t now = ctx_now(c);
    char *list = ctx_trim(c, causes);
    int ret;
    if (!list || !*list) {
        error(err, ERR_INVALID, "give the root causes (comma-separated complaint_cause codes)");
        return err_field(err, "cause");
    }
    /* validate every code before writing anything */
    for (char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        char *code = arena_strndup(c->arena, p, n);
        if ((ret = ctx_check_code(c, "cause", "complaint_cause", ctx_trim(c, code), err)))
            return ret;
        p += n + (p[n] == ',');
    }
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, id, &t, err)))
        goto out;
    if (!is_complaint(&t)) {
        ret = error(err, ERR_INVALID, "work order %" PRId64 " is a %s, not a complaint: root "
                    "causes are tagged on complaints", t.id, t.type);
        goto out;
    }
    if (ticket_state_rank(t.state) >= 7) {
        ret = error(err, ERR_CONFLICT, "complaint %" PRId64 " is %s (%s): its root causes are "
                    "final", t.id, ticket_state_zh(t.state), t.state);
        goto out;
    }
    for (char *p = list; *p && !ret;) {
        size_t n = strcspn(p, ",");
        const char *code = ctx_trim(c, arena_strndup(c->arena, p, n));
        struct store_stmt *st = store_q(c->db, remove ? Q_COMPLAINT_CAUSE_DEL
                                                      : Q_COMPLAINT_CAUSE_ADD);
        store_bind_i64(st, 1, t.id);
        store_bind_text(st, 2, code);
        if (!remove) {
            store_bind_i64(st, 3, now);
            store_bind_text(st, 4, c->actor);
        }
        ret = store_exec(st, err);
        p += n + (p[n] == ',');
    }
    if (!ret)
        ret = ticket_record(c, &t, remove ? "untag" : "tag", t.state,
                            arena_sprintf(c->arena, "root cause %s", list), now, err);
out:
    return store_end(c->db, ret, err);
}

int complaint_causes(struct ctx *c, const struct ticket *t, complaint_cause_fn *fn, void *arg,
                     struct err *err)
{
    int ret = 0;
    struct store_stmt *st = store_q(c->db, Q_COMPLAINT_CAUSES);
    store_bind_i64(st, 1, t->id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct complaint_cause k = { ctx_col_text(c, st, 0), ctx_col_text(c, st, 1) };
        ret = fn(arg, &k);
    }
    store_reset(st);
    return ret;
}

int64_t complaint_rate_x100(int64_t complaints, int64_t customers)
{
    if (customers <= 0)
        return -1;
    /* complaints × 10,000 × 100 / customers, half up; int64 holds 9.2e18 / 1e6 complaints */
    return (complaints * 1000000 * 2 + customers) / (2 * customers);
}

int complaint_rate(struct ctx *c, struct period p, const char *org_code, complaint_rate_fn *fn,
                   void *arg, struct err *err)
{
    struct tz tz;
    int64_t org_id = 0;
    char d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE];
    int ret;
    if (org_code && (ret = ctx_org_id(c, org_code, &org_id, err)))
        return ret;
    if (!org_id)
        org_id = c->scope_org_id;
    if ((ret = tz_load(c->zone_name, &tz, err)))
        return ret;
    int64_t from = tz_day_start(&tz, period_first_day(p));
    int64_t to = tz_day_start(&tz, period_first_day(period_next(p)));
    tz_release(&tz);
    date_format(period_first_day(p), d1);
    date_format(period_last_day(p), d2);
    struct store_stmt *st = store_q(c->db, Q_COMPLAINT_RATE);
    store_bind_i64(st, 1, from);
    store_bind_i64(st, 2, to);
    store_bind_text(st, 3, d1);
    store_bind_text(st, 4, d2);
    if (org_id)
        store_bind_i64(st, 5, org_id);
    else
        store_bind_null(st, 5);
    struct complaint_rate_row total = { "total", "合计", 0, 0, 0, 0 };
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct complaint_rate_row r = { ctx_col_text(c, st, 0), ctx_col_text(c, st, 1),
                                        store_col_i64(st, 2), store_col_i64(st, 3),
                                        store_col_i64(st, 4), 0 };
        r.rate_x100 = complaint_rate_x100(r.complaints, r.customers);
        if (org_id && store_col_i64(st, 5) == org_id) /* the scope's root is the total */
            total = (struct complaint_rate_row){ "total", "合计", r.complaints, r.repeats,
                                                 r.customers, 0 };
        ret = fn(arg, &r);
    }
    store_reset(st);
    if (ret)
        return ret;
    if (!org_id) {
        st = store_q(c->db, Q_COMPLAINT_RATE_ALL);
        store_bind_i64(st, 1, from);
        store_bind_i64(st, 2, to);
        store_bind_text(st, 3, d1);
        store_bind_text(st, 4, d2);
        if ((ret = store_one(st, err)))
            return ret;
        total.complaints = store_col_i64(st, 0);
        total.repeats = store_col_i64(st, 1);
        total.customers = store_col_i64(st, 2);
        store_reset(st);
    }
    total.rate_x100 = complaint_rate_x100(total.complaints, total.customers);
    return fn(arg, &total);
}
