/* tests/unit/rw_fixture.h — a schema snapshot for the rewriter's unit tests, built from
 * catalog rows exactly as the proxy builds it from the catalog query's result.
 *
 *   public.authors(id, name, deleted_at)           soft (timestamptz)
 *   public.books(id, author_id→authors CASCADE, title, deleted_at)       soft
 *   public.chapters(id, book_id→books CASCADE, deleted_at)               soft
 *   public.places(id, name, is_deleted)            soft (boolean)
 *   public.activities(id, name, type, is_deleted)  soft (boolean), unique (name) partial
 *   public.place_activities(id, place_id→places CASCADE, activity_id→activities CASCADE)
 *                                                  no marker: hidden with its parents
 *   public.notes(id, pa_id→place_activities CASCADE)  no marker, two levels down
 *   public.reviews(id, book_id→books SET NULL)     no marker, not hidden
 *   public.tags(id, name)                          plain
 *   archive.authors(id, name)                      plain, same name as a soft table
 *   archive.logs(id, deleted_at)                   soft, in a second schema
 *   public.flags(id, is_deleted)                   soft (boolean), nothing references it
 *   use_archive()                                  a function that may set the search_path
 * with the helpers of `tombstone install` and every foreign key's triggers present when
 * `helpers` is true.
 */
#ifndef RW_FIXTURE_H
#define RW_FIXTURE_H

#include "rewrite/helpers.h"
#include "rewrite/rewrite.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kinds: the foreign-key triggers every key has (rewrite/helpers.sql), NULL when `tombstone
 * install` never ran. */
static rw_snapshot *fixture_schema_kinds(const char *kinds)
{
    bool helpers = kinds != NULL;
    static const char *const rows[][11] = {
        {"T", "1", "public", "authors", "r", "deleted_at", "t", NULL, NULL},
        {"T", "2", "public", "books", "r", "deleted_at", "t", NULL, NULL},
        {"T", "3", "public", "chapters", "r", "deleted_at", "t", NULL, NULL},
        {"T", "4", "public", "places", "r", "is_deleted", "b", NULL, NULL},
        {"T", "5", "public", "activities", "r", "is_deleted", "b", NULL, NULL},
        {"T", "6", "public", "place_activities", "r", NULL, NULL, NULL, NULL},
        {"T", "7", "public", "notes", "r", NULL, NULL, NULL, NULL},
        {"T", "8", "public", "reviews", "r", NULL, NULL, NULL, NULL},
        {"T", "9", "public", "tags", "r", NULL, NULL, NULL, NULL},
        {"T", "10", "archive", "authors", "r", NULL, NULL, NULL, NULL},
        {"T", "11", "archive", "logs", "r", "deleted_at", "t", NULL, NULL},
        {"T", "12", "public", "flags", "r", "is_deleted", "b", NULL, NULL},
        {"C", "12", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "12", "2", "is_deleted", "boolean", NULL, NULL, NULL, NULL},
        {"C", "1", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "1", "2", "name", "text", NULL, NULL, NULL, NULL},
        {"C", "1", "3", "deleted_at", "timestamp with time zone", NULL, NULL, NULL, NULL},
        {"C", "2", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "2", "2", "author_id", "integer", NULL, NULL, NULL, NULL},
        {"C", "2", "3", "title", "text", NULL, NULL, NULL, NULL},
        {"C", "2", "4", "deleted_at", "timestamp without time zone", NULL, NULL, NULL, NULL},
        {"C", "3", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "3", "2", "book_id", "integer", NULL, NULL, NULL, NULL},
        {"C", "3", "3", "deleted_at", "timestamp with time zone", NULL, NULL, NULL, NULL},
        {"C", "4", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "4", "2", "name", "text", NULL, NULL, NULL, NULL},
        {"C", "4", "3", "is_deleted", "boolean", NULL, NULL, NULL, NULL},
        {"C", "5", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "5", "2", "name", "text", NULL, NULL, NULL, NULL},
        {"C", "5", "3", "type", "text", NULL, NULL, NULL, NULL},
        {"C", "5", "4", "is_deleted", "boolean", NULL, NULL, NULL, NULL},
        {"C", "11", "1", "id", "integer", NULL, NULL, NULL, NULL},
        {"C", "11", "2", "deleted_at", "timestamp with time zone", NULL, NULL, NULL, NULL},
        {"F", "books_author_id_fkey", "2", "1", "c", "{author_id}", "{id}", NULL, "00"},
        {"F", "chapters_book_id_fkey", "3", "2", "c", "{book_id}", "{id}", NULL, "00"},
        {"F", "pa_place_fkey", "6", "4", "c", "{place_id}", "{id}", NULL, "00"},
        {"F", "pa_activity_fkey", "6", "5", "c", "{activity_id}", "{id}", NULL, "00"},
        {"F", "notes_pa_fkey", "7", "6", "c", "{pa_id}", "{id}", NULL, "00"},
        {"F", "reviews_book_fkey", "8", "2", "n", "{book_id}", "{id}", NULL, "00"},
        {"U", "5", "activities_name_key", NULL, "f", "{name}", "(NOT is_deleted)", NULL, NULL},
        {"U", "1", "authors_pkey", "authors_pkey", "t", "{id}", NULL, NULL, NULL},
        {"P", "use_archive", "16400", NULL, NULL, NULL, NULL, NULL, NULL},
    };
    static const char *const helper_row[11] = {"H", "tombstone helpers " RW_HELPERS_VERSION};
    rw_snapshot *s = rw_snapshot_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *fields[11];
        memcpy(fields, rows[i], sizeof fields);
        if (helpers && fields[0][0] == 'F')
            fields[9] = kinds;
        rw_catalog_row row = {11, fields};
        const char *err;
        if (!rw_snapshot_add_row(s, &row, &err)) {
            fprintf(stderr, "fixture row %zu: %s\n", i, err);
            abort();
        }
    }
    rw_catalog_row row = {11, helper_row};
    const char *err;
    if (helpers && !rw_snapshot_add_row(s, &row, &err))
        abort();
    rw_snapshot_finish(s);
    return s;
}

static rw_snapshot *fixture_schema_with(bool helpers)
{
    return fixture_schema_kinds(helpers ? "adcukr" : NULL); /* every kind of trigger */
}

static rw_snapshot *fixture_schema(void)
{
    return fixture_schema_with(true);
}

static const char *const fixture_path[] = {"pg_catalog", "public"};

/* A session of user "tester" on search_path pg_catalog, public. */
static inline rw_context fixture_context(const rw_snapshot *s)
{
    return (rw_context){.snapshot = s,
                        .search_path = fixture_path,
                        .nsearch_path = 2,
                        .standard_strings = true,
                        .user = "tester"};
}

#endif
