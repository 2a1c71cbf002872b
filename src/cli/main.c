/*
 * pmis: the command table, global options, and the start-up every command shares
 * (configuration, database, key file, context). See cli.h for how to add a command.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/log.h"
#include "cli/cli.h"

#include <pwd.h>

extern char **environ;

struct cli_command {
    const char *noun, *verb; /* verb NULL: a one-word command */
    cmd_fn *fn;
    unsigned flags;
    const char *summary;
};

static const struct cli_command commands[] = {
    { "init", NULL, cmd_init, CMD_DB | CMD_NO_SCHEMA | CMD_CREATE_DB, "create the key file and the schema" },
    { "db", "migrate", cmd_db_migrate, CMD_DB | CMD_NO_SCHEMA | CMD_CREATE_DB, "apply pending migrations" },
    { "db", "status", cmd_db_status, CMD_DB | CMD_NO_SCHEMA, "list migrations and their state" },
    { "config", "show", cmd_config_show, 0, "effective configuration and its sources" },
    { "org", "add", cmd_org_add, CMD_DB, "add an org unit" },
    { "org", "list", cmd_org_list, CMD_DB, "list org units" },
    { "org", "tree", cmd_org_tree, CMD_DB, "print the org tree" },
    { "customer", "add", cmd_customer_add, CMD_DB | CMD_KEYS, "add a customer" },
    { "customer", "show", cmd_customer_show, CMD_DB | CMD_KEYS, "show a customer" },
    { "customer", "update", cmd_customer_update, CMD_DB | CMD_KEYS, "change a customer" },
    { "customer", "close", cmd_customer_close, CMD_DB | CMD_KEYS, "close (销户) a customer" },
    { "customer", "history", cmd_customer_history, CMD_DB, "dated history of a customer" },
    { "customer", "search", cmd_customer_search, CMD_DB | CMD_KEYS, "search customers" },
    { "customer", "reveal", cmd_customer_reveal, CMD_DB | CMD_KEYS,
      "show one personal-data value in full (audited)" },
    { "account", "add", cmd_account_add, CMD_DB | CMD_KEYS, "add an account (supply contract)" },
    { "account", "show", cmd_account_show, CMD_DB | CMD_KEYS, "show an account" },
    { "account", "update", cmd_account_update, CMD_DB | CMD_KEYS, "change an account" },
    { "account", "list", cmd_account_list, CMD_DB | CMD_KEYS, "accounts of a customer" },
    { "meter", "add", cmd_meter_add, CMD_DB, "register a meter in stock" },
    { "meter", "install", cmd_meter_install, CMD_DB, "install a meter on a service point" },
    { "meter", "replace", cmd_meter_replace, CMD_DB, "replace the meter on a service point" },
    { "meter", "remove", cmd_meter_remove, CMD_DB, "remove a meter" },
    { "meter", "show", cmd_meter_show, CMD_DB, "show a meter and its installations" },
    { "import", NULL, cmd_import, CMD_DB | CMD_KEYS,
      "import customers|accounts|meters|readings|intervals from CSV" },
    { "export", NULL, cmd_export, CMD_DB | CMD_KEYS, "export customers|accounts|meters to CSV" },
    { "reading", "list", cmd_reading_list, CMD_DB, "a meter's register readings" },
    { "reading", "intervals", cmd_reading_intervals, CMD_DB, "a meter's load curve of one day" },
    { "calendar", "import", cmd_calendar_import, CMD_DB, "import holidays and make-up days" },
    { "calendar", "show", cmd_calendar_show, CMD_DB, "a year's holidays and working days" },
    { "calendar", "add", cmd_calendar_add, CMD_DB, "the N-th working day after a date" },
    { "tariff", "load", cmd_tariff_load, CMD_DB, "validate and store tariffs from a JSON file" },
    { "tariff", "list", cmd_tariff_list, CMD_DB, "list the stored tariffs" },
    { "tariff", "show", cmd_tariff_show, CMD_DB, "show a tariff's versions" },
    { "tariff", "quote", cmd_tariff_quote, CMD_DB | CMD_DB_IF_EXISTS,
      "price a month's usage under a tariff" },
    { "bill", "run", cmd_bill_run, CMD_DB, "compute the draft bills of a period" },
    { "bill", "runs", cmd_bill_runs, CMD_DB, "list bill runs" },
    { "bill", "work", cmd_bill_work, CMD_DB, "compute the work units of a split bill run" },
    { "bill", "review", cmd_bill_review, CMD_DB, "the review queue: list, approve, hold, recompute" },
    { "bill", "issue", cmd_bill_issue, CMD_DB, "issue (发行) a bill run or a correction" },
    { "bill", "list", cmd_bill_list, CMD_DB, "list bills" },
    { "bill", "show", cmd_bill_show, CMD_DB, "a bill and its lines" },
    { "bill", "explain", cmd_bill_explain, CMD_DB, "a bill's readings, rules and arithmetic" },
    { "bill", "adjust", cmd_bill_adjust, CMD_DB, "a correction (退补) of issued bills" },
    { "tariff", "simulate", cmd_tariff_simulate, CMD_DB, "what-if: re-bill a period under a proposed tariff" },
    { "pay", NULL, cmd_pay, CMD_DB, "post a payment to an account" },
    { "payment", "list", cmd_payment_list, CMD_DB, "list payments" },
    { "payment", "show", cmd_payment_show, CMD_DB, "a payment and the bills it paid" },
    { "payment", "reverse", cmd_payment_reverse, CMD_DB, "reverse (冲正) a payment" },
    { "payment", "close", cmd_payment_close, CMD_DB, "cashier daily close (日结)" },
    { "payment", "import", cmd_payment_import, CMD_DB, "post a bank or agent collection file (代收)" },
    { "ledger", "show", cmd_ledger_show, CMD_DB, "an account's ledger (台账) and open bills" },
    { "ledger", "verify", cmd_ledger_verify, CMD_DB, "check every account's ledger" },
    { "fees", "accrue", cmd_fees_accrue, CMD_DB, "accrue late fees (违约金) through a day" },
    { "fees", "waive", cmd_fees_waive, CMD_DB, "waive part of a bill's late fee" },
    { "fees", "policy", cmd_fees_policy, CMD_DB, "late-fee policies: list, add" },
    { "arrears", "aging", cmd_arrears_aging, CMD_DB, "arrears aging (欠费账龄) by org or user type" },
    { "arrears", "list", cmd_arrears_list, CMD_DB, "the accounts in arrears, oldest first" },
    { "arrears", "rate", cmd_arrears_rate, CMD_DB, "collection rate (电费回收率) of periods" },
    { "remind", "run", cmd_remind_run, CMD_DB, "queue the day's reminders (催费) in the outbox" },
    { "remind", "history", cmd_remind_history, CMD_DB, "an account's reminders and notices" },
    { "remind", "schedule", cmd_remind_schedule, CMD_DB, "the reminder schedule: list, set, remove" },
    { "remind", "template", cmd_remind_template, CMD_DB, "message templates: list, set" },
    { "outbox", "list", cmd_outbox_list, CMD_DB, "messages for the SMS, WeChat and letter senders" },
    { "outbox", "mark-sent", cmd_outbox_mark_sent, CMD_DB, "a sender delivered a message" },
    { "outbox", "mark-failed", cmd_outbox_mark_failed, CMD_DB, "a sender could not deliver" },
    { "outbox", "deliver", cmd_outbox_deliver, CMD_DB | CMD_KEYS,
      "post queued messages to the gateways (the delivery worker)" },
    { "outbox", "show", cmd_outbox_show, CMD_DB, "one message with its delivery attempts" },
    { "outbox", "dead", cmd_outbox_dead, CMD_DB, "the dead letters" },
    { "outbox", "retry", cmd_outbox_retry, CMD_DB, "requeue dead letters" },
    { "outbox", "lang", cmd_outbox_lang, CMD_DB, "the language of an account's messages" },
    { "outbox", "channels", cmd_outbox_channels, CMD_DB, "the channels of an account's notices" },
    { "outbox", "email", cmd_outbox_email, CMD_DB | CMD_KEYS, "the address of an account's email notices" },
    { "disconnect", "candidates", cmd_disconnect_candidates, CMD_DB,
      "accounts owing more than 30 days past due, with their notice state" },
    { "disconnect", "notice", cmd_disconnect_notice, CMD_DB, "serve a disconnection notice (停电通知书)" },
    { "disconnect", "approve", cmd_disconnect_approve, CMD_DB, "approve a disconnection order" },
    { "disconnect", "final-notice", cmd_disconnect_final, CMD_DB,
      "the final notice before disconnecting a non-residential account" },
    { "disconnect", "policy", cmd_disconnect_policy, CMD_DB, "disconnection policies: list, add" },
    { "orders", "list", cmd_orders_list, CMD_DB, "disconnection and reconnection work orders" },
    { "orders", "done", cmd_orders_done, CMD_DB, "a work order carried out" },
    { "orders", "cancel", cmd_orders_cancel, CMD_DB, "cancel an open work order" },
    { "daily", NULL, cmd_daily, CMD_DB,
      "the day's jobs: late fees, reminders, prepaid check, last month's credit rating" },
    { "prepaid", "check", cmd_prepaid_check, CMD_DB,
      "prepaid (费控) accounts: low-balance warnings, remote disconnection" },
    { "prepaid", "threshold", cmd_prepaid_threshold, CMD_DB, "low-balance warning thresholds" },
    { "credit", "rate", cmd_credit_rate, CMD_DB, "rate every account's credit (信用评级) for a month" },
    { "credit", "show", cmd_credit_show, CMD_DB, "an account's credit ratings and their reasons" },
    { "deposit", "take", cmd_deposit_take, CMD_DB, "take a deposit (保证金)" },
    { "deposit", "list", cmd_deposit_list, CMD_DB, "deposits held, applied, refunded" },
    { "deposit", "refund", cmd_deposit_refund, CMD_DB, "refund a held deposit (approved)" },
    { "deposit", "apply", cmd_deposit_apply, CMD_DB, "on closure: deposits pay the bills, the rest refunded" },
    { "deposit", "required", cmd_deposit_required, CMD_DB, "accounts whose grade needs a deposit" },
    { "ticket", "add", cmd_ticket_add, CMD_DB | CMD_KEYS, "accept (接单) a 95598 work order" },
    { "ticket", "show", cmd_ticket_show, CMD_DB, "a work order, its history and SLA clocks" },
    { "ticket", "list", cmd_ticket_list, CMD_DB, "list work orders" },
    { "ticket", "move", cmd_ticket_move, CMD_DB, "move a work order to its next state" },
    { "ticket", "assign", cmd_ticket_assign, CMD_DB, "dispatch (派单) or reassign a work order" },
    { "ticket", "reopen", cmd_ticket_reopen, CMD_DB, "reopen an archived work order" },
    { "ticket", "merge", cmd_ticket_merge, CMD_DB, "merge a duplicate work order into another" },
    { "ticket", "pause", cmd_ticket_pause, CMD_DB, "waiting for the customer: stop the SLA clocks" },
    { "ticket", "resume", cmd_ticket_resume, CMD_DB, "restart the SLA clocks" },
    { "ticket", "sla", cmd_ticket_sla, CMD_DB, "SLA states of open orders; escalate breaches once" },
    { "ticket", "escalations", cmd_ticket_escalations, CMD_DB, "the supervisor's queue of breaches" },
    { "ticket", "compliance", cmd_ticket_compliance, CMD_DB, "SLA compliance of a month by type, org or metric" },
    { "ticket", "tag", cmd_ticket_tag, CMD_DB, "root-cause tags (问题归因) of a complaint" },
    { "ticket", "complaints", cmd_ticket_complaints, CMD_DB, "complaints per 10,000 customers by org" },
    { "escalation", "ack", cmd_escalation_ack, CMD_DB, "acknowledge an item of the supervisor's queue" },
    { "escalation", "resolve", cmd_escalation_resolve, CMD_DB, "resolve an item of the supervisor's queue" },
    { "sla", "add", cmd_sla_add, CMD_DB, "add an SLA policy or a new version of one" },
    { "sla", "list", cmd_sla_list, CMD_DB, "the SLA policies in force (or all versions)" },
    { "sla", "show", cmd_sla_show, CMD_DB, "one SLA policy version" },
    { "ticket-type", "add", cmd_ticket_type_add, CMD_DB, "add or change a work-order type (versioned)" },
    { "ticket-type", "list", cmd_ticket_type_list, CMD_DB, "the work-order types in force" },
    { "ticket-type", "show", cmd_ticket_type_show, CMD_DB, "every version of a work-order type" },
    { "apply", "new", cmd_apply_new, CMD_DB | CMD_KEYS, "accept (受理) a service application (业扩报装, changes)" },
    { "apply", "list", cmd_apply_list, CMD_DB, "list service applications and their deadlines" },
    { "apply", "show", cmd_apply_show, CMD_DB, "an application, its stages, deadlines and history" },
    { "apply", "advance", cmd_apply_advance, CMD_DB, "finish the current stage, enter the next" },
    { "apply", "complete", cmd_apply_complete, CMD_DB | CMD_KEYS, "complete an application into the archive" },
    { "apply", "cancel", cmd_apply_cancel, CMD_DB, "cancel (撤销) an application with a reason" },
    { "apply", "pause", cmd_apply_pause, CMD_DB, "waiting for the customer: stop the clocks" },
    { "apply", "resume", cmd_apply_resume, CMD_DB, "restart an application's clocks" },
    { "apply", "sla", cmd_apply_sla, CMD_DB, "record warnings and breaches of open applications; escalate once" },
    { "apply", "limits", cmd_apply_limits, CMD_DB, "the working-day limits of the kinds; --set changes them (audited)" },
    { "survey", "record", cmd_survey_record, CMD_DB, "record the callback answer (回访) for a closed work order" },
    { "survey", "show", cmd_survey_show, CMD_DB, "the callback answer of a work order" },
    { "survey", "list", cmd_survey_list, CMD_DB, "list callback answers" },
    { "survey", "campaign", cmd_survey_campaign, CMD_DB, "sampling campaigns: create, list, show" },
    { "survey", "report", cmd_survey_report, CMD_DB, "CSAT and CSI by org, type, dimension or month" },
    { "survey", "template", cmd_survey_template, CMD_DB, "survey templates: list, add a version" },
    { "outage", "add", cmd_outage_add, CMD_DB, "publish an outage and notify the affected customers" },
    { "outage", "list", cmd_outage_list, CMD_DB, "list outages" },
    { "outage", "lookup", cmd_outage_lookup, CMD_DB, "the outages affecting a customer now (what a caller is told)" },
    { "outage", "show", cmd_outage_show, CMD_DB, "an outage, its customers and repair orders" },
    { "outage", "close", cmd_outage_close, CMD_DB, "supply restored: close an outage and its orders" },
    { "outage", "feeder", cmd_outage_feeder, CMD_DB, "record the feeder of a service point" },
    { "audit", "verify", cmd_audit_verify, CMD_DB, "verify the audit hash chain" },
    { "audit", "list", cmd_audit_list, CMD_DB, "list audit records" },
    { "key", "rotate", cmd_key_rotate, CMD_DB | CMD_KEYS,
      "re-encrypt personal data under a new key" },
    { "backup", NULL, cmd_backup, CMD_DB | CMD_NO_SCHEMA, "consistent backup with a manifest" },
    { "restore", NULL, cmd_restore, CMD_DB | CMD_NO_SCHEMA | CMD_CREATE_DB | CMD_DB_IF_EXISTS, "restore a verified backup" },
    { "demo", "payments", cmd_demo_payments, CMD_DB, "collection files of how demo customers pay a month" },
    { "demo", NULL, cmd_demo, CMD_DB | CMD_KEYS, "build a realistic demo utility" },
    { "serve", NULL, cmd_serve, CMD_DB | CMD_KEYS, "serve the HTTP/JSON API" },
    { "user", "add", cmd_user_add, CMD_DB, "add a user (one-time password)" },
    { "user", "list", cmd_user_list, CMD_DB, "list users" },
    { "user", "disable", cmd_user_disable, CMD_DB, "disable a user and end their sessions" },
    { "user", "enable", cmd_user_enable, CMD_DB, "enable a user and clear a lockout" },
    { "user", "passwd", cmd_user_passwd, CMD_DB, "reset a user's password" },
    { "user", "roles", cmd_user_roles, CMD_DB, "show or set a user's roles" },
    { "role", "add", cmd_role_add, CMD_DB, "add a custom role" },
    { "role", "list", cmd_role_list, CMD_DB, "list roles and their permissions" },
    { "token", "add", cmd_token_add, CMD_DB, "create an API token (shown once)" },
    { "token", "list", cmd_token_list, CMD_DB, "list API tokens" },
    { "token", "revoke", cmd_token_revoke, CMD_DB, "revoke an API token" },
    { "version", NULL, cmd_version, 0, "print the version" },
};

