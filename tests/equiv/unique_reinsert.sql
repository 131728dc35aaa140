-- unique_reinsert.sql — SPEC §4 partial unique indexes: a deleted row frees its key, so the
-- same key can be inserted again (users.email, activities.name with a boolean marker,
-- chapters (book_id, num)) or set by UPDATE; a live duplicate still fails with 23505 and the
-- index name; deleting the new row frees the key again.
INSERT INTO users (email, name) VALUES ('user19@example.com', 'User 19 again') RETURNING id, email;
INSERT INTO users (email, name) VALUES ('user17@example.com', 'User 17 again') RETURNING id, email;
DELETE FROM users WHERE email = 'user18@example.com';
INSERT INTO users (email, name) VALUES ('user18@example.com', 'User 18 again') RETURNING id, email;
INSERT INTO users (email, name) VALUES ('user18@example.com', 'User 18 twice');
UPDATE users SET email = 'user20@example.com' WHERE id = 16;
DELETE FROM users WHERE email = 'user18@example.com';
INSERT INTO users (email, name) VALUES ('user18@example.com', 'User 18 thrice') RETURNING id;
SELECT id, email, name FROM users WHERE id > 14 ORDER BY id;
INSERT INTO activities (name, type) VALUES ('chess', 'indoor') RETURNING id, name;
INSERT INTO activities (name) VALUES ('kayaking') RETURNING id, name;
DELETE FROM activities WHERE name = 'diving';
INSERT INTO activities (name) VALUES ('diving') RETURNING id, name;
INSERT INTO activities (name) VALUES ('diving');
SELECT id, name FROM activities ORDER BY id;
DELETE FROM chapters WHERE book_id = 40 AND num = 1;
INSERT INTO chapters (book_id, num, title, pages) VALUES (40, 1, 'Rewritten', 7) RETURNING id;
INSERT INTO chapters (book_id, num, title, pages) VALUES (40, 1, 'Twice', 7);
UPDATE chapters SET num = 1 WHERE book_id = 3 AND num = 2;
SELECT book_id, num, title FROM chapters WHERE book_id IN (3, 40) ORDER BY book_id, num;
