/*
 * The command-line front end. How to add a command:
 *   1. write `int cmd_noun_verb(struct cli *cli, int argc, char **argv)` in cmd_<noun>.c;
 *   2. declare it below and add a row to the commands[] table in main.c with its flags;
 *   3. parse options with cli_options() (it handles --help from the option table);
 *   4. call the domain, print text, or JSON with cli_json_out, return 0 or a negative ERR_*
 *      with cli->err filled: main() prints it and exits with the code's exit status.
 * Commands stay thin: no SQL, no business rules.
 */
#ifndef PMIS_CLI_H
#define PMIS_CLI_H

#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "domain/ctx.h"

#include <jansson.h>

struct keyring;

struct cli {
    struct cfg cfg;
    struct ctx ctx;
    struct arena arena;
    struct clock clock;
    struct err err;
    bool json;         /* --json: machine-readable output on stdout */
    bool tty;          /* stderr is a terminal: progress bars allowed */
    const char *prog;  /* "pmis customer add", for messages */
    const char *usage; /* the running command's usage line */
};

typedef int cmd_fn(struct cli *cli, int argc, char **argv);

enum {
    CMD_DB = 1 << 0,           /* open the database (and require it migrated) */
    CMD_KEYS = 1 << 1,         /* load the personal-data key file */
    CMD_NO_SCHEMA = 1 << 2,    /* with CMD_DB: do not require current migrations */
    CMD_DB_IF_EXISTS = 1 << 3, /* with CMD_DB: open it only if it exists (else ctx.db NULL) */
    CMD_CREATE_DB = 1 << 4,    /* with CMD_DB: may create a missing SQLite database file */
};

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL, OPT_END };

struct opt_spec {
    const char *name; /* without the leading "--" */
    enum opt_type type;
    void *dest;      /* const char **, int64_t *, bool * */
    const char *arg; /* placeholder in help, e.g. "CODE" */
    const char *help;
};
#define OPT_SPEC_END                                                                               \
    {                                                                                              \
        NULL, OPT_END, NULL, NULL, NULL                                                            \
    }

/** Result of cli_options() when --help was printed: the command returns it unchanged. */
#define CLI_HELP_SHOWN 1

/** The printf width ("%-*s") that pads `s` to `cols` terminal columns: printf counts bytes,
 *  and a Chinese character is three bytes but two columns (utf8_columns). */
int cli_pad(const char *s, int cols);

/** The whole number `val` of option --`name` (as OPT_INT reads it); ERR_USAGE naming it. */
int cli_int_option(struct cli *cli, const char *name, const char *val, int64_t *out);

/** Months p[0]..p[1] from --period (both) or --from and --to (a report's range; the domain
 *  checks the order): ERR_USAGE unless exactly one form is given, a parse error naming the
 *  value. */
struct period;
int cli_periods(struct cli *cli, const char *period, const char *from, const char *to,
                struct period p[2]);

/** --after and --limit of an SLA run's listing (ticket sla, apply sla) as a checked cursor;
 *  ERR_USAGE naming the option (cmd_ticket_sla.c). */
struct sla_page;
int cli_sla_page(struct cli *cli, int64_t after, int64_t limit, struct sla_page *p);

/**
 * Parse --name VALUE, --name=VALUE and --flag from argv, leaving the positional arguments in
 * argv[0..*argc). `npos_min`/`npos_max` bound how many positionals are allowed. On --help
 * prints the usage and options and returns CLI_HELP_SHOWN. Errors: ERR_USAGE naming the option.
 */
int cli_options(struct cli *cli, const struct opt_spec *specs, int *argc, char **argv, int npos_min,
                int npos_max);

/**
 * The jobs of a command's --jobs option: `given` (INT64_MIN when the option was not given:
 * config setting `id` then, 0 meaning one per CPU) must be 1..LEDGER_JOBS_MAX (ERR_USAGE).
 * On SQLite, whose writers take turns, it runs as one job: a --jobs above 1 says so on stderr.
 */
int cli_jobs(struct cli *cli, int64_t given, enum cfg_id id, int64_t *jobs);

/**
 * A list a command prints row by row: with --json the rows gather in `items` (a JSON array) and
 * come out at the end, else each row is printed as text at once.
 */
struct cli_list {
    struct cli *cli;
    json_t *items;
};
#define CLI_LIST_INIT(cli) { (cli), json_array() }
/** Finish a list: on success under --json print `items`; free it either way. Returns rc. */
int cli_list_end(struct cli_list *l, int rc);

/** Print a JSON value on stdout (compact, one line, keys in insertion order) and free it. */
void cli_json_out(json_t *v);
/** A JSON string, or null for NULL. */
json_t *cli_json_str(const char *s);
/** Money as a decimal string of yuan ("146.49"), energy as kWh with 2 decimals ("300.00"):
 *  never JSON numbers (DESIGN §4). */
json_t *cli_json_money(int64_t fen);
json_t *cli_json_kwh(int64_t wh);
/** Of a text in English `en` and in Chinese `zh` (NULL when untranslated), the one in the
 *  caller's language (LANG, as err_env_zh tells): zh when Chinese is asked for and there is one. */
const char *cli_lang(const char *en, const char *zh);
/** Set `key` of object `o` to cli_lang(en, zh) and, when that is the Chinese, `key`_en to the
 *  English beside it — as the API does with Accept-Language (reason / reason_en). */
void cli_json_lang(json_t *o, const char *key, const char *en, const char *zh);

/**
 * Open an input file for reading ("-" is standard input): ERR_NOT_FOUND / ERR_IO naming the
 * path, ERR_INVALID for a directory. Close with cli_close_input().
 */
