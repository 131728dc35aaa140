-- The helper objects `tombstone install` creates in a database (schema "tombstone").
-- rewrite/helpers.c embeds this file in the binary; `tombstone install --print` shows it,
-- followed by the call of tombstone.configure() with the [softdelete] settings.
--
-- Why triggers: PostgreSQL runs a foreign key's checks and ON DELETE actions as AFTER
-- triggers, queued per row and fired at the end of the statement (or at COMMIT when the
-- key is deferred), for every statement that writes: MERGE, data-modifying CTEs, COPY,
-- function bodies. A soft delete is an UPDATE of the marker, which PostgreSQL's own
-- triggers ignore; so tombstone adds triggers of its own, generated from the catalog, that
-- do for marked rows what PostgreSQL's do for deleted ones, at the same moment:
--   tombstone_a_<key>, on a soft-delete parent, AFTER UPDATE OF its marker, for a row going
--   tombstone_d_<key>,
--   tombstone_m_<key>
--                      from live to marked: the key's ON DELETE action (mark the live
--                      children with the parent's own marker value, SET NULL / SET
--                      DEFAULT, or fail with 23503 for RESTRICT / NO ACTION); a child
--                      without marker is hidden by reads, and the actions of its own
--                      keys run on the rows it hides. NO ACTION keys that are DEFERRABLE
--                      get a constraint trigger deferrable like the key. The checks (a)
--                      sort before SET NULL / SET DEFAULT (d), and these before the
--                      cascades (m): PostgreSQL fires the events a cascade queues after
--                      the ones already queued, so all of a row's own actions run before
--                      anything its cascades reach, while a trigger's nested statement
--                      fires its own triggers at its end.
--   tombstone_c_<key>, on a child whose parent loses rows to soft deletes, AFTER INSERT /
--   tombstone_u_<key>  AFTER UPDATE OF the key (skipped when the key did not change, as
--                      PostgreSQL skips it): the parent must be live, and is locked FOR KEY
--                      SHARE as PostgreSQL's check locks it; deferrable like the key.
--   $tombstone_k_<key> on a parent whose key marked or hidden rows still reference (ON
--                      UPDATE NO ACTION / RESTRICT): when the key changes, those rows follow
--                      it, as they would not block the change under real deletes.
--   $tombstone_r_<key> on a parent without marker whose key hidden rows of a table without
--                      marker reference (ON DELETE NO ACTION / RESTRICT): when the parent
--                      row really goes, they go too (unless that would take marked rows
--                      with them: tombstone.removable).
-- The two last sort before PostgreSQL's "RI_ConstraintTrigger_..." (triggers of one event
-- fire in name order), so they run before its check; the others sort after it.
-- Each trigger's name ends with a hash of what it does: tombstone.setup() creates what is
-- missing, drops what is no longer wanted and leaves the rest alone, so running it again
-- (`tombstone install` again, or the event trigger after DDL) costs nothing when nothing
-- changed. Every name built here is quoted with format('%I') and every text with '%L':
-- names from the catalog are data.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS tombstone;
GRANT USAGE ON SCHEMA tombstone TO PUBLIC;

-- version 2's inline helpers, replaced by the triggers
DROP FUNCTION IF EXISTS tombstone.cascade_row(jsonb, jsonb, anyelement);
DROP FUNCTION IF EXISTS tombstone.cascade(jsonb, jsonb);
DROP FUNCTION IF EXISTS tombstone.check_ref(anyelement, text[], text, text, text, text, text, text);
DROP TABLE IF EXISTS tombstone.deferred_checks;
DROP FUNCTION IF EXISTS tombstone.deferred_check();
DROP FUNCTION IF EXISTS tombstone.run_check(jsonb, jsonb, jsonb);

-- What makes a table soft-delete: the proxy's [softdelete] settings, written by
-- tombstone.configure() (which `tombstone install` calls) and read by tombstone.setup().
CREATE TABLE IF NOT EXISTS tombstone.settings (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    markers text[] NOT NULL,
    include text[] NOT NULL DEFAULT '{}',
    exclude text[] NOT NULL DEFAULT '{}'
);
GRANT SELECT ON tombstone.settings TO PUBLIC;

CREATE OR REPLACE FUNCTION tombstone.qname(rel oid) RETURNS text
LANGUAGE sql STABLE AS $tombstone$
    SELECT format('%I.%I', n.nspname, c.relname)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = rel
$tombstone$;

-- A table as a statement reads it: its own rows (ONLY), or a partitioned table's whole.
CREATE OR REPLACE FUNCTION tombstone.rel_ref(rel oid) RETURNS text
LANGUAGE sql STABLE AS $tombstone$
    SELECT CASE WHEN c.relkind = 'p' THEN '' ELSE 'ONLY ' END || tombstone.qname(rel)
    FROM pg_catalog.pg_class c WHERE c.oid = rel
