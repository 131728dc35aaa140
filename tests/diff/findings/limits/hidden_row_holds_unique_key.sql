-- hidden_row_holds_unique_key.sql — a divergence found by tests/diff, minimized
-- (seed 37, statement 20 of the generator at commit 7a52410).
--
-- t6 has no marker and CASCADEs from soft t5: deleting t5 rows hides t6 (1, 4), whose
-- code 'c28' a real delete would have freed. PostgreSQL then inserts the row with code
-- 'c28' and fails on the next row's NULL n: 23502. In S the hidden row still holds its
-- code in t6's UNIQUE constraint: 23505.
--
-- S (proxy):  ERROR 23505 [t6_code_key]: duplicate key value violates unique constraint "t6_code_key"
-- H (direct): ERROR 23502: null value in column "n" of relation "t6" violates not-null constraint
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/hidden_row_holds_unique_key.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t5 (id int NOT NULL, n int NOT NULL, v int, note text, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t6 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, code text, t5_id int, PRIMARY KEY (a, b), CONSTRAINT t6_code_key UNIQUE (code));
INSERT INTO t5 (id, n, v, note, up_id) VALUES (1, 5, 6, 'b', NULL);
INSERT INTO t5 (id, n, v, note, up_id) VALUES (2, 8, 0, 'x y', 1);
INSERT INTO t5 (id, n, v, note, up_id) VALUES (5, 7, 1, 'b', 1);
INSERT INTO t6 (a, b, n, v, note, code, t5_id) VALUES (1, 4, 8, 4, 'c', 'c28', 5);
ALTER TABLE t5 ADD CONSTRAINT t5_up_fk FOREIGN KEY (up_id) REFERENCES t5 (id) ON DELETE CASCADE;
ALTER TABLE t6 ADD CONSTRAINT t6_t5_fk FOREIGN KEY (t5_id) REFERENCES t5 (id) ON DELETE CASCADE;
-- @statements
-- @kind: delete_subquery
DELETE FROM t5 p WHERE p.id IN (SELECT c.up_id FROM t5 c WHERE c.id = 2);
-- @kind: insert_values
INSERT INTO t6 AS x (a, b, n, v, note, code, t5_id) VALUES (5, 1, 8, 6, 'a', 'c28', NULL), (6, 3, NULL, 4, 'new', NULL, 3);
