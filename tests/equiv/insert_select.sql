-- insert_select.sql — SPEC §3 INSERT ... SELECT reads live rows only: from soft tables,
-- joins, CTEs, subqueries in VALUES, INSERT ... SELECT ... RETURNING, into plain, unmarked
-- and soft-delete tables (new rows referencing live parents only: no foreign-key check of a
-- deleted parent is involved here).
INSERT INTO tags (name, color) SELECT 'by-' || name, NULL FROM authors WHERE id > 14;
SELECT id, name FROM tags WHERE id > 10 ORDER BY id;
INSERT INTO reviews (book_id, rating, reviewer)
  SELECT b.id, 5, 'bulk' FROM books b JOIN authors a ON a.id = b.author_id WHERE a.id IN (1, 16)
  RETURNING id, book_id;
INSERT INTO events (kind, day)
  VALUES ((SELECT count(*)::text FROM authors), date '2024-06-01'),
         ((SELECT count(*)::text FROM chapters), date '2024-06-02')
  RETURNING kind;
WITH src AS (SELECT name FROM archive.authors WHERE id <= 3)
INSERT INTO authors (name, country) SELECT name || ' (restored)', 'XX' FROM src ORDER BY name
RETURNING id, name;
INSERT INTO place_activities (place_id, activity_id)
  SELECT p.id, a.id FROM places p CROSS JOIN activities a
  WHERE p.id IN (19, 20) AND a.id IN (14, 15)
  RETURNING place_id, activity_id;
INSERT INTO archive.authors (name, archived_on)
  SELECT name, date '2024-01-01' FROM public.authors WHERE id BETWEEN 15 AND 20 ORDER BY id;
SELECT id, name FROM archive.authors ORDER BY id;
INSERT INTO pa_notes (place_activity_id, note)
  SELECT id, 'bulk note' FROM place_activities WHERE activity_id IN (3, 4, 14);
SELECT place_activity_id, note FROM pa_notes ORDER BY id;
INSERT INTO book_tags (book_id, tag_id)
  SELECT b.id, 1 FROM books b WHERE b.id > 50 AND NOT EXISTS (SELECT 1 FROM book_tags bt WHERE bt.book_id = b.id AND bt.tag_id = 1);
SELECT * FROM book_tags WHERE tag_id = 1 ORDER BY book_id;
INSERT INTO chapters (book_id, num, title, pages)
  SELECT id, 1, 'First of ' || title, 10 FROM books WHERE id > 50 ORDER BY id
  RETURNING book_id, num;
