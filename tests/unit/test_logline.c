/* Log lines: text and JSON, one line whatever the message holds, stable JSON keys, escaping,
 * invalid UTF-8, and long fields cut without breaking the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/logline.h"

static logline_event event(const char *message, const logline_session *session)
{
    logline_event e = {
        .msec = 7, .pid = 4242, .level = CONF_LOG_INFO, .session = session, .message = message};
    e.time.tm_year = 125, e.time.tm_mon = 0, e.time.tm_mday = 10;
    e.time.tm_hour = 12, e.time.tm_min = 0, e.time.tm_sec = 9;
    e.time.tm_gmtoff = 3600;
    return e;
}

static const char *format(conf_log_format f, const logline_event *e)
{
    static char out[LOGLINE_MAX + 1];
    size_t n = logline_format(out, f, e);
    assert_true(n <= LOGLINE_MAX);
    assert_int_equal(out[n - 1], '\n');
    assert_null(memchr(out, '\n', n - 1)); /* exactly one line */
    out[n] = 0;
    return out;
}

static void test_text(void **state)
{
    (void)state;
    logline_session s = {"127.0.0.1:51234", "shop", "alice"};
    logline_event e = event("closed: client terminated (9.754 s)", &s);
    assert_string_equal(format(CONF_LOG_TEXT, &e),
                        "2025-01-10 12:00:09.007 [4242] LOG: 127.0.0.1:51234 shop/alice: closed: "
                        "client terminated (9.754 s)\n");
    logline_session anon = {"unix", NULL, NULL};
    e = event("refused", &anon);
    e.level = CONF_LOG_WARNING;
    assert_string_equal(format(CONF_LOG_TEXT, &e),
                        "2025-01-10 12:00:09.007 [4242] WARNING: unix -/-: refused\n");
    e = event("line one\nline two\r\tend", NULL);
    e.level = CONF_LOG_DEBUG;
    assert_string_equal(format(CONF_LOG_TEXT, &e),
                        "2025-01-10 12:00:09.007 [4242] DEBUG: line one line two  end\n");
}

static void test_json(void **state)
{
    (void)state;
    logline_session s = {"127.0.0.1:51234", "shop", "alice"};
    logline_event e = event("closed: \"x\" \\ done", &s);
    assert_string_equal(
        format(CONF_LOG_JSON, &e),
        "{\"time\":\"2025-01-10T12:00:09.007+01:00\",\"level\":\"info\",\"pid\":4242,"
        "\"client\":\"127.0.0.1:51234\",\"database\":\"shop\",\"user\":\"alice\","
        "\"message\":\"closed: \\\"x\\\" \\\\ done\"}\n");
    logline_session anon = {"unix", NULL, NULL};
    e = event("tab\there\nnl \x01 \x7f", &anon);
    e.level = CONF_LOG_ERROR;
    e.time.tm_gmtoff = -(5 * 3600 + 30 * 60);
    assert_string_equal(
        format(CONF_LOG_JSON, &e),
        "{\"time\":\"2025-01-10T12:00:09.007-05:30\",\"level\":\"error\",\"pid\":4242,"
        "\"client\":\"unix\",\"database\":null,\"user\":null,"
        "\"message\":\"tab\\there\\nnl \\u0001 \\u007f\"}\n");
    e = event("started", NULL);
    assert_string_equal(
        format(CONF_LOG_JSON, &e),
        "{\"time\":\"2025-01-10T12:00:09.007+01:00\",\"level\":\"info\",\"pid\":4242,"
        "\"message\":\"started\"}\n");
}

static void test_json_utf8(void **state)
{
    (void)state;
    /* valid sequences pass as they are; a stray byte, an overlong form and a surrogate
     * become U+FFFD */
    logline_event e =
        event("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xff \xc0\xaf \xed\xa0\x80", NULL);
    const char *out = format(CONF_LOG_JSON, &e);
    assert_non_null(strstr(out, "\"message\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
                                "\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}\n"));
}

/* A message, or session fields, longer than a line: cut, and still one valid line. */
static void test_long_fields(void **state)
{
    (void)state;
    static char big[3 * LOGLINE_MAX], quotes[LOGLINE_MAX];
    memset(big, 'u', sizeof big - 1);
    memset(quotes, '"', sizeof quotes - 1);
    logline_session s = {"c", big, big};
    logline_event e = event(quotes, &s);
    const char *out = format(CONF_LOG_JSON, &e);
    const char *msg = strstr(out, "\"message\":\"\\\"");
    assert_non_null(msg); /* the message has room after the cut fields */
    assert_string_equal(out + strlen(out) - 3, "\"}\n");
    /* no escape cut in half: an even number of backslashes before the closing quote */
    size_t n = strlen(out) - 3, slashes = 0;
    while (out[n - 1 - slashes] == '\\')
        slashes++;
    assert_int_equal(slashes % 2, 0);
    out = format(CONF_LOG_TEXT, &e);
    assert_non_null(strstr(out, ": \"\"\""));
    e = event(big, NULL);
    out = format(CONF_LOG_TEXT, &e);
    assert_int_equal(strlen(out), LOGLINE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_utf8),
        cmocka_unit_test(test_long_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
