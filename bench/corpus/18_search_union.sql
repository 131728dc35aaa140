SELECT 'product' AS kind, p.id, p.name AS title, ts_rank(to_tsvector('english', p.name || ' ' || coalesce(p.description, '')), q) AS rank FROM products p, plainto_tsquery('english', 'running shoes') q WHERE to_tsvector('english', p.name || ' ' || coalesce(p.description, '')) @@ q
UNION ALL
SELECT 'post', po.id, po.title, ts_rank(to_tsvector('english', po.title || ' ' || coalesce(po.body, '')), q) FROM posts po, plainto_tsquery('english', 'running shoes') q WHERE to_tsvector('english', po.title || ' ' || coalesce(po.body, '')) @@ q
UNION ALL
SELECT 'review', r.id, left(r.body, 80), ts_rank(to_tsvector('english', coalesce(r.body, '')), q) FROM reviews r, plainto_tsquery('english', 'running shoes') q WHERE to_tsvector('english', coalesce(r.body, '')) @@ q
ORDER BY rank DESC
LIMIT 30;
