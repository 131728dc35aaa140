-- merge_insert_fk_unchecked.sql — a divergence found by tests/diff, minimized
-- (seed 28, statement 113 of the generator at commit 7a52410).
--
-- MERGE ... WHEN NOT MATCHED THEN INSERT of a row whose parent (t2 id 10) was deleted just
-- before. PostgreSQL: 23503 t7_t2_fk. The proxy does not check the parent of rows a MERGE
-- inserts: MERGE 1, and a live t7 row references a marked t2 row.
--
-- S (proxy):  MERGE 1
-- H (direct): ERROR 23503 [t7_t2_fk]: insert or update on table "t7" violates foreign key constraint "t7_t2_fk"
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/merge_insert_fk_unchecked.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t7 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, t2_id int, t3_id int NOT NULL, PRIMARY KEY (a, b));
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (10, 2, 3, 'c', 'c21', 3, 8);
ALTER TABLE t7 ADD CONSTRAINT t7_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE SET NULL;
-- @statements
-- @kind: delete_where
DELETE FROM t2 x WHERE x.id = 10 RETURNING *;
-- @kind: merge
MERGE INTO t7 x USING (VALUES (8, 2, 5, 6, 10, 1), (3, 4, 0, 5, 6, 1)) AS s(a, b, n, v, t2_id, t3_id) ON x.a = s.a AND x.b = s.b WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED AND s.a BETWEEN 8 AND 1999999999 THEN INSERT (a, b, n, v, t2_id, t3_id) VALUES (s.a, s.b, s.n, s.v, s.t2_id, s.t3_id);
