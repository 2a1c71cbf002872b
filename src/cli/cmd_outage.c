/*
 * pmis outage add|list|show|close|feeder: outage events (停电事件, domain/outage.h) with their
 * notices, affected customers and grouped repair orders. Times are read and printed in the
 * business zone.
 */
#include "core/common.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/outage.h"

static int parse_id(struct cli *cli, const char *s, int64_t *id)
{
    return cli_parse_number(cli, s, "an outage number", id);
}

int cmd_outage_add(struct cli *cli, int argc, char **argv)
{
    struct outage_in in = { 0 };
    const char *from = NULL, *to = NULL;
    const struct opt_spec specs[] = {
        { "kind", OPT_STR, &in.kind, "KIND", "planned|temporary|fault" },
        { "org", OPT_STR, &in.org_code, "CODE", "the area (org subtree), or the unit in charge" },
        { "feeder", OPT_STR, &in.feeder, "F", "the customers supplied from this feeder" },
        { "sp", OPT_STR, &in.sp_no, "SP-NO", "the customer of this service point" },
        { "from", OPT_STR, &from, "TIME", "start (local time, or with an offset)" },
        { "to", OPT_STR, &to, "TIME", "planned end (a fault: estimated, optional)" },
        { "reason", OPT_STR, &in.reason, "TEXT", "why (sent in the notice)" },
        OPT_SPEC_END,
    };
    cli->usage = "--kind planned|temporary|fault (--org CODE | --feeder F | --sp SP-NO)\n"
                 "       --from TIME"
                 " [--to TIME] --reason TEXT\n\n"
                 "Publish an outage: its affected customers are fixed and notified through the\n"
                 "outbox. A planned outage must be announced 7 days ahead (refused otherwise); a\n"
                 "temporary one reaching important customers less than 24 hours ahead is flagged.";
    struct out o;
    struct outage_result res;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = out_init(cli, &o)))
        return rc;
    if (from && (rc = instant_parse_local(from, &o.tz, &in.from_at, &cli->err)))
        goto out;
    if (to && (rc = instant_parse_local(to, &o.tz, &in.to_at, &cli->err)))
        goto out;
    if ((rc = outage_add(&cli->ctx, &in, &res, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(res.id));
        json_object_set_new(j, "affected", json_integer(res.affected));
        json_object_set_new(j, "important", json_integer(res.important));
        json_object_set_new(j, "notified", json_integer(res.notified));
        json_object_set_new(j, "late_notice", json_boolean(res.late_notice));
        cli_json_out(j);
    } else {
        printf("outage %" PRId64 " published: %" PRId64 " customers affected (%" PRId64
               " important), %" PRId64 " notices queued\n", res.id, res.affected, res.important,
               res.notified);
        if (res.late_notice)
            fprintf(stderr, "%s: warning: the notice reaches %" PRId64 " important customers "
                    "less than %d hours ahead (rules §7.3): flagged as late\n", cli->prog,
                    res.important, OUTAGE_TEMPORARY_HOURS);
    }
out:
    out_release(&o);
    return rc;
}

static json_t *outage_json(struct out *o, const struct outage *u)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(u->id));
    json_object_set_new(j, "kind", json_string(u->kind));
    json_object_set_new(j, "scope", json_string(u->scope));
    json_object_set_new(j, "org", json_string(u->org_code));
    json_object_set_new(j, "feeder", cli_json_str(u->feeder));
    json_object_set_new(j, "sp", cli_json_str(u->sp_no));
    json_object_set_new(j, "from", jwhen(o, u->from_at));
    json_object_set_new(j, "to", jwhen(o, u->to_at));
    json_object_set_new(j, "reason", json_string(u->reason));
    json_object_set_new(j, "notice_at", jwhen(o, u->notice_at));
    json_object_set_new(j, "late_notice", json_boolean(u->late_notice));
    json_object_set_new(j, "state", json_string(u->state));
    json_object_set_new(j, "closed_at", jwhen(o, u->closed_at));
    json_object_set_new(j, "affected", json_integer(u->affected));
    json_object_set_new(j, "important", json_integer(u->important));
    json_object_set_new(j, "notified", json_integer(u->notified));
    json_object_set_new(j, "tickets", json_integer(u->tickets));
    return j;
}

