-- tests/equiv/prelude.sql — rows already deleted when every script starts.
--
-- run.py runs this file before each script, in each run way, with psql (simple protocol):
-- through the proxy for S, directly for H. Its transcript is compared like a script's
-- (a difference is reported as "<script> [<way>] prelude"), and the rows it marks in S are
-- covered by the physical-existence check, so it tests plain DELETEs too.
--
-- Every DELETE here removes rows that no foreign key with a SET NULL / SET DEFAULT /
-- RESTRICT / NO ACTION action or a soft-delete child references (see the seed notes in
-- schema.sql), so this prelude needs no foreign-key action from the proxy — only marking
-- (§4 first point) and hiding of unmarked ON DELETE CASCADE children (§3): footnotes,
-- book_tags, place_activities and pa_notes rows are hidden by these deletes.

DELETE FROM authors WHERE id IN (18, 19);
DELETE FROM "Imprints" WHERE "ImprintId" = 6;
DELETE FROM books WHERE id IN (55, 58, 60);
DELETE FROM chapters WHERE book_id = 3 AND num = 1;
DELETE FROM chapters WHERE id % 17 = 0;
DELETE FROM places WHERE id = 4;
DELETE FROM activities WHERE name = 'kayaking';
DELETE FROM users WHERE id IN (17, 20);
DELETE FROM orders WHERE id IN (38, 39);
DELETE FROM offices WHERE id = 5;
DELETE FROM categories WHERE id IN (29, 30);
DELETE FROM archive.events WHERE id % 7 = 0;
