/*
 * Configuration: the cfg.def table, one validator for every source, the file parser, the
 * environment scan and `config show`. Invariant: every value in a struct cfg has passed its
 * option's validation, and a value is only replaced by one from an equal or higher source.
 */
#include "core/common.h"
#include "core/cfg.h"
#include "core/xalloc.h"

#define CFG_MAX_FILE (1 << 20) /* a config file is a page of text; refuse anything huge */

static const struct cfg_option options[] = {
#define CFG(id, name, type, def, min, max, choices, flags, help)                                  \
    { name, CFG_##type, def, min, max, choices, flags, help },
#include "core/cfg.def"
#undef CFG
};

static const char *const type_names[] = { "string", "int", "bool", "enum", "path" };
static const char *const source_names[] = { "default", "file", "env", "flag" };

const struct cfg_option *cfg_options(size_t *n)
{
    *n = ARRAY_SIZE(options);
    return options;
}

int cfg_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++)
        if (!strcasecmp(name, options[i].name))
            return (int)i;
    return -1;
}

int cfg_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    return ERR_INVALID;
}

/* "debug|info|warn|error" -> index of `s` among the choices (any case), or -1. */
static int choice_index(const char *choices, const char *s, const char **start, size_t *len)
{
    int idx = 0;
    for (const char *p = choices;; idx++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (strlen(s) == n && !strncasecmp(p, s, n)) {
            *start = p;
            *len = n;
            return idx;
        }
        if (!bar)
            return -1;
        p = bar + 1;
    }
}

static void add_choice_list(struct strbuf *sb, const char *choices)
{
    for (const char *p = choices; *p; p++) {
        if (*p == '|')
            strbuf_addstr(sb, ", ");
        else
            strbuf_addch(sb, *p);
    }
}

static bool has_control_chars(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return true;
    return false;
}

static bool valid_utf8(const char *s, size_t len);

/*
 * Validate `value` for option `id` and, if `src` ranks at least as high as the current
 * source, make it the effective value. `where` prefixes error messages; `base_dir` is the
 * directory relative PATH values are resolved against (NULL: leave them as they are).
 */
static int set_value(struct cfg *cfg, int id, const char *value, enum cfg_source src,
                     const char *origin, const char *where, const char *base_dir,
                     struct err *err)
{
    const struct cfg_option *o = &options[id];
    struct strbuf canon = STRBUF_INIT;
    int64_t num = 0;
    int rc = 0;

    if (has_control_chars(value)) {
        rc = error(err, ERR_CONFIG, "%s'%s' must not contain control characters", where,
                   o->name);
        goto out;
    }
    /* files are checked line by line; flags and variables arrive here unchecked */
    if (!valid_utf8(value, strlen(value))) {
        rc = error(err, ERR_CONFIG, "%s'%s' must be valid UTF-8", where, o->name);
        goto out;
    }
    switch (o->type) {
    case CFG_STRING:
        strbuf_addstr(&canon, value);
        break;
    case CFG_PATH:
        if (!*value) {
            rc = error(err, ERR_CONFIG, "%s'%s' must not be empty", where, o->name);
            goto out;
        }
        if (base_dir && value[0] != '/')
            strbuf_addf(&canon, "%s/", base_dir);
        strbuf_addstr(&canon, value);
        break;
    case CFG_INT: {
        const char *p = value;
        char *end;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9') {
            rc = error(err, ERR_CONFIG, "%s'%s' must be an integer, not '%s'", where, o->name,
                       value);
            goto out;
        }
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (*end) {
            rc = error(err, ERR_CONFIG, "%s'%s' must be an integer, not '%s'", where, o->name,
                       value);
            goto out;
        }
        if (errno == ERANGE || v < o->min || v > o->max) {
            rc = error(err, ERR_CONFIG, "%s'%s' must be between %" PRId64 " and %" PRId64
                       ", not '%s'", where, o->name, o->min, o->max, value);
            goto out;
        }
        num = v;
        strbuf_addf(&canon, "%lld", v);
        break;
    }
    case CFG_BOOL: {
        bool b;
        if (cfg_parse_bool(value, &b) < 0) {
            rc = error(err, ERR_CONFIG, "%s'%s' must be true or false, not '%s'", where, o->name,
                       value);
            goto out;
        }
        num = b;
        strbuf_addstr(&canon, b ? "true" : "false");
        break;
    }
    case CFG_ENUM: {
        const char *start;
        size_t len;
        int idx = choice_index(o->choices, value, &start, &len);
        if (idx < 0) {
            struct strbuf list = STRBUF_INIT;
            add_choice_list(&list, o->choices);
            rc = error(err, ERR_CONFIG, "%s'%s' must be one of %s, not '%s'", where, o->name,
                       list.buf, value);
            strbuf_release(&list);
            goto out;
        }
        num = idx;
        strbuf_add(&canon, start, len);
        break;
    }
    }

    struct cfg_value *v = &cfg->v[id];
    if (src >= v->source) {
        free(v->str);
        free(v->origin);
        v->str = strbuf_detach(&canon, NULL);
        v->num = num;
        v->source = src;
        v->origin = origin ? xstrdup(origin) : NULL;
    }
