-- cascade_hidden.sql — SPEC §3 last point: rows of a table WITHOUT a marker whose parent
-- is marked, through an ON DELETE CASCADE foreign key, are hidden as a real delete would
-- have removed them: one level (place_activities, footnotes, book_tags), two levels down
-- (pa_notes), either of two parents (place_activities), in reads, joins, subqueries,
-- counts, COPY TO, and in UPDATE / DELETE of those unmarked tables (their counts). Only
-- marking deletes here: no foreign-key action is needed.
SELECT count(*) FROM place_activities;
SELECT count(*) FROM pa_notes;
DELETE FROM places WHERE id IN (1, 2);
DELETE FROM activities WHERE id = 5;
SELECT * FROM place_activities ORDER BY id;
SELECT * FROM pa_notes ORDER BY id;
SELECT pa.place_id, n.note FROM pa_notes n JOIN place_activities pa ON pa.id = n.place_activity_id
ORDER BY n.id;
SELECT n.id, pa.id FROM pa_notes n LEFT JOIN place_activities pa ON pa.id = n.place_activity_id
ORDER BY n.id;
SELECT p.id, pa.id FROM places p RIGHT JOIN place_activities pa ON pa.place_id = p.id
ORDER BY pa.id;
SELECT count(*) FROM pa_notes WHERE place_activity_id IN (SELECT id FROM place_activities WHERE place_id = 1);
COPY place_activities TO STDOUT;
COPY (SELECT n.id, n.note FROM pa_notes n ORDER BY n.id) TO STDOUT;
UPDATE pa_notes SET note = note || ' (seen)';
UPDATE place_activities SET activity_id = activity_id WHERE place_id IN (1, 2, 3);
DELETE FROM pa_notes WHERE place_activity_id < 10;
DELETE FROM place_activities WHERE place_id IN (1, 2, 3) RETURNING place_id, activity_id;
SELECT count(*) FROM footnotes;
DELETE FROM chapters WHERE book_id IN (5, 6);
SELECT f.id, f.chapter_id FROM footnotes f WHERE f.chapter_id BETWEEN 10 AND 30 ORDER BY f.id;
SELECT c.id, count(f.id) FROM chapters c LEFT JOIN footnotes f ON f.chapter_id = c.id
WHERE c.book_id BETWEEN 4 AND 7 GROUP BY c.id ORDER BY c.id;
DELETE FROM footnotes WHERE chapter_id BETWEEN 10 AND 30;
SELECT count(*) FROM book_tags;
DELETE FROM books WHERE id IN (51, 52);
SELECT * FROM book_tags WHERE book_id BETWEEN 48 AND 60 ORDER BY book_id, tag_id;
SELECT t.name, count(*) FROM book_tags bt JOIN tags t ON t.id = bt.tag_id GROUP BY t.name ORDER BY t.name;
UPDATE book_tags SET tag_id = tag_id WHERE book_id > 45;
