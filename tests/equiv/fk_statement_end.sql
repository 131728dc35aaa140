-- fk_statement_end.sql — issue 11 case 3: PostgreSQL checks foreign keys after the
-- statement, so a NOT NULL or unique violation in the same statement wins over a
-- reference to a deleted parent (multi-row INSERT, INSERT ... SELECT, UPDATE, COPY), an
-- upsert whose proposed row references a deleted parent but conflicts updates or does
-- nothing, and sequences advance the same way after such failures.
DELETE FROM authors WHERE id = 3;
INSERT INTO books (title, year, author_id) VALUES ('z', 2000, 3), (NULL, 2000, 2);
INSERT INTO books (id, title, year, author_id) VALUES (1000, 'z', 2000, 3), (1, 'dup', 2000, 2);
INSERT INTO books (id, title, year, author_id) SELECT 1001, 'z', 2000, 3 UNION ALL SELECT 2, 'dup', 2000, 2;
UPDATE books SET author_id = CASE WHEN id = 10 THEN 3 ELSE author_id END, title = NULL WHERE id IN (10, 11);
UPDATE chapters SET book_id = CASE WHEN id = 20 THEN 3 ELSE book_id END, num = 1 WHERE id IN (20, 21, 22);
INSERT INTO books (title, year, author_id) VALUES ('next id', 2000, 2) RETURNING id;
INSERT INTO books (id, title, year, author_id) VALUES (1, 'upsert', 2000, 3)
  ON CONFLICT (id) DO UPDATE SET title = 'upserted';
INSERT INTO books (id, title, year, author_id) VALUES (2, 'upsert', 2000, 3)
  ON CONFLICT (id) DO NOTHING;
INSERT INTO books (id, title, year, author_id) VALUES (4, 'upsert', 2000, 3)
  ON CONFLICT (id) DO UPDATE SET author_id = EXCLUDED.author_id;
SELECT id, author_id, title FROM books WHERE id IN (1, 2, 4) ORDER BY id;
COPY chapters (id, book_id, num, title, pages) FROM STDIN;
1000	17	1	bad book	1
1	1	1	duplicate id	1
\.
INSERT INTO chapters (book_id, num, title, pages) VALUES (1, 9, 'next chapter', 1) RETURNING id;