out:
    strbuf_release(&canon);
    return rc;
}

void cfg_init(struct cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        struct err e = ERR_INIT;
        if (set_value(cfg, (int)i, options[i].def, CFG_SRC_DEFAULT, NULL, "", NULL, &e) < 0)
            BUG("bad default in cfg.def: %s", e.msg);
    }
}

void cfg_release(struct cfg *cfg)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        free(cfg->v[i].str);
        free(cfg->v[i].origin);
    }
    free(cfg->file);
    memset(cfg, 0, sizeof(*cfg));
}

/* Levenshtein distance of two short ASCII names (case-insensitive), capped at 64 chars. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The option a mistyped `name` most likely meant, or -1. */
static int suggest(const char *name)
{
    int best = -1;
    size_t best_d = 3; /* at most two edits */
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const char *dot = strchr(options[i].name, '.');
        if (!strchr(name, '.') && dot && !strcasecmp(name, dot + 1))
            return (int)i; /* "url" for "db.url": the section was left out */
        size_t d = edit_distance(name, options[i].name);
        if (d < best_d) {
            best_d = d;
            best = (int)i;
        }
    }
    return best;
}

static int unknown_option(struct err *err, const char *where, const char *name)
{
    int s = suggest(name);
    if (s < 0)
        return error(err, ERR_CONFIG, "%sunknown option '%s'", where, name);
    return error(err, ERR_CONFIG, "%sunknown option '%s' (did you mean '%s'?)", where, name,
                 options[s].name);
}

/* "--db" from "--db" or "flag --db"; NULL from NULL or "flag". */
static const char *flag_label(const char *label)
{
    if (label && !strncmp(label, "flag", 4) && (label[4] == ' ' || !label[4]))
        return label[4] ? label + 5 : NULL;
    return label;
}

int cfg_set(struct cfg *cfg, const char *name, const char *value, const char *label,
            struct err *err)
{
    label = flag_label(label);
    struct strbuf where = STRBUF_INIT;
    strbuf_addf(&where, "flag%s%s: ", label ? " " : "", label ? label : "");
    int id = cfg_lookup(name);
    int rc = id < 0 ? unknown_option(err, where.buf, name)
                    : set_value(cfg, id, value, CFG_SRC_FLAG, label, where.buf, NULL, err);
    strbuf_release(&where);
    return rc;
}

int cfg_set_arg(struct cfg *cfg, const char *arg, const char *label, struct err *err)
{
    label = flag_label(label);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return error(err, ERR_CONFIG, "flag%s%s: expected 'name=value', not '%s'",
                     label ? " " : "", label ? label : "", arg);
    char *name = xstrndup(arg, (size_t)(eq - arg));
    int rc = cfg_set(cfg, name, eq + 1, label, err);
    free(name);
    return rc;
}

/* ---- config file ---- */

/* Length of the valid UTF-8 sequence at p (p < end), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    unsigned cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static bool valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = utf8_len(p, end);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

static bool is_blank(int c) { return c == ' ' || c == '\t'; }

static char *skip_blank(char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && is_blank(s[n - 1]))
        s[--n] = '\0';
}

static bool valid_name(const char *s, bool allow_dot)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || (allow_dot && c == '.')))
            return false;
    }
    return true;
}

/*
 * Parse the value part of a line (after '=' and blanks) into `out`. Quoted values keep
 * everything between the quotes; unquoted ones end at a '#' that follows a blank.
 */
