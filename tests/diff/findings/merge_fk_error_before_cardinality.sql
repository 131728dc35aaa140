-- merge_fk_error_before_cardinality.sql — a divergence found by tests/diff, minimized
-- (seed 2, statement 197 of the generator at commit 7a52410).
--
-- MERGE whose source has two rows matching target row 4 (one DELETE, one UPDATE), the
-- delete being forbidden by a NO ACTION key of t5. PostgreSQL fails on the second match:
-- 21000 "MERGE command cannot affect row a second time". The proxy reports the foreign
-- key first: 23503 t5_t3_fk.
--
-- S (proxy):  ERROR 23503 [t5_t3_fk]: update or delete on table "t3" violates foreign key constraint "t5_t3_fk" on table "t5"
-- H (direct): ERROR 21000: MERGE command cannot affect row a second time
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/merge_fk_error_before_cardinality.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, t1_id int NOT NULL, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t3 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t2_id int NOT NULL, t1_id int NOT NULL, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t5 (id int NOT NULL, n int NOT NULL, v int, note text, t3_id int NOT NULL, up_id int, PRIMARY KEY (id));
INSERT INTO t2 (id, n, v, note, t1_id) VALUES (4, 0, 8, 'it''s', 1);
INSERT INTO t3 (id, n, v, note, code, t2_id, t1_id) VALUES (2, 8, NULL, 'c', 'c26', 4, 3);
INSERT INTO t5 (id, n, v, note, t3_id, up_id) VALUES (6, 4, 0, NULL, 2, 3);
ALTER TABLE t3 ADD CONSTRAINT t3_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE CASCADE;
ALTER TABLE t5 ADD CONSTRAINT t5_t3_fk FOREIGN KEY (t3_id) REFERENCES t3 (id) ON DELETE NO ACTION;
-- @statements
-- @kind: merge
MERGE INTO t2 x USING (VALUES (4, 6, 7, 3), (4, 4, 3, 2), (15, 5, 5, 8)) AS s(id, n, v, t1_id) ON x.id = s.id WHEN MATCHED AND s.n > 5 THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v, t1_id = s.t1_id;
