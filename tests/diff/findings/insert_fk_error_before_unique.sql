-- insert_fk_error_before_unique.sql — a divergence found by tests/diff, minimized
-- (seed 16, statement 53 of the generator at commit 7a52410).
--
-- A multi-row INSERT whose first row repeats a unique code and whose rows name missing
-- parents. PostgreSQL inserts row by row and checks unique indexes then, foreign keys
-- only at the end of the statement (AFTER triggers): 23505. The proxy checks the parents
-- before the statement runs: 23503, another SQLSTATE and constraint.
--
-- S (proxy):  ERROR 23503 [t2_t1_fk]: insert or update on table "t2" violates foreign key constraint "t2_t1_fk"
-- H (direct): ERROR 23505 [t2_code_live]: duplicate key value violates unique constraint "t2_code_live"
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/insert_fk_error_before_unique.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, code text, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int NOT NULL, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE UNIQUE INDEX t2_code_live ON t2 (code) WHERE NOT t2.is_deleted; -- @partial
INSERT INTO t1 (id, n, v, note, code) VALUES (5, 1, 2, 'b', NULL);
INSERT INTO t2 (id, n, v, note, code, t1_id) VALUES (2, 1, 2, NULL, 'c4', 5);
ALTER TABLE t2 ADD CONSTRAINT t2_t1_fk FOREIGN KEY (t1_id) REFERENCES t1 (id) ON DELETE CASCADE;
-- @statements
-- @kind: insert_values
INSERT INTO t2 AS x (id, n, v, note, code, t1_id) VALUES (8, 8, 5, 'new', 'c4', 2000000006), (9, 4, 9, NULL, 'c8', 2000000002), (10, 5, 4, 'b', 'c21', 7) RETURNING *;
