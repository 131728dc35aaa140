-- upsert_fk_checked_on_conflicting_row.sql — a divergence found by tests/diff, minimized
-- (seed 38, statement 3 of the generator at commit 7a52410).
--
-- INSERT ... ON CONFLICT (code) DO UPDATE whose proposed row names a missing parent in a
-- column the DO UPDATE does not write. PostgreSQL checks foreign keys of the rows it
-- writes: the conflict turns the row into an UPDATE of the existing row, whose key is
-- fine: INSERT 0 1. The proxy checks the parent of every proposed row first: 23503. The
-- same with DO NOTHING (a skipped row is not checked by PostgreSQL).
--
-- S (proxy):  ERROR 23503 [t2_t1_fk]: insert or update on table "t2" violates foreign key constraint "t2_t1_fk"
-- H (direct): INSERT 0 1
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/upsert_fk_checked_on_conflicting_row.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int NOT NULL, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE UNIQUE INDEX t2_code_live ON t2 (code) WHERE t2.deleted_at IS NULL; -- @partial
INSERT INTO t1 (id, n, v, note) VALUES (10, 0, 0, 'c');
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (11, 6, 0, 'c', 'c22', 10, 3);
ALTER TABLE t2 ADD CONSTRAINT t2_t1_fk FOREIGN KEY (t1_id) REFERENCES t1 (id) ON DELETE CASCADE;
-- @statements
-- @kind: upsert
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (12, 3, 3, NULL, 'c22', 2000000005, 1) ON CONFLICT (code) DO UPDATE SET v = EXCLUDED.v, n = t2.n + 1, up_id = EXCLUDED.up_id;
