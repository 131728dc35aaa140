-- search_path.sql — SPEC §2 name resolution: SET search_path (archive first: `authors` is then
-- the PLAIN archive.authors and `events` the SOFT archive.events), schema-qualified names,
-- quoted schema names, RESET / SET TO DEFAULT, SET LOCAL undone at the end of the
-- transaction, SET inside a rolled-back transaction, and temporary tables, which come first
-- in the search path and shadow a soft-delete table of the same name.
SELECT count(*) FROM authors;
SELECT count(*) FROM events;
SET search_path = archive, public;
SHOW search_path;
SELECT count(*) FROM authors;
SELECT id, name FROM authors ORDER BY id;
SELECT count(*) FROM events;
SELECT count(*) FROM books;
SELECT a.name, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.name ORDER BY a.name;
SELECT count(*) FROM public.authors;
DELETE FROM events WHERE id IN (1, 2, 3);
DELETE FROM authors WHERE id = 8;
SELECT count(*) FROM "archive"."authors";
SELECT count(*) FROM public.events;
RESET search_path;
SELECT count(*) FROM authors;
SELECT count(*) FROM events;
SELECT count(*) FROM archive.events;
BEGIN;
SET LOCAL search_path TO archive;
SELECT count(*) FROM authors;
DELETE FROM events WHERE id = 4;
COMMIT;
SELECT count(*) FROM authors;
SELECT count(*) FROM archive.events;
BEGIN;
SET search_path = archive;
SELECT count(*) FROM authors;
ROLLBACK;
SELECT count(*) FROM authors;
SET search_path TO "archive", "public";
SELECT count(*) FROM authors;
SET search_path TO DEFAULT;
SELECT count(*) FROM authors;
SET search_path = public, archive;
SELECT count(*) FROM authors;
SELECT count(*) FROM events;
RESET search_path;
CREATE TEMP TABLE books AS SELECT id, title, deleted_at FROM public.books WHERE author_id <= 2;
SELECT count(*) FROM books;
DELETE FROM books WHERE id = 1;
SELECT count(*) FROM books;
SELECT count(*) FROM public.books;
SELECT id, title FROM public.books WHERE id IN (1, 17) ORDER BY id;
DROP TABLE books;
SELECT count(*) FROM books;
SET search_path = pg_temp, archive, public;
CREATE TEMP TABLE authors (id int PRIMARY KEY, name text);
INSERT INTO authors VALUES (1, 'temp');
SELECT * FROM authors;
SELECT count(*) FROM events;
RESET search_path;
