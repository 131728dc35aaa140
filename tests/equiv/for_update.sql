-- for_update.sql — SPEC §3 "row locking works as on the table": FOR UPDATE / FOR NO KEY
-- UPDATE / FOR SHARE / FOR KEY SHARE, FOR UPDATE OF one table of a join, NOWAIT, SKIP
-- LOCKED, with LIMIT, inside transactions, on both marker kinds.
BEGIN;
SELECT id, title FROM books WHERE author_id IN (1, 16) ORDER BY id FOR UPDATE;
SELECT a.id, b.id FROM authors a JOIN books b ON b.author_id = a.id WHERE a.id IN (2, 16)
ORDER BY a.id, b.id FOR UPDATE OF b;
SELECT id FROM places ORDER BY id LIMIT 5 FOR NO KEY UPDATE;
SELECT id FROM activities WHERE type = 'indoor' ORDER BY id FOR SHARE;
SELECT id FROM users WHERE id > 15 ORDER BY id FOR KEY SHARE;
SELECT id FROM chapters WHERE book_id = 3 ORDER BY id FOR UPDATE NOWAIT;
SELECT id FROM orders WHERE id > 30 ORDER BY id FOR UPDATE SKIP LOCKED;
SELECT c.id, p.id FROM categories c LEFT JOIN categories p ON p.id = c.parent_id
WHERE c.id > 20 ORDER BY c.id FOR UPDATE OF c;
COMMIT;
SELECT "ImprintId" FROM "Imprints" ORDER BY 1 FOR UPDATE;
SELECT * FROM (SELECT id FROM authors WHERE id > 14 FOR UPDATE) s ORDER BY id;
