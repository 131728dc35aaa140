-- restrict_self_reference_in_cascade.sql — a divergence found by tests/diff, minimized
-- (seed 31, statement 11 of the generator at commit 7a52410).
--
-- t6 (no marker) CASCADEs from soft t2 and references itself ON DELETE RESTRICT; deleting
-- t2 row 9 cascades to t6 rows 2 and 7, and 7 references 2. PostgreSQL deletes both:
-- DELETE 1. The proxy finds row 7 still referencing row 2 among the rows it hides: 23503
-- t6_up_fk.
--
-- S (proxy):  ERROR 23503 [t6_up_fk]: update or delete on table "t6" violates foreign key constraint "t6_up_fk" on table "t6"
-- H (direct): DELETE 1, 1 row(s): (9, 0)
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/restrict_self_reference_in_cascade.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE TABLE t6 (id int NOT NULL, n int NOT NULL, v int, note text, t2_id int NOT NULL, t3_id int, up_id int, PRIMARY KEY (id));
INSERT INTO t1 (id, n, v, note) VALUES (1, 6, 4, 'a');
INSERT INTO t2 (id, n, v, note, code, t1_id) VALUES (1, 9, 7, 'it''s', 'c6', 7);
INSERT INTO t2 (id, n, v, note, code, t1_id) VALUES (9, 0, 3, 'c', NULL, 1);
INSERT INTO t6 (id, n, v, note, t2_id, t3_id, up_id) VALUES (1, 0, 3, 'b', 1, NULL, NULL);
INSERT INTO t6 (id, n, v, note, t2_id, t3_id, up_id) VALUES (2, 3, 7, 'c', 9, 1, 1);
INSERT INTO t6 (id, n, v, note, t2_id, t3_id, up_id) VALUES (7, 5, 5, 'a', 9, 1, 2);
ALTER TABLE t6 ADD CONSTRAINT t6_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE CASCADE;
ALTER TABLE t6 ADD CONSTRAINT t6_up_fk FOREIGN KEY (up_id) REFERENCES t6 (id) ON DELETE RESTRICT;
-- @statements
-- @kind: delete_using
DELETE FROM t2 c USING t1 p WHERE c.t1_id = p.id AND p.id = 1 RETURNING c.id, c.n;
