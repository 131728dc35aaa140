-- refused_update_set_row_subselect.sql — a divergence found by tests/diff, minimized
-- (seed 3, statement 1 of the generator at commit 7a52410).
--
-- UPDATE ... SET (fk) = (SELECT ...) on a foreign key to a soft-delete table.
-- PostgreSQL runs it (UPDATE 0 here: no row 8). The proxy refuses it with 0A000 ("this
-- form of SET on a column that references a soft-delete table is not supported"), also
-- when it would find no row. Equivalence needs the referenced-parent check for this form.
--
-- S (proxy):  ERROR 0A000: tombstone: this form of SET on a column that references a soft-delete table is not supported on soft-delete tables (the statement was not run)
-- H (direct): UPDATE 0
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/refused_update_set_row_subselect.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, t1_id int, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t4 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t2_id int, t1_id int DEFAULT 1, PRIMARY KEY (id), CONSTRAINT t4_code_key UNIQUE (code));
CREATE TABLE t6 (id int NOT NULL, n int NOT NULL, v int, note text, t4_id int DEFAULT 1, deleted_at timestamptz, PRIMARY KEY (id));
ALTER TABLE t4 ADD CONSTRAINT t4_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE CASCADE;
ALTER TABLE t6 ADD CONSTRAINT t6_t4_fk FOREIGN KEY (t4_id) REFERENCES t4 (id) ON DELETE SET DEFAULT;
-- @statements
-- @kind: update_row
UPDATE t6 x SET (t4_id) = (SELECT p.id FROM t4 p WHERE p.id = 4) WHERE x.id = 8;
