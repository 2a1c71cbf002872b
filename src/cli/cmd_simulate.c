/*
 * pmis tariff simulate: re-bill a period's consumption under a proposed tariff, writing
 * nothing, and report the revenue and bill changes by user type, tier and org (manual 3.4).
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "core/xalloc.h"
#include "cli/cli.h"
#include "domain/bill.h"

/* change in 0.01 % of the old amount, "+3.52%" */
static const char *pct(int64_t old_fen, int64_t new_fen, char *buf, size_t n)
{
    if (!old_fen) {
        snprintf(buf, n, "-");
        return buf;
    }
    __extension__ __int128 d = (__int128)(new_fen - old_fen) * 10000;
    int64_t e2 = (int64_t)(d / old_fen);
    int64_t a = e2 < 0 ? -e2 : e2;
    snprintf(buf, n, "%s%" PRId64 ".%02" PRId64 "%%", e2 < 0 ? "-" : "+", a / 100, a % 100);
    return buf;
}

int cmd_tariff_simulate(struct cli *cli, int argc, char **argv)
{
    const char *code = NULL, *file = NULL, *period = NULL, *against = NULL;
    const struct opt_spec specs[] = {
        { "tariff", OPT_STR, &code, "CODE", "the proposed tariff, already loaded" },
        { "file", OPT_STR, &file, "FILE.json", "the proposed tariff from a file (not loaded)" },
        { "period", OPT_STR, &period, "YYYY-MM", "the period to re-bill (required)" },
        { "against", OPT_STR, &against, "CODE",
          "re-bill the bills of this tariff (default: the proposed tariff's code)" },
        OPT_SPEC_END,
    };
    cli->usage = "(--tariff CODE | --file FILE.json) --period YYYY-MM [--against CODE]\n\n"
                 "Re-prices the period's bills from their stored consumption under the proposed\n"
                 "tariff and reports the revenue change by user type, highest tier and org.\n"
                 "Nothing is written.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period || (!code == !file))
        return error(&cli->err, ERR_USAGE, "give --period and one of --tariff or --file");
    struct period p;
    if ((rc = period_parse(period, &p, &cli->err)))
        return rc;
    struct tariff_set *ts = NULL;
    struct tariff **own = NULL;
    size_t nown = 0;
    const struct tariff *t = NULL;
    if (file) {
        if ((rc = cli_tariff_file(cli, file, &own, &nown)))
            return rc;
        /* a file of several tariffs: the one named by --against */
        for (size_t i = 0; i < nown && !t; i++)
            if (nown == 1 || (against && !strcmp(tariff_code(own[i]), against)))
                t = own[i];
        if (!t) {
            tariff_free_all(own, nown);
            return error(&cli->err, ERR_USAGE,
                         "%s holds %zu tariffs: name the one to simulate with --against CODE", file,
                         nown);
        }
    } else {
        if ((rc = tariff_set_load(&cli->ctx, &ts, &cli->err)))
            return rc;
        if (!(t = tariff_set_find(ts, code))) {
            tariff_set_free(ts);
            return error(&cli->err, ERR_NOT_FOUND, "no tariff '%s'", code);
        }
    }
    struct bill_sim_result *r = xcalloc(1, sizeof(*r));
    rc = bill_simulate(&cli->ctx, p, against, t, r, &cli->err);
    if (rc)
        goto out;
    char a[MONEY_BUF_SIZE], b[MONEY_BUF_SIZE], d[MONEY_BUF_SIZE], e[ENERGY_BUF_SIZE], q[32];
    if (cli->json) {
        json_t *j = json_object(), *groups = json_array();
        json_object_set_new(j, "period", json_string(period));
        json_object_set_new(j, "tariff", json_string(tariff_code(t)));
        json_object_set_new(j, "bills", json_integer(r->bills));
        json_object_set_new(j, "old_total", cli_json_money(r->old_fen));
        json_object_set_new(j, "new_total", cli_json_money(r->new_fen));
        json_object_set_new(j, "change", cli_json_money(r->new_fen - r->old_fen));
        json_object_set_new(j, "up", json_integer(r->up));
        json_object_set_new(j, "down", json_integer(r->down));
        json_object_set_new(j, "same", json_integer(r->same));
        json_object_set_new(j, "failed", json_integer(r->failed));
        for (int i = 0; i < r->ngroups; i++) {
            const struct bill_sim_group *g = &r->groups[i];
            json_t *o = json_object();
            json_object_set_new(o, "by", json_string(g->kind));
            json_object_set_new(o, "key", json_string(g->key));
            json_object_set_new(o, "bills", json_integer(g->bills));
            json_object_set_new(o, "energy_kwh", cli_json_kwh(g->energy_wh));
            json_object_set_new(o, "old_total", cli_json_money(g->old_fen));
            json_object_set_new(o, "new_total", cli_json_money(g->new_fen));
            json_object_set_new(o, "change", cli_json_money(g->new_fen - g->old_fen));
            json_array_append_new(groups, o);
        }
        json_object_set_new(j, "groups", groups);
        cli_json_out(j);
    } else {
        printf("what-if for %s under %s (nothing written)\n", period, tariff_code(t));
        printf("bills %" PRId64 ": %" PRId64 " up, %" PRId64 " down, %" PRId64 " unchanged\n",
               r->bills, r->up, r->down, r->same);
        printf("revenue %s -> %s yuan (%s, %s)\n", money_format_grouped(r->old_fen, a),
               money_format_grouped(r->new_fen, b),
               money_format_grouped(r->new_fen - r->old_fen, d),
               pct(r->old_fen, r->new_fen, q, sizeof(q)));
        const char *kinds[] = { "type", "tier", "org" };
        for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
            printf("by %s\n", kinds[k]);
            for (int i = 0; i < r->ngroups; i++) {
                const struct bill_sim_group *g = &r->groups[i];
                if (strcmp(g->kind, kinds[k]))
                    continue;
                printf("  %-16s %8" PRId64 " bills %14s kWh %16s -> %16s  %s\n", g->key, g->bills,
                       energy_format_kwh(g->energy_wh, e), money_format_grouped(g->old_fen, a),
                       money_format_grouped(g->new_fen, b),
                       pct(g->old_fen, g->new_fen, q, sizeof(q)));
            }
        }
        if (r->failed)
            printf("could not price %" PRId64 " bills; first: %s\n", r->failed, r->first_error);
    }
out:
    bill_sim_release(r);
    free(r);
    if (ts)
        tariff_set_free(ts);
    if (own)
        tariff_free_all(own, nown);
    return rc;
}
