/* tools/rewrite.c — `tombstone rewrite -c FILE -d ALIAS [SQL | -]`: what the proxy would send
 * for each statement, and why. The catalog is the database's, read with the query the proxy
 * runs (the [softdelete] settings of FILE), and the statements go through the proxy's own
 * rewriter with an explanation collector (rw_context.explain): which tables are filtered
 * (soft-delete, or hidden through ON DELETE CASCADE), which DELETEs mark rows and the
 * foreign-key actions that follow (from the snapshot), what is refused and why. The output
 * is SQL with the explanations as comments, so psql can run it.
 *
 * Exit status: 0 when nothing was refused, 1 when something was (or the database could not be
 * read), 2 on a usage error. */
#include "tools/tools.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite/rewrite.h"

/* Keys followed from a marked table, as deep as a description stays readable. */
enum { ACTION_DEPTH = 8 };

static int usage(const char *why)
{
    fprintf(stderr,
            "tombstone rewrite: %s\n"
            "usage: tombstone rewrite -c FILE -d ALIAS [-U USER] SQL\n"
            "       tombstone rewrite -c FILE -d ALIAS [-U USER] -     (SQL from stdin)\n",
            why);
    return 2;
}

/* All of stdin, NUL-terminated. */
static char *read_all(FILE *in, size_t *len)
{
    size_t cap = 4096, n = 0, got;
    char *buf = mem_alloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, in)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = mem_realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* text[0..len) as comment lines, each starting with prefix. */
static void comment(const char *prefix, const char *text, int len)
{
    int start = 0;
    for (int i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            printf("%s%.*s\n", prefix, i - start, text + start);
            start = i + 1;
        }
    }
}

static void print_cols(char *const *cols, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", cols[i]);
}

static bool on_path(const rw_table *const *path, int depth, const rw_table *t)
{
    for (int i = 0; i < depth; i++)
        if (path[i] == t)
            return true;
    return false;
}

/* What the ON DELETE action of each key referencing t does when rows of t go, and below
 * it what the rows it marks or hides set off in turn. */
static void print_actions(const rw_table *t, const rw_table **path, int depth)
{
    path[depth] = t;
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        const rw_table *c = fk->child;
        printf("--%*s %s.%s (%s): ", 6 + 2 * depth, "", c->schema, c->name, fk->name);
        bool deeper = false;
        switch (fk->on_delete) {
        case RW_FK_CASCADE:
            deeper = depth + 1 < ACTION_DEPTH && !on_path(path, depth + 1, c);
            if (c->marker != RW_MARKER_NONE)
                printf("ON DELETE CASCADE: its live rows referencing them are marked too\n");
            else
                printf("ON DELETE CASCADE, no marker: its rows referencing them are hidden from "
                       "then on\n");
            break;
        case RW_FK_SET_NULL:
        case RW_FK_SET_DEFAULT:
            printf("ON DELETE SET %s: ", fk->on_delete == RW_FK_SET_NULL ? "NULL" : "DEFAULT");
            print_cols(fk->nset_cols ? fk->set_cols : fk->child_cols,
                       fk->nset_cols ? fk->nset_cols : fk->ncols);
            printf(" of its live rows referencing them set to %s\n",
                   fk->on_delete == RW_FK_SET_NULL ? "NULL" : "the default");
            break;
        default:
            printf("ON DELETE %s: the statement fails (23503) if a live row references them%s\n",
                   fk->on_delete == RW_FK_RESTRICT ? "RESTRICT" : "NO ACTION",
                   fk->deferred ? ", checked at COMMIT" : "");
        }
        if (deeper)
            print_actions(c, path, depth + 1);
    }
}

static void print_filtered(const rw_table *t, rw_visibility seen)
{
    if (t->marker != RW_MARKER_NONE && seen == RW_SEE_DELETED) {
        printf("--    %s.%s is soft-delete: read as its marked rows only, the trash (%s%s)\n",
               t->schema, t->name, t->marker_col,
               t->marker == RW_MARKER_BOOL ? "" : " IS NOT NULL");
        return;
    }
    if (t->marker != RW_MARKER_NONE) {
        printf("--    %s.%s is soft-delete: read as its live rows only (%s %s)\n", t->schema,
               t->name, t->marker_col, t->marker == RW_MARKER_BOOL ? "is false" : "IS NULL");
        return;
    }
    printf("--    %s.%s has no marker, but ON DELETE CASCADE would have removed its rows with a "
           "parent: rows whose parent is marked are %s (",
           t->schema, t->name, seen == RW_SEE_DELETED ? "the only ones read" : "left out");
    for (int i = 0, n = 0; i < t->nparents; i++)
        if (t->parents[i]->on_delete == RW_FK_CASCADE && rw_table_affected(t->parents[i]->parent))
            printf("%s%s -> %s.%s", n++ ? ", " : "", t->parents[i]->name,
                   t->parents[i]->parent->schema, t->parents[i]->parent->name);
    printf(")\n");
}

