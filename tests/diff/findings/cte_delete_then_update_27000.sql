-- cte_delete_then_update_27000.sql — a divergence found by tests/diff, minimized
-- (seed 22, statement 97 of the generator at commit 7a52410).
--
-- WITH d AS (DELETE FROM t7 ... RETURNING n) UPDATE t7 ... WHERE n IN (SELECT n FROM d):
-- the UPDATE reaches the row the CTE deletes. PostgreSQL: the deleted row is skipped,
-- UPDATE 1. The proxy's marking UPDATE (and its cascade through the self-reference) and
-- the outer UPDATE hit the same row: 27000 "tuple to be updated was already modified by
-- an operation triggered by the current command".
--
-- S (proxy):  ERROR 27000: tuple to be updated was already modified by an operation triggered by the current command
-- H (direct): UPDATE 1
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/cte_delete_then_update_27000.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t7 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t3_id int, t4_id int, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE UNIQUE INDEX t7_code_live ON t7 (code) WHERE t7.deleted_at IS NULL; -- @partial
INSERT INTO t7 (id, n, v, note, code, t3_id, t4_id, up_id) VALUES (1, 7, 1, 'x y', 'c23', 6, 3, NULL);
INSERT INTO t7 (id, n, v, note, code, t3_id, t4_id, up_id) VALUES (2, 2, 0, 'it''s', 'c9', 9, 10, 1);
INSERT INTO t7 (id, n, v, note, code, t3_id, t4_id, up_id) VALUES (7, 2, 3, 'it''s', NULL, 4, 3, 2);
ALTER TABLE t7 ADD CONSTRAINT t7_up_fk FOREIGN KEY (up_id) REFERENCES t7 (id) ON DELETE CASCADE;
-- @statements
-- @kind: cte_write
WITH d AS (DELETE FROM t7 c WHERE c.id = 2 RETURNING c.n) UPDATE t7 p SET v = 0 WHERE p.n IN (SELECT n FROM d);
