/*
 * pmis disconnect candidates|notice|approve|final-notice|policy, pmis orders list|done|cancel:
 * disconnection for arrears (欠费停电) and reconnection (复电) work orders.
 */
#include "core/common.h"
#include "core/money.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cmd_collect.h"
#include "domain/collect.h"

#include <inttypes.h>

struct cand_out {
    struct cli_list l;
    bool ready_only;
};

static int cand_row(void *arg, const struct candidate *k)
{
    struct cand_out *o = arg;
    char p[MONEY_BUF_SIZE], f[MONEY_BUF_SIZE], rd[DATE_BUF_SIZE] = "";
    if (o->ready_only && k->state != CAND_READY)
        return 0;
    if (k->notice_on)
        date_format(k->ready_on, rd);
    const char *state = collect_candidate_states[k->state];
    if (o->l.cli->json) {
        json_array_append_new(o->l.items, api_candidate_json(k));
        return 0;
    }
    printf("%s  %-12s %4" PRId32 " days  owes %12s + %10s  %s%s%s%s  %s%s\n", k->account_no, state,
           k->days, money_format_grouped(k->principal_fen, p), money_format_grouped(k->fee_fen, f),
           k->notice_on ? "noticed " : "", k->notice_on ? k->notice_on : "",
           k->notice_on ? ", from " : "", rd, k->customer, k->important ? " (重要客户)" : "");
    return 0;
}

int cmd_disconnect_candidates(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL;
    struct cand_out o = { CLI_LIST_INIT(cli), false };
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "on this day (default today)" },
        { "ready", OPT_BOOL, &o.ready_only, NULL, "only those that may be approved now" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE] [--ready]\n\n"
                 "Postpaid accounts owing a bill more than the policy's days past due (30), not\n"
                 "disconnected, oldest first, with their state: needs_notice, waiting (notice\n"
                 "served, 7 days for residents and 3 for others not yet run), ready, ordered.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    struct date d;
    if (!rc)
        rc = collect_cli_date(cli, date, &d);
    if (!rc)
        rc = collect_candidates(&cli->ctx, d, cand_row, &o, &cli->err);
    return cli_list_end(&o.l, rc);
}

int cmd_disconnect_notice(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT\n\nServes a disconnection notice (停电通知书) today: a letter in the\n"
                 "outbox naming the arrears and the first day supply may be interrupted. A notice\n"
                 "already served for the same arrears is kept.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct notice_result r;
    if ((rc = collect_notice(&cli->ctx, argv[0], &r, &cli->err)))
        return rc;
    char dd[DATE_BUF_SIZE], m[MONEY_BUF_SIZE];
    date_format(r.disconnect_on, dd);
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(argv[0]));
        json_object_set_new(j, "notice", json_integer(r.notice_id));
        json_object_set_new(j, "already", json_boolean(r.already));
        json_object_set_new(j, "served_on", json_string(r.served_on));
        json_object_set_new(j, "disconnect_from", json_string(dd));
        json_object_set_new(j, "arrears", cli_json_money(r.arrears_fen));
        json_object_set_new(j, "outbox", r.outbox_id ? json_integer(r.outbox_id) : json_null());
        cli_json_out(j);
    } else if (r.already)
        printf("%s: notice #%" PRId64 " was served on %s for these arrears: disconnection from "
               "%s\n", argv[0], r.notice_id, r.served_on, dd);
    else
        printf("%s: notice #%" PRId64 " served on %s for %s yuan (letter #%" PRId64 " queued): "
               "disconnection from %s\n",
               argv[0], r.notice_id, r.served_on, money_format_grouped(r.arrears_fen, m),
               r.outbox_id, dd);
    return 0;
}

int cmd_disconnect_approve(struct cli *cli, int argc, char **argv)
{
    const char *a1 = NULL, *a2 = NULL;
    const struct opt_spec specs[] = {
        { "approver", OPT_STR, &a1, "USER", "another user with collection:approve (required)" },
        { "second-approver", OPT_STR, &a2, "USER", "a third person (important customers)" },
        OPT_SPEC_END,
    };
    cli->usage = "ACCOUNT --approver USER [--second-approver USER]\n\n"
                 "Approves disconnecting a ready candidate: opens a disconnection work order.\n"
                 "Important customers (重要客户) need a second approver.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id;
    if ((rc = collect_approve(&cli->ctx, argv[0], a1, a2, &id, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(argv[0]));
        json_object_set_new(j, "order", json_integer(id));
        cli_json_out(j);
    } else
        printf("%s: disconnection order #%" PRId64 " opened\n", argv[0], id);
    return 0;
}

static int policy_row(void *arg, const struct disconnect_policy *p)
{
    struct cli_list *l = arg;
    char d[DATE_BUF_SIZE];
    date_format(p->from, d);
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "from", json_string(d));
        json_object_set_new(j, "overdue_days", json_integer(p->overdue_days));
        json_object_set_new(j, "notice_days_resident", json_integer(p->notice_days_resident));
        json_object_set_new(j, "notice_days_other", json_integer(p->notice_days_other));
        json_object_set_new(j, "reconnect_hours", json_integer(p->reconnect_hours));
        json_object_set_new(j, "important_approvals", json_integer(p->important_approvals));
        json_object_set_new(j, "final_notice_minutes", json_integer(p->final_notice_minutes));
        json_object_set_new(j, "regulator", cli_json_str(p->regulator));
        json_object_set_new(j, "source", json_string(p->source));
        json_array_append_new(l->items, j);
    } else
        printf("from %s  overdue > %" PRId64 " days  notice %" PRId64 " days (resident) / %" PRId64
               " (others)  reconnect within %" PRId64 " h  important: %" PRId64
               " approvers  final notice %" PRId64 " min before (others)  copy to %s  %s\n",
               d, p->overdue_days, p->notice_days_resident, p->notice_days_other,
               p->reconnect_hours, p->important_approvals, p->final_notice_minutes,
               p->regulator ? p->regulator : "-", p->source);
    return 0;
}

