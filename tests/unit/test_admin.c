/* The admin console's core: parsing commands, who may run what, the conversation over the
 * simple and the extended protocol, and what each SHOW renders from a report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "admin/admin.h"
#include "admin/show.h"

static void test_parse(void **state)
{
    (void)state;
    adm_command c;
    adm_error e;
    assert_true(adm_parse("SHOW STATS", &c, &e));
    assert_int_equal(c.kind, ADM_SHOW_STATS);
    assert_true(adm_parse("  show\n stats ;; ", &c, &e));
    assert_int_equal(c.kind, ADM_SHOW_STATS);
    assert_true(adm_parse("/* c */ Show Tables \"My Db\" -- the shop", &c, &e));
    assert_int_equal(c.kind, ADM_SHOW_TABLES);
    assert_string_equal(c.arg, "My Db");
    assert_true(adm_parse("refresh schema Shop;", &c, &e));
    assert_int_equal(c.kind, ADM_REFRESH_SCHEMA);
    assert_string_equal(c.arg, "shop"); /* folded, as PostgreSQL folds names */
    assert_true(adm_parse("RESUME", &c, &e));
    assert_string_equal(c.arg, "");
    assert_true(adm_parse(" ; ", &c, &e));
    assert_int_equal(c.kind, ADM_EMPTY);
    static const char *const bad[] = {"show",     "show stats now", "reload shop",  "pause a b",
                                      "select 1", "show 'x'",       "drop table t", "shutdown;x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(adm_parse(bad[i], &c, &e));
        assert_string_equal(e.sqlstate, "42601");
    }
}

static void test_allowed(void **state)
{
    (void)state;
    adm_error e;
    for (adm_kind k = ADM_SHOW_HELP; k < ADM_KINDS; k++) {
        assert_true(adm_allowed(k, ADM_ROLE_ADMIN, &e));
        assert_int_equal(adm_allowed(k, ADM_ROLE_STATS, &e), adm_is_show(k));
    }
    assert_false(adm_allowed(ADM_RELOAD, ADM_ROLE_STATS, &e));
    assert_string_equal(e.sqlstate, "42501");
    assert_non_null(strstr(e.message, "admin_users"));
    assert_string_equal(adm_tag(ADM_SHOW_CACHE), "SHOW");
    assert_string_equal(adm_tag(ADM_PAUSE), "PAUSE");
}

/* ---- the conversation, with an owner that answers SHOW VERSION and waits on PAUSE ------- */

typedef struct {
    int runs;
    adm_kind last;
} owner;

static adm_status run(void *arg, const adm_command *cmd, adm_table *t, adm_error *err)
{
    owner *o = arg;
    o->runs++;
    o->last = cmd->kind;
    if (cmd->kind == ADM_SHOW_VERSION)
        adm_put_text(t, "9.9.9");
    if (cmd->kind == ADM_REFRESH_SCHEMA) {
        *err = (adm_error){.sqlstate = "3D000", .message = "no such database"};
        return ADM_FAILED;
    }
    return cmd->kind == ADM_PAUSE ? ADM_LATER : ADM_OK;
}

static const adm_ops ops = {run};

/* The types of the messages in b, as a string ("TDCZ"). */
static const char *types(const proto_buf *b)
{
    static char s[64];
    size_t n = 0;
    for (size_t at = 0; at < b->len && n + 1 < sizeof s; at += 1 + proto_get_u32(b->data + at + 1))
        s[n++] = (char)b->data[at];
    s[n] = 0;
    return s;
}

static proto_msg msg_of(const proto_buf *b)
{
    return (proto_msg){b->data[0], b->data, b->len, b->len};
}

static void say(adm_conv *c, proto_buf *in, proto_buf *out)
{
    proto_msg m = msg_of(in);
    adm_conv_message(c, &m, out);
    proto_buf_free(in);
}

static void query(adm_conv *c, const char *sql, proto_buf *out)
{
    proto_buf in = {0};
    proto_build_query(&in, sql);
    say(c, &in, out);
}

static void test_simple_query(void **state)
{
    (void)state;
    owner o = {0};
    adm_conv c;
    adm_conv_init(&c, ADM_ROLE_ADMIN, &ops, &o);
    proto_buf out = {0};
    query(&c, "SHOW VERSION", &out);
    assert_string_equal(types(&out), "TDCZ");
    const char *const *values;
    int n;
    proto_buf store = {0};
    size_t row = 1 + proto_get_u32(out.data + 1);
    assert_true(proto_read_data_row_text(out.data + row, 1 + proto_get_u32(out.data + row + 1),
                                         &store, &values, &n));
    assert_string_equal(values[0], "9.9.9");
    proto_buf_free(&store);
    out.len = 0;
    query(&c, "RELOAD", &out); /* no rows: no RowDescription */
    assert_string_equal(types(&out), "CZ");
    out.len = 0;
    query(&c, "SHOW NOTHING", &out);
    assert_string_equal(types(&out), "EZ");
    out.len = 0;
    query(&c, "REFRESH SCHEMA nowhere", &out); /* the owner's error */
    assert_string_equal(types(&out), "EZ");
    out.len = 0;
    query(&c, "", &out);
    assert_string_equal(types(&out), "IZ");
    out.len = 0;
    query(&c, "PAUSE", &out); /* answered later */
    assert_string_equal(types(&out), "");
    assert_true(adm_conv_waiting(&c));
    adm_conv_finish(&c, NULL, &out);
    assert_false(adm_conv_waiting(&c));
    assert_string_equal(types(&out), "CZ");
    assert_int_equal(o.runs, 4);
    proto_buf_free(&out);
    adm_conv_free(&c);
}

