/*
 * pmis org add|list|tree.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "domain/org.h"

int cmd_org_add(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL, *level = NULL, *parent = NULL;
    const struct opt_spec specs[] = {
        { "name", OPT_STR, &name, "NAME", "name, e.g. 国网杭州供电公司" },
        { "level", OPT_STR, &level, "LEVEL", "hq, province, city, county or station" },
        { "parent", OPT_STR, &parent, "CODE", "parent unit (omit for a root)" },
        OPT_SPEC_END,
    };
    cli->usage = "CODE --name NAME --level LEVEL [--parent CODE]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id;
    if ((rc = org_add(&cli->ctx, argv[0], name, level, parent, &id, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(id));
        json_object_set_new(o, "code", json_string(argv[0]));
        cli_json_out(o);
    } else {
        printf("added org unit %s\n", argv[0]);
    }
    return 0;
}

struct org_out {
    struct cli_list list;
    bool tree;
};

static int print_unit(void *arg, const struct org_unit *u)
{
    struct org_out *o = arg;
    if (o->list.cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "code", json_string(u->code));
        json_object_set_new(j, "name", json_string(u->name));
        json_object_set_new(j, "level", json_string(u->level));
        json_object_set_new(j, "parent", cli_json_str(u->parent_code));
        json_object_set_new(j, "depth", json_integer(u->depth));
        json_array_append_new(o->list.items, j);
    } else if (o->tree) {
        printf("%*s%s %s (%s)\n", u->depth * 2, "", u->code, u->name, u->level);
    } else {
        printf("%-16s %-10s %-16s %s\n", u->code, u->level, u->parent_code ? u->parent_code : "-",
               u->name);
    }
    return 0;
}

static int org_print(struct cli *cli, int argc, char **argv, bool tree)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "[ROOT-CODE]";
    int rc = cli_options(cli, specs, &argc, argv, 0, 1);
    if (rc)
        return rc;
    struct org_out o = { CLI_LIST_INIT(cli), tree };
    rc = org_walk(&cli->ctx, argc ? argv[0] : NULL, print_unit, &o, &cli->err);
    return cli_list_end(&o.list, rc);
}

int cmd_org_list(struct cli *cli, int argc, char **argv)
{
    return org_print(cli, argc, argv, false);
}
int cmd_org_tree(struct cli *cli, int argc, char **argv)
{
    return org_print(cli, argc, argv, true);
}
