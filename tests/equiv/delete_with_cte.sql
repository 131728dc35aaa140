-- delete_with_cte.sql — SPEC §3/§4 data-modifying CTEs and WITH on DELETE: DELETE ...
-- RETURNING inside a CTE (counted, inserted elsewhere, joined), two DELETE CTEs, a read CTE
-- in front of a DELETE, a DELETE CTE whose rows the main query must still see (same
-- snapshot), nested WITH, and a CTE named like a table in front of a DELETE.
WITH d AS (DELETE FROM chapters WHERE book_id = 18 RETURNING id) SELECT count(*) FROM d;
WITH d AS (DELETE FROM chapters WHERE book_id = 18 RETURNING id) SELECT count(*) FROM d;
WITH old AS (SELECT id FROM books WHERE year < 1965)
DELETE FROM chapters WHERE book_id IN (SELECT id FROM old) AND num > 1;
WITH d AS (DELETE FROM places WHERE id IN (13, 14) RETURNING id, name)
INSERT INTO events (kind, day) SELECT 'place gone: ' || name, date '2024-07-01' FROM d ORDER BY id
RETURNING kind;
WITH d1 AS (DELETE FROM activities WHERE id = 6 RETURNING id),
     d2 AS (DELETE FROM archive.events WHERE id > 25 RETURNING id)
SELECT (SELECT count(*) FROM d1), (SELECT count(*) FROM d2);
WITH d AS (DELETE FROM chapters WHERE book_id = 19 RETURNING id)
SELECT (SELECT count(*) FROM d) AS deleted, (SELECT count(*) FROM chapters WHERE book_id = 19) AS same_snapshot;
WITH d AS (DELETE FROM users WHERE id = 18 RETURNING id, email)
SELECT u.id, d.email FROM users u LEFT JOIN d ON d.id = u.id WHERE u.id BETWEEN 16 AND 20 ORDER BY u.id;
WITH chapters AS (SELECT 21 AS book_id)
DELETE FROM public.chapters c WHERE c.book_id IN (SELECT book_id FROM chapters);
WITH books AS (SELECT id FROM public.books WHERE author_id = 16)
DELETE FROM chapters WHERE book_id IN (SELECT id FROM books);
WITH d AS (DELETE FROM categories WHERE parent_id = 9 RETURNING id, parent_id)
SELECT parent_id, count(*) FROM d GROUP BY parent_id;
WITH x AS (WITH y AS (SELECT 22 AS b) DELETE FROM chapters WHERE book_id IN (SELECT b FROM y) RETURNING num)
SELECT array_agg(num ORDER BY num) FROM x;
WITH d AS (DELETE FROM chapters WHERE book_id = 23 RETURNING *)
UPDATE books SET price = 0 WHERE id IN (SELECT book_id FROM d);
SELECT count(*) FROM chapters;
SELECT id, price FROM books WHERE id IN (23, 24) ORDER BY id;
SELECT id FROM categories ORDER BY id;
