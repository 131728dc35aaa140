-- extended_params.sql — SPEC §3/§4/§6 over the extended protocol with Bind parameters (what
-- applications send): parameters in reads, joins, subqueries, CTEs, LIMIT, = ANY (array),
-- NULL and text parameters, DELETE / UPDATE / INSERT ... SELECT with parameters (tags and
-- counts), the same text executed again with other values (in the prepared way: Bind and
-- Execute of the same named statement, whose DELETE tag must be fixed every time),
-- RETURNING with parameters. The rewritten statement keeps the parameter numbers.
-- @ways: extended, prepared
-- @params: (1,)
SELECT id, title FROM books WHERE author_id = %s ORDER BY id;
-- @params: (16,)
SELECT id, title FROM books WHERE author_id = %s ORDER BY id;
-- @params: (2, 1990)
SELECT a.name, b.title FROM authors a JOIN books b ON b.author_id = a.id
WHERE a.id = %s AND b.year > %s ORDER BY b.id;
-- @params: ([1, 16, 17, 18],)
SELECT id FROM authors WHERE id = ANY(%s) ORDER BY id;
-- @params: ('Place 0%', 5)
SELECT id, name FROM places WHERE name LIKE %s ORDER BY id LIMIT %s;
-- @params: (3,)
SELECT p.id, (SELECT count(*) FROM place_activities pa WHERE pa.place_id = p.id AND pa.activity_id > %s)
FROM places p ORDER BY p.id;
-- @params: (2000,)
WITH recent AS (SELECT * FROM books WHERE year >= %s) SELECT author_id, count(*) FROM recent GROUP BY author_id ORDER BY 1;
-- @params: (None,)
SELECT count(*) FROM authors WHERE country IS NOT DISTINCT FROM %s;
-- @params: (41,)
DELETE FROM chapters WHERE book_id = %s;
-- @params: (42,)
DELETE FROM chapters WHERE book_id = %s;
-- @params: (41,)
DELETE FROM chapters WHERE book_id = %s;
-- @params: (16,)
DELETE FROM chapters WHERE book_id = %s;
-- @params: (43, 2)
DELETE FROM chapters WHERE book_id = %s AND num >= %s RETURNING id, num, deleted_at;
-- @params: ([44, 45, 48],)
DELETE FROM chapters WHERE book_id = ANY(%s);
-- @params: (1, 'Author 17')
DELETE FROM authors WHERE id > %s AND name = %s RETURNING id;
-- @params: (1.5, 16)
UPDATE books SET price = price + %s WHERE author_id = %s;
-- @params: (1.5, 2)
UPDATE books SET price = price + %s WHERE author_id = %s;
-- @params: (4, "it's a param", 3)
INSERT INTO reviews (book_id, rating, reviewer)
  SELECT id, %s, %s FROM books WHERE author_id = %s RETURNING book_id, reviewer;
-- @params: (10,)
UPDATE place_activities SET activity_id = activity_id WHERE place_id < %s;
-- @params: (12,)
DELETE FROM places WHERE id = %s RETURNING *;
-- @params: (12,)
DELETE FROM places WHERE id = %s RETURNING *;
-- @params: (5,)
SELECT count(*) FROM place_activities WHERE place_id > %s;
-- @params: ('user18@example.com',)
DELETE FROM users WHERE email = %s;
-- @params: (18,)
SELECT count(*) FROM users WHERE id <= %s;
SELECT count(*) FROM chapters;