int cli_open_input(struct cli *cli, const char *path, int *fd);
void cli_close_input(int fd);

/** Progress bar on stderr (terminal only): done of total units; total 0 = unknown. */
void cli_progress(struct cli *cli, const char *what, uint64_t done, uint64_t total);
void cli_progress_end(struct cli *cli);

cmd_fn cmd_init, cmd_db_migrate, cmd_db_status, cmd_config_show, cmd_version;
cmd_fn cmd_org_add, cmd_org_list, cmd_org_tree;
cmd_fn cmd_customer_add, cmd_customer_show, cmd_customer_update, cmd_customer_close,
    cmd_customer_history, cmd_customer_search, cmd_customer_reveal;
cmd_fn cmd_account_add, cmd_account_show, cmd_account_update, cmd_account_list;
cmd_fn cmd_meter_add, cmd_meter_install, cmd_meter_replace, cmd_meter_remove, cmd_meter_show;
cmd_fn cmd_import, cmd_export;
cmd_fn cmd_reading_list, cmd_reading_intervals;
cmd_fn cmd_calendar_import, cmd_calendar_show, cmd_calendar_add;
cmd_fn cmd_tariff_load, cmd_tariff_list, cmd_tariff_show, cmd_tariff_quote;
cmd_fn cmd_audit_verify, cmd_audit_list;
cmd_fn cmd_key_rotate;
cmd_fn cmd_backup, cmd_restore;
cmd_fn cmd_demo, cmd_demo_payments;
cmd_fn cmd_bill_run, cmd_bill_review, cmd_bill_issue, cmd_bill_list, cmd_bill_show,
    cmd_bill_explain, cmd_bill_adjust, cmd_bill_runs, cmd_bill_work;
cmd_fn cmd_tariff_simulate;
cmd_fn cmd_pay, cmd_payment_list, cmd_payment_show, cmd_payment_reverse, cmd_payment_close,
    cmd_payment_import;
cmd_fn cmd_ledger_show, cmd_ledger_verify, cmd_fees_accrue, cmd_fees_waive, cmd_fees_policy;
cmd_fn cmd_serve;
cmd_fn cmd_user_add, cmd_user_list, cmd_user_disable, cmd_user_enable, cmd_user_passwd,
    cmd_user_roles, cmd_role_add, cmd_role_list, cmd_token_add, cmd_token_list, cmd_token_revoke;

/** The login, session and password policy from the configuration (auth.*). */
struct auth_policy;
void cli_auth_policy(struct cli *cli, struct auth_policy *p);
cmd_fn cmd_arrears_aging, cmd_arrears_list, cmd_arrears_rate;
cmd_fn cmd_remind_run, cmd_remind_history, cmd_remind_schedule, cmd_remind_template,
    cmd_outbox_list, cmd_outbox_mark_sent, cmd_outbox_mark_failed;
cmd_fn cmd_outbox_deliver, cmd_outbox_show, cmd_outbox_dead, cmd_outbox_retry, cmd_outbox_lang;
cmd_fn cmd_outbox_channels;
cmd_fn cmd_outbox_email;
cmd_fn cmd_disconnect_candidates, cmd_disconnect_notice, cmd_disconnect_approve,
    cmd_disconnect_policy, cmd_disconnect_final, cmd_orders_list, cmd_orders_done, cmd_orders_cancel;
cmd_fn cmd_prepaid_check, cmd_prepaid_threshold, cmd_daily;
cmd_fn cmd_credit_rate, cmd_credit_show;
cmd_fn cmd_deposit_take, cmd_deposit_list, cmd_deposit_refund, cmd_deposit_apply,
    cmd_deposit_required;
cmd_fn cmd_ticket_add, cmd_ticket_show, cmd_ticket_list, cmd_ticket_move, cmd_ticket_assign,
    cmd_ticket_reopen, cmd_ticket_merge, cmd_ticket_pause, cmd_ticket_resume, cmd_ticket_sla,
    cmd_ticket_escalations, cmd_ticket_compliance;
cmd_fn cmd_ticket_tag, cmd_ticket_complaints;
cmd_fn cmd_apply_new, cmd_apply_list, cmd_apply_show, cmd_apply_advance, cmd_apply_complete,
    cmd_apply_cancel, cmd_apply_pause, cmd_apply_resume;
cmd_fn cmd_apply_sla, cmd_apply_limits;
cmd_fn cmd_survey_record, cmd_survey_show, cmd_survey_list, cmd_survey_campaign,
    cmd_survey_report, cmd_survey_template;
cmd_fn cmd_outage_add, cmd_outage_list, cmd_outage_show, cmd_outage_close, cmd_outage_feeder,
    cmd_outage_lookup;
cmd_fn cmd_sla_add, cmd_sla_list, cmd_sla_show, cmd_ticket_type_add, cmd_ticket_type_list,
    cmd_ticket_type_show, cmd_escalation_ack, cmd_escalation_resolve;

/**
 * What a work order has beyond ticket.h (cmd_complaint.c): the earlier order a complaint
 * repeats, the outage a repair call is grouped under, root-cause tags. Into `j` (keys
 * repeat_of, outage, causes) when not NULL, else printed as text lines.
 */
int cli_ticket_extra(struct cli *cli, int64_t id, json_t *j);

/**
 * Read and parse a tariff file (one tariff or an array; "-" = stdin; at most 16 MiB) into
 * *v[0..*n), owned by the caller (tariff_free_all). Errors name the file.
 */
struct tariff;
int cli_tariff_file(struct cli *cli, const char *path, struct tariff ***v, size_t *n);

#endif
