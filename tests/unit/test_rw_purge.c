/* tests/unit/test_rw_purge.c — the plan of `tombstone purge`: tables children first, cycles
 * as groups, which rows a batch may take (nothing references them; hidden rows of tables
 * without marker go with their parent), boolean markers, --table, the interval argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/purge.h"
#include "tool_fixture.h"

#include <stdio.h>
#include <string.h>

/*   parent <-CASCADE- child <-RESTRICT- grandchild        all soft (deleted_at)
 *   parent <-CASCADE- hidden <-CASCADE- notes              no marker: hidden rows
 *   child <-SET NULL- audit                                no marker
 *   a <-> b (NO ACTION both ways)                          a cycle, soft
 *   tree -> tree (CASCADE)                                 self-reference, soft
 *   flags                                                  soft, boolean marker
 *   parts                                                  soft, partitioned
 *   "Odd""Name" -> parent (NO ACTION)                      soft, a name to quote */
static const fixture_row schema[] = {
    {"T", "1", "public", "parent", "r", "deleted_at", "t"},
    {"T", "2", "public", "child", "r", "deleted_at", "t"},
    {"T", "3", "public", "grandchild", "r", "deleted_at", "t"},
    {"T", "4", "public", "a", "r", "deleted_at", "t"},
    {"T", "5", "public", "b", "r", "deleted_at", "t"},
    {"T", "6", "public", "tree", "r", "deleted_at", "t"},
    {"T", "7", "public", "flags", "r", "is_deleted", "b"},
    {"T", "8", "public", "hidden", "r"},
    {"T", "9", "public", "notes", "r"},
    {"T", "10", "public", "audit", "r"},
    {"T", "11", "public", "parts", "p", "deleted_at", "t"},
    {"T", "12", "s", "Odd\"Name", "r", "deleted_at", "t"},
    {"F", "child_parent_fkey", "2", "1", "c", "{parent_id}", "{id}", NULL, "00"},
    {"F", "grandchild_child_fkey", "3", "2", "r", "{child_id}", "{id}", NULL, "00"},
    {"F", "a_b_fkey", "4", "5", "a", "{b_id}", "{id}", NULL, "00"},
    {"F", "b_a_fkey", "5", "4", "a", "{a_id}", "{id}", NULL, "00"},
    {"F", "tree_up_fkey", "6", "6", "c", "{up_id}", "{id}", NULL, "00"},
    {"F", "hidden_parent_fkey", "8", "1", "c", "{parent_id}", "{id}", NULL, "00"},
    {"F", "notes_hidden_fkey", "9", "8", "c", "{hidden_id}", "{id}", NULL, "00"},
    {"F", "audit_child_fkey", "10", "2", "n", "{child_id}", "{id}", NULL, "00"},
    {"F", "odd_parent_fkey", "12", "1", "a", "{\"p id\"}", "{id}", NULL, "00"},
};

static const rw_purge_step *step_of(const rw_purge_plan *p, const char *name)
{
    for (int i = 0; i < p->nsteps; i++)
        if (strcmp(p->steps[i].table->name, name) == 0)
            return &p->steps[i];
    return NULL;
}

static int position(const rw_purge_plan *p, const char *name)
{
    const rw_purge_step *st = step_of(p, name);
    return st ? (int)(st - p->steps) : -1;
}

static void test_order(void **state)
{
    (void)state;
    rw_snapshot *s = SNAPSHOT_OF(schema);
    rw_purge_options o = {.cutoff = true, .batch_size = 100};
    rw_purge_plan *p = rw_purge_plan_make(s, &o);
    assert_null(p->error);
    /* the soft tables only, children before parents */
    assert_int_equal(p->nsteps, 9);
    assert_true(position(p, "grandchild") < position(p, "child"));
    assert_true(position(p, "child") < position(p, "parent"));
    assert_true(position(p, "Odd\"Name") < position(p, "parent"));
    assert_int_equal(position(p, "hidden"), -1);
    /* the same every time: by name where keys leave the choice */
    const char *expected[] = {"a",     "b",    "flags",     "grandchild", "child",
                              "parts", "tree", "Odd\"Name", "parent"};
    for (int i = 0; i < p->nsteps; i++)
        assert_string_equal(p->steps[i].table->name, expected[i]);
    /* a cycle is one group, every other table its own */
    assert_int_equal(step_of(p, "a")->group, step_of(p, "b")->group);
    assert_int_equal(p->ngroups, 8);
    assert_true(step_of(p, "child")->group < step_of(p, "parent")->group);
    rw_purge_plan_free(p);
    rw_snapshot_unref(s);
}

