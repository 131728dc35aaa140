/* proxy/prepared.c — what is remembered by statement or portal name. */
#include "proxy/prepared.h"

#include <stdlib.h>
#include <string.h>

static void entry_free(prepared_entry *e)
{
    if (e)
        free(e->parse);
    free(e);
}

void prepared_put(prepared_names *p, const char *name, unsigned flags, unsigned path_version,
                  const uint8_t *parse, size_t parse_len)
{
    size_t n = strlen(name);
    const char *old = NULL;
    entry_free(rw_map_remove(&p->map, name, n, &old));
    free((char *)old);
    if (!flags && !parse)
        return;
    prepared_entry *e = calloc(1, sizeof *e);
    char *key = strdup(name);
    if (!e || !key || (parse && !(e->parse = malloc(parse_len))))
        abort();
    e->flags = flags;
    e->path_version = path_version;
    if (parse)
        memcpy(e->parse, parse, parse_len);
    e->parse_len = parse_len;
    rw_map_put(&p->map, key, n, e);
}

const prepared_entry *prepared_find(const prepared_names *p, const char *name)
{
    return rw_map_get(&p->map, name, strlen(name));
}

unsigned prepared_flags(const prepared_names *p, const char *name)
{
    const prepared_entry *e = prepared_find(p, name);
    return e ? e->flags : 0;
}

void prepared_clear(prepared_names *p)
{
    for (size_t i = 0; i < p->map.cap; i++) {
        free((char *)p->map.slots[i].key);
        entry_free(p->map.slots[i].value);
    }
    rw_map_free(&p->map);
}
