-- read_from_where.sql — SPEC §3: plain reads of soft-delete tables in FROM and WHERE.
-- Counts, filters, ORDER BY/LIMIT/OFFSET, DISTINCT, aggregates, window functions, ONLY,
-- aliases, schema-qualified names, TABLE, whole-row references, the marker column in the
-- select list and in WHERE, both marker kinds (timestamptz, timestamp, boolean), a table
-- in a second schema, unmarked tables hidden with their parents (counts), plain tables.
SELECT count(*) FROM authors;
SELECT count(*), count(deleted_at) FROM books;
SELECT id, name, country FROM authors ORDER BY id;
SELECT * FROM public.books WHERE author_id IN (1, 16, 17) ORDER BY id;
SELECT a.id, a.name FROM authors AS a WHERE a.country = 'FR' ORDER BY a.id;
SELECT DISTINCT country FROM authors ORDER BY country NULLS FIRST;
SELECT author_id, count(*), sum(price), min(year), max(year)
FROM books GROUP BY author_id ORDER BY author_id;
SELECT id, title, rank() OVER (PARTITION BY author_id ORDER BY year, id) AS r,
       count(*) OVER () AS total
FROM books WHERE author_id <= 4 OR author_id = 16 ORDER BY id;
SELECT * FROM ONLY chapters WHERE book_id IN (3, 16) ORDER BY id;
SELECT count(*) FROM chapters WHERE deleted_at IS NOT NULL;
SELECT count(*) FROM chapters c WHERE c.deleted_at IS NULL;
SELECT id, name FROM places WHERE is_deleted ORDER BY id;
SELECT id, name, is_deleted FROM places WHERE NOT is_deleted ORDER BY id;
TABLE activities ORDER BY id;
SELECT * FROM users ORDER BY id OFFSET 10 LIMIT 8;
SELECT id, email FROM users WHERE email LIKE 'user1%' ORDER BY email DESC;
SELECT count(*), min(happened_at), max(happened_at) FROM archive.events;
SELECT kind, count(*) FROM archive.events GROUP BY kind ORDER BY kind;
SELECT c.id, c.name, c.parent_id FROM categories c WHERE c.parent_id IN (1, 3) ORDER BY c.id;
SELECT "Name", "City" FROM "Imprints" ORDER BY "ImprintId";
SELECT count(*) FROM footnotes;
SELECT count(*) FROM book_tags;
SELECT count(*) FROM place_activities;
SELECT count(*) FROM pa_notes;
SELECT count(*) FROM tags;
SELECT count(*), count(book_id) FROM reviews;
SELECT books FROM books WHERE id IN (1, 16) ORDER BY id;
SELECT b.*, length(b.title) FROM books b WHERE b.id BETWEEN 45 AND 60 ORDER BY b.id;
SELECT * FROM books WHERE id = 16;
SELECT max(id), min(id) FROM authors;
SELECT id FROM orders WHERE id > 34 ORDER BY id;
SELECT city FROM offices ORDER BY id;
SELECT count(*) FILTER (WHERE pages > 20), avg(pages)::numeric(6, 2) FROM chapters;
SELECT string_agg(name, ',' ORDER BY name) FROM activities WHERE type = 'outdoor';
SELECT array_agg(id ORDER BY id) FROM categories;
SELECT json_agg(u ORDER BY u.id) FROM users u WHERE id BETWEEN 16 AND 20;
SELECT * FROM authors WHERE id = ANY (ARRAY[1, 16, 18, 20]) ORDER BY id;
SELECT id, CASE WHEN year < 1980 THEN 'old' ELSE 'new' END FROM books WHERE id % 8 = 0 ORDER BY id;
SELECT count(*) FROM books WHERE author_id = 1 OR author_id = 16;
SELECT count(*) FROM books WHERE author_id = 16 OR year > 2015 OR id = 32;
SELECT count(*) FROM places WHERE id = 9 OR NOT is_deleted AND id = 4 OR id < 3;
SELECT id, rank() OVER w FROM books WINDOW w AS (ORDER BY year, id) ORDER BY id LIMIT 5;
SELECT id FROM books ORDER BY id DESC OFFSET 2 FETCH FIRST 4 ROWS ONLY;
SELECT DISTINCT ON (author_id) author_id, id FROM books ORDER BY author_id, id DESC;
SELECT author_id, count(*) FROM books GROUP BY ROLLUP (author_id) HAVING count(*) > 3 ORDER BY 1 NULLS LAST;
SELECT books.id FROM (SELECT id FROM public.books WHERE id < 5) AS books ORDER BY 1;
SELECT authors.id FROM generate_series(15, 19) AS authors(id) ORDER BY 1;
SELECT deleted_at FROM (SELECT id, NULL::timestamptz AS deleted_at FROM tags) t WHERE id < 3;
