/*
 * Unit tests for the pure parts of domain/auth.h: the permission table and lists, the password
 * rules, Argon2id hashing round trips, one-time passwords, token formats and the lockout
 * back-off.
 */
#include "core/common.h"
#include "domain/auth.h"

#include <setjmp.h>
#include <cmocka.h>

static void pw_bad(const char *pw, const char *user, const char *msg)
{
    struct err e = ERR_INIT;
    assert_int_equal(auth_password_check(pw, user, 10, &e), ERR_INVALID);
    assert_string_equal(e.msg, msg);
    assert_string_equal(e.field, "password");
}

static void test_password_rules(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    assert_int_equal(auth_password_check("Xk9mPq2wLz", "agent", 10, &e), 0);
    assert_int_equal(auth_password_check("电力营销系统密码2025", "agent", 10, &e), 0);
    pw_bad("", "agent", "password is empty");
    pw_bad("Ab1", "agent", "password is too short: at least 10 characters");
    /* ten characters, but 4 of them are 3-byte Chinese: counted as characters, not bytes */
    assert_int_equal(auth_password_check("密码密码abcde1", "u1", 10, &e), 0);
    pw_bad("密码abcde1", "u1", "password is too short: at least 10 characters");
    pw_bad("abcdefghijk", "agent", "password needs at least one letter and one digit");
    pw_bad("12345678901", "agent", "password needs at least one letter and one digit");
    pw_bad("xxAGENT12345", "agent", "password must not contain the user name");
    pw_bad("abc\tdef12345", "agent", "password contains a control character");
    pw_bad("abc\xff"
           "def12345",
           "agent", "password is not valid UTF-8");
    pw_bad("abc\xe5\xaf"
           "def12345",
           "agent", "password is not valid UTF-8");
    char long_pw[200];
    memset(long_pw, 'a', 129);
    long_pw[0] = '1';
    long_pw[129] = '\0';
    pw_bad(long_pw, "agent", "password is longer than 128 bytes");
}

static void test_hash_roundtrip(void **state)
{
    UNUSED(state);
    char h[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
    struct err e = ERR_INIT;
    assert_int_equal(auth_password_hash("Xk9mPq2wLz", h, &e), 0);
    assert_true(!strncmp(h, "$argon2id$", 10));
    assert_true(auth_password_verify(h, "Xk9mPq2wLz"));
    assert_false(auth_password_verify(h, "Xk9mPq2wLZ"));
    assert_false(auth_password_verify(h, ""));
    assert_false(auth_password_verify("not a hash", "Xk9mPq2wLz"));
    assert_int_equal(auth_password_hash("Xk9mPq2wLz", h2, &e), 0);
    assert_string_not_equal(h, h2); /* salted */
}

static void test_onetime(void **state)
{
    UNUSED(state);
    char a[17], b[17];
    struct err e = ERR_INIT;
    auth_onetime_password(a);
    auth_onetime_password(b);
    assert_int_equal(strlen(a), 16);
    assert_string_not_equal(a, b);
    assert_null(strpbrk(a, "0O1lI"));
    /* a one-time password always passes the default rules */
    for (int i = 0; i < 200; i++) {
        auth_onetime_password(a);
        assert_int_equal(auth_password_check(a, "admin", 10, &e), 0);
    }
}

static void test_token_format(void **state)
{
    UNUSED(state);
    char t[80];
    snprintf(t, sizeof(t), "pmist_%064d", 0);
    assert_true(auth_token_format_ok(t));
    assert_true(auth_session_format_ok(t + 6));
    t[10] = 'a';
    assert_true(auth_token_format_ok(t));
    t[10] = 'A'; /* upper case is not what we issue */
    assert_false(auth_token_format_ok(t));
    t[10] = '0';
    assert_false(auth_token_format_ok(t + 1));
    t[69] = '\0'; /* 63 digits */
    assert_false(auth_token_format_ok(t));
    assert_false(auth_token_format_ok("pmist_"));
    assert_false(auth_token_format_ok(NULL));
    snprintf(t, sizeof(t), "pmist_%064d0", 0); /* 65 digits */
    assert_false(auth_token_format_ok(t));
    assert_false(auth_session_format_ok("' OR 1=1 --"));
}

static void test_perm_sets(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    uint64_t s;
    struct strbuf sb = STRBUF_INIT;
    assert_string_equal(perm_name(PERM_CUSTOMER_READ), "customer:read");
    assert_int_equal(perm_lookup("pii:read"), PERM_PII_READ);
    assert_int_equal(perm_lookup("pii:write"), -1);
    assert_null(perm_name(PERM__COUNT));
    assert_int_equal(perm_set_parse(" bill:read , customer:read", &s, &e), 0);
    assert_true(s == (PERM_BIT(PERM_BILL_READ) | PERM_BIT(PERM_CUSTOMER_READ)));
    perm_set_format(s, &sb);
    assert_string_equal(sb.buf, "customer:read,bill:read");
    assert_int_equal(perm_set_parse("*", &s, &e), 0);
    assert_true(s == PERM_ALL);
    assert_int_equal(perm_set_parse("customer:read,root", &s, &e), ERR_INVALID);
    assert_string_equal(e.msg, "unknown permission 'root'");
    assert_int_equal(perm_set_parse("", &s, &e), ERR_INVALID);
    assert_string_equal(e.msg, "permission list is empty");
    assert_int_equal(perm_set_parse("customer:read,", &s, &e), ERR_INVALID);
    assert_string_equal(e.msg, "unknown permission ''");
    strbuf_release(&sb);
}

static void test_lockout(void **state)
{
    UNUSED(state);
    const int64_t s = 1000000;
    struct auth_policy p = { .lockout_after = 5,
                             .lockout_base_us = 30 * s,
                             .lockout_max_us = 3600 * s };
    assert_int_equal(auth_lockout_us(&p, 0), 0);
    assert_int_equal(auth_lockout_us(&p, 4), 0);
    assert_int_equal(auth_lockout_us(&p, 5), 30 * s);
    assert_int_equal(auth_lockout_us(&p, 6), 60 * s);
    assert_int_equal(auth_lockout_us(&p, 8), 240 * s);
    assert_int_equal(auth_lockout_us(&p, 12), 3600 * s); /* 3840 s capped */
    assert_int_equal(auth_lockout_us(&p, 1000000), 3600 * s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_rules), cmocka_unit_test(test_hash_roundtrip),
        cmocka_unit_test(test_onetime),        cmocka_unit_test(test_token_format),
        cmocka_unit_test(test_perm_sets),      cmocka_unit_test(test_lockout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
