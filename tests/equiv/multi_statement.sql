-- multi_statement.sql — SPEC §4/§7: several statements in ONE simple Query message (psql
-- sends `\;`-joined statements as one Query; the psycopg ways run them one by one): one
-- CommandComplete per statement with the right tag (DELETE n among SELECTs and UPDATEs),
-- the implicit transaction of a multi-statement Query (an error rolls back the earlier
-- deletes of the same Query), explicit BEGIN/COMMIT inside one Query, statements that
-- touch no soft-delete table mixed in, empty statements.
SELECT count(*) FROM chapters\; DELETE FROM chapters WHERE book_id = 24\; SELECT count(*) FROM chapters;
DELETE FROM chapters WHERE book_id = 25\; UPDATE books SET price = price + 1 WHERE id = 25\; DELETE FROM chapters WHERE book_id = 25;
SELECT 1 AS one\; DELETE FROM places WHERE id = 15\; SELECT 2 AS two\; DELETE FROM archive.events WHERE id < 4;
DELETE FROM chapters WHERE book_id = 26\; SELECT 1 / 0\; DELETE FROM chapters WHERE book_id = 27;
SELECT count(*) FROM chapters WHERE book_id IN (26, 27);
BEGIN\; DELETE FROM chapters WHERE book_id = 28\; COMMIT;
BEGIN\; DELETE FROM chapters WHERE book_id = 29\; ROLLBACK;
SELECT book_id, count(*) FROM chapters WHERE book_id BETWEEN 24 AND 30 GROUP BY book_id ORDER BY book_id;
SELECT 'plain'\; DELETE FROM tags WHERE id = 9\; SELECT count(*) FROM tags;
DELETE FROM activities WHERE id = 7 RETURNING name\; DELETE FROM activities WHERE id = 7 RETURNING name;
DELETE FROM chapters WHERE book_id = 30\; \; SELECT count(*) FROM chapters WHERE book_id = 30;
PREPARE m AS DELETE FROM chapters WHERE book_id = 31\; EXECUTE m\; EXECUTE m\; DEALLOCATE m;
SELECT count(*) FROM chapters;
