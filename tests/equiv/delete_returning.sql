-- delete_returning.sql — SPEC §4 DELETE ... RETURNING: RETURNING *, the marker column (NULL
-- in H: the row as it was before the delete, so NULL / false in S too), expressions,
-- aliases, RETURNING of rows already deleted (none), both marker kinds,
-- a timestamp-without-time-zone marker, and RETURNING through a mixed-case table.
DELETE FROM chapters WHERE book_id = 17 RETURNING *;
DELETE FROM chapters WHERE book_id = 17 RETURNING *;
DELETE FROM chapters WHERE id IN (1, 2) RETURNING id, deleted_at, deleted_at IS NULL AS was_live;
DELETE FROM places WHERE id = 10 RETURNING *;
DELETE FROM places WHERE id IN (9, 11) RETURNING id, name, is_deleted, NOT is_deleted AS was_live;
DELETE FROM authors a WHERE a.id IN (18, 20) RETURNING a.id, upper(a.name) AS shout, a.deleted_at;
DELETE FROM books WHERE id IN (55, 56, 57) RETURNING id, title, price * 2 AS doubled;
DELETE FROM users WHERE id = 16 RETURNING users.*;
DELETE FROM archive.events WHERE id BETWEEN 1 AND 9 RETURNING id, deleted_at, happened_at;
DELETE FROM categories WHERE id = 13 RETURNING (SELECT count(*) FROM categories) AS before_count;
DELETE FROM activities WHERE name IN ('yoga', 'chess') RETURNING name, type;
DELETE FROM orders WHERE id = 40 RETURNING id, user_id, total, status, deleted_at;
DELETE FROM place_activities WHERE place_id IN (9, 12) RETURNING *;
DELETE FROM "Imprints" WHERE "ImprintId" = 6 RETURNING "Name", deleted_at;
SELECT count(*) FROM chapters;
SELECT id, name FROM places ORDER BY id;
