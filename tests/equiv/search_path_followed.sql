-- search_path_followed.sql — issue 15: the search path changed where only the server can tell
-- (a DO block, a procedure, set_config() with arguments that are not constants as pg_dump
-- sends it, UPDATE pg_settings, a prepared set_config() run by EXECUTE, a function of the
-- database's whose body sets it) is read again after the statement, and the next statement's names resolve with it. archive.events is soft and
-- public.events plain: a DELETE FROM events resolved with the path from before would go to
-- the server as written and delete archive.events rows for real.
DO $$ BEGIN PERFORM set_config('search_path', 'archive, public', false); END $$;
SELECT count(*) FROM events;
DELETE FROM events WHERE id = 1;
SELECT count(*) FROM archive.events;
RESET search_path;
SELECT count(*) FROM events;
CREATE PROCEDURE use_archive() LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('search_path', 'archive, public', false); END $$;
CALL use_archive();
DELETE FROM events WHERE id = 2;
SELECT count(*) FROM events;
RESET search_path;
SELECT set_config(name, 'archive, public', false) FROM pg_settings WHERE name = 'search_path';
DELETE FROM events WHERE id = 3;
SELECT count(*) FROM events;
SELECT set_config('search_path', (SELECT string_agg(n, ', ') FROM unnest(ARRAY['public', 'archive']) n), false);
DELETE FROM events WHERE id = 4;
SELECT count(*) FROM archive.events;
UPDATE pg_settings SET setting = 'archive' WHERE name = 'search_path';
DELETE FROM events WHERE id = 6;
SELECT count(*) FROM events;
RESET search_path;
PREPARE to_archive AS SELECT set_config('search_path', 'archive, ' || 'public', false);
EXECUTE to_archive;
DELETE FROM events WHERE id = 7;
SELECT count(*) FROM events;
RESET search_path;
BEGIN;
DO $$ BEGIN PERFORM set_config('search_path', 'archive', true); END $$;
DELETE FROM events WHERE id = 8;
COMMIT;
DELETE FROM events WHERE id = 8;
SELECT count(*) FROM archive.events;
SELECT count(*) FROM events;
SELECT set_config('search_path', 'archive', false)\; DELETE FROM events WHERE id = 9\; SELECT count(*) FROM events;
RESET search_path;
DO $$ BEGIN PERFORM set_config('search_path', 'archive', false); END $$\; DELETE FROM events WHERE id = 10\; SELECT count(*) FROM events;
RESET search_path;
SELECT count(*) FROM archive.events;
CREATE FUNCTION to_archive() RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('search_path', 'archive, public', false); RETURN 'moved'; END $$;
CREATE FUNCTION keeps_path() RETURNS text LANGUAGE plpgsql SET search_path = archive AS $$ BEGIN PERFORM set_config('search_path', 'public', false); RETURN 'kept'; END $$;
SELECT to_archive();
DELETE FROM events WHERE id = 11;
SELECT count(*) FROM events;
SELECT keeps_path();
DELETE FROM events WHERE id = 12;
SELECT count(*) FROM events;
RESET search_path;
SELECT count(*) FROM events WHERE to_archive() IS NOT NULL;
DELETE FROM events WHERE id = 13;
RESET search_path;
SELECT count(*) FROM archive.events;
DROP FUNCTION to_archive(), keeps_path();
DROP PROCEDURE use_archive();