int cmd_disconnect_policy(struct cli *cli, int argc, char **argv)
{
    const char *from = NULL, *source = NULL;
    struct disconnect_policy p = DISCONNECT_POLICY_DEFAULTS;
    const char *regulator = p.regulator;
    const struct opt_spec specs[] = {
        { "from", OPT_STR, &from, "DATE", "with add: effective date (required)" },
        { "overdue-days", OPT_INT, &p.overdue_days, "N", "days past due before a candidate (30)" },
        { "notice-resident", OPT_INT, &p.notice_days_resident, "N", "notice days, residents (7)" },
        { "notice-other", OPT_INT, &p.notice_days_other, "N", "notice days, others (3)" },
        { "reconnect-hours", OPT_INT, &p.reconnect_hours, "N", "reconnection deadline (24)" },
        { "important-approvals", OPT_INT, &p.important_approvals, "1|2",
          "approvers for important customers (2)" },
        { "final-notice-minutes", OPT_INT, &p.final_notice_minutes, "N",
          "non-residential: the final notice this long before (60; 0: none)" },
        { "regulator", OPT_STR, &regulator, "NAME",
          "important customers' notices copied to it (电力管理部门; '-': none)" },
        { "source", OPT_STR, &source, "TEXT", "with add: the regulation it implements (required)" },
        OPT_SPEC_END,
    };
    cli->usage = "[list | add --from DATE [--overdue-days N] ... --source TEXT]\n\n"
                 "Disconnection policies are versioned by effective date, like late-fee policies.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 1);
    if (rc)
        return rc;
    if (argc && !strcmp(argv[0], "add")) {
        if (!from)
            return error(&cli->err, ERR_USAGE, "--%s is required", "from");
        p.source = source;
        p.regulator = strcmp(regulator, "-") ? regulator : NULL;
        if ((rc = date_parse(from, &p.from, &cli->err)) ||
            (rc = collect_policy_add(&cli->ctx, &p, &cli->err)))
            return rc;
    } else if (argc && strcmp(argv[0], "list"))
        return error(&cli->err, ERR_USAGE, "disconnect policy list or add, not '%s'", argv[0]);
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_policy_list(&cli->ctx, policy_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}

struct order_out {
    struct cli_list l;
    struct tz tz;
};

static int order_row(void *arg, const struct order_info *o)
{
    struct order_out *out = arg;
    char m[MONEY_BUF_SIZE], op[INSTANT_BUF_SIZE], dl[INSTANT_BUF_SIZE], cl[INSTANT_BUF_SIZE];
    if (out->l.cli->json) {
        json_array_append_new(out->l.items, api_order_json(o, cli_time_local, &out->tz));
        return 0;
    }
    instant_format_tz(o->opened_at, &out->tz, op);
    if (o->deadline_at)
        instant_format_tz(o->deadline_at, &out->tz, dl);
    if (o->closed_at)
        instant_format_tz(o->closed_at, &out->tz, cl);
    printf("#%" PRId64 "  %s  %-10s %-9s%s opened %s%s%s%s%s  arrears %s%s%s%s%s%s%s%s\n",
           o->id, o->account_no, o->kind, o->status, o->late ? " LATE" : "", op,
           o->deadline_at ? "  due " : "", o->deadline_at ? dl : "",
           o->closed_at ? "  closed " : "", o->closed_at ? cl : "",
           money_format_grouped(o->arrears_fen, m), o->note ? "  " : "", o->note ? o->note : "",
           o->final_notice_channel ? "  final notice by " : "",
           o->final_notice_channel ? o->final_notice_channel : "",
           o->final_notice_by ? " (" : "", o->final_notice_by ? o->final_notice_by : "",
           o->final_notice_by ? ")" : "");
    return 0;
}

int cmd_orders_list(struct cli *cli, int argc, char **argv)
{
    struct order_query q = { .limit = 100 };
    const struct opt_spec specs[] = {
        { "late", OPT_BOOL, &q.late_only, NULL, "reconnections done late or still open past due" },
        { "status", OPT_STR, &q.status, "S", "open, done or cancelled" },
        { "kind", OPT_STR, &q.kind, "K", "disconnect or reconnect" },
        { "account", OPT_STR, &q.account_no, "ACCOUNT", "one account's orders" },
        { "after", OPT_INT, &q.after_id, "ID", "next page: orders after this id" },
        { "limit", OPT_INT, &q.limit, "N", "at most N orders (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--late] [--status S] [--kind K] [--account A] [--after ID] [--limit N]\n\n"
                 "Collection work orders: disconnections approved and reconnections due within\n"
                 "24 hours of the payment (rules §6.2); --late shows the ones that missed it.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct order_out o;
    memset(&o, 0, sizeof(o));
    o.l = (struct cli_list)CLI_LIST_INIT(cli);
    if ((rc = tz_load(cli->ctx.zone_name, &o.tz, &cli->err)) == 0)
        rc = collect_orders_list(&cli->ctx, &q, order_row, &o, &cli->err);
    tz_release(&o.tz);
    return cli_list_end(&o.l, rc);
}

static int order_id(struct cli *cli, const char *s, long long *id)
{
    char *end;
    *id = strtoll(s, &end, 10);
    if (!*s || *end || *id < 1)
        return error(&cli->err, ERR_INVALID, "'%s' is not an order id", s);
    return 0;
}

static int close_order(struct cli *cli, int argc, char **argv, bool done)
{
    const char *note = NULL;
    const struct opt_spec done_specs[] = {
        { "note", OPT_STR, &note, "TEXT", "what the crew reports" },
        OPT_SPEC_END,
    };
    const struct opt_spec cancel_specs[] = {
        { "reason", OPT_STR, &note, "TEXT", "why (required)" },
        OPT_SPEC_END,
    };
    cli->usage = done ? "ID [--note TEXT]\n\nThe crew disconnected or reconnected the supply."
                      : "ID --reason TEXT\n\nCancels an open order.";
    int rc = cli_options(cli, done ? done_specs : cancel_specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    long long id;
    if ((rc = order_id(cli, argv[0], &id)))
        return rc;
    if (!done && !note)
        return error(&cli->err, ERR_USAGE, "--%s is required", "reason");
    if ((rc = collect_order_close(&cli->ctx, id, done, note, &cli->err)))
        return rc;
    struct order_info o;
    if ((rc = collect_order_get(&cli->ctx, id, &o, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(o.id));
        json_object_set_new(j, "kind", json_string(o.kind));
        json_object_set_new(j, "status", json_string(o.status));
        json_object_set_new(j, "late", json_boolean(o.late));
        cli_json_out(j);
    } else
        printf("order #%lld (%s %s): %s%s\n", id, o.kind, o.account_no, o.status,
               o.late ? ", LATE" : "");
    return 0;
}

int cmd_disconnect_final(struct cli *cli, int argc, char **argv)
{
    struct final_notice_how how = { 0 };
    const struct opt_spec specs[] = {
        { "channel", OPT_STR, &how.channel, "CH", "sms (default: queued), phone or visit" },
        { "by", OPT_STR, &how.by, "NAME", "who served it (default: you)" },
        { "note", OPT_STR, &how.note, "TEXT", "whom they reached, what was said (phone, visit)" },
        OPT_SPEC_END
    };
    cli->usage = "ORDER\n\n"
                 "Records the final notice before the crew disconnects: an SMS queued in the\n"
                 "outbox, or a phone call or visit already made (with a note). A non-residential\n"
                 "account's disconnection can be done only the policy's minutes (60) after it,\n"
                 "whatever the channel.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    long long id;
    if ((rc = order_id(cli, argv[0], &id)))
        return rc;
    struct final_notice fn;
    struct tz tz;
    char b[INSTANT_BUF_SIZE];
    if ((rc = collect_final_notice(&cli->ctx, id, &how, &fn, &cli->err)) ||
        (rc = tz_load(cli->ctx.zone_name, &tz, &cli->err)))
        return rc;
    instant_format_tz(fn.disconnect_from, &tz, b);
    tz_release(&tz);
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "order", json_integer(id));
        json_object_set_new(j, "disconnect_from", json_string(b));
        json_object_set_new(j, "outbox", fn.outbox_id ? json_integer(fn.outbox_id) : json_null());
        json_object_set_new(j, "channel", json_string(how.channel ? how.channel : "sms"));
        json_object_set_new(j, "served_by", how.by ? json_string(how.by)
                                            : cli->ctx.actor ? json_string(cli->ctx.actor)
                                                             : json_null());
        cli_json_out(j);
    } else
        printf("order #%lld: final notice %s (%s), disconnection from %s\n", id,
               how.channel && strcmp(how.channel, "sms") ? "recorded" : "sent",
               how.channel ? how.channel : "sms", b);
    return 0;
}

int cmd_orders_done(struct cli *cli, int argc, char **argv)
{
    return close_order(cli, argc, argv, true);
}

int cmd_orders_cancel(struct cli *cli, int argc, char **argv)
{
    return close_order(cli, argc, argv, false);
}
