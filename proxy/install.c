/* proxy/install.c — `tombstone install -c FILE -d ALIAS`: creates (or updates) the helper
 * functions of rewrite/helpers.c in the database behind ALIAS. The proxy never creates
 * objects by itself; a statement that needs them is refused until this was run. It connects
 * with libpq as the [databases] entry says (user from the entry, -U, or PGUSER; password from
 * PGPASSWORD or ~/.pgpass), so it needs the right to CREATE SCHEMA in that database.
 * `--print` writes the SQL instead, for a DBA to review or run with psql. */
#include "proxy/tools.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "rewrite/helpers.h"

int cmd_install(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"database", required_argument, NULL, 'd'},
        {"user", required_argument, NULL, 'U'},
        {"print", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    tools_target target = {0};
    bool print = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:d:U:", options, NULL)) != -1) {
        if (opt == 'p')
            print = true;
        else if (!tools_target_option(&target, opt, optarg))
            return 2;
    }
    if (print) {
        fputs(rw_helpers_install_sql(), stdout);
        return 0;
    }
    PGconn *conn = tools_connect(&target, "install");
    if (!conn)
        return 1;
    PGresult *r = PQexec(conn, rw_helpers_install_sql());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (ok)
        printf("tombstone helpers %s installed in database \"%s\"\n", RW_HELPERS_VERSION,
               PQdb(conn));
    else
        fprintf(stderr, "tombstone install: %s", PQerrorMessage(conn));
    PQclear(r);
    PQfinish(conn);
    return ok ? 0 : 1;
}
