/*
 * Character-level views of UTF-8 text for search: how many characters a string has, and its
 * overlapping character pairs (bigrams), which the name search indexes hold on both backends
 * (SQLite: FTS5 over pmis_bigrams(), store/sqlite.c; PostgreSQL: customer.name_grams, sql/0007).
 * Invalid bytes are not rejected: for bigrams a character is any byte and the continuation bytes
 * (10xxxxxx) after it, three at most. Pure and thread-safe.
 */
#ifndef PMIS_UTF8_H
#define PMIS_UTF8_H

#include "core/common.h"
#include "core/strbuf.h"

/** Characters in `s`: bytes that are not UTF-8 continuation bytes (10xxxxxx). */
size_t utf8_chars(const char *s);

/**
 * Terminal columns of `s`, for padding text tables: 2 for each East Asian wide or fullwidth
 * character (CJK ideographs and punctuation, kana, Hangul, fullwidth forms), 1 for any other
 * character. (wcwidth() would need a UTF-8 locale, which the CLI does not set.)
 */
size_t utf8_columns(const char *s);

/**
 * Append the overlapping pairs of characters of `s` to `out`, each followed by the byte `term`
 * ("张伟强", ' ' -> "张伟 伟强 "; with '\0' the pairs are back-to-back C strings, the form
 * store_bind_text_array() takes). A text of fewer than two characters has none. Returns how
 * many pairs were appended, repeated pairs included ("哈哈哈" -> 2).
 */
size_t utf8_bigrams(const char *s, struct strbuf *out, char term);

/**
 * Bytes of the longest prefix of `s` of at most `max` bytes that does not end inside a
 * character, for cutting text to a size ("张三" cut to 4 bytes is "张", 3 bytes).
 */
size_t utf8_prefix(const char *s, size_t max);

/**
 * Make `s` valid UTF-8 in place, as strict JSON encoders (jansson) require, never longer: a
 * character cut short (a lead byte and fewer continuation bytes than it announces, as "%.64s"
 * or a buffer's end leaves one) is dropped, and any other byte that does not begin a valid
 * sequence (a stray continuation byte, 0xC0/0xC1/0xF5-0xFF, an overlong form, a surrogate)
 * becomes '?'. Valid text is left as it is.
 */
void utf8_scrub(char *s);

#endif