static void test_batch_sql(void **state)
{
    (void)state;
    rw_snapshot *s = SNAPSHOT_OF(schema);
    rw_purge_options o = {.cutoff = true, .batch_size = 500};
    rw_purge_plan *p = rw_purge_plan_make(s, &o);
    /* a row of parent goes when no row of child or "Odd""Name" references it; the rows of
     * hidden (and notes below it) are hidden ones that PostgreSQL's cascade takes along */
    assert_string_equal(
        step_of(p, "parent")->batch,
        "DELETE FROM ONLY \"public\".\"parent\" d USING (SELECT q.tableoid, q.ctid FROM ONLY "
        "\"public\".\"parent\" q WHERE q.\"deleted_at\" < $1 AND NOT (EXISTS (SELECT 1 FROM ONLY "
        "\"public\".\"child\" r1 WHERE r1.\"parent_id\" = q.\"id\") OR EXISTS (SELECT 1 FROM ONLY "
        "\"s\".\"Odd\"\"Name\" r4 WHERE r4.\"p id\" = q.\"id\")) LIMIT 500 FOR UPDATE OF q SKIP "
        "LOCKED) v WHERE d.tableoid = v.tableoid AND d.ctid = v.ctid");
    assert_string_equal(
        step_of(p, "parent")->count,
        "SELECT count(*) FROM ONLY \"public\".\"parent\" q WHERE q.\"deleted_at\" < $1");
    /* a key that is not a cascade holds with any row, marked or not (audit: SET NULL) */
    const char *child = step_of(p, "child")->ready;
    assert_non_null(strstr(child, "EXISTS (SELECT 1 FROM ONLY \"public\".\"grandchild\" r1 WHERE "
                                  "r1.\"child_id\" = q.\"id\")"));
    assert_non_null(strstr(child, "EXISTS (SELECT 1 FROM ONLY \"public\".\"audit\" r2 WHERE "
                                  "r2.\"child_id\" = q.\"id\")"));
    /* a self-reference: another row, not the row itself */
    assert_non_null(strstr(step_of(p, "tree")->batch,
                           "r1.\"up_id\" = q.\"id\" AND (r1.tableoid, r1.ctid) <> (q.tableoid, "
                           "q.ctid)"));
    /* a partitioned table is read whole */
    assert_non_null(strstr(step_of(p, "parts")->batch, "DELETE FROM \"public\".\"parts\" d"));
    assert_null(step_of(p, "parts")->skipped);
    rw_purge_plan_free(p);
    rw_snapshot_unref(s);
}

/* The hidden rows below a purged row go with it only while nothing holds them in turn. */
static void test_hidden_rows_held(void **state)
{
    (void)state;
    static const fixture_row rows[] = {
        {"T", "1", "public", "parent", "r", "deleted_at", "t"},
        {"T", "2", "public", "hidden", "r"},
        {"T", "3", "public", "pin", "r"},
        {"F", "hidden_parent_fkey", "2", "1", "c", "{parent_id}", "{id}", NULL, "00"},
        {"F", "pin_hidden_fkey", "3", "2", "r", "{hidden_id}", "{id}", NULL, "00"},
    };
    rw_snapshot *s = SNAPSHOT_OF(rows);
    rw_purge_options o = {.cutoff = true, .batch_size = 10};
    rw_purge_plan *p = rw_purge_plan_make(s, &o);
    assert_int_equal(p->nsteps, 1);
    assert_non_null(strstr(p->steps[0].batch,
                           "NOT (EXISTS (SELECT 1 FROM ONLY \"public\".\"hidden\" r1 WHERE "
                           "r1.\"parent_id\" = q.\"id\" AND (EXISTS (SELECT 1 FROM ONLY "
                           "\"public\".\"pin\" r2 WHERE r2.\"hidden_id\" = r1.\"id\")))"));
    /* hidden rows are never live: they hold nothing as a live row */
    assert_int_equal(p->steps[0].nholds, 0);
    rw_purge_plan_free(p);
    rw_snapshot_unref(s);
}