$tombstone$;

CREATE OR REPLACE FUNCTION tombstone.colnames(rel oid, nums int2[]) RETURNS text[]
LANGUAGE sql STABLE AS $tombstone$
    SELECT array_agg(a.attname::text ORDER BY k.i)
    FROM unnest(nums) WITH ORDINALITY k(n, i)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = rel AND a.attnum = k.n
$tombstone$;

-- The marker column of a soft-delete table (first configured name it has, of a timestamp or
-- boolean type), or NULLs: the same rule as the proxy's catalog query (rewrite/snapshot.c).
CREATE OR REPLACE FUNCTION tombstone.marker(rel oid, OUT col text, OUT is_bool boolean)
LANGUAGE sql STABLE AS $tombstone$
    SELECT a.attname::text, a.atttypid = 'pg_catalog.bool'::pg_catalog.regtype
    FROM tombstone.settings s, unnest(s.markers) WITH ORDINALITY m(name, ord),
         pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attrelid = rel AND a.attname = m.name AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relkind IN ('r', 'p')
      AND a.atttypid IN ('pg_catalog.timestamp'::pg_catalog.regtype,
                         'pg_catalog.timestamptz'::pg_catalog.regtype,
                         'pg_catalog.bool'::pg_catalog.regtype)
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'tombstone')
      AND NOT starts_with(n.nspname, 'pg_temp_') AND NOT starts_with(n.nspname, 'pg_toast')
      AND (cardinality(s.include) = 0 OR n.nspname || '.' || c.relname = ANY (s.include))
      AND NOT (n.nspname || '.' || c.relname = ANY (s.exclude))
    ORDER BY m.ord LIMIT 1
$tombstone$;

-- The type of a column, as SQL writes it.
CREATE OR REPLACE FUNCTION tombstone.column_type(rel oid, col text) RETURNS text
LANGUAGE sql STABLE AS $tombstone$
    SELECT format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
    WHERE attrelid = rel AND attname = col
$tombstone$;

