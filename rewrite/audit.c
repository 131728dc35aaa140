/* rewrite/audit.c — the rules of `tombstone check` (rewrite/audit.h). Each rule is a function
 * that reads the snapshot and the extra rows and adds findings; the order of the rules, and of
 * the tables (by name) within one, is the order of the report. */
#include "rewrite/audit.h"

#include "common/mem.h"
#include "rewrite/arena.h"
#include "rewrite/helpers.h"
#include "rewrite/quote.h"
#include "rewrite/sqltext.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys followed from a soft-delete table through cascades when looking for checks that make
 * its deletes fail. */
enum { CHAIN_DEPTH = 8 };

typedef struct {
    uint32_t table;
    const char *name, *pred;
    bool unique;
    int nkeys, ninclude;
    char **attnums, **keys, **include;
} a_index;

typedef struct {
    uint32_t table;
    const char *schema, *name, *col, *type;
    bool notnull, valid;
} a_column;

typedef struct {
    char kind; /* V view, R rule, P function, G trigger, X key's index, S size, W install */
    const char *f[RW_AUDIT_FIELDS - 1];
} a_row;

struct rw_audit {
    rw_arena arena;
    const rw_snapshot *s;
    const rw_snapshot_options *o;
    int nrows, caprows;
    a_row *rows;
    int nindexes, capindexes;
    a_index *indexes;
    int ncolumns, capcolumns;
    a_column *columns;
    int nfindings, capfindings;
    rw_finding *findings;
    int ntables;
    const rw_table **tables; /* soft-delete tables, by name */
};

/* ---- the query ------------------------------------------------------------------------- */

/* Rows (RW_AUDIT_FIELDS fields each, kind first):
 *   M oid schema table column type notnull valid   columns named like markers, any table
 *   I table index unique attnums keys include pred indexes of soft-delete tables (attnums 0:
 *                                                  an expression, keys its text)
 *   S table rows bytes                             sizes of those tables and their children
 *   X key child parent covered                     keys into soft-delete tables: is there an
 *                                                  index whose first columns are the key's?
 *   V view schema name relkind table               views reading a soft-delete table
 *   R rule schema table _ table                    rules on or reading one
 *   P function schema signature language table     functions whose body names one
 *   G table trigger function                       user triggers ON DELETE of one
 *   K key child kinds                              the foreign-key triggers of `tombstone
 *                                                  install` (helpers 5) there are for a key
 *                                                  into a known table, enabled: their kinds
 *   W what value                                   what `tombstone install` left: helpers
 *                                                  (schema comment), event (trigger, enabled),
 *                                                  guard (a table without it), superuser,
 *                                                  fk-triggers (helpers that make them) */
