-- comments.sql — SPEC §6 last point and §3: comments anywhere in a statement must neither
-- break the rewrite nor be taken for code: leading and trailing block comments
-- (sqlcommenter style), line comments between keywords and table names, nested block
-- comments, comments that contain table names, semicolons and quotes, comments in
-- DELETE / UPDATE / subqueries / joins.
/* leading */ SELECT count(*) FROM authors;
SELECT count(*) FROM authors /*controller='index',framework='django'*/;
SELECT count(*) FROM -- the table is on the next line
  books
WHERE -- only some
  year > 1990;
SELECT count(*) FROM /* outer /* nested FROM authors */ still comment */ chapters;
SELECT /* FROM authors a JOIN books */ 1 AS one;
SELECT count(*) /* ; */ FROM users /* ' */ WHERE id > 0 /* " */;
SELECT a.id FROM authors a /* join */ JOIN /* books */ books b ON b.author_id = a.id -- tail
WHERE a.id IN (1, 16) ORDER BY a.id, b.id;
SELECT count(*) FROM places WHERE id IN (/* sub */ SELECT place_id FROM place_activities -- pa
);
DELETE /* hint */ FROM chapters -- which
WHERE book_id = 9 /* app=tests */;
DELETE FROM chapters WHERE book_id = 10 /* ; DELETE FROM authors */;
UPDATE books /* u */ SET price = price + 1 WHERE author_id = 16 -- gone
;
UPDATE books SET price = price + 1 WHERE author_id = 2 /*trailing*/;
SELECT count(*) FROM chapters;
SELECT sum(price) FROM books;
SELECT 'FROM authors -- not a comment' AS s, $$/* not a comment */ FROM books$$ AS d;
