-- pgbench's TPC-B-like script as tombstone rewrites it on bench_soft: run directly against
-- PostgreSQL, it measures what the added predicates cost the server.
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE (aid = :aid) AND pgbench_accounts.deleted_at IS NULL;
SELECT abalance FROM pgbench_accounts WHERE (aid = :aid) AND pgbench_accounts.deleted_at IS NULL;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE (tid = :tid) AND pgbench_tellers.deleted_at IS NULL;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE (bid = :bid) AND pgbench_branches.deleted_at IS NULL;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
