-- fk_upsert_where.sql — issue 11 case 5: ON CONFLICT (email) WHERE <its own predicate>, as an
-- application writes it for a full unique index, infers the partial index on live rows.
-- @ways: simple, extended, prepared
INSERT INTO users (email, name) VALUES ('user01@example.com', 'again')
  ON CONFLICT (email) WHERE visits >= 0 DO UPDATE SET name = 'updated' RETURNING id, name;
INSERT INTO users (email, name) VALUES ('user02@example.com', 'again')
  ON CONFLICT (email) WHERE (visits >= 0 AND name <> '') DO NOTHING;
DELETE FROM users WHERE email = 'user03@example.com';
INSERT INTO users (email, name) VALUES ('user03@example.com', 'back')
  ON CONFLICT (email) WHERE visits >= 0 DO UPDATE SET name = 'updated' RETURNING name;
SELECT id, email, name FROM users WHERE email IN ('user01@example.com', 'user02@example.com',
  'user03@example.com') ORDER BY id;
