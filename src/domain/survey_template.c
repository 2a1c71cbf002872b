/*
 * Survey templates (回访问卷, see survey.h): versions of a code in force from a date, each with
 * its dimensions (code list survey_dimension) and integer weights adding up to 100. A new
 * version is appended, never edited, so answers keep the weights they were given with.
 */
#include "domain/survey.h"

#include "core/common.h"
#include "core/vec.h"
#include "domain/audit.h"

static int template_dims(struct ctx *c, struct survey_template *t, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SURVEY_TEMPLATE_DIMS);
    int ret = 0;
    store_bind_i64(st, 1, t->id);
    t->ndims = 0;
    while ((ret = store_step(st, err)) == STORE_ROW) {
        if (t->ndims == SURVEY_DIMS_MAX)
            continue;
        struct survey_dim *d = &t->dims[t->ndims++];
        d->dimension = ctx_col_text(c, st, 0);
        d->name_zh = ctx_col_text(c, st, 1);
        d->question_zh = ctx_col_text(c, st, 2);
        d->weight = store_col_i64(st, 3);
    }
    store_reset(st);
    return ret;
}

static void template_read(struct ctx *c, struct store_stmt *st, struct survey_template *t)
{
    t->id = store_col_i64(st, 0);
    t->code = ctx_col_text(c, st, 1);
    t->version = store_col_i64(st, 2);
    t->name_zh = ctx_col_text(c, st, 3);
    t->effective_on = ctx_col_text(c, st, 4);
}

int survey_template_get(struct ctx *c, const char *code, struct date day,
                        struct survey_template *out, struct err *err)
{
    char d[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_SURVEY_TEMPLATE_AT);
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, date_format(day, d));
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND) {
        error(err, ERR_NOT_FOUND, "no survey template '%s' in force on %s", code, d);
        return err_field(err, "template");
    }
    if (ret)
        return ret;
    template_read(c, st, out);
    store_reset(st);
    return template_dims(c, out, err);
}

int survey_templates(struct ctx *c, survey_template_fn *fn, void *arg, struct err *err)
{
    /* versions first (one statement at a time), then their dimensions */
    VEC(struct survey_template) v = VEC_INIT;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_TEMPLATES);
    int ret = 0;
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct survey_template t = { 0 };
        template_read(c, st, &t);
        VEC_PUSH(&v, t);
    }
    store_reset(st);
    for (size_t i = 0; !ret && i < v.n; i++)
        if (!(ret = template_dims(c, &v.v[i], err)))
            ret = fn(arg, &v.v[i]);
    VEC_FREE(&v);
    return ret;
}

int survey_template_add(struct ctx *c, const struct survey_template *in, int64_t *version_out,
                        struct err *err)
{
    int64_t sum = 0, id = 0, version = 1;
    struct date from;
    char day[DATE_BUF_SIZE];
    const char *code = ctx_trim(c, in->code), *name = ctx_trim(c, in->name_zh);
    int ret;
    if (!code || !*code || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(code) ||
        strlen(code) > 32)
        return error(err, ERR_INVALID, "template code '%s' is not 1-32 of a-z, 0-9 and _",
                     code ? code : ""), err_field(err, "code");
    if (!name || !*name || strlen(name) > 200)
        return error(err, ERR_INVALID, "a survey template needs a name (at most 200 bytes)"),
               err_field(err, "name");
    if (!in->effective_on || date_parse(in->effective_on, &from, err))
        return error(err, ERR_INVALID, "the first day of the version is not a date (YYYY-MM-DD)"),
               err_field(err, "effective_on");
    date_format(from, day);
    for (size_t i = 0; i < in->ndims; i++) {
        if ((ret = ctx_check_code(c, "dimension", "survey_dimension", in->dims[i].dimension, err)))
            return ret;
        if (in->dims[i].weight < 1 || in->dims[i].weight > 100)
            return error(err, ERR_INVALID, "the weight of '%s' is %" PRId64 ": 1 to 100",
                         in->dims[i].dimension, in->dims[i].weight),
                   err_field(err, "weights");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(in->dims[j].dimension, in->dims[i].dimension))
                return error(err, ERR_INVALID, "dimension '%s' is given twice",
                             in->dims[i].dimension), err_field(err, "weights");
        sum += in->dims[i].weight;
    }
    if (sum != 100)
        return error(err, ERR_INVALID, "the weights add up to %" PRId64 ", not 100", sum),
               err_field(err, "weights");
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_TEMPLATE_LATEST);
    store_bind_text(st, 1, code);
    ret = store_one(st, err);
    if (!ret) {
        version = store_col_i64(st, 0) + 1;
        const char *last = ctx_col_text(c, st, 1);
        store_reset(st);
        if (strcmp(day, last) <= 0) {
            ret = error(err, ERR_CONFLICT, "survey template %s v%" PRId64 " is in force from %s: "
                        "a new version starts after that", code, version - 1, last);
            goto out;
        }
    } else if (ret == ERR_NOT_FOUND) {
        ret = 0;
    } else {
        goto out;
    }
    st = store_q(c->db, Q_SURVEY_TEMPLATE_ADD);
    store_bind_text(st, 1, code);
    store_bind_i64(st, 2, version);
    store_bind_text(st, 3, name);
    store_bind_text(st, 4, day);
    store_bind_i64(st, 5, ctx_now(c));
    store_bind_text(st, 6, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    id = store_col_i64(st, 0);
    store_reset(st);
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; !ret && i < in->ndims; i++) {
        st = store_q(c->db, Q_SURVEY_TEMPLATE_DIM_ADD);
        store_bind_i64(st, 1, id);
        store_bind_i64(st, 2, in->dims[i].weight);
        store_bind_i64(st, 3, (int64_t)i + 1);
        store_bind_text(st, 4, in->dims[i].dimension);
        ret = store_exec(st, err);
        strbuf_addf(&sb, "|%s=%" PRId64, in->dims[i].dimension, in->dims[i].weight);
    }
    struct audit_rec ar = {
        .action = "survey.template",
        .entity = "survey_template",
        .entity_key = arena_sprintf(c->arena, "%s v%" PRId64, code, version),
        .after = arena_sprintf(c->arena, "%s|%s%s", name, day, sb.buf),
    };
    strbuf_release(&sb);
    if (!ret && !(ret = audit_append(c, &ar, err)))
        *version_out = version;
out:
    return store_end(c->db, ret, err);
}