static int parse_value(char *p, struct strbuf *out, const char *where, struct err *err)
{
    if (*p != '"') {
        for (char *q = p; *q; q++) {
            if (*q == '#' && (q == p || is_blank(q[-1]))) {
                *q = '\0';
                break;
            }
        }
        rtrim(p);
        strbuf_addstr(out, p);
        return 0;
    }
    for (p++; *p != '"'; p++) {
        if (!*p)
            return error(err, ERR_CONFIG, "%sunterminated quoted value", where);
        if (*p != '\\') {
            strbuf_addch(out, *p);
            continue;
        }
        switch (*++p) {
        case '"': strbuf_addch(out, '"'); break;
        case '\\': strbuf_addch(out, '\\'); break;
        case 't': strbuf_addch(out, '\t'); break;
        case '\0': return error(err, ERR_CONFIG, "%sunterminated quoted value", where);
        default:
            return error(err, ERR_CONFIG, "%sunknown escape '\\%c' in quoted value", where, *p);
        }
    }
    p = skip_blank(p + 1);
    if (*p && *p != '#')
        return error(err, ERR_CONFIG, "%sunexpected text '%s' after quoted value", where, p);
    return 0;
}

static int parse_line(struct cfg *cfg, char *line, const char *path, size_t lineno,
                      const char *base_dir, struct strbuf *section, struct err *err)
{
    struct strbuf where = STRBUF_INIT, origin = STRBUF_INIT, name = STRBUF_INIT,
                  value = STRBUF_INIT;
    int rc = 0;
    strbuf_addf(&origin, "%s:%zu", path, lineno);
    strbuf_addf(&where, "%s: ", origin.buf);

    char *p = skip_blank(line);
    rtrim(p);
    if (!*p || *p == '#')
        goto out;
    if (*p == '[') {
        char *close = strchr(p, ']');
        char *after = close ? skip_blank(close + 1) : NULL;
        if (!close || (*after && *after != '#')) {
            rc = error(err, ERR_CONFIG, "%sbad section header '%s'", where.buf, p);
            goto out;
        }
        *close = '\0';
        char *s = skip_blank(p + 1);
        rtrim(s);
        if (!valid_name(s, true)) {
            rc = error(err, ERR_CONFIG, "%sbad section name '%s'", where.buf, s);
            goto out;
        }
        strbuf_reset(section);
        strbuf_addstr(section, s);
        goto out;
    }
    char *eq = strchr(p, '=');
    if (!eq) {
        rc = error(err, ERR_CONFIG, "%sexpected 'name = value', not '%s'", where.buf, p);
        goto out;
    }
    *eq = '\0';
    rtrim(p);
    if (!valid_name(p, true)) {
        rc = error(err, ERR_CONFIG, "%sbad option name '%s'", where.buf, p);
        goto out;
    }
    if (section->len)
        strbuf_addf(&name, "%s.", section->buf);
    strbuf_addstr(&name, p);
    rc = parse_value(skip_blank(eq + 1), &value, where.buf, err);
    if (rc < 0)
        goto out;
    int id = cfg_lookup(name.buf);
    if (id < 0) {
        rc = unknown_option(err, where.buf, name.buf);
        goto out;
    }
    rc = set_value(cfg, id, value.buf, CFG_SRC_FILE, origin.buf, where.buf, base_dir, err);
out:
    strbuf_release(&where);
    strbuf_release(&origin);
    strbuf_release(&name);
    strbuf_release(&value);
    return rc;
}

/* `named_by` ("env PMIS_CONFIG: ") prefixes errors about the file as a whole. */
static int read_file(const char *path, bool required, const char *named_by, struct strbuf *text,
                     bool *found, struct err *err)
{
    *found = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT && !required)
            return 0;
        if (errno == ENOENT)
            return error(err, ERR_CONFIG, "%sconfig file '%s' does not exist", named_by, path);
        return error(err, ERR_CONFIG, "%scannot open config file '%s': %s", named_by, path,
                     strerror(errno));
    }
    int rc = 0;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (text->len + n > CFG_MAX_FILE) {
            rc = error(err, ERR_CONFIG, "%sconfig file '%s' is larger than %d bytes", named_by,
                       path, CFG_MAX_FILE);
            goto out;
        }
        strbuf_add(text, buf, n);
    }
    if (ferror(f)) {
        rc = error(err, ERR_CONFIG, "%scannot read config file '%s': %s", named_by, path,
                   strerror(errno));
        goto out;
    }
    *found = true;
out:
    fclose(f);
    return rc;
}

