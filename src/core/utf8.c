/*
 * Character counts and bigrams of UTF-8 text (utf8.h). The bigrams must stay exactly as they
 * are: stored search indexes hold them (customer_fts on SQLite, customer.name_grams on
 * PostgreSQL), and sql/0007's backfill computes the same pairs of valid UTF-8 in SQL.
 */
#include "core/utf8.h"

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
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
