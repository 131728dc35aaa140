-- fk_shared_column.sql — SPEC §4: a child with two foreign keys that share their first
-- column (items.wh_id alone to warehouses, (wh_id, code) to bins): every written value is
-- checked against both parents, the first key PostgreSQL would check names the error, a
-- NULL skips the composite key (MATCH SIMPLE), and a parent with live children cannot go.
CREATE TABLE warehouses (id int PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE bins (
    wh_id int REFERENCES warehouses ON DELETE CASCADE,
    code text,
    deleted_at timestamptz,
    PRIMARY KEY (wh_id, code)
);
CREATE TABLE items (
    id int PRIMARY KEY,
    wh_id int REFERENCES warehouses,
    code text,
    FOREIGN KEY (wh_id, code) REFERENCES bins
);
INSERT INTO warehouses VALUES (1), (2), (3);
INSERT INTO bins (wh_id, code) VALUES (1, 'a'), (1, 'b'), (2, 'a'), (3, 'a');
INSERT INTO items VALUES (1, 1, 'a');
DELETE FROM bins WHERE wh_id = 1 AND code = 'b';
INSERT INTO items VALUES (2, 1, 'b');
DELETE FROM warehouses WHERE id = 2;
SELECT * FROM bins ORDER BY wh_id, code;
INSERT INTO items VALUES (3, 2, 'a');
INSERT INTO items VALUES (4, 1, 'a'), (5, 1, 'zz');
INSERT INTO items (id, wh_id, code) SELECT 6, 1, 'a';
INSERT INTO items (id, wh_id, code) SELECT 7, 2, 'a';
INSERT INTO items VALUES (8, NULL, 'b'), (9, 3, NULL);
DELETE FROM bins WHERE wh_id = 3;
INSERT INTO items VALUES (10, 3, 'a');
SELECT * FROM items ORDER BY id;
DELETE FROM warehouses WHERE id = 1;
DELETE FROM bins WHERE wh_id = 1;
DELETE FROM warehouses WHERE id = 3;
SELECT * FROM warehouses ORDER BY id;
SELECT * FROM items ORDER BY id;
