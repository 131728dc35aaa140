-- merge_delete.sql — SPEC §3/§4 MERGE: WHEN MATCHED THEN DELETE marks (tag "MERGE n"),
-- deleted target rows never match (a NOT MATCHED INSERT happens instead, the partial unique
-- index letting it in), MERGE ... USING a soft table sees its live rows only, UPDATE and
-- DELETE branches with conditions, DO NOTHING, a DELETE branch cascading to children, a
-- DELETE branch failing on RESTRICT (23503, nothing changed).
MERGE INTO users u USING (VALUES ('user01@example.com', 'del')) AS v(email, action) ON u.email = v.email
WHEN MATCHED AND v.action = 'del' THEN DELETE;
MERGE INTO users u USING (VALUES ('user15@example.com', 'del'), ('user19@example.com', 'ins'),
                                 ('user02@example.com', 'upd'), ('new@example.com', 'ins'))
                         AS v(email, action) ON u.email = v.email
WHEN MATCHED AND v.action = 'del' THEN DELETE
WHEN MATCHED THEN UPDATE SET name = 'merged'
WHEN NOT MATCHED THEN INSERT (email, name) VALUES (v.email, 'merged in');
SELECT id, email, name FROM users ORDER BY id;
MERGE INTO chapters c USING books b ON b.id = c.book_id AND c.num = 1 AND b.author_id = 2
WHEN MATCHED THEN DELETE;
MERGE INTO chapters c USING (SELECT id FROM books WHERE author_id = 16) b ON b.id = c.book_id
WHEN MATCHED THEN DELETE;
MERGE INTO places p USING (SELECT g AS id FROM generate_series(1, 12) g) s ON s.id = p.id
WHEN MATCHED AND p.id % 2 = 0 THEN DELETE
WHEN MATCHED THEN DO NOTHING
WHEN NOT MATCHED THEN DO NOTHING;
SELECT count(*) FROM places;
SELECT count(*) FROM place_activities;
MERGE INTO activities a USING (VALUES ('chess', 'board'), ('hiking', 'walk')) v(name, type) ON a.name = v.name
WHEN MATCHED THEN UPDATE SET type = v.type
WHEN NOT MATCHED THEN INSERT (name, type) VALUES (v.name, v.type);
SELECT id, name, type FROM activities ORDER BY id;
MERGE INTO authors a USING (VALUES (9), (16), (18)) v(id) ON a.id = v.id
WHEN MATCHED THEN DELETE;
SELECT count(*) FROM books;
SELECT count(*) FROM chapters;
MERGE INTO tags t USING authors a ON a.id = t.id
WHEN MATCHED AND a.id IN (1, 16, 18) THEN UPDATE SET color = 'author-live'
WHEN NOT MATCHED THEN DO NOTHING;
SELECT id, color FROM tags ORDER BY id;
