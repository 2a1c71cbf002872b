/*
 * Unit tests for the Chinese error messages (core/err.h, core/err_zh.h, api_accept_zh()):
 * every catalogue row keeps the conversions of its English text; error() formats both texts
 * with the same arguments (%s, %d, %lld, %zu, PRId64); error_prefix() prefixes both, whichever
 * part is translated; err_text() picks the language; Accept-Language and LANG are read right.
 */
#include "core/common.h"
#include "core/err.h"
#include "core/err_zh.h"
#include "api/api.h"

#include <setjmp.h>
#include <cmocka.h>

/* The conversions of a printf format, as "s,d,PRId64..." without flags, widths or precision. */
static void conversions(const char *fmt, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        char conv[16];
        size_t k = 0;
        while (*p && strchr("-+ #0123456789.*", *p)) /* flags, width, precision: any */
            p++;
        while (*p && strchr("hljztLqI", *p) && k < sizeof(conv) - 2)
            conv[k++] = *p++;
        conv[k++] = *p ? *p : '?';
        conv[k] = '\0';
        n += (size_t)snprintf(out + n, size - n, "%s,", conv);
        if (!*p || n >= size)
            break;
    }
}

static void catalogue_keeps_conversions(void **state)
{
    UNUSED(state);
    assert_true(err_zh_count > 700);
    assert_true(err_zh_count <= ERR_ZH_MAX);
    for (size_t i = 0; i < err_zh_count; i++) {
        char a[256], b[256];
        conversions(err_zh_rows[i].en, a, sizeof(a));
        conversions(err_zh_rows[i].zh, b, sizeof(b));
        if (strcmp(a, b))
            fail_msg("'%s' -> '%s': conversions %s vs %s", err_zh_rows[i].en, err_zh_rows[i].zh,
                     a, b);
        assert_ptr_equal(err_zh(err_zh_rows[i].en), err_zh_rows[i].zh);
    }
}

/* A parser's detail at the end of a message: the Chinese message gets the catalogue's text. */
static void detail_in_chinese(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    const char *why = N_("grouping commas not allowed");
    assert_int_equal(
        error_detail(&e, ERR_INVALID, why, NULL, "invalid energy '%.64s' kWh: %s", "1,5", why),
        ERR_INVALID);
    assert_string_equal(e.msg, "invalid energy '1,5' kWh: grouping commas not allowed");
    assert_string_equal(e.msg_zh, "电量 '1,5' kWh 无效：不允许千位分隔逗号");
    struct err_detail d;
    err_detail_set(&d, "day %d out of range for %04d-%02d", 30, 2024, 2);
    assert_string_equal(d.en, "day 30 out of range for 2024-02");
    assert_string_equal(d.zh, "日 30 超出 2024-02 的范围");
    error_detail(&e, ERR_INVALID, d.en, d.zh, "invalid date '%.64s': %s", "2024-02-30", d.en);
    assert_string_equal(e.msg_zh, "日期 '2024-02-30' 无效：日 30 超出 2024-02 的范围");
    /* a detail that is not the message's tail: nothing replaced */
    error_detail(&e, ERR_INVALID, "not at the end", "不在末尾", "invalid date '%.64s': %s",
                 "2024-02-30", d.en);
    assert_string_equal(e.msg_zh, "日期 '2024-02-30' 无效：day 30 out of range for 2024-02");
    /* an untranslated detail stays English inside the Chinese message */
    error_detail(&e, ERR_INVALID, "no such detail", NULL, "invalid date '%.64s': %s", "x",
                 "no such detail");
    assert_string_equal(e.msg_zh, "日期 'x' 无效：no such detail");
    assert_int_equal(error_detail(NULL, ERR_USAGE, "x", "y", "%s", "x"), ERR_USAGE);
}

