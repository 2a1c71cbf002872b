/*
 * pmis demo [--customers N] [--seed S]: build the demo utility and print a summary.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "domain/demo.h"

static void progress(void *arg, uint64_t done, uint64_t total)
{
    cli_progress(arg, "building demo", done, total);
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
    int64_t customers = 5000, seed = 2025;
    const struct opt_spec specs[] = {
        { "customers", OPT_INT, &customers, "N", "number of customers (default 5000)" },
        { "seed", OPT_INT, &seed, "S", "random seed: same seed, same data (default 2025)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--customers N] [--seed S]\n\nBuilds a demo utility into an empty database: "
                 "the org tree of one province\n(3 cities, 9 counties, supply stations) and N "
                 "customers with accounts and meters.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct demo_summary s;
    rc = demo_build(&cli->ctx, customers, (uint64_t)seed, progress, cli, &s, &cli->err);
    cli_progress_end(cli);
    if (rc)
        return rc;
    static const char *const types[] = { "居民 resident", "一般工商业 general C&I",
                                         "大工业 large industrial", "农业 agricultural" };
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "orgs", json_integer(s.orgs));
        json_object_set_new(o, "customers", json_integer(s.customers));
        json_object_set_new(o, "accounts", json_integer(s.accounts));
        json_object_set_new(o, "meters", json_integer(s.meters));
        json_t *bt = json_object();
        static const char *const keys[] = { "resident", "general_ci", "large_industry",
                                            "agriculture" };
        for (int i = 0; i < 4; i++)
            json_object_set_new(bt, keys[i], json_integer(s.by_type[i]));
        json_object_set_new(o, "by_user_type", bt);
        cli_json_out(o);
        return 0;
    }
    printf("demo utility built (seed %" PRId64 "):\n", seed);
    printf("  org units    %" PRId64 "\n", s.orgs);
    printf("  customers    %" PRId64 "\n", s.customers);
    for (int i = 0; i < 4; i++)
        printf("    %-26s %7" PRId64 "  %5.1f%%\n", types[i], s.by_type[i],
               s.customers ? 100.0 * (double)s.by_type[i] / (double)s.customers : 0.0);
    printf("  accounts     %" PRId64 "\n", s.accounts);
    printf("  meters       %" PRId64 "\n", s.meters);
    return 0;
}