static void test_stats_role(void **state)
{
    (void)state;
    owner o = {0};
    adm_conv c;
    adm_conv_init(&c, ADM_ROLE_STATS, &ops, &o);
    proto_buf out = {0};
    query(&c, "SHUTDOWN", &out);
    assert_string_equal(types(&out), "EZ");
    assert_non_null(memmem(out.data, out.len, "42501", 5));
    assert_int_equal(o.runs, 0); /* the owner never saw it */
    proto_buf_free(&out);
    adm_conv_free(&c);
}

static void test_extended(void **state)
{
    (void)state;
    owner o = {0};
    adm_conv c;
    adm_conv_init(&c, ADM_ROLE_ADMIN, &ops, &o);
    proto_buf in = {0}, out = {0};
    proto_build_parse(&in, "s1", "SHOW VERSION");
    say(&c, &in, &out);
    proto_build_bind(&in, "", "s1");
    say(&c, &in, &out);
    size_t at = proto_msg_begin(&in, PROTO_FE_DESCRIBE);
    proto_buf_put_u8(&in, 'P');
    proto_buf_put_str(&in, "");
    proto_msg_end(&in, at);
    say(&c, &in, &out);
    proto_build_execute(&in, "");
    say(&c, &in, &out);
    proto_build_empty(&in, PROTO_FE_SYNC);
    say(&c, &in, &out);
    assert_string_equal(types(&out), "12TDCZ");
    /* an error skips the rest of the batch, up to the Sync */
    out.len = 0;
    proto_build_parse(&in, "", "SHOW ME");
    say(&c, &in, &out);
    proto_build_bind(&in, "", "s1");
    say(&c, &in, &out);
    proto_build_execute(&in, "");
    say(&c, &in, &out);
    proto_build_empty(&in, PROTO_FE_SYNC);
    say(&c, &in, &out);
    assert_string_equal(types(&out), "EZ");
    assert_int_equal(o.runs, 1);
    /* a statement described: no parameters, and its columns */
    out.len = 0;
    at = proto_msg_begin(&in, PROTO_FE_DESCRIBE);
    proto_buf_put_u8(&in, 'S');
    proto_buf_put_str(&in, "s1");
    proto_msg_end(&in, at);
    say(&c, &in, &out);
    assert_string_equal(types(&out), "tT");
    proto_buf_free(&out);
    adm_conv_free(&c);
}

/* ---- SHOW rendered from a report --------------------------------------------------------- */

static void test_show(void **state)
{
    (void)state;
    conf_config cfg;
    char err[256];
    assert_true(conf_parse("t.ini",
                           "[tombstone]\nadmin_users = ann, bob\n[databases]\n"
                           "shop = host=db1 dbname=shop_main\n* = host=db2\n",
                           &cfg, err, sizeof err));
    st_report r = {.version = "1.2.3"};
    st_report_db *d = st_report_db_of(&r, "shop");
    d->totals.queries = 7;
    d->totals.marked = 2;
    st_hist_add(&d->totals.query_time, 2000);
    d->clients[ST_CLIENT_IDLE] = 3;
    st_report_client *c = st_report_add_client(&r);
    *c = (st_report_client){.peer = "127.0.0.1:5000",
                            .database = "shop",
                            .user = "ann",
                            .state = ST_CLIENT_WAITING,
                            .wait = "pause"};

    static const adm_kind kinds[] = {ADM_SHOW_STATS,   ADM_SHOW_DATABASES, ADM_SHOW_CLIENTS,
                                     ADM_SHOW_SERVERS, ADM_SHOW_CONFIG,    ADM_SHOW_HELP};
    static const char *const wanted[] = {"shop", "shop_main", "pause", "", "ann, bob", "RELOAD"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        proto_buf out = {0};
        adm_table t;
        int n;
        const proto_column *cols = adm_columns(kinds[i], &n);
        adm_table_begin(&t, &out, cols, n, true);
        adm_command cmd = {.kind = kinds[i]};
        adm_error e;
        assert_true(adm_show(&cmd, &r, &cfg, &t, &e));
        adm_table_end(&t, "SHOW");
        if (*wanted[i])
            assert_non_null(memmem(out.data, out.len, wanted[i], strlen(wanted[i])));
        else
            assert_int_equal(t.rows, 0); /* no client has a server */
        proto_buf_free(&out);
    }
    adm_command cmd = {.kind = ADM_SHOW_TABLES};
    strcpy(cmd.arg, "shop");
    proto_buf out = {0};
    adm_table t;
    adm_error e;
    adm_table_begin(&t, &out, NULL, 7, false);
    assert_true(adm_show(&cmd, &r, &cfg, &t, &e)); /* no catalog read yet: no rows */
    assert_int_equal(t.rows, 0);
    proto_buf_free(&out);
    st_report_free(&r);
    conf_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_allowed),
        cmocka_unit_test(test_simple_query), cmocka_unit_test(test_stats_role),
        cmocka_unit_test(test_extended),     cmocka_unit_test(test_show),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
