-- ddl_partial_unique.sql — issue 10: a unique index made partial while the session runs (the
-- migration the README recommends: CREATE UNIQUE INDEX ... WHERE deleted_at IS NULL, then
-- drop the full one). Before, a deleted row still holds its key (S refuses to re-insert
-- while H accepts: a documented limit, not shown here); after, the application's
-- ON CONFLICT (code), written for the full index, keeps working on S because the proxy adds
-- the new index's predicate — the statement prepared before the change included. H keeps a
-- full index (the DO block sees whether the proxy's helpers are there, i.e. whether this is S).
CREATE TABLE pu_items (id int PRIMARY KEY, code text NOT NULL, qty int NOT NULL, deleted_at timestamptz);
CREATE UNIQUE INDEX pu_items_code ON pu_items (code);
INSERT INTO pu_items VALUES (1, 'a', 1), (2, 'b', 1), (3, 'c', 1);
PREPARE pu_upsert(text) AS INSERT INTO pu_items (id, code, qty) VALUES (100 + length($1), $1, 1)
  ON CONFLICT (code) DO UPDATE SET qty = pu_items.qty + 1 RETURNING id, code, qty;
EXECUTE pu_upsert('a');
DO $do$
BEGIN
    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'tombstone') THEN
        CREATE UNIQUE INDEX pu_items_code_live ON pu_items (code) WHERE deleted_at IS NULL;
        DROP INDEX pu_items_code;
    END IF;
END
$do$;
DELETE FROM pu_items WHERE code = 'b';
EXECUTE pu_upsert('b');
EXECUTE pu_upsert('c');
INSERT INTO pu_items (id, code, qty) VALUES (50, 'b', 7) ON CONFLICT (code) DO UPDATE SET qty = excluded.qty RETURNING id, code, qty;
SELECT id, code, qty FROM pu_items ORDER BY id;