static const char query_fmt[] =
    "WITH soft(oid) AS (SELECT unnest(%s::oid[])), known(oid) AS (SELECT unnest(%s::oid[])),\n"
    "names(name) AS (SELECT unnest(%s::text[])),\n"
    "keys AS (SELECT * FROM pg_constraint WHERE contype = 'f' AND conparentid = 0\n"
    "    AND confrelid IN (SELECT oid FROM soft)),\n"
    "tabs(oid) AS (SELECT oid FROM soft UNION SELECT conrelid FROM keys),\n"
    "sizes AS (SELECT t.oid, sum(greatest(c.reltuples, 0))::bigint AS n,\n"
    "    sum(pg_relation_size(c.oid)) AS b\n"
    "  FROM tabs t JOIN pg_class c\n"
    "    ON c.oid = t.oid OR c.oid IN (SELECT relid FROM pg_partition_tree(t.oid))\n"
    "  GROUP BY t.oid)\n"
    "SELECT 'M', c.oid::text, n.nspname::text, c.relname::text, a.attname::text,\n"
    "    format_type(a.atttypid, a.atttypmod), a.attnotnull::text,\n"
    "    (a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'bool'::regtype))::text\n"
    "  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid\n"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace\n"
    "  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')\n"
    "    AND n.nspname NOT IN ('information_schema', 'tombstone') AND NOT starts_with(n.nspname, "
    "'pg_')\n"
    "    AND a.attname IN (SELECT name FROM names)\n"
    "UNION ALL\n"
    "SELECT 'I', i.indrelid::text, ic.relname::text, i.indisunique::text,\n"
    "    (SELECT array_agg(i.indkey[k - 1] ORDER BY k) FROM generate_series(1, i.indnkeyatts) "
    "k)::text,\n"
    "    (SELECT array_agg(CASE WHEN i.indkey[k - 1] <> 0\n"
    "         THEN (SELECT a.attname::text FROM pg_attribute a\n"
    "               WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])\n"
    "         ELSE pg_get_indexdef(i.indexrelid, k, true) END ORDER BY k)\n"
    "       FROM generate_series(1, i.indnkeyatts) k)::text,\n"
    "    (SELECT array_agg(a.attname ORDER BY k) FROM generate_series(i.indnkeyatts + 1, "
    "i.indnatts) k\n"
    "       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])::text,\n"
    "    pg_get_expr(i.indpred, i.indrelid, true)\n"
    "  FROM pg_index i JOIN soft s ON s.oid = i.indrelid JOIN pg_class ic ON ic.oid = "
    "i.indexrelid\n"
    "UNION ALL\n"
    "SELECT 'S', oid::text, n::text, b::text, NULL, NULL, NULL, NULL FROM sizes\n"
    "UNION ALL\n"
    "SELECT 'X', f.conname::text, f.conrelid::text, f.confrelid::text,\n"
    "    EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = f.conrelid\n"
    "      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] @> "
    "f.conkey)::text,\n"
    "    NULL, NULL, NULL\n"
    "  FROM keys f\n"
    "UNION ALL\n"
    "SELECT DISTINCT 'V', v.oid::text, vn.nspname::text, v.relname::text, v.relkind::text,\n"
    "    d.refobjid::text, NULL, NULL\n"
    "  FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = "
    "r.ev_class\n"
    "  JOIN pg_namespace vn ON vn.oid = v.relnamespace\n"
    "  WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass\n"
    "    AND d.refobjid IN (SELECT oid FROM soft) AND v.oid <> d.refobjid AND r.rulename = "
    "'_RETURN'\n"
    "UNION ALL\n"
    "SELECT DISTINCT 'R', r.rulename::text, rn.nspname::text, rc.relname::text, NULL,\n"
    "    d.refobjid::text, NULL, NULL\n"
    "  FROM pg_rewrite r JOIN pg_class rc ON rc.oid = r.ev_class\n"
    "  JOIN pg_namespace rn ON rn.oid = rc.relnamespace\n"
    "  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid\n"
    "    AND d.refclassid = 'pg_class'::regclass\n"
    "  WHERE r.rulename <> '_RETURN' AND d.refobjid IN (SELECT oid FROM soft)\n"
    "UNION ALL\n"
    "SELECT DISTINCT 'P', p.oid::text, pn.nspname::text, p.oid::regprocedure::text, "
    "l.lanname::text,\n"
    "    c.oid::text, NULL, NULL\n"
    "  FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace\n"
    "  JOIN pg_language l ON l.oid = p.prolang\n"
    "  CROSS JOIN soft s JOIN pg_class c ON c.oid = s.oid\n"
    "  WHERE pn.nspname NOT IN ('information_schema', 'tombstone') AND NOT starts_with(pn.nspname, "
    "'pg_')\n"
    "    AND l.lanname NOT IN ('c', 'internal')\n"
    "    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass\n"
    "                    AND e.objid = p.oid AND e.deptype = 'e')\n"
    "    AND (p.prosrc ~* (chr(92) || 'm' || regexp_replace(c.relname, '([^[:alnum:]_])',\n"
    "                      repeat(chr(92), 2) || '1', 'g') || chr(92) || 'M')\n"
    "         OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass\n"
    "                    AND d.objid = p.oid AND d.refobjid = s.oid))\n"
    "UNION ALL\n"
    "SELECT 'G', t.tgrelid::text, t.tgname::text, t.tgfoid::regproc::text, NULL, NULL, NULL, NULL\n"
    "  FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM soft) AND NOT t.tgisinternal\n"
    "    AND t.tgparentid = 0 AND (t.tgtype & 8) <> 0 AND t.tgname !~ '^[$]?tombstone_'\n"
    "UNION ALL\n"
    "SELECT 'W', 'helpers', obj_description(n.oid, 'pg_namespace'), NULL, NULL, NULL, NULL, NULL\n"
    "  FROM pg_namespace n WHERE n.nspname = 'tombstone'\n"
    "UNION ALL\n"
    "SELECT 'W', 'event', evtname::text, evtenabled::text, NULL, NULL, NULL, NULL\n"
    "  FROM pg_event_trigger WHERE starts_with(evtname, 'tombstone')\n"
    "UNION ALL\n"
    "SELECT 'W', 'guard', s.oid::text, NULL, NULL, NULL, NULL, NULL FROM soft s\n"
    "  WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = s.oid\n"
    "                    AND t.tgname = 'tombstone_refuse_delete')\n"
    "UNION ALL\n"
    "SELECT 'W', 'superuser', rolsuper::text, NULL, NULL, NULL, NULL, NULL\n"
    "  FROM pg_roles WHERE rolname = current_user\n"
    "UNION ALL\n"
    "SELECT 'W', 'fk-triggers', 'true', NULL, NULL, NULL, NULL, NULL\n"
    "  WHERE to_regprocedure('tombstone.setup()') IS NOT NULL\n"
    "UNION ALL\n"
    "SELECT 'K', f.conname::text, f.conrelid::text,\n"
    "    (SELECT string_agg(DISTINCT split_part(t.tgname, '_', 2), '') FROM pg_trigger t\n"
    "       WHERE t.tgrelid IN (f.conrelid, f.confrelid) AND t.tgenabled IN ('O', 'A')\n"
    "         AND t.tgname ~ " RW_FK_TRIGGER_PATTERN "),\n"
    "    NULL, NULL, NULL, NULL\n"
    "  FROM pg_constraint f WHERE f.contype = 'f' AND f.conparentid = 0\n"
    "    AND f.confrelid IN (SELECT oid FROM known)";

/* Names like markers that are looked for besides the configured ones. */
static const char *const marker_like[] = {"deleted_at", "is_deleted",   "deleted",     "deleted_on",
                                          "removed_at", "discarded_at", "deleted_date"};

static bool configured(const rw_snapshot_options *o, const char *name)
{
    for (int i = 0; i < o->nmarkers; i++)
        if (strcmp(o->markers[i], name) == 0)
            return true;
    return false;
}

/* "'{a,b}'" as a literal: every name quoted as an array element, the whole as a literal. */
static const char *array_literal(rw_arena *a, const char *const *items, int n)
{
    const char *list = NULL;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        char *e = rw_arena_alloc(a, 2 * len + 3), *p = e;
        *p++ = '"';
        for (const char *c = items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
        list = rw_arena_append(a, list, ",", e);
    }
    return rw_text_literal(a, rw_arena_cat(a, "{", list ? list : "", "}"));
}

