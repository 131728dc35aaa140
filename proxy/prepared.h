/* proxy/prepared.h — prepared statements and portals by name, with the rewriter's flags that
 * matter after Parse (e.g. RW_DELETE_TAG: executing it answers "UPDATE n" that must read
 * "DELETE n"). Only names with flags are kept, so the map stays empty for most sessions
 * and an absent name means "nothing to do". SQL PREPARE and the protocol's Parse share one
 * namespace in PostgreSQL, and so they do here. */
#ifndef PROXY_PREPARED_H
#define PROXY_PREPARED_H

#include "rewrite/map.h"

typedef struct {
    rw_map map; /* name (owned) → flags */
} prepared_names;

void prepared_set(prepared_names *p, const char *name, unsigned flags); /* 0 removes */
unsigned prepared_get(const prepared_names *p, const char *name);
void prepared_clear(prepared_names *p);
static inline int prepared_count(const prepared_names *p)
{
    return (int)p->map.n;
}

#endif
