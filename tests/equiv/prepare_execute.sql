-- prepare_execute.sql — SPEC §3 PREPARE and SQL-level EXECUTE: prepared reads see live rows
-- only, a prepared DELETE reports "DELETE n" at every EXECUTE (and DELETE 0 once the rows
-- are gone), prepared UPDATE counts, RETURNING, DEALLOCATE, DEALLOCATE ALL, re-using a
-- name for a different statement (the tag fix must follow), EXECUTE of an unknown name,
-- PREPARE / DEALLOCATE inside a rolled-back transaction (they are not transactional).
PREPARE books_of(int) AS SELECT id, title FROM books WHERE author_id = $1 ORDER BY id;
EXECUTE books_of(1);
EXECUTE books_of(16);
PREPARE del_chapters(int) AS DELETE FROM chapters WHERE book_id = $1;
EXECUTE del_chapters(12);
EXECUTE del_chapters(12);
EXECUTE del_chapters(16);
EXECUTE books_of(12);
PREPARE del_ret(int, int) AS DELETE FROM chapters WHERE book_id = $1 AND num <= $2 RETURNING id, num, deleted_at;
EXECUTE del_ret(13, 2);
EXECUTE del_ret(13, 9);
PREPARE bump AS UPDATE books SET price = price + 1 WHERE author_id IN (16, 17, 1);
EXECUTE bump;
PREPARE cnt AS SELECT count(*) FROM chapters;
EXECUTE cnt;
DEALLOCATE del_chapters;
EXECUTE del_chapters(14);
PREPARE del_chapters(int) AS SELECT count(*) FROM chapters WHERE book_id = $1;
EXECUTE del_chapters(14);
PREPARE del_place AS DELETE FROM places WHERE id > 17;
EXECUTE del_place;
EXECUTE cnt;
DEALLOCATE ALL;
EXECUTE cnt;
PREPARE cnt AS DELETE FROM archive.events WHERE id < 10;
EXECUTE cnt;
EXECUTE cnt;
DEALLOCATE PREPARE cnt;
PREPARE ins(text) AS INSERT INTO tags (name) VALUES ($1) RETURNING id, name;
EXECUTE ins('prepared');
SELECT name, statement FROM pg_prepared_statements WHERE name = 'ins';
BEGIN;
PREPARE px(int) AS DELETE FROM chapters WHERE book_id = $1;
ROLLBACK;
EXECUTE px(47);
BEGIN;
DEALLOCATE px;
ROLLBACK;
EXECUTE px(47);
PREPARE del_or(int) AS DELETE FROM chapters WHERE book_id = $1 OR book_id = 16;
EXECUTE del_or(49);
