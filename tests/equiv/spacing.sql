-- spacing.sql — issue 16's fuzzing found rewrites that broke where the client's text has no
-- white space, or other white space or comments, beside the place a predicate goes: a splice
-- that glued two words (IN (1, 2)ORDER BY), a cached template applied to a twin text with
-- other white space or comments. Twins follow each other so that the second is rewritten
-- from the first's template. (The vertical tab, which PostgreSQL 15's scanner rejects, is in
-- tests/unit/test_rw_cache.c: the corpus files must split with the scanner.)
SELECT id FROM books WHERE author_id IN (1, 2)ORDER BY id;
SELECT id FROM books WHERE author_id IN (2, 3)ORDER BY id;
SELECT count(*)FROM books;
SELECT id FROM books/* a comment */WHERE author_id = 2 ORDER BY id;
SELECT id FROM books  /* another */  WHERE author_id = 3 ORDER BY id;
SELECT b.id FROM books b JOIN authors a ON a.id = b.author_id WHERE a.id IN (1,2)ORDER BY b.id;
SELECT b.id FROM books b JOIN authors a ON a.id = b.author_id WHERE a.id IN (3,4)ORDER BY b.id;
DELETE FROM books WHERE id IN (SELECT id FROM books WHERE author_id = 2)RETURNING id;
SELECT id FROM books WHERE author_id = 2 ORDER BY id;
DELETE FROM authors WHERE id IN (3)RETURNING id;
SELECT id FROM books WHERE author_id = 3 ORDER BY id;
