-- partitions_inheritance.sql — SPEC §2 "ONLY, inheritance and partitions": reads and
-- deletes through a partitioned soft-delete table (archive.logs) and through its partitions
-- directly, UPDATE through the parent, and an inheritance parent
-- (archive.notes) whose child (archive.special_notes) inherits the marker: reads with and
-- without ONLY, DELETE with and without ONLY, counts.
SELECT count(*) FROM archive.logs;
SELECT id, day FROM archive.logs WHERE day BETWEEN '2023-12-01' AND '2024-02-01' ORDER BY id;
SELECT count(*) FROM archive.logs_2023;
SELECT count(*) FROM archive.logs_2024;
SELECT tableoid::regclass, count(*) FROM archive.logs GROUP BY 1 ORDER BY 1;
DELETE FROM archive.logs WHERE id IN (1, 2, 3, 19);
DELETE FROM archive.logs_2024 WHERE id = 21;
DELETE FROM archive.logs_2023 WHERE id = 21;
UPDATE archive.logs SET msg = msg || '.' WHERE id IN (4, 5, 20, 21);
SELECT tableoid::regclass, id, day, msg FROM archive.logs WHERE id <= 6 OR id >= 19 ORDER BY id;
SELECT count(*) FROM archive.logs;
SELECT count(*) FROM archive.notes;
SELECT count(*) FROM ONLY archive.notes;
SELECT count(*) FROM archive.special_notes;
SELECT tableoid::regclass, id FROM archive.notes WHERE id % 3 = 0 ORDER BY id;
DELETE FROM ONLY archive.notes WHERE id IN (3, 13);
DELETE FROM archive.notes WHERE id IN (4, 14);
DELETE FROM archive.special_notes WHERE id = 15 RETURNING id, extra;
SELECT id FROM archive.notes ORDER BY id;
SELECT id FROM ONLY archive.notes ORDER BY id;
SELECT id, extra FROM archive.special_notes ORDER BY id;
UPDATE archive.notes SET body = body || '.';
UPDATE ONLY archive.notes SET body = body || '!';
SELECT n.id, count(l.id) FROM archive.notes n LEFT JOIN archive.logs l ON l.id = n.id GROUP BY n.id ORDER BY n.id;
