-- ddl_one_query.sql — issue 10: DDL and the statements that follow it in ONE Query message
-- (psql's \; joins them; the psycopg ways send them one by one). A DELETE after the CREATE
-- TABLE or ALTER TABLE ... ADD COLUMN that gives its table a marker must mark rows, a read
-- after it must hide them; an error after the DDL rolls the whole Query back, DDL included
-- (one implicit transaction); an explicit BEGIN ... COMMIT in the same Query works too.
CREATE TABLE oq_created (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz) \; INSERT INTO oq_created VALUES (1, 'a'), (2, 'b'), (3, 'c') \; DELETE FROM oq_created WHERE id = 1 \; SELECT id, name FROM oq_created ORDER BY id;
SELECT count(*) FROM oq_created;
CREATE TABLE oq_altered (id int PRIMARY KEY, name text NOT NULL) \; INSERT INTO oq_altered VALUES (1, 'a'), (2, 'b') \; ALTER TABLE oq_altered ADD COLUMN deleted_at timestamptz \; DELETE FROM oq_altered WHERE id = 2 \; SELECT * FROM oq_altered ORDER BY id;
CREATE TABLE oq_failed (id int PRIMARY KEY, deleted_at timestamptz) \; INSERT INTO oq_failed VALUES (1) \; SELECT 1 / 0 \; DELETE FROM oq_failed;
SELECT count(*) FROM pg_tables WHERE tablename = 'oq_failed';
BEGIN \; CREATE TABLE oq_block (id int PRIMARY KEY, is_deleted boolean NOT NULL DEFAULT false) \; INSERT INTO oq_block (id) VALUES (1), (2), (3) \; DELETE FROM oq_block WHERE id IN (1, 3) \; COMMIT;
SELECT * FROM oq_block ORDER BY id;
CREATE TABLE oq_child (id int PRIMARY KEY, parent_id int REFERENCES oq_created ON DELETE CASCADE, deleted_at timestamptz) \; INSERT INTO oq_child VALUES (10, 2), (11, 3), (12, NULL) \; DELETE FROM oq_created WHERE id = 2 \; SELECT id, parent_id FROM oq_child ORDER BY id;
SELECT id FROM oq_created ORDER BY id;
