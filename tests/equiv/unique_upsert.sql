-- unique_upsert.sql — SPEC §4 INSERT ... ON CONFLICT on the base table: ON CONFLICT (email)
-- DO UPDATE / DO NOTHING when the conflicting row was deleted (it inserts), when it is live
-- (it updates / skips), ON CONFLICT with the index predicate written by the app, ON CONFLICT
-- ON CONSTRAINT on the primary key, conflicts on the primary key of live rows, ON CONFLICT
-- DO NOTHING without a target, DO UPDATE ... WHERE, excluded.*, RETURNING, the seed-001
-- upsert on activities.name, multi-row upserts.
INSERT INTO users (email, name) VALUES ('user19@example.com', 'back')
  ON CONFLICT (email) DO UPDATE SET name = excluded.name, visits = users.visits + 1
  RETURNING id, email, name, visits;
INSERT INTO users (email, name) VALUES ('user01@example.com', 'renamed')
  ON CONFLICT (email) DO UPDATE SET name = excluded.name, visits = users.visits + 1
  RETURNING id, email, name, visits;
INSERT INTO users (email, name) VALUES ('user17@example.com', 'back too')
  ON CONFLICT (email) DO NOTHING RETURNING id;
INSERT INTO users (email, name) VALUES ('user02@example.com', 'skipped')
  ON CONFLICT (email) DO NOTHING RETURNING id;
INSERT INTO users (email, name) VALUES ('user20@example.com', 'predicate written')
  ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET name = excluded.name RETURNING id, name;
INSERT INTO users (email, name) VALUES ('user20@example.com', 'predicate written, again')
  ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET name = excluded.name RETURNING id, name;
DELETE FROM users WHERE id = 15;
INSERT INTO users (email, name) VALUES ('user15@example.com', 'fifteen'), ('user06@example.com', 'six')
  ON CONFLICT (email) DO UPDATE SET name = excluded.name || ' (updated)' RETURNING id, email, name;
INSERT INTO users (id, email, name) VALUES (3, 'other@example.com', 'pk clash')
  ON CONFLICT ON CONSTRAINT users_pkey DO UPDATE SET visits = users.visits + 100 RETURNING id, email, visits;
INSERT INTO users (id, email, name) VALUES (4, 'other4@example.com', 'pk clash')
  ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE users.visits > 100 RETURNING id;
INSERT INTO users (id, email, name) VALUES (4, 'other4@example.com', 'pk clash');
INSERT INTO users (email, name) VALUES ('user16@example.com', 'no target') ON CONFLICT DO NOTHING;
DELETE FROM users WHERE id = 16;
INSERT INTO users (email, name) VALUES ('user16@example.com', 'no target') ON CONFLICT DO NOTHING;
INSERT INTO activities (name, type) VALUES ('kayaking', 'water'), ('hiking', 'walk')
  ON CONFLICT (name) DO UPDATE SET type = excluded.type RETURNING id, name, type;
INSERT INTO activities (name, type) VALUES ('chess', 'board')
  ON CONFLICT (name) WHERE NOT is_deleted DO NOTHING RETURNING id, name;
INSERT INTO chapters (book_id, num, title, pages) VALUES (3, 1, 'Upserted', 3), (4, 1, 'Upserted', 4)
  ON CONFLICT (book_id, num) DO UPDATE SET title = excluded.title RETURNING id, book_id, num, title;
INSERT INTO tags (name) VALUES ('tag1') ON CONFLICT (name) DO UPDATE SET color = 'upserted' RETURNING id, color;
SELECT id, email, name, visits FROM users ORDER BY id;
SELECT id, name, type FROM activities ORDER BY id;
