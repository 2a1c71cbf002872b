/*
 * pmis customer add|show|update|close|history|search|reveal.
 */
#include "core/common.h"
#include "core/date.h"
#include "cli/cli.h"
#include "domain/customer.h"

static json_t *customer_json(const struct customer *cu)
{
    json_t *o = json_object();
    json_object_set_new(o, "cust_no", json_string(cu->cust_no));
    json_object_set_new(o, "name", json_string(cu->name));
    json_object_set_new(o, "user_type", json_string(cu->user_type));
    json_object_set_new(o, "voltage", json_string(cu->voltage));
    json_object_set_new(o, "status", json_string(cu->status));
    json_object_set_new(o, "important", json_boolean(cu->important));
    json_object_set_new(o, "address", json_string(cu->address));
    json_object_set_new(o, "phone", cli_json_str(cu->phone_masked));
    json_object_set_new(o, "id_type", cli_json_str(cu->id_type));
    json_object_set_new(o, "id_no", cli_json_str(cu->id_no_masked));
    json_object_set_new(o, "org", json_string(cu->org_code));
    json_object_set_new(o, "org_name", json_string(cu->org_name));
    json_object_set_new(o, "opened_on", json_string(cu->opened_on));
    json_object_set_new(o, "closed_on", cli_json_str(cu->closed_on));
    return o;
}

static void customer_print(const struct customer *cu)
{
    printf("户号 cust_no:   %s\n", cu->cust_no);
    printf("name:          %s\n", cu->name);
    printf("user_type:     %s\n", cu->user_type);
    printf("voltage:       %s\n", cu->voltage);
    printf("status:        %s\n", cu->status);
    printf("important:     %s\n", cu->important ? "yes" : "no");
    printf("address:       %s\n", cu->address);
    printf("phone:         %s\n", cu->phone_masked ? cu->phone_masked : "-");
    printf("id:            %s %s\n", cu->id_type ? cu->id_type : "-",
           cu->id_no_masked ? cu->id_no_masked : "");
    printf("org:           %s %s\n", cu->org_code, cu->org_name);
    printf("opened_on:     %s\n", cu->opened_on);
    if (cu->closed_on)
        printf("closed_on:     %s\n", cu->closed_on);
}

static int show(struct cli *cli, const struct customer *cu)
{
    if (cli->json)
        cli_json_out(customer_json(cu));
    else
        customer_print(cu);
    return 0;
}

#define CUSTOMER_FIELD_SPECS(in)                                                                   \
    { "name", OPT_STR, &(in).name, "NAME", "customer name" },                                      \
        { "type", OPT_STR, &(in).user_type, "TYPE",                                                \
          "user type: resident, general_ci, large_industry, agriculture" },                        \
        { "voltage", OPT_STR, &(in).voltage, "V", "supply voltage: 220V, 380V, 10kV, ..." },       \
        { "address", OPT_STR, &(in).address, "TEXT", "address" },                                  \
        { "org", OPT_STR, &(in).org_code, "CODE", "org unit (supply station) code" },              \
        { "phone", OPT_STR, &(in).phone, "PHONE", "mobile or landline (stored encrypted)" },       \
        { "id-type", OPT_STR, &(in).id_type, "TYPE", "id_card (default), uscc, passport, ..." },   \
        { "id-no", OPT_STR, &(in).id_no, "NUMBER", "ID document number (stored encrypted)" },      \
    {                                                                                              \
        "important", OPT_STR, &(in).important, "yes|no", "important customer (重要客户)"       \
    }

int cmd_customer_add(struct cli *cli, int argc, char **argv)
{
    struct customer_in in = { 0 };
    const struct opt_spec specs[] = {
        { "cust-no", OPT_STR, &in.cust_no, "NO", "10-digit 户号 (default: the next free one)" },
        CUSTOMER_FIELD_SPECS(in),
        { "opened", OPT_STR, &in.opened_on, "DATE", "opening date YYYY-MM-DD (default today)" },
        OPT_SPEC_END,
    };
    cli->usage = "--name NAME --type TYPE --voltage V --address TEXT --org CODE [options]";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct customer cu;
    if ((rc = customer_add(&cli->ctx, &in, &cu, &cli->err)))
        return rc;
    if (!cli->json)
        printf("added customer %s\n", cu.cust_no);
    return cli->json ? show(cli, &cu) : 0;
}

