/*
 * Typed configuration, after Redis config.c and nginx: one option table (cfg.def), sources in
 * increasing precedence default < config file < environment PMIS_* < command-line flag, every
 * value validated when it is loaded. Start-up code fills a struct cfg once and passes it down;
 * after loading it is read-only and may be read from any number of threads.
 */
#ifndef PMIS_CFG_H
#define PMIS_CFG_H

#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"

/* Option keys: CFG_DB_URL, CFG_LOG_LEVEL, ... one per row of cfg.def. */
enum cfg_id {
#define CFG(id, name, type, def, min, max, choices, flags, help) CFG_##id,
#include "core/cfg.def"
#undef CFG
    CFG__COUNT
};

enum cfg_type { CFG_STRING, CFG_INT, CFG_BOOL, CFG_ENUM, CFG_PATH };

/* Option flags (the FLAGS column). */
#define CFG_F_SECRET 1u /* never shown: cfg_show prints "***" */

/* Where an effective value came from, in increasing precedence. */
enum cfg_source { CFG_SRC_DEFAULT, CFG_SRC_FILE, CFG_SRC_ENV, CFG_SRC_FLAG };

/* One row of the option table; static, never freed. */
struct cfg_option {
    const char *name;    /* "log.level" */
    enum cfg_type type;
    const char *def;     /* default, as text */
    int64_t min, max;    /* bounds of an INT option */
    const char *choices; /* "debug|info|warn|error" for ENUM, else NULL */
    unsigned flags;      /* CFG_F_* */
    const char *help;
};

/* An effective value. `str` always holds the canonical text (also for INT and BOOL). */
struct cfg_value {
    char *str;              /* owned by the cfg */
    int64_t num;            /* INT value, BOOL 0/1, ENUM index into choices */
    enum cfg_source source;
    char *origin;           /* owned: "pmis.conf:7", "PMIS_DB_URL", "--db"; NULL if none */
};

struct cfg {
    struct cfg_value v[CFG__COUNT];
    char *file; /* owned: the config file that was read, or NULL */
};

/** Fill `cfg` with the built-in defaults. Release with cfg_release(). */
void cfg_init(struct cfg *cfg);

/** Free everything `cfg` owns; it may be cfg_init()ed again. */
void cfg_release(struct cfg *cfg);

/**
 * The usual start-up sequence after cfg_init(): choose the config file (`config_flag` from
 * `--config FILE` if not NULL, else $PMIS_CONFIG, else ./pmis.conf, which alone may be absent),
 * read it, then read the environment (`envp` as for cfg_load_env). Flags are applied with
 * cfg_set() before or after; a value from a lower source never replaces one from a higher.
 * Returns 0 or ERR_CONFIG with the file and line, variable or flag named in `err`.
 */
int cfg_load(struct cfg *cfg, const char *config_flag, char *const *envp, struct err *err);

/**
 * Read a config file: UTF-8 `name = value` lines, `#` comments (whole line, or after blank
 * space in an unquoted value), blank lines, `[section]` headers that prefix the following
 * names, values optionally in double quotes (escapes \" \\ \t). A later line overrides an
 * earlier one. A relative PATH value is taken relative to the file's directory. A missing file
 * is an error only if `required`. Errors are ERR_CONFIG, reading "FILE:LINE: ..." where a
 * line is at fault.
 */
int cfg_load_file(struct cfg *cfg, const char *path, bool required, struct err *err);

/**
 * Apply PMIS_<SECTION>_<NAME> variables (PMIS_LOG_LEVEL sets log.level) from `envp`, a
 * NULL-terminated "NAME=value" array, or from the process environment if `envp` is NULL.
 * PMIS_DB is an alias of PMIS_DB_URL, which wins if both are set. An empty variable counts as
 * unset. A variable that starts with a known section (PMIS_LOG_...) but names no option is an
 * error, so typos do not pass silently; other PMIS_* variables are left to their owners.
 */
int cfg_load_env(struct cfg *cfg, char *const *envp, struct err *err);

/**
 * Set option `name` from a command-line flag. `label` names the flag in messages and in
 * cfg_show: "--db" or "flag --db" both read "flag --db"; NULL reads "flag". Errors:
 * ERR_CONFIG "flag --db: ...".
 */
int cfg_set(struct cfg *cfg, const char *name, const char *value, const char *label,
            struct err *err);

/** cfg_set() from one "name=value" argument (as given to `--set`). */
int cfg_set_arg(struct cfg *cfg, const char *arg, const char *label, struct err *err);

/** Canonical text of any option; owned by cfg, valid until the option is set again. */
const char *cfg_str(const struct cfg *cfg, enum cfg_id id);
/** Value of an INT option (BUG() on another type). */
int64_t cfg_int(const struct cfg *cfg, enum cfg_id id);
/** Value of a BOOL option (BUG() on another type). */
bool cfg_bool(const struct cfg *cfg, enum cfg_id id);
/**
 * Index of an ENUM option's value in its choices (BUG() on another type); for log.level it is
 * an enum log_level.
 */
int cfg_enum(const struct cfg *cfg, enum cfg_id id);
/** Where an option's value came from. */
enum cfg_source cfg_source_of(const struct cfg *cfg, enum cfg_id id);

/** The option table; `*n` receives CFG__COUNT. Static. */
const struct cfg_option *cfg_options(size_t *n);
/** The id of option `name` (case-insensitive), or -1. */
int cfg_lookup(const char *name);

/**
 * Append every effective value and where it came from. Text: one `name = value  # source` line
 * per option (source "default", "FILE:LINE", "env PMIS_X" or "flag --x"), valid config syntax.
 * JSON: {"file":..,"options":[{"name","type","value","default","source","origin"}]}, INT as
 * numbers, BOOL as true/false. Secrets are masked (see cfg_mask).
 */
void cfg_show(const struct cfg *cfg, struct strbuf *out, bool json);

/**
 * Append `value` masked for display: "***" if `secret` (and not empty); otherwise a URL's
 * password (postgresql://u:pw@h/db -> postgresql://u:***@h/db) and any `password=...` item
 * (conninfo or query string) are replaced by ***.
 */
void cfg_mask(const char *value, bool secret, struct strbuf *out);

/** Parse true/false, yes/no, on/off, 1/0 (any case) into `*out`; 0, or ERR_INVALID. */
int cfg_parse_bool(const char *s, bool *out);

#endif
