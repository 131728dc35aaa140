-- hidden_row_blocks_real_delete.sql — a divergence found by tests/diff, minimized
-- (seed 4, statement 48 of the generator at commit 6897dd9).
--
-- t6 has no marker; it CASCADEs from soft t3 and references t4 (no marker either) ON
-- DELETE NO ACTION. Deleting t3 row 2 hides t6 row 1. PostgreSQL, having removed that row
-- for real, then deletes t4 row 8: DELETE 1. In S the hidden t6 row still references t4
-- row 8 and PostgreSQL's own foreign-key trigger fires on the real delete of t4: 23503
-- t6_t4_fk. (The DELETE on t4 touches no soft table, so the proxy forwards it as is.)
-- Added by hand: table m (four setup lines) and the last two statements: a marked row of
-- a soft table (m, ON DELETE RESTRICT to t4) blocks the real delete of t4 row 9 the same
-- way (found as seed 34, statement 440, which the minimizer could not isolate).
--
-- S (proxy):  ERROR 23503 [t6_t4_fk]: update or delete on table "t4" violates foreign key constraint "t6_t4_fk" on table "t6"
-- H (direct): DELETE 1, 1 row(s): (8, 4)
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/hidden_row_blocks_real_delete.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t3 (id int NOT NULL, n int NOT NULL, v int, note text, t2_id int, t1_id int DEFAULT 1, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t4 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t3_id int, PRIMARY KEY (id), CONSTRAINT t4_code_key UNIQUE (code));
CREATE TABLE t6 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t3_id int NOT NULL, t4_id int, up_id int, PRIMARY KEY (id), CONSTRAINT t6_code_key UNIQUE (code));
INSERT INTO t3 (id, n, v, note, t2_id, t1_id) VALUES (2, 3, 7, NULL, NULL, 11);
INSERT INTO t4 (id, n, v, note, code, t3_id) VALUES (8, 4, 4, 'a', 'c28', 6);
INSERT INTO t6 (id, n, v, note, code, t3_id, t4_id, up_id) VALUES (1, 9, 3, NULL, 'c16', 2, 8, NULL);
CREATE TABLE m (id int NOT NULL, n int NOT NULL, t4_id int, deleted_at timestamptz, PRIMARY KEY (id));
INSERT INTO t4 (id, n, v, note, code, t3_id) VALUES (9, 0, NULL, NULL, NULL, NULL);
INSERT INTO m (id, n, t4_id) VALUES (1, 0, 9);
ALTER TABLE m ADD CONSTRAINT m_t4_fk FOREIGN KEY (t4_id) REFERENCES t4 (id) ON DELETE RESTRICT;
ALTER TABLE t6 ADD CONSTRAINT t6_t3_fk FOREIGN KEY (t3_id) REFERENCES t3 (id) ON DELETE CASCADE;
ALTER TABLE t6 ADD CONSTRAINT t6_t4_fk FOREIGN KEY (t4_id) REFERENCES t4 (id) ON DELETE NO ACTION;
-- @statements
-- @kind: delete_key
DELETE FROM t3 x WHERE x.id = 2;
-- @kind: delete_key
DELETE FROM t4 x WHERE x.id = 8 RETURNING x.id, x.n;
DELETE FROM m x WHERE x.id = 1;
DELETE FROM t4 x WHERE x.id = 9;
