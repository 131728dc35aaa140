-- extended_parameter_type_lost.sql — a divergence found by tests/diff, minimized
-- (seed 1, statement 52 of the generator at commit 7a52410).
--
-- Extended protocol, parameters sent untyped (psycopg sends text as OID 0) in an UPDATE of
-- a composite foreign key. PostgreSQL infers $3 from `x.code = $3`: UPDATE 0. The proxy's
-- rewritten statement uses the parameter where its type cannot be inferred: 42P18 "could
-- not determine data type of parameter $3". Seen for UPDATE, INSERT ... ON CONFLICT and
-- DELETE ... USING; never over the simple protocol.
--
-- S (proxy):  ERROR 42P18: could not determine data type of parameter $3
-- H (direct): UPDATE 0, 0 row(s)
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/extended_parameter_type_lost.sql
-- (exit status 1 while the proxy diverges).
-- @setup
CREATE TABLE t2 (id int NOT NULL, n int NOT NULL, v int, note text, t1_id int, is_deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (id));
CREATE TABLE t6 (a int NOT NULL, b int NOT NULL, n int NOT NULL, v int, note text, t2_id int, PRIMARY KEY (a, b));
CREATE TABLE t7 (id int NOT NULL, n int NOT NULL, v int, note text, code text, t5_id int NOT NULL, t6_a int DEFAULT 1, t6_b int DEFAULT 1, up_id int, PRIMARY KEY (id), CONSTRAINT t7_code_key UNIQUE (code));
ALTER TABLE t6 ADD CONSTRAINT t6_t2_fk FOREIGN KEY (t2_id) REFERENCES t2 (id) ON DELETE CASCADE;
ALTER TABLE t7 ADD CONSTRAINT t7_t6_fk FOREIGN KEY (t6_a, t6_b) REFERENCES t6 (a, b) ON DELETE SET DEFAULT;
-- @statements
-- @kind: update_fk
-- @via: prepared
-- @params: (2000000001, 2000000001, 'c27', 11, 8, 12)
UPDATE t7 x SET t6_a = %s, t6_b = %s WHERE (x.code = %s AND x.id IN (%s, %s, %s)) RETURNING x.id, x.n;
