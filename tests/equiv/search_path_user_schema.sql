-- search_path_user_schema.sql — SPEC §2 search_path: the default path "$user", public gains a
-- schema when a schema named like the user is created (no SET involved), and a table created
-- in an earlier schema of the path shadows a soft-delete table of a later one.
SHOW search_path;
SELECT count(*) FROM authors;
CREATE SCHEMA postgres;
CREATE TABLE postgres.authors (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO postgres.authors VALUES (1, 'shadow'), (16, 'shadow 16');
SELECT count(*) FROM authors;
SELECT id, name FROM authors ORDER BY id;
DELETE FROM authors WHERE id = 16;
SELECT count(*) FROM public.authors;
DROP TABLE postgres.authors;
SELECT count(*) FROM authors;
SET search_path = archive, public;
CREATE TABLE archive.books (id int PRIMARY KEY, title text);
INSERT INTO archive.books VALUES (16, 'archived');
SELECT count(*) FROM books;
DELETE FROM books WHERE id = 16;
SELECT count(*) FROM public.books;
RESET search_path;
DROP SCHEMA postgres;