-- "a.x = b.y AND ...": the columns of two keys, pairwise.
CREATE OR REPLACE FUNCTION tombstone.key_eq(a text, acols text[], b text, bcols text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $tombstone$
    SELECT string_agg(format('%s.%I = %s.%I', a, acols[i], b, bcols[i]), ' AND ' ORDER BY i)
    FROM generate_subscripts(acols, 1) i
$tombstone$;

-- "a.x, a.y"
CREATE OR REPLACE FUNCTION tombstone.col_list(a text, cols text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $tombstone$
    SELECT string_agg(CASE WHEN a = '' THEN format('%I', c) ELSE format('%s.%I', a, c) END,
                      ', ' ORDER BY i)
    FROM unnest(cols) WITH ORDINALITY u(c, i)
$tombstone$;

-- The condition under which row `ref` of rel would not exist under real deletes, or NULL
-- when it always exists: its marker, or for a table without marker, a parent through an ON
-- DELETE CASCADE key gone (as rewrite/predicates.c writes it for reads, 8 tables deep).
CREATE OR REPLACE FUNCTION tombstone.gone(rel oid, ref text, path oid[] DEFAULT '{}')
RETURNS text LANGUAGE plpgsql STABLE AS $tombstone$
DECLARE
    m record;
    f record;
    alias text := format('_tomb%s', cardinality(path) + 1);
    cond text;
    terms text[] := '{}';
BEGIN
    SELECT * INTO m FROM tombstone.marker(rel);
    IF m.col IS NOT NULL THEN
        RETURN CASE WHEN m.is_bool THEN format('%s.%I', ref, m.col)
                    ELSE format('%s.%I IS NOT NULL', ref, m.col) END;
    END IF;
    IF cardinality(path) >= 8 THEN
        RETURN NULL;
    END IF;
    FOR f IN SELECT * FROM pg_catalog.pg_constraint
             WHERE contype = 'f' AND conparentid = 0 AND conrelid = rel AND confdeltype = 'c'
               AND confrelid <> ALL (path || rel) ORDER BY oid LOOP
        cond := tombstone.gone(f.confrelid, alias, path || rel);
        CONTINUE WHEN cond IS NULL;
        terms := terms || format('EXISTS (SELECT 1 FROM %s %s WHERE %s AND %s)',
            tombstone.qname(f.confrelid), alias,
            tombstone.key_eq(alias, tombstone.colnames(f.confrelid, f.confkey),
                             ref, tombstone.colnames(f.conrelid, f.conkey)), cond);
    END LOOP;
    IF cardinality(terms) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN CASE WHEN cardinality(terms) = 1 THEN terms[1]
                ELSE '(' || array_to_string(terms, ' OR ') || ')' END;
END
$tombstone$;

-- "NOT (gone)" or "true"
CREATE OR REPLACE FUNCTION tombstone.live(rel oid, ref text) RETURNS text
LANGUAGE sql STABLE AS $tombstone$
    SELECT coalesce('NOT (' || tombstone.gone(rel, ref) || ')', 'true')
$tombstone$;

-- Does a row of rel going away make anything happen beyond rel (a mark, a SET NULL, a
-- check)? A table without marker whose keys only cascade to more such tables needs
-- nothing: reads hide all of them.
CREATE OR REPLACE FUNCTION tombstone.has_actions(rel oid, depth int DEFAULT 0) RETURNS boolean
LANGUAGE plpgsql STABLE AS $tombstone$
BEGIN
    RETURN depth > 8 OR EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint f
        WHERE f.contype = 'f' AND f.conparentid = 0 AND f.confrelid = rel
          AND (f.confdeltype IN ('n', 'd', 'a', 'r')
               OR (tombstone.marker(f.conrelid)).col IS NOT NULL
               OR (f.conrelid <> rel AND tombstone.has_actions(f.conrelid, depth + 1))));
END
$tombstone$;

-- The rows of key fk's child (alias `alias`) that reference the rows going away: OLD itself
-- (src NULL), or the rows of a table without marker that OLD's deletion hides, src =
-- "FROM <table> vN WHERE ..." (alias vN, N = depth).
CREATE OR REPLACE FUNCTION tombstone.match_sql(fk oid, alias text, src text, depth int)
RETURNS text LANGUAGE sql STABLE AS $tombstone$
    SELECT CASE WHEN src IS NULL
        THEN tombstone.key_eq(alias, tombstone.colnames(f.conrelid, f.conkey),
                              'OLD', tombstone.colnames(f.confrelid, f.confkey))
        ELSE format('(%s) IN (SELECT %s %s)',
                    tombstone.col_list(alias, tombstone.colnames(f.conrelid, f.conkey)),
                    tombstone.col_list(format('v%s', depth),
                                       tombstone.colnames(f.confrelid, f.confkey)), src) END
    FROM pg_catalog.pg_constraint f WHERE f.oid = fk
$tombstone$;

-- The statements (PL/pgSQL) of key fk's ON DELETE action on the child rows that reference
-- the rows going away (see match_sql). `val` is the marker value of the row deleted (NULL
-- for a boolean marker). Needs a variable `held text` where it runs.
CREATE OR REPLACE FUNCTION tombstone.action_sql(fk oid, src text, depth int, val text)
RETURNS text LANGUAGE plpgsql STABLE AS $tombstone$
DECLARE
    f pg_catalog.pg_constraint;
    ccols text[];
    m record;
    child text;
    child_name text;
    match text := tombstone.match_sql(fk, 'y', src, depth);
    live text;
    out text := '';
    g oid;
BEGIN
    SELECT * INTO f FROM pg_catalog.pg_constraint WHERE oid = fk;
    ccols := tombstone.colnames(f.conrelid, f.conkey);
    child := tombstone.rel_ref(f.conrelid);
    child_name := (SELECT relname::text FROM pg_catalog.pg_class WHERE oid = f.conrelid);
    live := tombstone.live(f.conrelid, 'y');
    SELECT * INTO m FROM tombstone.marker(f.conrelid);
    IF f.confdeltype = 'c' AND m.col IS NOT NULL THEN
        -- the children get the parent's own marker value (a later restore finds them by it)
        RETURN format(E'\n    UPDATE %s y SET %I = %s WHERE %s AND %s;', child, m.col,
                      CASE WHEN m.is_bool THEN 'true' ELSE coalesce(val, 'now()') END,
                      match, live);
    ELSIF f.confdeltype = 'c' THEN
        IF depth >= 8 OR NOT tombstone.has_actions(f.conrelid) THEN
            RETURN '';
        END IF;
        FOR g IN SELECT oid FROM pg_catalog.pg_constraint
                 WHERE contype = 'f' AND conparentid = 0 AND confrelid = f.conrelid
                 ORDER BY oid LOOP
            out := out || tombstone.action_sql(g,
                format('FROM %s v%s WHERE %s', child, depth + 1,
                       tombstone.match_sql(fk, format('v%s', depth + 1), src, depth)),
                depth + 1, val);
        END LOOP;
        RETURN out;
    ELSIF f.confdeltype IN ('n', 'd') THEN
        out := format(E'\n    UPDATE %s y SET %s WHERE %s AND %s;', child,
            (SELECT string_agg(format('%I = %s', c, CASE WHEN f.confdeltype = 'n' THEN 'NULL'
                                                      ELSE 'DEFAULT' END), ', ')
             FROM unnest(coalesce(tombstone.colnames(f.conrelid, f.confdelsetcols), ccols)) c),
            match, live);
        IF f.confdeltype = 'n' THEN
            RETURN out;
        END IF;
    END IF;
    -- RESTRICT, NO ACTION, and SET DEFAULT after its update (a default equal to the key
    -- deleted still references it): fail if a live child references the rows gone
    RETURN out || format(
        E'\n    SELECT concat_ws(%L, %s) INTO held FROM %s y WHERE %s AND %s LIMIT 1;\n'
        '    IF held IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = %L, MESSAGE = %L,'
        ' DETAIL = %L || held || %L, SCHEMA = %L, TABLE = %L, CONSTRAINT = %L; END IF;',
        ', ', (SELECT string_agg(format('y.%I::text', c), ', ') FROM unnest(ccols) c),
        child, match, live, '23503',
        format('update or delete on table "%s" violates foreign key constraint "%s" on table "%s"',
               (SELECT relname FROM pg_catalog.pg_class WHERE oid = f.confrelid), f.conname,
               child_name),
        format('Key (%s)=(', array_to_string(tombstone.colnames(f.confrelid, f.confkey), ', ')),
        format(') is still referenced from table "%s".', child_name),
        (SELECT nspname::text FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c
           ON c.relnamespace = n.oid WHERE c.oid = f.conrelid),
        child_name, f.conname);
END
$tombstone$;

-- What names key fk's triggers: a hash of its table's and its own name, which a dump and
-- its restore keep (an oid would change: the restored triggers would no longer be the ones
-- the proxy looks for). rewrite/snapshot.h has the same expression (RW_FK_KEY_SQL).
CREATE OR REPLACE FUNCTION tombstone.fk_key(fk oid) RETURNS text
LANGUAGE sql STABLE AS $tombstone$
    SELECT left(md5(format('%I.%I.%I', n.nspname, c.relname, f.conname)), 12)
    FROM pg_catalog.pg_constraint f JOIN pg_catalog.pg_class c ON c.oid = f.conrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE f.oid = fk
$tombstone$;

-- Makes sure trigger `kind` of key fk exists on rel as described, with its function, and
-- returns its name (what it does, hashed, ends the name: a changed trigger is a new one).
CREATE OR REPLACE FUNCTION tombstone.ensure(rel oid, prefix text, kind text, fk oid,
    is_constraint boolean, event text, options text, cond text, body text)
RETURNS text LANGUAGE plpgsql AS $tombstone$
DECLARE
    h text := left(md5(concat_ws(E'\n', is_constraint, event, options, cond, body)), 8);
    fname text := format('tg_%s_%s_%s', kind, tombstone.fk_key(fk), h);
    tname text := format('%stombstone_%s_%s_%s', prefix, kind, tombstone.fk_key(fk), h);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = rel AND tgname = tname) THEN
        EXECUTE format('CREATE OR REPLACE FUNCTION tombstone.%I() RETURNS trigger '
                       'LANGUAGE plpgsql VOLATILE AS %L', fname,
                       E'DECLARE\n    held text;\nBEGIN' || body || E'\n    RETURN NULL;\nEND');
        EXECUTE format('CREATE %sTRIGGER %I %s ON %s %s FOR EACH ROW WHEN (%s) '
                       'EXECUTE FUNCTION tombstone.%I()',
                       CASE WHEN is_constraint THEN 'CONSTRAINT ' ELSE '' END, tname, event,
                       tombstone.qname(rel), options, cond, fname);
    END IF;
    RETURN tname;
