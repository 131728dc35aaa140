/* track/prepared.c — what is remembered by statement or portal name. */
#include "track/prepared.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

/* The facts that matter once a statement runs; the others are about the text itself. */
enum {
    REMEMBERED = RW_DELETE_TAG | RW_DDL | RW_SEARCH_PATH | RW_ROLLBACK | RW_SAVEPOINT | RW_RELEASE |
                 RW_ROLLBACK_TO | RW_TEMP_TABLE | RW_DROP_TABLES | RW_DISCARD_TEMP |
                 RW_DISCARD_ALL | RW_DEALLOCATE | RW_EXECUTE | RW_REFUSED | RW_MODE | RW_RESET_ALL |
                 RW_REREAD
};

static void entry_free(track_prepared *e)
{
    if (!e)
        return;
    free(e->facts.name);
    free(e->facts.value);
    free(e->source);
    free(e);
}

static void forget(track_names *p, const char *name)
{
    const char *old = NULL;
    track_prepared *e = rw_map_remove(&p->map, name, strlen(name), &old);
    if (e && (e->facts.flags & REMEMBERED))
        p->with_facts--;
    entry_free(e);
    free((char *)old);
}

void track_names_put(track_names *p, const char *name, const track_prepared *e)
{
    forget(p, name);
    if (!e || (!(e->facts.flags & REMEMBERED) && !e->source))
        return;
    if (e->facts.flags & REMEMBERED)
        p->with_facts++;
    track_prepared *copy = mem_dup(e, sizeof *e);
    copy->facts.name = mem_strdup(e->facts.name);
    copy->facts.value = mem_strdup(e->facts.value);
    copy->source = e->source ? mem_dup(e->source, e->source_len) : NULL;
    rw_map_put(&p->map, mem_strdup(name), strlen(name), copy);
}

const track_prepared *track_names_find(const track_names *p, const char *name)
{
    return rw_map_get(&p->map, name, strlen(name));
}

unsigned track_names_flags(const track_names *p, const char *name)
{
    const track_prepared *e = track_names_find(p, name);
    return e ? e->facts.flags : 0;
}

static void free_slot(const char *key, void *value, void *arg)
{
    (void)arg;
    free((char *)key);
    entry_free(value);
}

void track_names_clear(track_names *p)
{
    rw_map_each(&p->map, free_slot, NULL);
    rw_map_free(&p->map);
    p->with_facts = 0;
}