static int load_file(struct cfg *cfg, const char *path, bool required, const char *named_by,
                     struct err *err)
{
    struct strbuf text = STRBUF_INIT, section = STRBUF_INIT;
    char *base_dir = NULL;
    bool found;
    int rc = read_file(path, required, named_by, &text, &found, err);
    if (rc < 0 || !found)
        goto out;

    const char *slash = strrchr(path, '/');
    if (slash)
        base_dir = slash == path ? xstrdup("") : xstrndup(path, (size_t)(slash - path));

    char *p = text.buf, *end = text.buf + text.len;
    if (text.len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        p += 3; /* a byte-order mark from a Windows editor */
    for (size_t lineno = 1; p < end; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        size_t len = (size_t)(eol - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (!valid_utf8(p, len) || memchr(p, '\0', len)) {
            rc = error(err, ERR_CONFIG, "%s:%zu: invalid UTF-8", path, lineno);
            goto out;
        }
        p[len] = '\0';
        rc = parse_line(cfg, p, path, lineno, base_dir, &section, err);
        if (rc < 0)
            goto out;
        p = eol + 1;
    }
    free(cfg->file);
    cfg->file = xstrdup(path);
out:
    free(base_dir);
    strbuf_release(&text);
    strbuf_release(&section);
    return rc;
}

int cfg_load_file(struct cfg *cfg, const char *path, bool required, struct err *err)
{
    return load_file(cfg, path, required, "", err);
}

/* ---- environment ---- */

/* PMIS_IMPORT_MAX_RECORD_BYTES for import.max_record_bytes. */
static void env_name(struct strbuf *sb, const char *option)
{
    strbuf_addstr(sb, "PMIS_");
    for (const char *p = option; *p; p++) {
        char c = *p;
        strbuf_addch(sb, c == '.' ? '_' : (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
    }
}

static const char *env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (char *const *e = envp; *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* Is PMIS_<X>_... for a section X of some option (so an unknown name there is a typo)? */
static bool in_known_section(const char *var, size_t len)
{
    const char *rest = var + 5, *us = memchr(rest, '_', len - 5);
    if (!us)
        return false;
    size_t slen = (size_t)(us - rest);
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const char *dot = strchr(options[i].name, '.');
        if (dot && (size_t)(dot - options[i].name) == slen &&
            !strncasecmp(options[i].name, rest, slen))
            return true;
    }
    return false;
}

static int env_unknown(struct err *err, const char *var, size_t len)
{
    struct strbuf opt = STRBUF_INIT, hint = STRBUF_INIT;
    /* PMIS_LOG_LEVLE -> log.levle: the section is everything up to the first underscore */
    bool dot = false;
    for (size_t i = 5; i < len; i++) {
        char c = var[i];
        if (c == '_' && !dot) {
            c = '.';
            dot = true;
        }
        strbuf_addch(&opt, (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    int s = suggest(opt.buf);
    if (s >= 0) {
        strbuf_addstr(&hint, " (did you mean ");
        env_name(&hint, options[s].name);
        strbuf_addstr(&hint, "?)");
    }
    int rc = error(err, ERR_CONFIG, "env %.*s: unknown option '%s'%s", (int)len, var, opt.buf,
                   hint.buf);
    strbuf_release(&opt);
    strbuf_release(&hint);
    return rc;
}

static int env_apply(struct cfg *cfg, int id, const char *var, const char *value,
                     struct err *err)
{
    if (!value || !*value)
        return 0;
    struct strbuf where = STRBUF_INIT;
    strbuf_addf(&where, "env %s: ", var);
    int rc = set_value(cfg, id, value, CFG_SRC_ENV, var, where.buf, NULL, err);
    strbuf_release(&where);
    return rc;
}

int cfg_load_env(struct cfg *cfg, char *const *envp, struct err *err)
{
    struct strbuf var = STRBUF_INIT;
    int rc = 0;
    if (!envp)
        envp = environ;

    /* unknown PMIS_<SECTION>_* names first, so a typo is reported even if others are fine */
    for (char *const *e = envp; *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
        if (len <= 5 || strncmp(*e, "PMIS_", 5) || !in_known_section(*e, len))
            continue;
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(options) && !known; i++) {
            strbuf_reset(&var);
            env_name(&var, options[i].name);
            known = var.len == len && !memcmp(var.buf, *e, len);
        }
        if (!known) {
            rc = env_unknown(err, *e, len);
            goto out;
        }
    }
    /* the alias first, so that PMIS_DB_URL (same rank, applied later) wins */
    rc = env_apply(cfg, CFG_DB_URL, "PMIS_DB", env_get(envp, "PMIS_DB"), err);
    for (size_t i = 0; i < ARRAY_SIZE(options) && rc == 0; i++) {
        strbuf_reset(&var);
        env_name(&var, options[i].name);
        rc = env_apply(cfg, (int)i, var.buf, env_get(envp, var.buf), err);
    }
out:
    strbuf_release(&var);
    return rc;
}

int cfg_load(struct cfg *cfg, const char *config_flag, char *const *envp, struct err *err)
{
    if (!envp)
        envp = environ;
    const char *path = config_flag, *from = "flag --config: ";
    if (!path) {
        path = env_get(envp, "PMIS_CONFIG");
        from = "env PMIS_CONFIG: ";
    }
    bool required = path && *path;
    if (!required)
        path = "pmis.conf";
    int rc = load_file(cfg, path, required, required ? from : "", err);
    if (rc < 0)
        return rc;
    return cfg_load_env(cfg, envp, err);
}

/* ---- getters ---- */

static const struct cfg_value *value_of(const struct cfg *cfg, enum cfg_id id,
                                        enum cfg_type want, bool any)
{
    if ((int)id < 0 || id >= CFG__COUNT)
        BUG("no option %d", (int)id);
    if (!any && options[id].type != want)
        BUG("option '%s' is a %s, not a %s", options[id].name, type_names[options[id].type],
            type_names[want]);
    return &cfg->v[id];
}

const char *cfg_str(const struct cfg *cfg, enum cfg_id id)
{
    return value_of(cfg, id, CFG_STRING, true)->str;
}

int64_t cfg_int(const struct cfg *cfg, enum cfg_id id)
{
    return value_of(cfg, id, CFG_INT, false)->num;
}

bool cfg_bool(const struct cfg *cfg, enum cfg_id id)
{
    return value_of(cfg, id, CFG_BOOL, false)->num != 0;
}

int cfg_enum(const struct cfg *cfg, enum cfg_id id)
{
    return (int)value_of(cfg, id, CFG_ENUM, false)->num;
}

enum cfg_source cfg_source_of(const struct cfg *cfg, enum cfg_id id)
{
    return value_of(cfg, id, CFG_STRING, true)->source;
}

/* ---- show ---- */

/* Mask the value of every "password=" item: libpq conninfo or a URL query string. */
static void mask_password_items(struct strbuf *sb)
{
    static const char key[] = "password=";
    size_t klen = sizeof(key) - 1;
    for (size_t i = 0; i + klen <= sb->len; i++) {
        if (strncasecmp(sb->buf + i, key, klen))
            continue;
        char before = i ? sb->buf[i - 1] : ' ';
        if (!(before == ' ' || before == '\t' || before == '?' || before == '&' ||
              before == ';'))
            continue;
        size_t start = i + klen, end = start;
        if (end < sb->len && sb->buf[end] == '\'') {
            for (end++; end < sb->len && sb->buf[end] != '\''; end++)
                if (sb->buf[end] == '\\' && end + 1 < sb->len)
                    end++;
            if (end < sb->len)
                end++;
        } else {
            while (end < sb->len && !strchr(" \t&;#", sb->buf[end]))
                end++;
        }
        if (end == start)
            continue;
        struct strbuf tail = STRBUF_INIT;
        strbuf_addstr(&tail, sb->buf + end);
        strbuf_setlen(sb, start);
        strbuf_addstr(sb, "***");
        strbuf_addstr(sb, tail.buf);
        strbuf_release(&tail);
        i = start + 2;
    }
}

void cfg_mask(const char *value, bool secret, struct strbuf *out)
{
    if (secret) {
        strbuf_addstr(out, *value ? "***" : "");
        return;
    }
    struct strbuf sb = STRBUF_INIT;
    const char *p = value;
    const char *scheme;
    while ((scheme = strstr(p, "://")) != NULL) {
        const char *auth = scheme + 3;
        /* userinfo ends at the last '@' before any query or fragment: a raw password may
         * hold '/' or '@', a host never does */
        size_t span = strcspn(auth, "?#");
        const char *at = NULL;
        for (const char *q = auth; q < auth + span; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon && !memchr(auth, '/', (size_t)(colon - auth))) {
            strbuf_add(&sb, p, (size_t)(colon + 1 - p));
            strbuf_addstr(&sb, "***");
            p = at;
        } else {
            strbuf_add(&sb, p, (size_t)(auth - p));
            p = auth;
        }
    }
    strbuf_addstr(&sb, p);
    mask_password_items(&sb);
    strbuf_add(out, sb.buf, sb.len);
    strbuf_release(&sb);
}

static void add_source_text(struct strbuf *sb, const struct cfg_value *v)
{
    switch (v->source) {
    case CFG_SRC_DEFAULT: strbuf_addstr(sb, "default"); break;
    case CFG_SRC_FILE: strbuf_addstr(sb, v->origin); break;
    case CFG_SRC_ENV: strbuf_addf(sb, "env %s", v->origin); break;
    case CFG_SRC_FLAG:
        strbuf_addstr(sb, "flag");
        if (v->origin)
            strbuf_addf(sb, " %s", v->origin);
        break;
    }
}

/* A value as config-file text: quoted when it would not read back the same unquoted. */
static void add_config_value(struct strbuf *sb, const char *s)
{
    size_t n = strlen(s);
    bool quote = !n || is_blank(s[0]) || is_blank(s[n - 1]) || s[0] == '"' || strchr(s, '#') ||
                 strchr(s, '\\');
    if (!quote) {
        strbuf_addstr(sb, s);
        return;
    }
    strbuf_addch(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            strbuf_addch(sb, '\\');
        if (*s == '\t')
            strbuf_addstr(sb, "\\t");
        else
            strbuf_addch(sb, *s);
    }
    strbuf_addch(sb, '"');
}

static void show_json(const struct cfg *cfg, struct strbuf *out)
{
    struct strbuf tmp = STRBUF_INIT;
    strbuf_addstr(out, "{\"file\":");
    if (cfg->file)
        strbuf_add_json_str(out, cfg->file);
    else
        strbuf_addstr(out, "null");
    strbuf_addstr(out, ",\"options\":[");
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const struct cfg_option *o = &options[i];
        const struct cfg_value *v = &cfg->v[i];
        bool secret = o->flags & CFG_F_SECRET;
        strbuf_addstr(out, i ? ",{\"name\":" : "{\"name\":");
        strbuf_add_json_str(out, o->name);
        strbuf_addf(out, ",\"type\":\"%s\",\"value\":", type_names[o->type]);
        for (int k = 0; k < 2; k++) {
            const char *s = k == 0 ? v->str : o->def;
            if (k)
                strbuf_addstr(out, ",\"default\":");
            if (o->type == CFG_INT || o->type == CFG_BOOL) {
                if (k == 0) {
                    strbuf_addstr(out, v->str);
                } else if (o->type == CFG_BOOL) {
                    bool b = false;
                    cfg_parse_bool(s, &b);
                    strbuf_addstr(out, b ? "true" : "false");
                } else {
                    strbuf_addstr(out, s);
                }
            } else {
                strbuf_reset(&tmp);
                cfg_mask(s, secret, &tmp);
                strbuf_add_json_str(out, tmp.buf);
            }
        }
        strbuf_addf(out, ",\"source\":\"%s\",\"origin\":", source_names[v->source]);
        if (v->origin)
            strbuf_add_json_str(out, v->origin);
        else
            strbuf_addstr(out, "null");
        strbuf_addch(out, '}');
    }
    strbuf_addstr(out, "]}\n");
    strbuf_release(&tmp);
}

void cfg_show(const struct cfg *cfg, struct strbuf *out, bool json)
{
    if (json) {
        show_json(cfg, out);
        return;
    }
    struct strbuf lines[ARRAY_SIZE(options)];
    size_t width = 0;
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        struct strbuf masked = STRBUF_INIT;
        cfg_mask(cfg->v[i].str, options[i].flags & CFG_F_SECRET, &masked);
        strbuf_init(&lines[i], 0);
        strbuf_addf(&lines[i], "%s = ", options[i].name);
        add_config_value(&lines[i], masked.buf);
        if (lines[i].len > width)
            width = lines[i].len;
        strbuf_release(&masked);
    }
    if (width > 60)
        width = 60;
    strbuf_addstr(out, "# config file: ");
    strbuf_addstr(out, cfg->file ? cfg->file : "none");
    strbuf_addch(out, '\n');
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        strbuf_addstr(out, lines[i].buf);
        for (size_t k = lines[i].len; k < width; k++)
            strbuf_addch(out, ' ');
        strbuf_addstr(out, "  # ");
        add_source_text(out, &cfg->v[i]);
        strbuf_addch(out, '\n');
        strbuf_release(&lines[i]);
    }
}
