-- ddl_transaction.sql — issue 10: DDL inside a transaction, each statement its own Query:
-- the statements after it see what the transaction created or altered (the proxy reads the
-- catalog inside the transaction), and the rollback of the DDL (ROLLBACK, ROLLBACK TO
-- SAVEPOINT) takes its effect away: a DELETE is real again.
CREATE TABLE tx_plain (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO tx_plain VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e');
BEGIN;
ALTER TABLE tx_plain ADD COLUMN deleted_at timestamptz;
DELETE FROM tx_plain WHERE id = 1;
SELECT id, name FROM tx_plain ORDER BY id;
COMMIT;
SELECT id, name FROM tx_plain ORDER BY id;
DELETE FROM tx_plain WHERE id = 2;
SELECT count(*) FROM tx_plain;
CREATE TABLE tx_undone (id int PRIMARY KEY);
INSERT INTO tx_undone VALUES (1), (2), (3), (4);
BEGIN;
ALTER TABLE tx_undone ADD COLUMN deleted_at timestamptz;
DELETE FROM tx_undone WHERE id = 1;
SELECT * FROM tx_undone ORDER BY id;
ROLLBACK;
DELETE FROM tx_undone WHERE id = 2;
SELECT * FROM tx_undone ORDER BY id;
BEGIN;
SAVEPOINT before_marker;
ALTER TABLE tx_undone ADD COLUMN is_deleted boolean NOT NULL DEFAULT false;
DELETE FROM tx_undone WHERE id = 3;
ROLLBACK TO SAVEPOINT before_marker;
DELETE FROM tx_undone WHERE id = 4;
SELECT * FROM tx_undone ORDER BY id;
COMMIT;
SELECT * FROM tx_undone ORDER BY id;
BEGIN;
CREATE TABLE tx_new (id int PRIMARY KEY, deleted_at timestamptz);
INSERT INTO tx_new SELECT generate_series(1, 4);
DELETE FROM tx_new WHERE id % 2 = 0;
SELECT * FROM tx_new ORDER BY id;
COMMIT;
SELECT * FROM tx_new ORDER BY id;
