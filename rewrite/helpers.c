/* rewrite/helpers.c — the SQL of the helper functions `tombstone install` creates in a
 * database (schema "tombstone").
 *
 * Why functions at all: PostgreSQL applies ON DELETE actions in triggers that run after the
 * parent row is locked and read the children with a fresh snapshot, so a child inserted by
 * a transaction that committed while the delete waited is still found. One SQL statement
 * has one snapshot, taken before it waits; the functions below run each level of a cascade
 * as its own statements (lock, then act), which under READ COMMITTED gives each level the
 * fresh snapshot PostgreSQL's triggers have. They also raise foreign-key errors with the
 * SQLSTATE, message, detail and constraint fields PostgreSQL uses, which plain SQL cannot.
 *
 * tombstone.cascade(plan, keys): the rewritten DELETE passes the keys of the parent rows it
 * marks and a plan made by the rewriter (rewrite/cascade.c): a list of steps, one per
 * foreign key, each with SQL to lock the rows it will mark, SQL to act (mark, set null,
 * set default, or look for live children), and the steps to run on the rows it marked.
 * NO ACTION checks run after every cascade, as PostgreSQL checks them at statement end.
 *
 * tombstone.cascade_row(plan, key, value): the same for one row, returning value: MERGE's
 * WHEN MATCHED THEN DELETE becomes UPDATE SET deleted_at = cascade_row(..., now()).
 *
 * tombstone.check_ref(...): wraps the value an INSERT or UPDATE gives a foreign-key column
 * whose parent table is soft-delete; it locks the parent row FOR KEY SHARE only if it is
 * live, and fails like PostgreSQL's own check otherwise. */
#include "rewrite/helpers.h"

static const char helpers_sql[] =
    "CREATE SCHEMA IF NOT EXISTS tombstone;\n"
    "\n"
    "CREATE OR REPLACE FUNCTION tombstone.cascade(plan jsonb, keys jsonb) RETURNS boolean\n"
    "LANGUAGE plpgsql VOLATILE AS $tombstone$\n"
    "DECLARE\n"
    "    queue jsonb := '[]';\n"
    "    later jsonb := '[]';\n"
    "    item jsonb;\n"
    "    step jsonb;\n"
    "    found jsonb;\n"
    "    steps int := 0;\n"
    "BEGIN\n"
    "    IF keys IS NULL OR jsonb_array_length(keys) = 0 THEN\n"
    "        RETURN true;\n"
    "    END IF;\n"
    "    FOR i IN 0 .. jsonb_array_length(plan->'root') - 1 LOOP\n"
    "        queue := queue || jsonb_build_array(jsonb_build_array(plan->'root'->i, keys));\n"
    "    END LOOP;\n"
    "    WHILE jsonb_array_length(queue) > 0 OR jsonb_array_length(later) > 0 LOOP\n"
    "        IF jsonb_array_length(queue) > 0 THEN\n"
    "            item := queue->0;\n"
    "            queue := queue - 0;\n"
    "        ELSE\n"
    "            item := later->0;\n"
    "            later := later - 0;\n"
    "        END IF;\n"
    "        step := plan->'steps'->((item->>0)::int);\n"
    "        IF step->>'kind' = 'a' AND jsonb_array_length(queue) > 0 THEN\n"
    "            later := later || jsonb_build_array(item);\n"
    "            CONTINUE;\n"
    "        END IF;\n"
    "        steps := steps + 1;\n"
    "        IF steps > 100000 THEN\n"
    "            RAISE EXCEPTION USING ERRCODE = '54001',\n"
    "                MESSAGE = 'tombstone: foreign-key cascade too deep';\n"
    "        END IF;\n"
    "        IF step ? 'lock' THEN\n"
    "            EXECUTE step->>'lock' USING item->1, keys;\n"
    "        END IF;\n"
    "        EXECUTE step->>'act' INTO found USING item->1, keys;\n"
    "        IF step->>'kind' IN ('r', 'a') THEN\n"
    "            IF found IS NOT NULL THEN\n"
    "                RAISE EXCEPTION USING ERRCODE = '23503',\n"
    "                    MESSAGE = format('update or delete on table \"%s\" violates foreign key "
    "constraint \"%s\" on table \"%s\"', step->>'parent', step->>'con', step->>'child'),\n"
    "                    DETAIL = format('Key (%s)=(%s) is still referenced from table \"%s\".',\n"
    "                        step->>'cols', found->>0, step->>'child'),\n"
    "                    SCHEMA = step->>'schema', TABLE = step->>'child', CONSTRAINT = "
    "step->>'con';\n"
    "            END IF;\n"
    "        ELSIF found IS NOT NULL AND jsonb_array_length(found) > 0 THEN\n"
    "            FOR i IN 0 .. jsonb_array_length(step->'next') - 1 LOOP\n"
    "                queue := queue || jsonb_build_array(jsonb_build_array(step->'next'->i, "
    "found));\n"
    "            END LOOP;\n"
    "        END IF;\n"
    "    END LOOP;\n"
    "    RETURN true;\n"
    "END\n"
    "$tombstone$;\n"
    "\n"
    "CREATE OR REPLACE FUNCTION tombstone.cascade_row(plan jsonb, key jsonb, val anyelement)\n"
    "RETURNS anyelement LANGUAGE plpgsql VOLATILE AS $tombstone$\n"
    "BEGIN\n"
    "    PERFORM tombstone.cascade(plan, jsonb_build_array(key));\n"
    "    RETURN val;\n"
    "END\n"
    "$tombstone$;\n"
    "\n"
    "CREATE OR REPLACE FUNCTION tombstone.check_ref(val anyelement, others text[], check_sql "
    "text,\n"
    "    con text, child_schema text, child text, parent text, cols text) RETURNS anyelement\n"
    "LANGUAGE plpgsql VOLATILE AS $tombstone$\n"
    "DECLARE\n"
    "    ok boolean;\n"
    "BEGIN\n"
    "    IF val IS NULL OR array_position(others, NULL) IS NOT NULL THEN\n"
    "        RETURN val;\n"
    "    END IF;\n"
    "    EXECUTE check_sql INTO ok USING val, others;\n"
    "    IF ok IS NULL THEN\n"
    "        RAISE EXCEPTION USING ERRCODE = '23503',\n"
    "            MESSAGE = format('insert or update on table \"%s\" violates foreign key "
    "constraint \"%s\"', child, con),\n"
    "            DETAIL = format('Key (%s)=(%s) is not present in table \"%s\".', cols,\n"
    "                array_to_string(array_prepend(val::text, others), ', '), parent),\n"
    "            SCHEMA = child_schema, TABLE = child, CONSTRAINT = con;\n"
    "    END IF;\n"
    "    RETURN val;\n"
    "END\n"
    "$tombstone$;\n"
    "\n"
    "COMMENT ON SCHEMA tombstone IS 'tombstone helpers " RW_HELPERS_VERSION "';\n";

const char *rw_helpers_install_sql(void)
{
    return helpers_sql;
}
