/* stats/report.c — building a report's arrays (see report.h). */
#include "stats/report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static const char *const state_names[ST_CLIENT_STATES] = {"login", "active", "idle",
                                                          "idle in transaction", "waiting"};
static const char *const state_labels[ST_CLIENT_STATES] = {"login", "active", "idle",
                                                           "idle_in_transaction", "waiting"};

const char *st_client_state_name(st_client_state s)
{
    return state_names[s];
}

const char *st_client_state_label(st_client_state s)
{
    return state_labels[s];
}

/* Room for element n of an array of capacity 8, 16, 32...: it grows when n reaches one. */
static void *grow(void *items, int n, size_t size)
{
    if (n == 0)
        return mem_array(8, size);
    if (n < 8 || (n & (n - 1)))
        return items;
    return mem_realloc(items, (size_t)n * 2 * size);
}

st_report_db *st_report_db_of(st_report *r, const char *name)
{
    size_t len = strlen(name);
    intptr_t at = (intptr_t)rw_map_get(&r->names, name, len); /* index + 1 */
    if (at)
        return &r->dbs[at - 1];
    r->dbs = grow(r->dbs, r->ndbs, sizeof *r->dbs);
    st_report_db *d = &r->dbs[r->ndbs++];
    *d = (st_report_db){.name = name};
    rw_map_put(&r->names, name, len, (void *)(intptr_t)r->ndbs);
    return d;
}

st_report_catalog *st_report_add_catalog(st_report *r)
{
    r->catalogs = grow(r->catalogs, r->ncatalogs, sizeof *r->catalogs);
    st_report_catalog *c = &r->catalogs[r->ncatalogs++];
    memset(c, 0, sizeof *c);
    return c;
}

st_report_client *st_report_add_client(st_report *r)
{
    r->clients = grow(r->clients, r->nclients, sizeof *r->clients);
    st_report_client *c = &r->clients[r->nclients++];
    memset(c, 0, sizeof *c);
    return c;
}

void st_report_free(st_report *r)
{
    free(r->dbs);
    free(r->catalogs);
    free(r->clients);
    rw_map_free(&r->names);
    r->dbs = NULL;
    r->catalogs = NULL;
    r->clients = NULL;
    r->ndbs = r->ncatalogs = r->nclients = 0;
}
