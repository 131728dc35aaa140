-- pgbench -S (select only) as tombstone rewrites it on bench_soft: run directly against
-- PostgreSQL, it measures what the added predicate costs the server.
\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE (aid = :aid) AND pgbench_accounts.deleted_at IS NULL;