char *rw_audit_query(const rw_snapshot *s, const rw_snapshot_options *o)
{
    rw_arena a = {0};
    const char *oids = NULL, *known = NULL;
    for (int i = 0; i < rw_snapshot_table_count(s); i++) {
        const rw_table *t = rw_snapshot_table(s, i);
        const char *oid = rw_arena_printf(&a, "%u", t->oid);
        known = rw_arena_append(&a, known, ",", oid);
        if (t->marker != RW_MARKER_NONE)
            oids = rw_arena_append(&a, oids, ",", oid);
    }
    int n = 0;
    const char **names = rw_arena_alloc(&a, (size_t)(o->nmarkers + 8) * sizeof *names);
    for (int i = 0; i < o->nmarkers; i++)
        names[n++] = o->markers[i];
    for (size_t i = 0; i < sizeof marker_like / sizeof *marker_like; i++)
        if (!configured(o, marker_like[i]))
            names[n++] = marker_like[i];
    char *q =
        mem_printf(query_fmt, rw_arena_cat(&a, "'{", oids ? oids : "", "}'"),
                   rw_arena_cat(&a, "'{", known ? known : "", "}'"), array_literal(&a, names, n));
    rw_arena_free(&a);
    return q;
}

/* ---- rows ------------------------------------------------------------------------------ */

rw_audit *rw_audit_new(const rw_snapshot *s, const rw_snapshot_options *o)
{
    rw_audit *a = mem_zalloc(sizeof *a);
    a->s = s;
    a->o = o;
    return a;
}

/* Room for one more item in an arena array that doubles when full. */
static void *grow(rw_arena *arena, void *items, int n, int *cap, size_t size)
{
    if (n < *cap)
        return items;
    *cap = *cap ? 2 * *cap : 16;
    void *bigger = rw_arena_alloc(arena, (size_t)*cap * size);
    if (n)
        memcpy(bigger, items, (size_t)n * size);
    return bigger;
}

static const char *dup(rw_audit *a, const char *s)
{
    return s ? rw_arena_strdup(&a->arena, s) : NULL;
}

static int parse_list(rw_audit *a, const char *text, char ***out)
{
    *out = NULL;
    if (!text)
        return 0;
    size_t len = strlen(text);
    *out = rw_arena_alloc(&a->arena, (len + 1) * sizeof **out);
    return rw_text_array_parse(text, *out, (int)len + 1, rw_arena_alloc(&a->arena, len + 1));
}

static uint32_t oid_of(const char *text)
{
    return text ? (uint32_t)strtoul(text, NULL, 10) : 0;
}

static bool add_index(rw_audit *a, const char *const *f)
{
    if (!f[1] || !f[2] || !f[3])
        return false;
    a->indexes = grow(&a->arena, a->indexes, a->nindexes, &a->capindexes, sizeof *a->indexes);
    a_index *x = &a->indexes[a->nindexes++];
    *x = (a_index){.table = oid_of(f[1]),
                   .name = dup(a, f[2]),
                   .unique = f[3][0] == 't',
                   .pred = dup(a, f[7])};
    x->nkeys = parse_list(a, f[4], &x->attnums);
    if (parse_list(a, f[5], &x->keys) != x->nkeys)
        return false;
    x->ninclude = parse_list(a, f[6], &x->include);
    return true;
}

static bool add_column(rw_audit *a, const char *const *f)
{
    for (int i = 1; i < RW_AUDIT_FIELDS; i++)
        if (!f[i])
            return false;
    a->columns = grow(&a->arena, a->columns, a->ncolumns, &a->capcolumns, sizeof *a->columns);
    a->columns[a->ncolumns++] =
        (a_column){oid_of(f[1]), dup(a, f[2]),   dup(a, f[3]),  dup(a, f[4]),
                   dup(a, f[5]), f[6][0] == 't', f[7][0] == 't'};
    return true;
}

bool rw_audit_add_row(rw_audit *a, const rw_catalog_row *row, const char **err)
{
    const char *const *f = row->fields;
    bool ok = row->nfields == RW_AUDIT_FIELDS && f[0] && strchr("MISXVRPGWK", f[0][0]);
    if (ok && f[0][0] == 'I') {
        ok = add_index(a, f);
    } else if (ok && f[0][0] == 'M') {
        ok = add_column(a, f);
    } else if (ok) {
        a->rows = grow(&a->arena, a->rows, a->nrows, &a->caprows, sizeof *a->rows);
        a_row *r = &a->rows[a->nrows++];
        r->kind = f[0][0];
        for (int i = 1; i < RW_AUDIT_FIELDS; i++)
            r->f[i - 1] = dup(a, f[i]);
    }
    if (!ok)
        *err = "unexpected row in the audit query's result";
    return ok;
}

/* ---- helpers of the rules -------------------------------------------------------------- */

static void add(rw_audit *a, rw_audit_level level, const char *topic, const char *subject,
                const char *message, const char *ddl)
{
    a->findings = grow(&a->arena, a->findings, a->nfindings, &a->capfindings, sizeof *a->findings);
    a->findings[a->nfindings++] = (rw_finding){level, topic, subject, message, ddl};
}

static const char *qname(rw_audit *a, const rw_table *t)
{
    return rw_arena_cat(&a->arena, t->schema, ".", t->name);
}

static const rw_table *table_by_oid(const rw_audit *a, uint32_t oid)
{
    for (int i = 0; i < rw_snapshot_table_count(a->s); i++)
        if (rw_snapshot_table(a->s, i)->oid == oid)
            return rw_snapshot_table(a->s, i);
    return NULL;
}

