-- search_path_set_config.sql — SPEC §2: the search path changed by set_config() (as some
-- drivers and ORMs do) rather than by SET: name resolution must follow it too.
SELECT set_config('search_path', 'archive, public', false);
SELECT count(*) FROM authors;
SELECT count(*) FROM events;
DELETE FROM events WHERE id = 1;
SELECT count(*) FROM archive.events;
SELECT set_config('search_path', 'public', false);
SELECT count(*) FROM authors;
SELECT count(*) FROM events;
BEGIN;
SELECT set_config('search_path', 'archive', true);
SELECT count(*) FROM authors;
COMMIT;
SELECT count(*) FROM authors;