END
$tombstone$;

-- "DEFERRABLE INITIALLY ..." as the key says, for a constraint trigger mirroring it.
CREATE OR REPLACE FUNCTION tombstone.deferral(f pg_catalog.pg_constraint) RETURNS text
LANGUAGE sql IMMUTABLE AS $tombstone$
    SELECT CASE WHEN NOT f.condeferrable THEN ''
                WHEN f.condeferred THEN 'DEFERRABLE INITIALLY DEFERRED'
                ELSE 'DEFERRABLE INITIALLY IMMEDIATE' END
$tombstone$;

-- tombstone_d_<key>: a parent row going from live to marked runs the key's ON DELETE action.
-- The row is locked FOR UPDATE first, as a DELETE locks it: a transaction that wrote a
-- child of it (and holds it FOR KEY SHARE) is waited for, and its child then seen.
CREATE OR REPLACE FUNCTION tombstone.delete_trigger(f pg_catalog.pg_constraint) RETURNS text
LANGUAGE plpgsql AS $tombstone$
DECLARE
    pm record;
    pcols text[] := tombstone.colnames(f.confrelid, f.confkey);
    parent text := tombstone.rel_ref(f.confrelid);
    keyed text := tombstone.key_eq('p', pcols, 'OLD', pcols);
    body text := '';
    act text;
