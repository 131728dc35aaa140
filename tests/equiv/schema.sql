-- tests/equiv/schema.sql — schema and seed data of the equivalence oracle (SPEC §1).
--
-- run.py loads this file twice, into two template databases, and clones them (CREATE
-- DATABASE ... TEMPLATE) for every script and every run way:
--   S (eq_tmpl_s): reached THROUGH the proxy; deletes mark rows.
--   H (eq_tmpl_h): reached DIRECTLY; deletes are real.
--
-- CONVENTION FOR THE ONE SCHEMA DIFFERENCE BETWEEN S AND H
--   The schemas of S and H differ in one way only: a unique index on a soft-delete table
--   is partial in S
--   (it ignores marked rows, so deleting a row frees its key) and full in H (where deleted
--   rows are gone anyway). Such an index is written ONCE, in its S form, on ONE line that
--   ends with the marker comment `-- @partial`:
--
--       CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL; -- @partial
--
--   For H the runner removes ` WHERE <predicate>` (up to the semicolon) from every line
--   carrying the marker, and nothing else. After loading both templates it checks that
--   they have the same tables and the same index definitions once the predicates of the
--   marked indexes are dropped, and that every unique index of a soft-delete table is
--   either a primary key or marked (a full unique index on a soft-delete table is a
--   documented non-equivalence, README / SPEC §1). Their DATA differ by the rows deleted
--   before the scripts (convention 1. below, `-- @mark`).
--
-- THE SHAPES (soft = has a marker column; the proxy runs with columns = deleted_at, is_deleted)
--   authors → books → chapters       soft, ON DELETE CASCADE chain (seed 000)
--   chapters.deleted_at              timestamp WITHOUT time zone marker
--   footnotes → chapters             no marker, CASCADE: hidden with its chapter
--   books."imprintId" → "Imprints"   soft child, ON DELETE SET NULL; "Imprints" has mixed-case
--                                    quoted identifiers ("ImprintId", "Name", "City")
--   reviews → books                  no marker, ON DELETE SET NULL
--   book_tags → books, tags          no marker, composite primary key, CASCADE to both
--   places, activities               soft with is_deleted boolean NOT NULL DEFAULT false (seed 001)
--   place_activities → both          no marker join table, CASCADE to both (seed 001)
--   pa_notes → place_activities      no marker, two levels down a cascade chain
--   users                            soft, partial unique index on email (upserts)
--   orders → users                   soft child, ON DELETE RESTRICT
--   invoices → orders                no marker, NO ACTION (not deferrable)
--   shipments → orders               no marker, NO ACTION DEFERRABLE INITIALLY DEFERRED
--   offices ← staff                  staff: no marker, ON DELETE SET DEFAULT (office 1)
--   categories.parent_id             soft self-referencing tree, CASCADE
--   tags, events                     plain tables (no marker, no FK to soft tables)
--   archive.authors                  plain, same name as the soft public.authors
--   archive.events                   soft (timestamp marker), same name as the plain public.events
--   archive.logs                     soft, partitioned by range (logs_2023, logs_2024)
--   archive.notes ← special_notes    soft, inheritance (the child inherits the marker)
--
-- Seed data is deterministic (generate_series arithmetic, no now()/random()), so both
-- templates hold identical rows and serial ids. Every table has tens of rows.
--
-- ROWS ALREADY DELETED come from two places:
--  1. The end of this file, "deleted before the scripts": rows marked in S by hand,
--     directly, independently of the proxy. CONVENTION: an UPDATE on one line ending
--     in `-- @mark`, of the form
--         UPDATE <table> SET <marker> = <constant> WHERE <condition>; -- @mark
--     marks rows in S; for H the runner turns it into
--         DELETE FROM <table> WHERE <condition>;
--     The S lines mark a cascade by hand (one @mark line per table) and apply SET NULL to
--     live children with plain lines, which run unchanged in both (in H they then find
--     nothing left to change, the foreign-key actions of the DELETE did it). run.py checks
--     after loading that the live rows of S (live.sql) equal the rows of H, so a wrong
--     hand-written cascade cannot go unnoticed. These marked rows are what a proxy that
--     does not hide them shows (transcript differences).
--  2. prelude.sql, run by the oracle before every script through the proxy for S and
--     directly for H: real DELETE statements, compared like a script.
--
-- The seed takes care that some parents have no children, so that the prelude and the
-- non-fk_ scripts can delete rows without needing any foreign-key action:
--   authors 17..20 have no books; books 51..60 have no chapters and no reviews;
--   "Imprints" 6 has no books; users 15..20 have no orders; orders 21..30 and 36..40
--   have no invoices and no shipments; office 5 has no staff; categories 13..30 are leaves.
-- Rows deleted before the scripts (1.): author 16 with books 16, 32, 48 and their
-- chapters; "Imprints" 5; place 9; activity 'chess'; categories 6, 15, 24; user 19;
-- order 36; archive.events 5, 15, 25; archive.logs 3 (2023), 20 (2024); archive.notes 2
-- and 12 (a special note, through the parent). Prelude (2.): see prelude.sql.

