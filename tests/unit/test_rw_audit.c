/* tests/unit/test_rw_audit.c — the rules of `tombstone check` on a snapshot and the rows of
 * the audit query: each finding, its level and its DDL; nothing reported for a schema that
 * needs nothing; names quoted in the DDL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/audit.h"
#include "rewrite/helpers.h"
#include "tool_fixture.h"

#include <stdio.h>
#include <string.h>

typedef const char *audit_row[RW_AUDIT_FIELDS];

/* Seed 000's shop: customers own mailing_addresses and orders, orders cascade from the
 * address they use; users with a unique email (full) and a partial nickname; "Odd""T" with a
 * quote in its name. */
static const fixture_row shop[] = {
    {"T", "1", "public", "customers", "r", "deleted_at", "t"},
    {"T", "2", "public", "mailing_addresses", "r", "deleted_at", "t"},
    {"T", "3", "public", "orders", "r", "deleted_at", "t"},
    {"T", "4", "public", "users", "r", "deleted_at", "t"},
    {"T", "5", "public", "flags", "r", "is_deleted", "b"},
    {"T", "6", "public", "order_lines", "r", "deleted_at", "t"},
    {"T", "7", "public", "invoices", "r"},
    {"T", "8", "s", "Odd\"T", "r", "deleted_at", "t"},
    {"C", "5", "1", "id", "integer"},
    {"C", "5", "2", "is_deleted", "boolean"},
    {"F", "mailing_addresses_customer_id_fkey", "2", "1", "c", "{customer_id}", "{id}", NULL, "00"},
    {"F", "orders_customer_id_fkey", "3", "1", "c", "{customer_id}", "{id}", NULL, "00"},
    {"F", "orders_mailing_address_id_fkey", "3", "2", "c", "{mailing_address_id}", "{id}", NULL,
     "00"},
    {"F", "order_lines_order_id_fkey", "6", "3", "c", "{order_id}", "{id}", NULL, "00"},
    {"F", "invoices_line_fkey", "7", "6", "r", "{line_id}", "{id}", NULL, "00"},
    {"F", "odd_user_fkey", "8", "4", "n", "{user_id}", "{code}", NULL, "00"},
    {"U", "4", "users_pkey", "users_pkey", "t", "{id}"},
    {"U", "4", "users_email_key", "users_email_key", "f", "{email}"},
    {"U", "4", "users_nick_live", NULL, "f", "{nick}", "(deleted_at IS NULL)"},
    {"U", "4", "users_code_key", "users_code_key", "f", "{code}"},
    {"U", "8", "Odd\"T_name", NULL, "f", "{na\"me}", "(kind = 'a')"},
    {"H", "tombstone helpers " RW_HELPERS_VERSION},
    {"E", "7"},
};

static const audit_row installed[] = {
    {"W", "helpers", "tombstone helpers " RW_HELPERS_VERSION},
    {"W", "event", "tombstone_ddl", "O"},
    {"W", "superuser", "true"},
};

typedef struct {
    rw_snapshot *s;
    rw_audit *a;
} audit;

static const char *const markers[] = {"deleted_at", "is_deleted"};
static const char *const excluded[] = {"public.skipped"};
static const rw_snapshot_options options = {markers, 2, NULL, 0, excluded, 1};

static void feed(audit *x, const audit_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rw_catalog_row row = {RW_AUDIT_FIELDS, rows[i]};
        const char *err;
        assert_true(rw_audit_add_row(x->a, &row, &err));
    }
}

static void start(audit *x, const fixture_row *rows, size_t n)
{
    x->s = snapshot_of(rows, n);
    x->a = rw_audit_new(x->s, &options);
}

static void start_shop(audit *x)
{
    start(x, shop, sizeof shop / sizeof *shop);
    feed(x, installed, sizeof installed / sizeof *installed);
}

static void stop(audit *x)
{
    rw_audit_free(x->a);
    rw_snapshot_unref(x->s);
}

/* The finding of this topic whose subject is `subject`, or NULL. */
static const rw_finding *find(const audit *x, const char *topic, const char *subject)
{
    for (int i = 0; i < rw_audit_count(x->a); i++) {
        const rw_finding *f = rw_audit_finding(x->a, i);
        if (strcmp(f->topic, topic) == 0 && strcmp(f->subject, subject) == 0)
            return f;
    }
    return NULL;
}

