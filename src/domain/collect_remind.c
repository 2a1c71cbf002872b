/*
 * Reminders (催费): the schedule and the message templates as data, and the daily run that
 * queues one message per (bill, step) in the outbox (collect_outbox.c). Called by
 * cmd_remind.c; the templates also by the notices, reconnection and prepaid messages.
 */
#include "domain/collect.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"
#include "domain/outbox.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

static const char *const channels[] = { "sms", "wechat", "letter", "email", "webhook" };
static const char *const kinds[] = { "reminder",    "disconnect_notice", "disconnect_final",
                                     "disconnect_copy", "reconnect",   "low_balance",
                                     "prepaid_off" };

bool collect_channel_ok(const char *ch)
{
    for (size_t i = 0; ch && i < ARRAY_SIZE(channels); i++)
        if (!strcmp(ch, channels[i]))
            return true;
    return false;
}

bool collect_kind_ok(const char *kind)
{
    for (size_t i = 0; kind && i < ARRAY_SIZE(kinds); i++)
        if (!strcmp(kind, kinds[i]))
            return true;
    return false;
}

/* ---- templates ---- */

static const struct {
    const char *name;
    size_t off;
} placeholders[] = {
    { "account", offsetof(struct msg_vars, account) },
    { "customer", offsetof(struct msg_vars, customer) },
    { "bill", offsetof(struct msg_vars, bill) },
    { "period", offsetof(struct msg_vars, period) },
    { "amount", offsetof(struct msg_vars, amount) },
    { "principal", offsetof(struct msg_vars, principal) },
    { "late_fee", offsetof(struct msg_vars, late_fee) },
    { "due_on", offsetof(struct msg_vars, due_on) },
    { "days", offsetof(struct msg_vars, days) },
    { "date", offsetof(struct msg_vars, date) },
    { "disconnect_on", offsetof(struct msg_vars, disconnect_on) },
    { "time", offsetof(struct msg_vars, time) },
    { "regulator", offsetof(struct msg_vars, regulator) },
};

