-- delete_basic.sql — SPEC §4 DELETE becomes marking, with the DELETE tag and count: WHERE,
-- no WHERE, rows already deleted (DELETE 0), the same statement twice, aliases, ONLY,
-- subqueries in WHERE, both marker kinds, timestamp without time zone, a second schema,
-- plain and unmarked tables (real deletes, hidden rows must not count), then reads.
DELETE FROM chapters WHERE book_id = 2;
DELETE FROM chapters WHERE book_id = 2;
DELETE FROM chapters WHERE book_id IN (16, 32, 48);
DELETE FROM chapters WHERE id % 17 = 0;
DELETE FROM chapters AS c WHERE c.pages > 40 AND c.book_id < 30;
DELETE FROM ONLY chapters WHERE title LIKE 'Chapter 4_.%';
DELETE FROM chapters WHERE book_id IN (SELECT id FROM books WHERE author_id = 5);
SELECT count(*) FROM chapters;
DELETE FROM authors WHERE id IN (17, 18, 19, 20);
DELETE FROM authors WHERE id = 20;
DELETE FROM books WHERE id BETWEEN 51 AND 60;
DELETE FROM places WHERE name LIKE 'Place 1%';
DELETE FROM activities WHERE type IS NULL;
DELETE FROM activities WHERE is_deleted;
DELETE FROM users WHERE id BETWEEN 15 AND 20;
DELETE FROM orders WHERE id BETWEEN 21 AND 30 OR id > 35;
DELETE FROM categories WHERE id BETWEEN 20 AND 28;
DELETE FROM archive.events WHERE kind = 'signed';
DELETE FROM archive.events;
DELETE FROM archive.events;
DELETE FROM tags WHERE id = 10;
DELETE FROM events WHERE day < date '2024-01-05';
DELETE FROM footnotes WHERE chapter_id < 20;
DELETE FROM place_activities WHERE place_id < 12;
DELETE FROM reviews WHERE rating = 1;
SELECT count(*) FROM authors;
SELECT id FROM books WHERE id > 45 ORDER BY id;
SELECT id, name FROM places ORDER BY id;
SELECT id, name FROM activities ORDER BY id;
SELECT id FROM users ORDER BY id;
SELECT id FROM orders WHERE id > 20 ORDER BY id;
SELECT id FROM categories ORDER BY id;
SELECT count(*) FROM archive.events;
SELECT count(*) FROM footnotes;
SELECT count(*) FROM book_tags;
SELECT * FROM place_activities ORDER BY id;
DELETE FROM chapters WHERE book_id = 46 OR book_id = 16 OR id % 17 = 0;
DELETE FROM chapters WHERE id IN (SELECT id FROM chapters WHERE pages > 35);
DELETE FROM chapters WHERE num = 5 AND (book_id < 10 OR book_id > 40);
SELECT count(*) FROM chapters;
