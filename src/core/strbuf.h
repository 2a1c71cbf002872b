/*
 * Growable text buffer, after git's strbuf: `buf` is never NULL and always NUL-terminated,
 * so it can be passed to C string functions at any time. May hold embedded NULs (len counts).
 * Not thread-safe; owned by whoever declared it; release with strbuf_release().
 */
#ifndef PMIS_STRBUF_H
#define PMIS_STRBUF_H

#include "core/common.h"

struct strbuf {
    size_t alloc;
    size_t len;
    char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/** Hand the buffer to the caller (who frees it) and reset sb to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/** Make room for `extra` more bytes plus the NUL. */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb) { strbuf_setlen(sb, 0); }

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) PMIS_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/** Append `s` as a JSON string literal, quotes included (UTF-8 passed through). */
void strbuf_add_json_str(struct strbuf *sb, const char *s);
/** Append bytes as lowercase hex. */
void strbuf_add_hex(struct strbuf *sb, const void *data, size_t len);

#endif
