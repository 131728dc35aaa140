-- insert_self_reference_same_statement.sql — a divergence found by tests/diff, minimized
-- (seed 4, statement 4 of the generator at commit 7a52410).
--
-- INSERT of a row whose self-referencing key names a row of the same statement (here
-- itself: id 12, up_id 12). PostgreSQL checks foreign keys after the statement, when the
-- row exists: INSERT 0 2. The proxy checks the parent among the rows before the
-- statement: 23503. (Also with WITH i AS (INSERT ...).)
--
-- S (proxy):  ERROR 23503 [t3_up_fk]: insert or update on table "t3" violates foreign key constraint "t3_up_fk"
-- H (direct): INSERT 0 2
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/insert_self_reference_same_statement.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t3 (id int NOT NULL, n int NOT NULL, v int, note text, t2_id int, t1_id int, up_id int, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
INSERT INTO t3 (id, n, v, note, t2_id, t1_id, up_id) VALUES (1, 3, 2, 'c', 1, 4, NULL);
ALTER TABLE t3 ADD CONSTRAINT t3_up_fk FOREIGN KEY (up_id) REFERENCES t3 (id) ON DELETE SET NULL;
-- @statements
-- @kind: insert_values
INSERT INTO t3 AS x (id, n, v, note, t2_id, t1_id, up_id) VALUES (11, 2, 8, NULL, 5, 4, 1), (12, 3, 1, NULL, 2, 5, 12);
