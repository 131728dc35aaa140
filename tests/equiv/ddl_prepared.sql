-- ddl_prepared.sql — issue 10: statements prepared before their table got a marker (SQL
-- PREPARE in every way; protocol-level named statements in the `prepared` way, which
-- prepares each text once and reuses it) are prepared again, rewritten, before they run
-- after the ALTER: the DELETE marks, the SELECT hides. Then the marker is dropped: the
-- statements are prepared again without it (no predicate on a column that is gone).
CREATE TABLE pr_plain (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO pr_plain SELECT i, 'n' || i FROM generate_series(1, 8) i;
PREPARE pr_del(int) AS DELETE FROM pr_plain WHERE id = $1;
PREPARE pr_all AS SELECT id, name FROM pr_plain ORDER BY id;
EXECUTE pr_del(1);
SELECT id FROM pr_plain WHERE id < 4 ORDER BY id;
ALTER TABLE pr_plain ADD COLUMN deleted_at timestamptz;
EXECUTE pr_del(2);
EXECUTE pr_all;
SELECT id FROM pr_plain WHERE id < 4 ORDER BY id;
DELETE FROM pr_plain WHERE id = 3;
SELECT count(*) FROM pr_plain;
CREATE TABLE pr_marked (id int PRIMARY KEY, deleted_at timestamptz);
INSERT INTO pr_marked SELECT generate_series(1, 4);
PREPARE pm_all AS SELECT id FROM pr_marked ORDER BY id;
EXECUTE pm_all;
SELECT id FROM pr_marked ORDER BY id;
ALTER TABLE pr_marked DROP COLUMN deleted_at;
EXECUTE pm_all;
SELECT id FROM pr_marked ORDER BY id;
