-- read_subqueries.sql — SPEC §3 subqueries anywhere: in FROM (plain and nested), in WHERE
-- with IN / NOT IN / EXISTS / NOT EXISTS / = ANY / > ALL / row comparison, scalar subqueries
-- in the select list and in ORDER BY, correlated subqueries, subqueries in HAVING, in CASE,
-- in function arguments, in JOIN ... ON, in LIMIT, in VALUES, ARRAY(subquery).
SELECT s.author_id, s.n FROM (SELECT author_id, count(*) AS n FROM books GROUP BY author_id) s
ORDER BY s.author_id;
SELECT q.id FROM (SELECT id FROM (SELECT id, deleted_at FROM chapters WHERE book_id < 5) i) q
ORDER BY q.id;
SELECT id, name FROM authors WHERE id IN (SELECT author_id FROM books WHERE year > 2000)
ORDER BY id;
SELECT id FROM authors WHERE id NOT IN (SELECT author_id FROM books) ORDER BY id;
SELECT id FROM books b WHERE EXISTS (SELECT 1 FROM chapters c WHERE c.book_id = b.id AND c.num = 5)
ORDER BY id;
SELECT id FROM books b WHERE NOT EXISTS (SELECT FROM chapters c WHERE c.book_id = b.id)
ORDER BY id;
SELECT id FROM authors WHERE id = ANY (SELECT author_id FROM books WHERE price > 40) ORDER BY id;
SELECT id FROM books WHERE price > ALL (SELECT price FROM books WHERE author_id = 1) ORDER BY id;
SELECT id FROM books WHERE (author_id, year) IN (SELECT author_id, max(year) FROM books GROUP BY author_id)
ORDER BY id;
SELECT a.id, (SELECT count(*) FROM books b WHERE b.author_id = a.id) AS books,
       (SELECT max(c.pages) FROM chapters c JOIN books b ON b.id = c.book_id WHERE b.author_id = a.id)
FROM authors a ORDER BY a.id;
SELECT p.id, (SELECT string_agg(act.name, ',' ORDER BY act.name)
              FROM place_activities pa JOIN activities act ON act.id = pa.activity_id
              WHERE pa.place_id = p.id) FROM places p ORDER BY p.id;
SELECT a.id FROM authors a ORDER BY (SELECT count(*) FROM books b WHERE b.author_id = a.id) DESC, a.id
LIMIT 6;
SELECT author_id, count(*) FROM books GROUP BY author_id
HAVING count(*) >= (SELECT count(*) FROM books WHERE author_id = 1)
ORDER BY author_id;
SELECT author_id FROM books GROUP BY author_id
HAVING EXISTS (SELECT 1 FROM authors a WHERE a.id = books.author_id AND a.country = 'US')
ORDER BY author_id;
SELECT id, CASE WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.book_id = b.id) THEN 'reviewed' ELSE '-' END
FROM books b WHERE id > 40 ORDER BY id;
SELECT coalesce((SELECT name FROM authors WHERE id = 16), 'gone'),
       coalesce((SELECT name FROM authors WHERE id = 17), 'gone');
SELECT u.id, o.n FROM users u JOIN (SELECT user_id, count(*) n FROM orders GROUP BY user_id) o
  ON o.user_id = u.id AND o.n > (SELECT count(*) / 20 FROM orders)
ORDER BY u.id;
SELECT id FROM tags ORDER BY id LIMIT (SELECT count(*) FROM offices);
SELECT * FROM (VALUES ((SELECT count(*) FROM users)), ((SELECT count(*) FROM orders))) v(n);
SELECT ARRAY(SELECT id FROM categories WHERE parent_id = 2 ORDER BY id);
SELECT id FROM categories c WHERE parent_id IN (SELECT id FROM categories WHERE parent_id IN (SELECT id FROM categories WHERE parent_id IS NULL))
ORDER BY id;
SELECT count(*) FROM pa_notes n WHERE n.place_activity_id IN (SELECT id FROM place_activities);
SELECT count(*) FROM place_activities WHERE place_id NOT IN (SELECT id FROM places);
SELECT f.id FROM footnotes f WHERE f.chapter_id IN (SELECT id FROM chapters WHERE book_id IN (3, 16, 17, 48))
ORDER BY f.id;
SELECT r.id FROM reviews r WHERE r.book_id NOT IN (SELECT id FROM books WHERE year < 2000) ORDER BY r.id;
SELECT id FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE orders.user_id = users.id AND orders.id > 35)
ORDER BY id;
