/*
 * Unit tests for domain/pii.h: ID numbers (check digits computed with the ISO 7064 MOD 11-2
 * weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), phone normalization, bank accounts (Luhn)
 * and masks, and that no error message carries a full value.
 */
#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "domain/pii.h"

#include <setjmp.h>
#include <cmocka.h>

static void id_ok(const char *in, const char *want)
{
    struct pii_id id;
    struct err err = ERR_INIT;
    int rc = pii_id_parse(in, 20250101, &id, &err);
    if (rc)
        fail_msg("'%s' rejected: %s", in, err.msg);
    assert_string_equal(id.number, want);
}

/* Rejected with exactly `msg`, which must not contain the value's hidden middle. */
static void id_bad(const char *in, int32_t today, const char *msg)
{
    struct err err = ERR_INIT;
    assert_int_equal(pii_id_parse(in, today, NULL, &err), ERR_INVALID);
    assert_string_equal(err.msg, msg);
    if (strlen(in) == 18) {
        char middle[9];
        memcpy(middle, in + 6, 8);
        middle[8] = '\0';
        assert_null(strstr(err.msg, middle));
    }
}

static void test_id_valid(void **state)
{
    (void)state;
    struct pii_id id;
    struct err err = ERR_INIT;
    assert_int_equal(pii_id_parse("11010519491231002X", 20250101, &id, &err), 0);
    assert_string_equal(id.number, "11010519491231002X");
    assert_int_equal(id.birth_year, 1949);
    assert_int_equal(id.birth_month, 12);
    assert_int_equal(id.birth_day, 31);
    assert_int_equal(id.province, 11);
    assert_false(id.male); /* 17th digit 2 */
    assert_false(id.legacy15);
    assert_false(id.foreign);

    id_ok("11010519491231002x", "11010519491231002X"); /* lower-case x */
    id_ok(" 110105 19491231 002X ", "11010519491231002X");
    id_ok("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"); /* full-width */
    id_ok("440308199901011234", "440308199901011234");
    id_ok("110101199003071233", "110101199003071233");
    id_ok("11010120000229123X", "11010120000229123X"); /* 2000 was a leap year */
    id_ok("110101190001011236", "110101190001011236");

    assert_int_equal(pii_id_parse("440308199901011234", 0, &id, &err), 0);
    assert_true(id.male); /* 17th digit 3 */
    assert_int_equal(id.province, 44);

    /* 15-digit first-generation number: 19 inserted, check digit computed */
    assert_int_equal(pii_id_parse("110105491231002", 20250101, &id, &err), 0);
    assert_string_equal(id.number, "11010519491231002X");
    assert_true(id.legacy15);

    /* foreigners' permanent residence ID (2023): 9 + province + nationality */
    assert_int_equal(pii_id_parse("91184019900101123X", 20250101, &id, &err), 0);
    assert_true(id.foreign);
    assert_int_equal(id.province, 11);

    /* a birth date after today is only checked when today is given */
    assert_int_equal(pii_id_parse("110101203001011236", 0, &id, &err), 0);
}

static void test_id_invalid(void **state)
{
    (void)state;
    id_bad("440308199901011235", 0, "invalid ID number '440308********1235': check digit should be 4");
    id_bad("110101199003071234", 0, "invalid ID number '110101********1234': check digit should be 3");
    id_bad("11010519491231002Y", 0,
           "invalid ID number '110105********002Y': only digits and a final X are allowed");
    id_bad("110101199902300001", 0,
           "invalid ID number '110101********0001': the birth date (digits 7-14) is not a valid "
           "date");
    id_bad("110101190002291233", 0,
           "invalid ID number '110101********1233': the birth date (digits 7-14) is not a valid "
           "date"); /* 1900 was not a leap year */
    id_bad("110101189912311231", 0,
           "invalid ID number '110101********1231': the birth date (digits 7-14) is not a valid "
           "date");
    id_bad("110101203001011236", 20250101,
           "invalid ID number '110101********1236': the birth date is in the future");
    id_bad("100101199003071231", 0,
           "invalid ID number '100101********1231': '10' is not a province code");
    id_bad("11010519491231002", 0,
           "invalid ID number '11************02': must be 18 characters (or 15 for a "
           "first-generation card), found 17");
    id_bad("1101051949123100AX", 0,
           "invalid ID number '110105********00AX': only digits and a final X are allowed");
    id_bad("11010549123100X", 0, "invalid ID number '110105*****100X': only digits are allowed");
    id_bad("", 0, "ID number is empty");
    id_bad("11010519491231002转", 0,
           "invalid ID number '110105********002?': only digits and a final X are allowed");
    id_bad("张三", 0, "invalid ID number '**': must be 18 characters (or 15 for a first-generation "
                      "card), found 2");
}

