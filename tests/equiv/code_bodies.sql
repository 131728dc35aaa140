-- code_bodies.sql — issue 10: code PostgreSQL runs later (a DO block, a function in pg_temp
-- as Sequelize's findOrCreate sends it, an SQL function) is not rewritten by the proxy
-- (README: code in the database), but what it writes is checked as PostgreSQL checks it:
-- the foreign-key triggers of `tombstone install` fire for any statement, and unique keys
-- are partial on live rows. (Its reads and DELETEs are not equivalent: reads see marked
-- rows, a DELETE is refused by the guard; tests/integration/test_catalog_coherence.py.)
DO $$ BEGIN INSERT INTO books (author_id, title, year) VALUES (16, 'after its author', 2001); END $$;
DO $$ BEGIN INSERT INTO books (author_id, title, year) VALUES (1, 'in a DO block', 2002); END $$;
SELECT title, year FROM books WHERE author_id = 1 ORDER BY id;
CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response users, OUT sequelize_caught_exception text) RETURNS RECORD AS $func_1$ BEGIN INSERT INTO users (email, name) VALUES ('user19@example.com', 'User 19 again') RETURNING * INTO response; EXCEPTION WHEN unique_violation THEN GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; END $func_1$ LANGUAGE plpgsql; SELECT (testfunc.response).*, testfunc.sequelize_caught_exception FROM pg_temp.testfunc(); DROP FUNCTION IF EXISTS pg_temp.testfunc();
CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response users, OUT sequelize_caught_exception text) RETURNS RECORD AS $func_2$ BEGIN INSERT INTO users (email, name) VALUES ('user03@example.com', 'User 3 twice') RETURNING * INTO response; EXCEPTION WHEN unique_violation THEN GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; END $func_2$ LANGUAGE plpgsql; SELECT (testfunc.response).*, testfunc.sequelize_caught_exception FROM pg_temp.testfunc(); DROP FUNCTION IF EXISTS pg_temp.testfunc();
SELECT id, email, name FROM users WHERE email IN ('user19@example.com', 'user03@example.com') ORDER BY id;
CREATE FUNCTION pg_temp.add_order(u int) RETURNS int LANGUAGE sql AS
  'INSERT INTO orders (user_id, total) VALUES (u, 10) RETURNING 1';
SELECT pg_temp.add_order(19);
SELECT pg_temp.add_order(2);
SELECT count(*) FROM orders WHERE user_id IN (2, 19);
