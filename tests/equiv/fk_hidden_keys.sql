-- fk_hidden_keys.sql — issue 11 case 7: rows a real delete would have removed (marked rows,
-- and hidden rows of a table without marker) do not hold a parent's key: deleting the other
-- parent of hidden rows (NO ACTION) and changing a key that hidden or marked rows reference
-- (ON UPDATE NO ACTION) work as under real deletes. The hidden rows go with a parent really
-- deleted; marked and hidden rows follow a changed key (README "Foreign keys").
CREATE TABLE hk_notes (id int PRIMARY KEY, body text NOT NULL, deleted_at timestamptz);
CREATE TABLE hk_labels (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE hk_note_labels (
    note_id int NOT NULL REFERENCES hk_notes ON DELETE CASCADE,
    label_id int NOT NULL REFERENCES hk_labels,
    PRIMARY KEY (note_id, label_id)
);
INSERT INTO hk_notes VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO hk_labels VALUES (1, 'red'), (2, 'green'), (3, 'blue');
INSERT INTO hk_note_labels VALUES (1, 1), (2, 2), (3, 2), (3, 3);
DELETE FROM hk_notes WHERE id IN (2, 3);
SELECT * FROM hk_note_labels ORDER BY note_id, label_id;
DELETE FROM hk_labels WHERE id = 2;
UPDATE hk_labels SET id = 30 WHERE id = 3;
DELETE FROM hk_labels WHERE id = 1;
SELECT * FROM hk_labels ORDER BY id;
SELECT * FROM hk_note_labels ORDER BY note_id, label_id;
CREATE TABLE hk_authors (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE hk_books (
    id int PRIMARY KEY,
    author_id int NOT NULL REFERENCES hk_authors ON DELETE CASCADE,
    deleted_at timestamptz
);
INSERT INTO hk_authors VALUES (5, 'five'), (6, 'six');
INSERT INTO hk_books VALUES (1, 5), (2, 5), (3, 6);
DELETE FROM hk_books WHERE author_id = 5;
UPDATE hk_authors SET id = 50 WHERE id = 5;
SELECT id, name FROM hk_authors ORDER BY id;
SELECT count(*) FROM hk_books WHERE author_id IN (5, 50);
UPDATE hk_authors SET id = 60 WHERE id = 6;
