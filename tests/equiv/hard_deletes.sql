-- hard_deletes.sql — SPEC §5 tombstone.deletes = hard: a DELETE really deletes and the
-- schema's own foreign-key actions apply, natively (CASCADE down the seed-000 chain, SET
-- NULL on reviews, a self-referencing tree, RESTRICT refusing); S must equal H exactly and
-- hold no newly marked row (run.py's check (ii) for `@deletes: hard`).
-- @deletes: hard
SET tombstone.deletes = hard;
DELETE FROM authors WHERE id = 12 RETURNING id, name;
SELECT count(*) FROM books WHERE author_id = 12;
SELECT count(*) FROM chapters c JOIN books b ON b.id = c.book_id WHERE b.author_id = 12;
SELECT id, book_id FROM reviews WHERE book_id IS NULL ORDER BY id;
DELETE FROM categories WHERE id = 2 RETURNING id, parent_id;
SELECT id, parent_id FROM categories ORDER BY id;
WITH d AS (DELETE FROM chapters WHERE book_id = 9 RETURNING id) SELECT count(*) FROM d;
DELETE FROM users WHERE id = 2;
DELETE FROM places WHERE id = 8;
SELECT count(*) FROM place_activities WHERE place_id = 8;
BEGIN;
DELETE FROM books WHERE id = 5;
ROLLBACK;
SELECT count(*) FROM books WHERE id = 5;
