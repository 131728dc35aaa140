-- deferred_fk_checked_at_update.sql — a divergence found by tests/diff, minimized
-- (seed 2, statement 251 of the generator at commit 7a52410).
--
-- In a transaction, UPDATE of a child's key to a missing parent under a foreign key NO
-- ACTION DEFERRABLE INITIALLY DEFERRED. PostgreSQL accepts it (UPDATE 1) and checks at
-- COMMIT. The proxy checks at once: 23503.
--
-- S (proxy):  ERROR 23503 [t3_t1_fk]: insert or update on table "t3" violates foreign key constraint "t3_t1_fk"
-- H (direct): UPDATE 1, 1 row(s): (10, 7, 9, 'a', NULL, 1, 10, False)
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/deferred_fk_checked_at_update.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t3 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t2_id int NOT NULL, t1_id int NOT NULL, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
INSERT INTO t1 (id, n, v, note) VALUES (4, 3, 4, 'it''s');
INSERT INTO t3 (id, n, v, note, code, t2_id, t1_id) VALUES (10, 7, 9, 'a', NULL, 1, 4);
ALTER TABLE t3 ADD CONSTRAINT t3_t1_fk FOREIGN KEY (t1_id) REFERENCES t1 (id) ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED;
-- @statements
BEGIN;
-- @kind: update_fk
UPDATE t3 x SET t1_id = 10 WHERE (x.v > 8 AND x.v IS NOT NULL) RETURNING *;