static void usage_all(FILE *fp)
{
    fputs("usage: pmis [--db URL] [--config FILE] [--keys FILE] [--as NAME] [--json]\n"
          "            [--set NAME=VALUE]... COMMAND [ARGS] [--help]\n\n"
          "pmis — power marketing information system (电力营销信息系统)\n\ncommands:\n",
          fp);
    /* the summaries in one column, past the longest name ("disconnect final-notice") */
    int width = 0;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        int w = (int)strlen(commands[i].noun) +
                (commands[i].verb ? 1 + (int)strlen(commands[i].verb) : 0);
        if (w > width)
            width = w;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s%s%s", commands[i].noun, commands[i].verb ? " " : "",
                 commands[i].verb ? commands[i].verb : "");
        fprintf(fp, "  %-*s  %s\n", width, name, commands[i].summary);
    }
    fputs("\nThe database is --db, PMIS_DB or db.url (default sqlite:pmis.db): sqlite:PATH or\n"
          "postgresql://... . 'pmis COMMAND --help' describes a command.\n",
          fp);
}

static const struct cli_command *find_command(int argc, char **argv, int *consumed)
{
    if (argc < 1)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (strcmp(commands[i].noun, argv[0]))
            continue;
        if (!commands[i].verb) {
            *consumed = 1;
            return &commands[i];
        }
        if (argc >= 2 && !strcmp(commands[i].verb, argv[1])) {
            *consumed = 2;
            return &commands[i];
        }
    }
    return NULL;
}