static void print_why(const rw_why *w, rw_visibility seen)
{
    const rw_table *t = w->table;
    switch (w->kind) {
    case RW_WHY_REFUSED:
        printf("--    REFUSED: %s\n--    the proxy sends a statement that raises the error "
               "instead (nothing runs)\n",
               w->text);
        return;
    case RW_WHY_MARKED: {
        printf("--    DELETE on %s.%s marks its rows instead (%s = %s); the client still sees "
               "DELETE n\n",
               t->schema, t->name, t->marker_col, t->marker == RW_MARKER_BOOL ? "true" : "now()");
        const rw_table *path[ACTION_DEPTH];
        if (t->nchildren)
            printf("--      ON DELETE actions of the keys referencing it, as PostgreSQL runs "
                   "them:\n");
        print_actions(t, path, 0);
        return;
    }
    case RW_WHY_FILTERED:
        print_filtered(t, seen);
    }
}

/* Each statement: the original as a comment, why it changed, and what is sent. */
static bool print_result(const char *text, const rw_result *r, const rw_explain *e,
                         rw_visibility seen)
{
    bool refused = false;
    for (int i = 0; i < r->nstmts; i++) {
        const rw_stmt_facts *f = &r->stmts[i];
        printf("%s-- statement %d:\n", i ? "\n" : "", i + 1);
        comment("--   ", text + f->start, f->len);
        int facts = 0;
        for (int k = 0; k < e->n; k++)
            if (e->items[k].stmt == i) {
                print_why(&e->items[k], seen);
                facts++;
            }
        refused = refused || (f->flags & RW_REFUSED);
        const char *out;
        int len;
        rw_result_stmt_text(r, text, i, &out, &len);
        if (!facts)
            printf("--    unchanged: %s\n",
                   r->sql && (len != f->len || memcmp(out, text + f->start, (size_t)len) != 0)
                       ? "but for the rewrite of its foreign-key checks"
                       : "it reads and deletes no row of a soft-delete table");
        printf("%.*s;\n", len, out);
    }
    return !refused;
}

/* The mode the alias gives its sessions ([databases] visibility= and deletes=): what its
 * statements become. */
static rw_mode alias_mode(const conf_config *cfg, const char *alias)
{
    rw_mode mode = {RW_SEE_LIVE, false};
    const conf_db *db = conf_find_db(cfg, alias);
    if (db && db->visibility)
        rw_mode_parse("visibility", db->visibility, &mode);
    if (db && db->deletes)
        rw_mode_parse("deletes", db->deletes, &mode);
    if (db && (db->visibility || db->deletes))
        printf("-- alias %s: tombstone.visibility = %s, tombstone.deletes = %s\n", alias,
               db->visibility ? db->visibility : "live", db->deletes ? db->deletes : "soft");
    return mode;
}

/* The session's context as the proxy would give it to the rewriter: search_path (what
 * current_schemas(true) reports), standard_conforming_strings, the user. */
static int rewrite_text(PGconn *conn, const rw_snapshot *s, rw_mode mode, const char *text,
                        size_t len)
{
    char *path_text = tools_value(conn, "rewrite", "SELECT current_schemas(true)::text", 0, NULL);
    if (!path_text)
        return 1;
    size_t plen = strlen(path_text);
    char **path = mem_array(plen + 1, sizeof *path), *buf = mem_alloc(plen + 1);
    int npath = rw_text_array_parse(path_text, path, (int)plen + 1, buf);
    const char *scs = PQparameterStatus(conn, "standard_conforming_strings");
    rw_explain e = {0};
    rw_context ctx = {.snapshot = s,
                      .search_path = (const char *const *)path,
                      .nsearch_path = npath,
                      .standard_strings = !scs || strcmp(scs, "on") == 0,
                      .user = PQuser(conn),
                      .reset_path = (const char *const *)path,
                      .nreset_path = npath,
                      .chars = RW_CHARS_BYTES,
                      .mode = mode,
                      .reset_mode = mode,
                      .explain = &e};
    rw_result r;
    int status;
    if (!rw_rewrite(&ctx, text, len, &r)) {
        printf("-- parse error: the proxy sends the text as it is, and PostgreSQL answers with "
               "its own error\n%s\n",
               text);
        status = 0;
    } else {
        status = print_result(text, &r, &e, mode.visibility) ? 0 : 1;
    }
    rw_result_free(&r);
    rw_explain_free(&e);
    free(path);
    free(buf);
    free(path_text);
    return status;
}

int cmd_rewrite(int argc, char **argv)
{
    static const struct option options[] = {
        TOOLS_TARGET_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    tools_target target = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, "+c:d:U:", options, NULL)) != -1)
        if (!tools_target_option(&target, opt, optarg))
            return usage("unknown option");
    if (optind != argc - 1)
        return usage(optind < argc ? "one SQL argument (or -) only" : "no SQL given");
    if (!target.config || !target.alias)
        return usage("-c FILE and -d ALIAS are needed");
    size_t len = strlen(argv[optind]);
    char *text = strcmp(argv[optind], "-") == 0 ? read_all(stdin, &len) : mem_strdup(argv[optind]);
    conf_config cfg;
    PGconn *conn = tools_connect(&target, "rewrite", &cfg);
    rw_snapshot *s = conn ? tools_snapshot(conn, "rewrite", &cfg) : NULL;
    int status = s ? rewrite_text(conn, s, alias_mode(&cfg, target.alias), text, len) : 1;
    if (conn) {
        conf_free(&cfg);
        PQfinish(conn);
    }
    rw_snapshot_unref(s);
    free(text);
    return status;
}
