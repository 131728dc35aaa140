/* proxy/prepared.h — prepared statements and portals by name, with what the proxy must
 * remember about them after Parse or Bind:
 *  - the flags that matter when they run (RW_DELETE_TAG: executing one answers "UPDATE n"
 *    that must read "DELETE n");
 *  - for a statement whose rewrite depends on the search_path, the client's Parse message
 *    and the search_path version it was rewritten under: PostgreSQL re-resolves the names
 *    of a prepared statement when the search_path changes, so the proxy must rewrite it
 *    again before it runs under another one (proxy/hooks.c).
 * Only names with something to remember are kept: for most sessions the maps stay empty and
 * an absent name means "nothing to do". SQL PREPARE and the protocol's Parse share one
 * namespace in PostgreSQL, and so they do here. */
#ifndef PROXY_PREPARED_H
#define PROXY_PREPARED_H

#include <stddef.h>
#include <stdint.h>

#include "rewrite/map.h"

typedef struct {
    unsigned flags;
    unsigned path_version;
    uint8_t *parse; /* a copy of the Parse message, or NULL */
    size_t parse_len;
} prepared_entry;

typedef struct {
    rw_map map; /* name (owned) → prepared_entry (owned) */
} prepared_names;

/* Remembers name; with no flags and no parse message, forgets it. */
void prepared_put(prepared_names *p, const char *name, unsigned flags, unsigned path_version,
                  const uint8_t *parse, size_t parse_len);
const prepared_entry *prepared_find(const prepared_names *p, const char *name);
unsigned prepared_flags(const prepared_names *p, const char *name);
void prepared_clear(prepared_names *p);
static inline int prepared_count(const prepared_names *p)
{
    return (int)p->map.n;
}

#endif
