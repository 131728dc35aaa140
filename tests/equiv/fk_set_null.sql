-- fk_set_null.sql — SPEC §4 ON DELETE SET NULL applied to live children: an unmarked child
-- (reviews.book_id → books) and a soft child (books."imprintId" → "Imprints", mixed-case);
-- marked children keep their value in S but are invisible; several parents at once; a
-- parent already deleted changes nothing; inside a rolled-back transaction.
SELECT id, book_id FROM reviews WHERE book_id IN (51, 52, 53, 54) ORDER BY id;
INSERT INTO reviews (book_id, rating, reviewer) VALUES (51, 4, 'r51'), (52, 3, 'r52'), (52, 2, 'r52b');
DELETE FROM books WHERE id = 51;
SELECT id, book_id, reviewer FROM reviews WHERE reviewer LIKE 'r5%' ORDER BY id;
DELETE FROM books WHERE id IN (52, 53);
SELECT id, book_id, reviewer FROM reviews WHERE reviewer LIKE 'r5%' ORDER BY id;
SELECT count(*), count(book_id) FROM reviews;
SELECT "imprintId", count(*) FROM books GROUP BY "imprintId" ORDER BY 1 NULLS FIRST;
DELETE FROM books WHERE id = 54;
DELETE FROM "Imprints" WHERE "ImprintId" = 1;
SELECT "imprintId", count(*) FROM books GROUP BY "imprintId" ORDER BY 1 NULLS FIRST;
SELECT id, "imprintId" FROM books WHERE id % 5 = 0 ORDER BY id;
BEGIN;
DELETE FROM "Imprints" WHERE "ImprintId" = 2;
SELECT count(*) FROM books WHERE "imprintId" IS NULL;
ROLLBACK;
SELECT count(*) FROM books WHERE "imprintId" IS NULL;
DELETE FROM "Imprints" WHERE "ImprintId" IN (3, 5, 6) RETURNING "ImprintId";
SELECT "imprintId", count(*) FROM books GROUP BY "imprintId" ORDER BY 1 NULLS FIRST;
DELETE FROM books WHERE id IN (SELECT book_id FROM reviews WHERE rating = 5);
SELECT count(*), count(book_id) FROM reviews;
