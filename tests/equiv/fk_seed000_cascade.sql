-- fk_seed000_cascade.sql — seeds/000 and SPEC §4 CASCADE: deleting an author marks its
-- books and their chapters (chain of soft tables, recursively, one statement, tag counts
-- only the authors), hides the unmarked footnotes and book_tags below, applies SET NULL to
-- reviews of the books; deleting a book cascades to chapters; a cascade over rows partly
-- deleted already; a cascade from DELETE ... USING, from a data-modifying CTE, with
-- RETURNING, in a rolled-back transaction.
SELECT a.id, count(DISTINCT b.id), count(c.id) FROM authors a
  LEFT JOIN books b ON b.author_id = a.id LEFT JOIN chapters c ON c.book_id = b.id
WHERE a.id <= 4 GROUP BY a.id ORDER BY a.id;
DELETE FROM authors WHERE id = 1;
SELECT count(*) FROM books WHERE author_id = 1;
SELECT count(*) FROM chapters WHERE book_id IN (1, 17, 33, 49);
SELECT count(*) FROM footnotes;
SELECT count(*) FROM book_tags WHERE book_id IN (1, 17, 33, 49);
SELECT id, book_id FROM reviews WHERE id <= 20 ORDER BY id;
DELETE FROM books WHERE id = 2 RETURNING id, title;
SELECT count(*) FROM chapters WHERE book_id = 2;
DELETE FROM chapters WHERE book_id = 3 AND num = 2;
DELETE FROM authors WHERE id = 3 RETURNING id, name;
SELECT count(*) FROM books WHERE author_id = 3;
SELECT count(*) FROM chapters WHERE book_id IN (3, 19, 35);
BEGIN;
DELETE FROM authors WHERE id IN (4, 5);
SELECT count(*) FROM books;
ROLLBACK;
SELECT count(*) FROM books;
DELETE FROM authors a USING books b WHERE b.author_id = a.id AND b.title = 'Book 06';
WITH d AS (DELETE FROM authors WHERE id = 7 RETURNING id)
SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM books WHERE author_id = 7);
SELECT count(*) FROM books WHERE author_id = 7;
DELETE FROM authors WHERE id = 16;
DELETE FROM books WHERE author_id = 8;
DELETE FROM authors WHERE id = 8;
SELECT a.id, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.id ORDER BY a.id;
SELECT count(*) FROM chapters;
SELECT count(*) FROM footnotes;
SELECT count(*) FROM book_tags;
SELECT id, book_id FROM reviews ORDER BY id;
