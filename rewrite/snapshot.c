/* rewrite/snapshot.c — the catalog snapshot: its query, its rows, its lookups. */
#include "rewrite/snapshot.h"

#include "common/mem.h"
#include "rewrite/arena.h"
#include "rewrite/helpers.h"
#include "rewrite/map.h"
#include "rewrite/quote.h"
#include "rewrite/watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rw_snapshot {
    int refs;
    uint64_t version;
    rw_arena arena;
    rw_map by_name;     /* "schema\0name" → rw_table */
    rw_map by_oid;      /* 4 oid bytes → rw_table */
    rw_map names;       /* bare relation name → non-NULL */
    rw_map setters;     /* bare name of a function that may set the search_path → non-NULL */
    rw_map setter_oids; /* 4 oid bytes of one → non-NULL */
    int nfks, capfks;
    rw_fk **fks;
    int ntables, captables; /* in the order of the rows, for the tools that list them all */
    rw_table **tables;
    int nsoft;
    bool helpers;         /* the functions of `tombstone install`, in this version, are there */
    const char *epoch;    /* the catalog epoch when it was read (rewrite/watch.sql), or NULL */
    uint64_t fingerprint; /* of the rows: equal rows make an equal snapshot */
    struct memo *memo;    /* rw_snapshot_memo_*: filled while the snapshot is in use */
};

struct memo {
    rw_arena arena;
    rw_map texts;
};

/* One query, one round trip: every row starts with its kind.
 *   T oid schema name relkind marker_col marker_kind('t'|'b')   relations that matter, and
 *                                                               any relation sharing a name
 *                                                               with one (search_path)
 *   C table_oid attnum name type                                their columns
 *   F name child_oid parent_oid confdeltype child_cols parent_cols set_cols deferrable deferred
 *     triggers constraint_triggers (deferrable and deferred as one text, each '0' or '1';
 *     triggers: the kinds of the enabled triggers of `tombstone install` there are for this
 *     key, rewrite/helpers.sql, and '!' when PostgreSQL's own check trigger of the key is
 *     disabled; constraint_triggers: the qualified names of its deferrable
 *     ones, for SET CONSTRAINTS)
 *   U table_oid index constraint primary cols predicate scs     unique indexes of soft tables
 *     (scs: the standard_conforming_strings the predicate's text was printed with, when it
 *     holds a backslash)
 *   P name oid                                                  functions outside the system
 *     schemas whose body names search_path or set_config: a call may change the session's
 *     path (a SET without LOCAL in the body outlives even a SET search_path clause)
 * Foreign keys come in creation order, the order PostgreSQL fires their triggers in, so the
 * first violated one is the one named in an error.
 * Temporary tables are never soft-delete tables (nor can keys of other tables reference
 * them), so they are left out whoever's they are.
 * Relations that matter: soft-delete tables, tables whose rows a cascade from one removes
 * (affected), and the children of those through any foreign key. Partition clones of
 * foreign keys (conparentid <> 0) are left out: the declared key says what happens. */