BEGIN
    SELECT * INTO pm FROM tombstone.marker(f.confrelid);
    act := tombstone.action_sql(f.oid, NULL, 0,
                                CASE WHEN NOT pm.is_bool THEN format('NEW.%I', pm.col) END);
    IF act = '' THEN
        RETURN NULL;
    END IF;
    IF f.confdeltype = 'a' THEN
        -- NO ACTION: a live row with the key again (restored before a deferred check) is fine
        body := format(E'\n    IF EXISTS (SELECT 1 FROM %s p WHERE %s AND %s) THEN RETURN NULL; END IF;',
                       parent, keyed, tombstone.live(f.confrelid, 'p'));
    END IF;
    body := body || format(E'\n    PERFORM 1 FROM %s p WHERE %s FOR UPDATE OF p;', parent, keyed) || act;
    RETURN tombstone.ensure(f.confrelid, '', CASE WHEN f.confdeltype IN ('a', 'r') THEN 'a'
                                                  WHEN f.confdeltype = 'c' THEN 'm' ELSE 'd' END, f.oid,
        f.confdeltype = 'a' AND f.condeferrable, format('AFTER UPDATE OF %I', pm.col),
        CASE WHEN f.confdeltype = 'a' THEN tombstone.deferral(f) ELSE '' END,
        CASE WHEN pm.is_bool THEN format('NOT OLD.%1$I AND NEW.%1$I', pm.col)
             ELSE format('OLD.%1$I IS NULL AND NEW.%1$I IS NOT NULL', pm.col) END,
        body);
END
$tombstone$;

-- The statements (PL/pgSQL) that bring back, when a row of key fk's parent is restored (its
-- marker back to live), the rows its delete's cascade marked: the children of a CASCADE key
-- with the parent's marker value (`val`, OLD's, in the child's type as the cascade wrote it:
-- a timestamp child of a timestamptz parent is matched in the session's TimeZone, so
-- restore it in the TimeZone it was deleted in), or for a boolean marker, marked by the same
-- transaction as OLD (its xmin; a row changed since it was marked is no longer linked); and
-- through a child without marker, whose rows simply reappear, the rows its own CASCADE keys
-- marked. Children deleted on their own before keep their marker (another time, another
-- transaction). Rows a SET NULL / SET DEFAULT changed keep their new values, as after a
-- real delete. '' when the key's action marks nothing.
CREATE OR REPLACE FUNCTION tombstone.restore_sql(fk oid, src text, depth int, val text)
RETURNS text LANGUAGE plpgsql STABLE AS $tombstone$
DECLARE
    f pg_catalog.pg_constraint;
    m record;
    child text;
    match text := tombstone.match_sql(fk, 'y', src, depth);
    out text := '';
    g oid;
BEGIN
    SELECT * INTO f FROM pg_catalog.pg_constraint WHERE oid = fk;
    IF f.confdeltype <> 'c' THEN
        RETURN '';
    END IF;
    child := tombstone.rel_ref(f.conrelid);
    SELECT * INTO m FROM tombstone.marker(f.conrelid);
    IF m.col IS NOT NULL THEN
        RETURN format(E'\n    UPDATE %s y SET %I = %s WHERE %s AND %s;', child, m.col,
                      CASE WHEN m.is_bool THEN 'false' ELSE 'NULL' END, match,
                      CASE WHEN m.is_bool OR val IS NULL
                           THEN format('y.%I AND y.xmin = OLD.xmin', m.col)
                           ELSE format('y.%I = CAST(%s AS %s)', m.col, val,
                                       tombstone.column_type(f.conrelid, m.col)) END);
    END IF;
    IF depth >= 8 THEN
        RETURN '';
    END IF;
    FOR g IN SELECT oid FROM pg_catalog.pg_constraint
             WHERE contype = 'f' AND conparentid = 0 AND confrelid = f.conrelid
               AND conrelid <> f.conrelid ORDER BY oid LOOP
        out := out || tombstone.restore_sql(g,
            format('FROM %s v%s WHERE %s', child, depth + 1,
                   tombstone.match_sql(fk, format('v%s', depth + 1), src, depth)),
            depth + 1, val);
    END LOOP;
    RETURN out;
