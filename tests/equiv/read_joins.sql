-- read_joins.sql — SPEC §3 joins: inner, LEFT, RIGHT, FULL (soft tables on either side and
-- on both), USING and NATURAL (no ON to extend), CROSS and comma joins, self join, chains
-- of outer joins, nested and parenthesized joins, a parenthesized join with an alias and
-- column aliases, anti-joins (LEFT JOIN ... WHERE x IS NULL), extra conditions in ON.
SELECT a.id, a.name, b.id AS book_id, b.title
FROM authors a JOIN books b ON b.author_id = a.id
WHERE a.id IN (1, 16, 17) ORDER BY a.id, b.id;
SELECT a.id, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id ORDER BY a.id;
SELECT a.id FROM authors a LEFT JOIN books b ON b.author_id = a.id
WHERE b.id IS NULL ORDER BY a.id;
SELECT b.id, a.name FROM authors a RIGHT JOIN books b ON b.author_id = a.id ORDER BY b.id;
SELECT r.id, r.book_id, b.title FROM reviews r LEFT JOIN books b ON b.id = r.book_id
ORDER BY r.id;
SELECT b.id, r.id FROM books b FULL JOIN reviews r ON r.book_id = b.id
ORDER BY b.id NULLS FIRST, r.id NULLS FIRST;
SELECT i."ImprintId", b.id FROM "Imprints" i FULL OUTER JOIN books b
  ON b."imprintId" = i."ImprintId" AND b.year > 1990
ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;
SELECT b.id, c.num FROM books b LEFT JOIN chapters c ON c.book_id = b.id AND c.num > 2
WHERE b.id <= 20 ORDER BY b.id, c.num;
SELECT book_id, c.num, r.rating FROM chapters c JOIN reviews r USING (book_id)
ORDER BY book_id, c.num, r.id;
SELECT book_id, count(c.id) FROM reviews r LEFT JOIN chapters c USING (book_id)
GROUP BY book_id ORDER BY book_id NULLS FIRST;
SELECT author_id, count(b.id) AS books, count(e.id) AS events
FROM books b FULL JOIN archive.events e USING (author_id)
GROUP BY author_id ORDER BY author_id NULLS FIRST;
SELECT author_id, b.id, e.id FROM books b RIGHT JOIN archive.events e USING (author_id)
WHERE e.id <= 12 ORDER BY author_id, b.id NULLS FIRST, e.id;
SELECT * FROM reviews NATURAL JOIN book_tags ORDER BY id, tag_id;
SELECT r.id, tag_id FROM reviews r NATURAL LEFT JOIN book_tags ORDER BY r.id, tag_id NULLS FIRST;
SELECT count(*) FROM authors, offices;
SELECT count(*) FROM users CROSS JOIN places WHERE users.id < 5;
SELECT c.id, c.name, p.name AS parent FROM categories c JOIN categories p ON p.id = c.parent_id
ORDER BY c.id;
SELECT c.id, p.id FROM categories c LEFT JOIN categories p ON p.id = c.parent_id
WHERE c.id > 10 ORDER BY c.id;
SELECT a.id, b.id, c.id FROM authors a
  LEFT JOIN books b ON b.author_id = a.id
  LEFT JOIN chapters c ON c.book_id = b.id AND c.num = 1
WHERE a.id IN (3, 16, 17) ORDER BY a.id, b.id, c.id;
SELECT a.id, b.id, c.id FROM authors a
  LEFT JOIN (books b JOIN chapters c ON c.book_id = b.id AND c.num = 1) ON b.author_id = a.id
WHERE a.id BETWEEN 1 AND 4 OR a.id = 16 ORDER BY a.id, b.id, c.id;
SELECT p.id, pa.id, act.name FROM places p
  LEFT JOIN place_activities pa ON pa.place_id = p.id
  LEFT JOIN activities act ON act.id = pa.activity_id
ORDER BY p.id, pa.id;
SELECT p.id, act.id FROM places p
  FULL JOIN (place_activities pa JOIN activities act ON act.id = pa.activity_id)
    ON pa.place_id = p.id
ORDER BY p.id NULLS FIRST, act.id NULLS FIRST;
SELECT j.aid, j.author_name, count(*) FROM
  (authors a JOIN books b ON b.author_id = a.id)
    AS j (aid, author_name, country, author_deleted, book_id, book_author)
GROUP BY j.aid, j.author_name ORDER BY j.aid;
SELECT x.book_id, x.num FROM ((books JOIN chapters ON chapters.book_id = books.id)) AS x(bid, aid, imp, btitle, yr, price, bdel, cid, book_id, num)
WHERE x.aid = 5 ORDER BY x.book_id, x.num;
SELECT u.id, o.id, i.id FROM users u JOIN orders o ON o.user_id = u.id
  LEFT JOIN invoices i ON i.order_id = o.id
WHERE u.id IN (9, 10) ORDER BY u.id, o.id;
SELECT s.name, o.city FROM staff s JOIN offices o ON o.id = s.office_id ORDER BY s.id;
SELECT s.id, o.city FROM offices o RIGHT JOIN staff s ON s.office_id = o.id ORDER BY s.id;
SELECT t.name, count(bt.book_id) FROM tags t LEFT JOIN book_tags bt ON bt.tag_id = t.id
GROUP BY t.name ORDER BY t.name;
SELECT b.id, t.name FROM books b JOIN book_tags bt ON bt.book_id = b.id JOIN tags t ON t.id = bt.tag_id
WHERE b.id BETWEEN 12 AND 18 ORDER BY b.id, t.name;
SELECT b1.id, b2.id FROM books b1 JOIN books b2 ON b2.author_id = b1.author_id AND b1.id < b2.id
WHERE b1.author_id IN (16, 15) ORDER BY 1, 2;
SELECT authors.id, books.name FROM books AS authors JOIN authors AS books ON books.id = authors.author_id
WHERE authors.id IN (1, 16, 48) ORDER BY 1;
SELECT a.id FROM authors a WHERE EXISTS (SELECT 1 FROM books a WHERE a.author_id = 16) ORDER BY 1;
SELECT a.id, b.id, c.id FROM authors a, books b LEFT JOIN chapters c ON c.book_id = b.id AND c.num = 1
WHERE b.author_id = a.id AND a.id IN (3, 16) ORDER BY 1, 2, 3;
SELECT a.id, b.id, c.id FROM authors a
  LEFT JOIN (books b LEFT JOIN chapters c ON c.book_id = b.id AND c.num = 2) ON b.author_id = a.id
WHERE a.id IN (3, 16, 17) ORDER BY 1, 2, 3;
SELECT j.book_id, count(*) FROM chapters c JOIN reviews r USING (book_id) AS j
GROUP BY j.book_id ORDER BY 1 LIMIT 8;
SELECT a.id, count(b.id) FROM authors a LEFT JOIN books b ON true WHERE a.id > 15 GROUP BY a.id ORDER BY 1;
SELECT count(*) FROM public.authors JOIN archive.authors aa ON aa.name = authors.name;
SELECT authors.id, aa.id FROM public.authors LEFT JOIN archive.authors aa ON aa.name = authors.name
WHERE authors.id % 3 = 0 ORDER BY 1;
SELECT p.id, a.id FROM places p NATURAL FULL JOIN activities a WHERE p.id < 4 OR a.id < 4 ORDER BY 1, 2;
