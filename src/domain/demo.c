/*
 * The demo utility: org tree, then customers with account, service point and meter, all
 * through the archive's own prepare/insert functions so the demo obeys every rule real data
 * does. One transaction; one audit row.
 */
#include "core/common.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/customer.h"
#include "domain/demo.h"
#include "domain/demo_data.h"
#include "domain/demo_usage.h"
#include "domain/meter.h"
#include "domain/org.h"

static const char *const type_names[] = { "resident", "general_ci", "large_industry",
                                          "agriculture" };

static int add_customer(struct ctx *c, const struct demo_customer *d, struct demo_summary *sum,
                        struct err *err)
{
    char capacity[24], demand[24], pf[16], day[8];
    struct customer_in ci = {
        .cust_no = d->cust_no,
        .name = d->name,
        .user_type = d->user_type,
        .voltage = d->voltage,
        .address = d->address,
        .org_code = d->station->code,
        .important = d->important ? "1" : "0",
        .phone = d->phone,
        .id_type = d->id_type,
        .id_no = d->id_number[0] ? d->id_number : NULL,
        .opened_on = d->opened_on,
    };
    struct customer_row row;
    int64_t id;
    bool created, same;
    customer_row_init(&row);
    int rc = customer_prepare(c, &ci, &row, err);
    if (!rc)
        rc = customer_insert(c, &row, &id, &created, &same, err);
    customer_row_release(&row);
    if (rc)
        return error_prefix(err, "demo customer %s: ", d->cust_no);

    snprintf(capacity, sizeof(capacity), "%d", d->capacity_kva);
    snprintf(demand, sizeof(demand), "%d", d->demand_kw);
    snprintf(pf, sizeof(pf), d->pf_standard ? "0.%02d" : "none", d->pf_standard);
    snprintf(day, sizeof(day), "%d", d->cycle_day);
    char account_no[16];
    snprintf(account_no, sizeof(account_no), "%s01", d->cust_no);
    struct account_in ai = {
        .account_no = account_no,
        .cust_no = d->cust_no,
        /* the two-part tariff comes in two flavours: basic charge by demand or by capacity */
        .tariff_code = d->basic_by && !strcmp(d->basic_by, "capacity") ? "LI-2PART-CAP"
                                                                        : d->tariff_code,
        .capacity_kva = capacity,
        .demand_kw = demand,
        .pf_standard = pf,
        .cycle_day = day,
        .pay_mode = d->pay_mode,
        .contact_name = d->contact[0] ? d->contact : NULL,
        .contact_phone = d->phone,
        .opened_on = d->opened_on,
    };
    if ((rc = account_import_row(c, &ai, &created, err)))
        return error_prefix(err, "demo account %s: ", account_no);

    struct meter_in mi = {
        .asset_no = d->asset_no,
        .model = d->model,
        .phases = d->phases == 3 ? "3" : "1",
        .ct_ratio = d->ct_ratio[0] ? d->ct_ratio : NULL,
        .pt_ratio = d->pt_ratio[0] ? d->pt_ratio : NULL,
        .registers = d->registers,
    };
    if ((rc = meter_import_row(c, &mi, &created, err)) ||
        (rc = meter_install(c, d->asset_no, account_no, NULL, d->installed_on, NULL, err)))
        return error_prefix(err, "demo meter %s: ", d->asset_no);

    sum->customers++;
    sum->accounts++;
    sum->meters++;
    for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
        if (!strcmp(d->user_type, type_names[i]))
            sum->by_type[i]++;
    return 0;
}

int demo_build(struct ctx *c, int64_t customers, uint64_t seed,
               const struct demo_usage_opts *usage, demo_progress_fn *progress, void *arg,
               struct demo_summary *sum, struct err *err)
{
    struct arena *keep = c->arena;
    struct arena row_arena = ARENA_INIT;
    struct demo_gen gen;
    struct demo_rng rng;
    struct date today;
    size_t norgs;
    int rc;

    memset(sum, 0, sizeof(*sum));
    if (customers < 0 || customers > DEMO_MAX_SEQ)
        return error(err, ERR_INVALID, "--customers must be 0..%" PRId64, DEMO_MAX_SEQ);
    struct store_stmt *st = store_q(c->db, Q_CUSTOMER_ANY);
    rc = store_one(st, err);
    store_reset(st);
    if (rc == 0)
        return error(err, ERR_CONFLICT,
                     "the database already holds customers; "
                     "build the demo into a new database");
    if (rc != ERR_NOT_FOUND)
        return rc;
    if ((rc = ctx_today(c, &today, err)))
        return rc;
    /* the accounts name the demo's tariffs, which must be loaded like any account's */
    static const char *const tariffs[] = { "RES-TIER", "GCI-TOU", "LI-2PART", "LI-2PART-CAP",
                                           "AGR" };
    for (size_t i = 0; i < ARRAY_SIZE(tariffs) && customers > 0; i++) {
        if ((rc = account_check_tariff(c, tariffs[i], err)) == ERR_INVALID)
            return error(err, ERR_INVALID,
                         "the demo's accounts name tariff '%s', which is not loaded: load "
                         "data/tariffs/demo-zhejiang.json first ('pmis tariff load')",
                         tariffs[i]);
        if (rc)
            return rc;
    }

    const struct demo_org *orgs = demo_orgs(&norgs);
    if ((rc = store_begin(c->db, err)))
        return rc;
    for (size_t i = 0; i < norgs; i++) {
        struct org_unit existing;
        if (org_get(c, orgs[i].code, &existing, NULL) == 0)
            continue;
        if ((rc = org_add(c, orgs[i].code, orgs[i].name, orgs[i].level, orgs[i].parent, NULL, err)))
            goto fail;
        sum->orgs++;
    }
    demo_gen_init(&gen, seed);
    demo_rng_seed(&rng, seed ^ 0x5eed);
    for (int64_t seq = 0; seq < customers; seq++) {
        struct demo_customer d;
        if ((rc = demo_customer(&gen, seq, demo_pick_station(&rng), &d, err)))
            goto fail;
        c->arena = &row_arena;
        rc = add_customer(c, &d, sum, err);
        if (!rc && usage)
            rc = demo_usage_write(&d, usage, &sum->readings, &sum->interval_days, err);
        c->arena = keep;
        arena_reset(&row_arena);
        if (rc)
            goto fail;
        if (progress && (seq & 255) == 0)
            progress(arg, (uint64_t)seq, (uint64_t)customers);
    }
    struct audit_rec ar = {
        .action = "demo.create",
        .entity = "demo",
        .entity_key = "demo",
        .detail =
            arena_sprintf(c->arena, "seed=%" PRIu64 " customers=%" PRId64, seed, sum->customers),
    };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    arena_release(&row_arena);
    return 0;
fail:
    c->arena = keep;
    arena_release(&row_arena);
    store_rollback(c->db);
    return rc;
}
