-- read_setops_lateral.sql — SPEC §3 set operations (UNION, UNION ALL, INTERSECT, EXCEPT,
-- parenthesized, with ORDER BY / LIMIT, inside subqueries and CTEs, with VALUES) and
-- LATERAL (subqueries and functions, JOIN LATERAL ... ON true, LEFT JOIN LATERAL, top-N per
-- group, a soft table inside and outside the lateral subquery).
SELECT id FROM authors UNION SELECT author_id FROM books ORDER BY 1;
SELECT 'a' AS k, id FROM authors WHERE id > 14 UNION ALL SELECT 'e', author_id FROM archive.events WHERE author_id > 14
ORDER BY 1, 2;
SELECT author_id FROM books INTERSECT SELECT id FROM authors WHERE country = 'US' ORDER BY 1;
SELECT id FROM authors EXCEPT SELECT author_id FROM books ORDER BY 1;
SELECT id FROM authors EXCEPT ALL SELECT author_id FROM books WHERE year > 2000 ORDER BY 1;
(SELECT id FROM users ORDER BY id DESC LIMIT 3) UNION ALL (SELECT id FROM orders ORDER BY id DESC LIMIT 3)
ORDER BY 1;
SELECT count(*) FROM (SELECT place_id FROM place_activities UNION SELECT id FROM places) u;
WITH ids AS (SELECT id FROM categories WHERE parent_id = 1 UNION SELECT id FROM categories WHERE parent_id = 3)
SELECT * FROM ids ORDER BY id;
SELECT id FROM (VALUES (1), (16), (17), (18)) v(id) INTERSECT SELECT id FROM authors ORDER BY 1;
SELECT name FROM activities WHERE type = 'outdoor' UNION SELECT name FROM tags ORDER BY 1;
SELECT a.id, x.title, x.year FROM authors a,
  LATERAL (SELECT title, year FROM books b WHERE b.author_id = a.id ORDER BY year DESC, id LIMIT 1) x
ORDER BY a.id;
SELECT a.id, x.n FROM authors a LEFT JOIN LATERAL
  (SELECT count(*) AS n FROM books b WHERE b.author_id = a.id AND b.year > 1990) x ON true
ORDER BY a.id;
SELECT a.id, x.id FROM authors a LEFT JOIN LATERAL
  (SELECT b.id FROM books b WHERE b.author_id = a.id ORDER BY b.id LIMIT 2) x ON true
WHERE a.id > 12 ORDER BY a.id, x.id;
SELECT b.id, c.num FROM books b CROSS JOIN LATERAL
  (SELECT num FROM chapters WHERE book_id = b.id ORDER BY num DESC LIMIT 1) c
WHERE b.id <= 20 ORDER BY b.id;
SELECT t.id, w FROM (SELECT id, title FROM books WHERE id IN (1, 16, 21)) t,
  LATERAL unnest(string_to_array(t.title, ' ')) w ORDER BY t.id, w;
SELECT g, (SELECT count(*) FROM chapters WHERE book_id = g) FROM generate_series(14, 18) g ORDER BY g;
SELECT g, x.c FROM generate_series(1, 5) g JOIN LATERAL
  (SELECT count(*) AS c FROM categories WHERE parent_id = g) x ON true ORDER BY g;
SELECT p.id, pa.n FROM places p, LATERAL
  (SELECT count(*) AS n FROM place_activities WHERE place_id = p.id) pa ORDER BY p.id;