static const char *area(const struct outage *u)
{
    return u->sp_no ? u->sp_no : u->feeder ? u->feeder : u->org_code;
}

static int list_row(void *arg, const struct outage *u)
{
    struct out *o = arg;
    char a[INSTANT_BUF_SIZE], b[INSTANT_BUF_SIZE];
    if (o->cli->json)
        json_array_append_new(o->items, outage_json(o, u));
    else
        printf("%-5" PRId64 " %-9s %-6s %-6s %-12s %s .. %s  customers %" PRId64 "  orders %"
               PRId64 "%s\n", u->id, u->kind, u->state, u->scope, area(u),
               when(o, u->from_at, a), when(o, u->to_at, b), u->affected, u->tickets,
               u->late_notice ? "  late notice" : "");
    return 0;
}

int cmd_outage_list(struct cli *cli, int argc, char **argv)
{
    struct outage_filter f = { 0 };
    const struct opt_spec specs[] = {
        { "state", OPT_STR, &f.state, "STATE", "active|closed" },
        { "kind", OPT_STR, &f.kind, "KIND", "planned|temporary|fault" },
        { "after", OPT_INT, &f.after_id, "ID", "the page after this outage" },
        { "limit", OPT_INT, &f.limit, "N", "page size (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--state active|closed] [--kind KIND] [--after ID] [--limit N]";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = out_init(cli, &o)))
        return rc;
    if (!(rc = outage_list(&cli->ctx, &f, list_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

struct lookup {
    struct out o; /* first: list_row gets it */
    int64_t n;
};

static int lookup_row(void *arg, const struct outage *u)
{
    struct lookup *l = arg;
    l->n++;
    if (l->o.cli->json)
        json_array_append_new(l->o.items, api_outage_json(u, cli_time_local, &l->o.tz));
    else
        list_row(&l->o, u);
    return 0;
}

int cmd_outage_lookup(struct cli *cli, int argc, char **argv)
{
    struct outage_caller who = { 0 };
    const struct opt_spec specs[] = {
        { "customer", OPT_STR, &who.cust_no, "CUST-NO", "the customer (户号)" },
        { "account", OPT_STR, &who.account_no, "ACCOUNT", "the customer of this account" },
        { "phone", OPT_STR, &who.phone, "PHONE", "the customer of this phone" },
        OPT_SPEC_END,
    };
    cli->usage = "(--customer CUST-NO | --account ACCOUNT | --phone PHONE)\n\n"
                 "The outages affecting a customer now (under way or announced, by its org,\n"
                 "feeder or service point), soonest first: what a caller is told. --json gives\n"
                 "the API's reply (GET /api/v1/outages/lookup).";
    struct lookup l = { .n = 0 };
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!who.cust_no + !who.account_no + !who.phone != 2)
        return error(&cli->err, ERR_USAGE, "give one of --customer, --account or --phone");
    if ((rc = out_init(cli, &l.o)))
        return rc;
    if (!(rc = outage_lookup(&cli->ctx, &who, lookup_row, &l, &cli->err))) {
        if (cli->json)
            cli_json_out(json_pack("{s:b,s:O}", "affected", l.n > 0, "items", l.o.items));
        else if (!l.n)
            printf("no outage affects this customer now\n");
    }
    out_release(&l.o);
    return rc;
}

static int customer_row(void *arg, const struct outage_customer *k)
{
    struct out *o = arg;
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "cust_no", json_string(k->cust_no));
        json_object_set_new(j, "name", json_string(k->name));
        json_object_set_new(j, "important", json_boolean(k->important));
        json_object_set_new(j, "notified", cli_json_str(k->recipient));
        json_array_append_new(o->items, j);
    } else {
        printf("  %s %s%s  %s\n", k->cust_no, k->name, k->important ? " (重要客户)" : "",
               k->recipient ? k->recipient : "not notified: no open account");
    }
    return 0;
}

static int ticket_row(void *arg, const struct outage_ticket *k)
{
    struct out *o = arg;
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(k->id));
        json_object_set_new(j, "state", json_string(k->state));
        json_object_set_new(j, "cust_no", cli_json_str(k->cust_no));
        json_array_append_new(o->items, j);
    } else {
        printf("  work order %" PRId64 "  %s  %s\n", k->id, k->cust_no ? k->cust_no : "-",
               k->state);
    }
    return 0;
}

