-- The demo schema of `make run`: two small soft-delete models.
-- authors/books mark deleted rows with a timestamp; places/activities (seed 001) with a flag.

CREATE TABLE authors (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX authors_name_live ON authors (name) WHERE deleted_at IS NULL;

CREATE TABLE books (
    id         bigserial PRIMARY KEY,
    author_id  bigint NOT NULL REFERENCES authors ON DELETE CASCADE,
    title      text NOT NULL,
    deleted_at timestamptz
);

CREATE TABLE places (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    is_deleted boolean NOT NULL DEFAULT false
);

CREATE TABLE activities (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    type       text,
    is_deleted boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX activities_name ON activities (name) WHERE NOT is_deleted;

CREATE TABLE place_activities (
    id          bigserial PRIMARY KEY,
    place_id    bigint NOT NULL REFERENCES places ON DELETE CASCADE,
    activity_id bigint NOT NULL REFERENCES activities ON DELETE CASCADE,
    UNIQUE (place_id, activity_id)
);
CREATE INDEX ON authors (deleted_at);
CREATE INDEX ON books (deleted_at);
CREATE INDEX ON places (is_deleted);
CREATE INDEX ON activities (is_deleted);

INSERT INTO authors (name) VALUES ('Ursula K. Le Guin'), ('Terry Pratchett'), ('Octavia Butler');
INSERT INTO books (author_id, title) VALUES
    (1, 'A Wizard of Earthsea'), (1, 'The Dispossessed'),
    (2, 'Guards! Guards!'), (2, 'Small Gods'),
    (3, 'Kindred');
INSERT INTO places (name) VALUES ('Lakeside Park'), ('Old Town'), ('Harbour');
INSERT INTO activities (name, type) VALUES
    ('Kayaking', 'water'), ('Walking tour', 'culture'), ('Picnic', 'leisure');
INSERT INTO place_activities (place_id, activity_id) VALUES
    (1, 1), (1, 3), (2, 2), (3, 1), (3, 3);