CREATE SCHEMA archive;

-- seed 000 ------------------------------------------------------------------------------

CREATE TABLE authors (
    id serial PRIMARY KEY,
    name text NOT NULL,
    country text,
    deleted_at timestamptz
);

CREATE TABLE "Imprints" (
    "ImprintId" serial PRIMARY KEY,
    "Name" text NOT NULL,
    "City" text,
    deleted_at timestamptz
);

CREATE TABLE books (
    id serial PRIMARY KEY,
    author_id int NOT NULL REFERENCES authors ON DELETE CASCADE,
    "imprintId" int REFERENCES "Imprints" ON DELETE SET NULL,
    title text NOT NULL,
    year int NOT NULL,
    price numeric(8, 2),
    deleted_at timestamptz
);
CREATE INDEX books_author_id_idx ON books (author_id);
CREATE INDEX books_deleted_at_idx ON books (deleted_at);

CREATE TABLE chapters (
    id serial PRIMARY KEY,
    book_id int NOT NULL REFERENCES books ON DELETE CASCADE,
    num int NOT NULL,
    title text NOT NULL,
    pages int NOT NULL,
    deleted_at timestamp
);
CREATE UNIQUE INDEX chapters_book_id_num_key ON chapters (book_id, num) WHERE deleted_at IS NULL; -- @partial

CREATE TABLE footnotes (
    id serial PRIMARY KEY,
    chapter_id int NOT NULL REFERENCES chapters ON DELETE CASCADE,
    body text NOT NULL
);

CREATE TABLE reviews (
    id serial PRIMARY KEY,
    book_id int REFERENCES books ON DELETE SET NULL,
    rating int NOT NULL CHECK (rating BETWEEN 1 AND 5),
    reviewer text NOT NULL
);

CREATE TABLE tags (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    color text
);

CREATE TABLE book_tags (
    book_id int NOT NULL REFERENCES books ON DELETE CASCADE,
    tag_id int NOT NULL REFERENCES tags ON DELETE CASCADE,
    PRIMARY KEY (book_id, tag_id)
);

-- seed 001 ------------------------------------------------------------------------------

CREATE TABLE places (
    id serial PRIMARY KEY,
    name text NOT NULL,
    is_deleted boolean NOT NULL DEFAULT false
);

