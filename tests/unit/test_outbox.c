/*
 * Unit tests for domain/outbox: the gateway URL rule (loopback only unless allowed, http or
 * https, parsed by libcurl's own URL parser so the check and the request agree) and the
 * channel and language names. The delivery itself is tested end to end by t0640.
 */
#include "core/common.h"
#include "domain/outbox.h"

#include <setjmp.h>
#include <cmocka.h>

static void accepted(const char *url, const char *allow)
{
    struct err err = ERR_INIT;
    if (outbox_gateway_check(url, allow, &err))
        fail_msg("'%s' refused: %s", url, err.msg);
}

static void refused(const char *url, const char *allow, const char *msg)
{
    struct err err = ERR_INIT;
    assert_int_equal(outbox_gateway_check(url, allow, &err), ERR_CONFIG);
    if (!strstr(err.msg, msg))
        fail_msg("'%s': '%s' lacks '%s'", url, err.msg, msg);
}

static void test_loopback(void **state)
{
    (void)state;
    accepted("http://127.0.0.1:8080/sms", "");
    accepted("http://127.8.9.10/x", "");
    accepted("https://127.0.0.1/x", "");
    accepted("http://[::1]:9000/hook", "");
    accepted("http://localhost:9000/", "");
    accepted("HTTP://LOCALHOST/", NULL);
    refused("http://128.0.0.1/", "", "host 128.0.0.1 is not a loopback address");
    refused("http://10.0.0.1/", NULL, "host 10.0.0.1 is not a loopback address");
    refused("http://[::2]/", "", "is not a loopback address");
    refused("http://[::ffff:10.0.0.1]/", "", "is not a loopback address");
    refused("http://sms.example.com/send", "", "host sms.example.com is not a loopback");
    /* what the host is, is curl's reading: the user part is not the host */
    refused("http://127.0.0.1@evil.example/", "", "host evil.example is not a loopback");
    refused("http://localhost.evil.example/", "", "is not a loopback");
    refused("ftp://127.0.0.1/", "", "a gateway is http or https, not ftp");
    refused("file:///etc/passwd", "", "not file");
    refused("127.0.0.1:80", "", "is not a URL");
    refused("", "", "is not a URL");
}

static void test_allow_hosts(void **state)
{
    (void)state;
    accepted("https://sms.example.com/send", "sms.example.com");
    accepted("https://SMS.example.com/send", " other.example , sms.example.com ");
    accepted("http://10.0.0.7:8080/", "10.0.0.7");
    refused("https://sms.example.com/send", "example.com", "is not a loopback");
    refused("https://sms.example.com/send", "sms.example.co", "is not a loopback");
    refused("https://sms.example.com/send", ",", "is not a loopback");
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(outbox_channel_index("sms"), OUTBOX_SMS);
    assert_int_equal(outbox_channel_index("webhook"), OUTBOX_WEBHOOK);
    assert_int_equal(outbox_channel_index("fax"), -1);
    assert_int_equal(outbox_channel_index(NULL), -1);
    assert_true(outbox_lang_ok("zh"));
    assert_true(outbox_lang_ok("en"));
    assert_false(outbox_lang_ok("zh-CN"));
    assert_false(outbox_lang_ok(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_allow_hosts),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