static const char query_fmt[] =
    "WITH RECURSIVE m(name, ord) AS (VALUES %s),\n"
    "inc(name) AS (VALUES %s), exc(name) AS (VALUES %s),\n"
    "soft AS (SELECT DISTINCT ON (a.attrelid) a.attrelid AS oid, a.attname,\n"
    "    CASE WHEN a.atttypid = 'bool'::regtype THEN 'b' ELSE 't' END AS kind\n"
    "  FROM pg_attribute a JOIN m ON m.name = a.attname JOIN pg_class c ON c.oid = a.attrelid\n"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace\n"
    "  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')\n"
    "    AND a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'bool'::regtype)\n"
    "    AND n.nspname NOT IN ('pg_catalog', 'information_schema')\n"
    "    AND NOT starts_with(n.nspname, 'pg_temp_') AND NOT starts_with(n.nspname, 'pg_toast')\n"
    "    AND (NOT EXISTS (SELECT FROM inc WHERE name IS NOT NULL)\n"
    "         OR n.nspname || '.' || c.relname IN (SELECT name FROM inc))\n"
    "    AND n.nspname || '.' || c.relname NOT IN (SELECT name FROM exc WHERE name IS NOT NULL)\n"
    "  ORDER BY a.attrelid, m.ord),\n"
    "fk AS (SELECT * FROM pg_constraint WHERE contype = 'f' AND conparentid = 0),\n"
    "aff(oid) AS (SELECT oid FROM soft UNION\n"
    "  SELECT f.conrelid FROM fk f JOIN aff ON f.confrelid = aff.oid WHERE f.confdeltype = 'c'),\n"
    "rel AS (SELECT oid FROM aff UNION SELECT conrelid FROM fk WHERE confrelid IN (SELECT oid FROM "
    "aff)),\n"
    "names AS (SELECT DISTINCT relname FROM pg_class WHERE oid IN (SELECT oid FROM rel))\n"
    "SELECT 'T', c.oid::text, n.nspname::text, c.relname::text, c.relkind::text,\n"
    "    s.attname::text, s.kind, NULL, NULL, NULL, NULL\n"
    "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace\n"
    "  LEFT JOIN soft s ON s.oid = c.oid\n"
    "  WHERE c.relname IN (SELECT relname FROM names) AND c.relkind IN ('r','p','v','m','f')\n"
    "    AND NOT starts_with(n.nspname, 'pg_temp_') AND NOT starts_with(n.nspname, 'pg_toast')\n"
    "UNION ALL\n"
    "SELECT 'C', a.attrelid::text, a.attnum::text, a.attname::text,\n"
    "    format_type(a.atttypid, a.atttypmod), NULL, NULL, NULL, NULL, NULL, NULL\n"
    "  FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid\n"
    "  WHERE a.attnum > 0 AND NOT a.attisdropped\n"
    "UNION ALL\n"
    "(SELECT 'F', f.conname::text, f.conrelid::text, f.confrelid::text, f.confdeltype::text,\n"
    "    (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(f.conkey) WITH ORDINALITY k(n, i)\n"
    "       JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n)::text,\n"
    "    (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(f.confkey) WITH ORDINALITY k(n, i)\n"
    "       JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n)::text,\n"
    "    (SELECT array_agg(a.attname ORDER BY k.i)\n"
    "       FROM unnest(f.confdelsetcols) WITH ORDINALITY k(n, i)\n"
    "       JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n)::text,\n"
    "    f.condeferrable::int::text || f.condeferred::int::text,\n"
    "    concat((SELECT string_agg(DISTINCT split_part(t.tgname, '_', 2), '') FROM pg_trigger t\n"
    "       WHERE t.tgrelid IN (f.conrelid, f.confrelid) AND t.tgenabled IN ('O', 'A')\n"
    "         AND t.tgname ~ " RW_FK_TRIGGER_PATTERN "),\n"
    "      (SELECT '!' FROM pg_trigger t WHERE t.tgconstraint = f.oid AND t.tgrelid = f.conrelid\n"
    "         AND t.tgenabled = 'D' LIMIT 1)),\n"
    "    (SELECT array_agg(format('%%I.%%I', n.nspname, t.tgname) ORDER BY t.tgname)\n"
    "       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid\n"
    "       JOIN pg_namespace n ON n.oid = c.relnamespace\n"
    "       WHERE t.tgrelid IN (f.conrelid, f.confrelid) AND t.tgdeferrable\n"
    "         AND NOT starts_with(t.tgname, '$') AND t.tgname ~ " RW_FK_TRIGGER_PATTERN ")::text\n"
    "  FROM fk f WHERE f.confrelid IN (SELECT oid FROM aff) ORDER BY f.oid)\n"
    "UNION ALL\n"
    "SELECT 'U', i.indrelid::text, ic.relname::text, con.conname::text, i.indisprimary::text,\n"
    "    (SELECT array_agg(CASE WHEN i.indkey[k - 1] <> 0\n"
    "         THEN (SELECT a.attname::text FROM pg_attribute a\n"
    "               WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])\n"
    "         ELSE pg_get_indexdef(i.indexrelid, k, true) END ORDER BY k)\n"
    "       FROM generate_series(1, i.indnkeyatts) k)::text,\n"
    "    p.pred, CASE WHEN strpos(p.pred, chr(92)) > 0\n"
    "      THEN current_setting('standard_conforming_strings') END, NULL, NULL, NULL\n"
    "  FROM pg_index i JOIN soft s ON s.oid = i.indrelid\n"
    "  JOIN pg_class ic ON ic.oid = i.indexrelid\n"
    "  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')\n"
    "  CROSS JOIN LATERAL (SELECT pg_get_expr(i.indpred, i.indrelid, true) AS pred) p\n"
    "  WHERE i.indisunique\n"
    "UNION ALL\n"
    "SELECT 'H', obj_description(n.oid, 'pg_namespace'), NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL,\n"
    "    NULL, NULL\n"
    "  FROM pg_namespace n WHERE n.nspname = 'tombstone'\n"
    "UNION ALL\n"
    "SELECT 'P', p.proname::text, p.oid::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL\n"
    "  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace\n"
    "  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'tombstone')\n"
    "    AND p.prosrc ~* 'search_path|set_config'\n"
    "UNION ALL\n"
    "SELECT 'E', (" RW_EPOCH_QUERY "), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL";