static int count_of(const audit *x, const char *topic)
{
    int n = 0;
    for (int i = 0; i < rw_audit_count(x->a); i++)
        n += strcmp(rw_audit_finding(x->a, i)->topic, topic) == 0;
    return n;
}

static void test_unique(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const audit_row rows[] = {
        {"I", "4", "users_email_key", "true", "{2}", "{email}", NULL, NULL},
        {"I", "8", "Odd\"T_name", "true", "{2,0}", "{\"na\\\"me\",\"lower(x)\"}", "{y}",
         "kind = 'a'"},
    };
    feed(&x, rows, 2);
    rw_audit_finish(x.a);
    const rw_finding *f = NULL;
    for (int i = 0; i < rw_audit_count(x.a); i++) {
        const rw_finding *g = rw_audit_finding(x.a, i);
        if (strcmp(g->topic, "unique") == 0 && strstr(g->message, "users_email_key"))
            f = g;
    }
    assert_non_null(f);
    assert_int_equal(f->level, RW_AUDIT_WARNING);
    assert_string_equal(f->ddl, "CREATE UNIQUE INDEX CONCURRENTLY \"users_email_key_live\" ON "
                                "\"public\".\"users\" (\"email\") WHERE \"deleted_at\" IS NULL;\n"
                                "ALTER TABLE \"public\".\"users\" DROP CONSTRAINT "
                                "\"users_email_key\";");
    /* an index with a predicate of its own keeps it; expressions stay, names are quoted */
    f = find(&x, "unique", "s.Odd\"T");
    assert_non_null(f);
    assert_string_equal(f->ddl, "CREATE UNIQUE INDEX CONCURRENTLY \"Odd\"\"T_name_live\" ON "
                                "\"s\".\"Odd\"\"T\" (\"na\"\"me\", (lower(x))) INCLUDE (\"y\") "
                                "WHERE ((kind = 'a')) AND \"deleted_at\" IS NULL;\n"
                                "DROP INDEX CONCURRENTLY \"s\".\"Odd\"\"T_name\";");
    /* users_code_key is referenced by a foreign key: a note, it cannot be partial */
    int warnings = 0, notes = 0;
    for (int i = 0; i < rw_audit_count(x.a); i++) {
        const rw_finding *g = rw_audit_finding(x.a, i);
        if (strcmp(g->topic, "unique") != 0)
            continue;
        warnings += g->level == RW_AUDIT_WARNING;
        notes += g->level == RW_AUDIT_NOTE;
        if (strstr(g->message, "users_code_key"))
            assert_non_null(strstr(g->message, "odd_user_fkey"));
        assert_null(strstr(g->message, "users_nick_live")); /* partial on live rows: fine */
    }
    assert_int_equal(warnings, 2);
    assert_int_equal(notes, 2); /* users_code_key, and the primary keys */
    f = find(&x, "unique", "primary keys");
    assert_non_null(strstr(f->message, "public.users"));
    stop(&x);
}

static void test_trap_and_chains(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    rw_audit_finish(x.a);
    const rw_finding *trap = find(&x, "foreign keys", "orders_mailing_address_id_fkey");
    assert_non_null(trap);
    assert_int_equal(trap->level, RW_AUDIT_WARNING);
    assert_non_null(strstr(trap->message, "mailing-address trap"));
    assert_string_equal(trap->ddl, "-- review: ALTER TABLE \"public\".\"orders\" DROP CONSTRAINT "
                                   "\"orders_mailing_address_id_fkey\", ADD CONSTRAINT "
                                   "\"orders_mailing_address_id_fkey\" FOREIGN KEY "
                                   "(\"mailing_address_id\") REFERENCES "
                                   "\"public\".\"mailing_addresses\" (\"id\") ON DELETE RESTRICT;");
    /* the owner's own cascades are not traps */
    assert_null(find(&x, "foreign keys", "orders_customer_id_fkey"));
    assert_null(find(&x, "foreign keys", "mailing_addresses_customer_id_fkey"));
    /* invoices (RESTRICT) makes deletes of order_lines' ancestors fail: one note per root */
    const rw_finding *chain = find(&x, "foreign keys", "invoices_line_fkey");
    assert_non_null(chain);
    assert_int_equal(chain->level, RW_AUDIT_NOTE);
    int n = 0;
    for (int i = 0; i < rw_audit_count(x.a); i++)
        n += strcmp(rw_audit_finding(x.a, i)->subject, "invoices_line_fkey") == 0;
    assert_int_equal(n, 3); /* from customers (once, by two paths), mailing_addresses, orders */
    stop(&x);
}