int cmd_outage_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ID\n\nAn outage with its affected customers and grouped repair orders.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    struct outage u;
    struct out o;
    char a[INSTANT_BUF_SIZE], b[INSTANT_BUF_SIZE];
    if (rc || (rc = parse_id(cli, argv[0], &id)) || (rc = out_init(cli, &o)))
        return rc;
    if ((rc = outage_get(&cli->ctx, id, &u, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = outage_json(&o, &u);
        json_object_set_new(j, "close_note", cli_json_str(u.close_note));
        json_object_set_new(j, "created_by", json_string(u.created_by));
        if ((rc = outage_customers(&cli->ctx, id, customer_row, &o, &cli->err))) {
            json_decref(j);
            goto out;
        }
        json_object_set_new(j, "customers", o.items);
        o.items = json_array();
        if ((rc = outage_tickets(&cli->ctx, id, ticket_row, &o, &cli->err))) {
            json_decref(j);
            goto out;
        }
        json_object_set_new(j, "orders", o.items);
        o.items = json_array();
        cli_json_out(j);
        goto out;
    }
    printf("outage %" PRId64 ": %s (%s), %s, %s %s, org %s\n", u.id, u.kind_name, u.kind,
           u.state, u.scope, area(&u), u.org_code);
    printf("from %s to %s: %s\n", when(&o, u.from_at, a), when(&o, u.to_at, b), u.reason);
    printf("announced %s by %s%s\n", when(&o, u.notice_at, a), u.created_by,
           u.late_notice ? " (late notice to important customers)" : "");
    if (u.closed_at)
        printf("restored %s%s%s\n", when(&o, u.closed_at, a), u.close_note ? ": " : "",
               u.close_note ? u.close_note : "");
    printf("customers (%" PRId64 ", %" PRId64 " important, %" PRId64 " notified):\n",
           u.affected, u.important, u.notified);
    if ((rc = outage_customers(&cli->ctx, id, customer_row, &o, &cli->err)))
        goto out;
    printf("repair orders (%" PRId64 "):\n", u.tickets);
    rc = outage_tickets(&cli->ctx, id, ticket_row, &o, &cli->err);
out:
    out_release(&o);
    return rc;
}

int cmd_outage_close(struct cli *cli, int argc, char **argv)
{
    const char *note = NULL;
    const struct opt_spec specs[] = {
        { "note", OPT_STR, &note, "TEXT", "how supply was restored" },
        OPT_SPEC_END,
    };
    cli->usage = "ID [--note TEXT]\n\nSupply restored: close the outage, archive its open repair\n"
                 "orders with the note and announce the restoration to the customers notified.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id, resolved = 0;
    if (rc || (rc = parse_id(cli, argv[0], &id)) ||
        (rc = outage_close(&cli->ctx, id, note, &resolved, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(id));
        json_object_set_new(j, "state", json_string("closed"));
        json_object_set_new(j, "resolved", json_integer(resolved));
        cli_json_out(j);
    } else {
        printf("outage %" PRId64 " closed: %" PRId64 " repair orders archived\n", id, resolved);
    }
    return 0;
}

int cmd_outage_feeder(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "SP-NO FEEDER\n\nRecord the feeder (线路) a service point is supplied from.";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc || (rc = outage_feeder_set(&cli->ctx, argv[0], argv[1], &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "sp", json_string(argv[0]));
        json_object_set_new(j, "feeder", json_string(argv[1]));
        cli_json_out(j);
    } else {
        printf("service point %s: feeder %s\n", argv[0], argv[1]);
    }
    return 0;
}