static const a_row *row_of(const rw_audit *a, char kind, const char *first)
{
    for (int i = 0; i < a->nrows; i++)
        if (a->rows[i].kind == kind &&
            (!first || (a->rows[i].f[0] && strcmp(a->rows[i].f[0], first) == 0)))
            return &a->rows[i];
    return NULL;
}

/* Does `word` stand in text as a name of its own (not inside a longer one)? */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text ? strstr(text, word) : NULL; p; p = strstr(p + 1, word)) {
        bool before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after)
            return true;
    }
    return false;
}

static bool large(const rw_audit *a, uint32_t oid)
{
    char key[16];
    snprintf(key, sizeof key, "%u", oid);
    const a_row *r = row_of(a, 'S', key);
    return r && (atoll(r->f[1] ? r->f[1] : "0") >= RW_AUDIT_LARGE_ROWS ||
                 atoll(r->f[2] ? r->f[2] : "0") >= RW_AUDIT_LARGE_BYTES);
}

/* The predicate that keeps a soft-delete table's live rows, as an index predicate. */
static const char *live_pred(rw_audit *a, const rw_table *t)
{
    const char *col = rw_text_ident(&a->arena, t->marker_col);
    return t->marker == RW_MARKER_BOOL ? rw_arena_cat(&a->arena, "NOT ", col)
                                       : rw_arena_cat(&a->arena, col, " IS NULL");
}

/* An index name made of parts, within PostgreSQL's 63 bytes (quoted by the caller). */
static const char *index_name(rw_audit *a, const char *base, const char *suffix)
{
    return rw_arena_printf(&a->arena, "%.*s%s", (int)(63 - strlen(suffix)), base, suffix);
}

static int by_name(const void *x, const void *y)
{
    const rw_table *a = *(const rw_table *const *)x, *b = *(const rw_table *const *)y;
    int c = strcmp(a->schema, b->schema);
    return c ? c : strcmp(a->name, b->name);
}

/* ---- the rules ------------------------------------------------------------------------- */

/* What `tombstone install` creates, in this binary's version. */
static void rule_install(rw_audit *a)
{
    const a_row *h = row_of(a, 'W', "helpers");
    const char *want = "tombstone helpers " RW_HELPERS_VERSION;
    const char *run = "run `tombstone install -c FILE -d ALIAS` (as a superuser)";
    if (!h)
        add(a, RW_AUDIT_WARNING, "install", "schema tombstone",
            rw_arena_cat(&a->arena,
                         "the helper functions are not installed: statements that need them "
                         "(deletes with foreign-key actions, writes of keys) are refused; ",
                         run),
            NULL);
    else if (!h->f[1] || strcmp(h->f[1], want) != 0)
        add(a, RW_AUDIT_WARNING, "install", "schema tombstone",
            rw_arena_cat(&a->arena, "the helper functions installed are \"",
                         h->f[1] ? h->f[1] : "(unknown)", "\", this binary needs \"", want,
                         "\": ", run),
            NULL);
    bool event = false;
    for (int i = 0; i < a->nrows; i++)
        event = event || (a->rows[i].kind == 'W' && strcmp(a->rows[i].f[0], "event") == 0 &&
                          a->rows[i].f[2] && a->rows[i].f[2][0] != 'D');
    if (!rw_snapshot_epoch(a->s) || !event) {
        add(a, RW_AUDIT_WARNING, "install", "catalog epoch",
            rw_arena_cat(&a->arena,
                         !rw_snapshot_epoch(a->s) ? "no catalog epoch" : "no enabled event trigger",
                         ": DDL made outside the proxy is seen at schema_refresh only, and "
                         "DELETEs a stale snapshot forwards are not refused; ",
                         run),
            NULL);
        return; /* no guard without the epoch either */
    }
    const char *list = NULL, *names = NULL;
    for (int i = 0; i < a->nrows; i++) {
        const rw_table *t = a->rows[i].kind == 'W' && strcmp(a->rows[i].f[0], "guard") == 0
                                ? table_by_oid(a, oid_of(a->rows[i].f[1]))
                                : NULL;
        if (!t)
            continue;
        names = rw_arena_append(&a->arena, names, ", ", qname(a, t));
        list = rw_arena_append(&a->arena, list, ", ",
                               rw_arena_cat(&a->arena,
                                            rw_text_literal(&a->arena, rw_text_table(&a->arena, t)),
                                            "::regclass"));
    }
    if (list)
        add(a, RW_AUDIT_WARNING, "install", names,
            "the delete guard is missing: a DELETE a stale snapshot forwards would really delete",
            rw_arena_cat(&a->arena, "SELECT tombstone.guard(ARRAY[", list, "]);"));
}

/* The foreign-key triggers of the helpers that make them (`tombstone.setup()`, helpers 3 and
 * later): on a soft-delete parent, the one that runs a key's ON DELETE action when a row is marked
 * (a, d or m, when the action does something); on a child whose parent loses rows to soft
 * deletes, the checks of rows written (c and u). Without them the proxy refuses those
 * deletes and writes; tombstone.setup() makes what is missing. */
