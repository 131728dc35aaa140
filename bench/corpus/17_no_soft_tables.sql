SELECT t.name, count(*) AS uses, max(l.created_at) AS last_used FROM tags t LEFT JOIN audit_log l ON l.action = 'tag:' || t.name WHERE t.name LIKE 'b%' GROUP BY t.name ORDER BY uses DESC LIMIT 50