static void test_markers(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const audit_row rows[] = {
        {"M", "5", "public", "flags", "is_deleted", "boolean", "false", "true"},
        {"M", "20", "public", "posts", "deleted_at", "text", "false", "false"},
        {"M", "21", "public", "notes", "deleted", "boolean", "true", "true"},
        {"M", "22", "public", "skipped", "deleted_at", "text", "false", "false"},
    };
    feed(&x, rows, sizeof rows / sizeof *rows);
    rw_audit_finish(x.a);
    const rw_finding *f = find(&x, "markers", "public.flags");
    assert_int_equal(f->level, RW_AUDIT_WARNING);
    assert_string_equal(f->ddl, "UPDATE \"public\".\"flags\" SET \"is_deleted\" = false WHERE "
                                "\"is_deleted\" IS NULL;\nALTER TABLE \"public\".\"flags\" ALTER "
                                "COLUMN \"is_deleted\" SET DEFAULT false, ALTER COLUMN "
                                "\"is_deleted\" SET NOT NULL;");
    assert_int_equal(find(&x, "markers", "public.posts")->level, RW_AUDIT_WARNING);
    assert_int_equal(find(&x, "markers", "public.notes")->level, RW_AUDIT_NOTE);
    assert_null(find(&x, "markers", "public.skipped")); /* excluded on purpose */
    /* the list of soft-delete tables comes first among the markers */
    assert_non_null(strstr(find(&x, "markers", "")->message, "7 soft-delete tables"));
    stop(&x);
}

static void test_indexes(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const audit_row rows[] = {
        {"S", "1", "50000", "100"}, /* customers: large, no index for the marker */
        {"S", "4", "50000", "100"}, /* users: large, a partial index */
        {"S", "3", "0", "9000000"}, /* orders: never analyzed, 9 MB; deleted_at first */
        {"S", "2", "10", "8192"},   /* mailing_addresses: small */
        {"I", "4", "users_nick_live", "true", "{3}", "{nick}", NULL, "deleted_at IS NULL"},
        {"I", "3", "orders_deleted", "false", "{4,1}", "{deleted_at,id}", NULL, NULL},
        {"I", "1", "customers_x", "false", "{0}", "{\"deleted_at_x\"}", NULL, NULL},
        {"X", "orders_customer_id_fkey", "3", "1", "false"},
        {"X", "mailing_addresses_customer_id_fkey", "2", "1", "false"},
        {"X", "orders_mailing_address_id_fkey", "3", "2", "true"},
    };
    feed(&x, rows, sizeof rows / sizeof *rows);
    rw_audit_finish(x.a);
    assert_int_equal(count_of(&x, "indexes"), 2);
    const rw_finding *f = find(&x, "indexes", "public.customers");
    assert_non_null(f);
    assert_string_equal(f->ddl, "CREATE INDEX CONCURRENTLY \"customers_deleted_at_idx\" ON "
                                "\"public\".\"customers\" (\"deleted_at\");");
    /* the key of a large child without an index; the small child's is left alone */
    f = find(&x, "indexes", "orders_customer_id_fkey");
    assert_non_null(f);
    assert_string_equal(f->ddl, "CREATE INDEX CONCURRENTLY \"orders_customer_id_fkey_idx\" ON "
                                "\"public\".\"orders\" (\"customer_id\");");
    stop(&x);
}

static void test_stored_code_and_triggers(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const audit_row rows[] = {
        {"V", "30", "public", "active_users", "v", "4"},
        {"V", "31", "rep", "m", "m", "1"},
        {"R", "r1", "public", "log", NULL, "4"},
        {"P", "40", "public", "count_users()", "plpgsql", "4"},
        {"G", "4", "users_gone", "audit_delete"},
    };
    feed(&x, rows, sizeof rows / sizeof *rows);
    rw_audit_finish(x.a);
    assert_int_equal(count_of(&x, "stored code"), 4);
    assert_non_null(find(&x, "stored code", "view public.active_users"));
    assert_non_null(find(&x, "stored code", "materialized view rep.m"));
    assert_non_null(find(&x, "stored code", "rule r1 on public.log"));
    assert_non_null(find(&x, "stored code", "function public.count_users() (plpgsql)"));
    const rw_finding *t = find(&x, "triggers", "public.users");
    assert_int_equal(t->level, RW_AUDIT_WARNING);
    assert_non_null(strstr(t->message, "OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL"));
    stop(&x);
}

