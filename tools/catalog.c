/* tools/catalog.c — what the tools read from a database: rows of a query, and the catalog
 * snapshot the proxy would build for it. */
#include "tools/tools.h"

#include <stdio.h>
#include <stdlib.h>

#include "proxy/catalog.h"

bool tools_rows(PGconn *conn, const char *command, const char *sql, int nparams,
                const char *const *params, tools_row_fn fn, void *arg)
{
    PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "tombstone %s: %s", command, PQerrorMessage(conn));
    int nfields = PQnfields(r);
    const char **fields = mem_array((size_t)(nfields ? nfields : 1), sizeof *fields);
    for (int row = 0; ok && fn && row < PQntuples(r); row++) {
        for (int i = 0; i < nfields; i++)
            fields[i] = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
        ok = fn(arg, nfields, fields);
    }
    free(fields);
    PQclear(r);
    return ok;
}

char *tools_value(PGconn *conn, const char *command, const char *sql, int nparams,
                  const char *const *params)
{
    PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    char *value = NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fprintf(stderr, "tombstone %s: %s", command, PQerrorMessage(conn));
    else
        value = mem_strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    PQclear(r);
    return value;
}

typedef struct {
    rw_snapshot *s;
    const char *err;
} load;

static bool add_row(void *arg, int nfields, const char *const *fields)
{
    load *l = arg;
    rw_catalog_row row = {nfields, fields};
    return rw_snapshot_add_row(l->s, &row, &l->err);
}

rw_snapshot *tools_snapshot(PGconn *conn, const char *command, const conf_config *cfg)
{
    char *sql = catalog_query(cfg); /* the proxy's own query, with the same settings */
    load l = {rw_snapshot_new(), NULL};
    bool ok = tools_rows(conn, command, sql, 0, NULL, add_row, &l);
    free(sql);
    if (!ok) {
        if (l.err)
            fprintf(stderr, "tombstone %s: %s\n", command, l.err);
        rw_snapshot_unref(l.s);
        return NULL;
    }
    rw_snapshot_finish(l.s);
    return l.s;
}