END
$tombstone$;

-- tombstone_v_<key>: a parent row going from marked back to live brings back what its
-- delete's cascade marked (restore_sql). The children's own v triggers then go on down,
-- and their c/u checks find this row live again.
CREATE OR REPLACE FUNCTION tombstone.restore_trigger(f pg_catalog.pg_constraint) RETURNS text
LANGUAGE plpgsql AS $tombstone$
DECLARE
    pm record;
    body text;
BEGIN
    SELECT * INTO pm FROM tombstone.marker(f.confrelid);
    body := tombstone.restore_sql(f.oid, NULL, 0,
                                  CASE WHEN NOT pm.is_bool THEN format('OLD.%I', pm.col) END);
    IF body = '' THEN
        RETURN NULL;
    END IF;
    RETURN tombstone.ensure(f.confrelid, '', 'v', f.oid, false,
        format('AFTER UPDATE OF %I', pm.col), '',
        CASE WHEN pm.is_bool THEN format('OLD.%1$I AND NOT NEW.%1$I', pm.col)
             ELSE format('OLD.%1$I IS NOT NULL AND NEW.%1$I IS NULL', pm.col) END,
        body);
END
$tombstone$;

-- tombstone_c_<key> and tombstone_u_<key>: a child row written with a key must find its
-- parent live, as PostgreSQL's check finds it present; the parent is locked FOR KEY SHARE
-- as that check locks it. An UPDATE that leaves the key as it was is not checked (unless
-- the row was live again, or written by this transaction: PostgreSQL's rule). The check
-- looks the row up again first (by its primary key): one deleted or changed since it was
-- written, by a cascade of the same statement or before a deferred check, needs none, as
-- PostgreSQL skips a row no longer valid.
CREATE OR REPLACE FUNCTION tombstone.check_triggers(f pg_catalog.pg_constraint) RETURNS text[]
LANGUAGE plpgsql AS $tombstone$
DECLARE
    cm record;
    pcols text[] := tombstone.colnames(f.confrelid, f.confkey);
    ccols text[] := tombstone.colnames(f.conrelid, f.conkey);
    pk text[];
    child_name text := (SELECT relname::text FROM pg_catalog.pg_class WHERE oid = f.conrelid);
    body text := '';
    set_ok text;
    new_live text := '';
    changed text;
BEGIN
    SELECT * INTO cm FROM tombstone.marker(f.conrelid);
    SELECT tombstone.colnames(f.conrelid, i.indkey::int2[]) INTO pk
    FROM pg_catalog.pg_index i WHERE i.indrelid = f.conrelid AND i.indisprimary;
    IF pk IS NOT NULL THEN
        -- (a soft child's own marker says whether it was deleted since; a child without marker
        -- is hidden when a parent is gone, which may be the very violation to report)
        body := format(E'\n    IF NOT EXISTS (SELECT 1 FROM %s c WHERE %s AND %s AND %s) THEN RETURN NULL; END IF;',
                       tombstone.rel_ref(f.conrelid), tombstone.key_eq('c', pk, 'NEW', pk),
                       tombstone.key_eq('c', ccols, 'NEW', ccols),
                       CASE WHEN cm.col IS NULL THEN 'true' ELSE tombstone.live(f.conrelid, 'c') END);
    END IF;
    body := body || format(
        E'\n    PERFORM 1 FROM %s p WHERE %s AND %s FOR KEY SHARE OF p;\n'
        '    IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = %L, MESSAGE = %L,'
        ' DETAIL = %L || concat_ws(%L, %s) || %L, SCHEMA = %L, TABLE = %L, CONSTRAINT = %L; END IF;',
        tombstone.rel_ref(f.confrelid), tombstone.key_eq('p', pcols, 'NEW', ccols),
        tombstone.live(f.confrelid, 'p'), '23503',
        format('insert or update on table "%s" violates foreign key constraint "%s"',
               child_name, f.conname),
        format('Key (%s)=(', array_to_string(ccols, ', ')), ', ',
        (SELECT string_agg(format('NEW.%I::text', c), ', ') FROM unnest(ccols) c),
        format(') is not present in table "%s".',
               (SELECT relname FROM pg_catalog.pg_class WHERE oid = f.confrelid)),
        (SELECT nspname::text FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c
           ON c.relnamespace = n.oid WHERE c.oid = f.conrelid),
        child_name, f.conname);
    set_ok := (SELECT string_agg(format('NEW.%I IS NOT NULL', c), ' AND ') FROM unnest(ccols) c);
    IF cm.col IS NOT NULL THEN
        new_live := CASE WHEN cm.is_bool THEN format(' AND NOT NEW.%I', cm.col)
                         ELSE format(' AND NEW.%I IS NULL', cm.col) END;
    END IF;
    changed := format('(%s) IS DISTINCT FROM (%s)', tombstone.col_list('NEW', ccols),
                      tombstone.col_list('OLD', ccols));
    IF cm.col IS NOT NULL THEN
        changed := changed || CASE WHEN cm.is_bool THEN format(' OR OLD.%I', cm.col)
                                   ELSE format(' OR OLD.%I IS NOT NULL', cm.col) END;
    END IF;
    changed := changed || ' OR OLD.xmin = pg_catalog.xid(pg_catalog.pg_current_xact_id_if_assigned())';
    RETURN ARRAY[
        tombstone.ensure(f.conrelid, '', 'c', f.oid, f.condeferrable, 'AFTER INSERT',
                         tombstone.deferral(f), set_ok || new_live, body),
        tombstone.ensure(f.conrelid, '', 'u', f.oid, f.condeferrable,
                         format('AFTER UPDATE OF %s', tombstone.col_list('', ccols || array_remove(ARRAY[cm.col], NULL))),
                         tombstone.deferral(f),
                         format('%s%s AND (%s)', set_ok, new_live, changed), body)];
END
$tombstone$;

-- $tombstone_k_<key> and $tombstone_r_<key>: marked and hidden rows do not hold a parent's
-- key under real deletes (they are gone). k: a key change that PostgreSQL's ON UPDATE NO
-- ACTION / RESTRICT check would refuse because of them takes them along instead. r: a
-- parent without marker really deleted takes with it the hidden rows (of a table without
-- marker none of whose keys cascades to a soft-delete table: no marked row goes with them)
-- that reference it through an ON DELETE NO ACTION / RESTRICT key: with that parent gone,
-- a restore could not bring them back.
CREATE OR REPLACE FUNCTION tombstone.invisible_trigger(f pg_catalog.pg_constraint, kind text)
RETURNS text LANGUAGE plpgsql AS $tombstone$
DECLARE
    pcols text[] := tombstone.colnames(f.confrelid, f.confkey);
    ccols text[] := tombstone.colnames(f.conrelid, f.conkey);
    follow boolean := kind = 'k';
BEGIN
    RETURN tombstone.ensure(f.confrelid, '$', kind, f.oid, false,
        CASE WHEN follow THEN format('AFTER UPDATE OF %s', tombstone.col_list('', pcols))
             ELSE 'AFTER DELETE' END, '',
        CASE WHEN follow THEN format('(%s) IS DISTINCT FROM (%s)', tombstone.col_list('OLD', pcols),
                                     tombstone.col_list('NEW', pcols))
             ELSE 'true' END,
        format(E'\n    %s %s y %s WHERE %s AND %s;',
               CASE WHEN follow THEN 'UPDATE' ELSE 'DELETE FROM' END,
               tombstone.rel_ref(f.conrelid),
               CASE WHEN follow THEN 'SET ' || (SELECT string_agg(format('%I = NEW.%I', ccols[i], pcols[i]), ', ')
                                                FROM generate_subscripts(ccols, 1) i)
                    ELSE '' END,
               tombstone.key_eq('y', ccols, 'OLD', pcols), tombstone.gone(f.conrelid, 'y')));
END
$tombstone$;

-- Can hidden rows of rel (a table without marker) be removed for real without taking a
-- marked row with them? Not when one of its keys cascades to a soft-delete table, directly
-- or through other tables without marker.
CREATE OR REPLACE FUNCTION tombstone.removable(rel oid, depth int DEFAULT 0) RETURNS boolean
LANGUAGE plpgsql STABLE AS $tombstone$
BEGIN
    RETURN depth <= 8 AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint g
        WHERE g.contype = 'f' AND g.confrelid = rel AND g.confdeltype = 'c'
          AND ((tombstone.marker(g.conrelid)).col IS NOT NULL
               OR (g.conrelid <> rel AND NOT tombstone.removable(g.conrelid, depth + 1))));