/* "('a', 1), ('b', 2)": a VALUES list of SQL literals, with their position when `numbered`.
 * The query runs in a client's session, with its standard_conforming_strings: the literals
 * mean the configured names either way (rewrite/quote.h). */
static char *values_list(const char *const *items, int n, bool numbered)
{
    size_t cap = 32;
    for (int i = 0; i < n; i++)
        cap += RW_LITERAL_SIZE(strlen(items[i])) + 32;
    char *out = mem_alloc(cap), *p = out;
    for (int i = 0; i < n; i++) {
        p += sprintf(p, "%s(", i ? ", " : "");
        p += rw_literal_put(p, items[i]);
        p += numbered ? sprintf(p, ", %d)", i + 1) : sprintf(p, ")");
    }
    if (n == 0)
        strcpy(out, numbered ? "(NULL::name, 0)" : "(NULL::text)");
    return out;
}

char *rw_snapshot_query(const rw_snapshot_options *o)
{
    char *markers = values_list(o->markers, o->nmarkers, true);
    char *inc = values_list(o->include, o->ninclude, false);
    char *exc = values_list(o->exclude, o->nexclude, false);
    size_t n = sizeof query_fmt + strlen(markers) + strlen(inc) + strlen(exc);
    char *q = mem_alloc(n);
    snprintf(q, n, query_fmt, markers, inc, exc);
    free(markers);
    free(inc);
    free(exc);
    return q;
}

static uint64_t next_version = 1;

rw_snapshot *rw_snapshot_new(void)
{
    rw_snapshot *s = mem_zalloc(sizeof *s);
    s->refs = 1;
    s->version = next_version++;
    s->memo = mem_zalloc(sizeof *s->memo);
    return s;
}

void rw_snapshot_unref(rw_snapshot *s)
{
    if (!s || --s->refs > 0)
        return;
    rw_map_free(&s->by_name);
    rw_map_free(&s->by_oid);
    rw_map_free(&s->names);
    rw_map_free(&s->setters);
    rw_map_free(&s->setter_oids);
    free(s->fks);
    free(s->tables);
    rw_arena_free(&s->arena);
    rw_map_free(&s->memo->texts);
    rw_arena_free(&s->memo->arena);
    free(s->memo);
    free(s);
}

/* The memo is keyed by the address of the object the text was derived from, then a tag for
 * the kind of text: objects of the snapshot live exactly as long as the memo. Bytes, not a
 * struct, so that no padding gets hashed. */
enum { MEMO_KEY = sizeof(void *) + 1 };

static void key_of(char *key, const void *object, rw_memo_tag tag)
{
    memcpy(key, &object, sizeof object);
    key[sizeof object] = tag;
}

const char *rw_snapshot_memo_get(const rw_snapshot *s, const void *object, rw_memo_tag tag)
{
    char key[MEMO_KEY];
    key_of(key, object, tag);
    return rw_map_get(&s->memo->texts, key, sizeof key);
}

