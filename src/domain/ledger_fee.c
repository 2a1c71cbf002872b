/*
 * Late fees (电费违约金, rules §6): policies by effective date, the exact daily accrual, the
 * nightly accrual over every overdue bill (a scoped caller's: those of its org subtree),
 * waivers.
 *
 * Each overdue day from the day after the due date to the payment day (both inclusive) costs
 * the unpaid principal × that day's rate: residential, or for other users the current-year
 * rate while the day is in the bill period's year and the cross-year rate after. The exact sum
 * is kept in millionths of a fen; the fee charged is that rounded half up to the fen, at least
 * the policy's minimum once anything accrued, and never less than was charged before.
 */
#include "domain/ledger.h"

#include "core/common.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/strmap.h"
#include "core/xalloc.h"
#include "domain/audit.h"
#include "domain/auth.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int fee_policies_load(struct ctx *c, struct fee_policies *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_POLICIES);
    int ret;
    out->n = 0;
    while ((ret = store_step(st, err)) == STORE_ROW) {
        if (out->n == FEE_POLICY_MAX) {
            store_reset(st);
            return error(err, ERR_CORRUPT, "more than %d late-fee policies", FEE_POLICY_MAX);
        }
        struct fee_policy *p = &out->p[out->n++];
        if ((ret = date_parse(store_col_text(st, 0), &p->from, err))) {
            store_reset(st);
            return ret;
        }
        p->resident_ppm = store_col_i64(st, 1);
        p->current_year_ppm = store_col_i64(st, 2);
        p->cross_year_ppm = store_col_i64(st, 3);
        p->min_fen = store_col_i64(st, 4);
        p->source = ctx_col_text(c, st, 5);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int fee_rate_parse(const char *s, int64_t *ppm, const char **why)
{
    if (decimal_parse(s, 3, 0, ppm, why))
        return -1;
    if (*ppm < 0) {
        *why = N_("must not be negative");
        return -1;
    }
    return 0;
}

int fee_policy_add(struct ctx *c, const struct fee_policy *p, struct err *err)
{
    struct fee_policies pol;
    char from[DATE_BUF_SIZE], detail[200];
    int ret;

    /* the fields are named as the API names them */
    const struct {
        int64_t ppm;
        const char *field;
    } rates[] = { { p->resident_ppm, "resident_permille" },
                  { p->current_year_ppm, "current_year_permille" },
                  { p->cross_year_ppm, "cross_year_permille" } };
    if (!date_is_valid(p->from))
        return error(err, ERR_INVALID, "a late-fee policy needs its effective date"),
               err_field(err, "from");
    for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
        if (rates[i].ppm < 0)
            return error(err, ERR_INVALID, "late-fee rates and the minimum cannot be negative"),
                   err_field(err, rates[i].field);
        if (rates[i].ppm > 100000)
            return error(err, ERR_INVALID, "a late-fee rate above 100‰ per day is not plausible"),
                   err_field(err, rates[i].field);
    }
    if (p->min_fen < 0)
        return error(err, ERR_INVALID, "late-fee rates and the minimum cannot be negative"),
               err_field(err, "min");
    if (!p->source || !*p->source)
        return error(err, ERR_INVALID, "a late-fee policy needs its source (the regulation)"),
               err_field(err, "source");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = fee_policies_load(c, &pol, err)))
        goto out;
    date_format(p->from, from);
    if (pol.n && date_cmp(p->from, pol.p[pol.n - 1].from) <= 0) {
        char last[DATE_BUF_SIZE];
        ret = error(err, ERR_CONFLICT,
                    "a new late-fee policy must take effect after the latest one (%s), not on %s",
                    date_format(pol.p[pol.n - 1].from, last), from);
        err_field(err, "from");
        goto out;
    }
    struct store_stmt *st = store_q(c->db, Q_LEDGER_POLICY_ADD);
    store_bind_text(st, 1, from);
    store_bind_i64(st, 2, p->resident_ppm);
    store_bind_i64(st, 3, p->current_year_ppm);
    store_bind_i64(st, 4, p->cross_year_ppm);
    store_bind_i64(st, 5, p->min_fen);
    store_bind_text(st, 6, p->source);
    store_bind_i64(st, 7, ctx_now(c));
    store_bind_text(st, 8, c->actor);
    if ((ret = store_exec(st, err)))
        goto out;
    snprintf(detail, sizeof(detail), "ppm %" PRId64 "/%" PRId64 "/%" PRId64 " min %" PRId64,
             p->resident_ppm, p->current_year_ppm, p->cross_year_ppm, p->min_fen);
    struct audit_rec ar = { "fee.policy", "late_fee_policy", from, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

static const struct fee_policy *policy_at(const struct fee_policies *pol, struct date day)
{
    const struct fee_policy *found = NULL;
    for (int i = 0; i < pol->n && date_cmp(pol->p[i].from, day) <= 0; i++)
        found = &pol->p[i];
    return found;
}

int fee_ufen(const struct fee_policies *pol, bool resident, int bill_year, int64_t principal_fen,
             struct date after, struct date through, int64_t *ufen, struct err *err)
{
    int64_t ppm_days = 0; /* Σ over the days of the day's rate: the fee is linear in them */
    int32_t from = date_to_days(after) + 1, to = date_to_days(through);
    /* the first day of a later year than the bill's: cross-year arrears from there on */
    int32_t cross = date_to_days((struct date){ bill_year + 1, 1, 1 });
    *ufen = 0;
    /* by runs of days with one rate: a policy's days, split where the year changes (the
     * nightly accrual of a million bills spent 8 % of its time pricing them day by day) */
    for (int32_t d = from; d <= to;) {
        int k = -1;
        while (k + 1 < pol->n && date_to_days(pol->p[k + 1].from) <= d)
            k++;
        if (k < 0) {
            char b[DATE_BUF_SIZE];
            return error(err, ERR_CONFIG, "no late-fee policy is in force on %s",
                         date_format(date_from_days(d), b));
        }
        const struct fee_policy *p = &pol->p[k];
        int32_t end = to;
        if (k + 1 < pol->n && date_to_days(pol->p[k + 1].from) - 1 < end)
            end = date_to_days(pol->p[k + 1].from) - 1;
        if (!resident && d < cross && cross - 1 < end)
            end = cross - 1;
        int64_t rate = resident ? p->resident_ppm
                       : d < cross ? p->current_year_ppm
                                   : p->cross_year_ppm;
        ppm_days += rate * (int64_t)(end - d + 1);
        d = end + 1;
    }
    __int128 v = (__int128)principal_fen * ppm_days;
    if (v > INT64_MAX || v < 0) {
        char m[MONEY_BUF_SIZE];
        return error(err, ERR_INVALID, "the late fee on %s yuan over %d days does not fit",
                     money_format(principal_fen, m), to - from + 1);
    }
    *ufen = (int64_t)v;
    return 0;
}

int64_t fee_charge(const struct fee_policies *pol, struct date day, int64_t ufen)
{
    if (ufen <= 0)
        return 0;
    int64_t fen = ufen / 1000000 + (ufen % 1000000 >= 500000);
    const struct fee_policy *p = policy_at(pol, day);
    return p && fen < p->min_fen ? p->min_fen : fen;
}

int ledger_rec_accrue(const struct fee_policies *pol, struct receivable *r, struct date through,
                      int64_t *added_fen, struct err *err)
{
    struct date after = r->due_on;
    int64_t u;
    int ret;

    *added_fen = 0;
    if (date_is_valid(r->fee_through) && date_cmp(r->fee_through, after) > 0)
        after = r->fee_through;
    if (date_cmp(through, after) <= 0 || r->paid_fen >= r->amount_fen)
        return 0;
    if ((ret = fee_ufen(pol, r->resident, r->bill_year, r->amount_fen - r->paid_fen, after,
                        through, &u, err)))
        return ret;
    if (u > INT64_MAX - r->fee_ufen)
        return error(err, ERR_INVALID, "the late fee of bill #%" PRId64 " does not fit",
                     r->bill_id);
    r->fee_ufen += u;
    r->fee_through = through;
    int64_t fen = fee_charge(pol, through, r->fee_ufen);
    if (fen > r->fee_fen) {
        *added_fen = fen - r->fee_fen;
        r->fee_fen = fen;
    }
    return 0;
}

/* PostgreSQL: the page's accounts are locked (in account order, as payments lock one) and the
 * page read again under the locks, then written in three statements. A receivable whose
 * account was not locked (it came into the page only now) is left for the next run. */
static int accrue_page_pg(struct ctx *c, const struct fee_policies *pol, struct date through,
                          struct receivable *recs, int64_t n, struct accrue_result *r,
                          struct err *err)
{
    struct strbuf js = STRBUF_INIT;
    struct strmap locked = STRMAP_INIT;
    char key[24], tb[DATE_BUF_SIZE];
    int64_t k = 0;
    int ret = 0;

    strbuf_addch(&js, '[');
    for (int64_t i = 0; i < n; i++)
        strbuf_addf(&js, "%s%" PRId64, i ? "," : "", recs[i].account_id);
    strbuf_addch(&js, ']');
    struct store_stmt *st = store_q(c->db, Q_LP_BALANCES_LOCK);
    store_bind_text(st, 1, js.buf);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        snprintf(key, sizeof(key), "%" PRId64, store_col_i64(st, 0));
        strmap_put(&locked, key, 0);
    }
    store_reset(st);
    if (ret < 0)
        goto out;
    /* again, under the locks: payments may have changed them */
    strbuf_reset(&js);
    strbuf_addch(&js, '[');
    for (int64_t i = 0; i < n; i++)
        strbuf_addf(&js, "%s%" PRId64, i ? "," : "", recs[i].bill_id);
    strbuf_addch(&js, ']');
    st = store_q(c->db, Q_LF_PAGE_AGAIN);
    store_bind_text(st, 1, js.buf);
    n = 0;
    while ((ret = store_step(st, err)) == STORE_ROW)
        ledger_rec_read(st, &recs[n++]);
    store_reset(st);
    if (ret < 0)
        goto out;
    ret = 0;

    struct strbuf ent = STRBUF_INIT;
    struct store_stmt *bulk;
    strbuf_reset(&js);
    strbuf_addch(&js, '[');
    strbuf_addch(&ent, '[');
    date_format(through, tb);
    if ((ret = store_bulk_begin(c->db, Q_LP_ENTRIES, &bulk, err))) {
        strbuf_release(&ent);
        goto out;
    }
    for (int64_t i = 0; i < n && !ret; i++) {
        struct receivable *rec = &recs[i];
        int64_t added;
        snprintf(key, sizeof(key), "%" PRId64, rec->account_id);
        if (rec->settled || !strmap_get(&locked, key, NULL) ||
            (date_is_valid(rec->fee_through) && date_cmp(rec->fee_through, through) >= 0) ||
            rec->paid_fen >= rec->amount_fen)
            continue;
        if ((ret = ledger_rec_accrue(pol, rec, through, &added, err)))
            break;
        strbuf_addf(&js, "%s{\"bill_id\":%" PRId64 ",\"ufen\":%" PRId64 ",\"fee\":%" PRId64 "}",
                    k++ ? "," : "", rec->bill_id, rec->fee_ufen, rec->fee_fen);
        if (!added)
            continue;
        strbuf_addf(&ent, "%s{\"account_id\":%" PRId64 ",\"delta\":%" PRId64 "}",
                    ent.len > 1 ? "," : "", rec->account_id, added);
        r->bills++;
        r->fee_fen += added;
        store_bind_i64(bulk, 1, rec->account_id);
        store_bind_text(bulk, 2, "late_fee");
        store_bind_i64(bulk, 3, added);
        store_bind_i64(bulk, 4, 0);
        store_bind_i64(bulk, 5, rec->bill_id);
        store_bind_null(bulk, 6);
        store_bind_text(bulk, 7, tb);
        store_bind_i64(bulk, 8, ctx_now(c));
        store_bind_text(bulk, 9, c->actor);
        store_bind_null(bulk, 10);
        ret = store_bulk_add(bulk, err);
    }
    if (ret)
        store_bulk_end(bulk, true, NULL, err);
    else
        ret = store_bulk_end(bulk, false, NULL, err);
    strbuf_addch(&js, ']');
    strbuf_addch(&ent, ']');
    if (!ret && k) {
        st = store_q(c->db, Q_LF_ACCRUED_PG);
        store_bind_text(st, 1, js.buf);
        store_bind_text(st, 2, tb);
        ret = store_exec(st, err);
    }
    if (!ret && ent.len > 2) { /* balances: several bills of one account add up */
        st = store_q(c->db, Q_LP_BALANCES_PG);
        store_bind_text(st, 1, ent.buf);
        store_bind_i64(st, 2, ctx_now(c));
        ret = store_exec(st, err);
    }
    strbuf_release(&ent);
out:
    strbuf_release(&js);
    strmap_release(&locked);
    return ret < 0 ? ret : 0;
}

