/* tools/check.c — `tombstone check -c FILE -d ALIAS [--sql] [-U USER]`: audits the schema of
 * the database behind ALIAS for soft deletes and prints the findings, each with the DDL that
 * fixes it when there is one (the rules are rewrite/audit.c's: markers, unique indexes, foreign
 * keys, indexes, stored code, triggers, what `tombstone install` left). It reads the catalog
 * snapshot with the proxy's own query and settings, then the audit's second query. `--sql`
 * prints only the migration of the warnings, for psql.
 *
 * Exit status: 0 when nothing needs fixing (notes only), 1 when something does (or the
 * database could not be read), 2 on a usage error. */
#include "tools/tools.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/catalog.h"
#include "rewrite/audit.h"

static const char *const level_names[] = {"", "NOTE", "WARNING"};

static bool add_row(void *arg, int nfields, const char *const *fields)
{
    const char *err;
    rw_catalog_row row = {nfields, fields};
    if (rw_audit_add_row(arg, &row, &err))
        return true;
    fprintf(stderr, "tombstone check: %s\n", err);
    return false;
}

/* DDL lines with an indent (the report) or as they are (--sql). */
static void print_ddl(const char *ddl, const char *indent)
{
    for (const char *p = ddl; *p;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        printf("%s%.*s\n", indent, n, p);
        p += n + (nl != NULL);
    }
}

static int report(const rw_audit *a, const char *db, bool sql_only)
{
    int warnings = 0, notes = 0;
    if (!sql_only)
        printf("tombstone check: database \"%s\"\n", db);
    for (int i = 0; i < rw_audit_count(a); i++) {
        const rw_finding *f = rw_audit_finding(a, i);
        warnings += f->level == RW_AUDIT_WARNING;
        notes += f->level == RW_AUDIT_NOTE;
        if (sql_only) {
            if (f->level == RW_AUDIT_WARNING && f->ddl) {
                printf("\n-- [%s] %s: %s\n", f->topic, f->subject, f->message);
                print_ddl(f->ddl, "");
            }
            continue;
        }
        if (f->level == RW_AUDIT_INFO)
            printf("\n%s\n", f->message);
        else
            printf("\n%s [%s] %s: %s\n", level_names[f->level], f->topic, f->subject, f->message);
        if (f->ddl)
            print_ddl(f->ddl, "    ");
    }
    if (!sql_only)
        printf("\n%d warnings, %d notes%s\n", warnings, notes,
               warnings ? ": `tombstone check --sql` prints the migration" : "");
    return warnings ? 1 : 0;
}

static int check(PGconn *conn, const conf_config *cfg, bool sql_only)
{
    rw_snapshot *s = tools_snapshot(conn, "check", cfg);
    if (!s)
        return 1;
    rw_snapshot_options o = catalog_options(cfg);
    rw_audit *a = rw_audit_new(s, &o);
    char *sql = rw_audit_query(s, &o);
    bool ok = tools_rows(conn, "check", sql, 0, NULL, add_row, a);
    free(sql);
    int status = 1;
    if (ok) {
        rw_audit_finish(a);
        status = report(a, PQdb(conn), sql_only);
    }
    rw_audit_free(a);
    rw_snapshot_unref(s);
    return status;
}

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {
        TOOLS_TARGET_OPTIONS,
        {"sql", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    tools_target target = {0};
    bool sql_only = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:d:U:", options, NULL)) != -1) {
        if (opt == 's')
            sql_only = true;
        else if (!tools_target_option(&target, opt, optarg))
            return 2;
    }
    if (optind < argc || !target.config || !target.alias) {
        fprintf(stderr,
                "tombstone check: %s\nusage: tombstone check -c FILE -d ALIAS [--sql] "
                "[-U USER]\n",
                optind < argc ? "unexpected argument" : "-c FILE and -d ALIAS are needed");
        return 2;
    }
    conf_config cfg;
    PGconn *conn = tools_connect(&target, "check", &cfg);
    if (!conn)
        return 1;
    int status = check(conn, &cfg, sql_only);
    conf_free(&cfg);
    PQfinish(conn);
    return status;
}
