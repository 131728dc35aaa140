-- refused_update_set_composite_key.sql — a divergence found by tests/diff, minimized
-- (seed 24, statement 3 of the generator at commit 7a52410).
--
-- UPDATE ... SET a = 2, b = 3 of both columns of a composite foreign key to a soft-delete
-- table. PostgreSQL runs it (UPDATE 0). The proxy refuses it with 0A000 ("this form of
-- SET on a column that references a soft-delete table is not supported").
--
-- S (proxy):  ERROR 0A000: tombstone: this form of SET on a column that references a soft-delete table is not supported on soft-delete tables (the statement was not run)
-- H (direct): UPDATE 0, 0 row(s)
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/refused_update_set_composite_key.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t8 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, t7_id int DEFAULT 1, t6_id int, deleted_at timestamptz, PRIMARY KEY (a, b));
CREATE TABLE t10 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t8_a int, t8_b int, up_id int, PRIMARY KEY (id), CONSTRAINT t10_code_key UNIQUE (code));
ALTER TABLE t10 ADD CONSTRAINT t10_t8_fk FOREIGN KEY (t8_a, t8_b) REFERENCES t8 (a, b) ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED;
-- @statements
-- @kind: update_fk
UPDATE t10 x SET t8_a = 2, t8_b = 3 WHERE (x.n = 7 AND x.id IN (10, 11, 8)) RETURNING x.id, x.n;