/* A scoped caller (ctx.scope_org_id) accrues its subtree only: keep the page's receivables
 * of accounts in it, in order; *n becomes their number. */
static int keep_in_scope(struct ctx *c, struct receivable *recs, int64_t *n, struct err *err)
{
    struct strbuf js = STRBUF_INIT;
    struct strmap in = STRMAP_INIT;
    char key[24];
    int64_t k = 0;
    int ret;
    strbuf_addch(&js, '[');
    for (int64_t i = 0; i < *n; i++)
        strbuf_addf(&js, "%s%" PRId64, i ? "," : "", recs[i].account_id);
    strbuf_addch(&js, ']');
    struct store_stmt *st = store_q(c->db, Q_LF_SCOPE_ACCOUNTS);
    store_bind_text(st, 1, js.buf);
    ctx_bind_scope(c, st, 2);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        snprintf(key, sizeof(key), "%" PRId64, store_col_i64(st, 0));
        strmap_put(&in, key, 1);
    }
    store_reset(st);
    for (int64_t i = 0; i < *n && ret >= 0; i++) {
        snprintf(key, sizeof(key), "%" PRId64, recs[i].account_id);
        if (strmap_get(&in, key, NULL))
            recs[k++] = recs[i];
    }
    if (ret >= 0)
        *n = k;
    strbuf_release(&js);
    strmap_release(&in);
    return ret < 0 ? ret : 0;
}

