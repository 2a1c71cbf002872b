/*
 * POST /api/v1/tariffs/simulate: what `pmis tariff simulate` does — re-price a period's bills
 * from their stored consumption under a proposed tariff, writing nothing (bill_sim.c). The
 * tariff is a loaded one's code or a tariff document (the JSON of `pmis tariff load`, not
 * loaded). The figures cover every org, so a caller of a subtree is refused (R_WHOLE_TREE).
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "core/xalloc.h"
#include "api/api.h"
#include "domain/bill.h"
#include "domain/tariff.h"

static json_t *sim_json(struct period p, const struct tariff *t, const struct bill_sim_result *r)
{
    char pb[PERIOD_BUF_SIZE], e[ENERGY_BUF_SIZE];
    json_t *groups = json_array();
    for (int i = 0; i < r->ngroups; i++) {
        const struct bill_sim_group *g = &r->groups[i];
        json_array_append_new(groups, json_pack("{s:s,s:s,s:I,s:s,s:o,s:o,s:o}", "by", g->kind,
                                                "key", g->key, "bills", (json_int_t)g->bills,
                                                "energy_kwh", energy_format_kwh(g->energy_wh, e),
                                                "old_total", api_json_money(g->old_fen),
                                                "new_total", api_json_money(g->new_fen), "change",
                                                api_json_money(g->new_fen - g->old_fen)));
    }
    return json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:o,s:o}", "period",
                     period_format(p, pb), "tariff", tariff_code(t), "bills", (json_int_t)r->bills,
                     "old_total", api_json_money(r->old_fen), "new_total",
                     api_json_money(r->new_fen), "change", api_json_money(r->new_fen - r->old_fen),
                     "up", (json_int_t)r->up, "down", (json_int_t)r->down, "same",
                     (json_int_t)r->same, "failed", (json_int_t)r->failed, "first_error",
                     r->failed ? json_string(r->first_error) : json_null(), "groups", groups);
}

int api_tariff_simulate(struct api_req *r)
{
    static const char *const known[] = { "period", "tariff", "against", NULL };
    const char *period, *against, *code = NULL;
    json_t *doc = json_object_get(r->json, "tariff");
    struct period p;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "period", true, &period)) ||
        (rc = api_body_str(r, "against", false, &against)))
        return rc;
    if (period_parse(period, &p, &r->err))
        return error_prefix(&r->err, "field '%s': ", "period"), err_field(&r->err, "period");
    if (!json_is_object(doc) && (rc = api_body_str(r, "tariff", true, &code)))
        return rc;
    struct tariff_set *ts = NULL;
    struct tariff **own = NULL;
    size_t nown = 0;
    const struct tariff *t = NULL;
    if (code) {
        if ((rc = tariff_set_load(&r->ctx, &ts, &r->err)))
            return rc;
        if (!(t = tariff_set_find(ts, code)))
            rc = error(&r->err, ERR_INVALID, "field 'tariff': no tariff '%s'", code);
    } else {
        char *text = json_dumps(doc, JSON_COMPACT);
        rc = tariff_parse_json_all(text, strlen(text), &own, &nown, &r->err);
        free(text);
        if (rc)
            error_prefix(&r->err, "field '%s': ", "tariff");
        /* a document of several tariffs: the one named by 'against' */
        for (size_t i = 0; !rc && i < nown && !t; i++)
            if (nown == 1 || (against && !strcmp(tariff_code(own[i]), against)))
                t = own[i];
        if (!rc && !t)
            rc = error(&r->err, ERR_INVALID,
                       "field 'tariff' holds %zu tariffs: name the one to simulate in 'against'",
                       nown);
    }
    struct bill_sim_result *res = NULL;
    if (!rc) {
        res = xcalloc(1, sizeof(*res));
        if ((rc = bill_simulate(&r->ctx, p, against, t, res, &r->err)) == 0)
            rc = api_reply(r, 200, sim_json(p, t, res));
    }
    if (rc == ERR_INVALID && !r->err.field[0])
        err_field(&r->err, "tariff");
    if (res)
        bill_sim_release(res);
    free(res);
    if (ts)
        tariff_set_free(ts);
    if (own)
        tariff_free_all(own, nown);
    return rc;
}
