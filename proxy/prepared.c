/* proxy/prepared.c — flags by statement or portal name. */
#include "proxy/prepared.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void prepared_set(prepared_names *p, const char *name, unsigned flags)
{
    size_t n = strlen(name);
    const char *old = NULL;
    rw_map_remove(&p->map, name, n, &old);
    free((char *)old);
    if (!flags)
        return;
    char *key = strdup(name);
    if (!key)
        abort();
    rw_map_put(&p->map, key, n, (void *)(uintptr_t)flags);
}

unsigned prepared_get(const prepared_names *p, const char *name)
{
    return (unsigned)(uintptr_t)rw_map_get(&p->map, name, strlen(name));
}

void prepared_clear(prepared_names *p)
{
    for (size_t i = 0; i < p->map.cap; i++)
        free((char *)p->map.slots[i].key);
    rw_map_free(&p->map);
}
