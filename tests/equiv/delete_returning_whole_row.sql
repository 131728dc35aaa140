-- delete_returning_whole_row.sql — SPEC §4 DELETE ... RETURNING of a whole-row reference
-- (RETURNING t, RETURNING row_to_json(t)): the row as it was before the delete, marker
-- column NULL / false included, as H returns it.
DELETE FROM authors WHERE id = 17 RETURNING authors;
DELETE FROM authors a WHERE a.id = 20 RETURNING row_to_json(a);
DELETE FROM places p WHERE p.id = 12 RETURNING p;
SELECT count(*) FROM authors;
