-- plain_tables.sql — statements on tables without soft deletes go through unchanged
-- (UPDATE ... SET and INSERT INTO name no known table: forwarded after lexing only), and a
-- (SELECT ... INTO) after an INSERT in the same Query message is still seen as creating a
-- table: gizmos gets a marker column, so the DELETE that follows marks instead of deleting.
UPDATE tags SET color = 'teal' WHERE id = 2;
INSERT INTO tags (name, color) VALUES ('plain-1', 'red'), ('plain-2', NULL);
UPDATE tags SET color = NULL WHERE name LIKE 'plain-%' RETURNING name, color;
INSERT INTO tags (name) VALUES ('plain-3') \; (SELECT id, name, CAST(NULL AS timestamptz) AS deleted_at INTO gizmos FROM tags WHERE name LIKE 'plain-%');
DELETE FROM gizmos WHERE name = 'plain-1';
SELECT name FROM gizmos ORDER BY name;
ALTER TABLE gizmos ADD PRIMARY KEY (id);
