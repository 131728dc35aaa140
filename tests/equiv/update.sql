-- update.sql — SPEC §4 "UPDATE never touches marked rows" (the counts!): UPDATE of every
-- row, with WHERE naming deleted rows, UPDATE ... FROM a soft table, subqueries in SET and
-- WHERE, RETURNING *, UPDATE in a CTE, UPDATE of unmarked tables whose hidden rows must not
-- count, of both marker kinds, of a table in a second schema, and setting the marker to
-- "live" on rows that are live anyway.
UPDATE books SET price = price + 1;
UPDATE books SET price = 0 WHERE id IN (16, 32, 55);
UPDATE books SET year = year + 1 WHERE author_id = 16;
UPDATE authors SET country = 'DE' WHERE country IS NULL RETURNING id, name, country;
UPDATE chapters SET pages = pages * 2 WHERE book_id IN (3, 16, 48);
UPDATE chapters SET pages = 1 WHERE id % 17 = 0;
UPDATE places SET name = upper(name);
UPDATE activities SET type = 'misc' WHERE type IS NULL;
UPDATE users SET visits = visits + 1 WHERE id > 15 RETURNING *;
UPDATE orders o SET status = 'user-gone' FROM users u WHERE u.id = o.user_id AND u.id IN (9, 19);
UPDATE books b SET price = b.price + 10 FROM authors a WHERE a.id = b.author_id AND a.country = 'JP';
UPDATE chapters c SET title = c.title || '!' FROM books b, authors a
  WHERE b.id = c.book_id AND a.id = b.author_id AND a.id IN (3, 16);
UPDATE reviews SET rating = (SELECT count(*) FROM books WHERE books.author_id = 16) + 1
  WHERE id IN (1, 2);
UPDATE authors SET name = name || ' *' WHERE id IN (SELECT author_id FROM books WHERE year > 2010);
UPDATE categories SET name = name || ' (leaf)' WHERE id NOT IN (SELECT parent_id FROM categories WHERE parent_id IS NOT NULL);
WITH u AS (UPDATE archive.events SET kind = kind || '+' WHERE id <= 10 RETURNING id)
SELECT count(*) FROM u;
UPDATE place_activities SET activity_id = activity_id;
UPDATE pa_notes SET note = note || '.';
UPDATE footnotes SET body = body || '.' WHERE chapter_id < 40;
UPDATE book_tags SET tag_id = tag_id WHERE book_id IN (16, 17, 55, 56);
UPDATE books SET deleted_at = NULL WHERE id IN (1, 16);
UPDATE places SET is_deleted = false WHERE id IN (4, 9, 10);
UPDATE staff SET name = name || '.' WHERE office_id = 1;
UPDATE "Imprints" SET "Name" = "Name" || '.' RETURNING "ImprintId";
SELECT id, price, year FROM books WHERE id % 5 = 1 ORDER BY id;
SELECT * FROM places ORDER BY id;
SELECT id, status FROM orders WHERE user_id IN (9, 19) ORDER BY id;
SELECT id, name FROM categories ORDER BY id;
UPDATE books SET price = price + 100 WHERE author_id = 16 OR id = 2 OR id = 55;
UPDATE books b SET price = o.price FROM books o WHERE o.id = b.id + 1 AND b.id IN (15, 47, 53, 54, 57);
UPDATE pa_notes SET note = note || '~' FROM places;
UPDATE chapters SET pages = pages + 1 WHERE book_id IN (SELECT id FROM books WHERE author_id = 16) OR id = 1;
SELECT id, price FROM books WHERE id IN (2, 15, 16, 47, 53, 54, 55, 57) ORDER BY id;
