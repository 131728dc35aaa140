-- quoted_identifiers.sql — SPEC §2: quoted and mixed-case identifiers. A mixed-case soft
-- table ("Imprints", "ImprintId"), a mixed-case column of a soft table (books."imprintId"),
-- quoted lower-case names (the same table as unquoted), upper-case unquoted names (folded),
-- a quoted name that is NOT the table ("Books"), quoted schema names, Unicode-escaped
-- identifiers, quoted aliases, and deletes through quoted names.
SELECT "ImprintId", "Name", "City" FROM "Imprints" ORDER BY "ImprintId";
SELECT count(*) FROM "books";
SELECT count(*) FROM BOOKS;
SELECT count(*) FROM Public.Books;
SELECT count(*) FROM "public"."books";
SELECT count(*) FROM "Books";
SELECT count(*) FROM imprints;
SELECT count(*) FROM U&"\0062ooks";
SELECT count(*) FROM U&"!0062ooks" UESCAPE '!';
SELECT "B".id, "B"."imprintId", "I"."Name" FROM books AS "B" JOIN "Imprints" AS "I" ON "I"."ImprintId" = "B"."imprintId"
WHERE "B".id <= 12 ORDER BY "B".id;
SELECT "I"."ImprintId", count("B".id) FROM "Imprints" "I" LEFT JOIN "books" "B" ON "B"."imprintId" = "I"."ImprintId"
GROUP BY "I"."ImprintId" ORDER BY 1;
SELECT "select".id FROM authors AS "select" WHERE "select".id > 15 ORDER BY 1;
SELECT x."id" FROM "archive"."authors" x ORDER BY 1;
SELECT count(*) FROM "archive"."events";
SELECT count(*) FROM ARCHIVE.EVENTS;
DELETE FROM "books" WHERE "id" = 59;
DELETE FROM "Imprints" AS "I" WHERE "I"."ImprintId" = 6;
DELETE FROM PUBLIC.CHAPTERS WHERE BOOK_ID = 7;
DELETE FROM "public"."chapters" "C" WHERE "C"."book_id" = 8 RETURNING "C".id, "C".num;
SELECT count(*) FROM books;
SELECT count(*) FROM chapters;
SELECT id FROM "places" WHERE "is_deleted" = false ORDER BY id;
UPDATE "Imprints" SET "City" = upper("City") WHERE "ImprintId" < 6;
SELECT * FROM "Imprints" ORDER BY 1;
