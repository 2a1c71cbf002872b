/*
 * The error table (err.def) turned into lookups, plus error(), die() and BUG().
 */
#include "core/common.h"
#include "core/err.h"

struct err_row {
    const char *name;
    int http;
    int exit_code;
    const char *text;
};

static const struct err_row err_rows[] = {
#define ERR(id, code, http, exit_code, text) { code, http, exit_code, text },
#include "core/err.def"
#undef ERR
};

static const struct err_row *row_of(int code)
{
    if (code >= 0 || -code - 1 >= (int)ARRAY_SIZE(err_rows))
        return &err_rows[ERR_IDX_INTERNAL];
    return &err_rows[-code - 1];
}

int error(struct err *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    e->field[0] = '\0';
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

int error_prefix(struct err *e, const char *fmt, ...)
{
    if (!e)
        return ERR_INTERNAL;
    char prefix[256];
    char old[sizeof(e->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    size_t plen = strlen(prefix);
    if (plen >= sizeof(e->msg))
        plen = sizeof(e->msg) - 1;
    memcpy(e->msg, prefix, plen);
    size_t olen = strnlen(old, sizeof(old) - 1);
    if (olen > sizeof(e->msg) - 1 - plen)
        olen = sizeof(e->msg) - 1 - plen;
    memcpy(e->msg + plen, old, olen);
    e->msg[plen + olen] = '\0';
    return e->code;
}

int err_field(struct err *e, const char *field)
{
    if (!e)
        return ERR_INTERNAL;
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    return e->code;
}

void err_clear(struct err *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
        e->field[0] = '\0';
    }
}

const char *err_code_name(int code)
{
    return code == 0 ? "ok" : row_of(code)->name;
}
int err_http_status(int code)
{
    return code == 0 ? 200 : row_of(code)->http;
}
int err_exit_code(int code)
{
    return code == 0 ? 0 : row_of(code)->exit_code;
}
const char *err_default_text(int code)
{
    return code == 0 ? "ok" : row_of(code)->text;
}

void die_err(const struct err *e)
{
    const char *msg = e->msg[0] ? e->msg : err_default_text(e->code);
    fprintf(stderr, "pmis: error: %s\n", msg);
    exit(e->code ? err_exit_code(e->code) : 1);
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pmis: fatal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(err_exit_code(ERR_INTERNAL));
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pmis: BUG: %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
