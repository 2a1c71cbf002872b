/*
 * The error table (err.def) turned into lookups, plus error(), die() and BUG().
 * error() also formats the Chinese translation of its format string, found in the catalogue
 * that tools/po2c.awk compiles from po/zh_CN.po (gen/err_zh.c): no locale, no file at run time.
 */
#include "core/common.h"

#include <pthread.h>

#include "core/err.h"
#include "core/err_zh.h"
#include "core/utf8.h"

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

/* ---- the catalogue: err_zh_rows sorted once by English text, then bsearch ---- */

static const struct err_zh_row *zh_sorted[ERR_ZH_MAX];
static size_t zh_n;
static pthread_once_t zh_once = PTHREAD_ONCE_INIT;

static int row_cmp(const void *a, const void *b)
{
    const struct err_zh_row *const *x = a, *const *y = b;
    return strcmp((*x)->en, (*y)->en);
}

/* Sorted at first use, not at build time: the texts hold PRId64 and friends, which only the
 * compiler expands. Written once under pthread_once, read-only afterwards. */
static void zh_sort(void)
{
    zh_n = err_zh_count < ERR_ZH_MAX ? err_zh_count : ERR_ZH_MAX;
    for (size_t i = 0; i < zh_n; i++)
        zh_sorted[i] = &err_zh_rows[i];
    qsort(zh_sorted, zh_n, sizeof(zh_sorted[0]), row_cmp);
}

static int key_cmp(const void *key, const void *elem)
{
    const struct err_zh_row *const *r = elem;
    return strcmp(key, (*r)->en);
}

const char *err_zh(const char *en)
{
    if (!en || !*en)
        return NULL;
    pthread_once(&zh_once, zh_sort);
    const struct err_zh_row *const *r = bsearch(en, zh_sorted, zh_n, sizeof(zh_sorted[0]),
                                                key_cmp);
    return r ? (*r)->zh : NULL;
}

/* buf = the catalogue's Chinese of `fmt` formatted with ap, or empty when untranslated. */
static void format_zh(char *buf, size_t size, const char *fmt, va_list ap)
{
    const char *zh = err_zh(fmt);
    if (zh)
        vsnprintf(buf, size, zh, ap);
    else
        buf[0] = '\0';
}

/* Messages go into JSON replies and logs, which take only valid UTF-8 (jansson refuses anything
 * else, and a reply then lost its message): a "%.64s" of Chinese text, a buffer's end or a value
 * echoed from the input may cut a character or carry a bad byte. */
static void scrub(struct err *e)
{
    utf8_scrub(e->msg);
    utf8_scrub(e->msg_zh);
}

int error_v(struct err *e, int code, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    va_list ap2;
    va_copy(ap2, ap);
    e->code = code;
    e->field[0] = '\0';
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    format_zh(e->msg_zh, sizeof(e->msg_zh), fmt, ap2);
    va_end(ap2);
    scrub(e);
    return code;
}

int error(struct err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(e, code, fmt, ap);
    va_end(ap);
    return code;
}

/*
 * buf (size > 0) = fmt formatted for one language, as error_langs() describes: each %s takes
 * two arguments from ap, the English text and the Chinese one, and prints the one of `zh`;
 * integer conversions take one. The output is cut at size - 1 bytes, as snprintf cuts it.
 */
static void format_langs(char *buf, size_t size, const char *fmt, bool zh, va_list ap)
{
    size_t n = 0;
    for (const char *p = fmt; *p;) {
        if (*p != '%' || p[1] == '%') {
            if (n + 1 < size)
                buf[n++] = *p;
            p += *p == '%' ? 2 : 1;
            continue;
        }
        char spec[16] = "%";
        size_t k = 1;
        const char *q = p + 1;
        while (*q && strchr("-+ #0123456789.", *q) && k < 8)
            spec[k++] = *q++;
        int longs = 0;
        if (*q == 'z')
            spec[k++] = *q++, longs = 3;
        while (*q == 'l' && longs < 2)
            spec[k++] = *q++, longs++;
        spec[k++] = *q;
        spec[k] = '\0';
        char *out = buf + n;
        size_t room = size - n;
        int w;
        switch (*q) {
        case 's': {
            const char *en = va_arg(ap, const char *), *text_zh = va_arg(ap, const char *);
            w = snprintf(out, room, spec, zh ? text_zh : en);
            break;
        }
        case 'd':
        case 'i':
            w = longs == 3   ? snprintf(out, room, spec, va_arg(ap, ptrdiff_t))
                : longs == 2 ? snprintf(out, room, spec, va_arg(ap, long long))
                : longs == 1 ? snprintf(out, room, spec, va_arg(ap, long))
                             : snprintf(out, room, spec, va_arg(ap, int));
            break;
        case 'u':
        case 'x':
            w = longs == 3   ? snprintf(out, room, spec, va_arg(ap, size_t))
                : longs == 2 ? snprintf(out, room, spec, va_arg(ap, unsigned long long))
                : longs == 1 ? snprintf(out, room, spec, va_arg(ap, unsigned long))
                             : snprintf(out, room, spec, va_arg(ap, unsigned));
            break;
        default:
            BUG("error_langs: conversion '%s' is not supported in \"%s\"", spec, fmt);
        }
        if (w > 0)
            n = (size_t)w < room ? n + (size_t)w : size - 1;
        p = q + 1;
    }
    buf[n] = '\0';
}

