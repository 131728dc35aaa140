-- fk_insert_deleted_parent.sql — SPEC §4 "inserting or updating a row to reference a marked
-- parent fails with 23503, as it would under a real delete": INSERT, INSERT ... SELECT,
-- UPDATE of the foreign key, COPY FROM, for soft children (books, chapters, orders,
-- categories) and unmarked children (reviews, staff, place_activities), a parent hidden
-- rather than marked (pa_notes → a place_activities row of a deleted place), multi-row
-- inserts where one row is bad (nothing inserted), and a parent deleted earlier in the
-- same transaction. (The keys written are ones no hidden row holds: a hidden row still
-- holds its unique keys, README "Where equivalence cannot hold".)
INSERT INTO books (author_id, title, year) VALUES (16, 'Posthumous', 2024);
INSERT INTO books (author_id, title, year) VALUES (18, 'Prelude-deleted author', 2024);
INSERT INTO books (author_id, title, year) VALUES (17, 'Fine', 2024), (19, 'Not fine', 2024);
SELECT count(*) FROM books;
INSERT INTO chapters (book_id, num, title, pages) VALUES (55, 1, 'x', 1);
INSERT INTO chapters (book_id, num, title, pages) SELECT 32, 9, 'y', 1;
INSERT INTO reviews (book_id, rating, reviewer) VALUES (48, 3, 'late');
INSERT INTO reviews (book_id, rating, reviewer) VALUES (NULL, 3, 'no book');
UPDATE reviews SET book_id = 16 WHERE id = 1;
UPDATE books SET author_id = 18 WHERE id = 1;
UPDATE books SET author_id = 17 WHERE id = 1;
INSERT INTO orders (user_id, total) VALUES (19, 1.00);
INSERT INTO orders (user_id, total) VALUES (20, 1.00);
INSERT INTO staff (name, office_id) VALUES ('Nowhere', 5);
UPDATE staff SET office_id = 5 WHERE id = 1;
INSERT INTO place_activities (place_id, activity_id) VALUES (9, 1);
INSERT INTO place_activities (place_id, activity_id) VALUES (5, 3);
INSERT INTO place_activities (place_id, activity_id) VALUES (1, 14);
SELECT pa.id FROM place_activities pa WHERE pa.place_id = 4 ORDER BY pa.id;
INSERT INTO pa_notes (place_activity_id, note)
  SELECT min(id), 'on a hidden row (none: NOT NULL fails)' FROM place_activities WHERE place_id = 4;
INSERT INTO pa_notes (place_activity_id, note) VALUES (10, 'pa 10 belongs to place 4: hidden');
INSERT INTO categories (parent_id, name) VALUES (6, 'under a deleted node');
INSERT INTO categories (parent_id, name) VALUES (7, 'under a live node') RETURNING id;
INSERT INTO book_tags (book_id, tag_id) VALUES (60, 2);
COPY chapters (book_id, num, title, pages) FROM STDIN;
1	9	fine	1
58	1	deleted book	1
\.
SELECT count(*) FROM chapters;
BEGIN;
DELETE FROM authors WHERE id = 17;
INSERT INTO books (author_id, title, year) VALUES (17, 'Too late', 2024);
ROLLBACK;
BEGIN;
DELETE FROM places WHERE id = 20;
INSERT INTO place_activities (place_id, activity_id) VALUES (20, 1);
COMMIT;
SELECT count(*) FROM place_activities WHERE place_id = 20;
