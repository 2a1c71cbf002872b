/*
 * pmis account add|show|update|list.
 */
#include "core/common.h"
#include "core/money.h"
#include "cli/cli.h"
#include "domain/account.h"

static json_t *account_json(const struct account *a)
{
    char cap[40], dem[40];
    json_t *o = json_object();
    json_object_set_new(o, "account_no", json_string(a->account_no));
    json_object_set_new(o, "cust_no", json_string(a->cust_no));
    json_object_set_new(o, "tariff_code", json_string(a->tariff_code));
    json_object_set_new(o, "capacity_kva",
                        json_string(decimal_format(a->capacity_va, 3, 0, 0, cap)));
    json_object_set_new(o, "demand_kw", json_string(decimal_format(a->demand_w, 3, 0, 0, dem)));
    json_object_set_new(o, "pf_standard",
                        a->pf_standard ? json_sprintf("0.%02d", a->pf_standard) : json_null());
    json_object_set_new(o, "cycle_day", json_integer(a->cycle_day));
    json_object_set_new(o, "pay_mode", json_string(a->pay_mode));
    json_object_set_new(o, "contact_name", cli_json_str(a->contact_name));
    json_object_set_new(o, "contact_phone", cli_json_str(a->contact_phone_masked));
    json_object_set_new(o, "bank_name", cli_json_str(a->bank_name));
    json_object_set_new(o, "bank_account", cli_json_str(a->bank_account_masked));
    json_object_set_new(o, "service_point", cli_json_str(a->sp_no));
    json_object_set_new(o, "status", json_string(a->status));
    json_object_set_new(o, "opened_on", json_string(a->opened_on));
    json_object_set_new(o, "closed_on", cli_json_str(a->closed_on));
    return o;
}

static int show(struct cli *cli, const struct account *a)
{
    json_t *o = account_json(a);
    if (cli->json) {
        cli_json_out(o);
        return 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (json_is_string(v))
            printf("%-14s %s\n", k, json_string_value(v));
        else if (json_is_integer(v))
            printf("%-14s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
        else
            printf("%-14s -\n", k);
    }
    json_decref(o);
    return 0;
}

#define ACCOUNT_FIELD_SPECS(in)                                                                    \
    { "tariff", OPT_STR, &(in).tariff_code, "CODE", "tariff code" },                               \
        { "capacity", OPT_STR, &(in).capacity_kva, "KVA", "contract capacity in kVA" },            \
        { "demand", OPT_STR, &(in).demand_kw, "KW", "contract demand in kW" },                     \
        { "pf", OPT_STR, &(in).pf_standard, "STD",                                                 \
          "power-factor standard: none, 0.80, 0.85, 0.90" },                                       \
        { "cycle-day", OPT_STR, &(in).cycle_day, "DAY", "billing cycle day (抄表例日) 1-28" },     \
        { "pay-mode", OPT_STR, &(in).pay_mode, "MODE", "postpaid or prepaid" },                    \
        { "contact", OPT_STR, &(in).contact_name, "NAME", "billing contact" },                     \
        { "contact-phone", OPT_STR, &(in).contact_phone, "PHONE", "billing contact phone" },       \
        { "bank", OPT_STR, &(in).bank_name, "NAME", "bank for direct debit" },                     \
    {                                                                                              \
        "bank-account", OPT_STR, &(in).bank_account, "NUMBER", "bank card number (encrypted)"      \
    }

int cmd_account_add(struct cli *cli, int argc, char **argv)
{
    struct account_in in = { 0 };
    const struct opt_spec specs[] = {
        { "account-no", OPT_STR, &in.account_no, "NO", "12 digits (default: 户号 + sequence)" },
        ACCOUNT_FIELD_SPECS(in),
        { "opened", OPT_STR, &in.opened_on, "DATE", "contract start (default today)" },
        OPT_SPEC_END,
    };
    cli->usage = "CUST-NO --tariff CODE --cycle-day DAY [options]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    in.cust_no = argv[0];
    struct account a;
    if ((rc = account_add(&cli->ctx, &in, &a, &cli->err)))
        return rc;
    if (!cli->json) {
        printf("added account %s (service point %s)\n", a.account_no, a.sp_no);
        return 0;
    }
    return show(cli, &a);
}

int cmd_account_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT-NO";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct account a;
    if ((rc = account_get(&cli->ctx, argv[0], &a, &cli->err)))
        return rc;
    return show(cli, &a);
}

int cmd_account_update(struct cli *cli, int argc, char **argv)
{
    struct account_in in = { 0 };
    const char *effective = NULL;
    const struct opt_spec specs[] = {
        ACCOUNT_FIELD_SPECS(in),
        { "effective", OPT_STR, &effective, "DATE", "date the change takes effect" },
        OPT_SPEC_END,
    };
    cli->usage = "ACCOUNT-NO [--tariff CODE] [...]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if ((rc = account_update(&cli->ctx, argv[0], &in, effective, &cli->err)))
        return rc;
    struct account a;
    if ((rc = account_get(&cli->ctx, argv[0], &a, &cli->err)))
        return rc;
    if (!cli->json) {
        printf("updated account %s\n", a.account_no);
        return 0;
    }
    return show(cli, &a);
}

static int print_account(void *arg, const struct account *a)
{
    struct cli_list *o = arg;
    if (o->cli->json)
        json_array_append_new(o->items, account_json(a));
    else
        printf("%s  %-8s %-12s day %-2d %s\n", a->account_no, a->status, a->tariff_code,
               a->cycle_day, a->pay_mode);
    return 0;
}

int cmd_account_list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "CUST-NO";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct cli_list o = CLI_LIST_INIT(cli);
    rc = account_list(&cli->ctx, argv[0], print_account, &o, &cli->err);
    return cli_list_end(&o, rc);
}
