-- copy.sql — SPEC §3 COPY (query) TO and COPY table TO (whole table, column list, CSV with
-- header, mixed-case table), COPY (DELETE ... RETURNING) TO, and COPY FROM STDIN (text and
-- CSV) into plain and soft-delete tables, unchanged, with the rows read back, and DELETEs
-- after each kind of COPY (their tags: the proxy must stay in step after a COPY).
COPY authors TO STDOUT;
COPY books (id, title, deleted_at) TO STDOUT;
COPY "Imprints" TO STDOUT WITH (FORMAT csv, HEADER true);
COPY (SELECT a.id, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.id ORDER BY a.id) TO STDOUT;
COPY (SELECT * FROM chapters WHERE book_id IN (3, 16) ORDER BY id) TO STDOUT WITH (FORMAT csv);
COPY place_activities TO STDOUT;
COPY archive.events (id, kind) TO STDOUT;
DELETE FROM chapters WHERE book_id = 10;
COPY (DELETE FROM chapters WHERE book_id = 11 RETURNING id, num) TO STDOUT;
SELECT count(*) FROM chapters WHERE book_id = 11;
DELETE FROM chapters WHERE book_id = 12;
COPY tags (name, color) FROM STDIN;
tag11	black
tag12	\N
\.
COPY authors (name, country) FROM STDIN;
Copied Author 1	PT
Copied Author 2	\N
\.
COPY chapters (book_id, num, title, pages) FROM STDIN WITH (FORMAT csv);
51,1,"Chapter 51.1",12
51,2,"Chapter 51.2, with a comma",13
\.
SELECT * FROM tags WHERE id > 10 ORDER BY id;
SELECT id, name, country FROM authors WHERE id > 18 ORDER BY id;
SELECT * FROM chapters WHERE book_id = 51 ORDER BY num;
DELETE FROM chapters WHERE book_id = 13;
DELETE FROM places WHERE id = 14 RETURNING id;
COPY (SELECT count(*) FROM authors) TO STDOUT;
