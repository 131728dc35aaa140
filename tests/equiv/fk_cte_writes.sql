-- fk_cte_writes.sql — issue 11 case 2: data-modifying CTEs. Foreign-key actions and checks
-- run at the end of the statement, after every part of it: a CTE deleting the children of
-- a parent the main statement deletes (CASCADE, RESTRICT), two CTEs deleting a parent and
-- its children (each counts its own rows), a CTE deleting a parent whose child the main
-- INSERT adds (23503 when the INSERT runs first; cascaded when the CTE feeds it), and an
-- UPDATE that leaves a key as it was (not checked).
CREATE TABLE documents (
    id int PRIMARY KEY,
    creator_id int NOT NULL REFERENCES users ON DELETE RESTRICT,
    title text NOT NULL,
    deleted_at timestamptz
);
INSERT INTO documents VALUES (1, 15, 'a'), (2, 15, 'b'), (3, 16, 'c');
WITH d AS (DELETE FROM chapters WHERE book_id = 1) DELETE FROM books WHERE id = 1;
WITH d AS (DELETE FROM documents WHERE creator_id = 15) DELETE FROM users WHERE id = 15;
DELETE FROM users WHERE id = 16;
WITH d AS (DELETE FROM documents WHERE creator_id = 16 RETURNING id)
DELETE FROM users WHERE id = 16 RETURNING id, (SELECT count(*) FROM d) AS documents;
SELECT id, creator_id FROM documents ORDER BY id;
WITH a AS (DELETE FROM authors WHERE id = 5 RETURNING id),
     b AS (DELETE FROM books WHERE author_id = 5 RETURNING id)
SELECT (SELECT count(*) FROM a) AS authors, (SELECT count(*) FROM b) AS books;
WITH d AS (DELETE FROM authors WHERE id = 6) INSERT INTO books (author_id, title, year) VALUES (6, 'Orphan?', 2024);
WITH d AS (DELETE FROM authors WHERE id = 6 RETURNING id)
INSERT INTO books (author_id, title, year) SELECT id, 'Cascaded at once', 2024 FROM d;
SELECT count(*) FROM books WHERE author_id = 6;
WITH d AS (DELETE FROM books WHERE id = 7) UPDATE chapters SET book_id = book_id WHERE book_id = 7;
SELECT count(*) FROM chapters WHERE book_id = 7;
BEGIN;
DELETE FROM books WHERE id = 8;
UPDATE chapters SET book_id = book_id WHERE book_id = 8;
UPDATE chapters SET book_id = 8 WHERE book_id = 9;
ROLLBACK;
SELECT count(*) FROM chapters WHERE book_id IN (7, 8, 9);
