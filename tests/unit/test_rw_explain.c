/* tests/unit/test_rw_explain.c — what a rewrite says it did (rw_context.explain, for
 * `tombstone rewrite`): tables filtered (soft-delete, or hidden through ON DELETE CASCADE),
 * DELETEs that mark, refusals, per statement; and each statement's span in the rewritten
 * text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rw_fixture.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    rw_snapshot *s;
    rw_explain e;
    rw_result r;
    const char *text;
} run;

static void rewrite_with(run *x, const char *text, bool helpers)
{
    x->s = helpers ? fixture_schema() : fixture_schema_with(false);
    x->text = text;
    rw_context ctx = fixture_context(x->s);
    ctx.chars = RW_CHARS_BYTES;
    ctx.explain = &x->e;
    memset(&x->e, 0, sizeof x->e);
    assert_true(rw_rewrite(&ctx, text, strlen(text), &x->r));
}

static void rewrite(run *x, const char *text)
{
    rewrite_with(x, text, true);
}

static void done(run *x)
{
    rw_explain_free(&x->e);
    rw_result_free(&x->r);
    rw_snapshot_unref(x->s);
}

/* Is there a fact of this kind about this table for statement stmt? */
static bool has(const run *x, int stmt, rw_why_kind kind, const char *table)
{
    for (int i = 0; i < x->e.n; i++) {
        const rw_why *w = &x->e.items[i];
        if (w->stmt == stmt && w->kind == kind && (!table || strcmp(w->table->name, table) == 0))
            return true;
    }
    return false;
}

static int facts_of(const run *x, int stmt)
{
    int n = 0;
    for (int i = 0; i < x->e.n; i++)
        n += x->e.items[i].stmt == stmt;
    return n;
}

static void assert_stmt(const run *x, int i, const char *expected)
{
    const char *out;
    int len;
    rw_result_stmt_text(&x->r, x->text, i, &out, &len);
    assert_int_equal(len, (int)strlen(expected));
    assert_memory_equal(out, expected, (size_t)len);
}

static void test_filtered(void **state)
{
    (void)state;
    run x;
    rewrite(&x, "SELECT b.title FROM books b JOIN place_activities pa ON pa.id = b.id, "
                "books b2, tags");
    /* books once however often it is read; place_activities is hidden with its parents */
    assert_true(has(&x, 0, RW_WHY_FILTERED, "books"));
    assert_true(has(&x, 0, RW_WHY_FILTERED, "place_activities"));
    assert_int_equal(x.e.n, 2);
    done(&x);
}

static void test_statements(void **state)
{
    (void)state;
    run x;
    rewrite(&x, "SELECT 1; DELETE FROM flags WHERE id = 1 ;\nSELECT * FROM tags;"
                "SELECT * FROM books -- note\n");
    assert_int_equal(x.r.nstmts, 4);
    assert_int_equal(facts_of(&x, 0), 0);
    assert_true(has(&x, 1, RW_WHY_MARKED, "flags"));
    assert_true(has(&x, 1, RW_WHY_FILTERED, "flags"));
    assert_int_equal(facts_of(&x, 1), 2);
    assert_int_equal(facts_of(&x, 2), 0);
    assert_true(has(&x, 3, RW_WHY_FILTERED, "books"));
    assert_stmt(&x, 0, "SELECT 1");
    assert_stmt(&x, 1,
                "UPDATE flags SET is_deleted = true WHERE (id = 1) AND NOT flags.is_deleted");
    assert_stmt(&x, 2, "SELECT * FROM tags");
    assert_stmt(&x, 3, "SELECT * FROM books WHERE books.deleted_at IS NULL");
    done(&x);
}

static void test_marked(void **state)
{
    (void)state;
    run x;
    rewrite(&x, "MERGE INTO flags f USING tags t ON f.id = t.id WHEN MATCHED THEN DELETE");
    assert_true(has(&x, 0, RW_WHY_MARKED, "flags"));
    done(&x);
    /* a DELETE of a table without marker marks nothing (its rows go: it is not soft) */
    rewrite(&x, "DELETE FROM place_activities WHERE id = 3");
    assert_false(has(&x, 0, RW_WHY_MARKED, NULL));
    assert_true(has(&x, 0, RW_WHY_FILTERED, "place_activities"));
    done(&x);
}

static void test_refused(void **state)
{
    (void)state;
    run x;
    rewrite_with(&x, "SELECT * FROM books; DELETE FROM authors WHERE id = 1; SELECT 2", false);
    assert_true(has(&x, 0, RW_WHY_FILTERED, "books"));
    /* the refused statement keeps its refusal only: its reads were never sent */
    assert_int_equal(facts_of(&x, 1), 1);
    assert_true(has(&x, 1, RW_WHY_REFUSED, NULL));
    assert_non_null(
        strstr(x.e.items[x.e.n - 1].text, "without the triggers of `tombstone install`"));
    const char *out;
    int len;
    rw_result_stmt_text(&x.r, x.text, 1, &out, &len);
    assert_memory_equal(out, "DO ", 3);
    assert_stmt(&x, 2, "SELECT 2");
    done(&x);
}

static void test_unchanged(void **state)
{
    (void)state;
    run x;
    rewrite(&x, "SELECT 1;  SELECT 2");
    assert_null(x.r.sql);
    assert_int_equal(x.e.n, 0);
    assert_stmt(&x, 1, "SELECT 2");
    done(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filtered),  cmocka_unit_test(test_statements),
        cmocka_unit_test(test_marked),    cmocka_unit_test(test_refused),
        cmocka_unit_test(test_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
