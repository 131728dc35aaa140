-- read_only_transaction.sql — SPEC §1 same errors: a DELETE in a read-only transaction must
-- fail like a DELETE (SQLSTATE 25006 "cannot execute DELETE in a read-only transaction"),
-- not like the UPDATE it becomes; reads still work.
START TRANSACTION READ ONLY;
SELECT count(*) FROM chapters;
DELETE FROM chapters WHERE book_id = 38;
ROLLBACK;
SET default_transaction_read_only = on;
DELETE FROM places WHERE id = 17;
SELECT count(*) FROM places;
RESET default_transaction_read_only;
DELETE FROM places WHERE id = 17;
SELECT count(*) FROM places;
