-- fk_tree_cascade.sql — SPEC §4 CASCADE on a self-referencing soft table (categories): a
-- root takes its whole subtree, a middle node its leaves, a subtree partly deleted already,
-- recursive reads afterwards, RETURNING, a cascade in a rolled-back transaction.
WITH RECURSIVE t AS (SELECT id, 0 AS d FROM categories WHERE parent_id IS NULL
                     UNION ALL SELECT c.id, t.d + 1 FROM categories c JOIN t ON c.parent_id = t.id)
SELECT d, count(*) FROM t GROUP BY d ORDER BY d;
DELETE FROM categories WHERE id = 4 RETURNING id, parent_id;
SELECT id FROM categories ORDER BY id;
BEGIN;
DELETE FROM categories WHERE parent_id IS NULL;
SELECT count(*) FROM categories;
ROLLBACK;
DELETE FROM categories WHERE id = 3;
SELECT id, parent_id FROM categories ORDER BY id;
DELETE FROM categories WHERE id IN (1, 5);
SELECT id, parent_id FROM categories ORDER BY id;
WITH RECURSIVE t AS (SELECT id FROM categories WHERE id = 2
                     UNION ALL SELECT c.id FROM categories c JOIN t ON c.parent_id = t.id)
SELECT count(*) FROM t;
DELETE FROM categories;
SELECT count(*) FROM categories;