CREATE TABLE activities (
    id serial PRIMARY KEY,
    name text NOT NULL,
    type text,
    is_deleted boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX activities_name_index ON activities (name) WHERE NOT is_deleted; -- @partial

CREATE TABLE place_activities (
    id serial PRIMARY KEY,
    place_id int NOT NULL REFERENCES places ON DELETE CASCADE,
    activity_id int NOT NULL REFERENCES activities ON DELETE CASCADE
);
CREATE UNIQUE INDEX place_activities_place_id_activity_id_index
    ON place_activities (place_id, activity_id);

CREATE TABLE pa_notes (
    id serial PRIMARY KEY,
    place_activity_id int NOT NULL REFERENCES place_activities ON DELETE CASCADE,
    note text NOT NULL
);

-- users, orders: RESTRICT and NO ACTION ---------------------------------------------------

CREATE TABLE users (
    id serial PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    visits int NOT NULL DEFAULT 0,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL; -- @partial

CREATE TABLE orders (
    id serial PRIMARY KEY,
    user_id int NOT NULL REFERENCES users ON DELETE RESTRICT,
    total numeric(10, 2) NOT NULL,
    status text NOT NULL DEFAULT 'new',
    deleted_at timestamptz
);

CREATE TABLE invoices (
    id serial PRIMARY KEY,
    order_id int NOT NULL REFERENCES orders,
    amount numeric(10, 2) NOT NULL,
    paid boolean NOT NULL DEFAULT false
);

CREATE TABLE shipments (
    id serial PRIMARY KEY,
    order_id int NOT NULL,
    carrier text NOT NULL,
    CONSTRAINT shipments_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders
        ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED
);

-- SET DEFAULT -----------------------------------------------------------------------------

CREATE TABLE offices (
    id serial PRIMARY KEY,
    city text NOT NULL,
    deleted_at timestamptz
);

CREATE TABLE staff (
    id serial PRIMARY KEY,
    name text NOT NULL,
    office_id int NOT NULL DEFAULT 1 REFERENCES offices ON DELETE SET DEFAULT
);

-- self-referencing tree -------------------------------------------------------------------

CREATE TABLE categories (
    id serial PRIMARY KEY,
    parent_id int REFERENCES categories ON DELETE CASCADE,
    name text NOT NULL,
    deleted_at timestamptz
);

-- plain tables and a second schema --------------------------------------------------------

CREATE TABLE events (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    day date NOT NULL
);

CREATE TABLE archive.authors (
    id serial PRIMARY KEY,
    name text NOT NULL,
    archived_on date NOT NULL
);

CREATE TABLE archive.events (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    author_id int,
    happened_at timestamp NOT NULL,
    deleted_at timestamp
);

-- partitions and inheritance (SPEC §2: ONLY, inheritance and partitions) -------------------

CREATE TABLE archive.logs (
    id int NOT NULL,
    day date NOT NULL,
    msg text NOT NULL,
    deleted_at timestamptz,
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE TABLE archive.logs_2023 PARTITION OF archive.logs
    FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE archive.logs_2024 PARTITION OF archive.logs
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');

CREATE TABLE archive.notes (
    id int PRIMARY KEY,
    body text NOT NULL,
    deleted_at timestamptz
);
CREATE TABLE archive.special_notes (
    extra text,
    PRIMARY KEY (id)
) INHERITS (archive.notes);

-- seed data -------------------------------------------------------------------------------

INSERT INTO authors (name, country)
SELECT 'Author ' || lpad(i::text, 2, '0'),
       (ARRAY['FR', 'US', 'JP', 'BR', NULL])[1 + i % 5]
FROM generate_series(1, 20) i;

INSERT INTO "Imprints" ("Name", "City")
SELECT 'Imprint ' || chr(64 + i), (ARRAY['Paris', 'Boston', 'Kyoto'])[1 + i % 3]
FROM generate_series(1, 6) i;

-- 60 books: authors 1..16 only; imprints 1..5 or NULL
INSERT INTO books (author_id, "imprintId", title, year, price)
SELECT 1 + (i - 1) % 16,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 1 + i % 5 END,
       'Book ' || lpad(i::text, 2, '0'),
       1950 + (i * 7) % 70,
       ((i * 37) % 5000) / 100.0 + 5
FROM generate_series(1, 60) i;

-- chapters for books 1..50: 1 + book % 5 chapters each
INSERT INTO chapters (book_id, num, title, pages)
SELECT b, n, 'Chapter ' || b || '.' || n, 5 + (b * 13 + n * 7) % 40
FROM generate_series(1, 50) b, generate_series(1, 5) n
WHERE n <= 1 + b % 5
ORDER BY b, n;

INSERT INTO footnotes (chapter_id, body)
SELECT c, 'Footnote on chapter ' || c
FROM generate_series(3, 150, 3) c;

-- reviews of books 1..50 only; a few with no book
INSERT INTO reviews (book_id, rating, reviewer)
SELECT CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + (i * 7) % 50 END,
       1 + i % 5,
       'reviewer' || (i % 9)
FROM generate_series(1, 50) i;

INSERT INTO tags (name, color)
SELECT 'tag' || i, (ARRAY['red', 'green', 'blue', NULL])[1 + i % 4]
FROM generate_series(1, 10) i;

INSERT INTO book_tags (book_id, tag_id)
SELECT DISTINCT b, t
FROM generate_series(1, 60) b,
     LATERAL (VALUES (1 + b % 10), (CASE WHEN b % 3 = 0 THEN 1 + (b + 3) % 10 END)) v(t)
WHERE t IS NOT NULL
ORDER BY b, t;

INSERT INTO places (name)
SELECT 'Place ' || lpad(i::text, 2, '0') FROM generate_series(1, 20) i;

INSERT INTO activities (name, type)
SELECT n, (ARRAY['outdoor', 'indoor', NULL])[1 + ord % 3]
FROM unnest(ARRAY['hiking', 'climbing', 'kayaking', 'chess', 'painting', 'swimming',
                  'cycling', 'yoga', 'pottery', 'skiing', 'surfing', 'fencing',
                  'archery', 'rowing', 'diving']) WITH ORDINALITY u(n, ord)
ORDER BY ord;

-- places 1..18 get up to three activities each; activities 14 and 15 get none
INSERT INTO place_activities (place_id, activity_id)
SELECT DISTINCT p, a
FROM generate_series(1, 18) p,
     LATERAL (VALUES (1 + p % 13), (1 + (p * 2) % 13), (1 + (p * 5) % 13)) v(a)
ORDER BY p, a;

INSERT INTO pa_notes (place_activity_id, note)
SELECT pa, 'note on place_activity ' || pa FROM generate_series(2, 50, 2) pa;

INSERT INTO users (email, name, visits)
SELECT 'user' || lpad(i::text, 2, '0') || '@example.com', 'User ' || i, i % 7
FROM generate_series(1, 20) i;

-- 40 orders of users 1..14
INSERT INTO orders (user_id, total, status)
SELECT 1 + i % 14, (i * 19 % 300) + 0.99, (ARRAY['new', 'paid', 'shipped'])[1 + i % 3]
FROM generate_series(1, 40) i;

INSERT INTO invoices (order_id, amount, paid)
SELECT o, (o * 19 % 300) + 0.99, o % 2 = 0 FROM generate_series(1, 20) o;

INSERT INTO shipments (order_id, carrier)
SELECT o, (ARRAY['UPS', 'DHL', 'La Poste'])[1 + o % 3]
FROM generate_series(1, 40) o
WHERE o <= 10 OR o BETWEEN 31 AND 35;

INSERT INTO offices (city)
VALUES ('HQ'), ('Lyon'), ('Osaka'), ('Recife'), ('Empty Office');

INSERT INTO staff (name, office_id)
SELECT 'Staff ' || i, 1 + i % 4 FROM generate_series(1, 20) i;

-- 3 roots, 9 children (4..12), 18 grandchildren (13..30)
INSERT INTO categories (parent_id, name)
SELECT NULL, 'Root ' || i FROM generate_series(1, 3) i;
INSERT INTO categories (parent_id, name)
SELECT 1 + (i - 4) % 3, 'Cat ' || i FROM generate_series(4, 12) i;
INSERT INTO categories (parent_id, name)
SELECT 4 + (i - 13) % 9, 'Cat ' || i FROM generate_series(13, 30) i;

INSERT INTO events (kind, day)
SELECT (ARRAY['open', 'close', 'audit'])[1 + i % 3], date '2024-01-01' + i
FROM generate_series(1, 12) i;

INSERT INTO archive.authors (name, archived_on)
SELECT 'Author ' || lpad((i * 3)::text, 2, '0'), date '2020-01-01' + i * 30
FROM generate_series(1, 8) i;

INSERT INTO archive.events (kind, author_id, happened_at)
SELECT (ARRAY['signed', 'published', 'retired'])[1 + i % 3], 1 + i % 20,
       timestamp '2024-01-01 12:00' + i * interval '1 day 1 hour'
FROM generate_series(1, 30) i;

INSERT INTO archive.logs (id, day, msg)
SELECT i, date '2023-10-01' + i * 7, 'log ' || i FROM generate_series(1, 24) i;

INSERT INTO archive.notes (id, body) SELECT i, 'note ' || i FROM generate_series(1, 10) i;
INSERT INTO archive.special_notes (id, body, extra)
SELECT i, 'special note ' || i, 'x' || i FROM generate_series(11, 16) i;

-- deleted before the scripts (convention 1. above) ---------------------------------------

UPDATE authors SET deleted_at = '2023-06-01 10:00+00' WHERE id = 16; -- @mark
UPDATE books SET deleted_at = '2023-06-01 10:00+00' WHERE author_id = 16; -- @mark
UPDATE chapters SET deleted_at = '2023-06-01 10:00' WHERE book_id IN (16, 32, 48); -- @mark
UPDATE reviews SET book_id = NULL WHERE book_id IN (16, 32, 48);

UPDATE "Imprints" SET deleted_at = '2023-06-02 10:00+00' WHERE "ImprintId" = 5; -- @mark
UPDATE books SET "imprintId" = NULL WHERE "imprintId" = 5 AND deleted_at IS NULL;

UPDATE places SET is_deleted = true WHERE id = 9; -- @mark
UPDATE activities SET is_deleted = true WHERE name = 'chess'; -- @mark

UPDATE categories SET deleted_at = '2023-06-03 10:00+00' WHERE id = 6; -- @mark
UPDATE categories SET deleted_at = '2023-06-03 10:00+00' WHERE parent_id = 6; -- @mark

UPDATE users SET deleted_at = '2023-06-04 10:00+00' WHERE id = 19; -- @mark
UPDATE orders SET deleted_at = '2023-06-04 10:00+00' WHERE id = 36; -- @mark
UPDATE archive.events SET deleted_at = '2023-06-05 10:00' WHERE id % 10 = 5; -- @mark
UPDATE archive.logs SET deleted_at = '2023-06-06 10:00+00' WHERE id IN (3, 20); -- @mark
UPDATE archive.notes SET deleted_at = '2023-06-06 10:00+00' WHERE id IN (2, 12); -- @mark

ANALYZE;
