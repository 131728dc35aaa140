-- insert_select_untyped_literal.sql — a divergence found by tests/diff, minimized
-- (seed 15, statement 3 of the generator at commit 7a52410).
--
-- INSERT ... SELECT whose select list has an untyped literal ('5', NULL) for an int column.
-- PostgreSQL types the SELECT of an INSERT against the target columns: '5' becomes an
-- int, and here no row qualifies: INSERT 0 0 (with rows: the insert, or the row's own
-- error, 23502 / 23503). The proxy runs the SELECT where its untyped literals resolve to
-- text: 42804 "column n is of type integer but expression is of type text", for every
-- such statement, hiding the real error too (S 42804 where H says 23502 or 23503).
--
-- S (proxy):  ERROR 42804: column "n" is of type integer but expression is of type text
-- H (direct): INSERT 0 0
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/insert_select_untyped_literal.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t1_id int, up_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE UNIQUE INDEX t2_code_live ON t2 (code) WHERE t2.deleted_at IS NULL; -- @partial
CREATE TABLE t3 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t2_id int, deleted_at timestamptz, PRIMARY KEY (id));
CREATE UNIQUE INDEX t3_code_live ON t3 (code) WHERE t3.deleted_at IS NULL; -- @partial
ALTER TABLE t2 ADD CONSTRAINT t2_up_fk FOREIGN KEY (up_id) REFERENCES t2 (id) ON DELETE CASCADE;
-- @statements
-- @kind: insert_select
INSERT INTO t2 (id, n, v, note, t1_id, up_id) SELECT y.id + 1000000, '5', NULL, 'copied', 7, 8 FROM t3 y WHERE y.v IS NOT NULL AND y.id < 1000000;
