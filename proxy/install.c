/* proxy/install.c — `tombstone install -c FILE -d ALIAS`: creates (or updates) the helper
 * functions of rewrite/helpers.c in the database behind ALIAS. The proxy never creates
 * objects by itself; a statement that needs them is refused until this was run. It connects
 * with libpq as the [databases] entry says (user from the entry, -U, or PGUSER; password from
 * PGPASSWORD or ~/.pgpass), so it needs the right to CREATE SCHEMA in that database.
 * `--print` writes the SQL instead, for a DBA to review or run with psql. */
#include "proxy/tools.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/mem.h"
#include "conf/conf.h"
#include "rewrite/helpers.h"
#include "rewrite/quote.h"

/* "ARRAY['a', 'b']::text[]" (literals that mean the same under either
 * standard_conforming_strings, rewrite/quote.h). */
static char *text_array(const conf_list *l)
{
    size_t cap = sizeof "ARRAY[]::text[]";
    for (int i = 0; i < l->n; i++)
        cap += RW_LITERAL_SIZE(strlen(l->items[i])) + 2;
    char *out = mem_alloc(cap), *p = stpcpy(out, "ARRAY[");
    for (int i = 0; i < l->n; i++) {
        p = stpcpy(p, i ? ", " : "");
        p += rw_literal_put(p, l->items[i]);
    }
    strcpy(p, "]::text[]");
    return out;
}

/* The helpers, then tombstone.configure() with the [softdelete] settings: the triggers
 * follow from which tables are soft-delete (rewrite/helpers.sql). */
static char *install_sql(const conf_config *cfg)
{
    char *markers = text_array(&cfg->columns), *inc = text_array(&cfg->include);
    char *exc = text_array(&cfg->exclude);
    const char *helpers = rw_helpers_install_sql();
    size_t n = strlen(helpers) + strlen(markers) + strlen(inc) + strlen(exc) + 64;
    char *sql = mem_alloc(n);
    snprintf(sql, n, "%s\nSELECT tombstone.configure(%s, %s, %s);\n", helpers, markers, inc, exc);
    free(markers);
    free(inc);
    free(exc);
    return sql;
}

/* The configuration of -c, or the defaults when there is none (--print alone). */
static bool load_settings(const tools_target *target, conf_config *cfg)
{
    char err[CONF_ERR_MAX];
    bool ok = target->config ? conf_load(target->config, cfg, err, sizeof err)
                             : conf_parse("(defaults)", "[databases]\n* =\n", cfg, err, sizeof err);
    if (!ok)
        fprintf(stderr, "tombstone install: %s\n", err);
    return ok;
}

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
    conf_config cfg;
    if (!load_settings(&target, &cfg))
        return 1;
    char *sql = install_sql(&cfg);
    conf_free(&cfg);
    if (print) {
        fputs(sql, stdout);
        free(sql);
        return 0;
    }
    PGconn *conn = tools_connect(&target, "install");
    if (!conn) {
        free(sql);
        return 1;
    }
    PGresult *r = PQexec(conn, sql);
    free(sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (ok)
        printf("tombstone helpers %s installed in database \"%s\"\n", RW_HELPERS_VERSION,
               PQdb(conn));
    else
        fprintf(stderr, "tombstone install: %s", PQerrorMessage(conn));
    PQclear(r);
    PQfinish(conn);
    return ok ? 0 : 1;
}