static void test_install(void **state)
{
    (void)state;
    audit x;
    /* nothing installed: helpers, then epoch */
    start(&x, shop, sizeof shop / sizeof *shop - 2);
    rw_audit_finish(x.a);
    assert_int_equal(count_of(&x, "install"), 2);
    assert_non_null(find(&x, "install", "schema tombstone"));
    assert_non_null(find(&x, "install", "catalog epoch"));
    stop(&x);
    /* an old version, and guards missing */
    start(&x, shop, sizeof shop / sizeof *shop);
    static const audit_row rows[] = {
        {"W", "helpers", "tombstone helpers 1"},
        {"W", "event", "tombstone_ddl", "O"},
        {"W", "guard", "4"},
        {"W", "guard", "8"},
    };
    feed(&x, rows, sizeof rows / sizeof *rows);
    rw_audit_finish(x.a);
    assert_non_null(strstr(find(&x, "install", "schema tombstone")->message, "helpers 1"));
    const rw_finding *g = find(&x, "install", "public.users, s.Odd\"T");
    assert_non_null(g);
    assert_string_equal(g->ddl, "SELECT tombstone.guard(ARRAY['\"public\".\"users\"'::regclass, "
                                "'\"s\".\"Odd\"\"T\"'::regclass]);");
    stop(&x);
    /* everything there: no install finding */
    start_shop(&x);
    rw_audit_finish(x.a);
    assert_int_equal(count_of(&x, "install"), 0);
    stop(&x);
}

/* With helpers that make foreign-key triggers (tombstone.setup), each key's are looked for. */
static void test_fk_triggers(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const audit_row rows[] = {
        {"W", "fk-triggers", "true"},
        {"K", "mailing_addresses_customer_id_fkey", "2", "mcu"},
        {"K", "orders_customer_id_fkey", "3", "m"},         /* the checks are missing */
        {"K", "orders_mailing_address_id_fkey", "3", "cu"}, /* the cascade is missing */
        {"K", "order_lines_order_id_fkey", "6", "mcu"},
        {"K", "invoices_line_fkey", "7", "acu"},
        {"K", "odd_user_fkey", "8", "dcu"},
    };
    feed(&x, rows, sizeof rows / sizeof *rows);
    rw_audit_finish(x.a);
    assert_int_equal(count_of(&x, "install"), 2);
    const rw_finding *f = find(&x, "install", "orders_customer_id_fkey");
    assert_non_null(strstr(f->message, "the check of the rows of public.orders written"));
    assert_null(strstr(f->message, "ON DELETE action"));
    assert_string_equal(f->ddl, "SELECT tombstone.setup();");
    f = find(&x, "install", "orders_mailing_address_id_fkey");
    assert_non_null(strstr(f->message, "ON DELETE action when a row of public.mailing_addresses"));
    stop(&x);
    /* helpers without them (version 2): nothing is looked for */
    start_shop(&x);
    feed(&x, rows + 1, sizeof rows / sizeof *rows - 1);
    rw_audit_finish(x.a);
    assert_int_equal(count_of(&x, "install"), 0);
    stop(&x);
}

static void test_query(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const char *const odd[] = {"deleted_at", "gone\"'at"};
    rw_snapshot_options o = {odd, 2, NULL, 0, NULL, 0};
    char *q = rw_audit_query(x.s, &o);
    assert_non_null(strstr(q, "unnest('{1,2,3,4,5,6,8}'::oid[])"));
    assert_non_null(strstr(q, "unnest('{1,2,3,4,5,6,7,8}'::oid[])"));
    /* the names as array elements of one literal (dollar-quoted: it holds a backslash) */
    assert_non_null(strstr(q, "unnest($tombstone${\"deleted_at\",\"gone\\\"'at\",\"is_deleted\","));
    free(q);
    stop(&x);
}

static void test_malformed(void **state)
{
    (void)state;
    audit x;
    start_shop(&x);
    static const audit_row bad = {"Z", "1"};
    rw_catalog_row row = {RW_AUDIT_FIELDS, bad};
    const char *err = NULL;
    assert_false(rw_audit_add_row(x.a, &row, &err));
    assert_non_null(err);
    stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_trap_and_chains),
        cmocka_unit_test(test_markers),
        cmocka_unit_test(test_indexes),
        cmocka_unit_test(test_stored_code_and_triggers),
        cmocka_unit_test(test_install),
        cmocka_unit_test(test_fk_triggers),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
