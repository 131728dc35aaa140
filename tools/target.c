/* tools/target.c — reaching a [databases] entry from a command-line tool. */
#include "tools/tools.h"

#include <stdio.h>
#include <stdlib.h>

#include "conf/conf.h"

bool tools_target_option(tools_target *t, int opt, const char *arg)
{
    switch (opt) {
    case 'c':
        t->config = arg;
        return true;
    case 'd':
        t->alias = arg;
        return true;
    case 'U':
        t->user = arg;
        return true;
    default:
        return false;
    }
}

PGconn *tools_connect(const tools_target *t, const char *command, conf_config *keep)
{
    if (!t->config || !t->alias) {
        fprintf(stderr, "tombstone %s: -c FILE and -d ALIAS are needed\n", command);
        return NULL;
    }
    conf_config cfg;
    char err[CONF_ERR_MAX];
    if (!conf_load(t->config, &cfg, err, sizeof err)) {
        fprintf(stderr, "tombstone %s: %s\n", command, err);
        return NULL;
    }
    const conf_db *db = conf_find_db(&cfg, t->alias);
    if (!db) {
        fprintf(stderr, "tombstone %s: database \"%s\" is not in [databases] of %s\n", command,
                t->alias, t->config);
        conf_free(&cfg);
        return NULL;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", db->port);
    const char *keys[] = {"host", "port", "dbname", "user", "application_name", NULL};
    const char *values[] = {
        db->host,    port, db->dbname ? db->dbname : t->alias, t->user ? t->user : db->user,
        "tombstone", NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 0);
    if (keep)
        *keep = cfg;
    else
        conf_free(&cfg);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "tombstone %s: %s", command, PQerrorMessage(conn));
        PQfinish(conn);
        if (keep)
            conf_free(keep);
        return NULL;
    }
    return conn;
}
