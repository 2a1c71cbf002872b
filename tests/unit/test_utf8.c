/*
 * Unit tests for core/utf8.h: character counts and the character bigrams that both backends'
 * name search indexes hold (they must not change: stored indexes depend on them).
 */
#include "core/common.h"
#include "core/utf8.h"

#include <setjmp.h>
#include <cmocka.h>

/* The bigrams of `s` joined by `term`, compared with `want`; returns the count. */
static size_t bigrams(const char *s, char term, const char *want, size_t want_len)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n = utf8_bigrams(s, &sb, term);
    if (sb.len != want_len || memcmp(sb.buf, want, want_len))
        fail_msg("utf8_bigrams('%s') gave '%s' (%zu bytes), want '%s'", s, sb.buf, sb.len, want);
    strbuf_release(&sb);
    return n;
}

#define BIGRAMS(s, term, want) bigrams(s, term, want, sizeof(want) - 1)

static void test_bigrams(void **state)
{
    UNUSED(state);
    assert_int_equal(BIGRAMS("", ' ', ""), 0);
    assert_int_equal(BIGRAMS("张", ' ', ""), 0);
    assert_int_equal(BIGRAMS("张三", ' ', "张三 "), 1);
    assert_int_equal(BIGRAMS("张伟强", ' ', "张伟 伟强 "), 2);
    assert_int_equal(BIGRAMS("哈哈哈", ' ', "哈哈 哈哈 "), 2); /* repeats kept */
    assert_int_equal(BIGRAMS("ab", ' ', "ab "), 1);
    assert_int_equal(BIGRAMS("A公司", ' ', "A公 公司 "), 2);
    assert_int_equal(BIGRAMS("a b", ' ', "a   b "), 2); /* a space is a character */
    assert_int_equal(BIGRAMS("😀好", ' ', "😀好 "), 1);   /* four bytes */
    /* '\0' terminators: C strings back to back, as store_bind_text_array takes them */
    assert_int_equal(BIGRAMS("张伟强", '\0', "张伟\0伟强\0"), 2);
}

static void test_invalid_utf8(void **state)
{
    UNUSED(state);
    /* a stray continuation byte is a character; a lead byte takes at most three of them */
    assert_int_equal(BIGRAMS("\x80"
                             "a",
                             ' ',
                             "\x80"
                             "a "),
                     1);
    assert_int_equal(BIGRAMS("a\xe5", ' ', "a\xe5 "), 1); /* truncated at the end */
    assert_int_equal(BIGRAMS("\xf0\x80\x80\x80\x80", ' ', "\xf0\x80\x80\x80\x80 "), 1);
    assert_int_equal(BIGRAMS("\xff\xfe", ' ', "\xff\xfe "), 1);
}

static void test_chars(void **state)
{
    UNUSED(state);
    assert_int_equal(utf8_chars(""), 0);
    assert_int_equal(utf8_chars("abc"), 3);
    assert_int_equal(utf8_chars("张三"), 2);
    assert_int_equal(utf8_chars("A公司😀"), 4);
}

static void test_prefix(void **state)
{
    UNUSED(state);
    assert_int_equal(utf8_prefix("张三", 6), 6);
    assert_int_equal(utf8_prefix("张三", 100), 6);
    assert_int_equal(utf8_prefix("张三", 5), 3); /* never inside 三 */
    assert_int_equal(utf8_prefix("张三", 4), 3);
    assert_int_equal(utf8_prefix("张三", 3), 3);
    assert_int_equal(utf8_prefix("张三", 2), 0);
    assert_int_equal(utf8_prefix("ab张", 3), 2);
    assert_int_equal(utf8_prefix("a😀b", 4), 1);
    assert_int_equal(utf8_prefix("a😀b", 5), 5);
    assert_int_equal(utf8_prefix("", 4), 0);
}

/* utf8_scrub(IN) gives WANT */
#define SCRUB(in, want)                                                                            \
    do {                                                                                           \
        char buf[64];                                                                              \
        snprintf(buf, sizeof(buf), "%s", in);                                                      \
        utf8_scrub(buf);                                                                           \
        assert_string_equal(buf, want);                                                            \
    } while (0)

static void test_scrub(void **state)
{
    UNUSED(state);
    SCRUB("张三 abc 😀", "张三 abc 😀"); /* valid text stays */
    SCRUB("", "");
    /* a character cut short, as "%.4s" of "张三" leaves it, is dropped whole */
    SCRUB("'张\xe4\xb8'", "'张'");
    SCRUB("张\xe4", "张");
    SCRUB("a\xf0\x9f\x98", "a");
    /* anything else that begins no valid sequence becomes '?' */
    SCRUB("a\x80" "b", "a?b");
    SCRUB("\xff\xfe", "??");
    SCRUB("\xc0\xaf", "??");          /* overlong '/' */
    SCRUB("\xe0\x80\xaf", "???");    /* overlong, three bytes */
    SCRUB("\xed\xa0\x80", "???");    /* a surrogate */
    SCRUB("\xf4\x90\x80\x80", "????"); /* above U+10FFFF */
}

/* terminal columns: CJK, fullwidth forms and Hangul take two, everything else one */
static void test_columns(void **state)
{
    (void)state;
    assert_int_equal(utf8_columns(""), 0);
    assert_int_equal(utf8_columns("ZJ-HZ"), 5);
    assert_int_equal(utf8_columns("浙江"), 4);
    assert_int_equal(utf8_columns("电价透明度"), 10);
    assert_int_equal(utf8_columns("A（1）"), 6);     /* fullwidth parentheses */
    assert_int_equal(utf8_columns("한국"), 4);       /* Hangul syllables */
    assert_int_equal(utf8_columns("é·×"), 3);        /* two-byte Latin and symbols: narrow */
    assert_int_equal(utf8_columns("\xF0\xA0\x80\x80"), 2); /* U+20000, CJK extension B */
    assert_int_equal(utf8_columns("\xE4\xB8"), 1);   /* a character cut short: one column */
    assert_int_equal(utf8_columns("\x80\x80"), 1);   /* stray continuation bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bigrams),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_chars),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
