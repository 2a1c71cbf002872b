/*
 * Callback answers (see survey.h; manual 6.3): validation against the template in force, the
 * once-per-order rule, and the follow-up order of a dissatisfied answer, opened through
 * ticket_add() inside the same transaction and linked by events on both orders (ticket_record).
 */
#include "domain/survey.h"

#include "core/common.h"
#include "domain/audit.h"
#include "domain/customer.h"
#include "domain/ticket_int.h"

#define SURVEY_COMMENT_MAX 2000

/* ---- reading answers ---- */

static void response_read(struct ctx *c, struct store_stmt *st, struct survey_response *r)
{
    memset(r, 0, sizeof(*r));
    r->id = store_col_i64(st, 0);
    r->ticket_id = store_col_i64(st, 1);
    r->follow_up_id = store_col_i64(st, 2);
    r->answered_at = store_col_i64(st, 3);
    r->result = ctx_col_text(c, st, 4);
    r->result_zh = ctx_col_text(c, st, 5);
    r->comment = ctx_col_text(c, st, 6);
    r->channel = ctx_col_text(c, st, 7);
    r->period = ctx_col_text(c, st, 8);
    r->recorded_by = ctx_col_text(c, st, 9);
    r->org_code = ctx_col_text(c, st, 10);
    r->type = ctx_col_text(c, st, 11);
    r->cust_no = ctx_col_text(c, st, 12);
    r->template_code = ctx_col_text(c, st, 13);
    r->template_version = store_col_i64(st, 14);
}

static int response_scores(struct ctx *c, struct survey_response *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SURVEY_SCORES);
    int ret = 0;
    store_bind_i64(st, 1, r->id);
    r->nscores = 0;
    while ((ret = store_step(st, err)) == STORE_ROW)
        if (r->nscores < SURVEY_DIMS_MAX)
            r->scores[r->nscores++] = (struct survey_score){ ctx_col_text(c, st, 0),
                                                             store_col_i64(st, 1) };
    store_reset(st);
    return ret;
}

int survey_get(struct ctx *c, int64_t ticket_id, struct survey_response *out, bool *found,
               struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SURVEY_GET);
    store_bind_i64(st, 1, ticket_id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    *found = false;
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    response_read(c, st, out);
    store_reset(st);
    *found = true;
    return response_scores(c, out, err);
}