END
$tombstone$;

-- Creates the triggers every foreign key needs (above), drops the ones no longer needed
-- and their functions; returns how many triggers it created or dropped.
CREATE OR REPLACE FUNCTION tombstone.setup() RETURNS integer
LANGUAGE plpgsql AS $tombstone$
DECLARE
    f pg_catalog.pg_constraint;
    t record;
    before int;
    made int;
    wanted text[] := '{}';
    name text;
BEGIN
    SELECT count(*) INTO before FROM pg_catalog.pg_trigger
    WHERE tgparentid = 0 AND tgname ~ '^[$]?tombstone_[a-z]_[0-9a-f]+_[0-9a-f]{8}$';
    FOR f IN SELECT * FROM pg_catalog.pg_constraint
             WHERE contype = 'f' AND conparentid = 0 ORDER BY oid LOOP
        IF (tombstone.marker(f.confrelid)).col IS NOT NULL THEN
            wanted := wanted || format('%s/%s', f.confrelid, tombstone.delete_trigger(f));
            wanted := wanted || format('%s/%s', f.confrelid, tombstone.restore_trigger(f));
        END IF;
        IF tombstone.gone(f.confrelid, 'p') IS NOT NULL THEN
            FOR name IN SELECT unnest(tombstone.check_triggers(f)) LOOP
                wanted := wanted || format('%s/%s', f.conrelid, name);
            END LOOP;
        END IF;
        IF f.confupdtype IN ('a', 'r') AND tombstone.gone(f.conrelid, 'y') IS NOT NULL THEN
            wanted := wanted || format('%s/%s', f.confrelid, tombstone.invisible_trigger(f, 'k'));
        END IF;
        IF f.confdeltype IN ('a', 'r') AND (tombstone.marker(f.confrelid)).col IS NULL
           AND (tombstone.marker(f.conrelid)).col IS NULL
           AND tombstone.gone(f.conrelid, 'y') IS NOT NULL
           AND tombstone.removable(f.conrelid) THEN
            wanted := wanted || format('%s/%s', f.confrelid, tombstone.invisible_trigger(f, 'r'));
        END IF;
    END LOOP;
    SELECT count(*) - before INTO made FROM pg_catalog.pg_trigger
    WHERE tgparentid = 0 AND tgname ~ '^[$]?tombstone_[a-z]_[0-9a-f]+_[0-9a-f]{8}$';
    FOR t IN SELECT tgrelid, tgname FROM pg_catalog.pg_trigger
             WHERE tgparentid = 0 AND tgname ~ '^[$]?tombstone_[a-z]_[0-9a-f]+_[0-9a-f]{8}$'
               AND NOT format('%s/%s', tgrelid, tgname) = ANY (wanted) LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, tombstone.qname(t.tgrelid));
        made := made + 2;
    END LOOP;
    FOR t IN SELECT p.oid::regprocedure AS fn FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'tombstone'::regnamespace AND starts_with(p.proname, 'tg_')
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgfoid = p.oid) LOOP
        EXECUTE format('DROP FUNCTION %s', t.fn);
    END LOOP;
    RETURN made;