static int placeholder(const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(placeholders); i++)
        if (strlen(placeholders[i].name) == len && !memcmp(placeholders[i].name, name, len))
            return (int)i;
    return -1;
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool utf8_ok(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s++;
        int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                                 : (c & 0xf8) == 0xf0 ? 3 : -1;
        if (more < 0 || (more == 1 && c < 0xc2))
            return false;
        unsigned cp = more ? c & (0x3f >> more) : c;
        for (int i = 0; i < more; i++, s++) {
            if ((*s & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (*s & 0x3f);
        }
        if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
    }
    return true;
}

int collect_template_check(const char *body, struct err *err)
{
    size_t n = body ? strlen(body) : 0;
    if (!n || n > 2000)
        return error(err, ERR_INVALID, "a message template has 1 to 2000 bytes, not %zu", n);
    if (!utf8_ok((const unsigned char *)body))
        return error(err, ERR_INVALID, "the message template is not valid UTF-8");
    for (const char *p = body; *p; p++) {
        if (*p == '}')
            return error(err, ERR_INVALID, "a '}' without its '{' in the message template");
        if (*p != '{')
            continue;
        const char *end = strchr(p, '}');
        const char *open = strchr(p + 1, '{');
        if (!end || (open && open < end))
            return error(err, ERR_INVALID, "a '{' without its '}' in the message template");
        if (placeholder(p + 1, (size_t)(end - p - 1)) < 0)
            return error(err, ERR_INVALID,
                         "unknown placeholder '{%.*s}' (known: account customer bill period "
                         "amount principal late_fee due_on days date disconnect_on)",
                         (int)(end - p - 1 > 40 ? 40 : end - p - 1), p + 1);
        p = end;
    }
    return 0;
}

void collect_render(const char *body, const struct msg_vars *v, struct strbuf *out)
{
    for (const char *p = body; *p;) {
        const char *end;
        int k;
        if (*p == '{' && (end = strchr(p, '}')) &&
            (k = placeholder(p + 1, (size_t)(end - p - 1))) >= 0) {
            const char *val = *(const char *const *)((const char *)v + placeholders[k].off);
            if (val)
                strbuf_addstr(out, val);
            p = end + 1;
            continue;
        }
        strbuf_addch(out, *p++);
    }
}

static int audit_in_tx(struct ctx *c, const struct audit_rec *ar, struct err *err)
{
    int ret = store_begin(c->db, err);
    if (!ret)
        ret = store_end(c->db, audit_append(c, ar, err), err);
    return ret;
}

int collect_templates_list(struct ctx *c, template_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_TEMPLATES);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct template_info t = { store_col_text(st, 0), store_col_text(st, 1),
                                   store_col_text(st, 2), store_col_text(st, 3),
                                   store_col_text(st, 4) };
        ret = fn(arg, &t);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int collect_template_set(struct ctx *c, const char *kind, const char *channel, const char *lang,
                         const char *body, struct err *err)
{
    int ret;
    if (!lang)
        lang = "zh";
    if (!outbox_lang_ok(lang))
        return error(err, ERR_INVALID, "a template is in zh or en, not '%s'", lang),
               err_field(err, "lang");
    if (!collect_kind_ok(kind))
        return error(err, ERR_INVALID,
                     "unknown message kind '%s' (reminder, disconnect_notice, disconnect_final, "
                     "disconnect_copy, reconnect, low_balance or prepaid_off)", kind),
               err_field(err, "kind");
    if (!collect_channel_ok(channel))
        return error(err, ERR_INVALID, "unknown channel '%s' (one of " COLLECT_CHANNELS ")",
                     channel),
               err_field(err, "channel");
    if ((ret = collect_template_check(body, err)))
        return err_field(err, "body");
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_TEMPLATE_SET);
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, channel);
    store_bind_text(st, 3, body);
    store_bind_i64(st, 4, ctx_now(c));
    store_bind_text(st, 5, c->actor);
    store_bind_text(st, 6, lang);
    char key[48];
    snprintf(key, sizeof(key), "%s/%s/%s", kind, channel, lang);
    struct audit_rec ar = { "collect.template", "message_template", key, NULL, body, NULL };
    if (!(ret = store_exec(st, err)))
        ret = audit_append(c, &ar, err);
    return store_end(c->db, ret, err);
}

/* ---- the schedule ---- */

int collect_steps_list(struct ctx *c, remind_step_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_STEPS);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct remind_step s = { store_col_i64(st, 0), store_col_text(st, 1),
                                 store_col_text(st, 2) };
        ret = fn(arg, &s);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* "ABCD", "CD", "D": grades A–D, each once, in order */
static int check_grades(const char *g, struct err *err)
{
    char last = 0;
    if (!g || !*g || strlen(g) > 4)
        goto bad;
    for (const char *p = g; *p; last = *p++)
        if (*p < 'A' || *p > 'D' || *p <= last)
            goto bad;
    return 0;
bad:
    return error(err, ERR_INVALID, "grades are letters A to D in order, such as ABCD or CD, not "
                 "'%s'", g ? g : "");
}

