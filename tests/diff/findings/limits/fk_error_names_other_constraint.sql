-- fk_error_names_other_constraint.sql — a divergence found by tests/diff, minimized
-- (seed 15, statement 48 of the generator at commit 7a52410).
--
-- A DELETE that two foreign keys forbid: an immediate NO ACTION key (t4_up_fk, reached
-- through cascades) and a NO ACTION DEFERRABLE INITIALLY DEFERRED one (t5_t2_fk).
-- PostgreSQL fails at the end of the statement on the immediate one, t4_up_fk. The proxy
-- names t5_t2_fk: same SQLSTATE, another constraint (and a deferred key raised before
-- COMMIT). Other shapes of this class: two keys violated by one INSERT or MERGE row.
--
-- S (proxy):  ERROR 23503 [t5_t2_fk]: update or delete on table "t2" violates foreign key constraint "t5_t2_fk" on table "t5"
-- H (direct): ERROR 23503 [t4_up_fk]: update or delete on table "t4" violates foreign key constraint "t4_up_fk" on table "t4"
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/fk_error_names_other_constraint.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t4 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t2_id int, t1_id int, up_id int, PRIMARY KEY (id), CONSTRAINT t4_code_key UNIQUE (code));
CREATE TABLE t5 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t2_id int, deleted_at timestamptz, PRIMARY KEY (id));
INSERT INTO t1 (id, n, v, note) VALUES (1, 8, 2, 'a');
INSERT INTO t1 (id, n, v, note) VALUES (2, 8, 7, 'b');
INSERT INTO t1 (id, n, v, note) VALUES (8, 1, 9, 'c');
INSERT INTO t1 (id, n, v, note) VALUES (9, 6, 5, NULL);
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (1, 4, 0, 'b', NULL, 1, NULL);
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (2, 4, 1, 'c', 'c28', NULL, 1);
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (3, 7, 0, 'x y', 'c8', 8, 2);
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (6, 6, NULL, 'it''s', 'c20', 9, 3);
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (9, 1, 8, 'c', 'c29', NULL, 6);
INSERT INTO t2 (id, n, v, note, code, t1_id, up_id) VALUES (10, 5, 6, 'it''s', NULL, 2, 1);
INSERT INTO t4 (id, n, v, note, code, t2_id, t1_id, up_id) VALUES (1, 7, 6, 'c', 'c17', 3, 6, NULL);
INSERT INTO t4 (id, n, v, note, code, t2_id, t1_id, up_id) VALUES (2, 7, 6, 'b', 'c19', 2, 4, 1);
INSERT INTO t4 (id, n, v, note, code, t2_id, t1_id, up_id) VALUES (5, 2, 6, 'it''s', 'c5', 9, NULL, 2);
INSERT INTO t5 (id, n, v, note, code, t2_id) VALUES (10, 7, 6, 'a', 'c22', 10);
ALTER TABLE t2 ADD CONSTRAINT t2_t1_fk FOREIGN KEY (t1_id) REFERENCES t1 (id) ON DELETE CASCADE;
ALTER TABLE t2 ADD CONSTRAINT t2_up_fk FOREIGN KEY (up_id) REFERENCES t2 (id) ON DELETE CASCADE;
ALTER TABLE t4 ADD CONSTRAINT t4_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE CASCADE;
ALTER TABLE t4 ADD CONSTRAINT t4_up_fk FOREIGN KEY (up_id) REFERENCES t4 (id) ON DELETE NO ACTION;
ALTER TABLE t5 ADD CONSTRAINT t5_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED;
-- @statements
-- @kind: delete_where
DELETE FROM t1 x WHERE x.id = 1 RETURNING *;
