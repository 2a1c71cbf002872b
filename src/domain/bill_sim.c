/* What-if re-billing under a proposed tariff (bill.h: bill_simulate). Writes nothing. */
#include "domain/bill.h"

#include "core/xalloc.h"
#include "domain/bill_text.h"

static struct bill_sim_group *group(struct bill_sim_result *r, const char *kind, const char *key)
{
    for (int i = 0; i < r->ngroups; i++)
        if (!strcmp(r->groups[i].kind, kind) && !strcmp(r->groups[i].key, key))
            return &r->groups[i];
    /* as many as there are: a province has hundreds of 供电所 (a fixed 64 dropped the rest) */
    if (r->ngroups == r->capgroups) {
        r->capgroups = r->capgroups ? 2 * r->capgroups : 32;
        r->groups = xreallocarray(r->groups, (size_t)r->capgroups, sizeof(*r->groups));
    }
    struct bill_sim_group *g = &r->groups[r->ngroups++];
    memset(g, 0, sizeof(*g));
    snprintf(g->kind, sizeof(g->kind), "%s", kind);
    snprintf(g->key, sizeof(g->key), "%s", key);
    return g;
}

void bill_sim_release(struct bill_sim_result *r)
{
    free(r->groups);
    r->groups = NULL;
    r->ngroups = r->capgroups = 0;
}

static void count(struct bill_sim_group *g, int64_t wh, int64_t old_fen, int64_t new_fen)
{
    g->bills++;
    g->energy_wh += wh;
    g->old_fen += old_fen;
    g->new_fen += new_fen;
}

/* The highest tier a quote reached, from its part labels ("tier1".."tier9"); "tier1" when
 * no part names a tier (all in the first tier, or no tiers). */
static void top_tier(const struct quote *q, char out[8])
{
    int best = 0;
    for (int i = 0; i < q->nlines; i++)
        for (int j = 0; j < q->lines[i].nparts; j++) {
            const char *l = q->lines[i].parts[j].label;
            if (l && !strncmp(l, "tier", 4) && l[4] >= '1' && l[4] <= '9' && l[4] - '0' > best)
                best = l[4] - '0';
        }
    /* no tier part: all in the first tier, or a tariff without tiers */
    memcpy(out, "tier", 4);
    out[4] = (char)('0' + (best ? best : 1));
    out[5] = '\0';
}

/* groups in the order of a report: by type, then tier, then org, each by key */
static int group_cmp(const void *a, const void *b)
{
    static const char *const kinds[] = { "type", "tier", "org" };
    const struct bill_sim_group *x = a, *y = b;
    size_t i = 0, j = 0;
    while (i < ARRAY_SIZE(kinds) && strcmp(kinds[i], x->kind))
        i++;
    while (j < ARRAY_SIZE(kinds) && strcmp(kinds[j], y->kind))
        j++;
    return i != j ? (i < j ? -1 : 1) : strcmp(x->key, y->key);
}

int bill_simulate(struct ctx *c, struct period period, const char *code,
                  const struct tariff *proposed, struct bill_sim_result *r, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    int64_t after = 0;
    int ret = 0;
    /* a page's decoded usage goes to an arena of the simulation's own, reset per page: the
     * caller's (an HTTP request's holds its method, path and user) is not ours to reset */
    struct arena page = ARENA_INIT;

    memset(r, 0, sizeof(*r));
    if (!code)
        code = tariff_code(proposed);
    period_format(period, pb);
    for (;;) {
        struct store_stmt *st = store_q(c->db, Q_BILL_SIM_PAGE);
        int n = 0;
        store_bind_text(st, 1, pb);
        store_bind_text(st, 2, code);
        store_bind_i64(st, 3, after);
        store_bind_i64(st, 4, 1000);
        arena_reset(&page);
        while ((ret = store_step(st, err)) == STORE_ROW) {
            struct usage u;
            struct quote q;
            struct err qe = ERR_INIT;
            int64_t old_fen = store_col_i64(st, 2), wh = store_col_i64(st, 3);
            char tier[8];
            after = store_col_i64(st, 0);
            n++;
            if (bill_usage_decode(store_col_text(st, 1), &page, &u, &qe) ||
                tariff_quote(proposed, &u, &q, &qe)) {
                if (!r->failed++)
                    snprintf(r->first_error, sizeof(r->first_error), "bill #%" PRId64 ": %.200s",
                             after, qe.msg);
                continue;
            }
            r->bills++;
            r->energy_wh += wh;
            r->old_fen += old_fen;
            r->new_fen += q.total_fen;
            if (q.total_fen > old_fen)
                r->up++;
            else if (q.total_fen < old_fen)
                r->down++;
            else
                r->same++;
            top_tier(&q, tier);
            count(group(r, "type", u.user_type ? u.user_type : "?"), wh, old_fen, q.total_fen);
            count(group(r, "org", store_col_text(st, 4)), wh, old_fen, q.total_fen);
            count(group(r, "tier", tier), wh, old_fen, q.total_fen);
        }
        store_reset(st);
        if (ret < 0)
            break;
        ret = 0;
        if (!n)
            break;
    }
    arena_release(&page);
    if (r->ngroups > 1) /* not in the order the bills came in (which depends on their ids) */
        qsort(r->groups, (size_t)r->ngroups, sizeof(*r->groups), group_cmp);
    return ret;
}