/* Arguments by language: each %s takes its English and its Chinese text, in one call. */
static void lang_arguments(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    assert_int_equal(error_langs(&e, ERR_INVALID, "reading %s '%s' is negative", "total", "总",
                                 ERR_BOTH("-1")),
                     ERR_INVALID);
    assert_int_equal(e.code, ERR_INVALID);
    assert_string_equal(e.msg, "reading total '-1' is negative");
    assert_string_equal(e.msg_zh, "总示数 '-1' 为负数");
    /* integer conversions with flags, width and lengths take one argument */
    error_langs(&e, ERR_INVALID, "meter '%s' read on %s: %s is %s here but %s on line %u",
                ERR_BOTH("M1"), ERR_BOTH("2025-01-31"), "peak", "峰", ERR_BOTH("1.5 kWh"),
                ERR_BOTH("2 kWh"), 7u);
    assert_string_equal(e.msg,
                        "meter 'M1' read on 2025-01-31: peak is 1.5 kWh here but 2 kWh on line 7");
    assert_string_equal(
        e.msg_zh, "电能表 'M1' 2025-01-31 抄见的峰示数在本行为 1.5 kWh，先前为 2 kWh（第 7 行）");
    error_langs(&e, ERR_USAGE, "no such message %02d|%-3ld|%zu|%lld|%x|%%|%s", 5, -7L, (size_t)9,
                -1LL, 255u, ERR_BOTH("x"));
    assert_string_equal(e.msg, "no such message 05|-7 |9|-1|ff|%|x");
    assert_string_equal(e.msg_zh, ""); /* untranslated: no Chinese, the old one cleared */
    /* cut like snprintf */
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    error_langs(&e, ERR_USAGE, "%s!", ERR_BOTH(big));
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_int_equal(error_langs(NULL, ERR_USAGE, "%s", ERR_BOTH("x")), ERR_USAGE);
}

static void lookup(void **state)
{
    UNUSED(state);
    assert_string_equal(err_zh("unknown customer '%s'"), "未知客户 '%s'");
    assert_string_equal(err_zh("not found"), "未找到"); /* err.def's default texts too */
    assert_null(err_zh("no such message in the catalogue %s"));
    assert_null(err_zh(""));
    assert_null(err_zh(NULL));
}

static void error_formats_both(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    assert_int_equal(error(&e, ERR_NOT_FOUND, "unknown customer '%s'", "3300000001"),
                     ERR_NOT_FOUND);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_string_equal(e.msg, "unknown customer '3300000001'");
    assert_string_equal(e.msg_zh, "未知客户 '3300000001'");

    error(&e, ERR_INVALID, "field '%s' must be an integer from %" PRId64 " to %" PRId64, "limit",
          (int64_t)1, (int64_t)10000);
    assert_string_equal(e.msg, "field 'limit' must be an integer from 1 to 10000");
    assert_string_equal(e.msg_zh, "字段 'limit' 必须是 1 到 10000 之间的整数");

    error(&e, ERR_INVALID,
          "line %llu, column %zu: quote in the middle of an unquoted field (quote the whole field "
          "and double the quote)",
          12345678901ULL, (size_t)7);
    assert_string_equal(e.msg_zh, "第 12345678901 行第 7 列：未加引号的字段中间出现引号（请给整个"
                                  "字段加引号，并将其中的引号写两遍）");

    error(&e, ERR_CONFIG, "invalid working hours %d-%d minutes", 540, -3);
    assert_string_equal(e.msg, "invalid working hours 540--3 minutes");
    assert_string_equal(e.msg_zh, "工作时间 540--3 分钟无效");

    /* untranslated: msg_zh empty, err_text falls back to English */
    error(&e, ERR_INVALID, "an untranslated test message %d", 7);
    assert_string_equal(e.msg, "an untranslated test message 7");
    assert_string_equal(e.msg_zh, "");
    assert_string_equal(err_text(&e, true), "an untranslated test message 7");
    assert_int_equal(error(NULL, ERR_IO, "unknown customer '%s'", "x"), ERR_IO);

    /* a precision cutting Chinese text inside a character leaves valid UTF-8 in both texts
     * (JSON encoders refuse anything else: the API's reply lost its message) */
    error(&e, ERR_INVALID, "invalid period '%.64s': expected YYYY-MM",
          "长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长");
    assert_string_equal(e.msg, "invalid period '长长长长长长长长长长长长长长长长长长长长长': expected "
                               "YYYY-MM");
    assert_string_equal(e.msg_zh, "账期 '长长长长长长长长长长长长长长长长长长长长长' 无效：应为 "
                                  "YYYY-MM");
    error_prefix(&e, "query parameter '%s': ", "from");
    assert_string_equal(e.msg, "query parameter 'from': invalid period "
                               "'长长长长长长长长长长长长长长长长长长长长长': expected YYYY-MM");
    /* a value echoed from the input with a bad byte */
    error(&e, ERR_NOT_FOUND, "unknown customer '%s'", "33\xff" "01");
    assert_string_equal(e.msg, "unknown customer '33?01'");
    assert_string_equal(e.msg_zh, "未知客户 '33?01'");
}