END
$tombstone$;

-- The [softdelete] settings, then the triggers they call for (`tombstone install`).
CREATE OR REPLACE FUNCTION tombstone.configure(markers text[], include text[], exclude text[])
RETURNS integer LANGUAGE plpgsql AS $tombstone$
BEGIN
    INSERT INTO tombstone.settings VALUES (true, markers, include, exclude)
    ON CONFLICT (only_row) DO UPDATE
        SET markers = EXCLUDED.markers, include = EXCLUDED.include, exclude = EXCLUDED.exclude;
    RETURN tombstone.setup();
END
$tombstone$;

-- After DDL that can change tables or keys, the triggers follow (an event trigger, which
-- only a superuser can create; without it, run `tombstone install` again after such DDL,
-- and until then the proxy refuses writes whose triggers are missing). It runs as the
-- role that installed it, so that DDL by a role that may not create triggers on every
-- table still works; a failure is a WARNING, never the DDL's failure.
CREATE OR REPLACE FUNCTION tombstone.on_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $tombstone$
BEGIN
    IF EXISTS (SELECT 1 FROM tombstone.settings) THEN
        PERFORM tombstone.setup();
    END IF;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'tombstone: foreign-key triggers not updated after %: %', tg_tag, SQLERRM
        USING HINT = 'Run `tombstone install` again.';
END
$tombstone$;
REVOKE ALL ON FUNCTION tombstone.on_ddl() FROM PUBLIC;

DO $tombstone$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        DROP EVENT TRIGGER IF EXISTS tombstone_ddl;
        CREATE EVENT TRIGGER tombstone_ddl ON ddl_command_end
            WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'DROP TABLE', 'CREATE SCHEMA',
                         'ALTER SCHEMA', 'DROP SCHEMA', 'CREATE TABLE AS', 'SELECT INTO',
                         'DROP OWNED')
            EXECUTE FUNCTION tombstone.on_ddl();
    ELSE
        RAISE WARNING 'tombstone: not a superuser, so no event trigger: run `tombstone install` '
                     'again after DDL that adds tables or foreign keys';
    END IF;
END
$tombstone$;

COMMENT ON SCHEMA tombstone IS 'tombstone helpers 5';
RESET client_min_messages;
