-- What `tombstone install` adds so that proxies learn of DDL made anywhere (directly on
-- PostgreSQL, through another instance) within a second, and so that a DELETE reaching a
-- soft-delete table unrewritten in that second is refused by the database itself instead
-- of deleting rows. rewrite/watch.c embeds this file; it runs after helpers.sql, as a
-- superuser (event triggers need one; without them a proxy sees outside DDL only when its
-- schema_refresh timer fires). Running it again is harmless. Every name it builds into SQL
-- goes through format('%I') or a regclass: names are data.

CREATE SCHEMA IF NOT EXISTS tombstone;
GRANT USAGE ON SCHEMA tombstone TO PUBLIC;

-- The catalog epoch: one row per backend that ran DDL, n its DDL statements. The sum of n
-- grows with every committed DDL statement and never shrinks (uncommitted ones are not seen),
-- and DDL of two backends touches two rows: it never waits on this table. Proxies read the
-- sum every second (the catalog query reads it too) and read the catalog again when it moved.
CREATE TABLE IF NOT EXISTS tombstone.catalog_epoch (pid int PRIMARY KEY, n bigint NOT NULL);
GRANT SELECT ON tombstone.catalog_epoch TO PUBLIC;

-- The [softdelete] settings of the proxy (which columns are markers, which tables are, or
-- are never, soft-delete tables) are the row of tombstone.settings, which helpers.sql creates
-- and tombstone.configure() writes before this script runs; the guard reads the same row.

-- The guard: a statement trigger on every soft-delete table. A DELETE sent through a proxy
-- (the proxy logs its sessions in with tombstone.proxied = on) is always rewritten into an
-- UPDATE; one that reaches the table itself was forwarded with a catalog snapshot from
-- before the table got its marker, and must not run. Deletes of other connections, and the
-- ones a foreign key's ON DELETE CASCADE runs (pg_trigger_depth() > 1), and a session that
-- chose real deletes (tombstone.deletes = hard, which the proxy leaves to PostgreSQL to
-- keep), are not touched.
CREATE OR REPLACE FUNCTION tombstone.refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $tombstone$
BEGIN
    IF current_setting('tombstone.proxied', true) = 'on' AND pg_trigger_depth() = 1
       AND current_setting('tombstone.deletes', true) IS DISTINCT FROM 'hard' THEN
        RAISE EXCEPTION USING ERRCODE = '0A000',
            MESSAGE = format('tombstone: a DELETE reached the soft-delete table %I.%I without '
                             'being rewritten; the statement was not run', TG_TABLE_SCHEMA,
                             TG_TABLE_NAME),
            HINT = 'The proxy had not read its marker yet (run the statement again), or the '
                   'DELETE is in a DO block or a function body, which the proxy does not '
                   'rewrite (mark the rows with UPDATE there, or SET tombstone.deletes = hard).';
    END IF;
    RETURN NULL;
END
$tombstone$;

-- Is this table soft-delete by the settings (a marker column of a timestamp or boolean type,
-- included, not excluded)?
CREATE OR REPLACE FUNCTION tombstone.is_soft(rel regclass) RETURNS boolean
LANGUAGE sql STABLE AS $tombstone$
    SELECT EXISTS (
        SELECT FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid
          CROSS JOIN tombstone.settings s
        WHERE c.oid = rel AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname = ANY (s.markers)
          AND a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'bool'::regtype)
          AND ns.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT starts_with(ns.nspname, 'pg_temp_') AND NOT starts_with(ns.nspname, 'pg_toast')
          AND (s.include = '{}' OR ns.nspname || '.' || c.relname = ANY (s.include))
          AND NOT ns.nspname || '.' || c.relname = ANY (s.exclude))
$tombstone$;

-- Adds the guard to these tables where they are soft-delete and lack it.
CREATE OR REPLACE FUNCTION tombstone.guard(rels regclass[]) RETURNS void
LANGUAGE plpgsql AS $tombstone$
DECLARE
    rel regclass;
BEGIN
    FOREACH rel IN ARRAY rels LOOP
        IF tombstone.is_soft(rel) AND NOT EXISTS (
               SELECT FROM pg_trigger WHERE tgrelid = rel AND tgname = 'tombstone_refuse_delete') THEN
            EXECUTE format('CREATE TRIGGER tombstone_refuse_delete BEFORE DELETE ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION tombstone.refuse_delete()', rel);
        END IF;
    END LOOP;
END
$tombstone$;

-- Every DDL statement, whoever runs it: the epoch moves, and the tables it created or
-- altered get the guard when they are soft-delete now. SECURITY DEFINER: the role running
-- the DDL need not own tombstone's objects.
CREATE OR REPLACE FUNCTION tombstone.count_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $tombstone$
BEGIN
    INSERT INTO tombstone.catalog_epoch VALUES (pg_backend_pid(), 1)
        ON CONFLICT (pid) DO UPDATE SET n = tombstone.catalog_epoch.n + 1;
    IF TG_EVENT = 'ddl_command_end' THEN
        PERFORM tombstone.guard(ARRAY(
            SELECT DISTINCT objid::regclass FROM pg_event_trigger_ddl_commands()
            WHERE classid = 'pg_class'::regclass AND objsubid = 0
              AND object_type IN ('table', 'table column')));
    END IF;
END
$tombstone$;

REVOKE ALL ON FUNCTION tombstone.count_ddl() FROM PUBLIC;

DROP EVENT TRIGGER IF EXISTS tombstone_epoch;
CREATE EVENT TRIGGER tombstone_epoch ON ddl_command_end EXECUTE FUNCTION tombstone.count_ddl();
DROP EVENT TRIGGER IF EXISTS tombstone_epoch_drop;
CREATE EVENT TRIGGER tombstone_epoch_drop ON sql_drop EXECUTE FUNCTION tombstone.count_ddl();