int cmd_customer_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "CUST-NO";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct customer cu;
    if ((rc = customer_get(&cli->ctx, argv[0], &cu, &cli->err)))
        return rc;
    return show(cli, &cu);
}

int cmd_customer_update(struct cli *cli, int argc, char **argv)
{
    struct customer_in in = { 0 };
    const char *effective = NULL;
    const struct opt_spec specs[] = {
        CUSTOMER_FIELD_SPECS(in),
        { "status", OPT_STR, &in.status, "STATUS", "active or suspended" },
        { "effective", OPT_STR, &effective, "DATE",
          "date the change takes effect (default today)" },
        OPT_SPEC_END,
    };
    cli->usage = "CUST-NO [--name NAME] [--address TEXT] [...]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if ((rc = customer_update(&cli->ctx, argv[0], &in, effective, &cli->err)))
        return rc;
    struct customer cu;
    if ((rc = customer_get(&cli->ctx, argv[0], &cu, &cli->err)))
        return rc;
    if (!cli->json)
        printf("updated customer %s\n", cu.cust_no);
    return cli->json ? show(cli, &cu) : 0;
}

int cmd_customer_close(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "closing date (default today)" },
        OPT_SPEC_END,
    };
    cli->usage = "CUST-NO [--date DATE]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if ((rc = customer_close(&cli->ctx, argv[0], date, &cli->err)))
        return rc;
    struct customer cu;
    if ((rc = customer_get(&cli->ctx, argv[0], &cu, &cli->err)))
        return rc;
    if (!cli->json)
        printf("closed customer %s on %s\n", cu.cust_no, cu.closed_on);
    return cli->json ? show(cli, &cu) : 0;
}

static int print_history(void *arg, const struct customer_history_row *h)
{
    struct cli_list *o = arg;
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "effective_on", json_string(h->effective_on));
        json_object_set_new(j, "field", json_string(h->field));
        json_object_set_new(j, "old", cli_json_str(h->old_value));
        json_object_set_new(j, "new", cli_json_str(h->new_value));
        json_object_set_new(j, "actor", json_string(h->actor));
        json_array_append_new(o->items, j);
    } else {
        printf("%s  %-10s %s -> %s  (%s)\n", h->effective_on, h->field,
               h->old_value ? h->old_value : "-", h->new_value ? h->new_value : "-", h->actor);
    }
    return 0;
}

int cmd_customer_history(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "CUST-NO";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct cli_list o = CLI_LIST_INIT(cli);
    rc = customer_history(&cli->ctx, argv[0], print_history, &o, &cli->err);
    return cli_list_end(&o, rc);
}

static int print_row(void *arg, const struct customer *cu)
{
    struct cli_list *o = arg;
    if (o->cli->json)
        json_array_append_new(o->items, customer_json(cu));
    else
        printf("%s  %-10s %-14s %-9s %-12s %s\n", cu->cust_no, cu->status, cu->user_type,
               cu->phone_masked ? cu->phone_masked : "-", cu->name, cu->address);
    return 0;
}