static void prefix_both(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    /* both parts translated */
    error(&e, ERR_INVALID, "unknown customer '%s'", "1");
    assert_int_equal(error_prefix(&e, "line %" PRIu64 ": ", (uint64_t)3), ERR_INVALID);
    assert_string_equal(e.msg, "line 3: unknown customer '1'");
    assert_string_equal(e.msg_zh, "第 3 行：未知客户 '1'");
    /* the prefix only */
    error(&e, ERR_INVALID, "an untranslated test message %d", 1);
    error_prefix(&e, "line %" PRIu64 ": ", (uint64_t)4);
    assert_string_equal(e.msg, "line 4: an untranslated test message 1");
    assert_string_equal(e.msg_zh, "第 4 行：an untranslated test message 1");
    /* the message only */
    error(&e, ERR_INVALID, "unknown customer '%s'", "2");
    error_prefix(&e, "untranslated prefix %s: ", "p");
    assert_string_equal(e.msg, "untranslated prefix p: unknown customer '2'");
    assert_string_equal(e.msg_zh, "untranslated prefix p: 未知客户 '2'");
    /* neither */
    error(&e, ERR_INVALID, "an untranslated test message %d", 2);
    error_prefix(&e, "untranslated prefix %s: ", "q");
    assert_string_equal(e.msg_zh, "");
    /* cut to the buffer, never past it */
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    error(&e, ERR_INVALID, "unknown customer '%s'", big);
    error_prefix(&e, "line %" PRIu64 ": ", (uint64_t)5);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_true(strlen(e.msg_zh) <= sizeof(e.msg_zh) - 1);
    assert_memory_equal(e.msg_zh, "第 5 行：未知客户 'xxx", strlen("第 5 行：未知客户 'xxx"));
    err_clear(&e);
    assert_string_equal(e.msg_zh, "");
}

static void text_by_language(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    e.code = ERR_FORBIDDEN; /* no message: the code's default text */
    assert_string_equal(err_text(&e, false), "permission denied");
    assert_string_equal(err_text(&e, true), "无权限");
    assert_string_equal(err_default_text_lang(ERR_NOT_FOUND, true), "未找到");
    assert_string_equal(err_default_text_lang(ERR_NOT_FOUND, false), "not found");
    error(&e, ERR_NOT_FOUND, "unknown customer '%s'", "9");
    assert_string_equal(err_text(&e, false), "unknown customer '9'");
    assert_string_equal(err_text(&e, true), "未知客户 '9'");
}

static void accept_language(void **state)
{
    UNUSED(state);
    assert_false(api_accept_zh(NULL));
    assert_false(api_accept_zh(""));
    assert_true(api_accept_zh("zh"));
    assert_true(api_accept_zh("zh-CN"));
    assert_true(api_accept_zh("ZH-cn"));
    assert_true(api_accept_zh("zh-Hans-CN"));
    assert_true(api_accept_zh("zh-CN,zh;q=0.9,en;q=0.8"));
    assert_true(api_accept_zh("fr, zh;q=0.5"));
    assert_true(api_accept_zh("en;q=0.3, zh-TW;q=0.7"));
    assert_false(api_accept_zh("en;q=0.5,zh;q=0.500")); /* equal q: the first wins */
    assert_true(api_accept_zh("zh;q=0.5,en;q=0.5"));
    assert_false(api_accept_zh("en-US,zh;q=0.5"));
    assert_false(api_accept_zh("en, zh"));
    assert_false(api_accept_zh("zh;q=0, fr"));
    assert_false(api_accept_zh("zhx"));
    assert_false(api_accept_zh("fr-FR"));
    assert_false(api_accept_zh("*"));
    assert_true(api_accept_zh("*, zh;q=0.1"));
    assert_false(api_accept_zh("en;q=1.0, zh;q=0.999"));
}

static void environment(void **state)
{
    UNUSED(state);
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    assert_false(err_env_zh());
    setenv("LANG", "zh_CN.UTF-8", 1);
    assert_true(err_env_zh());
    setenv("LC_MESSAGES", "C", 1);
    assert_false(err_env_zh());
    setenv("LC_ALL", "zh_TW.UTF-8", 1);
    assert_true(err_env_zh());
    setenv("LC_ALL", "", 1); /* empty: the next one counts */
    assert_false(err_env_zh());
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_keeps_conversions),
        cmocka_unit_test(lookup),
        cmocka_unit_test(detail_in_chinese),
        cmocka_unit_test(lang_arguments),
        cmocka_unit_test(error_formats_both),
        cmocka_unit_test(prefix_both),
        cmocka_unit_test(text_by_language),
        cmocka_unit_test(accept_language),
        cmocka_unit_test(environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