int collect_step_set(struct ctx *c, int64_t days_after, const char *channel, const char *grades,
                     struct err *err)
{
    char key[24], detail[64];
    if (days_after < 1 || days_after > 3650)
        return error(err, ERR_INVALID, "a reminder step is 1 to 3650 days after the due date, "
                     "not %" PRId64, days_after),
               err_field(err, "days_after_due");
    if (!collect_channel_ok(channel))
        return error(err, ERR_INVALID, "unknown channel '%s' (one of " COLLECT_CHANNELS ")",
                     channel ? channel : ""),
               err_field(err, "channel");
    if (!grades)
        grades = "ABCD";
    int ret = check_grades(grades, err);
    if (ret)
        return err_field(err, "grades");
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_STEP_SET);
    store_bind_i64(st, 1, days_after);
    store_bind_text(st, 2, channel);
    store_bind_i64(st, 3, ctx_now(c));
    store_bind_text(st, 4, c->actor);
    store_bind_text(st, 5, grades);
    snprintf(key, sizeof(key), "%" PRId64, days_after);
    snprintf(detail, sizeof(detail), "%" PRId64 " days after due: %s for %s", days_after, channel,
             grades);
    struct audit_rec ar = { "collect.step.set", "remind_step", key, NULL, NULL, detail };
    if (!(ret = store_exec(st, err)))
        ret = audit_append(c, &ar, err);
    return store_end(c->db, ret, err);
}

int collect_step_remove(struct ctx *c, int64_t days_after, struct err *err)
{
    char key[24];
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_STEP_DEL);
    store_bind_i64(st, 1, days_after);
    snprintf(key, sizeof(key), "%" PRId64, days_after);
    struct audit_rec ar = { "collect.step.remove", "remind_step", key, NULL, NULL, NULL };
    if (!(ret = store_exec(st, err))) {
        if (!store_changes(st))
            ret = error(err, ERR_NOT_FOUND, "no reminder step %" PRId64 " days after the due date",
                        days_after);
        else
            ret = audit_append(c, &ar, err);
    }
    return store_end(c->db, ret, err);
}

/* ---- the run ---- */

struct due_bill {
    int64_t bill_id, account_id, principal_fen, fee_fen, last_days; /* last_days -1: none */
    const char *account_no, *customer, *bill_no, *period, *due_on;
    char grade; /* the latest credit grade, 'B' when unrated */
};