static void rule_fk_triggers(rw_audit *a)
{
    if (!row_of(a, 'W', "fk-triggers"))
        return; /* helpers without foreign-key triggers: nothing to look for */
    for (int i = 0; i < rw_snapshot_fk_count(a->s); i++) {
        const rw_fk *fk = rw_snapshot_fk(a->s, i);
        const char *kinds = "";
        for (int k = 0; k < a->nrows; k++)
            if (a->rows[k].kind == 'K' && strcmp(a->rows[k].f[0], fk->name) == 0 &&
                oid_of(a->rows[k].f[1]) == fk->child->oid && a->rows[k].f[2])
                kinds = a->rows[k].f[2];
        bool acts = rw_fk_acts_on_delete(fk);
        const char *missing = NULL;
        if (fk->parent->marker != RW_MARKER_NONE && acts && !strpbrk(kinds, "adm"))
            missing = rw_arena_cat(&a->arena,
                                   "the trigger that runs its ON DELETE action when a "
                                   "row of ",
                                   qname(a, fk->parent),
                                   " is marked (the proxy "
                                   "refuses those DELETEs)");
        if (rw_table_affected(fk->parent) && (!strchr(kinds, 'c') || !strchr(kinds, 'u')))
            missing = rw_arena_append(&a->arena, missing, "; ",
                                      rw_arena_cat(&a->arena, "the check of the rows of ",
                                                   qname(a, fk->child),
                                                   " written (the proxy "
                                                   "refuses writes of its key)"));
        if (missing)
            add(a, RW_AUDIT_WARNING, "install", fk->name,
                rw_arena_cat(&a->arena, "missing or disabled: ", missing,
                             "; tombstone.setup() makes the missing ones (so does `tombstone "
                             "install`, and after DDL the event trigger of a superuser's "
                             "install); ALTER TABLE ... ENABLE TRIGGER a disabled one"),
                "SELECT tombstone.setup();");
    }
}

static const char *type_of(const rw_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].name && strcmp(t->cols[i].name, t->marker_col) == 0)
            return t->cols[i].type;
    return t->marker == RW_MARKER_BOOL ? "boolean" : "timestamp";
}

static void rule_soft_tables(rw_audit *a)
{
    const char *list = NULL;
    for (int i = 0; i < a->ntables; i++)
        list = rw_arena_append(&a->arena, list, ", ",
                               rw_arena_cat(&a->arena, qname(a, a->tables[i]), " (",
                                            a->tables[i]->marker_col, " ", type_of(a->tables[i]),
                                            ")"));
    add(a, RW_AUDIT_INFO, "markers", "",
        rw_arena_printf(&a->arena, "%d soft-delete tables%s%s", a->ntables, list ? ": " : "",
                        list ? list : ""),
        NULL);
}

static bool listed(const char *const *items, int n, const char *schema, const char *name)
{
    for (int i = 0; i < n; i++) {
        size_t sl = strlen(schema);
        if (strncmp(items[i], schema, sl) == 0 && items[i][sl] == '.' &&
            strcmp(items[i] + sl + 1, name) == 0)
            return true;
    }
    return false;
}

/* A nullable boolean marker: NULL reads as neither live nor marked (NOT NULL is NULL), so such
 * rows vanish from every read through the proxy. */
static void nullable_marker(rw_audit *a, const a_column *c, const rw_table *t)
{
    const char *tab = rw_text_table(&a->arena, t), *col = rw_text_ident(&a->arena, c->col);
    add(a, RW_AUDIT_WARNING, "markers", qname(a, t),
        rw_arena_cat(&a->arena, "the boolean marker ", c->col,
                     " is nullable: a row where it is NULL is neither live nor marked and no "
                     "read through the proxy shows it; make it NOT NULL DEFAULT false (rows "
                     "with NULL become live)"),
        rw_arena_printf(&a->arena,
                        "UPDATE %s SET %s = false WHERE %s IS NULL;\n"
                        "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT false, ALTER COLUMN %s SET "
                        "NOT NULL;",
                        tab, col, col, tab, col, col));
}

/* Columns named like markers: nullable boolean markers, and tables that look like they should
 * be soft-delete but are not (a configured name of another type, or a name the settings do
 * not list). */
static void rule_markers(rw_audit *a)
{
    for (int i = 0; i < a->ncolumns; i++) {
        const a_column *c = &a->columns[i];
        const rw_table *t = table_by_oid(a, c->table);
        if (t && t->marker != RW_MARKER_NONE) {
            if (strcmp(c->col, t->marker_col) == 0 && t->marker == RW_MARKER_BOOL && !c->notnull)
                nullable_marker(a, c, t);
            continue;
        }
        if (listed(a->o->exclude, a->o->nexclude, c->schema, c->name) ||
            (a->o->ninclude && !listed(a->o->include, a->o->ninclude, c->schema, c->name)))
            continue; /* left out on purpose */
        const char *subject = rw_arena_cat(&a->arena, c->schema, ".", c->name);
        if (configured(a->o, c->col))
            add(a, RW_AUDIT_WARNING, "markers", subject,
                rw_arena_cat(
                    &a->arena, "the column ", c->col,
                    " is named like a marker but is of "
                    "type ",
                    c->type,
                    ", so the table is not soft-delete: DELETEs remove "
                    "its rows; make it timestamptz (NULL = live) or boolean (false = live)"),
                NULL);
        else
            add(a, RW_AUDIT_NOTE, "markers", subject,
                rw_arena_cat(&a->arena, "the column ", c->col, " (", c->type,
                             ") looks like a marker, but [softdelete] columns does not list it: "
                             "the table is not soft-delete"),
                NULL);
    }
}

static const a_index *index_of(const rw_audit *a, uint32_t table, const char *name)
{
    for (int i = 0; i < a->nindexes; i++)
        if (a->indexes[i].table == table && strcmp(a->indexes[i].name, name) == 0)
            return &a->indexes[i];
    return NULL;
}