static void phone_ok(const char *in, enum pii_kind kind, const char *number, const char *ext)
{
    struct pii_phone ph;
    struct err err = ERR_INIT;
    int rc = pii_phone_parse(in, &ph, &err);
    if (rc)
        fail_msg("'%s' rejected: %s", in, err.msg);
    assert_int_equal(ph.kind, kind);
    assert_string_equal(ph.number, number);
    assert_string_equal(ph.ext, ext);
}

static void phone_bad(const char *in, const char *msg)
{
    struct err err = ERR_INIT;
    struct pii_phone ph;
    assert_int_equal(pii_phone_parse(in, &ph, &err), ERR_INVALID);
    assert_string_equal(err.msg, msg);
}

static void test_phone_normalize(void **state)
{
    (void)state;
    phone_ok("+86 138 0013 8000", PII_MOBILE, "13800138000", "");
    phone_ok("13800138000", PII_MOBILE, "13800138000", "");
    phone_ok("138-0013-8000", PII_MOBILE, "13800138000", "");
    phone_ok("8613800138000", PII_MOBILE, "13800138000", "");
    phone_ok("0086 138 0013 8000", PII_MOBILE, "13800138000", "");
    phone_ok("(+86)13800138000", PII_MOBILE, "13800138000", "");
    phone_ok("+8619912345678", PII_MOBILE, "19912345678", "");
    phone_ok("１３８ ００１３ ８０００", PII_MOBILE, "13800138000", "");

    struct pii_phone ph;
    struct err err = ERR_INIT;
    assert_int_equal(pii_phone_parse("010-12345678", &ph, &err), 0);
    assert_int_equal(ph.kind, PII_LANDLINE);
    assert_string_equal(ph.number, "01012345678");
    assert_int_equal(ph.area_len, 3);
    assert_int_equal(pii_phone_parse("0755-1234567", &ph, &err), 0);
    assert_string_equal(ph.number, "07551234567");
    assert_int_equal(ph.area_len, 4);
    phone_ok("02012345678", PII_LANDLINE, "02012345678", "");
    phone_ok("075512345678", PII_LANDLINE, "075512345678", "");
    phone_ok("(0755) 8123 4567", PII_LANDLINE, "075581234567", "");
    phone_ok("+86 10 1234 5678", PII_LANDLINE, "01012345678", "");
    phone_ok("+86-755-81234567", PII_LANDLINE, "075581234567", "");
    phone_ok("010-12345678-123", PII_LANDLINE, "01012345678", "123");
    phone_ok("0755-1234567-89", PII_LANDLINE, "07551234567", "89");
    phone_ok("0755-1234567转8", PII_LANDLINE, "07551234567", "8");
    phone_ok("010-12345678 ext. 99", PII_LANDLINE, "01012345678", "99");
    phone_ok("010 1234 5678#6", PII_LANDLINE, "01012345678", "6");
}

