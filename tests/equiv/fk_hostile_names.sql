-- fk_hostile_names.sql — SPEC §6 "names from the catalog and the client are data": tables,
-- columns and constraints whose names hold $tombstone$ (the proxy's dollar-quote tag) and
-- $tombstone1$, quotes, backslashes, newlines, tabs, keywords ("select", "user", "order"),
-- 63 bytes (ASCII and multi-byte UTF-8), through every SQL the proxy generates: a DELETE
-- whose plan cascades (CASCADE to a soft child, to a hidden unmarked child and its soft
-- child), sets NULL and DEFAULT, is held back by RESTRICT, NO ACTION (two-column key) and a
-- deferred NO ACTION (errors name the constraint and columns as PostgreSQL does); inserts,
-- INSERT ... SELECT, UPDATE and COPY of keys referencing deleted parents; WHERE CURRENT OF,
-- RETURNING naming USING tables, MERGE ... THEN DELETE; upserts inferring a partial unique
-- index whose column and predicate have such names — with standard_conforming_strings on,
-- and off (where a backslash in a '...' literal is an escape).
CREATE TABLE "p$tombstone$'""\x" (
    "i""d'\" int PRIMARY KEY,
    "select" int NOT NULL DEFAULT 0,
    "order" text,
    deleted_at timestamptz,
    UNIQUE ("i""d'\", "select")
);
CREATE TABLE "c$tombstone1$x" (
    id int PRIMARY KEY,
    "p$tombstone1$id" int CONSTRAINT "fk$tombstone$ '""\
	1" REFERENCES "p$tombstone$'""\x" ON DELETE CASCADE,
    "u""q'\" text,
    deleted_at timestamptz
);
CREATE TABLE "select" (
    id int PRIMARY KEY,
    "user" int CONSTRAINT "order" REFERENCES "p$tombstone$'""\x" ON DELETE SET NULL
);
CREATE TABLE "tab	here" (
    id int PRIMARY KEY,
    "x$tombstone" int DEFAULT 0 CONSTRAINT "d$" REFERENCES "p$tombstone$'""\x" ON DELETE SET DEFAULT
);
CREATE TABLE "new
line" (
    id int PRIMARY KEY,
    "$$" int CONSTRAINT "r'""\
	$tombstone$" REFERENCES "p$tombstone$'""\x" ON DELETE RESTRICT
);
CREATE TABLE "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL$tombstone$" (
    id int PRIMARY KEY,
    "éééééééééééééééééééééééééééééééz" int CONSTRAINT "€€€€€€€€€€€€€€€€€€€€€" REFERENCES "p$tombstone$'""\x" DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE "multi\col" (
    id int PRIMARY KEY,
    "a'1" int,
    "b""2" int,
    deleted_at timestamptz,
    CONSTRAINT "$tombstone1$" FOREIGN KEY ("a'1", "b""2") REFERENCES "p$tombstone$'""\x" ("i""d'\", "select")
);
CREATE TABLE "hid$tombstone$den" (
    id int PRIMARY KEY,
    "p'ref" int REFERENCES "p$tombstone$'""\x" ON DELETE CASCADE
);
CREATE TABLE "g'\" (
    id int PRIMARY KEY,
    "c7""ref" int CONSTRAINT "user" REFERENCES "hid$tombstone$den" ON DELETE CASCADE,
    deleted_at timestamptz
);
INSERT INTO "p$tombstone$'""\x" ("i""d'\", "select", "order") VALUES
    (0, 0, 'zero'), (1, 1, 'one'), (2, 2, 'two'), (3, 3, 'three'), (4, 4, 'four'),
    (5, 5, 'five'), (6, 6, 'six'), (7, 7, 'seven'), (8, 8, 'eight'), (9, 9, 'nine');
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id", "u""q'\") VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 1, 'c'), (13, 6, 'd'),
    (14, 7, 'e'), (15, 8, 'f');
INSERT INTO "select" VALUES (20, 1), (21, 2);
INSERT INTO "tab	here" VALUES (30, 1), (31, 2);
INSERT INTO "new
line" VALUES (40, 3);
INSERT INTO "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL$tombstone$" VALUES (50, 4);
INSERT INTO "multi\col" (id, "a'1", "b""2") VALUES (60, 5, 5), (61, 9, 9);
INSERT INTO "hid$tombstone$den" VALUES (70, 1), (71, 2), (72, 6);
INSERT INTO "g'\" (id, "c7""ref") VALUES (80, 70), (81, 71), (82, 72);
-- cascade, hide, set null, set default
DELETE FROM "p$tombstone$'""\x" WHERE "i""d'\" = 1 RETURNING "i""d'\", "order", deleted_at;
SELECT id, "p$tombstone1$id", "u""q'\" FROM "c$tombstone1$x" ORDER BY id;
SELECT * FROM "select" ORDER BY id;
SELECT * FROM "tab	here" ORDER BY id;
SELECT * FROM "hid$tombstone$den" ORDER BY id;
SELECT id, "c7""ref" FROM "g'\" ORDER BY id;
-- RESTRICT, NO ACTION on two columns, deferred NO ACTION: 23503 naming them
DELETE FROM "p$tombstone$'""\x" WHERE "i""d'\" = 3;
DELETE FROM "p$tombstone$'""\x" AS "user" WHERE "user"."i""d'\" = 5;
BEGIN;
DELETE FROM "p$tombstone$'""\x" WHERE "i""d'\" = 4;
COMMIT;
SELECT "i""d'\", "order" FROM "p$tombstone$'""\x" ORDER BY "i""d'\";
-- writing a key that references a deleted parent
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id") VALUES (16, 1);
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id") SELECT 17, 1;
UPDATE "c$tombstone1$x" SET "p$tombstone1$id" = 1 WHERE id = 11;
COPY "c$tombstone1$x" (id, "p$tombstone1$id") FROM STDIN;
18	2
19	1
\.
INSERT INTO "multi\col" (id, "a'1", "b""2") VALUES (62, 1, 1);
INSERT INTO "multi\col" (id, "a'1", "b""2") VALUES (63, 0, 0) RETURNING id;
-- the same with standard_conforming_strings off
SET standard_conforming_strings = off;
DELETE FROM "p$tombstone$'""\x" WHERE "i""d'\" = 2;
DELETE FROM "p$tombstone$'""\x" WHERE "i""d'\" = 3;
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id") VALUES (20, 2);
SELECT id, "p$tombstone1$id", "u""q'\" FROM "c$tombstone1$x" ORDER BY id;
SELECT * FROM "select" ORDER BY id;
-- actions row by row: WHERE CURRENT OF, RETURNING naming the USING table, MERGE
BEGIN;
DECLARE "c$tombstone$" CURSOR FOR SELECT "i""d'\" FROM "p$tombstone$'""\x" WHERE "i""d'\" = 6 FOR UPDATE;
FETCH 1 FROM "c$tombstone$";
DELETE FROM "p$tombstone$'""\x" WHERE CURRENT OF "c$tombstone$";
COMMIT;
DELETE FROM "p$tombstone$'""\x" p USING "c$tombstone1$x" c WHERE c."p$tombstone1$id" = p."i""d'\" AND c.id = 14 RETURNING p."i""d'\", c.id;
RESET standard_conforming_strings;
MERGE INTO "p$tombstone$'""\x" p USING (VALUES (8), (9)) AS v(k) ON p."i""d'\" = v.k WHEN MATCHED THEN DELETE;
DELETE FROM "multi\col" WHERE id = 61;
MERGE INTO "p$tombstone$'""\x" p USING (VALUES (8), (9)) AS v(k) ON p."i""d'\" = v.k WHEN MATCHED THEN DELETE;
SELECT "i""d'\", "order" FROM "p$tombstone$'""\x" ORDER BY "i""d'\";
SELECT id, "p$tombstone1$id", "u""q'\" FROM "c$tombstone1$x" ORDER BY id;
SELECT * FROM "hid$tombstone$den" ORDER BY id;
SELECT id, "c7""ref" FROM "g'\" ORDER BY id;
-- upserts: the unique index on "u""q'\" is partial in S (which has the helpers of `tombstone
-- install`) and full in H, as schema.sql's @partial indexes are; its predicate holds a
-- backslash and $tombstone$. The proxy does not see DDL inside a DO block: the ALTER INDEX
-- makes it read the catalog again, in a session with standard_conforming_strings off,
-- where pg_get_expr doubles the backslash.
SET standard_conforming_strings = off;
DO $do$
BEGIN
    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'tombstone') THEN
        CREATE UNIQUE INDEX "uq$tombstone$" ON "c$tombstone1$x" ("u""q'\")
            WHERE deleted_at IS NULL AND "u""q'\" <> E'a\\b''$tombstone$';
    ELSE
        CREATE UNIQUE INDEX "uq$tombstone$" ON "c$tombstone1$x" ("u""q'\");
    END IF;
END
$do$;
ALTER INDEX "uq$tombstone$" SET (fillfactor = 90);
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id", "u""q'\") VALUES (90, 0, 'a') ON CONFLICT ("u""q'\") DO NOTHING RETURNING id;
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id", "u""q'\") VALUES (91, 0, 'b') ON CONFLICT ("u""q'\") DO NOTHING RETURNING id;
RESET standard_conforming_strings;
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id", "u""q'\") VALUES (92, 0, 'f')
    ON CONFLICT ("u""q'\") DO UPDATE SET "p$tombstone1$id" = excluded."p$tombstone1$id" RETURNING id, "p$tombstone1$id";
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id", "u""q'\") VALUES (93, 0, 'a')
    ON CONFLICT ("u""q'\") DO UPDATE SET "p$tombstone1$id" = 1 RETURNING id;
INSERT INTO "c$tombstone1$x" (id, "p$tombstone1$id", "u""q'\") VALUES (94, 0, 'b')
    ON CONFLICT ("u""q'\") DO UPDATE SET "p$tombstone1$id" = 0 RETURNING id, "p$tombstone1$id";
SELECT id, "p$tombstone1$id", "u""q'\" FROM "c$tombstone1$x" ORDER BY id;