static void test_holds(void **state)
{
    (void)state;
    rw_snapshot *s = SNAPSHOT_OF(schema);
    rw_purge_options o = {.cutoff = true, .batch_size = 10};
    rw_purge_plan *p = rw_purge_plan_make(s, &o);
    const rw_purge_step *child = step_of(p, "child");
    assert_int_equal(child->nholds, 2);
    assert_string_equal(child->holds[0].fk->name, "grandchild_child_fkey");
    assert_string_equal(child->holds[0].live_count,
                        "SELECT count(*) FROM ONLY \"public\".\"child\" q WHERE q.\"deleted_at\" < "
                        "$1 AND EXISTS (SELECT 1 FROM ONLY \"public\".\"grandchild\" r WHERE "
                        "r.\"child_id\" = q.\"id\" AND r.\"deleted_at\" IS NULL)");
    assert_string_equal(child->holds[1].fk->name, "audit_child_fkey");
    assert_null(strstr(child->holds[1].live_count, "IS NULL"));
    rw_purge_plan_free(p);
    rw_snapshot_unref(s);
}

static void test_markers(void **state)
{
    (void)state;
    rw_snapshot *s = SNAPSHOT_OF(schema);
    rw_purge_options o = {.cutoff = true, .batch_size = 10};
    rw_purge_plan *p = rw_purge_plan_make(s, &o);
    /* a boolean marker carries no time: skipped unless --all-marked */
    assert_non_null(step_of(p, "flags")->skipped);
    assert_null(step_of(p, "flags")->batch);
    rw_purge_plan_free(p);
    o.all_marked = true;
    p = rw_purge_plan_make(s, &o);
    assert_null(step_of(p, "flags")->skipped);
    assert_string_equal(step_of(p, "flags")->count,
                        "SELECT count(*) FROM ONLY \"public\".\"flags\" q WHERE q.\"is_deleted\"");
    assert_non_null(strstr(step_of(p, "parent")->count, "< $1"));
    rw_purge_plan_free(p);
    /* --all-marked without a cutoff: every marked row */
    o.cutoff = false;
    p = rw_purge_plan_make(s, &o);
    assert_string_equal(step_of(p, "parent")->count,
                        "SELECT count(*) FROM ONLY "
                        "\"public\".\"parent\" q WHERE q.\"deleted_at\" "
                        "IS NOT NULL");
    rw_purge_plan_free(p);
    rw_snapshot_unref(s);
}

static void test_tables_option(void **state)
{
    (void)state;
    rw_snapshot *s = SNAPSHOT_OF(schema);
    const char *names[] = {"public.child", "tree"};
    rw_purge_options o = {.cutoff = true, .batch_size = 10, .tables = names, .ntables = 2};
    rw_purge_plan *p = rw_purge_plan_make(s, &o);
    assert_null(p->error);
    assert_int_equal(p->nsteps, 2);
    assert_string_equal(p->steps[0].table->name, "child");
    assert_string_equal(p->steps[1].table->name, "tree");
    assert_int_equal(p->ngroups, 2);
    rw_purge_plan_free(p);
    const char *bad[] = {"hidden"}; /* a table without marker is not purged */
    o.tables = bad;
    o.ntables = 1;
    p = rw_purge_plan_make(s, &o);
    assert_string_equal(p->error, "\"hidden\" is no soft-delete table");
    assert_int_equal(p->nsteps, 0);
    rw_purge_plan_free(p);
    rw_snapshot_unref(s);
}

static void test_interval(void **state)
{
    (void)state;
    char out[64];
    assert_true(rw_purge_interval("30d", out, sizeof out));
    assert_string_equal(out, "30 days");
    assert_true(rw_purge_interval("12h", out, sizeof out));
    assert_string_equal(out, "12 hours");
    assert_true(rw_purge_interval("0s", out, sizeof out));
    assert_string_equal(out, "0 seconds");
    assert_true(rw_purge_interval("2W", out, sizeof out));
    assert_string_equal(out, "2 weeks");
    assert_false(rw_purge_interval("30", out, sizeof out));
    assert_false(rw_purge_interval("d", out, sizeof out));
    assert_false(rw_purge_interval("30 days", out, sizeof out));
    assert_false(rw_purge_interval("-3d", out, sizeof out));
    assert_false(rw_purge_interval("1234567890d", out, sizeof out));
    assert_false(rw_purge_interval("3y", out, sizeof out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_batch_sql),
        cmocka_unit_test(test_hidden_rows_held),
        cmocka_unit_test(test_holds),
        cmocka_unit_test(test_markers),
        cmocka_unit_test(test_tables_option),
        cmocka_unit_test(test_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
