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

/* TLS, timeouts and limits: PgBouncer's names, defaults and per-database overrides. */
static void test_tls_timeouts_limits(void **state)
{
    (void)state;
    conf_config c;
    char err[CONF_ERR_MAX];
    assert_true(conf_parse("t.ini", "[databases]\nx = port=1\n", &c, err, sizeof err));
    assert_int_equal(c.client_tls.sslmode, CONF_SSL_DISABLE);
    assert_int_equal(c.server_tls.sslmode, CONF_SSL_PREFER);
    assert_int_equal(c.client_tls.protocols, CONF_TLS_V1_2 | CONF_TLS_V1_3);
    assert_true(c.client_login_timeout == 60);
    assert_true(c.query_timeout == 0 && c.client_idle_timeout == 0);
    assert_true(c.tcp_keepalive);
    assert_int_equal(c.max_packet_size, CONF_MAX_PACKET);
    assert_int_equal(conf_db_sslmode(&c, &c.dbs[0]), CONF_SSL_PREFER);
    assert_int_equal(conf_db_max_connections(&c, &c.dbs[0]), 0);
    conf_free(&c);
    static const char text[] = "[tombstone]\n"
                               "client_tls_sslmode = verify-full\n"
                               "client_tls_key_file = /k.pem\n"
                               "client_tls_cert_file = /c.pem\n"
                               "client_tls_ca_file = /ca.pem\n"
                               "client_tls_protocols = tlsv1.3\n"
                               "client_tls_ciphers = fast\n"
                               "server_tls_sslmode = verify-ca\n"
                               "server_tls_ca_file = /sca.pem\n"
                               "server_tls_protocols = legacy\n"
                               "client_login_timeout = 1.5\n"
                               "client_idle_timeout = 300\n"
                               "idle_transaction_timeout = 10\n"
                               "query_timeout = 0.25\n"
                               "tcp_keepalive = 0\n"
                               "tcp_keepidle = 30\n"
                               "tcp_keepintvl = 5\n"
                               "tcp_keepcnt = 3\n"
                               "max_db_connections = 20\n"
                               "max_user_connections = 7\n"
                               "max_packet_size = 65536\n"
                               "[databases]\n"
                               "plain = sslmode=disable max_db_connections=2\n"
                               "other = port=5433\n";
    assert_true(conf_parse("t.ini", text, &c, err, sizeof err));
    assert_int_equal(c.client_tls.sslmode, CONF_SSL_VERIFY_FULL);
    assert_string_equal(c.client_tls.ca_file, "/ca.pem");
    assert_int_equal(c.client_tls.protocols, CONF_TLS_V1_3);
    assert_string_equal(c.client_tls.ciphers, "fast");
    assert_int_equal(c.server_tls.protocols, 15);
    assert_true(c.client_login_timeout == 1.5 && c.query_timeout == 0.25);
    assert_true(c.client_idle_timeout == 300 && c.idle_transaction_timeout == 10);
    assert_false(c.tcp_keepalive);
    assert_int_equal(c.tcp_keepidle + c.tcp_keepintvl + c.tcp_keepcnt, 38);
    assert_int_equal(c.max_user_connections, 7);
    assert_int_equal(c.max_packet_size, 65536);
    assert_int_equal(conf_db_sslmode(&c, &c.dbs[0]), CONF_SSL_DISABLE);
    assert_int_equal(conf_db_sslmode(&c, &c.dbs[1]), CONF_SSL_VERIFY_CA);
    assert_int_equal(conf_db_max_connections(&c, &c.dbs[0]), 2);
    assert_int_equal(conf_db_max_connections(&c, &c.dbs[1]), 20);
    assert_string_equal(conf_sslmode_name(CONF_SSL_VERIFY_FULL), "verify-full");
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
    {"[tombstone]\nclient_tls_sslmode = always\n", "t.ini:2: invalid value 'always'"},
    {"[tombstone]\nserver_tls_sslmode = verify\n", "t.ini:2: invalid value 'verify'"},
    {"[tombstone]\nclient_tls_protocols = tlsv1.2, sslv3\n", "t.ini:2: invalid value"},
    {"[tombstone]\nclient_tls_protocols =\n", "t.ini:2: invalid value ''"},
    {"[tombstone]\nmax_packet_size = 100\n", "t.ini:2: invalid value '100'"},
    {"[tombstone]\nmax_packet_size = 2147483647\n", "t.ini:2: invalid value '2147483647'"},
    {"[tombstone]\ntcp_keepcnt = 1000\n", "t.ini:2: invalid value '1000'"},
    {"[tombstone]\nquery_timeout = soon\n", "t.ini:2: invalid value 'soon'"},
    {"[databases]\na = sslmode=on\n", "t.ini:2: invalid sslmode 'on'"},
    {"[databases]\na = max_db_connections=-2\n", "t.ini:2: invalid max_db_connections"},
    {"[tombstone]\nclient_tls_sslmode = require\n[databases]\na = port=1\n",
     "t.ini: client_tls_sslmode = require needs client_tls_key_file and client_tls_cert_file"},
    {"[tombstone]\nclient_tls_sslmode = verify-ca\nclient_tls_key_file = k\n"
     "client_tls_cert_file = c\n[databases]\na = port=1\n",
     "t.ini: client_tls_sslmode = verify-ca needs client_tls_ca_file"},
    {"[tombstone]\nserver_tls_key_file = k\n[databases]\na = port=1\n",
     "t.ini: server_tls_key_file and server_tls_cert_file go together"},
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

/* A reload: which changed settings apply only at a restart, and which make every catalog be
 * read again. */
static void test_reload_comparisons(void **state)
{
    (void)state;
    conf_config a, b;
    char err[CONF_ERR_MAX], out[256];
    assert_true(conf_parse("a.ini", example, &a, err, sizeof err));
    assert_true(conf_parse("b.ini", example, &b, err, sizeof err));
    assert_false(conf_restart_needed(&a, &b, 50, out, sizeof out));
    assert_string_equal(out, "");
    assert_false(conf_softdelete_changed(&a, &b));
    conf_free(&b);
    static const char changed[] = "[tombstone]\n"
                                  "listen_addr = 127.0.0.1, ::1\n"
                                  "listen_port = 7001\n"
                                  "unix_socket_dir = /tmp\n"
                                  "max_client_conn = 60\n"
                                  "so_reuseport = yes\n"
                                  "workers = 3\n"
                                  "query_timeout = 5\n"
                                  "[databases]\n"
                                  "* = port=5432\n"
                                  "[softdelete]\n"
                                  "columns = deleted_at, is_deleted\n"
                                  "include = public.a\n"
                                  "exclude = audit.log\n";
    assert_true(conf_parse("b.ini", changed, &b, err, sizeof err));
    assert_true(conf_restart_needed(&a, &b, 50, out, sizeof out));
    assert_string_equal(out, "listen_port, workers, max_client_conn (above its value at start)");
    assert_true(conf_restart_needed(&a, &b, 60, out, sizeof out)); /* started with 60 */
    assert_string_equal(out, "listen_port, workers");
    assert_true(conf_softdelete_changed(&a, &b)); /* include lost s.b */
    conf_free(&a);
    conf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_values),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_find_db),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_tls_timeouts_limits),
        cmocka_unit_test(test_reload_comparisons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
