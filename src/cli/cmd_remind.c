/*
 * pmis remind run|history|schedule|template, pmis outbox list|mark-sent|mark-failed: reminders
 * (催费) queued in the outbox, and the outbox as the sender adapters see it.
 */
#include "core/common.h"
#include "core/money.h"
#include "cli/cli.h"
#include "cli/cmd_collect.h"
#include "domain/collect.h"

#include <inttypes.h>

int cmd_remind_run(struct cli *cli, int argc, char **argv)
{
    const char *date = NULL;
    const struct opt_spec specs[] = {
        { "date", OPT_STR, &date, "DATE", "the day of the run (default today, never later)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--date DATE]\n\n"
                 "Queues reminders (催费) in the outbox: each open bill overdue on DATE gets the\n"
                 "latest step of the schedule it has reached (pmis remind schedule), once; a\n"
                 "missed earlier step is not sent after a later one. Running it again queues\n"
                 "nothing new.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct date d;
    struct remind_result r;
    if ((rc = collect_cli_date(cli, date, &d)) ||
        (rc = collect_remind_run(&cli->ctx, d, 1000, &r, &cli->err)))
        return rc;
    char db[DATE_BUF_SIZE];
    date_format(d, db);
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "date", json_string(db));
        json_object_set_new(j, "overdue_bills", json_integer(r.bills));
        json_object_set_new(j, "queued", json_integer(r.queued));
        json_object_set_new(j, "sms", json_integer(r.by_channel[0]));
        json_object_set_new(j, "wechat", json_integer(r.by_channel[1]));
        json_object_set_new(j, "letter", json_integer(r.by_channel[2]));
        cli_json_out(j);
    } else
        printf("reminders for %s: %" PRId64 " overdue bills, %" PRId64 " queued (sms %" PRId64
               ", wechat %" PRId64 ", letter %" PRId64 ")\n",
               db, r.bills, r.queued, r.by_channel[0], r.by_channel[1], r.by_channel[2]);
    return 0;
}

struct msg_out {
    struct cli_list l;
    struct tz tz;
};

static int msg_row(void *arg, const struct outbox_msg *m)
{
    struct msg_out *o = arg;
    char at[INSTANT_BUF_SIZE], sent[INSTANT_BUF_SIZE];
    instant_format_tz(m->created_at, &o->tz, at);
    if (m->sent_at)
        instant_format_tz(m->sent_at, &o->tz, sent);
    if (o->l.cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(m->id));
        json_object_set_new(j, "kind", json_string(m->kind));
        json_object_set_new(j, "channel", json_string(m->channel));
        json_object_set_new(j, "recipient", json_string(m->recipient));
        json_object_set_new(j, "bill", cli_json_str(m->bill_no));
        if (m->bill_no)
            json_object_set_new(j, "days_overdue", json_integer(m->days_overdue));
        json_object_set_new(j, "status", json_string(m->status));
        json_object_set_new(j, "created_at", json_string(at));
        json_object_set_new(j, "sent_at", m->sent_at ? json_string(sent) : json_null());
        json_object_set_new(j, "error", cli_json_str(m->error));
        json_object_set_new(j, "body", json_string(m->body));
        json_array_append_new(o->l.items, j);
        return 0;
    }
    printf("#%" PRId64 "  %s  %-17s %-6s %-6s to %s%s%s%s%s\n  %s\n", m->id, at, m->kind,
           m->channel, m->status, m->recipient, m->bill_no ? "  bill " : "",
           m->bill_no ? m->bill_no : "", m->error ? "  error: " : "", m->error ? m->error : "",
           m->body);
    return 0;
}

static int msg_out_init(struct cli *cli, struct msg_out *o)
{
    o->l = (struct cli_list)CLI_LIST_INIT(cli);
    int rc = tz_load(cli->ctx.zone_name, &o->tz, &cli->err);
    if (rc)
        json_decref(o->l.items);
    return rc;
}

static int msg_out_end(struct msg_out *o, int rc)
{
    tz_release(&o->tz);
    return cli_list_end(&o->l, rc);
}

int cmd_remind_history(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT\n\nThe reminders and notices sent to an account, oldest first.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct msg_out o;
    if ((rc = msg_out_init(cli, &o)))
        return rc;
    rc = collect_remind_history(&cli->ctx, argv[0], msg_row, &o, &cli->err);
    return msg_out_end(&o, rc);
}

static int step_row(void *arg, const struct remind_step *s)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "days_after_due", json_integer(s->days_after));
        json_object_set_new(j, "channel", json_string(s->channel));
        json_object_set_new(j, "grades", json_string(s->grades));
        json_array_append_new(l->items, j);
    } else
        printf("%4" PRId64 " days after due: %-6s credit grades %s\n", s->days_after, s->channel,
               s->grades);
    return 0;
}

static int parse_days(struct cli *cli, const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 1 || v > 3650)
        return error(&cli->err, ERR_INVALID, "'%s' is not a number of days (1 to 3650)", s);
    *out = v;
    return 0;
}