int error_langs(struct err *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    const char *zh = err_zh(fmt);
    va_list ap;
    e->code = code;
    e->field[0] = '\0';
    va_start(ap, fmt);
    format_langs(e->msg, sizeof(e->msg), fmt, false, ap);
    va_end(ap);
    e->msg_zh[0] = '\0';
    if (zh) {
        va_start(ap, fmt);
        format_langs(e->msg_zh, sizeof(e->msg_zh), zh, true, ap);
        va_end(ap);
    }
    scrub(e);
    return code;
}

void err_detail_set(struct err_detail *d, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vsnprintf(d->en, sizeof(d->en), fmt, ap);
    format_zh(d->zh, sizeof(d->zh), fmt, ap2);
    va_end(ap2);
    va_end(ap);
    utf8_scrub(d->en);
    utf8_scrub(d->zh);
}

/* After error_v() with a message ending in the English detail `en`: the Chinese message gets
 * `zh` (when given) in place of it. */
static void detail_zh(struct err *e, const char *en, const char *zh)
{
    size_t n = strlen(e->msg_zh), k = strlen(en);
    if (zh && *zh && k && n >= k && !strcmp(e->msg_zh + n - k, en))
        snprintf(e->msg_zh + n - k, sizeof(e->msg_zh) - (n - k), "%s", zh);
}

int error_detail(struct err *e, int code, const char *why, const char *why_zh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(e, code, fmt, ap);
    va_end(ap);
    if (e && why) {
        detail_zh(e, why, why_zh ? why_zh : err_zh(why));
        scrub(e);
    }
    return code;
}

/* buf = prefix + buf, cut to size (> 0). */
static void prepend(char *buf, size_t size, const char *prefix)
{
    size_t plen = strlen(prefix), olen = strnlen(buf, size - 1);
    if (plen > size - 1)
        plen = size - 1;
    if (olen > size - 1 - plen)
        olen = size - 1 - plen;
    memmove(buf + plen, buf, olen);
    memcpy(buf, prefix, plen);
    buf[plen + olen] = '\0';
}

int error_prefix(struct err *e, const char *fmt, ...)
{
    if (!e)
        return ERR_INTERNAL;
    char prefix[256], prefix_zh[256];
    const char *zh = err_zh(fmt);
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    if (zh)
        vsnprintf(prefix_zh, sizeof(prefix_zh), zh, ap2);
    va_end(ap2);
    va_end(ap);
    /* Chinese when either part is translated; the other part stays as it is */
    if (zh || e->msg_zh[0]) {
        if (!e->msg_zh[0])
            snprintf(e->msg_zh, sizeof(e->msg_zh), "%s", e->msg);
        prepend(e->msg_zh, sizeof(e->msg_zh), zh ? prefix_zh : prefix);
    }
    prepend(e->msg, sizeof(e->msg), prefix);
    scrub(e);
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
        e->msg_zh[0] = '\0';
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

const char *err_default_text_lang(int code, bool zh)
{
    const char *en = err_default_text(code);
    const char *t = zh ? err_zh(en) : NULL;
    return t ? t : en;
}

const char *err_text(const struct err *e, bool zh)
{
    if (zh && e->msg_zh[0])
        return e->msg_zh;
    return e->msg[0] ? e->msg : err_default_text_lang(e->code, zh);
}

bool err_env_zh(void)
{
    static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
    for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return !strncmp(v, "zh", 2);
    }
    return false;
}

void die_err(const struct err *e)
{
    bool zh = err_env_zh();
    fprintf(stderr, zh ? "pmis: 错误：%s\n" : "pmis: error: %s\n", err_text(e, zh));
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
