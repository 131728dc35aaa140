-- insert_fk_error_before_not_null.sql — a divergence found by tests/diff, minimized
-- (seed 37, statement 21 of the generator at commit 7a52410).
--
-- INSERT of a row with NULL in a NOT NULL column and a missing parent. PostgreSQL raises
-- the NOT NULL violation (23502) when it forms the row; the foreign key would be checked
-- at the end of the statement. The proxy checks the parent first: 23503.
--
-- S (proxy):  ERROR 23503 [t6_t5_fk]: insert or update on table "t6" violates foreign key constraint "t6_t5_fk"
-- H (direct): ERROR 23502: null value in column "n" of relation "t6" violates not-null constraint
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/insert_fk_error_before_not_null.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t5 (id int NOT NULL, n int NOT NULL, v int, note text, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t6 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, code text, t5_id int, PRIMARY KEY (a, b), CONSTRAINT t6_code_key UNIQUE (code));
ALTER TABLE t6 ADD CONSTRAINT t6_t5_fk FOREIGN KEY (t5_id) REFERENCES t5 (id) ON DELETE CASCADE;
-- @statements
-- @kind: insert_values
INSERT INTO t6 AS x (a, b, n, v, note, code, t5_id) VALUES (7, 3, NULL, 2, 'a', 'c28', 7) RETURNING *;
