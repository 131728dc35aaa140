/* proxy/prepared.c — what is remembered by statement or portal name. */
#include "proxy/prepared.h"

#include <stdlib.h>
#include <string.h>

/* The facts that matter once a statement runs; the others are about the text itself. */
enum {
    REMEMBERED = RW_DELETE_TAG | RW_DDL | RW_SEARCH_PATH | RW_ROLLBACK | RW_SAVEPOINT | RW_RELEASE |
                 RW_ROLLBACK_TO | RW_TEMP_TABLE | RW_DROP_TABLES | RW_DISCARD_TEMP |
                 RW_DISCARD_ALL | RW_DEALLOCATE | RW_EXECUTE
};

static void entry_free(prepared_entry *e)
{
    if (!e)
        return;
    free(e->facts.name);
    free(e->facts.value);
    free(e->source);
    free(e);
}

static char *dup(const char *s)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        abort();
    return d;
}

void prepared_put(prepared_names *p, const char *name, const prepared_entry *e)
{
    size_t n = strlen(name);
    const char *old = NULL;
    entry_free(rw_map_remove(&p->map, name, n, &old));
    free((char *)old);
    if (!e || (!(e->facts.flags & REMEMBERED) && !e->source))
        return;
    prepared_entry *copy = malloc(sizeof *copy);
    char *key = strdup(name);
    if (!copy || !key)
        abort();
    *copy = *e;
    copy->facts.name = dup(e->facts.name);
    copy->facts.value = dup(e->facts.value);
    if (e->source && !(copy->source = malloc(e->source_len)))
        abort();
    if (e->source)
        memcpy(copy->source, e->source, e->source_len);
    rw_map_put(&p->map, key, n, copy);
}

const prepared_entry *prepared_find(const prepared_names *p, const char *name)
{
    return rw_map_get(&p->map, name, strlen(name));
}

unsigned prepared_flags(const prepared_names *p, const char *name)
{
    const prepared_entry *e = prepared_find(p, name);
    return e ? e->facts.flags : 0;
}

void prepared_clear(prepared_names *p)
{
    for (size_t i = 0; i < p->map.cap; i++) {
        free((char *)p->map.slots[i].key);
        entry_free(p->map.slots[i].value);
    }
    rw_map_free(&p->map);
}