#define LF_ROWS 16 /* late-fee rows per Q_LF_ENTRIES16 (SQLite) */

/* Where a part's walk stands: the last receivable of its last page (account, due date, bill),
 * and the last account of the part. */
struct accrue_cursor {
    int64_t account_id;
    struct date due;
    int64_t bill_id;
    int64_t last_account;
};

/* One page of the overdue receivables of a part (the accounts of its cursor's range), accrued
 * through `through`; the cursor moves past it. On SQLite each bill's receivable and balance are
 * updated at once, its ledger row waits for 15 more (the page is one transaction either way). */
static int accrue_page(struct ctx *c, const struct fee_policies *pol, struct date through,
                       struct receivable *recs, int64_t limit, struct accrue_cursor *cur,
                       struct accrue_result *r, bool *more, struct err *err)
{
    char tb[DATE_BUF_SIZE], cb[DATE_BUF_SIZE];
    int64_t n = 0;
    int ret = 0;
    date_format(through, tb);
    struct store_stmt *st = store_q(c->db, Q_LEDGER_REC_OVERDUE_RANGE);
    store_bind_text(st, 1, tb);
    store_bind_i64(st, 2, cur->account_id);
    /* before the first page: "" sorts before every due date of the cursor's first account */
    store_bind_text(st, 3, date_is_valid(cur->due) ? date_format(cur->due, cb) : "");
    store_bind_i64(st, 4, cur->bill_id);
    store_bind_i64(st, 5, cur->last_account);
    store_bind_i64(st, 6, limit);
    while ((ret = store_step(st, err)) == STORE_ROW)
        ledger_rec_read(st, &recs[n++]);
    store_reset(st);
    if (ret < 0)
        return ret;
    *more = n == limit;
    if (n) {
        cur->account_id = recs[n - 1].account_id;
        cur->due = recs[n - 1].due_on;
        cur->bill_id = recs[n - 1].bill_id;
    }
    if (n && c->scope_org_id && (ret = keep_in_scope(c, recs, &n, err)))
        return ret;
    if (store_kind(c->db) == STORE_PG)
        return n ? accrue_page_pg(c, pol, through, recs, n, r, err) : 0;
    size_t nq = 0; /* late-fee rows waiting in q, written LF_ROWS at a time */
    struct { int64_t account_id, fen, bill_id; } q[LF_ROWS];
    int64_t now = ctx_now(c);
    for (int64_t i = 0; i < n; i++) {
        struct receivable *rec = &recs[i];
        int64_t added;
        if (date_is_valid(rec->fee_through) && date_cmp(rec->fee_through, through) >= 0)
            continue;
        if (rec->paid_fen >= rec->amount_fen)
            continue;
        if ((ret = ledger_rec_accrue(pol, rec, through, &added, err)))
            return ret;
        st = store_q(c->db, Q_LEDGER_REC_ACCRUED);
        store_bind_i64(st, 1, rec->bill_id);
        store_bind_i64(st, 2, rec->fee_ufen);
        store_bind_i64(st, 3, rec->fee_fen);
        store_bind_text(st, 4, tb);
        if ((ret = store_exec(st, err)))
            return ret;
        if (!added)
            continue;
        r->bills++;
        r->fee_fen += added;
        if ((ret = ledger_balance_add(c, rec->account_id, added, err)))
            return ret;
        q[nq].account_id = rec->account_id;
        q[nq].fen = added;
        q[nq++].bill_id = rec->bill_id;
        if (nq < LF_ROWS)
            continue;
        st = store_q(c->db, Q_LF_ENTRIES16);
        for (size_t k = 0; k < LF_ROWS; k++) {
            int at = (int)k * 6;
            store_bind_i64(st, at + 1, q[k].account_id);
            store_bind_i64(st, at + 2, q[k].fen);
            store_bind_i64(st, at + 3, q[k].bill_id);
            store_bind_text(st, at + 4, tb);
            store_bind_i64(st, at + 5, now);
            store_bind_text(st, at + 6, c->actor);
        }
        if ((ret = store_exec(st, err)))
            return ret;
        nq = 0;
    }
    for (size_t k = 0; k < nq; k++)
        if ((ret = ledger_entry_add(c, q[k].account_id, "late_fee", q[k].fen, 0, q[k].bill_id, 0,
                                    through, NULL, err)))
            return ret;
    return 0;
}

