WITH RECURSIVE tree AS (
    SELECT c.id, c.parent_id, c.name, c.name::text AS full_path, 1 AS depth
    FROM categories c
    WHERE c.parent_id IS NULL
  UNION ALL
    SELECT child.id, child.parent_id, child.name, tree.full_path || ' / ' || child.name,
           tree.depth + 1
    FROM categories child
    JOIN tree ON child.parent_id = tree.id
    WHERE tree.depth < 10
)
SELECT t.id, t.full_path, t.depth, count(pc.product_id) AS products,
       count(pc.product_id) FILTER (WHERE p.stock > 0) AS in_stock
FROM tree t
LEFT JOIN product_categories pc ON pc.category_id = t.id
LEFT JOIN products p ON p.id = pc.product_id
GROUP BY t.id, t.full_path, t.depth
ORDER BY t.full_path;
