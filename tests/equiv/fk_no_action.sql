-- fk_no_action.sql — SPEC §4 NO ACTION: invoices.order_id → orders (not deferrable): deleting
-- an invoiced order fails with 23503 and nothing changes; after deleting the invoice the
-- order can go. shipments.order_id → orders is DEFERRABLE INITIALLY DEFERRED: the check
-- happens at COMMIT (the transaction then fails), or at SET CONSTRAINTS ... IMMEDIATE; deleting
-- the shipment before COMMIT makes it pass.
DELETE FROM orders WHERE id = 1;
SELECT count(*) FROM orders;
DELETE FROM orders WHERE id IN (21, 11);
SELECT id FROM orders WHERE id IN (11, 21) ORDER BY id;
DELETE FROM invoices WHERE order_id = 11;
DELETE FROM orders WHERE id = 11;
DELETE FROM orders WHERE id = 11;
SELECT count(*) FROM orders;
DELETE FROM orders WHERE id = 31;
SELECT count(*) FROM orders;
BEGIN;
DELETE FROM orders WHERE id = 32;
SELECT count(*) FROM orders;
COMMIT;
SELECT id FROM orders WHERE id BETWEEN 30 AND 35 ORDER BY id;
BEGIN;
DELETE FROM orders WHERE id = 33;
SET CONSTRAINTS shipments_order_id_fkey IMMEDIATE;
ROLLBACK;
BEGIN;
DELETE FROM orders WHERE id = 33;
DELETE FROM shipments WHERE order_id = 33;
COMMIT;
SELECT id FROM orders WHERE id BETWEEN 30 AND 35 ORDER BY id;
SELECT order_id FROM shipments ORDER BY order_id;
