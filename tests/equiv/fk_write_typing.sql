-- fk_write_typing.sql — issue 11 cases 4 and 6: writes of keys keep PostgreSQL's typing
-- (INSERT ... SELECT with untyped literals, fewer columns than the table, wrong types for a
-- key column: 42804 as PostgreSQL says), UPDATE ... SET (a, b) = (...) of a key, and DELETE
-- ... USING ... RETURNING * (the target's columns, the marker as a real delete shows it,
-- then the USING items').
DELETE FROM authors WHERE id = 3;
INSERT INTO books (title, author_id, price, year) SELECT 'x', 1, '5', 2000;
INSERT INTO books SELECT 100, 2, NULL, 'y', 2001;
INSERT INTO books (title, year, author_id) VALUES ('t', 2000, true);
INSERT INTO books (title, year, author_id) VALUES ('t', 2000, '1'::text);
INSERT INTO books (title, year, author_id) SELECT 't', 2000, true;
UPDATE books SET author_id = '2'::text WHERE id = 4;
SELECT id, author_id, title, price FROM books WHERE id >= 61 OR id = 100 ORDER BY id;
UPDATE books SET (author_id, price) = (2, 5) WHERE id = 4;
UPDATE books SET (author_id, price) = (3, 5) WHERE id = 5;
UPDATE books SET (author_id, year) = (SELECT 2, 1999) WHERE id = 6;
SELECT id, author_id, price, year FROM books WHERE id IN (4, 5, 6) ORDER BY id;
DELETE FROM chapters c USING books b WHERE b.id = c.book_id AND b.id = 12 RETURNING *;
DELETE FROM books b USING authors a, (SELECT 1 AS one) s WHERE a.id = b.author_id AND a.id = 7
  RETURNING *;