static int remind_bill(struct ctx *c, const struct due_bill *b, const struct remind_step *steps,
                       size_t nsteps, struct date on, struct remind_result *r, struct err *err)
{
    struct date due;
    int ret;
    if ((ret = date_parse(b->due_on, &due, err)))
        return ret;
    int32_t days = date_diff_days(due, on);
    const struct remind_step *s = NULL; /* the latest step reached */
    for (size_t i = 0; i < nsteps; i++)
        if (steps[i].days_after <= days && strchr(steps[i].grades, b->grade))
            s = &steps[i];
    if (!s || b->last_days >= s->days_after)
        return 0;
    char amount[MONEY_BUF_SIZE], principal[MONEY_BUF_SIZE], fee[MONEY_BUF_SIZE];
    char dd[16], ob[DATE_BUF_SIZE];
    snprintf(dd, sizeof(dd), "%" PRId32, days);
    struct msg_vars v = {
        .account = b->account_no, .customer = b->customer, .bill = b->bill_no,
        .period = b->period, .amount = money_format(b->principal_fen + b->fee_fen, amount),
        .principal = money_format(b->principal_fen, principal),
        .late_fee = money_format(b->fee_fen, fee), .due_on = b->due_on, .days = dd,
        .date = date_format(on, ob),
    };
    int64_t outbox_id;
    if ((ret = collect_outbox_add(c, "reminder", s->channel, b->account_id, b->account_no, &v,
                                  &outbox_id, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_REMINDER_ADD);
    store_bind_i64(st, 1, b->bill_id);
    store_bind_i64(st, 2, s->days_after);
    store_bind_i64(st, 3, b->account_id);
    store_bind_text(st, 4, s->channel);
    store_bind_text(st, 5, ob);
    store_bind_i64(st, 6, days);
    store_bind_i64(st, 7, b->principal_fen + b->fee_fen);
    store_bind_i64(st, 8, outbox_id);
    if ((ret = store_exec(st, err)))
        return ret;
    r->queued++;
    for (size_t i = 0; i < ARRAY_SIZE(channels); i++)
        if (!strcmp(channels[i], s->channel))
            r->by_channel[i]++;
    return 0;
}

static int copy_step(void *arg, const struct remind_step *s)
{
    struct {
        struct ctx *c;
        struct remind_step *v;
        size_t n;
    } *a = arg;
    if (a->n == 64)
        return 0;
    a->v[a->n].days_after = s->days_after;
    a->v[a->n].grades = arena_strdup(a->c->arena, s->grades);
    a->v[a->n++].channel = arena_strdup(a->c->arena, s->channel);
    return 0;
}

int collect_remind_run(struct ctx *c, struct date on, int64_t batch, struct remind_result *r,
                       struct err *err)
{
    struct remind_step steps[64];
    struct {
        struct ctx *c;
        struct remind_step *v;
        size_t n;
    } sa = { c, steps, 0 };
    char ob[DATE_BUF_SIZE], tb[DATE_BUF_SIZE], cur_due[DATE_BUF_SIZE] = "0000-00-00";
    struct date today;
    int64_t cur_id = 0;
    int ret;

    memset(r, 0, sizeof(*r));
    if (batch <= 0)
        batch = 1000;
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    if (date_cmp(on, today) > 0)
        return error(err, ERR_INVALID, "reminders cannot be sent ahead, for %s (today is %s)",
                     date_format(on, ob), date_format(today, tb));
    if ((ret = collect_steps_list(c, copy_step, &sa, err)))
        return ret;
    date_format(on, ob);
    struct arena page = ARENA_INIT;
    struct ctx pc = *c;
    pc.arena = &page;
    struct due_bill *bills = arena_alloc(c->arena, (size_t)batch * sizeof(*bills));
    for (bool more = true; more && !ret;) {
        int64_t n = 0;
        arena_reset(&page);
        if ((ret = store_begin(c->db, err)))
            break;
        struct store_stmt *st = store_q(c->db, Q_COLLECT_REMIND_PAGE);
        store_bind_text(st, 1, ob);
        store_bind_text(st, 2, cur_due);
        store_bind_i64(st, 3, cur_id);
        store_bind_i64(st, 4, batch);
        while ((ret = store_step(st, err)) == STORE_ROW) {
            struct due_bill *b = &bills[n++];
            b->bill_id = store_col_i64(st, 0);
            b->account_id = store_col_i64(st, 1);
            b->account_no = ctx_col_text(&pc, st, 2);
            b->customer = ctx_col_text(&pc, st, 3);
            b->bill_no = ctx_col_text(&pc, st, 4);
            b->period = ctx_col_text(&pc, st, 5);
            b->due_on = ctx_col_text(&pc, st, 6);
            b->principal_fen = store_col_i64(st, 7);
            b->fee_fen = store_col_i64(st, 8);
            b->last_days = store_col_null(st, 9) ? -1 : store_col_i64(st, 9);
            b->grade = store_col_null(st, 10) ? 'B' : store_col_text(st, 10)[0];
        }
        store_reset(st);
        if (ret >= 0)
            ret = 0;
        more = n == batch;
        for (int64_t i = 0; !ret && i < n; i++) {
            r->bills++;
            ret = remind_bill(&pc, &bills[i], steps, sa.n, on, r, err);
        }
        if (n) {
            snprintf(cur_due, sizeof(cur_due), "%s", bills[n - 1].due_on);
            cur_id = bills[n - 1].bill_id;
        }
        ret = store_end(c->db, ret, err);
    }
    arena_release(&page);
    if (ret)
        return ret;
    char detail[160];
    snprintf(detail, sizeof(detail),
             "%" PRId64 " overdue bills, %" PRId64 " queued (sms %" PRId64 ", wechat %" PRId64
             ", letter %" PRId64 ")",
             r->bills, r->queued, r->by_channel[0], r->by_channel[1], r->by_channel[2]);
    struct audit_rec ar = { "collect.remind", "outbox", ob, NULL, NULL, detail };
    return audit_in_tx(c, &ar, err);
}
