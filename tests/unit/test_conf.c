/* The configuration: values, defaults, database lookup, and an error with file:line for every
 * kind of mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

static const char example[] = "[tombstone]\n"
                              "listen_addr = 127.0.0.1, ::1   ; two addresses\n"
                              "listen_port = 7000\n"
                              "unix_socket_dir = /tmp\n"
                              "max_client_conn = 50\n"
                              "shutdown_timeout = 2.5\n"
                              "server_connect_timeout = 3\n"
                              "log_level = debug\n"
                              "so_reuseport = yes\n"
                              "\n"
                              "# a comment\n"
                              "[databases]\n"
                              "shop = host=10.0.0.1 port=5433 dbname=shop_main\n"
                              "admin = dbname='my db' user=ad\\min\n"
                              "quoted = dbname='it\\'s' host=/run/pg\n"
                              "* = host=127.0.0.1 port=5432\n"
                              "[softdelete]\n"
                              "columns = deleted_at, is_deleted\n"
                              "include = public.a, s.b\n"
                              "exclude = audit.log\n";

static void test_example_values(void **state)
{
    (void)state;
    conf_config c;
    char err[CONF_ERR_MAX];
    assert_true(conf_parse("t.ini", example, &c, err, sizeof err));
    assert_int_equal(c.listen_addr.n, 2);
    assert_string_equal(c.listen_addr.items[1], "::1");
    assert_int_equal(c.listen_port, 7000);
    assert_string_equal(c.unix_socket_dir, "/tmp");
    assert_int_equal(c.max_client_conn, 50);
    assert_true(c.shutdown_timeout == 2.5);
    assert_true(c.server_connect_timeout == 3);
    assert_int_equal(c.log_level, CONF_LOG_DEBUG);
    assert_true(c.so_reuseport);
    assert_int_equal(c.ndbs, 4);
    assert_string_equal(c.dbs[0].host, "10.0.0.1");
    assert_int_equal(c.dbs[0].port, 5433);
    assert_string_equal(c.dbs[0].dbname, "shop_main");
    assert_null(c.dbs[0].user);
    assert_string_equal(c.dbs[1].dbname, "my db");
    assert_string_equal(c.dbs[1].user, "ad\\min"); /* unquoted: backslash is literal */
    assert_string_equal(c.dbs[1].host, "127.0.0.1");
    assert_int_equal(c.dbs[1].port, 5432);
    assert_string_equal(c.dbs[2].dbname, "it's");
    assert_string_equal(c.dbs[2].host, "/run/pg");
    assert_int_equal(c.columns.n, 2);
    assert_string_equal(c.columns.items[1], "is_deleted");
    assert_int_equal(c.include.n, 2);
    assert_string_equal(c.include.items[1], "s.b");
    assert_string_equal(c.exclude.items[0], "audit.log");
    conf_free(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    conf_config c;
    char err[CONF_ERR_MAX];
    assert_true(conf_parse("t.ini", "[databases]\nx = port=1\n", &c, err, sizeof err));
    assert_int_equal(c.listen_port, 6432);
    assert_string_equal(c.listen_addr.items[0], "127.0.0.1");
    assert_null(c.unix_socket_dir);
    assert_int_equal(c.log_level, CONF_LOG_INFO);
    assert_int_equal(c.columns.n, 1);
    assert_string_equal(c.columns.items[0], "deleted_at");
    assert_false(c.so_reuseport);
    conf_free(&c);
}

static void test_find_db(void **state)
{
    (void)state;
    conf_config c;
    char err[CONF_ERR_MAX];
    assert_true(conf_parse("t.ini", example, &c, err, sizeof err));
    assert_string_equal(conf_find_db(&c, "shop")->alias, "shop");
    assert_string_equal(conf_find_db(&c, "other")->alias, "*");
    conf_free(&c);
    assert_true(conf_parse("t.ini", "[databases]\nshop = port=1\n", &c, err, sizeof err));
    assert_null(conf_find_db(&c, "other"));
    conf_free(&c);
}

/* Each bad configuration and the start of the error it must give. */
static const struct {
    const char *text, *error;
} bad[] = {
    {"[tombstone]\nlisten_port = 0\n", "t.ini:2: invalid value '0' for listen_port"},
    {"[tombstone]\nlisten_port = 12x\n", "t.ini:2: invalid value '12x'"},
    {"[tombstone]\nbogus = 1\n", "t.ini:2: unknown setting 'bogus' in [tombstone]"},
    {"\n\n[nope]\n", "t.ini:3: unknown section [nope]"},
    {"[tombstone\n", "t.ini:1: malformed section header"},
    {"[tombstone]\nlisten_port\n", "t.ini:2: expected 'key = value'"},
    {"listen_port = 1\n", "t.ini:1: setting outside of any [section]"},
    {"[tombstone]\n = 1\n", "t.ini:2: missing key"},
    {"[tombstone]\nso_reuseport = maybe\n", "t.ini:2: invalid value 'maybe'"},
    {"[tombstone]\nlog_level = loud\n", "t.ini:2: invalid value 'loud'"},
    {"[tombstone]\nshutdown_timeout = -1\n", "t.ini:2: invalid value '-1'"},
    {"[databases]\na = port=1\na = port=2\n", "t.ini:3: database 'a' is defined twice"},
    {"[databases]\na = hots=x\n", "t.ini:2: unknown connection parameter 'hots'"},
    {"[databases]\na = port=99999\n", "t.ini:2: invalid port '99999'"},
    {"[databases]\na = dbname='x\n", "t.ini:2: unterminated quoted value"},
    {"[databases]\na = dbname\n", "t.ini:2: expected key=value"},
    {"[softdelete]\ninclude = orders\n", "t.ini:2: 'orders' is not a qualified table name"},
    {"[tombstone]\nlisten_port = 1\n", "t.ini: no [databases] entry"},
    {"[databases]\na = port=1\n[softdelete]\ncolumns = ,\n", "t.ini: [softdelete] columns"},
    {"[tombstone]\nlisten_addr =\n[databases]\na = port=1\n", "t.ini: neither listen_addr"},
};

static void test_errors_name_file_and_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        conf_config c;
        char err[CONF_ERR_MAX] = "";
        assert_false(conf_parse("t.ini", bad[i].text, &c, err, sizeof err));
        if (strncmp(err, bad[i].error, strlen(bad[i].error)) != 0)
            fail_msg("config %zu: got \"%s\", want \"%s...\"", i, err, bad[i].error);
        assert_int_equal(c.ndbs, 0);
    }
}

static void test_load_files(void **state)
{
    (void)state;
    conf_config c;
    char err[CONF_ERR_MAX];
    static const char *const examples[] = {"conf/examples/tombstone.ini",
                                           "conf/examples/minimal.ini",
                                           "conf/examples/unix-socket.ini"};
    for (size_t i = 0; i < 3; i++) {
        if (!conf_load(examples[i], &c, err, sizeof err))
            fail_msg("%s", err);
        conf_free(&c);
    }
    assert_false(conf_load("/nonexistent/x.ini", &c, err, sizeof err));
    assert_string_equal(err, "/nonexistent/x.ini: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_values), cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_find_db),        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_load_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
