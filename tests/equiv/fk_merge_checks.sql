-- fk_merge_checks.sql — issue 11 cases 1 and 3 (MERGE): a MERGE that writes a key checks it
-- against live parents like any write (WHEN MATCHED THEN UPDATE SET author_id = <deleted>,
-- WHEN NOT MATCHED THEN INSERT ... <deleted>: 23503), at the end of the statement, so that
-- a MERGE matching a row twice answers 21000 as PostgreSQL does, not a foreign-key error;
-- the sequence advances the same way after the failures.
DELETE FROM authors WHERE id = 4;
MERGE INTO books b USING (VALUES (1)) s(id) ON b.id = s.id
WHEN MATCHED THEN UPDATE SET author_id = 4;
MERGE INTO books b USING (VALUES (1000, 'New')) s(id, title) ON b.id = s.id
WHEN NOT MATCHED THEN INSERT (title, year, author_id) VALUES (s.title, 2000, 4);
SELECT count(*) FROM books WHERE author_id = 4;
MERGE INTO books b USING (VALUES (2), (2)) s(id) ON b.id = s.id
WHEN MATCHED THEN UPDATE SET author_id = 4;
MERGE INTO books b USING (VALUES (2, 5), (1001, 5)) s(id, a) ON b.id = s.id
WHEN MATCHED THEN UPDATE SET author_id = s.a
WHEN NOT MATCHED THEN INSERT (title, year, author_id) VALUES ('Merged', 2001, s.a);
SELECT id, author_id, title FROM books WHERE id IN (1, 2) OR title = 'Merged' ORDER BY id;
MERGE INTO chapters c USING (VALUES (1, 1)) s(book_id, num) ON c.book_id = s.book_id AND c.num = s.num
WHEN MATCHED THEN UPDATE SET book_id = 16;
MERGE INTO chapters c USING (SELECT id FROM books WHERE author_id = 2) s ON c.book_id = s.id
WHEN MATCHED THEN DELETE;
SELECT count(*) FROM chapters c JOIN books b ON b.id = c.book_id WHERE b.author_id = 2;
