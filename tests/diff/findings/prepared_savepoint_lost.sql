-- prepared_savepoint_lost.sql — a divergence found by tests/diff, minimized
-- (seed 26, statement 304 of the generator at commit 6897dd9, with main's proxy as merged
-- in 6ff16c1; the proxy before that merge did not diverge on this seed).
--
-- psycopg prepares a statement text on its own once it has run it 5 times
-- (prepare_threshold): from then on "SAVEPOINT s1", "BEGIN" and "COMMIT" go as named
-- statements (_pg3_0, ...) over the extended protocol, as in any application using
-- psycopg. No table is needed (the INSERT and MERGE fail with 42P01 on both sides, in
-- transactions). PostgreSQL: every SAVEPOINT succeeds. Through the proxy the last one fails
-- with 26000 "prepared statement "_pg3_0" does not exist": the proxy lost (or did not
-- forward) the named statement the client prepared, around the failed transactions.
--
-- S (proxy):  ERROR 26000: prepared statement "_pg3_0" does not exist
-- H (direct): SAVEPOINT
--
-- Replay: /usr/bin/python3 tests/diff/difftest.py --replay tests/diff/findings/prepared_savepoint_lost.sql
-- (exit status 1 while the proxy diverges; psql does not prepare, so it does not show it).
-- @setup
-- @statements
BEGIN;
SAVEPOINT s1;
SAVEPOINT s1;
SAVEPOINT s1;
SAVEPOINT s1;
SAVEPOINT s1;
SAVEPOINT s1;
COMMIT;
BEGIN;
-- @kind: insert_values
INSERT INTO t1 AS x (id, n, v, note, code) VALUES (17, 0, 2, 'b', 'c25'), (18, NULL, 3, 'new', 'c21'), (19, 8, 4, 'a', 'c15');
SAVEPOINT s1;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
BEGIN;
-- @kind: merge
MERGE INTO t1 x USING (VALUES (5, 7, 5), (5, 4, 5), (4, 4, 6)) AS s(id, n, v) ON x.id = s.id WHEN MATCHED AND s.n > 7 THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED AND s.id BETWEEN 20 AND 1999999999 THEN INSERT (id, n, v) VALUES (s.id, s.n, s.v);
SAVEPOINT s1;
COMMIT;
BEGIN;
SAVEPOINT s1;