const char *rw_snapshot_memo_put(const rw_snapshot *s, const void *object, rw_memo_tag tag,
                                 const char *text)
{
    char *key = rw_arena_alloc(&s->memo->arena, MEMO_KEY);
    key_of(key, object, tag);
    char *kept = rw_arena_strdup(&s->memo->arena, text);
    rw_map_put(&s->memo->texts, key, MEMO_KEY, kept);
    return kept;
}

static rw_table *table_by_oid(const rw_snapshot *s, const char *text)
{
    uint32_t oid = (uint32_t)strtoul(text ? text : "0", NULL, 10);
    return rw_map_get(&s->by_oid, (const char *)&oid, sizeof oid);
}

int rw_text_array_parse(const char *text, char **items, int max, char *buf)
{
    if (!text || text[0] != '{')
        return 0;
    int n = 0;
    const char *p = text + 1;
    while (*p && *p != '}' && n < max) {
        items[n++] = buf;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                *buf++ = (*p == '\\' && p[1]) ? *++p : *p;
            p += *p == '"';
        } else {
            while (*p && *p != ',' && *p != '}')
                *buf++ = *p++;
        }
        *buf++ = '\0';
        p += *p == ',';
    }
    return n;
}

/* A text[] from the catalog query, into the snapshot's arena. */
static int parse_array(rw_arena *a, const char *text, char ***out)
{
    *out = NULL;
    if (!text)
        return 0;
    size_t len = strlen(text);
    *out = rw_arena_alloc(a, (len + 1) * sizeof **out);
    return rw_text_array_parse(text, *out, (int)len + 1, rw_arena_alloc(a, len + 1));
}

static char *dup_or_null(rw_arena *a, const char *s)
{
    return s ? rw_arena_strdup(a, s) : NULL;
}

static bool add_table(rw_snapshot *s, const char *const *f)
{
    rw_table *t = rw_arena_alloc(&s->arena, sizeof *t);
    t->oid = (uint32_t)strtoul(f[1], NULL, 10);
    t->schema = rw_arena_strdup(&s->arena, f[2]);
    t->name = rw_arena_strdup(&s->arena, f[3]);
    t->relkind = f[4][0];
    if (f[5] && f[6]) {
        t->marker = f[6][0] == 'b' ? RW_MARKER_BOOL : RW_MARKER_TIME;
        t->marker_col = rw_arena_strdup(&s->arena, f[5]);
        s->nsoft++;
    }
    size_t slen = strlen(t->schema), nlen = strlen(t->name);
    char *key = rw_arena_alloc(&s->arena, slen + nlen + 2);
    memcpy(key, t->schema, slen + 1);
    memcpy(key + slen + 1, t->name, nlen);
    rw_map_put(&s->by_name, key, slen + 1 + nlen, t);
    rw_map_put(&s->by_oid, (const char *)&t->oid, sizeof t->oid, t);
    rw_map_put(&s->names, t->name, nlen, t);
    if (s->ntables == s->captables) {
        s->captables = s->captables ? 2 * s->captables : 16;
        s->tables = mem_realloc(s->tables, (size_t)s->captables * sizeof *s->tables);
    }
    s->tables[s->ntables++] = t;
    return true;
}

static bool add_column(rw_snapshot *s, const char *const *f)
{
    rw_table *t = table_by_oid(s, f[1]);
    if (!t || !f[3] || !f[4])
        return false;
    /* rows come in any order: keep the array in attnum order by insertion position */
    int attnum = atoi(f[2]);
    if (attnum > t->ncols) {
        rw_column *cols = rw_arena_alloc(&s->arena, (size_t)attnum * sizeof *cols);
        if (t->ncols)
            memcpy(cols, t->cols, (size_t)t->ncols * sizeof *cols);
        t->cols = cols;
        t->ncols = attnum;
    }
    t->cols[attnum - 1] =
        (rw_column){rw_arena_strdup(&s->arena, f[3]), rw_arena_strdup(&s->arena, f[4])};
    return true;
}

