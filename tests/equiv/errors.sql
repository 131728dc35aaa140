-- errors.sql — SPEC §1/§6 errors keep their SQLSTATE and message: syntax errors (forwarded
-- unchanged), a division by zero inside rewritten reads, deletes and updates, a unique
-- violation on a live key, not-null and check violations, undefined tables and columns in
-- statements that touch soft-delete tables, a type error, and the session going on after
-- each error. Error positions are compared too: the proxy maps them back to the client's
-- text, also after its own insertions and past multi-byte characters.
SELEC * FROM authors;
DELETE FROM authors WHERE;
SELECT * FROM authors WHERE id = ;
SELECT 1 / 0 FROM authors;
SELECT count(*) FROM books WHERE price / (id - id) > 0;
DELETE FROM chapters WHERE 1 / (id - id) = 0;
DELETE FROM chapters WHERE book_id = 37 AND 1 / (num - 1) > 0;
SELECT count(*) FROM chapters WHERE book_id = 37;
UPDATE books SET price = price / 0 WHERE id = 1;
UPDATE books SET price = price / 0 WHERE id = 16;
INSERT INTO users (email, name) VALUES ('user01@example.com', 'duplicate');
UPDATE users SET email = 'user02@example.com' WHERE id = 3;
INSERT INTO activities (name) VALUES ('hiking');
INSERT INTO chapters (book_id, num, title, pages) VALUES (1, 1, 'dup', 1);
INSERT INTO authors (name) VALUES (NULL);
INSERT INTO reviews (book_id, rating, reviewer) VALUES (1, 9, 'x');
SELECT * FROM nosuch_table;
DELETE FROM nosuch_table WHERE id = 1;
DELETE FROM authors WHERE nosuch = 1;
SELECT nosuch FROM books;
SELECT a.id FROM authors a JOIN books b ON b.nosuch = a.id;
SELECT a.id FROM authors a JOIN books b ON b.author_id = a.id WHERE b.nosuch = 1;
SELECT 'prénom ünïcödé' AS x, a.id FROM authors a JOIN books b ON b.author_id = a.id
  JOIN chapters c ON c.book_id = b.id WHERE c.nosuch = 'é';
SELECT a.id FROM authors a JOIN books b ON b.author_id = a.id WHERE b.id = 'abc'::int;
DELETE FROM books /* ↯ */ USING authors a WHERE a.id = books.author_id AND a.nosuch;
UPDATE chapters SET pages = 'many' WHERE id = 3;
DELETE FROM chapters WHERE book_id = 'x';
SELECT id FROM authors WHERE id = 'abc'::int;
SELECT count(*) FROM authors;