int survey_list(struct ctx *c, const struct survey_filter *f, survey_fn *fn, void *arg,
                struct err *err)
{
    int64_t org_id = 0;
    int ret;
    if (f->result && (ret = ctx_check_code(c, "result", "survey_result", f->result, err)))
        return ret;
    if (f->type && (ret = ticket_type_get(c, f->type, NULL, NULL, NULL, err)))
        return ret;
    if (f->org_code && (ret = ctx_org_id(c, f->org_code, &org_id, err)))
        return ret;
    int64_t cust_id = 0;
    if (f->cust_no && (ret = customer_id_get(c, f->cust_no, &cust_id, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_LIST);
    store_bind_text(st, 1, f->period);
    store_bind_text(st, 2, f->result);
    store_bind_text(st, 3, f->type);
    if (org_id)
        store_bind_i64(st, 4, org_id);
    else
        store_bind_null(st, 4);
    store_bind_i64(st, 5, f->after_id);
    store_bind_i64(st, 6, f->limit > 0 ? f->limit : 100);
    ctx_bind_scope(c, st, 7);
    store_bind_i64(st, 8, cust_id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct survey_response r;
        response_read(c, st, &r);
        if (!(ret = response_scores(c, &r, err)))
            ret = fn(arg, &r);
    }
    store_reset(st);
    return ret;
}

/* ---- recording ---- */

/* The scores against template `t`: known dimensions, 1..5, each once, all or none. */
static int check_scores(const struct survey_in *in, const struct survey_template *t,
                        int64_t *weights, struct err *err)
{
    for (size_t i = 0; i < in->nscores; i++) {
        const struct survey_score *s = &in->scores[i];
        size_t k = 0;
        while (k < t->ndims && strcmp(t->dims[k].dimension, s->dimension))
            k++;
        if (k == t->ndims) {
            struct strbuf sb = STRBUF_INIT;
            for (size_t j = 0; j < t->ndims; j++)
                strbuf_addf(&sb, "%s%s", j ? ", " : "", t->dims[j].dimension);
            error(err, ERR_INVALID, "'%s' is not a dimension of survey template %s v%" PRId64
                  " (%s)", s->dimension, t->code, t->version, sb.buf);
            strbuf_release(&sb);
            return err_field(err, "scores");
        }
        if (s->score < 1 || s->score > 5)
            return error(err, ERR_INVALID, "score of '%s' is %" PRId64 ": scores are 1 (very "
                         "dissatisfied) to 5 (very satisfied)", s->dimension, s->score),
                   err_field(err, "scores");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(in->scores[j].dimension, s->dimension))
                return error(err, ERR_INVALID, "dimension '%s' is scored twice", s->dimension),
                       err_field(err, "scores");
        weights[i] = t->dims[k].weight;
    }
    if (in->nscores && in->nscores != t->ndims) {
        for (size_t k = 0; k < t->ndims; k++) {
            size_t i = 0;
            while (i < in->nscores && strcmp(in->scores[i].dimension, t->dims[k].dimension))
                i++;
            if (i == in->nscores)
                return error(err, ERR_INVALID, "dimension '%s' (%s) is not scored: score every "
                             "dimension of the template or none", t->dims[k].dimension,
                             t->dims[k].name_zh),
                       err_field(err, "scores");
        }
    }
    return 0;
}

static bool same_answer(struct survey_response *old, const struct survey_in *in,
                        const char *comment)
{
    if (strcmp(old->result, in->result) || (!old->comment) != (!comment) ||
        (comment && strcmp(old->comment, comment)) || old->nscores != in->nscores)
        return false;
    for (size_t i = 0; i < in->nscores; i++) {
        size_t k = 0;
        while (k < old->nscores && strcmp(old->scores[k].dimension, in->scores[i].dimension))
            k++;
        if (k == old->nscores || old->scores[k].score != in->scores[i].score)
            return false;
    }
    return true;
}

/* The follow-up order of a dissatisfied answer about order `t`, and the events linking them. */
static int open_follow_up(struct ctx *c, const struct ticket *t, const char *channel,
                          const char *comment, int64_t *fid, int64_t now, struct err *err)
{
    struct ticket_in in = {
        .type = t->type,
        .subtype = *t->subtype ? t->subtype : NULL,
        .channel = channel,
        .severity = t->severity,
        .area = t->area,
        .cust_no = t->cust_no,
        .org_code = t->org_code,
        .text = arena_sprintf(c->arena, "回访不满意，跟进工单 %" PRId64 "：%s", t->id, comment),
    };
    struct ticket f;
    int ret = ticket_add(c, &in, fid, err);
    if (!ret && !(ret = ticket_get(c, *fid, &f, err)))
        ret = ticket_record(c, &f, "follow_up", f.state,
                            arena_sprintf(c->arena, "follow-up of work order %" PRId64
                                          " after a dissatisfied callback", t->id), now, err);
    return ret;
}

static int insert_answer(struct ctx *c, const struct survey_in *in, const struct ticket *t,
                         const struct survey_template *tpl, const int64_t *weights,
                         const char *comment, const char *channel, int64_t *id, struct err *err)
{
    struct date today;
    char p[PERIOD_BUF_SIZE];
    int ret = ctx_today(c, &today, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_ADD);
    store_bind_i64(st, 1, t->id);
    store_bind_i64(st, 2, tpl->id);
    store_bind_i64(st, 3, t->org_id);
    store_bind_text(st, 4, t->type);
    store_bind_text(st, 5, in->result);
    store_bind_text(st, 6, comment);
    store_bind_text(st, 7, channel);
    store_bind_text(st, 8, period_format(period_of(today), p));
    store_bind_i64(st, 9, ctx_now(c));
    store_bind_text(st, 10, c->actor);
    if ((ret = store_one(st, err)))
        return ret;
    *id = store_col_i64(st, 0);
    store_reset(st);
    for (size_t i = 0; !ret && i < in->nscores; i++) {
        st = store_q(c->db, Q_SURVEY_SCORE_ADD);
        store_bind_i64(st, 1, *id);
        store_bind_text(st, 2, in->scores[i].dimension);
        store_bind_i64(st, 3, in->scores[i].score);
        store_bind_i64(st, 4, weights[i]);
        ret = store_exec(st, err);
    }
    return ret;
}

int survey_record(struct ctx *c, const struct survey_in *in, struct survey_response *out,
                  bool *duplicate, struct err *err)
{
    struct ticket t;
    struct survey_template tpl;
    struct survey_response old;
    struct date today;
    int64_t weights[SURVEY_DIMS_MAX], id = 0, fid = 0, now = ctx_now(c);
    bool found;
    const char *comment = ctx_trim(c, in->comment);
    const char *channel = in->channel ? in->channel : "phone";
    int ret;
    *duplicate = false;
    if (comment && !*comment)
        comment = NULL;
    if (!in->result)
        return error(err, ERR_INVALID, "a survey answer needs its result (satisfied, "
                     "basically_satisfied, dissatisfied)"), err_field(err, "result");
    if ((ret = ctx_check_code(c, "result", "survey_result", in->result, err)) ||
        (ret = ctx_check_code(c, "channel", "ticket_channel", channel, err)))
        return ret;
    if (comment && strlen(comment) > SURVEY_COMMENT_MAX)
        return error(err, ERR_INVALID, "the comment is over %d bytes", SURVEY_COMMENT_MAX),
               err_field(err, "comment");
    if (!comment && !strcmp(in->result, "dissatisfied"))
        return error(err, ERR_INVALID, "a dissatisfied answer needs a comment saying what the "
                     "customer is unhappy about (it opens the follow-up order)"),
               err_field(err, "comment");
    if ((ret = ctx_today(c, &today, err)) ||
        (ret = survey_template_get(c, in->template_code ? in->template_code : "callback", today,
                                   &tpl, err)) ||
        (ret = check_scores(in, &tpl, weights, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, in->ticket_id, &t, err)) ||
        (ret = survey_get(c, in->ticket_id, &old, &found, err)))
        goto out;
    if (found) {
        char b[INSTANT_BUF_SIZE];
        if (same_answer(&old, in, comment)) {
            *duplicate = true;
            if (out)
                *out = old;
            goto out;
        }
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " was already surveyed at %s (%s, "
                    "by %s): a callback answer is recorded once per order", t.id,
                    instant_format(old.answered_at, b), old.result, old.recorded_by);
        goto out;
    }
    if (strcmp(t.state, "archived")) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s (%s): only a closed "
                    "(archived) order is surveyed", t.id, ticket_state_zh(t.state), t.state);
        goto out;
    }
    if ((ret = insert_answer(c, in, &t, &tpl, weights, comment, channel, &id, err)))
        goto out;
    bool unhappy = !strcmp(in->result, "dissatisfied");
    if (unhappy) {
        struct store_stmt *st;
        if ((ret = open_follow_up(c, &t, channel, comment, &fid, now, err)))
            goto out;
        st = store_q(c->db, Q_SURVEY_SET_FOLLOW_UP);
        store_bind_i64(st, 1, id);
        store_bind_i64(st, 2, fid);
        if ((ret = store_exec(st, err)))
            goto out;
    }
    const char *note = arena_sprintf(c->arena, "callback: %s%s%s", in->result,
                                     comment ? ": " : "", comment ? comment : "");
    if (unhappy)
        note = arena_sprintf(c->arena, "%s; follow-up order %" PRId64, note, fid);
    if ((ret = ticket_record(c, &t, "survey", t.state, note, now, err)))
        goto out;
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < in->nscores; i++)
        strbuf_addf(&sb, "|%s=%" PRId64, in->scores[i].dimension, in->scores[i].score);
    struct audit_rec ar = {
        .action = "survey.record",
        .entity = "survey",
        .entity_key = arena_sprintf(c->arena, "%" PRId64, t.id),
        .after = arena_sprintf(c->arena, "%s|%s|%s|%s v%" PRId64 "%s", in->result,
                               comment ? comment : "", channel, tpl.code, tpl.version,
                               sb.len ? sb.buf : ""),
        .detail = unhappy ? arena_sprintf(c->arena, "%s, follow-up order %" PRId64, in->result,
                                          fid)
                          : in->result,
    };
    strbuf_release(&sb);
    if ((ret = audit_append(c, &ar, err)))
        goto out;
    if (out && !(ret = survey_get(c, t.id, out, &found, err)) && !found)
        BUG("survey of work order %" PRId64 " vanished", t.id);
out:
    return store_end(c->db, ret, err);
}
