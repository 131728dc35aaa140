-- merge_delete_cascade_27000.sql — a divergence found by tests/diff, minimized
-- (seed 32, statement 112 of the generator at commit 7a52410).
--
-- MERGE deleting rows 2 and 4 of t5 (WHEN MATCHED AND s.n > 6 THEN DELETE), where row 4
-- is also reached by row 2's ON DELETE CASCADE self-reference (2 <- 3 <- 4). PostgreSQL:
-- MERGE 2 (the cascade runs after the MERGE). The proxy's cascade of row 2 marks row 4
-- inside the same command, and the MERGE then reaches it: 27000 "tuple to be updated or
-- deleted was already modified by an operation triggered by the current command".
--
-- S (proxy):  ERROR 27000: tuple to be updated or deleted was already modified by an operation triggered by the current command
-- H (direct): MERGE 2
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/merge_delete_cascade_27000.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t5 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t4_id int, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
INSERT INTO t5 (id, n, v, note, code, t4_id, up_id) VALUES (1, 3, 0, 'x y', 'c26', NULL, NULL);
INSERT INTO t5 (id, n, v, note, code, t4_id, up_id) VALUES (2, 9, 0, 'b', 'c10', 8, 1);
INSERT INTO t5 (id, n, v, note, code, t4_id, up_id) VALUES (3, 9, 6, 'c', 'c23', NULL, 2);
INSERT INTO t5 (id, n, v, note, code, t4_id, up_id) VALUES (4, 5, 7, NULL, 'c13', 2, 3);
ALTER TABLE t5 ADD CONSTRAINT t5_up_fk FOREIGN KEY (up_id) REFERENCES t5 (id) ON DELETE CASCADE;
-- @statements
-- @kind: merge
MERGE INTO t5 x USING (VALUES (2, 9, 7, 2000000004, 3), (4, 9, 3, 5, 2000000001)) AS s(id, n, v, t4_id, up_id) ON x.id = s.id WHEN MATCHED AND s.n > 6 THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED AND s.id BETWEEN 13 AND 1999999999 THEN INSERT (id, n, v, t4_id, up_id) VALUES (s.id, s.n, s.v, s.t4_id, s.up_id);