/* Ranges of account ids per part: the parts take the ranges of the span in turn, so a part
 * whose ranges held few overdue bills takes more of them and clustered arrears even out */
#define ACCRUE_RANGES_PER_PART 8

struct accrue_parts {
    const struct fee_policies *pol;
    struct date through;
    int64_t batch;
    int64_t lo, hi;          /* the account ids with overdue bills were in [lo, hi] */
    int64_t ranges;          /* [lo, hi] cut into this many ranges (0: nothing overdue) */
    atomic_llong next;       /* the next range to take */
    struct accrue_result *r; /* one per part */
};

/* Range i of the span, cut as evenly as whole ids allow (no product can overflow) */
static int64_t range_start(const struct accrue_parts *a, int64_t i)
{
    uint64_t span = (uint64_t)a->hi - (uint64_t)a->lo + 1, q = span / (uint64_t)a->ranges,
             rem = span % (uint64_t)a->ranges, k = (uint64_t)i;
    return (int64_t)((uint64_t)a->lo + k * q + (k < rem ? k : rem));
}

/* Part k of n: ranges of accounts taken in turn, each page by page. Run as the only part (one
 * job, SQLite, or inside the caller's transaction) it takes them all. */
static int accrue_part(struct ctx *c, int k, int n, void *arg, struct err *err)
{
    struct accrue_parts *a = arg;
    int ret = 0;
    struct receivable *recs = xreallocarray(NULL, (size_t)a->batch, sizeof(*recs));
    (void)n;
    for (int64_t i; !ret && (i = atomic_fetch_add(&a->next, 1)) < a->ranges;) {
        /* the first range from the lowest id and the last to the highest, as one job walks
         * them, whatever the probes saw */
        struct accrue_cursor cur = { .account_id = i ? range_start(a, i) : INT64_MIN,
                                     .last_account = i + 1 == a->ranges
                                                         ? INT64_MAX
                                                         : range_start(a, i + 1) - 1 };
        bool more = true;
        while (more && !ret) {
            if ((ret = store_begin(c->db, err)))
                break;
            ret = accrue_page(c, a->pol, a->through, recs, a->batch, &cur, &a->r[k], &more,
                              err);
            ret = store_end(c->db, ret, err);
        }
    }
    if (ret) /* the other parts take no more ranges */
        atomic_store(&a->next, a->ranges);
    free(recs);
    return ret;
}

