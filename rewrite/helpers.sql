-- The helper objects `tombstone install` creates in a database (schema "tombstone").
-- rewrite/helpers.c embeds this file in the binary; `tombstone install --print` shows it.
--
-- Why functions at all: PostgreSQL applies ON DELETE actions in triggers that run after the
-- parent row is locked and read the children with a fresh snapshot, so a child inserted by
-- a transaction that committed while the delete waited is still found. One SQL statement
-- has one snapshot, taken before it waits; these functions run each level of a cascade as
-- statements of their own (lock, then act), which under READ COMMITTED gives each level the
-- fresh snapshot PostgreSQL's triggers have. They also raise foreign-key errors with the
-- SQLSTATE, message, detail and constraint fields PostgreSQL uses, which plain SQL cannot.

CREATE SCHEMA IF NOT EXISTS tombstone;
GRANT USAGE ON SCHEMA tombstone TO PUBLIC;

-- One check of a foreign key that must not be referenced any more (RESTRICT, NO ACTION,
-- SET DEFAULT): step is a step of a cascade plan (rewrite/cascade.c), keys the deleted keys,
-- root the keys the statement itself deletes.
CREATE OR REPLACE FUNCTION tombstone.run_check(step jsonb, keys jsonb, root jsonb)
RETURNS void LANGUAGE plpgsql VOLATILE AS $tombstone$
DECLARE
    found jsonb;
BEGIN
    EXECUTE step->>'act' INTO found USING keys, root;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = format('update or delete on table "%s" violates foreign key constraint '
                             '"%s" on table "%s"', step->>'parent', step->>'con', step->>'child'),
            DETAIL = format('Key (%s)=(%s) is still referenced from table "%s".',
                            step->>'cols', found->>0, step->>'child'),
            SCHEMA = step->>'schema', TABLE = step->>'child', CONSTRAINT = step->>'con';
    END IF;
END
$tombstone$;

-- Checks of DEFERRABLE INITIALLY DEFERRED keys wait here for COMMIT (or SET CONSTRAINTS
-- ... IMMEDIATE), where a deferred constraint trigger runs them, as PostgreSQL runs its own.
CREATE UNLOGGED TABLE IF NOT EXISTS tombstone.deferred_checks (
    step jsonb NOT NULL,
    keys jsonb NOT NULL,
    root jsonb NOT NULL
);
GRANT SELECT, INSERT, DELETE ON tombstone.deferred_checks TO PUBLIC;

CREATE OR REPLACE FUNCTION tombstone.deferred_check() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $tombstone$
BEGIN
    PERFORM tombstone.run_check(NEW.step, NEW.keys, NEW.root);
    DELETE FROM tombstone.deferred_checks WHERE ctid = NEW.ctid;
    RETURN NULL;
END
$tombstone$;

DROP TRIGGER IF EXISTS deferred_checks ON tombstone.deferred_checks;
CREATE CONSTRAINT TRIGGER deferred_checks AFTER INSERT ON tombstone.deferred_checks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tombstone.deferred_check();

-- The foreign-key actions of a DELETE: the rewritten statement passes the keys of the rows
-- it marks and a plan: a list of steps, one per foreign key, each with SQL to lock the rows
-- it will mark ("lock"), SQL to act ("act": mark, set null or default, or look for a live
-- child), and the steps to run on the rows it marked ("next"). Checks run after every
-- cascade, as PostgreSQL checks keys at the end of the statement; deferred ones at COMMIT.
CREATE OR REPLACE FUNCTION tombstone.cascade(plan jsonb, keys jsonb) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $tombstone$
DECLARE
    queue jsonb := '[]';
    checks jsonb := '[]';
    item jsonb;
    step jsonb;
    found jsonb;
    steps int := 0;
BEGIN
    IF keys IS NULL OR jsonb_array_length(keys) = 0 THEN
        RETURN true;
    END IF;
    FOR i IN 0 .. jsonb_array_length(plan->'root') - 1 LOOP
        queue := queue || jsonb_build_array(jsonb_build_array(plan->'root'->i, keys));
    END LOOP;
    WHILE jsonb_array_length(queue) > 0 LOOP
        item := queue->0;
        queue := queue - 0;
        step := plan->'steps'->((item->>0)::int);
        steps := steps + 1;
        IF steps > 100000 THEN
            RAISE EXCEPTION USING ERRCODE = '54001',
                MESSAGE = 'tombstone: foreign-key cascade too deep';
        END IF;
        IF step->>'kind' = 'a' THEN
            checks := checks || jsonb_build_array(item);
            CONTINUE;
        END IF;
        IF step ? 'lock' THEN
            EXECUTE step->>'lock' USING item->1, keys;
        END IF;
        EXECUTE step->>'act' INTO found USING item->1, keys;
        IF found IS NOT NULL AND jsonb_array_length(found) > 0 THEN
            FOR i IN 0 .. jsonb_array_length(step->'next') - 1 LOOP
                queue := queue || jsonb_build_array(jsonb_build_array(step->'next'->i, found));
            END LOOP;
        END IF;
    END LOOP;
    FOR i IN 0 .. jsonb_array_length(checks) - 1 LOOP
        item := checks->i;
        step := plan->'steps'->((item->>0)::int);
        IF (step->>'deferred')::boolean THEN
            INSERT INTO tombstone.deferred_checks VALUES (step, item->1, keys);
        ELSE
            PERFORM tombstone.run_check(step, item->1, keys);
        END IF;
    END LOOP;
    RETURN true;
END
$tombstone$;

-- The same for one row, returning val: MERGE's WHEN MATCHED THEN DELETE becomes
-- UPDATE SET deleted_at = tombstone.cascade_row(plan, key, now()).
CREATE OR REPLACE FUNCTION tombstone.cascade_row(plan jsonb, key jsonb, val anyelement)
RETURNS anyelement LANGUAGE plpgsql VOLATILE AS $tombstone$
BEGIN
    PERFORM tombstone.cascade(plan, jsonb_build_array(key));
    RETURN val;
END
$tombstone$;

-- Wraps the value an INSERT, UPDATE or COPY gives a foreign-key column whose parent table is
-- soft-delete: looks the parent up among live rows and locks it FOR KEY SHARE (so a DELETE
-- under way makes this wait, then see its mark), and fails like PostgreSQL's own check.
CREATE OR REPLACE FUNCTION tombstone.check_ref(val anyelement, others text[], check_sql text,
    con text, child_schema text, child text, parent text, cols text) RETURNS anyelement
LANGUAGE plpgsql VOLATILE AS $tombstone$
DECLARE
    ok boolean;
BEGIN
    IF val IS NULL OR array_position(others, NULL) IS NOT NULL THEN
        RETURN val;
    END IF;
    EXECUTE check_sql INTO ok USING val, others;
    IF ok IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"',
                             child, con),
            DETAIL = format('Key (%s)=(%s) is not present in table "%s".', cols,
                            array_to_string(array_prepend(val::text, others), ', '), parent),
            SCHEMA = child_schema, TABLE = child, CONSTRAINT = con;
    END IF;
    RETURN val;
END
$tombstone$;

COMMENT ON SCHEMA tombstone IS 'tombstone helpers 2';
