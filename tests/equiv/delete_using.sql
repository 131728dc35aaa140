-- delete_using.sql — SPEC §3/§4 DELETE ... USING (kept as UPDATE ... FROM): USING soft and
-- plain tables, several USING tables, USING a subquery and a join, USING rows that are
-- deleted (they must not match), the target aliased, USING with the same table twice
-- (self join), and RETURNING columns of the USING tables.
DELETE FROM chapters c USING books b WHERE b.id = c.book_id AND b.author_id = 16;
DELETE FROM chapters c USING books b WHERE b.id = c.book_id AND b.author_id = 4;
DELETE FROM chapters USING books, authors
  WHERE books.id = chapters.book_id AND authors.id = books.author_id AND authors.country = 'BR' AND chapters.num = 1;
DELETE FROM chapters c USING (SELECT id FROM books WHERE year < 1960) old WHERE old.id = c.book_id;
DELETE FROM place_activities pa USING places p WHERE p.id = pa.place_id AND p.name IN ('Place 04', 'Place 06', 'Place 09');
DELETE FROM activities a USING place_activities pa WHERE pa.activity_id = a.id AND pa.place_id = 7
  RETURNING a.id, a.name, pa.place_id;
DELETE FROM categories c USING categories p WHERE p.id = c.parent_id AND p.id IN (6, 8, 11);
DELETE FROM users u USING users other WHERE other.id = u.id + 1 AND u.id IN (15, 16, 18) RETURNING u.id;
DELETE FROM archive.events e USING public.authors a WHERE a.id = e.author_id AND a.id IN (1, 16, 18, 19);
DELETE FROM footnotes f USING chapters c WHERE c.id = f.chapter_id AND c.book_id IN (3, 16, 20);
DELETE FROM orders o USING users u WHERE u.id = o.user_id AND o.id BETWEEN 21 AND 30 AND u.email LIKE 'user1%';
DELETE FROM chapters c USING books b JOIN "Imprints" i ON i."ImprintId" = b."imprintId"
  WHERE b.id = c.book_id AND i."ImprintId" IN (5, 2) AND c.num = 2;
SELECT count(*) FROM chapters;
SELECT count(*) FROM place_activities;
SELECT id FROM activities ORDER BY id;
SELECT id FROM categories ORDER BY id;
SELECT id FROM users ORDER BY id;
SELECT count(*) FROM archive.events;
SELECT count(*) FROM footnotes;
SELECT id FROM orders ORDER BY id;