int cmd_customer_search(struct cli *cli, int argc, char **argv)
{
    struct customer_query q = { 0 };
    const char *no = NULL, *name = NULL, *addr = NULL, *phone = NULL, *id_no = NULL, *meter = NULL,
               *email = NULL;
    bool prefix = false;
    int64_t limit = cfg_int(&cli->cfg, CFG_SEARCH_PAGE_SIZE);
    const struct opt_spec specs[] = {
        { "no", OPT_STR, &no, "DIGITS", "户号, exact (or a prefix with --prefix)" },
        { "prefix", OPT_BOOL, &prefix, NULL, "treat --no as a prefix" },
        { "name", OPT_STR, &name, "TEXT", "name contains TEXT (e.g. 张, 有限公司)" },
        { "address", OPT_STR, &addr, "TEXT", "address contains TEXT" },
        { "phone", OPT_STR, &phone, "PHONE", "phone number, exact" },
        { "id-no", OPT_STR, &id_no, "NUMBER", "ID document number, exact" },
        { "meter", OPT_STR, &meter, "ASSET", "installed meter asset number" },
        { "email", OPT_STR, &email, "ADDRESS", "an account's notice e-mail address, exact" },
        { "org", OPT_STR, &q.org_code, "CODE", "only this org unit's subtree" },
        { "type", OPT_STR, &q.user_type, "TYPE", "only this user type" },
        { "status", OPT_STR, &q.status, "STATUS", "only this status" },
        { "after", OPT_STR, &q.after, "CUST-NO", "next page: the last 户号 of the previous one" },
        { "limit", OPT_INT, &limit, "N", "page size (default search.page_size)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--no DIGITS [--prefix] | --name TEXT | --address TEXT | --phone P | --id-no N | "
                 "--meter A | --email ADDRESS] [filters]";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    int given = !!no + !!name + !!addr + !!phone + !!id_no + !!meter + !!email;
    if (given > 1)
        return error(&cli->err, ERR_USAGE,
                     "search by one of --no, --name, --address, --phone, "
                     "--id-no, --meter, --email at a time");
    if (limit < 1 || limit > 1000)
        return error(&cli->err, ERR_USAGE, "--limit must be 1-1000, not %" PRId64, limit);
    q.limit = limit;
    q.prefix = prefix;
    q.by = no      ? CS_CUST_NO
           : name  ? CS_NAME
           : addr  ? CS_ADDRESS
           : phone ? CS_PHONE
           : id_no ? CS_ID_NO
           : meter ? CS_METER
           : email ? CS_EMAIL
                   : CS_ANY;
    q.text = no      ? no
             : name  ? name
             : addr  ? addr
             : phone ? phone
             : id_no ? id_no
             : meter ? meter
                     : email;
    struct cli_list o = CLI_LIST_INIT(cli);
    const char *next = NULL;
    rc = customer_search(&cli->ctx, &q, print_row, &o, &next, &cli->err);
    if (rc) {
        json_decref(o.items);
        return rc;
    }
    if (cli->json) {
        json_t *res = json_object();
        json_object_set_new(res, "items", o.items);
        json_object_set_new(res, "next", cli_json_str(next));
        cli_json_out(res);
    } else {
        json_decref(o.items);
        if (next)
            printf("(more: --after %s)\n", next);
    }
    return 0;
}

int cmd_customer_reveal(struct cli *cli, int argc, char **argv)
{
    const char *field = NULL, *reason = NULL;
    const struct opt_spec specs[] = {
        { "field", OPT_STR, &field, "phone|id_no", "which value" },
        { "reason", OPT_STR, &reason, "TEXT", "why it is needed (recorded in the audit log)" },
        OPT_SPEC_END,
    };
    cli->usage = "CUST-NO --field phone|id_no --reason TEXT";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    enum customer_pii f;
    if (field && !strcmp(field, "phone"))
        f = CUSTOMER_PHONE;
    else if (field && !strcmp(field, "id_no"))
        f = CUSTOMER_ID_NO;
    else
        return error(&cli->err, ERR_USAGE, "--field must be phone or id_no");
    struct strbuf out = STRBUF_INIT;
    rc = customer_reveal(&cli->ctx, argv[0], f, reason, &out, &cli->err);
    if (!rc) {
        if (cli->json) {
            json_t *o = json_object();
            json_object_set_new(o, field, json_string(out.buf));
            cli_json_out(o);
        } else {
            printf("%s\n", out.buf);
        }
    }
    strbuf_release(&out);
    return rc;
}
