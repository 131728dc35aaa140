/* Every message the proxy builds, read back; the readers on messages as servers send them;
 * startup packets of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/protocol.h"

static void test_error_round_trip(void **state)
{
    (void)state;
    proto_buf b = {0};
    proto_build_error(&b, "FATAL", "3D000", "database \"x\" does not exist");
    proto_error_fields e;
    assert_true(proto_read_error(b.data, b.len, &e));
    assert_string_equal(e.severity, "FATAL");
    assert_string_equal(e.sqlstate, "3D000");
    assert_string_equal(e.message, "database \"x\" does not exist");
    assert_null(e.detail);
    assert_int_equal(proto_get_u32(b.data + 1), b.len - 1);
    proto_buf_free(&b);
}

static void test_error_as_server_sends_it(void **state)
{
    (void)state;
    static const char body[] = "SERROR\0VERROR\0C42601\0Msyntax error at or near \"x\"\0P8\0"
                               "Fscan.l\0L1176\0Rscanner_yyerror\0";
    proto_buf b = {0};
    size_t s = proto_msg_begin(&b, 'E');
    proto_buf_put(&b, body, sizeof body); /* sizeof counts the final NUL: the terminator */
    proto_msg_end(&b, s);
    proto_error_fields e;
    assert_true(proto_read_error(b.data, b.len, &e));
    assert_string_equal(e.sqlstate, "42601");
    assert_string_equal(e.position, "8");

    /* fields changed and left out; the others kept in order; a field it lacks not added */
    proto_buf edited = {0};
    static const proto_error_change changes[] = {{'P', "15"}, {'M', NULL}, {'W', "absent"}};
    assert_true(proto_build_error_edit(&edited, b.data, b.len, changes, 3));
    static const char want[] = "SERROR\0VERROR\0C42601\0P15\0Fscan.l\0L1176\0Rscanner_yyerror\0";
    assert_int_equal(edited.len, PROTO_HDR_LEN + sizeof want);
    assert_memory_equal(edited.data + PROTO_HDR_LEN, want, sizeof want);
    assert_int_equal(edited.data[0], 'E');

    b.data[b.len - 1] = 'x'; /* unterminated list */
    assert_false(proto_read_error(b.data, b.len, &e));
    assert_false(proto_build_error_edit(&edited, b.data, b.len, changes, 3));
    proto_buf_free(&b);
    proto_buf_free(&edited);
}

static void test_ready_round_trip(void **state)
{
    (void)state;
    proto_buf b = {0};
    proto_build_ready(&b, 'T');
    char status;
    assert_int_equal(b.len, 6);
    assert_true(proto_read_ready(b.data, b.len, &status));
    assert_int_equal(status, 'T');
    assert_false(proto_read_ready(b.data, b.len - 1, &status));
    proto_buf_free(&b);
}

static void test_query_and_command_complete(void **state)
{
    (void)state;
    proto_buf b = {0};
    proto_build_query(&b, "select 1");
    assert_int_equal(b.data[0], 'Q');
    assert_string_equal((const char *)b.data + 5, "select 1");
    proto_buf_free(&b);
    proto_build_command_complete(&b, "DELETE 3");
    const char *tag;
    assert_true(proto_read_command_complete(b.data, b.len, &tag));
    assert_string_equal(tag, "DELETE 3");
    proto_buf_free(&b);
}

static void test_terminate_and_cancel(void **state)
{
    (void)state;
    proto_buf b = {0};
    proto_build_terminate(&b);
    static const uint8_t terminate[] = {'X', 0, 0, 0, 4};
    assert_memory_equal(b.data, terminate, sizeof terminate);
    proto_buf_free(&b);
    proto_build_cancel(&b, 1234, 0xdeadbeef);
    proto_startup s;
    assert_null(proto_parse_startup(b.data, b.len, &s));
    assert_int_equal(s.kind, PROTO_STARTUP_CANCEL);
    assert_int_equal(s.cancel_pid, 1234);
    assert_int_equal(s.cancel_key, 0xdeadbeef);
    proto_buf_free(&b);
}

static void test_parse_rebuilt_with_new_query(void **state)
{
    (void)state;
    proto_buf orig = {0}, b = {0};
    size_t s = proto_msg_begin(&orig, 'P');
    proto_buf_put_str(&orig, "stmt7");
    proto_buf_put_str(&orig, "delete from t where id = $1 and x = $2");
    proto_buf_put_u16(&orig, 2);
    proto_buf_put_u32(&orig, 23);
    proto_buf_put_u32(&orig, 25);
    proto_msg_end(&orig, s);
    const char q[] = "update t set deleted_at = now() where id = $1 and x = $2";
    assert_true(proto_build_parse_like(&b, orig.data, orig.len, q, strlen(q)));
    proto_parse_fields p;
    assert_true(proto_read_parse(b.data, b.len, &p));
    assert_string_equal(p.name, "stmt7");
    assert_string_equal(p.query, q);
    assert_int_equal(p.nparams, 2);
    assert_int_equal(proto_get_u32(p.param_types + 4), 25);
    assert_false(proto_build_parse_like(&b, orig.data, orig.len, "a\0b", 3));
    assert_false(proto_build_parse_like(&b, orig.data, orig.len - 1, q, strlen(q)));
    proto_buf_free(&orig);
    proto_buf_free(&b);
}