/* The span of the accounts with overdue bills, cut into ranges for n parts. One part walks
 * every id without asking. */
static int account_span(struct ctx *c, struct date through, int n, struct accrue_parts *a,
                        struct err *err)
{
    char tb[DATE_BUF_SIZE];
    int ret;
    if (n == 1) {
        a->lo = INT64_MIN;
        a->hi = INT64_MAX;
        a->ranges = 1;
        return 0;
    }
    struct store_stmt *st = store_q(c->db, Q_LF_ACCOUNT_SPAN);
    store_bind_text(st, 1, date_format(through, tb));
    if ((ret = store_one(st, err)))
        return ret;
    bool none = store_col_null(st, 0) || store_col_null(st, 1);
    a->lo = none ? 0 : store_col_i64(st, 0);
    a->hi = none ? -1 : store_col_i64(st, 1);
    store_reset(st);
    /* at most ACCRUE_RANGES_PER_PART a part, at least one a part, and otherwise ranges of at
     * least four pages' worth of ids, so that a range's last, partial page stays a small part
     * of its work (1,000,000 ids, 2 parts, pages of 5,000: 16 ranges; 100,000: 5) */
    int64_t span = none ? 0 : a->hi - a->lo + 1, want = span / (4 * a->batch);
    if (want > (int64_t)n * ACCRUE_RANGES_PER_PART)
        want = (int64_t)n * ACCRUE_RANGES_PER_PART;
    if (want < n)
        want = n;
#ifdef PMIS_TESTING
    /* t0415: more ranges than parts on a few accounts, so a part takes a second one */
    const char *force = getenv("PMIS_TEST_ACCRUE_RANGES");
    if (force && atoll(force) > 0)
        want = atoll(force);
#endif
    a->ranges = span < want ? span : want;
    return 0;
}

