-- create_table_as.sql — SPEC §3 CREATE TABLE AS / SELECT INTO / CREATE TEMP TABLE AS /
-- WITH NO DATA / IF NOT EXISTS: the new tables receive live rows only (the state check
-- compares them too, as all-rows tables), and they are not soft-delete tables of anything.
CREATE TABLE author_counts AS
  SELECT a.id, a.name, count(b.id) AS books FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.id;
SELECT * FROM author_counts ORDER BY id;
SELECT id, title INTO book_titles FROM books WHERE year < 1980;
SELECT count(*) FROM book_titles;
CREATE TEMP TABLE tmp_places AS SELECT p.*, (SELECT count(*) FROM place_activities pa WHERE pa.place_id = p.id) AS n FROM places p;
SELECT * FROM tmp_places ORDER BY id;
CREATE TABLE IF NOT EXISTS chapter_copy AS SELECT * FROM chapters WHERE book_id <= 20;
CREATE TABLE IF NOT EXISTS chapter_copy AS SELECT * FROM chapters;
SELECT count(*), count(deleted_at) FROM chapter_copy;
CREATE TABLE empty_users AS SELECT * FROM users WITH NO DATA;
SELECT count(*) FROM empty_users;
CREATE TABLE archive.event_kinds AS SELECT kind, count(*) AS n FROM archive.events GROUP BY kind;
SELECT * FROM archive.event_kinds ORDER BY kind;
DELETE FROM chapter_copy WHERE book_id = 3;
SELECT count(*) FROM chapter_copy;
CREATE TABLE tree_copy AS
  WITH RECURSIVE t AS (SELECT id, parent_id FROM categories WHERE id = 2
                       UNION ALL SELECT c.id, c.parent_id FROM categories c JOIN t ON c.parent_id = t.id)
  SELECT * FROM t;
SELECT * FROM tree_copy ORDER BY id;
