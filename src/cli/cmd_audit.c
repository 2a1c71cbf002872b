/*
 * pmis audit verify|list.
 */
#include "core/common.h"
#include "core/date.h"
#include "cli/cli.h"
#include "domain/audit.h"

int cmd_audit_verify(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    int64_t n = 0, bad = 0;
    rc = audit_verify(&cli->ctx, &n, &bad, &cli->err);
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "ok", json_boolean(rc == 0));
        json_object_set_new(o, "rows", json_integer(n));
        json_object_set_new(o, "first_bad_row", bad ? json_integer(bad) : json_null());
        cli_json_out(o);
    } else if (!rc) {
        printf("audit log intact: %" PRId64 " rows verified\n", n);
    }
    return rc;
}

static int print_row(void *arg, const struct audit_row *r)
{
    struct cli_list *o = arg;
    char ts[40];
    instant_format(r->at_us, ts);
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(r->id));
        json_object_set_new(j, "at", json_string(ts));
        json_object_set_new(j, "actor", json_string(r->actor));
        json_object_set_new(j, "action", json_string(r->action));
        json_object_set_new(j, "entity", json_string(r->entity));
        json_object_set_new(j, "entity_key", json_string(r->entity_key));
        json_object_set_new(j, "before_digest", cli_json_str(r->before_digest));
        json_object_set_new(j, "after_digest", cli_json_str(r->after_digest));
        json_object_set_new(j, "detail", cli_json_str(r->detail));
        json_object_set_new(j, "request_id", cli_json_str(r->request_id));
        json_object_set_new(j, "hash", json_string(r->hash));
        json_array_append_new(o->items, j);
    } else {
        printf("%6" PRId64 "  %s  %-10s %-16s %s %s%s%s\n", r->id, ts, r->actor, r->action,
               r->entity, r->entity_key, r->detail ? "  " : "", r->detail ? r->detail : "");
    }
    return 0;
}

int cmd_audit_list(struct cli *cli, int argc, char **argv)
{
    struct audit_filter f = { 0 };
    const char *since = NULL, *until = NULL;
    int64_t limit = 100, before = 0;
    const struct opt_spec specs[] = {
        { "actor", OPT_STR, &f.actor, "NAME", "only this actor" },
        { "entity", OPT_STR, &f.entity, "KIND", "customer, account, meter, org, import, ..." },
        { "key", OPT_STR, &f.entity_key, "KEY", "only this entity (户号, asset number, ...)" },
        { "action", OPT_STR, &f.action, "ACTION", "e.g. customer.update, pii.reveal" },
        { "since", OPT_STR, &since, "TIME", "from this instant (ISO 8601) or date" },
        { "until", OPT_STR, &until, "TIME", "before this instant (ISO 8601) or date" },
        { "before-id", OPT_INT, &before, "ID", "next page: rows older than this id" },
        { "limit", OPT_INT, &limit, "N", "at most N rows (default 100), newest first" },
        OPT_SPEC_END,
    };
    cli->usage = "[--actor NAME] [--entity KIND] [--key KEY] [--since T] [--until T]";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    const char *bounds[2] = { since, until };
    int64_t *dest[2] = { &f.from_us, &f.to_us };
    for (int i = 0; i < 2; i++) {
        if (!bounds[i])
            continue;
        if (strlen(bounds[i]) == 10) {
            struct date d;
            if ((rc = date_parse(bounds[i], &d, &cli->err)))
                return rc;
            struct tz tz;
            if ((rc = tz_load(cli->ctx.zone_name, &tz, &cli->err)))
                return rc;
            *dest[i] = tz_day_start(&tz, d);
            tz_release(&tz);
        } else if ((rc = instant_parse(bounds[i], dest[i], &cli->err))) {
            return rc;
        }
    }
    if (limit < 1 || limit > 100000)
        return error(&cli->err, ERR_USAGE, "--limit must be 1-100000");
    f.limit = limit;
    f.before_id = before;
    struct cli_list o = CLI_LIST_INIT(cli);
    rc = audit_list(&cli->ctx, &f, print_row, &o, &cli->err);
    return cli_list_end(&o, rc);
}
