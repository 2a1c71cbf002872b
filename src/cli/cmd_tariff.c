/*
 * pmis tariff load|list|show|quote: tariffs as data (doc/tariff-format.md). load is
 * all-or-nothing across the file; quote prices a usage from the command line with a stored
 * tariff (--tariff) or straight from a file (--file, for review before loading, no database).
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"
#include "cli/cli.h"
#include "domain/tariff.h"

#define TARIFF_FILE_MAX (16 << 20)

/* Read a whole file ("-" = stdin) into a malloc'ed, NUL-terminated buffer. */
static int read_file(struct cli *cli, const char *path, char **out, size_t *len)
{
    int fd, rc;
    if ((rc = cli_open_input(cli, path, &fd)))
        return rc;
    size_t n = 0, cap = 65536;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            if (cap > TARIFF_FILE_MAX) {
                rc = error(&cli->err, ERR_TOO_LARGE, "'%s' is larger than %d MiB", path,
                           TARIFF_FILE_MAX >> 20);
                break;
            }
            if (!(buf = realloc(buf, cap)))
                abort();
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = error(&cli->err, ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    cli_close_input(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int cli_tariff_file(struct cli *cli, const char *path, struct tariff ***v, size_t *n)
{
    char *text;
    size_t len;
    int rc = read_file(cli, path, &text, &len);
    if (rc)
        return rc;
    rc = tariff_parse_json_all(text, len, v, n, &cli->err);
    free(text);
    if (rc)
        return error_prefix(&cli->err, "%s: ", path);
    return 0;
}

int cmd_tariff_load(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "FILE.json\n\nValidates and stores the tariffs of a file (one tariff or an array; "
                 "doc/tariff-format.md).\nAll or nothing: one bad tariff and nothing is stored. A "
                 "version already stored\nthe same is left alone; a changed one is refused (give "
                 "the new prices a new\neffective date). data/tariffs/ has examples.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct tariff **v;
    size_t n;
    int added = 0;
    if ((rc = cli_tariff_file(cli, argv[0], &v, &n)))
        return rc;
    if (!(rc = store_begin(cli->ctx.db, &cli->err))) {
        for (size_t i = 0; i < n && !rc; i++)
            rc = tariff_save(&cli->ctx, v[i], argv[0], &added, &cli->err);
        if (rc || (rc = store_commit(cli->ctx.db, &cli->err)))
            store_rollback(cli->ctx.db);
    }
    if (rc) {
        tariff_free_all(v, n);
        return error_prefix(&cli->err, "%s: ", argv[0]);
    }
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "tariffs", json_integer((json_int_t)n));
        json_object_set_new(o, "versions_added", json_integer(added));
        cli_json_out(o);
    } else {
        printf("loaded %s: %zu tariff%s, %d new version%s\n", argv[0], n, n == 1 ? "" : "s", added,
               added == 1 ? "" : "s");
    }
    tariff_free_all(v, n);
    return 0;
}

int cmd_tariff_list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "\n\nLists the stored tariffs: code, category, versions, latest effective date, "
                 "name.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct tariff_set *s;
    if ((rc = tariff_set_load(&cli->ctx, &s, &cli->err)))
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    for (size_t i = 0; i < tariff_set_count(s); i++) {
        const struct tariff *t = tariff_set_at(s, i);
        int nv = tariff_version_count(t);
        char d[DATE_BUF_SIZE];
        date_format(tariff_version_from(t, nv - 1), d);
        if (cli->json) {
            json_t *o = json_object();
            json_object_set_new(o, "code", json_string(tariff_code(t)));
            json_object_set_new(o, "name", json_string(tariff_name(t)));
            json_object_set_new(o, "category", json_string(tariff_category(t)));
            json_object_set_new(o, "versions", json_integer(nv));
            json_object_set_new(o, "latest", json_string(d));
            json_array_append_new(l.items, o);
        } else {
            printf("%-16s %-15s %2d  %s  %s\n", tariff_code(t), tariff_category(t), nv, d,
                   tariff_name(t));
        }
    }
    tariff_set_free(s);
    return cli_list_end(&l, 0);
}