int ledger_accrue(struct ctx *c, struct date through, int64_t batch, int64_t jobs,
                  struct accrue_result *r, struct err *err)
{
    struct fee_policies pol;
    struct date today;
    char b[DATE_BUF_SIZE], detail[160];
    int ret;

    memset(r, 0, sizeof(*r));
    if (batch <= 0)
        batch = 5000;
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    if (date_cmp(through, today) > 0)
        return error(err, ERR_INVALID, "late fees cannot be accrued ahead, to %s (today is %s)",
                     date_format(through, b), date_format(today, detail));
    if ((ret = fee_policies_load(c, &pol, err)))
        return ret;
    int n = ledger_jobs(c, jobs);
    struct accrue_parts a = { .pol = &pol, .through = through, .batch = batch,
                              .r = xreallocarray(NULL, (size_t)n, sizeof(*r)) };
    memset(a.r, 0, (size_t)n * sizeof(*r));
    atomic_init(&a.next, 0);
    ret = account_span(c, through, n, &a, err);
    if (!ret)
        ret = ledger_parallel(c, n, accrue_part, &a, err);
    for (int k = 0; k < n; k++) {
        r->bills += a.r[k].bills;
        r->fee_fen += a.r[k].fee_fen;
    }
    free(a.r);
    if (ret)
        return ret;
    snprintf(detail, sizeof(detail), "through %s: %" PRId64 " bills, %" PRId64 " fen%s",
             date_format(through, b), r->bills, r->fee_fen,
             c->scope_org_id ? ", the caller's org subtree" : "");
    struct audit_rec ar = { "fee.accrue", "receivable", b, NULL, NULL, detail };
    if ((ret = store_begin(c->db, err)))
        return ret;
    ret = audit_append(c, &ar, err);
    return store_end(c->db, ret, err);
}

