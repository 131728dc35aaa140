SELECT p.id, p.title, p.published_at,
       (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count,
       (SELECT max(c.created_at) FROM comments c WHERE c.post_id = p.id) AS last_comment_at,
       EXISTS (SELECT 1 FROM taggings tg JOIN tags t ON t.id = tg.tag_id
               WHERE tg.post_id = p.id AND t.name = 'featured') AS featured
FROM posts p
WHERE p.author_id IN (SELECT u.id FROM users u WHERE u.organization_id = 7 AND u.is_active)
  AND NOT EXISTS (SELECT 1 FROM comments c2 JOIN users u2 ON u2.id = c2.user_id
                  WHERE c2.post_id = p.id AND u2.is_staff AND c2.body ILIKE '%spam%')
  AND p.published_at IS NOT NULL
ORDER BY p.published_at DESC
LIMIT 20;
