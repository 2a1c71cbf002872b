/*
 * pmis outbox deliver|show|dead|retry|lang|channels|email: the delivery worker and what an
 * operator needs around it (one message with its attempts, the dead letters, their requeue, an
 * account's message language, the channels of its notices and the address of its email
 * notices). The gateways come from the configuration (gateway.<channel>.*).
 * outbox list|mark-sent|mark-failed are in cmd_remind.c.
 */
#include "core/common.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cmd_collect.h"
#include "domain/outbox.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* the five options of a channel are consecutive rows of cfg.def, url first */
static const enum cfg_id first_option[OUTBOX_NCHANNELS] = {
    CFG_GATEWAY_SMS_URL, CFG_GATEWAY_WECHAT_URL, CFG_GATEWAY_LETTER_URL, CFG_GATEWAY_EMAIL_URL,
    CFG_GATEWAY_WEBHOOK_URL
};
_Static_assert(CFG_GATEWAY_SMS_BACKOFF_CAP == CFG_GATEWAY_SMS_URL + 4 &&
                   CFG_GATEWAY_WEBHOOK_BACKOFF_CAP == CFG_GATEWAY_WEBHOOK_URL + 4,
               "a gateway's options are five consecutive rows of cfg.def");

static void gateway_from_cfg(struct cli *cli, int ch, struct outbox_gateway *g)
{
    enum cfg_id id = first_option[ch];
    g->url = cfg_str(&cli->cfg, id);
    g->timeout_ms = cfg_int(&cli->cfg, id + 1);
    g->max_attempts = cfg_int(&cli->cfg, id + 2);
    g->backoff_base_ms = cfg_int(&cli->cfg, id + 3);
    g->backoff_cap_ms = cfg_int(&cli->cfg, id + 4);
}

