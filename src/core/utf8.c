/*
 * Character counts and bigrams of UTF-8 text (utf8.h). The bigrams must stay exactly as they
 * are: stored search indexes hold them (customer_fts on SQLite, customer.name_grams on
 * PostgreSQL), and sql/0007's backfill computes the same pairs of valid UTF-8 in SQL.
 */
#include "core/utf8.h"

/* Bytes of the valid UTF-8 sequence at `t` (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF), or 0 when there is none there; *cut tells a sequence only cut short (a lead byte
 * and some valid continuation bytes, then another byte or the end) from an invalid one. */
static size_t valid_len(const unsigned char *t, bool *cut)
{
    unsigned char c = t[0], lo = 0x80, hi = 0xBF;
    size_t need;
    *cut = false;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    for (size_t i = 1; i < need; i++) {
        unsigned char b = t[i];
        bool ok = i == 1 ? b >= lo && b <= hi : (b & 0xC0) == 0x80;
        if (!ok) {
            /* the lead byte's announced length ran into a byte that cannot continue it */
            *cut = i > 1 || (b & 0xC0) != 0x80;
            return 0;
        }
    }
    return need;
}

size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    /* a cut before a continuation byte falls inside a character: back off to its lead byte */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void utf8_scrub(char *s)
{
    unsigned char *r = (unsigned char *)s, *w = r;
    while (*r) {
        bool cut;
        size_t n = valid_len(r, &cut);
        if (n) {
            memmove(w, r, n);
            w += n, r += n;
        } else if (cut) {
            r++; /* drop the lead byte of a character cut short, then its continuation bytes */
            while ((*r & 0xC0) == 0x80)
                r++;
        } else {
            *w++ = '?';
            r++;
        }
    }
    *w = '\0';
}

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Whether code point u takes two columns (East Asian Wide and Fullwidth, the common blocks). */
static bool wide(uint32_t u)
{
    return (u >= 0x1100 && u <= 0x115F) || (u >= 0x2E80 && u <= 0x303E) ||
           (u >= 0x3041 && u <= 0x33FF) || (u >= 0x3400 && u <= 0x4DBF) ||
           (u >= 0x4E00 && u <= 0x9FFF) || (u >= 0xA000 && u <= 0xA4CF) ||
           (u >= 0xAC00 && u <= 0xD7A3) || (u >= 0xF900 && u <= 0xFAFF) ||
           (u >= 0xFE30 && u <= 0xFE4F) || (u >= 0xFF00 && u <= 0xFF60) ||
           (u >= 0xFFE0 && u <= 0xFFE6) || (u >= 0x20000 && u <= 0x3FFFD);
}

size_t utf8_columns(const char *s)
{
    const unsigned char *t = (const unsigned char *)s;
    size_t n = 0;
    while (*t) {
        size_t len = 1;
        while (t[len] && (t[len] & 0xC0) == 0x80 && len < 4)
            len++;
        uint32_t u = 0; /* the code point of a whole 3- or 4-byte sequence, else 0 */
        if (len == 3 && (t[0] & 0xF0) == 0xE0)
            u = (uint32_t)(t[0] & 0x0F) << 12 | (uint32_t)(t[1] & 0x3F) << 6 | (t[2] & 0x3F);
        else if (len == 4 && (t[0] & 0xF8) == 0xF0)
            u = (uint32_t)(t[0] & 0x07) << 18 | (uint32_t)(t[1] & 0x3F) << 12 |
                (uint32_t)(t[2] & 0x3F) << 6 | (t[3] & 0x3F);
        n += wide(u) ? 2 : 1;
        t += len;
    }
    return n;
}

/* Bytes of the character at `t`: the byte itself and up to three continuation bytes. */
static size_t char_len(const unsigned char *t)
{
    size_t n = 1;
    while (t[n] && (t[n] & 0xC0) == 0x80 && n < 4)
        n++;
    return n;
}

size_t utf8_bigrams(const char *s, struct strbuf *out, char term)
{
    const unsigned char *t = (const unsigned char *)s, *prev = NULL;
    size_t prev_len = 0, pairs = 0;
    while (*t) {
        size_t n = char_len(t);
        if (prev) {
            strbuf_add(out, prev, prev_len + n); /* the two characters are adjacent */
            strbuf_addch(out, term);
            pairs++;
        }
        prev = t;
        prev_len = n;
        t += n;
    }
    return pairs;
}