static void test_phone_reject(void **state)
{
    (void)state;
    phone_bad("138001380001", "invalid mobile number '13********01': must be 11 digits, found 12");
    phone_bad("1380013800", "invalid mobile number '13******00': must be 11 digits, found 10");
    phone_bad("12345678901",
              "invalid mobile number '123****8901': mainland mobile numbers start with 13 to 19");
    phone_bad("1234567",
              "invalid phone number '1*****7': a landline needs its area code (like 010-12345678)");
    phone_bad("138abc38000", "invalid phone number '13*******00': only digits, spaces, dashes, "
                             "parentheses and a leading + are allowed");
    phone_bad("95598", "invalid phone number '9***8': a 5-digit service number (like 95598) is not "
                       "a customer phone");
    phone_bad("400-123-4567", "invalid phone number '40******67': a 400/800 service number is "
                              "not a customer phone");
    phone_bad("+1 415 555 0100",
              "invalid phone number '+1***********00': only mainland China (+86) numbers are "
              "accepted");
    phone_bad("13800138000 x12",
              "invalid mobile number '138****8000': a mobile number has no extension");
    phone_bad("010-0123456",
              "invalid landline number '010****3456': the number after area code 010 cannot "
              "start with 0");
    phone_bad("010-123456", "invalid landline number '0*******6': the number after area code "
                            "010 must have 7 or 8 digits, found 6");
    phone_bad("0755-123456789", "invalid landline number '07*********89': the number after area "
                                "code 0755 must have 7 or 8 digits, found 9");
    phone_bad("010-12345678 ext", "invalid phone number '01************xt': the extension must be "
                                  "1 to 6 digits");
    phone_bad("abc", "invalid phone number '***': only digits, spaces, dashes, parentheses and a "
                     "leading + are allowed");
    phone_bad("", "phone number is empty");
    phone_bad("   ", "phone number is empty");
}

static void bank_bad(const char *in, const char *msg)
{
    char out[20];
    struct err err = ERR_INIT;
    assert_int_equal(pii_bank_parse(in, out, &err), ERR_INVALID);
    assert_string_equal(err.msg, msg);
}

static void test_bank(void **state)
{
    (void)state;
    char out[20];
    struct err err = ERR_INIT;
    assert_int_equal(pii_bank_parse("6222021234567890128", out, &err), 0);
    assert_string_equal(out, "6222021234567890128");
    assert_int_equal(pii_bank_parse("6228 4800 1234 5671", out, &err), 0);
    assert_string_equal(out, "6228480012345671");
    assert_int_equal(pii_bank_parse("62220212345678903", out, &err), 0);
    bank_bad("6222021234567890127",
             "invalid bank account '6222***********0127': Luhn check digit is wrong");
    bank_bad("622202123456", "invalid bank account '62********56': must be 16 to 19 digits, found 12");
    bank_bad("6222-0212-3456-789A",
             "invalid bank account '62************9A': only digits are allowed");
    bank_bad("", "bank account is empty");
}

static void email_ok(const char *in, const char *want)
{
    struct strbuf sb = STRBUF_INIT;
    struct err e = ERR_INIT;
    assert_int_equal(pii_email_parse(in, &sb, &e), 0);
    assert_string_equal(sb.buf, want);
    strbuf_reset(&sb);
    assert_int_equal(pii_normalize(PII_EMAIL, in, &sb, &e), 0);
    assert_string_equal(sb.buf, want);
    strbuf_release(&sb);
}

static void email_bad(const char *in, const char *msg)
{
    struct strbuf sb = STRBUF_INIT;
    struct err e = ERR_INIT;
    assert_int_equal(pii_email_parse(in, &sb, &e), ERR_INVALID);
    assert_string_equal(e.msg, msg);
    assert_int_equal(sb.len, 0);
    strbuf_release(&sb);
}

static void test_email(void **state)
{
    (void)state;
    email_ok(" Wang.Yi@Example.COM ", "wang.yi@example.com");
    email_ok("a+tag@mail.sgcc.com.cn", "a+tag@mail.sgcc.com.cn");
    email_ok("o'neil_1@x-y.cn", "o'neil_1@x-y.cn");
    email_bad("", "invalid email address '': it is empty");
    email_bad("wang.example.com", "invalid email address 'wa************om': it needs exactly one '@'");
    email_bad("a@b@example.com", "invalid email address 'a@***********om': it needs exactly one '@'");
    email_bad("@example.com", "invalid email address '@e********om': the part before '@' must have 1 "
                              "to 64 characters");
    email_bad("wang..yi@example.com", "invalid email address 'wa************om': the part before "
                                      "'@' cannot start or end with '.' or hold '..'");
    email_bad("wang yi@example.com", "invalid email address 'wa************om': the part before "
                                     "'@' has a character an address cannot have");
    email_bad("wang@example", "invalid email address 'wa********le': the domain needs a "
                              "top-level name such as '.cn' or '.com'");
    email_bad("wang@-x.com", "invalid email address 'wa*******om': the domain must be names of 1 "
                             "to 63 letters, digits or '-' joined by '.'");
    email_bad("wang@x_y.com", "invalid email address 'wa********om': the domain has a character "
                              "a domain name cannot have");
    email_bad("王@例子.中国", "invalid email address '王*****国': the part before '@' has a "
                           "character an address cannot have");
}

