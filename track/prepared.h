/* track/prepared.h — prepared statements and portals by name, with what the proxy must
 * remember about them after Parse or Bind:
 *  - the rewriter's facts about the statement (rewrite/rewrite.h), applied each time it is
 *    executed: its CommandComplete needs the DELETE tag, it changes the search_path, it is
 *    DDL after which the catalog must be read again, ...;
 *  - for a statement whose rewrite depends on how names resolve, the client's Parse message
 *    (or SQL PREPARE statement) and the search_path and catalog versions it was rewritten
 *    under: PostgreSQL resolves the names of a prepared statement again when the
 *    search_path or the catalog changes, so the proxy must rewrite it again before it runs
 *    under others (track/reprepare.c).
 * Only names with something to remember are kept: for most sessions the maps stay empty and
 * an absent name means "nothing to do". SQL PREPARE and the protocol's Parse share one
 * namespace in PostgreSQL, and so they do here. */
#ifndef TRACK_PREPARED_H
#define TRACK_PREPARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rewrite/map.h"
#include "rewrite/rewrite.h"

typedef struct {
    rw_stmt_facts facts; /* name and value owned by the entry */
    unsigned path_version;
    uint64_t snapshot_version;
    uint8_t *source; /* a copy of the Parse message, or of the SQL PREPARE statement; or NULL */
    size_t source_len;
    bool sql; /* source is an SQL PREPARE statement */
} track_prepared;

typedef struct {
    rw_map map;     /* name (owned) → track_prepared (owned) */
    int with_facts; /* entries whose execution needs something done (the rest keep a source
                     * only, to be prepared again if the catalog or search_path changes) */
} track_names;

/* Remembers a copy of e under name, or forgets name when e is NULL or holds nothing worth
 * remembering. */
void track_names_put(track_names *p, const char *name, const track_prepared *e);
const track_prepared *track_names_find(const track_names *p, const char *name);
unsigned track_names_flags(const track_names *p, const char *name);
void track_names_clear(track_names *p);
static inline int track_names_count(const track_names *p)
{
    return (int)p->map.n;
}

#endif