int cmd_outbox_deliver(struct cli *cli, int argc, char **argv)
{
    bool once = false;
    int64_t batch = cfg_int(&cli->cfg, CFG_GATEWAY_BATCH);
    const struct opt_spec specs[] = {
        { "once", OPT_BOOL, &once, NULL, "deliver what is due now, then exit" },
        { "batch", OPT_INT, &batch, "N", "messages claimed at a time (gateway.batch, 20)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--once] [--batch N]\n\n"
                 "Posts queued messages to the gateways of their channels (gateway.<channel>.url)\n"
                 "as JSON with an Idempotency-Key header, retries failures with back-off and\n"
                 "moves what cannot be delivered to the dead letters (pmis outbox dead). Without\n"
                 "--once it keeps running until SIGTERM or SIGINT. Any number of workers may run\n"
                 "at once; none sends a message another is sending.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (batch < 1 || batch > 1000)
        return error(&cli->err, ERR_INVALID, "--batch is 1 to 1000, not %" PRId64, batch);
    struct outbox_deliver_opts o = {
        .allow_hosts = cfg_str(&cli->cfg, CFG_GATEWAY_ALLOW_HOSTS),
        .batch = batch,
        .poll_ms = cfg_int(&cli->cfg, CFG_GATEWAY_POLL_MS),
        .once = once,
        .stop = &stop_flag,
    };
    for (int i = 0; i < OUTBOX_NCHANNELS; i++) {
        gateway_from_cfg(cli, i, &o.gw[i]);
        /* refused before anything is claimed, naming the option and where it was set */
        const struct cfg_value *v = &cli->cfg.v[first_option[i]];
        if (*o.gw[i].url && (rc = outbox_gateway_check(o.gw[i].url, o.allow_hosts, &cli->err)))
            return error_prefix(&cli->err, "gateway.%s.url (%s%s): ", outbox_channel_names[i],
                                v->source == CFG_SRC_ENV ? "env " : "",
                                v->origin ? v->origin : "default"), rc;
        if (o.gw[i].backoff_cap_ms < o.gw[i].backoff_base_ms)
            return error(&cli->err, ERR_CONFIG, "gateway.%s.backoff_cap_ms (%" PRId64 ") is "
                         "below gateway.%s.backoff_base_ms (%" PRId64 ")",
                         outbox_channel_names[i], o.gw[i].backoff_cap_ms,
                         outbox_channel_names[i], o.gw[i].backoff_base_ms);
    }
    struct sigaction sa = { .sa_handler = on_stop };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct outbox_deliver_result r;
    if ((rc = outbox_deliver(&cli->ctx, &o, &r, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "worker", json_string(r.worker));
        json_object_set_new(j, "sent", json_integer(r.sent));
        json_object_set_new(j, "retrying", json_integer(r.retrying));
        json_object_set_new(j, "dead", json_integer(r.dead));
        json_object_set_new(j, "requeued", json_integer(r.released));
        cli_json_out(j);
    } else {
        printf("%s: %" PRId64 " sent, %" PRId64 " to retry, %" PRId64 " dead", r.worker, r.sent,
               r.retrying, r.dead);
        if (r.released)
            printf(", %" PRId64 " requeued from a stopped worker", r.released);
        printf("\n");
    }
    return 0;
}

static int attempt_row(void *arg, const struct outbox_attempt *a)
{
    struct out *o = arg;
    json_array_append_new(o->items, api_outbox_attempt_json(a, cli_time_local, &o->tz));
    return 0;
}

static const char *js(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void show_text(json_t *m)
{
    size_t i;
    json_t *a;
    printf("message #%" JSON_INTEGER_FORMAT "  %s %s (%s) to %s\n",
           json_integer_value(json_object_get(m, "id")), js(m, "kind"), js(m, "channel"),
           js(m, "lang"), js(m, "recipient"));
    printf("  status %s%s, %" JSON_INTEGER_FORMAT " attempts", js(m, "status"),
           json_is_true(json_object_get(m, "in_flight")) ? " (being delivered)" : "",
           json_integer_value(json_object_get(m, "attempts")));
    if (*js(m, "next_attempt_at"))
        printf(", next not before %s", js(m, "next_attempt_at"));
    if (*js(m, "sent_at"))
        printf(", sent %s", js(m, "sent_at"));
    printf("\n  created %s, delivery key %s\n", js(m, "created_at"), js(m, "delivery_key"));
    if (*js(m, "error"))
        printf("  last error: %s\n", js(m, "error"));
    printf("  %s\n", js(m, "body"));
    json_array_foreach(json_object_get(m, "attempt_log"), i, a) {
        printf("  attempt %" JSON_INTEGER_FORMAT "  %s  %s  %s",
               json_integer_value(json_object_get(a, "attempt")), js(a, "started_at"),
               js(a, "worker"), *js(a, "outcome") ? js(a, "outcome") : "in flight");
        if (json_integer_value(json_object_get(a, "http_status")))
            printf("  HTTP %" JSON_INTEGER_FORMAT,
                   json_integer_value(json_object_get(a, "http_status")));
        printf("%s%s\n", *js(a, "error") ? "  " : "", js(a, "error"));
    }
}

int cmd_outbox_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ID\n\nOne message: its text, language, status, delivery key and attempts.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    if (rc || (rc = collect_cli_msg_id(cli, argv[0], &id)))
        return rc;
    struct out o;
    struct outbox_detail d;
    if ((rc = out_init(cli, &o))) {
        json_decref(o.items);
        return rc;
    }
    if (!(rc = outbox_show(&cli->ctx, id, &d, attempt_row, &o, &cli->err))) {
        json_t *j = api_outbox_json(&d, cli_time_local, &o.tz);
        json_object_set(j, "attempt_log", o.items);
        if (cli->json)
            cli_json_out(j);
        else {
            show_text(j);
            json_decref(j);
        }
    }
    out_release(&o);
    return rc;
}

static int dead_row(void *arg, const struct outbox_detail *d)
{
    struct out *o = arg;
    char a[INSTANT_BUF_SIZE];
    if (o->cli->json)
        json_array_append_new(o->items, api_outbox_json(d, cli_time_local, &o->tz));
    else
        printf("#%" PRId64 "  %s  %-17s %-7s %s to %s after %" PRId64 " attempts: %s\n", d->id,
               when(o, d->created_at, a), d->kind, d->channel, d->lang, d->recipient,
               d->attempts, d->error ? d->error : "");
    return 0;
}

int cmd_outbox_dead(struct cli *cli, int argc, char **argv)
{
    const char *channel = NULL;
    int64_t after = 0, limit = 100;
    const struct opt_spec specs[] = {
        { "channel", OPT_STR, &channel, "CH", "one channel's dead letters" },
        { "after", OPT_INT, &after, "ID", "next page: messages after this id" },
        { "limit", OPT_INT, &limit, "N", "at most N messages (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--channel CH] [--after ID] [--limit N]\n\n"
                 "The dead letters: messages a gateway refused or that failed every attempt\n"
                 "(status failed), with the last error. pmis outbox retry requeues them.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct out o;
    struct outbox_filter f = { "failed", channel, NULL, after, limit };
    if ((rc = out_init(cli, &o))) {
        json_decref(o.items);
        return rc;
    }
    if (!(rc = outbox_list(&cli->ctx, &f, dead_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

int cmd_outbox_retry(struct cli *cli, int argc, char **argv)
{
    bool all = false;
    const char *channel = NULL;
    const struct opt_spec specs[] = {
        { "all", OPT_BOOL, &all, NULL, "every dead letter (of --channel if given)" },
        { "channel", OPT_STR, &channel, "CH", "with --all: one channel's" },
        OPT_SPEC_END,
    };
    cli->usage = "ID | --all [--channel CH]\n\n"
                 "Requeue dead letters for delivery now, with a fresh attempt budget and the\n"
                 "same delivery key.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 1);
    int64_t id = 0, n;
    if (rc)
        return rc;
    if (all == (argc == 1))
        return error(&cli->err, ERR_USAGE, "give a message id or --all");
    if (channel && !all)
        return error(&cli->err, ERR_USAGE, "--channel goes with --all");
    if ((argc && (rc = collect_cli_msg_id(cli, argv[0], &id))) ||
        (rc = outbox_retry(&cli->ctx, id, channel, &n, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "requeued", json_integer(n));
        cli_json_out(j);
    } else
        printf("%" PRId64 " message%s requeued\n", n, n == 1 ? "" : "s");
    return 0;
}

int cmd_outbox_lang(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT zh|en\n\nThe language the account's messages are written in from now\n"
                 "on (default zh; a kind without an English template is sent in Chinese).";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc || (rc = outbox_prefs_set(&cli->ctx, argv[0], NULL, argv[1], NULL, NULL, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(argv[0]));
        json_object_set_new(j, "lang", json_string(argv[1]));
        cli_json_out(j);
    } else
        printf("account %s: messages in %s\n", argv[0], argv[1]);
    return 0;
}

int cmd_outbox_channels(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ACCOUNT CHANNEL[,CHANNEL...]\n\nThe channels the account's notices go out on "
                 "(sms, wechat, email, webhook,\nletter; default sms): an outage notice is sent "
                 "on each that has a template.";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc || (rc = outbox_prefs_set(&cli->ctx, argv[0], argv[1], NULL, NULL, NULL, &cli->err)))
        return rc;
    if (cli->json)
        cli_json_out(json_pack("{s:s,s:s}", "account", argv[0], "channels", argv[1]));
    else
        printf("account %s: notices on %s\n", argv[0], argv[1]);
    return 0;
}

int cmd_outbox_email(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    struct outbox_prefs p;
    cli->usage = "ACCOUNT ADDRESS|\"\"\n\nThe address the account's email notices go to (stored "
                 "encrypted; \"\" removes it).\nWithout one, a message on the email channel "
                 "becomes a dead letter.";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc || (rc = outbox_prefs_set(&cli->ctx, argv[0], NULL, NULL, argv[1], &p, &cli->err)))
        return rc;
    if (cli->json)
        cli_json_out(json_pack("{s:s,s:o}", "account", argv[0], "email",
                               p.email ? json_string(p.email) : json_null()));
    else
        printf("account %s: email notices to %s\n", argv[0], p.email ? p.email : "(none)");
    return 0;
}
