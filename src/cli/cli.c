/*
 * Shared CLI helpers: option parsing from an opt_spec table, --help, JSON output and the
 * terminal progress bar.
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "core/utf8.h"
#include "cli/cli.h"
#include "domain/ledger.h"

#include <fcntl.h>
#include <sys/stat.h>

static void print_help(struct cli *cli, const struct opt_spec *specs)
{
    printf("usage: %s %s\n", cli->prog, cli->usage ? cli->usage : "");
    bool any = false;
    for (const struct opt_spec *s = specs; s->name; s++) {
        if (!any)
            printf("\noptions:\n");
        any = true;
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
        printf("  %-24s %s\n", left, s->help ? s->help : "");
    }
    printf("  %-24s %s\n", "--json", "machine-readable output (a global option)");
}

int cli_pad(const char *s, int cols)
{
    if (!s)
        return cols;
    size_t c = utf8_columns(s);
    return c >= (size_t)cols ? 0 : cols + (int)(strlen(s) - c);
}

int cli_int_option(struct cli *cli, const char *name, const char *val, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end)
        return error(&cli->err, ERR_USAGE, "option '--%s': '%s' is not a whole number", name,
                     val);
    *out = v;
    return 0;
}

int cli_periods(struct cli *cli, const char *period, const char *from, const char *to,
                struct period p[2])
{
    if (period ? from || to : !from || !to)
        return error(&cli->err, ERR_USAGE, "give --period, or --from and --to");
    if (period_parse(period ? period : from, &p[0], &cli->err) ||
        period_parse(period ? period : to, &p[1], &cli->err))
        return cli->err.code;
    return 0;
}

int cli_options(struct cli *cli, const struct opt_spec *specs, int *argc, char **argv, int npos_min,
                int npos_max)
{
    int npos = 0;
    bool only_pos = false;
    for (int i = 0; i < *argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0' || (a[1] != '-' && a[1] != 'h')) {
            argv[npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_help(cli, specs);
            return CLI_HELP_SHOWN;
        }
        if (!strcmp(a, "--json")) {
            cli->json = true;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt_spec *s = specs;
        for (; s->name; s++)
            if (strlen(s->name) == nlen && !strncmp(s->name, name, nlen))
                break;
        if (!s->name)
            return error(&cli->err, ERR_USAGE, "unknown option '--%.*s' for '%s' (see --help)",
                         (int)nlen, name, cli->prog);
        if (s->type == OPT_BOOL) {
            if (eq)
                return error(&cli->err, ERR_USAGE, "option '--%s' takes no value", s->name);
            *(bool *)s->dest = true;
            continue;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (!val) {
            if (i + 1 >= *argc)
                return error(&cli->err, ERR_USAGE, "option '--%s' needs a value", s->name);
            val = argv[++i];
        }
        if (s->type == OPT_STR)
            *(const char **)s->dest = val;
        else if (cli_int_option(cli, s->name, val, s->dest))
            return ERR_USAGE;
    }
    *argc = npos;
    if (npos < npos_min)
        return error(&cli->err, ERR_USAGE, "%s: missing argument (usage: %s %s)", cli->prog,
                     cli->prog, cli->usage ? cli->usage : "");
    if (npos > npos_max)
        return error(&cli->err, ERR_USAGE, "%s: unexpected argument '%s' (usage: %s %s)", cli->prog,
                     argv[npos_max], cli->prog, cli->usage ? cli->usage : "");
    return 0;
}

int cli_open_input(struct cli *cli, const char *path, int *fd)
{
    *fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (*fd < 0)
        return error(&cli->err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot open '%s': %s",
                     path, strerror(errno));
    struct stat sb;
    if (fstat(*fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_close_input(*fd);
        *fd = -1;
        return error(&cli->err, ERR_INVALID, "'%s' is a directory", path);
    }
    return 0;
}

void cli_close_input(int fd)
{
    if (fd >= 0 && fd != STDIN_FILENO)
        close(fd);
}

void cli_json_out(json_t *v)
{
    json_dumpf(v, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII * 0);
    fputc('\n', stdout);
    json_decref(v);
}

int cli_list_end(struct cli_list *l, int rc)
{
    if (!rc && l->cli->json)
        cli_json_out(l->items);
    else
        json_decref(l->items);
    l->items = NULL;
    return rc;
}

json_t *cli_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *cli_json_money(int64_t fen)
{
    char b[MONEY_BUF_SIZE];
    return json_string(money_format(fen, b));
}

json_t *cli_json_kwh(int64_t wh)
{
    char b[ENERGY_BUF_SIZE];
    return json_string(energy_format_kwh(wh, b));
}

const char *cli_lang(const char *en, const char *zh)
{
    return zh && *zh && err_env_zh() ? zh : en;
}

void cli_json_lang(json_t *o, const char *key, const char *en, const char *zh)
{
    const char *s = cli_lang(en, zh);
    json_object_set_new(o, key, cli_json_str(s));
    if (s != en) {
        char k[64];
        snprintf(k, sizeof(k), "%s_en", key);
        json_object_set_new(o, k, cli_json_str(en));
    }
}

void cli_progress(struct cli *cli, const char *what, uint64_t done, uint64_t total)
{
    if (!cli->tty)
        return;
    if (total) {
        int pct = (int)(done * 100 / total);
        int bar = pct * 30 / 100;
        fprintf(stderr, "\r%s [%.*s%*s] %3d%%", what, bar, "##############################",
                30 - bar, "", pct);
    } else {
        fprintf(stderr, "\r%s %" PRIu64, what, done);
    }
    fflush(stderr);
}

void cli_progress_end(struct cli *cli)
{
    if (cli->tty)
        fputs("\r\033[K", stderr);
}

int cli_jobs(struct cli *cli, int64_t given, enum cfg_id id, int64_t *jobs)
{
    int rc;
    if (given == INT64_MIN) {
        *jobs = cfg_int(&cli->cfg, id);
        return 0;
    }
    if ((rc = ledger_jobs_check(given, &cli->err)))
        return rc;
    if (given > 1 && cli->ctx.db && store_kind(cli->ctx.db) != STORE_PG)
        fprintf(stderr, "%s: note: SQLite writes one transaction at a time, so --jobs %" PRId64
                " runs as one job\n", cli->prog, given);
    *jobs = given;
    return 0;
}