static bool noun_exists(const char *noun)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(commands[i].noun, noun))
            return true;
    return false;
}

static void usage_noun(FILE *fp, const char *noun)
{
    fprintf(fp, "usage: pmis %s VERB [ARGS] [--help]\n\nverbs:\n", noun);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(commands[i].noun, noun) && commands[i].verb)
            fprintf(fp, "  %-10s %s\n", commands[i].verb, commands[i].summary);
}

static const char *os_user(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* Global options come before the command: --db, --config, --keys, --as, --json, --set. */
static int global_options(struct cli *cli, int *argc, char ***argv, const char **config_flag,
                          const char **actor)
{
    char **av = *argv;
    int ac = *argc;
    while (ac > 0 && av[0][0] == '-') {
        const char *a = av[0];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        char name[32];
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        snprintf(name, sizeof(name), "%.*s", (int)(nlen < 31 ? nlen : 31), a);
        if (!strcmp(name, "--json") || !strcmp(name, "--help") || !strcmp(name, "-h") ||
            !strcmp(name, "--version")) {
            if (!strcmp(name, "--json"))
                cli->json = true;
            else if (!strcmp(name, "--version"))
                return cmd_version(cli, 0, NULL) ? -1 : 2;
            else {
                usage_all(stdout);
                return 2;
            }
            ac--, av++;
            continue;
        }
        if (eq) {
            val = eq + 1;
            ac--, av++;
        } else if (ac >= 2) {
            val = av[1];
            ac -= 2, av += 2;
        } else {
            return error(&cli->err, ERR_USAGE, "option '%s' needs a value", name);
        }
        int rc = 0;
        if (!strcmp(name, "--db"))
            rc = cfg_set(&cli->cfg, "db.url", val, "flag --db", &cli->err);
        else if (!strcmp(name, "--keys"))
            rc = cfg_set(&cli->cfg, "keys.file", val, "flag --keys", &cli->err);
        else if (!strcmp(name, "--config"))
            *config_flag = val;
        else if (!strcmp(name, "--as"))
            *actor = val;
        else if (!strcmp(name, "--set"))
            rc = cfg_set_arg(&cli->cfg, val, "flag --set", &cli->err);
        else
            return error(&cli->err, ERR_USAGE, "unknown option '%s' (see 'pmis --help')", name);
        if (rc)
            return rc;
    }
    *argc = ac;
    *argv = av;
    return 0;
}

static int open_keys(struct cli *cli, struct keyring **kr)
{
    return keyring_load(cfg_str(&cli->cfg, CFG_KEYS_FILE), kr, &cli->err);
}

int main(int argc, char **argv)
{
    struct cli cli = { 0 };
    const char *config_flag = NULL;
    const char *actor = getenv("PMIS_AS");
    struct keyring *keys = NULL;
    int rc, consumed = 0;

    argc--, argv++;
    cfg_init(&cli.cfg);
    cli.tty = isatty(STDERR_FILENO);
    rc = global_options(&cli, &argc, &argv, &config_flag, &actor);
    if (rc == 2) { /* pmis --help: the usage was printed */
        cfg_release(&cli.cfg);
        return 0;
    }
    if (rc)
        goto out;
    if ((rc = cfg_load(&cli.cfg, config_flag, environ, &cli.err)))
        goto out;
    log_set_level((enum log_level)log_level_parse(cfg_str(&cli.cfg, CFG_LOG_LEVEL)));
    log_set_json(!strcmp(cfg_str(&cli.cfg, CFG_LOG_FORMAT), "json"));

    if (argc == 0) {
        usage_all(stderr);
        cfg_release(&cli.cfg);
        return err_exit_code(ERR_USAGE);
    }
    const struct cli_command *cmd = find_command(argc, argv, &consumed);
    if (!cmd) {
        if (noun_exists(argv[0]) && (argc == 1 || !strcmp(argv[1], "--help"))) {
            usage_noun(argc == 1 ? stderr : stdout, argv[0]);
            cfg_release(&cli.cfg);
            return argc == 1 ? err_exit_code(ERR_USAGE) : 0;
        }
        if (noun_exists(argv[0]))
            rc = error(&cli.err, ERR_USAGE, "unknown command 'pmis %s %s' (see 'pmis %s --help')",
                       argv[0], argv[1], argv[0]);
        else
            rc = error(&cli.err, ERR_USAGE, "unknown command '%s' (see 'pmis --help')", argv[0]);
        goto out;
    }
    cli.prog = arena_sprintf(&cli.arena, "pmis %s%s%s", cmd->noun, cmd->verb ? " " : "",
                             cmd->verb ? cmd->verb : "");

    bool want_help = false;
    for (int i = consumed; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            want_help = true;

    if ((rc = clock_from_env(&cli.clock, &cli.err)))
        goto out;
    cli.ctx.clock = &cli.clock;
    cli.ctx.arena = &cli.arena;
    cli.ctx.zone_name = cfg_str(&cli.cfg, CFG_BUSINESS_ZONE);
    if (!actor || !*actor)
        actor = *cfg_str(&cli.cfg, CFG_AUDIT_ACTOR_DEFAULT)
                    ? cfg_str(&cli.cfg, CFG_AUDIT_ACTOR_DEFAULT)
                    : os_user();
    cli.ctx.actor = actor;

    if ((cmd->flags & CMD_DB) && !want_help &&
        (!(cmd->flags & CMD_DB_IF_EXISTS) || store_exists(cfg_str(&cli.cfg, CFG_DB_URL)))) {
        const char *url = cfg_str(&cli.cfg, CFG_DB_URL);
        /* only init, migrate and restore may create a SQLite database file: any other command
         * (a backup or `db status` of a mistyped path too) refuses a missing one, creating
         * nothing */
        if (!(cmd->flags & CMD_CREATE_DB) && !store_exists(url)) {
            rc = error(&cli.err, ERR_NOT_FOUND, "database '%s' does not exist (run 'pmis init')",
                       url);
            goto out;
        }
        if ((rc = store_open(&cli.ctx.db, url, &cli.err)))
            goto out;
        if (!(cmd->flags & CMD_NO_SCHEMA) && (rc = store_require_current(cli.ctx.db, &cli.err)))
            goto out;
    }
    if ((cmd->flags & CMD_KEYS) && !want_help) {
        if ((rc = open_keys(&cli, &keys)))
            goto out;
        cli.ctx.keys = keys;
    }
    rc = cmd->fn(&cli, argc - consumed, argv + consumed);
    if (rc == CLI_HELP_SHOWN)
        rc = 0;
out:
    if (keys)
        keyring_free(keys);
    if (cli.ctx.db)
        store_close(cli.ctx.db);
    arena_release(&cli.arena);
    cfg_release(&cli.cfg);
    if (rc < 0) {
        if (!cli.err.code) {
            err_clear(&cli.err);
            cli.err.code = rc; /* die_err() prints the code's text in the user's language */
        }
        die_err(&cli.err);
    }
    return rc ? 1 : 0;
}