static void test_extended_protocol_names(void **state)
{
    (void)state;
    proto_buf b = {0};
    size_t s = proto_msg_begin(&b, 'E');
    proto_buf_put_str(&b, "portal1");
    proto_buf_put_u32(&b, 50);
    proto_msg_end(&b, s);
    const char *name;
    uint32_t rows;
    assert_true(proto_read_execute(b.data, b.len, &name, &rows));
    assert_string_equal(name, "portal1");
    assert_int_equal(rows, 50);
    proto_buf_free(&b);

    for (const char *t = "CD"; *t; t++) {
        s = proto_msg_begin(&b, (uint8_t)*t);
        proto_buf_put_u8(&b, 'S');
        proto_buf_put_str(&b, "stmt");
        proto_msg_end(&b, s);
        char kind;
        assert_true(proto_read_target(b.data, b.len, &kind, &name));
        assert_int_equal(kind, 'S');
        assert_string_equal(name, "stmt");
        b.data[5] = 'X';
        assert_false(proto_read_target(b.data, b.len, &kind, &name));
        proto_buf_free(&b);
    }
}

static void test_bind_names_from_prefix(void **state)
{
    (void)state;
    proto_buf b = {0};
    size_t s = proto_msg_begin(&b, 'B');
    proto_buf_put_str(&b, "p");
    proto_buf_put_str(&b, "st");
    proto_buf_put_u16(&b, 0);
    proto_msg_end(&b, s);
    const char *portal, *stmt;
    assert_true(proto_read_bind_names(b.data, 10, &portal, &stmt));
    assert_string_equal(portal, "p");
    assert_string_equal(stmt, "st");
    assert_false(proto_read_bind_names(b.data, 9, &portal, &stmt));
    proto_buf_free(&b);
}

static void test_rows(void **state)
{
    (void)state;
    proto_buf b = {0};
    size_t s = proto_msg_begin(&b, 'T');
    proto_buf_put_u16(&b, 2);
    for (const char *n = "a\0bc\0"; *n; n += strlen(n) + 1) {
        proto_buf_put_str(&b, n);
        for (int i = 0; i < 18; i++)
            proto_buf_put_u8(&b, 0);
    }
    proto_msg_end(&b, s);
    const char *names[2];
    int n;
    assert_true(proto_read_row_description(b.data, b.len, names, 2, &n));
    assert_int_equal(n, 2);
    assert_string_equal(names[1], "bc");
    proto_buf_free(&b);

    s = proto_msg_begin(&b, 'D');
    proto_buf_put_u16(&b, 3);
    proto_buf_put_u32(&b, 5);
    proto_buf_put(&b, "{a,b}", 5);
    proto_buf_put_u32(&b, 0xffffffff);
    proto_buf_put_u32(&b, 0);
    proto_msg_end(&b, s);
    proto_buf store = {0};
    const char *const *v;
    assert_true(proto_read_data_row_text(b.data, b.len, &store, &v, &n));
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "{a,b}");
    assert_null(v[1]);
    assert_string_equal(v[2], "");
    assert_false(proto_read_data_row_text(b.data, b.len - 1, &store, &v, &n));
    proto_buf_free(&store);
    proto_buf_free(&b);
}

static void test_backend_key(void **state)
{
    (void)state;
    proto_buf b = {0};
    size_t s = proto_msg_begin(&b, 'K');
    proto_buf_put_u32(&b, 42);
    proto_buf_put_u32(&b, 99);
    proto_msg_end(&b, s);
    uint32_t pid, key;
    assert_true(proto_read_backend_key(b.data, b.len, &pid, &key));
    assert_int_equal(pid, 42);
    assert_int_equal(key, 99);
    proto_buf_free(&b);
}

