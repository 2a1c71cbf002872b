/*
 * pmis meter add|install|replace|remove|show.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "domain/meter.h"

int cmd_meter_add(struct cli *cli, int argc, char **argv)
{
    struct meter_in in = { 0 };
    const struct opt_spec specs[] = {
        { "model", OPT_STR, &in.model, "MODEL", "meter model, e.g. DDZY71-Z" },
        { "phases", OPT_STR, &in.phases, "1|3", "single or three phase" },
        { "ct", OPT_STR, &in.ct_ratio, "RATIO", "current transformer ratio, e.g. 100/5" },
        { "pt", OPT_STR, &in.pt_ratio, "RATIO", "voltage transformer ratio, e.g. 10000/100" },
        { "registers", OPT_STR, &in.registers, "LIST", "e.g. total,peak,valley (default total)" },
        { "digits", OPT_STR, &in.digits, "N", "register integer digits (default 6)" },
        OPT_SPEC_END,
    };
    cli->usage = "ASSET-NO --model MODEL --phases 1|3 [--ct R] [--pt R] [--registers LIST]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    in.asset_no = argv[0];
    struct meter m;
    if ((rc = meter_add(&cli->ctx, &in, &m, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "asset_no", json_string(m.asset_no));
        json_object_set_new(o, "multiplier", json_integer(m.multiplier));
        cli_json_out(o);
    } else {
        printf("added meter %s (multiplier %" PRId64 ")\n", m.asset_no, m.multiplier);
    }
    return 0;
}

int cmd_meter_install(struct cli *cli, int argc, char **argv)
{
    const char *account = NULL, *sp = NULL, *date = NULL, *reads = NULL;
    const struct opt_spec specs[] = {
        { "account", OPT_STR, &account, "ACCOUNT-NO", "install on this account's service point" },
        { "sp", OPT_STR, &sp, "SP-NO", "install on this service point" },
        { "date", OPT_STR, &date, "DATE", "installation date (default today)" },
        { "reads", OPT_STR, &reads, "R=KWH,...", "register readings, e.g. total=0,peak=0" },
        OPT_SPEC_END,
    };
    cli->usage = "ASSET-NO (--account ACCOUNT-NO | --sp SP-NO) [--date DATE] [--reads ...]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if ((rc = meter_install(&cli->ctx, argv[0], account, sp, date, reads, &cli->err)))
        return rc;
    if (!cli->json)
        printf("installed meter %s\n", argv[0]);
    return 0;
}

int cmd_meter_remove(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL, *reads = NULL;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "removal date (default today)" },
        { "reads", OPT_STR, &reads, "R=KWH,...", "final register readings" },
        OPT_SPEC_END,
    };
    cli->usage = "ASSET-NO [--date DATE] [--reads ...]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if ((rc = meter_remove(&cli->ctx, argv[0], date, reads, &cli->err)))
        return rc;
    if (!cli->json)
        printf("removed meter %s\n", argv[0]);
    return 0;
}

int cmd_meter_replace(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL, *old_reads = NULL, *new_reads = NULL;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "date of the change (default today)" },
        { "old-reads", OPT_STR, &old_reads, "R=KWH,...", "final readings of the old meter" },
        { "new-reads", OPT_STR, &new_reads, "R=KWH,...", "starting readings of the new meter" },
        OPT_SPEC_END,
    };
    cli->usage = "OLD-ASSET NEW-ASSET [--date DATE] [--old-reads ...] [--new-reads ...]";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc)
        return rc;
    if ((rc = meter_replace(&cli->ctx, argv[0], argv[1], date, old_reads, new_reads, &cli->err)))
        return rc;
    if (!cli->json)
        printf("replaced meter %s with %s\n", argv[0], argv[1]);
    return 0;
}

static int print_stay(void *arg, const struct meter_stay *s)
{
    struct cli_list *o = arg;
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "service_point", json_string(s->sp_no));
        json_object_set_new(j, "account_no", json_string(s->account_no));
        json_object_set_new(j, "installed_on", json_string(s->installed_on));
        json_object_set_new(j, "removed_on", cli_json_str(s->removed_on));
        json_object_set_new(j, "reason", json_string(s->reason));
        json_object_set_new(j, "install_reads", cli_json_str(s->install_reads));
        json_object_set_new(j, "remove_reads", cli_json_str(s->remove_reads));
        json_array_append_new(o->items, j);
    } else {
        printf("  %s .. %s  %s (%s)  in: %s  out: %s\n", s->installed_on,
               s->removed_on ? s->removed_on : "now", s->sp_no, s->reason,
               s->install_reads ? s->install_reads : "-", s->remove_reads ? s->remove_reads : "-");
    }
    return 0;
}

int cmd_meter_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ASSET-NO";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct meter m;
    if ((rc = meter_get(&cli->ctx, argv[0], &m, &cli->err)))
        return rc;
    struct cli_list o = CLI_LIST_INIT(cli);
    if (!cli->json)
        printf("meter %s  %s  %d-phase  CT %s  PT %s  multiplier %" PRId64 "  registers %s  %s\n",
               m.asset_no, m.model, m.phases, m.ct_ratio, m.pt_ratio, m.multiplier, m.registers,
               m.status);
    if ((rc = meter_stays(&cli->ctx, argv[0], print_stay, &o, &cli->err))) {
        json_decref(o.items);
        return rc;
    }
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "asset_no", json_string(m.asset_no));
        json_object_set_new(j, "model", json_string(m.model));
        json_object_set_new(j, "phases", json_integer(m.phases));
        json_object_set_new(j, "ct_ratio", json_string(m.ct_ratio));
        json_object_set_new(j, "pt_ratio", json_string(m.pt_ratio));
        json_object_set_new(j, "multiplier", json_integer(m.multiplier));
        json_object_set_new(j, "registers", json_string(m.registers));
        json_object_set_new(j, "digits", json_integer(m.digits));
        json_object_set_new(j, "status", json_string(m.status));
        json_object_set_new(j, "installations", o.items);
        cli_json_out(j);
    } else {
        json_decref(o.items);
    }
    return 0;
}
