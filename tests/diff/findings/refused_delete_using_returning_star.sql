-- refused_delete_using_returning_star.sql — a divergence found by tests/diff, minimized
-- (seed 50, statement 27 of the generator at commit 7a52410).
--
-- DELETE ... USING ... RETURNING * on a soft-delete table. PostgreSQL returns the deleted
-- target and USING rows (DELETE 0 here). The proxy refuses it with 0A000 ("RETURNING *
-- of a DELETE ... USING on a soft-delete table is not supported").
--
-- S (proxy):  ERROR 0A000: tombstone: RETURNING * of a DELETE ... USING on a soft-delete table is not supported on soft-delete tables (the statement was not run)
-- H (direct): DELETE 0, 0 row(s)
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/refused_delete_using_returning_star.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t1 (id int NOT NULL, n int NOT NULL, v int, note text, code text, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE UNIQUE INDEX t1_code_live ON t1 (code) WHERE NOT t1.is_deleted; -- @partial
CREATE TABLE t8 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, t1_id int DEFAULT 1, deleted_at timestamptz, PRIMARY KEY (a, b));
-- @statements
-- @kind: delete_using
DELETE FROM t8 c USING t1 p WHERE c.t1_id = p.id AND (p.v IS NULL AND p.id = 2000000006) RETURNING *;