static bool add_fk(rw_snapshot *s, const char *const *f)
{
    rw_table *child = table_by_oid(s, f[2]), *parent = table_by_oid(s, f[3]);
    if (!child || !parent || !f[1] || !f[4] || !f[8])
        return false;
    rw_fk *fk = rw_arena_alloc(&s->arena, sizeof *fk);
    fk->name = rw_arena_strdup(&s->arena, f[1]);
    fk->child = child;
    fk->parent = parent;
    fk->on_delete = f[4][0];
    fk->ncols = parse_array(&s->arena, f[5], &fk->child_cols);
    if (parse_array(&s->arena, f[6], &fk->parent_cols) != fk->ncols || fk->ncols == 0)
        return false;
    fk->nset_cols = parse_array(&s->arena, f[7], &fk->set_cols);
    fk->deferrable = f[8][0] == '1';
    fk->deferred = f[8][0] && f[8][1] == '1';
    for (const char *k = f[9] ? f[9] : ""; *k; k++)
        fk->triggers |= rw_fk_trigger_bit(*k);
    fk->nconstraint_triggers = parse_array(&s->arena, f[10], &fk->constraint_triggers);
    if (s->nfks == s->capfks) {
        s->capfks = s->capfks ? 2 * s->capfks : 16;
        s->fks = mem_realloc(s->fks, (size_t)s->capfks * sizeof *s->fks);
    }
    s->fks[s->nfks++] = fk;
    return true;
}

/* pg_get_expr prints literals for the setting of the session that read the catalog; the
 * predicate is spliced into statements of sessions with either setting. A predicate whose
 * literals cannot be read is dropped: ON CONFLICT then infers no partial index, and
 * PostgreSQL says so, rather than run a misread text. */
static char *portable_predicate(rw_arena *a, const char *pred, const char *scs)
{
    if (!pred || !scs)
        return dup_or_null(a, pred); /* no backslash: the same text either way */
    char *text = rw_literals_portable(pred, strcmp(scs, "off") != 0);
    char *kept = dup_or_null(a, text);
    free(text);
    return kept;
}

static bool add_unique(rw_snapshot *s, const char *const *f)
{
    rw_table *t = table_by_oid(s, f[1]);
    if (!t || !f[2] || !f[4])
        return false;
    rw_unique *u = rw_arena_alloc(&s->arena, (size_t)(t->nuniques + 1) * sizeof *u);
    if (t->nuniques)
        memcpy(u, t->uniques, (size_t)t->nuniques * sizeof *u);
    t->uniques = u;
    u = &t->uniques[t->nuniques++];
    u->name = rw_arena_strdup(&s->arena, f[2]);
    u->constraint = dup_or_null(&s->arena, f[3]);
    u->primary = f[4][0] == 't';
    u->ncols = parse_array(&s->arena, f[5], &u->cols);
    u->predicate = portable_predicate(&s->arena, f[6], f[7]);
    return true;
}

static bool add_setter(rw_snapshot *s, const char *const *f)
{
    uint32_t *oid = rw_arena_alloc(&s->arena, sizeof *oid);
    *oid = (uint32_t)strtoul(f[2], NULL, 10);
    rw_map_put(&s->setters, rw_arena_strdup(&s->arena, f[1]), strlen(f[1]), s);
    rw_map_put(&s->setter_oids, (const char *)oid, sizeof *oid, s);
    return true;
}

bool rw_snapshot_add_row(rw_snapshot *s, const rw_catalog_row *row, const char **err)
{
    const char *const *f = row->fields;
    /* the epoch moves with any DDL: it is not part of what makes two snapshots the same */
    if (row->nfields == RW_CATALOG_FIELDS && f[0] && f[0][0] == 'E') {
        s->epoch = f[1] ? rw_arena_strdup(&s->arena, f[1]) : NULL;
        return true;
    }
    /* rows come in no particular order: a sum of row hashes does not care */
    uint64_t h = 0;
    for (int i = 0; i < row->nfields; i++)
        h = h * 0x100000001b3ULL + (f[i] ? rw_hash(f[i], strlen(f[i])) : 1);
    s->fingerprint += h;
    bool ok = false;
    if (row->nfields == RW_CATALOG_FIELDS && f[0]) {
        switch (f[0][0]) {
        case 'T':
            ok = f[1] && f[2] && f[3] && f[4] && add_table(s, f);
            break;
        case 'C':
            ok = add_column(s, f);
            break;
        case 'F':
            ok = add_fk(s, f);
            break;
        case 'U':
            ok = add_unique(s, f);
            break;
        case 'P':
            ok = f[1] && f[2] && add_setter(s, f);
            break;
        case 'H':
            s->helpers = f[1] && strcmp(f[1], "tombstone helpers " RW_HELPERS_VERSION) == 0;
            ok = true;
            break;
        }
    }
    if (!ok)
        *err = "unexpected row in the catalog query's result";
    return ok;
}

