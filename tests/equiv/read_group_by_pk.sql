-- read_group_by_pk.sql — SPEC §3 "the base table stays where it is": GROUP BY a primary key
-- with other columns of the table selected (functional dependency, what a view breaks, seed
-- 001), on both marker kinds and on a mixed-case quoted table, in joins and subqueries.
SELECT a.id, a.name, a.country, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id ORDER BY a.id;
SELECT b.*, count(c.id) AS chapters FROM books b LEFT JOIN chapters c ON c.book_id = b.id
GROUP BY b.id HAVING count(c.id) > 3 ORDER BY b.id;
SELECT p.id, p.name, p.is_deleted, count(pa.id) FROM places p LEFT JOIN place_activities pa ON pa.place_id = p.id
GROUP BY p.id ORDER BY p.id;
SELECT act.id, act.name, act.type, count(pa.place_id) FROM activities act
  LEFT JOIN place_activities pa ON pa.activity_id = act.id
GROUP BY act.id ORDER BY act.id;
SELECT i."ImprintId", i."Name", count(b.id) FROM "Imprints" i LEFT JOIN books b ON b."imprintId" = i."ImprintId"
GROUP BY i."ImprintId" ORDER BY i."ImprintId";
SELECT u.id, u.email, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id
GROUP BY u.id ORDER BY u.id;
SELECT c.id, c.name, count(k.id) FROM categories c LEFT JOIN categories k ON k.parent_id = c.id
GROUP BY c.id ORDER BY c.id;
SELECT * FROM (SELECT a.id, a.name, count(*) AS n FROM authors a JOIN books b ON b.author_id = a.id
               GROUP BY a.id) s WHERE s.n > 3 ORDER BY s.id;
SELECT bt.book_id, bt.tag_id, count(r.id) FROM book_tags bt LEFT JOIN reviews r ON r.book_id = bt.book_id
GROUP BY bt.book_id, bt.tag_id ORDER BY 1, 2 LIMIT 15;
