/* tools/install.c — `tombstone install -c FILE -d ALIAS`: creates (or updates) in the database
 * behind ALIAS
 *  - the foreign-key triggers of rewrite/helpers.sql (tombstone.configure() with the
 *    [softdelete] settings of FILE generates them from the catalog);
 *  - the catalog epoch and the delete guard of rewrite/watch.sql (event triggers: they need
 *    a superuser; without them the proxy sees DDL made elsewhere only at schema_refresh),
 *    with the [softdelete] settings of FILE, and the guard on every soft-delete table.
 * The proxy never creates objects by itself; a statement that needs the triggers is refused
 * until this was run. It connects with libpq as the [databases] entry says (user from the
 * entry, -U, or PGUSER; password from PGPASSWORD or ~/.pgpass). `--print` writes the SQL
 * instead, for a DBA to review or run with psql. */
#include "tools/tools.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/mem.h"
#include "rewrite/helpers.h"
#include "rewrite/quote.h"
#include "rewrite/watch.h"

/* Runs sql; returns the SQLSTATE of its error, "" on success. */
static const char *run(PGconn *conn, const char *sql, char *state, size_t len)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(state, len, "%s",
             st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? ""
             : code                                          ? code
                                                             : "XX000");
    PQclear(r);
    return state;
}

/* A configuration list as a PostgreSQL array literal: {"a","b"}, quotes and backslashes
 * escaped (names are data). */
static char *array_literal(const conf_list *l)
{
    size_t cap = 3;
    for (int i = 0; i < l->n; i++)
        cap += 2 * strlen(l->items[i]) + 3;
    char *out = mem_alloc(cap), *p = out;
    *p++ = '{';
    for (int i = 0; i < l->n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = l->items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* The [softdelete] settings, where the guard (and the helpers) read them. */
static bool write_settings(PGconn *conn, const conf_config *cfg)
{
    char *markers = array_literal(&cfg->columns), *include = array_literal(&cfg->include);
    char *exclude = array_literal(&cfg->exclude);
    const char *params[] = {markers, include, exclude};
    PGresult *r = PQexecParams(conn,
                               "INSERT INTO tombstone.settings VALUES (true, $1, $2, $3) "
                               "ON CONFLICT (only_row) DO UPDATE SET markers = EXCLUDED.markers, "
                               "include = EXCLUDED.include, exclude = EXCLUDED.exclude",
                               3, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    free(markers);
    free(include);
    free(exclude);
    return ok;
}

/* The epoch and the guard, with the configuration's settings, in one transaction. */
static bool install_watch(PGconn *conn, const conf_config *cfg)
{
    char state[8];
    if (*run(conn, "BEGIN", state, sizeof state))
        return false;
    if (*run(conn, rw_watch_install_sql(), state, sizeof state)) {
        if (strcmp(state, "42501") != 0) /* anything but "must be superuser" is an error */
            return fprintf(stderr, "tombstone install: %s", PQerrorMessage(conn)), false;
        run(conn, "ROLLBACK", state, sizeof state);
        fprintf(stderr,
                "tombstone install: the catalog epoch and the delete guard need a "
                "superuser (%s): DDL made outside the proxy is seen at schema_refresh "
                "only\n",
                PQerrorMessage(conn));
        return true;
    }
    bool ok = write_settings(conn, cfg) &&
              !*run(conn,
                    "SELECT tombstone.guard(ARRAY(SELECT oid::regclass FROM pg_class "
                    "WHERE relkind IN ('r', 'p')))",
                    state, sizeof state) &&
              !*run(conn, "COMMIT", state, sizeof state);
    if (!ok)
        fprintf(stderr, "tombstone install: %s", PQerrorMessage(conn));
    else
        printf("catalog epoch and delete guard installed\n");
    return ok;
}

/* The [softdelete] settings, then the foreign-key triggers they call for: tombstone.configure()
 * (rewrite/helpers.sql), in every case (a superuser or not). */
static bool configure(PGconn *conn, const conf_config *cfg)
{
    char *markers = array_literal(&cfg->columns), *include = array_literal(&cfg->include);
    char *exclude = array_literal(&cfg->exclude);
    const char *params[] = {markers, include, exclude};
    PGresult *r = PQexecParams(conn, "SELECT tombstone.configure($1, $2, $3)", 3, NULL, params,
                               NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "tombstone install: %s", PQerrorMessage(conn));
    PQclear(r);
    free(markers);
    free(include);
    free(exclude);
    return ok;
}

/* "ARRAY['a', 'b']::text[]", for --print (literals that mean the same under either
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

/* --print: the SQL install would run, with the settings of -c FILE, or the defaults when
 * there is none. */
static int print_install(const tools_target *target)
{
    conf_config cfg;
    char err[CONF_ERR_MAX];
    bool ok = target->config
                  ? conf_load(target->config, &cfg, err, sizeof err)
                  : conf_parse("(defaults)", "[databases]\n* =\n", &cfg, err, sizeof err);
    if (!ok) {
        fprintf(stderr, "tombstone install: %s\n", err);
        return 1;
    }
    char *markers = text_array(&cfg.columns), *include = text_array(&cfg.include);
    char *exclude = text_array(&cfg.exclude);
    fputs(rw_helpers_install_sql(), stdout);
    printf("\nSELECT tombstone.configure(%s, %s, %s);\n", markers, include, exclude);
    fputs(rw_watch_install_sql(), stdout);
    free(markers);
    free(include);
    free(exclude);
    conf_free(&cfg);
    return 0;
}

int cmd_install(int argc, char **argv)
{
    static const struct option options[] = {
        TOOLS_TARGET_OPTIONS,
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
    if (print)
        return print_install(&target);
    conf_config cfg;
    PGconn *conn = tools_connect(&target, "install", &cfg);
    if (!conn)
        return 1;
    char state[8];
    bool ok = !*run(conn, rw_helpers_install_sql(), state, sizeof state) && configure(conn, &cfg);
    if (ok)
        printf("tombstone helpers %s installed in database \"%s\"\n", RW_HELPERS_VERSION,
               PQdb(conn));
    else
        fprintf(stderr, "tombstone install: %s", PQerrorMessage(conn));
    ok = ok && install_watch(conn, &cfg);
    conf_free(&cfg);
    PQfinish(conn);
    return ok ? 0 : 1;
}
