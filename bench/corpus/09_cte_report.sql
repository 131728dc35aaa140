WITH recent_orders AS (
    SELECT o.id, o.user_id, o.total_cents, o.placed_at
    FROM orders o
    WHERE o.placed_at >= now() - interval '30 days' AND o.status <> 'cancelled'
), per_user AS (
    SELECT r.user_id, count(*) AS n_orders, sum(r.total_cents) AS spent,
           max(r.placed_at) AS last_order
    FROM recent_orders r
    GROUP BY r.user_id
), ranked AS (
    SELECT p.*, rank() OVER (ORDER BY p.spent DESC) AS spend_rank,
           ntile(10) OVER (ORDER BY p.spent DESC) AS decile
    FROM per_user p
)
SELECT u.id, u.email, u.first_name || ' ' || u.last_name AS name, org.name AS organization,
       r.n_orders, r.spent, r.last_order, r.spend_rank, r.decile,
       (SELECT count(*) FROM reviews rv WHERE rv.user_id = u.id) AS reviews_written,
       coalesce(a.city, 'unknown') AS city
FROM ranked r
JOIN users u ON u.id = r.user_id
LEFT JOIN organizations org ON org.id = u.organization_id
LEFT JOIN LATERAL (
    SELECT ad.city FROM addresses ad WHERE ad.user_id = u.id AND ad.is_default LIMIT 1
) a ON true
WHERE r.spend_rank <= 100
ORDER BY r.spend_rank, u.id;
