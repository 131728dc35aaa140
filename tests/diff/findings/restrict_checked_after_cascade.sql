-- restrict_checked_after_cascade.sql — a divergence found by tests/diff, minimized
-- (seed 9, statement 118 of the generator at commit 7a52410).
--
-- t6 references t1 ON DELETE RESTRICT and t2 ON DELETE CASCADE, t2 references t1 ON DELETE
-- CASCADE. Deleting the t1 row: PostgreSQL's RESTRICT fails (23503 t6_t1_fk) although the
-- t6 row would also go by the cascade through t2. The proxy marks t2 and t6 and checks
-- RESTRICT as if it were NO ACTION, after the cascade: the delete succeeds. Here inside
-- WITH d AS (DELETE ...); a plain DELETE does the same.
--
-- S (proxy):  SELECT 1, 1 row(s): (1)
-- H (direct): ERROR 23503 [t6_t1_fk]: update or delete on table "t1" violates foreign key constraint "t6_t1_fk" on table "t6"
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/restrict_checked_after_cascade.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, up_id int, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, t1_id int NOT NULL, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t6 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int, t2_id int NOT NULL, deleted_at timestamptz, PRIMARY KEY (a, b));
INSERT INTO t1 (id, n, v, note, up_id) VALUES (5, 2, 3, 'it''s', NULL);
INSERT INTO t2 (id, n, v, note, t1_id) VALUES (9, 8, 4, 'a', 5);
INSERT INTO t6 (a, b, n, v, note, code, t1_id, t2_id) VALUES (1, 2, 8, 2, 'b', 'c3', 5, 9);
ALTER TABLE t2 ADD CONSTRAINT t2_t1_fk FOREIGN KEY (t1_id) REFERENCES t1 (id) ON DELETE CASCADE;
ALTER TABLE t6 ADD CONSTRAINT t6_t1_fk FOREIGN KEY (t1_id) REFERENCES t1 (id) ON DELETE RESTRICT;
ALTER TABLE t6 ADD CONSTRAINT t6_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE CASCADE;
-- @statements
-- @kind: cte_write
WITH d AS (DELETE FROM t1 p WHERE (p.note IS NOT NULL AND p.v IS NOT NULL) RETURNING p.id) SELECT count(*) FROM t2 c WHERE (c.t1_id) IN (SELECT * FROM d);