static bool affected(const rw_table *t, int depth);
static void deletes_ready(rw_snapshot *s);
static bool writes_ready(const rw_table *t);

static void link_fk(rw_arena *a, rw_fk ***list, int *n, rw_fk *fk)
{
    rw_fk **bigger = rw_arena_alloc(a, (size_t)(*n + 1) * sizeof *bigger);
    if (*n)
        memcpy(bigger, *list, (size_t)*n * sizeof *bigger);
    bigger[(*n)++] = fk;
    *list = bigger;
}

void rw_snapshot_finish(rw_snapshot *s)
{
    for (int i = 0; i < s->nfks; i++) {
        rw_fk *fk = s->fks[i];
        link_fk(&s->arena, &fk->child->parents, &fk->child->nparents, fk);
        link_fk(&s->arena, &fk->parent->children, &fk->parent->nchildren, fk);
    }
    for (size_t i = 0; i < s->by_oid.cap; i++) {
        rw_table *t = s->by_oid.slots[i].value;
        if (t)
            t->affected = affected(t, 0);
    }
    for (size_t i = 0; i < s->by_oid.cap; i++) {
        rw_table *t = s->by_oid.slots[i].value;
        if (t)
            t->write_ready = writes_ready(t);
    }
    deletes_ready(s);
}

const rw_table *rw_snapshot_lookup(const rw_snapshot *s, const char *schema, const char *name)
{
    size_t slen = strlen(schema), nlen = strlen(name);
    char stackkey[256], *key = slen + nlen + 1 <= sizeof stackkey ? stackkey : NULL;
    if (!key)
        return NULL; /* longer than NAMEDATALEN twice: no such relation */
    memcpy(key, schema, slen + 1);
    memcpy(key + slen + 1, name, nlen);
    return rw_map_get(&s->by_name, key, slen + 1 + nlen);
}

bool rw_snapshot_has_name(const rw_snapshot *s, const char *name)
{
    return rw_map_get(&s->names, name, strlen(name)) != NULL;
}

bool rw_snapshot_sets_path(const rw_snapshot *s, const char *name)
{
    return rw_map_get(&s->setters, name, strlen(name)) != NULL;
}

bool rw_snapshot_sets_path_oid(const rw_snapshot *s, uint32_t oid)
{
    return rw_map_get(&s->setter_oids, (const char *)&oid, sizeof oid) != NULL;
}

bool rw_snapshot_has_helpers(const rw_snapshot *s)
{
    return s->helpers;
}

int rw_snapshot_fk_count(const rw_snapshot *s)
{
    return s->nfks;
}

const rw_fk *rw_snapshot_fk(const rw_snapshot *s, int i)
{
    return s->fks[i];
}

int rw_snapshot_table_count(const rw_snapshot *s)
{
    return s->ntables;
}

const rw_table *rw_snapshot_table(const rw_snapshot *s, int i)
{
    return s->tables[i];
}

const char *rw_snapshot_epoch(const rw_snapshot *s)
{
    return s->epoch;
}

int rw_snapshot_soft_count(const rw_snapshot *s)
{
    return s->nsoft;
}

bool rw_snapshot_same(const rw_snapshot *a, const rw_snapshot *b)
{
    return a && b && a->fingerprint == b->fingerprint;
}

uint64_t rw_snapshot_version(const rw_snapshot *s)
{
    return s->version;
}