static void print_tariff(const struct tariff *t)
{
    char d[DATE_BUF_SIZE], sum[1024];
    printf("%s  %s  (%s)\n", tariff_code(t), tariff_name(t), tariff_category(t));
    if (*tariff_note(t))
        printf("note: %s\n", tariff_note(t));
    for (int i = 0; i < tariff_version_count(t); i++)
        printf("  from %s: %s\n", date_format(tariff_version_from(t, i), d),
               tariff_version_summary(t, i, sum, sizeof(sum)));
}

int cmd_tariff_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "CODE\n\nShows a stored tariff's versions; --json prints its canonical JSON "
                 "(which\n'pmis tariff load' accepts back).";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct tariff *t;
    if ((rc = tariff_load(&cli->ctx, argv[0], &t, &cli->err)))
        return rc;
    if (cli->json) {
        char *s = tariff_to_json(t);
        puts(s);
        free(s);
    } else {
        print_tariff(t);
    }
    tariff_free(t);
    return 0;
}

/* ---- quote ----------------------------------------------------------------------------- */

static int kwh_opt(struct cli *cli, const char *name, const char *s, int64_t *out)
{
    if (!s)
        return 0;
    /* a bad quantity is invalid input (exit 65), named with what is wrong with it */
    if (energy_parse_kwh(s, out, &cli->err))
        return error_prefix(&cli->err, "--%s: ", name);
    if (*out < 0)
        return error(&cli->err, ERR_INVALID, "--%s: invalid energy '%s' kWh: negative", name, s);
    return 0;
}

static int parse_tou(struct cli *cli, const char *s, struct usage *u)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", s);
    u->has_tou = true;
    for (char *p = buf, *next; p && *p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(p, '=');
        int per = -1;
        if (eq) {
            *eq = '\0';
            for (int i = 0; i < TOU_N; i++)
                if (!strcmp(p, tou_period_name(i)))
                    per = i;
        }
        if (per < 0)
            return error(&cli->err, ERR_USAGE,
                         "--tou: expected sharp=N,peak=N,flat=N,valley=N,deep=N (kWh), got '%s'",
                         s);
        if (kwh_opt(cli, "tou", eq + 1, &u->tou_wh[per]))
            return ERR_USAGE;
    }
    return 0;
}

static char *qty_text(enum qty_unit unit, int64_t q, char *buf)
{
    if (unit == QTY_FEN)
        return money_format(q, buf);
    if (unit == QTY_DAYS) {
        snprintf(buf, MONEY_BUF_SIZE, "%" PRId64, q);
        return buf;
    }
    return decimal_format(q, 3, 3, 0, buf);
}

static char *price_text(enum qty_unit unit, int64_t p, char *buf)
{
    if (unit == QTY_FEN) /* a percentage: e8 of 1 -> percent with 2+ decimals */
        return decimal_format(p, 6, 2, 0, buf);
    return price_format(p, buf);
}

static json_t *quote_json(const struct quote *q)
{
    json_t *o = json_object(), *lines = json_array();
    char a[MONEY_BUF_SIZE], b[MONEY_BUF_SIZE], d[DATE_BUF_SIZE], ar[2048];
    for (int i = 0; i < q->nlines; i++) {
        const struct quote_line *l = &q->lines[i];
        json_t *lo = json_object(), *parts = json_array();
        json_object_set_new(lo, "item", json_string(l->code));
        json_object_set_new(lo, "name", json_string(l->name_zh));
        json_object_set_new(lo, "version", json_string(date_format(l->version, d)));
        json_object_set_new(lo, "quantity", json_string(qty_text(l->unit, l->qty, a)));
        json_object_set_new(lo, "unit", json_string(qty_unit_label(l->unit)));
        json_object_set_new(lo, "price",
                            l->price_e8 ? json_string(price_text(l->unit, l->price_e8, b))
                                        : json_null());
        json_object_set_new(lo, "amount", cli_json_money(l->amount_fen));
        json_object_set_new(lo, "rule", json_string(l->rule));
        json_object_set_new(lo, "detail", json_string(l->detail));
        json_object_set_new(lo, "arith", json_string(quote_line_arith(l, ar, sizeof(ar))));
        for (int k = 0; k < l->nparts; k++) {
            const struct quote_part *p = &l->parts[k];
            json_t *po = json_object();
            json_object_set_new(po, "label", json_string(p->label));
            json_object_set_new(po, "quantity", json_string(qty_text(p->unit, p->qty, a)));
            json_object_set_new(po, "unit", json_string(qty_unit_label(p->unit)));
            json_object_set_new(po, "price", json_string(price_text(p->unit, p->price_e8, b)));
            if (p->num != 1 || p->den != 1) {
                json_object_set_new(po, "num", json_integer(p->num));
                json_object_set_new(po, "den", json_integer(p->den));
            }
            json_array_append_new(parts, po);
        }
        json_object_set_new(lo, "parts", parts);
        json_array_append_new(lines, lo);
    }
    json_object_set_new(o, "lines", lines);
    json_object_set_new(o, "total", cli_json_money(q->total_fen));
    json_object_set_new(o, "energy_kwh", json_string(decimal_format(q->energy_wh, 3, 3, 0, a)));
    if (q->pf_actual) {
        snprintf(b, sizeof(b), "%d.%02d", q->pf_actual / 100, q->pf_actual % 100);
        json_object_set_new(o, "power_factor", json_string(b));
        json_object_set_new(o, "pf_adjust_percent",
                            json_string(decimal_format(q->pf_percent_e2, 2, 2, 0, a)));
    }
    return o;
}

