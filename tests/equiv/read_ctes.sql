-- read_ctes.sql — SPEC §2/§3 CTEs: plain, several, chained, MATERIALIZED / NOT MATERIALIZED,
-- recursive over the categories tree (a deleted subtree must not be reached), recursive with
-- a path, CTEs in subqueries, and CTE names that shadow table names (the CTE is not the
-- table; a schema-qualified name still is the table).
WITH recent AS (SELECT id, author_id FROM books WHERE year >= 2000)
SELECT author_id, count(*) FROM recent GROUP BY author_id ORDER BY author_id;
WITH a AS (SELECT id FROM authors WHERE country = 'JP'),
     b AS (SELECT books.id, books.author_id FROM books JOIN a ON a.id = books.author_id)
SELECT a.id, count(b.id) FROM a LEFT JOIN b ON b.author_id = a.id GROUP BY a.id ORDER BY a.id;
WITH m AS MATERIALIZED (SELECT * FROM chapters WHERE pages > 30)
SELECT count(*), sum(pages) FROM m;
WITH n AS NOT MATERIALIZED (SELECT * FROM users)
SELECT id, email FROM n WHERE id > 14 ORDER BY id;
WITH RECURSIVE tree AS (
    SELECT id, parent_id, name, 0 AS depth FROM categories WHERE parent_id IS NULL
  UNION ALL
    SELECT c.id, c.parent_id, c.name, t.depth + 1 FROM categories c JOIN tree t ON c.parent_id = t.id
)
SELECT * FROM tree ORDER BY id;
WITH RECURSIVE path(id, path) AS (
    SELECT id, name FROM categories WHERE id = 3
  UNION ALL
    SELECT c.id, p.path || ' > ' || c.name FROM path p, categories c WHERE c.parent_id = p.id
)
SELECT * FROM path ORDER BY id;
WITH RECURSIVE up(id, parent_id) AS (
    SELECT id, parent_id FROM categories WHERE id IN (27, 24, 15)
  UNION
    SELECT c.id, c.parent_id FROM categories c JOIN up ON up.parent_id = c.id
)
SELECT id FROM up ORDER BY id;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
SELECT n.i, a.name FROM n LEFT JOIN authors a ON a.id = n.i ORDER BY n.i;
SELECT (WITH x AS (SELECT count(*) AS c FROM books) SELECT c FROM x),
       (SELECT count(*) FROM (WITH y AS (SELECT * FROM chapters) SELECT * FROM y) z);
WITH books AS (SELECT * FROM books WHERE year > 2000)
SELECT count(*) FROM books;
WITH authors(id, name) AS (VALUES (16, 'ghost'), (18, 'ghost too'))
SELECT * FROM authors ORDER BY id;
WITH authors(id, name) AS (VALUES (16, 'ghost'))
SELECT a.id, (SELECT count(*) FROM public.authors), (SELECT count(*) FROM authors)
FROM authors a;
WITH books AS (SELECT 1 AS id)
SELECT (SELECT count(*) FROM books), (SELECT count(*) FROM public.books),
       (SELECT count(*) FROM (SELECT * FROM books) s);
WITH x AS (SELECT 1)
SELECT count(*) FROM (WITH chapters AS (SELECT 1 AS id) SELECT * FROM chapters) inner_q,
                     chapters;
WITH RECURSIVE categories(id, parent_id) AS (
    SELECT 6, 0
  UNION ALL
    SELECT id + 1, parent_id FROM categories WHERE id < 8
)
SELECT * FROM categories ORDER BY id;
WITH p AS (SELECT id FROM places), pa AS (SELECT * FROM place_activities)
SELECT p.id, count(pa.id) FROM p LEFT JOIN pa ON pa.place_id = p.id GROUP BY p.id ORDER BY p.id;
WITH a AS (SELECT count(*) AS n FROM books), books AS (SELECT 1 AS id)
SELECT a.n, (SELECT count(*) FROM books) FROM a;
WITH RECURSIVE a AS (SELECT count(*) AS n FROM books), books AS (SELECT 1 AS id)
SELECT a.n FROM a;
WITH x AS (SELECT * FROM authors WHERE id > 14)
SELECT x.id, (WITH authors AS (SELECT 99 AS id) SELECT max(id) FROM authors), (SELECT count(*) FROM authors)
FROM x ORDER BY 1;