static void expect_mask(enum pii_kind kind, const char *value, const char *want)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_addstr(&sb, ">");
    pii_mask(kind, value, &sb);
    assert_string_equal(sb.buf + 1, want);
    strbuf_release(&sb);
}

static void test_mask(void **state)
{
    (void)state;
    expect_mask(PII_MOBILE, "13812345678", "138****5678");
    expect_mask(PII_EMAIL, " Wang.Yi@Example.COM", "w***@example.com");
    expect_mask(PII_EMAIL, "not-an-address", "no**********ss");
    expect_mask(PII_MOBILE, "+86 138 1234 5678", "138****5678");
    expect_mask(PII_PHONE, "13812345678", "138****5678");
    expect_mask(PII_LANDLINE, "010-12345678", "010****5678");
    expect_mask(PII_LANDLINE, "0755-1234567", "0755****4567");
    expect_mask(PII_PHONE, "01012345678", "010****5678");
    expect_mask(PII_PHONE, "010-12345678-123", "010****5678");
    expect_mask(PII_ID_NUMBER, "110101199003071233", "110101********1233");
    expect_mask(PII_ID_NUMBER, "11010519491231002x", "110105********002X");
    expect_mask(PII_ID_NUMBER, "110105491231002", "110105********002X"); /* as 18 digits */
    expect_mask(PII_ID_NUMBER, "440308199901011235", "440308********1235"); /* bad check digit */
    expect_mask(PII_BANK_ACCOUNT, "6222021234567890128", "6222***********0128");
    expect_mask(PII_BANK_ACCOUNT, "6228 4800 1234 5671", "6228********5671");

    /* values that do not parse are still never shown */
    expect_mask(PII_ID_NUMBER, "hello", "h***o");
    expect_mask(PII_ID_NUMBER, "ab", "**");
    expect_mask(PII_MOBILE, "张三丰是个好人", "张*****人");
    expect_mask(PII_PHONE, "\xff\xfe" "abcdef", "?******f");
    expect_mask(PII_BANK_ACCOUNT, "", "");
    char long_value[101];
    memset(long_value, 'a', 100);
    long_value[100] = '\0';
    expect_mask(PII_BANK_ACCOUNT, long_value, "aa************aa");
}

static void test_normalize(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    struct err err = ERR_INIT;
    assert_int_equal(pii_normalize(PII_PHONE, "+86 138 0013 8000", &sb, &err), 0);
    assert_string_equal(sb.buf, "13800138000");
    strbuf_reset(&sb);
    assert_int_equal(pii_normalize(PII_MOBILE, "138-0013-8000", &sb, &err), 0);
    assert_string_equal(sb.buf, "13800138000");
    strbuf_reset(&sb);
    assert_int_equal(pii_normalize(PII_PHONE, "010-12345678-123", &sb, &err), 0);
    assert_string_equal(sb.buf, "01012345678");
    strbuf_reset(&sb);
    assert_int_equal(pii_normalize(PII_MOBILE, "010-12345678", &sb, &err), ERR_INVALID);
    assert_string_equal(err.msg, "expected a mobile number, not a landline number");
    assert_int_equal(pii_normalize(PII_ID_NUMBER, "110105491231002", &sb, &err), 0);
    assert_string_equal(sb.buf, "11010519491231002X");
    strbuf_reset(&sb);
    assert_int_equal(pii_normalize(PII_BANK_ACCOUNT, "6228 4800 1234 5671", &sb, &err), 0);
    assert_string_equal(sb.buf, "6228480012345671");
    strbuf_reset(&sb);
    assert_int_equal(pii_normalize(PII_ID_NUMBER, "11010519491231002Y", &sb, &err), ERR_INVALID);
    assert_int_equal(sb.len, 0);
    strbuf_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_valid),
        cmocka_unit_test(test_id_invalid),
        cmocka_unit_test(test_phone_normalize),
        cmocka_unit_test(test_phone_reject),
        cmocka_unit_test(test_bank),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
