-- fk_restrict.sql — SPEC §4 ON DELETE RESTRICT (orders.user_id → users, orders being soft
-- itself): deleting a user with live orders fails with 23503 naming orders_user_id_fkey and
-- nothing changes (also for the other rows of the same statement); once the orders are
-- deleted (marked), they no longer block; RESTRICT inside a transaction and a savepoint.
DELETE FROM users WHERE id = 1;
SELECT count(*) FROM users;
DELETE FROM users WHERE id IN (15, 2);
SELECT id FROM users WHERE id IN (2, 15) ORDER BY id;
INSERT INTO orders (user_id, total) VALUES (15, 10.00) RETURNING id, user_id;
DELETE FROM users WHERE id = 15;
DELETE FROM orders WHERE user_id = 15;
DELETE FROM users WHERE id = 15;
SELECT id FROM users WHERE id BETWEEN 14 AND 20 ORDER BY id;
INSERT INTO orders (user_id, total) VALUES (16, 1.00), (16, 2.00);
BEGIN;
DELETE FROM orders WHERE user_id = 16 AND total = 1.00;
SAVEPOINT s;
DELETE FROM users WHERE id = 16;
ROLLBACK TO s;
DELETE FROM orders WHERE user_id = 16;
DELETE FROM users WHERE id = 16 RETURNING id;
COMMIT;
SELECT id FROM users WHERE id BETWEEN 14 AND 20 ORDER BY id;
DELETE FROM users WHERE id = 9;
WITH d AS (DELETE FROM users WHERE id = 10 RETURNING id) SELECT count(*) FROM d;
SELECT count(*) FROM users;
