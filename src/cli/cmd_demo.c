/*
 * pmis demo [--customers N] [--seed S]: build the demo utility and print a summary;
 * pmis demo payments: how its customers pay a month's bills, as collection files.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "domain/demo.h"
#include "domain/demo_pay.h"
#include "domain/demo_usage.h"

#include <errno.h>
#include <inttypes.h>

static void progress(void *arg, uint64_t done, uint64_t total)
{
    cli_progress(arg, "building demo", done, total);
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
    int64_t customers = 5000, seed = 2025, months = 12;
    const char *readings = NULL, *intervals = NULL, *first = "2025-01";
    const struct opt_spec specs[] = {
        { "customers", OPT_INT, &customers, "N", "number of customers (default 5000)" },
        { "seed", OPT_INT, &seed, "S", "random seed: same seed, same data (default 2025)" },
        { "readings", OPT_STR, &readings, "FILE.csv",
          "also write the customers' meter readings to FILE.csv (for `pmis import readings`)" },
        { "intervals", OPT_STR, &intervals, "FILE.csv",
          "and the 96-point curves of large industrial users (for `pmis import intervals`)" },
        { "from", OPT_STR, &first, "YYYY-MM", "first billing month of the readings (2025-01)" },
        { "months", OPT_INT, &months, "N", "billing months of readings (default 12)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--customers N] [--seed S] [--readings FILE.csv [--intervals FILE.csv]]\n\n"
                 "Builds a demo utility into an empty database: the org tree of one province\n"
                 "(3 cities, 9 counties, supply stations) and N customers with accounts and\n"
                 "meters; optionally a year of their readings with seasonal patterns.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct demo_summary s;
    struct demo_usage_opts uo = { { 0, 0 }, (int)months, (uint64_t)seed, NULL, NULL };
    if (intervals && !readings)
        return error(&cli->err, ERR_USAGE, "--intervals needs --readings");
    if (months < 1 || months > 36)
        return error(&cli->err, ERR_USAGE, "--months must be 1..36");
    if ((rc = period_parse(first, &uo.first, &cli->err)))
        return rc;
    if (readings && !(uo.readings = fopen(readings, "w")))
        return error(&cli->err, ERR_IO, "cannot write '%s': %s", readings, strerror(errno));
    if (intervals && !(uo.intervals = fopen(intervals, "w"))) {
        fclose(uo.readings);
        return error(&cli->err, ERR_IO, "cannot write '%s': %s", intervals, strerror(errno));
    }
    if (readings)
        demo_usage_headers(&uo);
    rc = demo_build(&cli->ctx, customers, (uint64_t)seed, readings ? &uo : NULL, progress, cli,
                    &s, &cli->err);
    cli_progress_end(cli);
    if (uo.readings && fclose(uo.readings) && !rc)
        rc = error(&cli->err, ERR_IO, "cannot write '%s': %s", readings, strerror(errno));
    if (uo.intervals && fclose(uo.intervals) && !rc)
        rc = error(&cli->err, ERR_IO, "cannot write '%s': %s", intervals, strerror(errno));
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
        json_object_set_new(o, "readings", json_integer(s.readings));
        json_object_set_new(o, "interval_days", json_integer(s.interval_days));
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
    if (readings)
        printf("  readings     %" PRId64 " in %s\n", s.readings, readings);
    if (intervals)
        printf("  curves       %" PRId64 " meter-days in %s\n", s.interval_days, intervals);
    return 0;
}

int cmd_demo_payments(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL, *bank = NULL, *agent = NULL;
    int64_t seed = 2025;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "the bills' month (required)" },
        { "bank", OPT_STR, &bank, "FILE.csv", "where the bank debit file goes (required)" },
        { "agent", OPT_STR, &agent, "FILE.csv", "where the agent file goes (required)" },
        { "seed", OPT_INT, &seed, "S", "random seed (default 2025)" },
        OPT_SPEC_END,
    };
    cli->usage = "--period YYYY-MM --bank FILE.csv --agent FILE.csv [--seed S]\n\n"
                 "Writes how the demo customers pay the issued bills of a month as a bank and an\n"
                 "agent collection file for `pmis payment import` (doc/payments-format.md).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period || !bank || !agent)
        return error(&cli->err, ERR_USAGE, "--period, --bank and --agent are required");
    struct demo_pay_opts o = { .seed = (uint64_t)seed };
    if ((rc = period_parse(period, &o.period, &cli->err)))
        return rc;
    if (!(o.bank = fopen(bank, "w")))
        return error(&cli->err, ERR_IO, "cannot write '%s': %s", bank, strerror(errno));
    if (!(o.agent = fopen(agent, "w"))) {
        fclose(o.bank);
        return error(&cli->err, ERR_IO, "cannot write '%s': %s", agent, strerror(errno));
    }
    struct demo_pay_result r;
    rc = demo_payments(&cli->ctx, &o, &r, &cli->err);
    if (fclose(o.bank) && !rc)
        rc = error(&cli->err, ERR_IO, "cannot write '%s': %s", bank, strerror(errno));
    if (fclose(o.agent) && !rc)
        rc = error(&cli->err, ERR_IO, "cannot write '%s': %s", agent, strerror(errno));
    if (rc)
        return rc;
    char d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE];
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "bills", json_integer(r.bills));
        json_object_set_new(j, "bank_date", json_string(date_format(r.bank_date, d1)));
        json_object_set_new(j, "bank_lines", json_integer(r.bank_lines));
        json_object_set_new(j, "bank_total", cli_json_money(r.bank_fen));
        json_object_set_new(j, "agent_date", json_string(date_format(r.agent_date, d2)));
        json_object_set_new(j, "agent_lines", json_integer(r.agent_lines));
        json_object_set_new(j, "agent_total", cli_json_money(r.agent_fen));
        json_object_set_new(j, "skipped", json_integer(r.skipped));
        cli_json_out(j);
    } else
        printf("%" PRId64 " bills: %" PRId64 " paid by bank on %s, %" PRId64
               " at agents by %s, %" PRId64 " not this month\n",
               r.bills, r.bank_lines, date_format(r.bank_date, d1), r.agent_lines,
               date_format(r.agent_date, d2), r.skipped);
    return 0;
}
