-- fk_deferred_named.sql — SPEC §4 "or at COMMIT when deferred": SET CONSTRAINTS naming a
-- deferrable key (shipments → orders, NO ACTION DEFERRABLE INITIALLY DEFERRED) applies to
-- the key's soft-delete checks too, both ways: IMMEDIATE makes a delete of a referenced
-- order and an insert referencing a deleted order fail at the statement, DEFERRED (on an
-- immediate key, after IMMEDIATE) waits for COMMIT; a check deferred and then made
-- immediate fails at the SET CONSTRAINTS.
BEGIN;
SET CONSTRAINTS shipments_order_id_fkey IMMEDIATE;
DELETE FROM orders WHERE id = 31;
ROLLBACK;
BEGIN;
SET CONSTRAINTS public.shipments_order_id_fkey IMMEDIATE;
INSERT INTO shipments (order_id, carrier) VALUES (36, 'UPS');
ROLLBACK;
BEGIN;
DELETE FROM orders WHERE id = 32;
SELECT count(*) FROM orders;
SET CONSTRAINTS shipments_order_id_fkey IMMEDIATE;
ROLLBACK;
BEGIN;
SET CONSTRAINTS shipments_order_id_fkey IMMEDIATE;
SET CONSTRAINTS shipments_order_id_fkey DEFERRED;
INSERT INTO shipments (order_id, carrier) VALUES (36, 'DHL');
SELECT count(*) FROM shipments;
COMMIT;
BEGIN;
DELETE FROM orders WHERE id = 33;
DELETE FROM shipments WHERE order_id = 33;
COMMIT;
SELECT count(*) FROM orders;
SELECT count(*) FROM shipments;
