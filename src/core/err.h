/*
 * Errors: fallible functions return 0 or a negative ERR_* code and put the detail into a
 * caller-supplied struct err. The callee says what went wrong; the caller decides how loud.
 * die() is for the top of a command only; BUG() for broken invariants, never for user input.
 */
#ifndef PMIS_ERR_H
#define PMIS_ERR_H

#include "core/common.h"

enum err_index {
#define ERR(id, code, http, exit_code, text) ERR_IDX_##id,
#include "core/err.def"
#undef ERR
    ERR_IDX__COUNT
};

enum err_code {
    ERR_OK = 0,
#define ERR(id, code, http, exit_code, text) ERR_##id = -1 - ERR_IDX_##id,
#include "core/err.def"
#undef ERR
};

struct err {
    int code;       /* 0 or an ERR_* value */
    char msg[1024]; /* lowercase, no trailing period, names in quotes */
    char field[32]; /* the input field at fault ("user_type"), or empty; for reports */
    char msg_zh[1024]; /* msg in Simplified Chinese (po/zh_CN.po), or empty if untranslated */
};

#define ERR_INIT { 0, { 0 }, { 0 }, { 0 } }

/** Record an error in `e` (may be NULL) and return `code`, so callers can `return error(...)`. */
int error(struct err *e, int code, const char *fmt, ...) PMIS_PRINTF(3, 4);

/** error() with a va_list, for wrappers that add context (then error_prefix()). */
int error_v(struct err *e, int code, const char *fmt, va_list ap);

/** Prefix the message already in `e` with more context ("row 3: "); returns e->code. */
int error_prefix(struct err *e, const char *fmt, ...) PMIS_PRINTF(2, 3);

/** Name the input field at fault (after error()); returns e->code. */
int err_field(struct err *e, const char *field);

/** Clear `e` back to success. */
void err_clear(struct err *e);

/** The API code string ("not_found"), HTTP status and CLI exit code of an ERR_* value. */
const char *err_code_name(int code);
int err_http_status(int code);
int err_exit_code(int code);
/** The table's default text for a code. */
const char *err_default_text(int code);

/*
 * Languages: every error() and error_prefix() format string has its Simplified-Chinese
 * translation in po/zh_CN.po, compiled into the binary (tools/po2c.awk); error() formats
 * both texts with the same arguments. msg stays English (logs, tests, integrators).
 */

/** The Chinese translation of an English format string or default text, or NULL. */
const char *err_zh(const char *en);

/** Mark a catalogue string that is not an error() format (a parser's detail), for `make po`. */
#define N_(s) (s)

/* A parser's detail ("more than 3 decimals") for the last %s of an error message, in English
 * and in Chinese (from the catalogue; empty when untranslated). */
struct err_detail {
    char en[96];
    char zh[192];
};

/** Format a detail in both languages from `fmt`, a catalogue string, as error() does. */
void err_detail_set(struct err_detail *d, const char *fmt, ...) PMIS_PRINTF(2, 3);

/** error() for a message whose last conversion is a parser's detail: `fmt` ends in "%s" and
 *  the last argument is `why` (English). The Chinese message gets `why_zh` in place of it, or
 *  the catalogue's translation of `why` (a N_() string) when why_zh is NULL, so no English is
 *  left in it. Returns `code`. */
int error_detail(struct err *e, int code, const char *why, const char *why_zh, const char *fmt, ...)
    PMIS_PRINTF(5, 6);

/** e's message in Chinese (zh) or English: msg_zh when asked for and present, else msg; the
 *  code's default text when the message is empty. The text lives in `e` or is static. */
const char *err_text(const struct err *e, bool zh);

/**
 * error() for a message some of whose arguments differ by language (a name that has a Chinese
 * form, such as reg_label()), in one call: every %s conversion takes two arguments, the
 * English text then the Chinese one (ERR_BOTH(s) for a text that is the same in both); the
 * other conversions (d, i, u, x with flags, width and the l, ll or z length) take one, as in
 * printf. Records the English message and the catalogue's Chinese of `fmt` (empty when
 * untranslated), each with its language's texts:
 *     error_langs(e, ERR_INVALID, "reading %s '%s' is negative", reg_label(r, false),
 *                 reg_label(r, true), ERR_BOTH(value));
 * Any other conversion is a BUG. Returns `code`.
 */
int error_langs(struct err *e, int code, const char *fmt, ...);
/** The two arguments of error_langs() for a text that is the same in both languages (`s` is
 *  evaluated twice). */
#define ERR_BOTH(s) (s), (s)

/** The code's default text in Chinese (zh) or English. */
const char *err_default_text_lang(int code, bool zh);

/** True when the process environment asks for Chinese: the first non-empty of LC_ALL,
 *  LC_MESSAGES and LANG starts with "zh". For the CLI; the server uses Accept-Language. */
bool err_env_zh(void);

/** Print "pmis: error: <msg>" to stderr and exit with the code's exit status. */
PMIS_NORETURN void die_err(const struct err *e);
PMIS_NORETURN void die(const char *fmt, ...) PMIS_PRINTF(1, 2);

/** Report a broken invariant with file and line, then abort. */
PMIS_NORETURN void bug_at(const char *file, int line, const char *fmt, ...) PMIS_PRINTF(3, 4);
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

#endif