static void test_startup_round_trip_with_changed_parameters(void **state)
{
    (void)state;
    proto_startup s = {.version = PROTO_VERSION_3};
    proto_startup_set(&s, "user", "alice");
    proto_startup_set(&s, "database", "shop");
    proto_startup_set(&s, "options", "-c tombstone.visibility=all");
    proto_buf b = {0};
    proto_build_startup(&b, &s);
    proto_startup p;
    assert_null(proto_parse_startup(b.data, b.len, &p));
    assert_int_equal(p.kind, PROTO_STARTUP_V3);
    assert_int_equal(p.nparams, 3);
    assert_string_equal(proto_startup_get(&p, "options"), "-c tombstone.visibility=all");
    assert_true(proto_startup_set(&p, "database", "shop_upstream"));
    proto_buf b2 = {0};
    proto_build_startup(&b2, &p);
    proto_startup q;
    assert_null(proto_parse_startup(b2.data, b2.len, &q));
    assert_string_equal(proto_startup_get(&q, "database"), "shop_upstream");
    assert_string_equal(proto_startup_get(&q, "user"), "alice");
    assert_null(proto_startup_get(&q, "application_name"));
    assert_int_equal(q.nparams, 3);
    proto_buf_free(&b);
    proto_buf_free(&b2);
}

static void test_startup_requests_and_errors(void **state)
{
    (void)state;
    static const uint8_t ssl[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    static const uint8_t gss[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};
    static const uint8_t v2[] = {0, 0, 0, 9, 0, 2, 0, 0, 0};
    static const uint8_t unterminated[] = {0, 0, 0, 12, 0, 3, 0, 0, 'u', 0, 'x', 'y'};
    static const uint8_t trailing[] = {0, 0, 0, 14, 0, 3, 0, 0, 'u', 0, 'x', 0, 0, 'z'};
    proto_startup s;
    assert_null(proto_parse_startup(ssl, sizeof ssl, &s));
    assert_int_equal(s.kind, PROTO_STARTUP_SSL);
    assert_null(proto_parse_startup(gss, sizeof gss, &s));
    assert_int_equal(s.kind, PROTO_STARTUP_GSSENC);
    assert_non_null(proto_parse_startup(v2, sizeof v2, &s));
    assert_non_null(proto_parse_startup(unterminated, sizeof unterminated, &s));
    assert_non_null(proto_parse_startup(trailing, sizeof trailing, &s));
    assert_non_null(proto_parse_startup(ssl, 7, &s));
}

static void test_reader_overrun(void **state)
{
    (void)state;
    static const uint8_t msg[] = {'C', 0, 0, 0, 6, 'x'};
    proto_reader r = proto_reader_init(msg, sizeof msg);
    assert_null(proto_read_str(&r));
    assert_true(r.bad);
    assert_int_equal(proto_read_u32(&r), 0);
    const char *tag;
    assert_false(proto_read_command_complete(msg, sizeof msg, &tag));
    r = proto_reader_init(msg, 3);
    assert_true(r.bad);
}

/* The console's row sets: a RowDescription and DataRows read back as a server's. */
static void test_row_set(void **state)
{
    (void)state;
    proto_buf b = {0};
    static const proto_column cols[] = {{"database", 25}, {"queries", 20}};
    proto_build_row_description(&b, cols, 2);
    const char *names[2];
    int n;
    assert_true(proto_read_row_description(b.data, b.len, names, 2, &n));
    assert_int_equal(n, 2);
    assert_string_equal(names[1], "queries");
    assert_int_equal(proto_get_u32(b.data + 5 + 2 + 9 + 6), 25); /* the first column's type */
    proto_buf_free(&b);

    size_t at = proto_data_row_begin(&b, 3);
    proto_data_row_value(&b, "shop", 4);
    proto_data_row_value(&b, NULL, 0);
    proto_data_row_value(&b, "", 0);
    proto_msg_end(&b, at);
    proto_buf store = {0};
    const char *const *values;
    assert_true(proto_read_data_row_text(b.data, b.len, &store, &values, &n));
    assert_int_equal(n, 3);
    assert_string_equal(values[0], "shop");
    assert_null(values[1]);
    assert_string_equal(values[2], "");
    proto_buf_free(&b);
    proto_buf_free(&store);

    proto_build_empty(&b, PROTO_BE_NO_DATA);
    proto_build_no_parameters(&b);
    static const uint8_t want[] = {'n', 0, 0, 0, 4, 't', 0, 0, 0, 6, 0, 0};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    proto_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_set),
        cmocka_unit_test(test_error_round_trip),
        cmocka_unit_test(test_error_as_server_sends_it),
        cmocka_unit_test(test_ready_round_trip),
        cmocka_unit_test(test_query_and_command_complete),
        cmocka_unit_test(test_terminate_and_cancel),
        cmocka_unit_test(test_parse_rebuilt_with_new_query),
        cmocka_unit_test(test_extended_protocol_names),
        cmocka_unit_test(test_bind_names_from_prefix),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_backend_key),
        cmocka_unit_test(test_startup_round_trip_with_changed_parameters),
        cmocka_unit_test(test_startup_requests_and_errors),
        cmocka_unit_test(test_reader_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