/* The key columns of an index for a CREATE INDEX: names quoted, expressions as they are. */
static const char *key_list(rw_audit *a, const a_index *x)
{
    const char *list = NULL;
    for (int i = 0; i < x->nkeys; i++)
        list = rw_arena_append(&a->arena, list, ", ",
                               strcmp(x->attnums[i], "0") == 0
                                   ? rw_arena_cat(&a->arena, "(", x->keys[i], ")")
                                   : rw_text_ident(&a->arena, x->keys[i]));
    return list ? list : "";
}

/* "a, b" for messages. */
static const char *plain_list(rw_audit *a, char *const *items, int n)
{
    const char *list = NULL;
    for (int i = 0; i < n; i++)
        list = rw_arena_append(&a->arena, list, ", ", items[i]);
    return list ? list : "";
}

/* A foreign key referencing exactly these columns of t (which then need a full index). */
static const rw_fk *referencing(const rw_table *t, const rw_unique *u)
{
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        int same = fk->ncols == u->ncols;
        for (int k = 0; same && k < fk->ncols; k++) {
            same = 0;
            for (int j = 0; j < u->ncols; j++)
                same = same || strcmp(fk->parent_cols[k], u->cols[j]) == 0;
        }
        if (same)
            return fk;
    }
    return NULL;
}

/* CREATE UNIQUE INDEX CONCURRENTLY <name>_live ... WHERE <live>, then the old one dropped. */
static const char *partial_migration(rw_audit *a, const rw_table *t, const rw_unique *u,
                                     const a_index *x)
{
    const char *tab = rw_text_table(&a->arena, t);
    const char *pred = u->predicate
                           ? rw_arena_cat(&a->arena, "(", u->predicate, ") AND ", live_pred(a, t))
                           : live_pred(a, t);
    const char *include =
        x && x->ninclude ? rw_arena_cat(&a->arena, " INCLUDE (",
                                        rw_text_cols(&a->arena, NULL, x->include, x->ninclude), ")")
                         : "";
    const char *create = rw_arena_printf(
        &a->arena, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)%s WHERE %s;",
        rw_text_ident(&a->arena, index_name(a, u->name, "_live")), tab,
        x ? key_list(a, x) : rw_text_cols(&a->arena, NULL, u->cols, u->ncols), include, pred);
    const char *drop = u->constraint
                           ? rw_arena_printf(&a->arena, "ALTER TABLE %s DROP CONSTRAINT %s;", tab,
                                             rw_text_ident(&a->arena, u->constraint))
                           : rw_arena_printf(&a->arena, "DROP INDEX CONCURRENTLY %s.%s;",
                                             rw_text_ident(&a->arena, t->schema),
                                             rw_text_ident(&a->arena, u->name));
    return rw_arena_cat(&a->arena, create, "\n", drop);
}

/* Unique indexes and constraints of soft-delete tables that are not partial on live rows: a
 * marked row keeps its key, so inserting it again fails where a real delete freed it. */
static void unique_keys(rw_audit *a, const char **pkeys)
{
    for (int i = 0; i < a->ntables; i++) {
        const rw_table *t = a->tables[i];
        for (int k = 0; k < t->nuniques; k++) {
            const rw_unique *u = &t->uniques[k];
            if (u->predicate && has_word(u->predicate, t->marker_col))
                continue;
            const char *what = rw_arena_cat(&a->arena, "unique index ", u->name, " (",
                                            plain_list(a, u->cols, u->ncols), ")");
            const rw_fk *fk = u->primary ? NULL : referencing(t, u);
            if (u->primary)
                *pkeys = rw_arena_append(&a->arena, *pkeys, ", ", qname(a, t));
            else if (fk)
                add(a, RW_AUDIT_NOTE, "unique", qname(a, t),
                    rw_arena_cat(&a->arena, what, " is not partial on live rows, but foreign key ",
                                 fk->name,
                                 " references it and needs a full unique index: a "
                                 "marked row keeps its key"),
                    NULL);
            else
                add(a, RW_AUDIT_WARNING, "unique", qname(a, t),
                    rw_arena_cat(&a->arena, what,
                                 " is not partial on live rows: a marked row "
                                 "keeps its key, so inserting it again fails (23505) where a "
                                 "real delete would have freed it; index the live rows instead"),
                    partial_migration(a, t, u, index_of(a, t->oid, u->name)));
        }
    }
}

/* The same for primary keys, which cannot be partial: one note for them all. */
static void rule_unique(rw_audit *a)
{
    const char *pkeys = NULL;
    unique_keys(a, &pkeys);
    if (pkeys)
        add(a, RW_AUDIT_NOTE, "unique", "primary keys",
            rw_arena_cat(&a->arena, "the primary keys of ", pkeys,
                         " are not partial (they cannot "
                         "be): a marked row keeps its key, so application code that reuses "
                         "keys fails (23505) where a real delete freed them; never reuse one "
                         "(sequences and UUIDs do not)"),
            NULL);
}

/* The mailing-address trap (seed 000): C cascades from P1, and C and P1 both belong to P2 (C
 * references P2, P1 references P2): P1 is a row C shares with its siblings, not its owner,
 * and deleting one P1 row deletes every C row that uses it. */
static const rw_table *shared_owner(const rw_fk *fk)
{
    const rw_table *c = fk->child, *p1 = fk->parent;
    for (int i = 0; i < c->nparents; i++) {
        const rw_table *p2 = c->parents[i]->parent;
        for (int k = 0; p2 != p1 && p2 != c && k < p1->nparents; k++)
            if (p1->parents[k]->parent == p2)
                return p2;
    }
    return NULL;
}

/* Other tables referencing t, besides `but`. */
static int other_children(const rw_table *t, const rw_table *but)
{
    int n = 0;
    for (int i = 0; i < t->nchildren; i++) {
        bool seen = t->children[i]->child == but;
        for (int k = 0; k < i && !seen; k++)
            seen = t->children[k]->child == t->children[i]->child;
        n += !seen;
    }
    return n;
}