/* Depth-bounded, so a cycle of cascading keys between unmarked tables ends. */
static bool affected(const rw_table *t, int depth)
{
    if (t->marker != RW_MARKER_NONE)
        return true;
    if (depth > 32)
        return false;
    for (int i = 0; i < t->nparents; i++)
        if (t->parents[i]->on_delete == RW_FK_CASCADE && t->parents[i]->parent != t &&
            affected(t->parents[i]->parent, depth + 1))
            return true;
    return false;
}

bool rw_table_affected(const rw_table *t)
{
    return t->affected;
}

unsigned rw_fk_trigger_bit(char kind)
{
    switch (kind) {
    case 'a':
    case 'd':
    case 'm':
        return RW_TRIG_DELETE;
    case 'c':
        return RW_TRIG_INSERT;
    case 'u':
        return RW_TRIG_UPDATE;
    case 'k':
        return RW_TRIG_FOLLOW;
    case 'r':
        return RW_TRIG_REMOVE;
    case '!':
        return RW_TRIG_UNCHECKED;
    default:
        return 0;
    }
}

/* Chains of keys followed when deciding what a delete reaches: as deep as helpers.sql's
 * tombstone.has_actions and tombstone.action_sql go. */
enum { ACTION_DEPTH = 8 };

/* Does a row of t going away make anything happen beyond t (a mark, a SET NULL, a check)?
 * A table without marker whose keys only cascade to more such tables needs nothing: reads
 * hide all of them. The same rule as tombstone.has_actions. */
static bool has_actions(const rw_table *t, int depth)
{
    if (depth > ACTION_DEPTH)
        return true;
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        if (fk->on_delete != RW_FK_CASCADE || fk->child->marker != RW_MARKER_NONE ||
            (fk->child != t && has_actions(fk->child, depth + 1)))
            return true;
    }
    return false;
}

bool rw_fk_acts_on_delete(const rw_fk *fk)
{
    if (fk->on_delete != RW_FK_CASCADE)
        return true;
    return fk->child->marker != RW_MARKER_NONE || has_actions(fk->child, 0);
}

/* Its own part of deletes_ready: a soft table's keys that act on a delete have their d
 * trigger (a table without marker has none: its rows are hidden in the function of the soft
 * table whose delete hides them). */
static bool own_deletes_ready(const rw_table *t)
{
    for (int i = 0; t->marker != RW_MARKER_NONE && i < t->nchildren; i++)
        if (rw_fk_acts_on_delete(t->children[i]) && !(t->children[i]->triggers & RW_TRIG_DELETE))
            return false;
    return true;
}

/* Marking a row of t runs the d triggers of its keys, which mark or hide children, whose
 * own keys then act: every trigger on the way must be there. A fixpoint over the tables, so
 * that a graph of many keys is not walked path by path. */
static void deletes_ready(rw_snapshot *s)
{
    for (size_t i = 0; i < s->by_oid.cap; i++) {
        rw_table *t = s->by_oid.slots[i].value;
        if (t)
            t->delete_ready = own_deletes_ready(t);
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < s->by_oid.cap; i++) {
            rw_table *t = s->by_oid.slots[i].value;
            for (int k = 0; t && t->delete_ready && k < t->nchildren; k++) {
                const rw_fk *fk = t->children[k];
                if (fk->on_delete == RW_FK_CASCADE && !fk->child->delete_ready) {
                    t->delete_ready = false;
                    changed = true;
                }
            }
        }
    }
}

/* Writing a key whose parent loses rows to soft deletes runs its c or u trigger; unless
 * PostgreSQL's own check of the key is disabled too (ALTER TABLE ... DISABLE TRIGGER ALL, as
 * pg_restore --disable-triggers sends): then a real parent is not looked for either. */
static bool writes_ready(const rw_table *t)
{
    for (int i = 0; i < t->nparents; i++)
        if (rw_table_affected(t->parents[i]->parent) &&
            !(t->parents[i]->triggers & RW_TRIG_UNCHECKED) &&
            (t->parents[i]->triggers & (RW_TRIG_INSERT | RW_TRIG_UPDATE)) !=
                (RW_TRIG_INSERT | RW_TRIG_UPDATE))
            return false;
    return true;
}
