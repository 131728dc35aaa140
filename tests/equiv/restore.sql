-- restore.sql — SPEC §5 restore. On S only (the @s-first block, through the proxy): a
-- chapter deleted on its own, then its book (the cascade marks the other chapters; the
-- footnotes and book_tags, without marker, are hidden), a subtree of the category tree (its
-- hand-marked rows were deleted before, on their own) and a place (boolean marker; its join
-- rows and their notes hidden); then, in the trash, each restored with UPDATE ... SET
-- marker = live, and the chapter deleted on its own after its book. S must then answer as H,
-- where nothing happened: the cascade came back, nothing else did, and the rows work again
-- (their unique keys, a new delete).
-- @s-first begin
DELETE FROM chapters WHERE id = (SELECT min(id) FROM chapters WHERE book_id = 28);
DELETE FROM books WHERE id = 28;
DELETE FROM categories WHERE id = 2;
DELETE FROM places WHERE id = 8;
SET tombstone.visibility = 'deleted';
UPDATE books SET deleted_at = NULL WHERE id = 28;
UPDATE categories SET deleted_at = NULL WHERE id = 2;
UPDATE places SET is_deleted = false WHERE id = 8;
UPDATE chapters SET deleted_at = NULL WHERE book_id = 28;
-- @s-first end
SELECT id, title FROM books WHERE id = 28;
SELECT id, num, title FROM chapters WHERE book_id = 28 ORDER BY id;
SELECT f.id FROM footnotes f JOIN chapters c ON c.id = f.chapter_id WHERE c.book_id = 28 ORDER BY 1;
SELECT tag_id FROM book_tags WHERE book_id = 28 ORDER BY 1;
SELECT id, parent_id FROM categories ORDER BY id;
SELECT pa.id, pa.activity_id FROM place_activities pa WHERE pa.place_id = 8 ORDER BY 1;
SELECT count(*) FROM pa_notes n JOIN place_activities pa ON pa.id = n.place_activity_id
WHERE pa.place_id = 8;
INSERT INTO chapters (book_id, num, title, pages) VALUES (28, 1, 'again', 3);
DELETE FROM books WHERE id = 28 RETURNING id;
SELECT count(*) FROM chapters WHERE book_id = 28;
DELETE FROM categories WHERE parent_id = 2;
SELECT id, parent_id FROM categories WHERE id < 20 ORDER BY id;