static const char *fk_review(rw_audit *a, const rw_fk *fk)
{
    return rw_arena_printf(
        &a->arena,
        "-- review: ALTER TABLE %s DROP CONSTRAINT %s, ADD CONSTRAINT %s FOREIGN KEY (%s) "
        "REFERENCES %s (%s) ON DELETE RESTRICT;",
        rw_text_table(&a->arena, fk->child), rw_text_ident(&a->arena, fk->name),
        rw_text_ident(&a->arena, fk->name),
        rw_text_cols(&a->arena, NULL, fk->child_cols, fk->ncols),
        rw_text_table(&a->arena, fk->parent),
        rw_text_cols(&a->arena, NULL, fk->parent_cols, fk->ncols));
}

static void rule_cascades(rw_audit *a)
{
    for (int i = 0; i < rw_snapshot_fk_count(a->s); i++) {
        const rw_fk *fk = rw_snapshot_fk(a->s, i);
        if (fk->on_delete != RW_FK_CASCADE || !rw_table_affected(fk->parent))
            continue;
        const rw_table *owner = shared_owner(fk);
        const char *head = rw_arena_cat(&a->arena, "ON DELETE CASCADE from ", qname(a, fk->child),
                                        " into ", qname(a, fk->parent));
        if (owner)
            add(a, RW_AUDIT_WARNING, "foreign keys", fk->name,
                rw_arena_cat(&a->arena, head, ", which belongs to ", qname(a, owner), " as ",
                             fk->child->name, " does: deleting one shared ", fk->parent->name,
                             " row deletes every ", fk->child->name,
                             " row that uses it (the mailing-address trap); RESTRICT, or SET "
                             "NULL on a nullable key, keeps them"),
                fk_review(a, fk));
        else if (other_children(fk->parent, fk->child) >= 2)
            add(a, RW_AUDIT_NOTE, "foreign keys", fk->name,
                rw_arena_printf(&a->arena,
                                "%s, a row %d other tables reference too: deleting one removes "
                                "its %s rows with it; make sure they belong to it",
                                head, other_children(fk->parent, fk->child), fk->child->name),
                NULL);
    }
}

/* The same finding once, however many paths lead to it. */
static void add_once(rw_audit *a, rw_audit_level level, const char *topic, const char *subject,
                     const char *message, const char *ddl)
{
    for (int i = 0; i < a->nfindings; i++)
        if (strcmp(a->findings[i].subject, subject) == 0 &&
            strcmp(a->findings[i].message, message) == 0)
            return;
    add(a, level, topic, subject, message, ddl);
}

/* RESTRICT / NO ACTION keys into the tables a delete of `root` cascades to: while a live row
 * references such a row, the delete of root fails (23503). */
static void chains(rw_audit *a, const rw_table *root, const rw_table *t, const rw_table **path,
                   int depth)
{
    path[depth] = t;
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        bool seen = false;
        for (int k = 0; k <= depth && !seen; k++)
            seen = path[k] == fk->child;
        if (fk->on_delete == RW_FK_CASCADE && !seen && depth + 1 < CHAIN_DEPTH)
            chains(a, root, fk->child, path, depth + 1);
        else if (depth > 0 && (fk->on_delete == RW_FK_RESTRICT || fk->on_delete == RW_FK_NO_ACTION))
            add_once(a, RW_AUDIT_NOTE, "foreign keys", fk->name,
                     rw_arena_cat(&a->arena, "deleting a row of ", qname(a, root), " cascades to ",
                                  qname(a, t), " and fails (23503) while a live row of ",
                                  qname(a, fk->child), " references the rows it reaches (",
                                  fk->name,
                                  fk->on_delete == RW_FK_RESTRICT ? ", RESTRICT)" : ", NO ACTION)"),
                     NULL);
    }
}

static void rule_chains(rw_audit *a)
{
    const rw_table *path[CHAIN_DEPTH];
    for (int i = 0; i < a->ntables; i++)
        chains(a, a->tables[i], a->tables[i], path, 0);
}

/* Large soft-delete tables without an index that makes the marker predicate usable: one
 * whose predicate names the marker, or whose first column is the marker. */
static void rule_marker_index(rw_audit *a)
{
    for (int i = 0; i < a->ntables; i++) {
        const rw_table *t = a->tables[i];
        bool usable = false;
        for (int k = 0; k < a->nindexes && !usable; k++) {
            const a_index *x = &a->indexes[k];
            usable = x->table == t->oid && ((x->pred && has_word(x->pred, t->marker_col)) ||
                                            (x->nkeys && strcmp(x->attnums[0], "0") != 0 &&
                                             strcmp(x->keys[0], t->marker_col) == 0));
        }
        if (usable || !large(a, t->oid))
            continue;
        add(a, RW_AUDIT_WARNING, "indexes", qname(a, t),
            rw_arena_cat(&a->arena,
                         "a large table without an index for its marker: no index "
                         "has ",
                         t->marker_col,
                         " first or in its predicate, so reads of live "
                         "or marked rows and purge's scan of old ones read the whole table; "
                         "or make the indexes your queries use partial (WHERE ",
                         live_pred(a, t), ")"),
            rw_arena_printf(
                &a->arena, "CREATE INDEX CONCURRENTLY %s ON %s (%s);",
                rw_text_ident(
                    &a->arena,
                    index_name(a, rw_arena_cat(&a->arena, t->name, "_", t->marker_col), "_idx")),
                rw_text_table(&a->arena, t), rw_text_ident(&a->arena, t->marker_col)));
    }
}