int cmd_remind_schedule(struct cli *cli, int argc, char **argv)
{
    const char *grades = NULL;
    const struct opt_spec specs[] = {
        { "grades", OPT_STR, &grades, "ABCD", "with set: the credit grades it applies to (all)" },
        OPT_SPEC_END,
    };
    cli->usage = "[list | set DAYS CHANNEL [--grades ABCD] | remove DAYS]\n\n"
                 "The reminder schedule: a bill DAYS days past due gets a message on CHANNEL\n"
                 "(sms, wechat or letter) when its account's credit grade is in GRADES (unrated\n"
                 "accounts count as B): low grades can get more reminders.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 3);
    if (rc)
        return rc;
    const char *verb = argc ? argv[0] : "list";
    int64_t days;
    if (!strcmp(verb, "set") && argc == 3) {
        if ((rc = parse_days(cli, argv[1], &days)) ||
            (rc = collect_step_set(&cli->ctx, days, argv[2], grades, &cli->err)))
            return rc;
    } else if (!strcmp(verb, "remove") && argc == 2) {
        if ((rc = parse_days(cli, argv[1], &days)) ||
            (rc = collect_step_remove(&cli->ctx, days, &cli->err)))
            return rc;
    } else if (strcmp(verb, "list") || argc > 1)
        return error(&cli->err, ERR_USAGE, "remind schedule list, set DAYS CHANNEL or remove DAYS");
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_steps_list(&cli->ctx, step_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}

static int template_row(void *arg, const struct template_info *t)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(t->kind));
        json_object_set_new(j, "channel", json_string(t->channel));
        json_object_set_new(j, "lang", json_string(t->lang));
        json_object_set_new(j, "body", json_string(t->body));
        json_object_set_new(j, "updated_by", json_string(t->updated_by));
        json_array_append_new(l->items, j);
    } else
        printf("%s/%s/%s:\n  %s\n", t->kind, t->channel, t->lang, t->body);
    return 0;
}

int cmd_remind_template(struct cli *cli, int argc, char **argv)
{
    const char *text = NULL, *lang = NULL;
    const struct opt_spec specs[] = {
        { "text", OPT_STR, &text, "TEXT", "with set: the message text, placeholders in braces" },
        { "lang", OPT_STR, &lang, "zh|en", "with set: the template's language (default zh)" },
        OPT_SPEC_END,
    };
    cli->usage = "[list | set KIND CHANNEL [--lang zh|en] --text TEXT]\n\n"
                 "Message templates per kind (reminder, disconnect_notice, reconnect), channel\n"
                 "(sms, wechat, letter, email, webhook) and language (zh, en).\n"
                 "Placeholders: {account} {customer} {bill} {period} {amount} {principal}\n"
                 "{late_fee} {due_on} {days} {date} {disconnect_on}.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 3);
    if (rc)
        return rc;
    const char *verb = argc ? argv[0] : "list";
    if (!strcmp(verb, "set") && argc == 3) {
        if (!text)
            return error(&cli->err, ERR_USAGE, "--%s is required", "text");
        if ((rc = collect_template_set(&cli->ctx, argv[1], argv[2], lang, text, &cli->err)))
            return rc;
    } else if (strcmp(verb, "list") || argc > 1)
        return error(&cli->err, ERR_USAGE, "remind template list or set KIND CHANNEL --text TEXT");
    struct cli_list l = CLI_LIST_INIT(cli);
    rc = collect_templates_list(&cli->ctx, template_row, &l, &cli->err);
    return cli_list_end(&l, rc);
}

int cmd_outbox_list(struct cli *cli, int argc, char **argv)
{
    struct outbox_query q = { .limit = 100 };
    const struct opt_spec specs[] = {
        { "status", OPT_STR, &q.status, "S", "queued, sent or failed (the dead letters)" },
        { "channel", OPT_STR, &q.channel, "CH", "sms, wechat, letter, email or webhook" },
        { "account", OPT_STR, &q.account_no, "ACCOUNT", "one account's messages" },
        { "after", OPT_INT, &q.after_id, "ID", "next page: messages after this id" },
        { "limit", OPT_INT, &q.limit, "N", "at most N messages (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--status S] [--channel CH] [--account A] [--after ID] [--limit N]\n\n"
                 "Messages waiting for (or handled by) the gateways (pmis outbox deliver) or an\n"
                 "outside sender. The recipient is the account number: the contact is looked up\n"
                 "and decrypted only when the message is sent.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct msg_out o;
    if ((rc = msg_out_init(cli, &o)))
        return rc;
    rc = collect_outbox_list(&cli->ctx, &q, msg_row, &o, &cli->err);
    return msg_out_end(&o, rc);
}

int collect_cli_msg_id(struct cli *cli, const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 1)
        return error(&cli->err, ERR_INVALID, "'%s' is not a message id", s);
    *id = v;
    return 0;
}

static int mark(struct cli *cli, int argc, char **argv, bool failed)
{
    const char *why = NULL;
    const struct opt_spec sent_specs[] = { OPT_SPEC_END };
    const struct opt_spec failed_specs[] = {
        { "error", OPT_STR, &why, "TEXT", "what the sender reported (required)" },
        OPT_SPEC_END,
    };
    cli->usage = failed ? "ID --error TEXT\n\nThe sender could not deliver message ID."
                        : "ID\n\nThe sender delivered message ID (queued or failed before).";
    int rc = cli_options(cli, failed ? failed_specs : sent_specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id = 0;
    if (failed && !why)
        return error(&cli->err, ERR_USAGE, "--%s is required", "error");
    if ((rc = collect_cli_msg_id(cli, argv[0], &id)) ||
        (rc = collect_outbox_mark(&cli->ctx, id, failed ? why : NULL, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(id));
        json_object_set_new(j, "status", json_string(failed ? "failed" : "sent"));
        cli_json_out(j);
    } else
        printf("message #%" PRId64 ": %s\n", id, failed ? "failed" : "sent");
    return 0;
}

int cmd_outbox_mark_sent(struct cli *cli, int argc, char **argv)
{
    return mark(cli, argc, argv, false);
}

int cmd_outbox_mark_failed(struct cli *cli, int argc, char **argv)
{
    return mark(cli, argc, argv, true);
}
