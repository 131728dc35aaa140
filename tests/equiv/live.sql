-- tests/equiv/live.sql — the "live rows" of every table of schema.sql, written by hand,
-- independently of the product code (rewrite/ discovers the same facts from the catalog;
-- this file must not).
--
-- run.py runs each query DIRECTLY against S (bypassing the proxy) and compares its rows
-- with ALL rows of the same table in H, ordered by primary key (whole rows, marker column
-- included: it is NULL / false on both sides for a live row).
--
-- Format: each query is preceded by a line `-- @table <schema>.<name>` and, for a
-- soft-delete table, `soft <marker column>`; the soft tables are also the ones whose rows
-- must all still exist physically after a script (check (ii) of run.py). A table a script
-- creates says `created`, and, when soft, `marked N`: the number of its rows the script
-- deletes, which S must hold marked (check (ii) cannot follow rows it never saw).
--
-- Every table is compared on its OWN rows (`FROM ONLY`): an inheritance parent without its
-- children's rows, a partitioned table (no rows of its own) apart from its partitions.
--
-- Live means:
--   soft-delete table: its own marker says live. (A soft child of a marked parent must have
--     been marked by the cascade; its parent's state is deliberately NOT consulted, so that
--     a cascade the proxy forgot shows up as an extra live row.)
--   table without marker with an ON DELETE CASCADE foreign key to a soft-delete table,
--     directly or through other unmarked cascading tables: every such referenced parent is
--     live (a NULL reference hides nothing).
--   any other table: every row.
-- A table that a script creates is compared too: when it is listed here with the word
-- `created` (ddl_refresh.sql's tables), with its query; otherwise (CREATE TABLE AS ...) all
-- its rows, filtered on a deleted_at / is_deleted column if it has one.

-- @table public.authors soft deleted_at
SELECT * FROM public.authors WHERE deleted_at IS NULL;

-- @table public.Imprints soft deleted_at
SELECT * FROM public."Imprints" WHERE deleted_at IS NULL;

-- @table public.books soft deleted_at
SELECT * FROM public.books WHERE deleted_at IS NULL;

-- @table public.chapters soft deleted_at
SELECT * FROM public.chapters WHERE deleted_at IS NULL;

-- @table public.footnotes
SELECT f.* FROM public.footnotes f
WHERE EXISTS (SELECT 1 FROM public.chapters c WHERE c.id = f.chapter_id AND c.deleted_at IS NULL);

-- @table public.reviews
SELECT * FROM public.reviews;

-- @table public.tags
SELECT * FROM public.tags;

-- @table public.book_tags
SELECT bt.* FROM public.book_tags bt
WHERE EXISTS (SELECT 1 FROM public.books b WHERE b.id = bt.book_id AND b.deleted_at IS NULL);

-- @table public.places soft is_deleted
SELECT * FROM public.places WHERE NOT is_deleted;

-- @table public.activities soft is_deleted
SELECT * FROM public.activities WHERE NOT is_deleted;

-- @table public.place_activities
SELECT pa.* FROM public.place_activities pa
WHERE EXISTS (SELECT 1 FROM public.places p WHERE p.id = pa.place_id AND NOT p.is_deleted)
  AND EXISTS (SELECT 1 FROM public.activities a WHERE a.id = pa.activity_id AND NOT a.is_deleted);

-- @table public.pa_notes
SELECT n.* FROM public.pa_notes n
WHERE EXISTS (SELECT 1
              FROM public.place_activities pa
              JOIN public.places p ON p.id = pa.place_id
              JOIN public.activities a ON a.id = pa.activity_id
              WHERE pa.id = n.place_activity_id AND NOT p.is_deleted AND NOT a.is_deleted);

-- @table public.users soft deleted_at
SELECT * FROM public.users WHERE deleted_at IS NULL;

-- @table public.orders soft deleted_at
SELECT * FROM public.orders WHERE deleted_at IS NULL;

-- @table public.invoices
SELECT * FROM public.invoices;

-- @table public.shipments
SELECT * FROM public.shipments;

-- @table public.offices soft deleted_at
SELECT * FROM public.offices WHERE deleted_at IS NULL;

-- @table public.staff
SELECT * FROM public.staff;

-- @table public.categories soft deleted_at
SELECT * FROM public.categories WHERE deleted_at IS NULL;

-- @table public.events
SELECT * FROM public.events;

-- @table archive.authors
SELECT * FROM archive.authors;

-- @table archive.events soft deleted_at
SELECT * FROM archive.events WHERE deleted_at IS NULL;

-- @table archive.logs soft deleted_at
SELECT * FROM ONLY archive.logs WHERE deleted_at IS NULL;

-- @table archive.logs_2023 soft deleted_at
SELECT * FROM archive.logs_2023 WHERE deleted_at IS NULL;

-- @table archive.logs_2024 soft deleted_at
SELECT * FROM archive.logs_2024 WHERE deleted_at IS NULL;

-- @table archive.notes soft deleted_at
SELECT * FROM ONLY archive.notes WHERE deleted_at IS NULL;

-- @table archive.special_notes soft deleted_at
SELECT * FROM archive.special_notes WHERE deleted_at IS NULL;

-- Tables created by ddl_refresh.sql ------------------------------------------------------

-- @table public.widgets soft deleted_at created marked 3
SELECT * FROM public.widgets WHERE deleted_at IS NULL;

-- @table public.widget_parts created
SELECT p.* FROM public.widget_parts p
WHERE EXISTS (SELECT 1 FROM public.widgets w WHERE w.id = p.widget_id AND w.deleted_at IS NULL);

-- @table public.gadgets soft is_deleted created marked 2
SELECT * FROM public.gadgets WHERE NOT is_deleted;

-- Tables created by fk_shared_column.sql -------------------------------------------------

-- @table public.warehouses soft deleted_at created marked 1
SELECT * FROM public.warehouses WHERE deleted_at IS NULL;

-- @table public.bins soft deleted_at created marked 3
SELECT * FROM public.bins WHERE deleted_at IS NULL;

-- @table public.items created
SELECT * FROM public.items;

-- Tables created by plain_tables.sql ------------------------------------------------------

-- @table public.gizmos soft deleted_at created marked 1
SELECT * FROM public.gizmos WHERE deleted_at IS NULL;

-- Tables created by fk_hostile_names.sql (those whose names hold no white space; the others,
-- "tab<TAB>here" and "new<NEWLINE>line", have no marker and no cascade: all their rows) ----

-- @table public.p$tombstone$'"\x soft deleted_at created marked 6
SELECT * FROM public."p$tombstone$'""\x" WHERE deleted_at IS NULL;

-- @table public.c$tombstone1$x soft deleted_at created marked 6
SELECT * FROM public."c$tombstone1$x" WHERE deleted_at IS NULL;

-- @table public.select created
SELECT * FROM public."select";

-- @table public.LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL$tombstone$ created
SELECT * FROM public."LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL$tombstone$";

-- @table public.multi\col soft deleted_at created marked 1
SELECT * FROM public."multi\col" WHERE deleted_at IS NULL;

-- @table public.hid$tombstone$den created
SELECT h.* FROM public."hid$tombstone$den" h
WHERE h."p'ref" IS NULL OR EXISTS (SELECT 1 FROM public."p$tombstone$'""\x" p
                                   WHERE p."i""d'\" = h."p'ref" AND p.deleted_at IS NULL);

-- @table public.g'\ soft deleted_at created marked 3
SELECT * FROM public."g'\" WHERE deleted_at IS NULL;

-- Tables created by ddl_one_query.sql ---------------------------------------------------

-- @table public.oq_created soft deleted_at created marked 2
SELECT * FROM public.oq_created WHERE deleted_at IS NULL;

-- @table public.oq_altered soft deleted_at created marked 1
SELECT * FROM public.oq_altered WHERE deleted_at IS NULL;

-- @table public.oq_block soft is_deleted created marked 2
SELECT * FROM public.oq_block WHERE NOT is_deleted;

-- @table public.oq_child soft deleted_at created marked 1
SELECT * FROM public.oq_child WHERE deleted_at IS NULL;

-- Tables created by ddl_transaction.sql -------------------------------------------------

-- @table public.tx_plain soft deleted_at created marked 2
SELECT * FROM public.tx_plain WHERE deleted_at IS NULL;

-- @table public.tx_undone created
SELECT * FROM public.tx_undone;

-- @table public.tx_new soft deleted_at created marked 2
SELECT * FROM public.tx_new WHERE deleted_at IS NULL;

-- Tables created by ddl_prepared.sql ----------------------------------------------------

-- @table public.pr_plain soft deleted_at created marked 2
SELECT * FROM public.pr_plain WHERE deleted_at IS NULL;

-- @table public.pr_marked created
SELECT * FROM public.pr_marked;

-- Tables created by ddl_partial_unique.sql ----------------------------------------------

-- @table public.pu_items soft deleted_at created marked 1
SELECT * FROM public.pu_items WHERE deleted_at IS NULL;

-- Tables created by fk_cte_writes.sql ---------------------------------------------------

-- @table public.documents soft deleted_at created marked 3
SELECT * FROM public.documents WHERE deleted_at IS NULL;

-- Tables created by fk_hidden_keys.sql --------------------------------------------------

-- @table public.hk_notes soft deleted_at created marked 2
SELECT * FROM public.hk_notes WHERE deleted_at IS NULL;

-- @table public.hk_labels created
SELECT * FROM public.hk_labels;

-- @table public.hk_note_labels created
SELECT nl.* FROM public.hk_note_labels nl
WHERE EXISTS (SELECT 1 FROM public.hk_notes n WHERE n.id = nl.note_id AND n.deleted_at IS NULL);

-- @table public.hk_authors soft deleted_at created marked 0
SELECT * FROM public.hk_authors WHERE deleted_at IS NULL;

-- @table public.hk_books soft deleted_at created marked 2
SELECT * FROM public.hk_books WHERE deleted_at IS NULL;
