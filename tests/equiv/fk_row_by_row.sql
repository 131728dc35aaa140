-- fk_row_by_row.sql — SPEC §4 foreign-key actions of DELETEs that keep their shape and run
-- the actions as each row is marked: DELETE ... WHERE CURRENT OF on a table whose children
-- cascade (authors → books → chapters), and DELETE ... USING whose RETURNING names the
-- USING table; then the cascaded rows are gone.
BEGIN;
DECLARE c CURSOR FOR SELECT id, name FROM authors WHERE id IN (3, 4) ORDER BY id FOR UPDATE;
FETCH 1 FROM c;
DELETE FROM authors WHERE CURRENT OF c;
FETCH 1 FROM c;
DELETE FROM authors WHERE CURRENT OF c;
COMMIT;
SELECT count(*) FROM books WHERE author_id IN (3, 4);
SELECT count(*) FROM chapters c JOIN books b ON b.id = c.book_id WHERE b.author_id IN (3, 4);
DELETE FROM books b USING authors a WHERE a.id = b.author_id AND a.id = 5
  RETURNING b.id, b.title, a.name;
SELECT count(*) FROM chapters c JOIN books b ON b.id = c.book_id WHERE b.author_id = 5;
SELECT a.id, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id
  GROUP BY a.id ORDER BY a.id;
