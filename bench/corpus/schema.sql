-- bench/corpus/schema.sql — the schema the rewriter benchmark's statements are written
-- against: an ORM-style application (organizations, users, a shop, a blog) plus pgbench's
-- tables. bench/rw.py loads it into a database, reads the catalog query's rows from there
-- (exactly what the proxy reads) and gives them to bench/rwbench.
--
--   soft (deleted_at): organizations, users, categories, products, orders, reviews, posts,
--                      comments, pgbench_*          soft (is_deleted): payments
--   hidden with a soft parent (ON DELETE CASCADE, no marker): addresses, order_items,
--                      shipments, product_categories, taggings
--   plain: tags, audit_log
CREATE TABLE organizations (
    id bigserial PRIMARY KEY, name text NOT NULL, slug text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz);
CREATE UNIQUE INDEX organizations_slug_key ON organizations (slug) WHERE deleted_at IS NULL;
CREATE TABLE users (
    id bigserial PRIMARY KEY, organization_id bigint REFERENCES organizations ON DELETE CASCADE,
    email text NOT NULL, first_name text, last_name text, password_hash text,
    is_active boolean NOT NULL DEFAULT true, is_staff boolean NOT NULL DEFAULT false,
    last_login timestamptz, date_joined timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz);
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_organization_id_idx ON users (organization_id);
CREATE TABLE addresses (
    id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    line1 text, line2 text, city text, postal_code text, country char(2),
    is_default boolean NOT NULL DEFAULT false);
CREATE TABLE categories (
    id bigserial PRIMARY KEY, parent_id bigint REFERENCES categories ON DELETE SET NULL,
    name text NOT NULL, path text, deleted_at timestamptz);
CREATE TABLE products (
    id bigserial PRIMARY KEY,
    organization_id bigint REFERENCES organizations ON DELETE CASCADE,
    sku text NOT NULL, name text NOT NULL, description text, price_cents integer NOT NULL,
    currency char(3) NOT NULL DEFAULT 'USD', stock integer NOT NULL DEFAULT 0,
    created_at timestamptz DEFAULT now(), updated_at timestamptz, deleted_at timestamptz);
CREATE UNIQUE INDEX products_sku_key ON products (organization_id, sku) WHERE deleted_at IS NULL;
CREATE TABLE product_categories (
    product_id bigint REFERENCES products ON DELETE CASCADE,
    category_id bigint REFERENCES categories ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id));
CREATE TABLE orders (
    id bigserial PRIMARY KEY, user_id bigint REFERENCES users ON DELETE RESTRICT,
    shipping_address_id bigint REFERENCES addresses ON DELETE SET NULL,
    status text NOT NULL, total_cents bigint, placed_at timestamptz,
    created_at timestamptz DEFAULT now(), updated_at timestamptz, deleted_at timestamptz);
CREATE TABLE order_items (
    id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders ON DELETE CASCADE,
    product_id bigint REFERENCES products ON DELETE SET NULL, quantity integer NOT NULL,
    unit_price_cents integer NOT NULL);
CREATE TABLE payments (
    id bigserial PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE,
    provider text, amount_cents bigint, status text, created_at timestamptz,
    is_deleted boolean NOT NULL DEFAULT false);
CREATE TABLE shipments (
    id bigserial PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE,
    carrier text, tracking_number text, shipped_at timestamptz, delivered_at timestamptz);
CREATE TABLE reviews (
    id bigserial PRIMARY KEY, product_id bigint REFERENCES products ON DELETE CASCADE,
    user_id bigint REFERENCES users ON DELETE SET NULL, rating smallint, body text,
    created_at timestamptz, deleted_at timestamptz);
CREATE TABLE posts (
    id bigserial PRIMARY KEY, author_id bigint REFERENCES users ON DELETE CASCADE,
    title text, slug text, body text, published_at timestamptz, deleted_at timestamptz);
CREATE TABLE comments (
    id bigserial PRIMARY KEY, post_id bigint REFERENCES posts ON DELETE CASCADE,
    user_id bigint REFERENCES users ON DELETE CASCADE, body text, created_at timestamptz,
    deleted_at timestamptz);
CREATE TABLE tags (id serial PRIMARY KEY, name text UNIQUE);
CREATE TABLE taggings (
    tag_id integer REFERENCES tags ON DELETE CASCADE,
    post_id bigint REFERENCES posts ON DELETE CASCADE, PRIMARY KEY (tag_id, post_id));
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY, actor_id bigint, action text, payload jsonb,
    created_at timestamptz DEFAULT now());
CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88),
    deleted_at timestamptz);
CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84),
    deleted_at timestamptz);
CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84),
    deleted_at timestamptz);
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp,
    filler char(22), deleted_at timestamptz);
