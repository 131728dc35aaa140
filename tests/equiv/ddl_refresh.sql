-- ddl_refresh.sql — SPEC §2 "refreshed when DDL passes through the proxy": a soft-delete table
-- created by the script (timestamptz marker) with an unmarked ON DELETE CASCADE child, a plain
-- table that becomes soft-delete when a boolean marker is added, deletes and reads after each
-- change. Their live rows are described in live.sql (tables created by this script).
CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE widget_parts (
    id serial PRIMARY KEY,
    widget_id int NOT NULL REFERENCES widgets ON DELETE CASCADE,
    part text NOT NULL
);
INSERT INTO widgets (name) SELECT 'widget ' || i FROM generate_series(1, 6) i;
INSERT INTO widget_parts (widget_id, part) SELECT 1 + i % 6, 'part ' || i FROM generate_series(1, 12) i;
DELETE FROM widgets WHERE id IN (2, 3);
SELECT * FROM widgets ORDER BY id;
SELECT count(*) FROM widget_parts;
SELECT w.id, count(p.id) FROM widgets w LEFT JOIN widget_parts p ON p.widget_id = w.id GROUP BY w.id ORDER BY 1;
CREATE TABLE gadgets (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO gadgets (name) SELECT 'gadget ' || i FROM generate_series(1, 5) i;
DELETE FROM gadgets WHERE id = 1;
ALTER TABLE gadgets ADD COLUMN is_deleted boolean NOT NULL DEFAULT false;
DELETE FROM gadgets WHERE id IN (2, 3);
DELETE FROM gadgets WHERE id IN (2, 3);
SELECT * FROM gadgets ORDER BY id;
SELECT count(*) FROM gadgets;
DELETE FROM widgets WHERE name = 'widget 6' RETURNING id, deleted_at;
SELECT count(*) FROM widget_parts;