static const rw_fk *fk_named(const rw_audit *a, const char *name, uint32_t child)
{
    for (int i = 0; i < rw_snapshot_fk_count(a->s); i++) {
        const rw_fk *fk = rw_snapshot_fk(a->s, i);
        if (fk->child->oid == child && strcmp(fk->name, name) == 0)
            return fk;
    }
    return NULL;
}

/* Keys into soft-delete tables without an index on the referencing columns, on large
 * tables: each mark that cascades, and each row purge deletes, looks them up. */
static void rule_key_index(rw_audit *a)
{
    for (int i = 0; i < a->nrows; i++) {
        const a_row *r = &a->rows[i];
        const rw_fk *fk = r->kind == 'X' ? fk_named(a, r->f[0], oid_of(r->f[1])) : NULL;
        if (!fk || (r->f[3] && r->f[3][0] == 't') || !large(a, fk->child->oid))
            continue;
        const char *cols = rw_text_cols(&a->arena, NULL, fk->child_cols, fk->ncols);
        add(a, RW_AUDIT_WARNING, "indexes", fk->name,
            rw_arena_cat(&a->arena, "no index on ", qname(a, fk->child), " (", fk->child_cols[0],
                         fk->ncols > 1 ? ", ...)" : ")", ": every row of ", qname(a, fk->parent),
                         " deleted or purged reads the whole large table to find its children"),
            rw_arena_printf(&a->arena, "CREATE INDEX CONCURRENTLY %s ON %s (%s);",
                            rw_text_ident(&a->arena, index_name(a, fk->name, "_idx")),
                            rw_text_table(&a->arena, fk->child), cols));
    }
}

/* Views, rules and functions stored in the database: the proxy never sees their text, so they
 * read marked rows. */
static void rule_stored_code(rw_audit *a)
{
    for (int i = 0; i < a->nrows; i++) {
        const a_row *r = &a->rows[i];
        const rw_table *t = strchr("VRP", r->kind) ? table_by_oid(a, oid_of(r->f[4])) : NULL;
        if (!t)
            continue;
        const char *object = NULL, *effect = NULL;
        if (r->kind == 'V') {
            object = rw_arena_cat(&a->arena, r->f[3][0] == 'm' ? "materialized view " : "view ",
                                  r->f[1], ".", r->f[2]);
            effect = "its query is not rewritten: it shows marked rows; filter them in it (WHERE ";
        } else if (r->kind == 'R') {
            object = rw_arena_cat(&a->arena, "rule ", r->f[0], " on ", r->f[1], ".", r->f[2]);
            effect = "its actions are not rewritten: they see marked rows; filter them (WHERE ";
        } else {
            object =
                rw_arena_cat(&a->arena, "function ", r->f[1], ".", r->f[2], " (", r->f[3], ")");
            effect = "its body is not rewritten: its statements see marked rows, and its DELETEs "
                     "are refused by the guard when called through the proxy; filter them (WHERE ";
        }
        add(a, RW_AUDIT_WARNING, "stored code", object,
            rw_arena_cat(&a->arena, "reads soft-delete table ", qname(a, t), ": ", effect,
                         t->marker_col, t->marker == RW_MARKER_BOOL ? " is false)" : " IS NULL)"),
            NULL);
    }
}

static void rule_triggers(rw_audit *a)
{
    for (int i = 0; i < a->nrows; i++) {
        const a_row *r = &a->rows[i];
        const rw_table *t = r->kind == 'G' ? table_by_oid(a, oid_of(r->f[0])) : NULL;
        if (!t)
            continue;
        const char *gone =
            t->marker == RW_MARKER_BOOL
                ? rw_arena_cat(&a->arena, "NOT OLD.", t->marker_col, " AND NEW.", t->marker_col)
                : rw_arena_cat(&a->arena, "OLD.", t->marker_col, " IS NULL AND NEW.", t->marker_col,
                               " IS NOT NULL");
        add(a, RW_AUDIT_WARNING, "triggers", qname(a, t),
            rw_arena_cat(&a->arena, "trigger ", r->f[1], " (", r->f[2],
                         ") fires ON DELETE, which "
                         "a delete through the proxy never does (it is an UPDATE of the marker); "
                         "move it to an UPDATE OF ",
                         t->marker_col, " trigger WHEN (", gone,
                         ") (it still fires when purge really deletes)"),
            NULL);
    }
}

void rw_audit_finish(rw_audit *a)
{
    a->tables =
        rw_arena_alloc(&a->arena, (size_t)(rw_snapshot_table_count(a->s) + 1) * sizeof *a->tables);
    for (int i = 0; i < rw_snapshot_table_count(a->s); i++)
        if (rw_snapshot_table(a->s, i)->marker != RW_MARKER_NONE)
            a->tables[a->ntables++] = rw_snapshot_table(a->s, i);
    qsort(a->tables, (size_t)a->ntables, sizeof *a->tables, by_name);
    rule_install(a);
    rule_fk_triggers(a);
    rule_soft_tables(a);
    rule_markers(a);
    rule_unique(a);
    rule_cascades(a);
    rule_chains(a);
    rule_marker_index(a);
    rule_key_index(a);
    rule_stored_code(a);
    rule_triggers(a);
}

int rw_audit_count(const rw_audit *a)
{
    return a->nfindings;
}

const rw_finding *rw_audit_finding(const rw_audit *a, int i)
{
    return &a->findings[i];
}

void rw_audit_free(rw_audit *a)
{
    if (!a)
        return;
    rw_arena_free(&a->arena);
    free(a);
}