static void print_quote(const struct tariff *t, const struct usage *u, const struct quote *q)
{
    char a[MONEY_BUF_SIZE], b[MONEY_BUF_SIZE], c[MONEY_BUF_SIZE], d[DATE_BUF_SIZE];
    char p[PERIOD_BUF_SIZE], ar[2048];
    printf("tariff %s (%s), period %s\n", tariff_code(t), tariff_name(t),
           period_format(u->period, p));
    for (int i = 0; i < q->nlines; i++) {
        const struct quote_line *l = &q->lines[i];
        char qty[64];
        snprintf(qty, sizeof(qty), "%s %s", qty_text(l->unit, l->qty, a), qty_unit_label(l->unit));
        printf("%-14s %18s  %12s  %12s  %s [%s]%s%s\n", l->code, qty,
               l->price_e8 ? price_text(l->unit, l->price_e8, b) : "-",
               money_format(l->amount_fen, c), l->rule, date_format(l->version, d),
               *l->detail ? " " : "", l->detail);
        printf("    %s  %s\n", l->name_zh, quote_line_arith(l, ar, sizeof(ar)));
    }
    printf("%-14s %18s  %12s  %12s\n", "total", "", "", money_format(q->total_fen, c));
}

int cmd_tariff_quote(struct cli *cli, int argc, char **argv)
{
    const char *code = NULL, *file = NULL, *period = NULL, *kwh = NULL, *tou = NULL;
    const char *kvarh = NULL, *capacity = NULL, *demand = NULL, *contract = NULL, *ytd = NULL;
    const char *pf_std = NULL, *user_type = NULL, *from = NULL, *to = NULL;
    int64_t months = 0, days = 0, cycle = 1;
    const struct opt_spec specs[] = {
        { "tariff", OPT_STR, &code, "CODE", "a stored tariff" },
        { "file", OPT_STR, &file, "FILE", "a tariff file instead (with --tariff: pick that code)" },
        { "period", OPT_STR, &period, "YYYY-MM", "billing month (required)" },
        { "kwh", OPT_STR, &kwh, "N", "active energy, kWh" },
        { "tou", OPT_STR, &tou, "P=N,...", "energy by period: sharp=N,peak=N,flat=N,valley=N" },
        { "kvarh", OPT_STR, &kvarh, "N", "reactive energy, kvarh (power factor)" },
        { "capacity", OPT_STR, &capacity, "KVA", "billed capacity" },
        { "demand", OPT_STR, &demand, "KW", "actual maximum demand" },
        { "contract-demand", OPT_STR, &contract, "KW", "contract maximum demand" },
        { "ytd-kwh", OPT_STR, &ytd, "N", "annual tiers: kWh billed earlier in the tier year" },
        { "months-in-year", OPT_INT, &months, "N", "annual tiers: months of supply (1-12)" },
        { "pf-standard", OPT_STR, &pf_std, "0.90", "power-factor standard: 0.90, 0.85, 0.80" },
        { "days", OPT_INT, &days, "N", "days of supply in the month (basic-charge proration)" },
        { "cycle-months", OPT_INT, &cycle, "N", "months per reading cycle (2 = bimonthly)" },
        { "from", OPT_STR, &from, "DATE", "consumption window start (default: the month)" },
        { "to", OPT_STR, &to, "DATE", "consumption window end" },
        { "user-type", OPT_STR, &user_type, "T", "resident|general_ci|large_industry|agriculture" },
        OPT_SPEC_END,
    };
    cli->usage = "--period YYYY-MM (--tariff CODE | --file F.json) (--kwh N | --tou ...) "
                 "[options]\n\nPrices one month's usage and prints every bill line with its "
                 "arithmetic and the total.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct usage u;
    usage_init(&u);
    if (!code && !file)
        return error(&cli->err, ERR_USAGE, "give --tariff CODE or --file FILE");
    if (!period)
        return error(&cli->err, ERR_USAGE, "--period YYYY-MM is required");
    if ((rc = period_parse(period, &u.period, &cli->err)))
        return rc;
    if (!kwh && !tou)
        return error(&cli->err, ERR_USAGE, "give --kwh N or --tou sharp=N,peak=N,...");
    if ((rc = kwh_opt(cli, "kwh", kwh, &u.total_wh)) || (tou && (rc = parse_tou(cli, tou, &u))) ||
        (rc = kwh_opt(cli, "capacity", capacity, &u.capacity_va)) ||
        (rc = kwh_opt(cli, "demand", demand, &u.demand_w)) ||
        (rc = kwh_opt(cli, "contract-demand", contract, &u.contract_demand_w)) ||
        (rc = kwh_opt(cli, "ytd-kwh", ytd, &u.ytd_wh)))
        return rc;
    if (kvarh) {
        u.has_reactive = true;
        if ((rc = kwh_opt(cli, "kvarh", kvarh, &u.reactive_varh)))
            return rc;
    }
    if (pf_std) {
        if (!strcmp(pf_std, "0.90") || !strcmp(pf_std, "0.9"))
            u.pf_standard = 90;
        else if (!strcmp(pf_std, "0.85"))
            u.pf_standard = 85;
        else if (!strcmp(pf_std, "0.80") || !strcmp(pf_std, "0.8"))
            u.pf_standard = 80;
        else if (strcmp(pf_std, "0"))
            return error(&cli->err, ERR_USAGE, "--pf-standard: 0.90, 0.85, 0.80 or 0, not '%s'",
                         pf_std);
    }
    if (months < 0 || months > 12 || days < 0 || days > 31 || cycle < 1 || cycle > 12)
        return error(&cli->err, ERR_USAGE,
                     "--months-in-year, --days or --cycle-months out of "
                     "range");
    u.months_in_year = (int)months;
    u.supply_days = (int)days;
    u.cycle_months = (int)cycle;
    if ((from && (rc = date_parse(from, &u.from, &cli->err))) ||
        (to && (rc = date_parse(to, &u.to, &cli->err))))
        return rc;
    if (!!from != !!to)
        return error(&cli->err, ERR_USAGE, "give both --from and --to");
    u.user_type = user_type;

    struct tariff **v = NULL, *t = NULL;
    const struct tariff *use = NULL;
    size_t n = 0;
    if (file) {
        if ((rc = cli_tariff_file(cli, file, &v, &n)))
            return rc;
        for (size_t i = 0; i < n && !use; i++)
            if (!code || !strcmp(tariff_code(v[i]), code))
                use = v[i];
        if (!use || (!code && n > 1)) {
            rc = code ? error(&cli->err, ERR_NOT_FOUND, "%s has no tariff '%s'", file, code)
                      : error(&cli->err, ERR_USAGE, "%s holds %zu tariffs: pick one with --tariff",
                              file, n);
            tariff_free_all(v, n);
            return rc;
        }
    } else {
        if (!cli->ctx.db)
            return error(&cli->err, ERR_NOT_FOUND,
                         "no database: run 'pmis init' and 'pmis tariff load', or use --file");
        if ((rc = tariff_load(&cli->ctx, code, &t, &cli->err)))
            return rc;
        use = t;
    }
    struct quote q;
    rc = tariff_quote(use, &u, &q, &cli->err);
    if (!rc) {
        if (cli->json)
            cli_json_out(quote_json(&q));
        else
            print_quote(use, &u, &q);
    }
    tariff_free_all(v, n);
    tariff_free(t);
    return rc;
}