int ledger_waive(struct ctx *c, const char *bill_no, int64_t fen, const char *reason,
                 const char *approver, struct err *err)
{
    struct receivable rec;
    struct date today;
    char m[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], detail[240];
    int64_t balance;
    int ret;

    if (fen <= 0)
        return error(err, ERR_INVALID, "a waiver must be more than 0.00 yuan, not %s",
                     money_format(fen, m));
    if (!reason || !*reason)
        return error(err, ERR_INVALID, "a waiver needs a reason");
    if (!approver || !*approver)
        return error(err, ERR_INVALID, "a waiver needs an approver");
    if (c->actor && !strcmp(approver, c->actor))
        return error(err, ERR_INVALID, "the approver of a waiver must be someone else than %s",
                     c->actor);
    if ((ret = auth_approver_check(c, approver, PERM_FEE_WAIVE, "approver", err)) ||
        (ret = ctx_today(c, &today, err)) || (ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_REC_BY_NO);
    store_bind_text(st, 1, bill_no);
    ctx_bind_scope(c, st, 2);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        ret = error(err, ERR_NOT_FOUND, "bill %s is not an issued bill with an amount owed",
                    bill_no);
    if (ret)
        goto out;
    ledger_rec_read(st, &rec);
    const char *account_no = ctx_col_text(c, st, 13);
    store_reset(st);
    if ((ret = ledger_lock(c, rec.account_id, &balance, err)))
        goto out;
    st = store_q(c->db, Q_LEDGER_REC_GET); /* again, under the lock */
    store_bind_i64(st, 1, rec.bill_id);
    if ((ret = store_one(st, err)))
        goto out;
    ledger_rec_read(st, &rec);
    store_reset(st);
    int64_t owed = rec.fee_fen - rec.fee_paid_fen - rec.fee_waived_fen;
    if (fen > owed) {
        ret = error(err, ERR_INVALID, "bill %s has %s yuan of unpaid late fee, less than %s",
                    bill_no, money_format(owed, m), money_format(fen, m2));
        goto out;
    }
    rec.fee_waived_fen += fen;
    if ((ret = ledger_rec_write(c, &rec, today, err)) ||
        (ret = ledger_entry_add(c, rec.account_id, "fee_waiver", 0, fen, rec.bill_id, 0, today,
                                reason, err)) ||
        (ret = ledger_balance_add(c, rec.account_id, -fen, err)))
        goto out;
    snprintf(detail, sizeof(detail), "%s %s yuan, approved by %s: %s", bill_no,
             money_format(fen, m), approver, reason);
    struct audit_rec ar = { "fee.waive", "account", account_no, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}
