/* admin/show.c — the SHOW commands' columns and rows (see show.h). */
#include "admin/show.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define COLS(...) ((const proto_column[]){__VA_ARGS__})
#define T(name)                                                                                    \
    {                                                                                              \
        name, ADM_TEXT                                                                             \
    }
#define I(name)                                                                                    \
    {                                                                                              \
        name, ADM_INT8                                                                             \
    }
#define F(name)                                                                                    \
    {                                                                                              \
        name, ADM_FLOAT8                                                                           \
    }
#define B(name)                                                                                    \
    {                                                                                              \
        name, ADM_BOOL                                                                             \
    }

static const proto_column help_cols[] = {T("command"), T("description")};
static const proto_column stats_cols[] = {
    T("database"),  I("queries"),      I("reads_filtered"), I("deletes_marked"), I("fk_writes"),
    I("upserts"),   I("refused"),      I("cache_hits"),     I("cache_misses"),   I("bytes_in"),
    I("bytes_out"), F("avg_query_ms"), F("p99_query_ms")};
static const proto_column clients_cols[] = {
    T("peer"), T("database"),    T("user"),   T("state"),      T("wait"),     B("console"),
    B("tls"),  F("connected_s"), T("server"), I("server_pid"), I("bytes_in"), I("bytes_out")};
static const proto_column servers_cols[] = {
    T("server"), B("tls"), I("server_pid"), T("database"), T("user"), T("client"), T("state")};
static const proto_column databases_cols[] = {T("name"),    T("host"),    I("port"),
                                              T("dbname"),  T("user"),    T("visibility"),
                                              T("deletes"), I("clients"), B("paused")};
static const proto_column tables_cols[] = {
    T("catalog"),      T("schema"),         T("table"),         T("marker"),
    T("foreign_keys"), T("unique_indexes"), F("snapshot_age_s")};
static const proto_column cache_cols[] = {I("entries"),     I("bytes"),      I("max_bytes"),
                                          I("hits"),        I("misses"),     I("skipped"),
                                          I("shaped"),      I("evictions"),  I("cold_rewrites"),
                                          F("cold_avg_ms"), F("cold_p99_ms")};
static const proto_column config_cols[] = {T("section"), T("key"), T("value")};
static const proto_column version_cols[] = {T("version")};

#define ENTRY(kind, cols) [kind] = {cols, sizeof cols / sizeof *cols}
static const struct {
    const proto_column *cols;
    int n;
} columns[ADM_KINDS] = {
    ENTRY(ADM_SHOW_HELP, help_cols),           ENTRY(ADM_SHOW_STATS, stats_cols),
    ENTRY(ADM_SHOW_CLIENTS, clients_cols),     ENTRY(ADM_SHOW_SERVERS, servers_cols),
    ENTRY(ADM_SHOW_DATABASES, databases_cols), ENTRY(ADM_SHOW_TABLES, tables_cols),
    ENTRY(ADM_SHOW_CACHE, cache_cols),         ENTRY(ADM_SHOW_CONFIG, config_cols),
    ENTRY(ADM_SHOW_VERSION, version_cols),
};

const proto_column *adm_columns(adm_kind kind, int *n)
{
    *n = columns[kind].n;
    return columns[kind].cols;
}

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

static void show_help(adm_table *t)
{
    const char *syntax, *what;
    for (int i = 0; adm_help_line(i, &syntax, &what); i++) {
        adm_put_text(t, syntax);
        adm_put_text(t, what);
    }
}

static void show_stats(const st_report *r, adm_table *t)
{
    for (int i = 0; i < r->ndbs; i++) {
        const st_db *d = &r->dbs[i].totals;
        adm_put_text(t, r->dbs[i].name);
        adm_put_uint(t, d->queries);
        adm_put_uint(t, d->filtered);
        adm_put_uint(t, d->marked);
        adm_put_uint(t, d->fk_writes);
        adm_put_uint(t, d->upserts);
        adm_put_uint(t, d->refused);
        adm_put_uint(t, d->cache_hits);
        adm_put_uint(t, d->cache_misses);
        adm_put_uint(t, d->bytes_in);
        adm_put_uint(t, d->bytes_out);
        adm_put_real(t, ms(st_hist_mean(&d->query_time)));
        adm_put_real(t, ms(st_hist_quantile(&d->query_time, 0.99)));
    }
}

static void show_clients(const st_report *r, adm_table *t)
{
    for (int i = 0; i < r->nclients; i++) {
        const st_report_client *c = &r->clients[i];
        adm_put_text(t, c->peer);
        adm_put_text(t, c->database);
        adm_put_text(t, c->user);
        adm_put_text(t, st_client_state_name(c->state));
        adm_put_text(t, c->state == ST_CLIENT_WAITING ? c->wait : NULL);
        adm_put_bool(t, c->console);
        adm_put_bool(t, c->tls);
        adm_put_real(t, c->connected);
        adm_put_text(t, c->server);
        adm_put_uint(t, c->server_pid);
        adm_put_uint(t, c->bytes_in);
        adm_put_uint(t, c->bytes_out);
    }
}

static void show_servers(const st_report *r, adm_table *t)
{
    for (int i = 0; i < r->nclients; i++) {
        const st_report_client *c = &r->clients[i];
        if (!c->server)
            continue;
        adm_put_text(t, c->server);
        adm_put_bool(t, c->server_tls);
        adm_put_uint(t, c->server_pid);
        adm_put_text(t, c->database);
        adm_put_text(t, c->user);
        adm_put_text(t, c->peer);
        adm_put_text(t, st_client_state_name(c->state));
    }
}

static void show_databases(const st_report *r, const conf_config *cfg, adm_table *t)
{
    for (int i = 0; i < cfg->ndbs; i++) {
        const conf_db *db = &cfg->dbs[i];
        size_t len = strlen(db->alias);
        intptr_t at = (intptr_t)rw_map_get(&r->names, db->alias, len);
        const st_report_db *d = at ? &r->dbs[at - 1] : NULL;
        int clients = 0;
        for (int s = 0; d && s < ST_CLIENT_STATES; s++)
            clients += d->clients[s];
        adm_put_text(t, db->alias);
        adm_put_text(t, db->host);
        adm_put_int(t, db->port);
        adm_put_text(t, db->dbname);
        adm_put_text(t, db->user);
        adm_put_text(t, db->visibility ? db->visibility : "live");
        adm_put_text(t, db->deletes ? db->deletes : "soft");
        adm_put_int(t, clients);
        adm_put_bool(t, r->paused_all || (d && d->paused));
    }
}

/* Appends to out (size len, used so far *used), as far as it fits. */
__attribute__((format(printf, 4, 5))) static void append(char *out, size_t len, size_t *used,
                                                         const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, len - *used, fmt, ap);
    va_end(ap);
    *used += n > 0 ? (size_t)n : 0;
}

static const char *action_name(char on_delete)
{
    switch (on_delete) {
    case RW_FK_CASCADE:
        return "cascade";
    case RW_FK_SET_NULL:
        return "set null";
    case RW_FK_SET_DEFAULT:
        return "set default";
    case RW_FK_RESTRICT:
        return "restrict";
    default:
        return "no action";
    }
}

/* The foreign keys whose ON DELETE action tombstone mirrors when a row of tb is marked:
 * "name -> schema.child on delete cascade; ...". */
static void fk_text(const rw_table *tb, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < tb->nchildren; i++) {
        const rw_fk *fk = tb->children[i];
        append(out, len, &used, "%s%s -> %s.%s on delete %s", used ? "; " : "", fk->name,
               fk->child->schema, fk->child->name, action_name(fk->on_delete));
    }
}

/* The unique indexes; the partial ones with their predicate. */
static void unique_text(const rw_table *tb, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < tb->nuniques; i++) {
        const rw_unique *u = &tb->uniques[i];
        append(out, len, &used, "%s%s", used ? "; " : "", u->name);
        if (u->predicate)
            append(out, len, &used, " where %s", u->predicate);
    }
}

static const char *dbname_of(const st_report_catalog *c)
{
    const char *slash = strrchr(c->name, '/');
    return slash ? slash + 1 : c->name;
}

static void show_tables(const char *only, const st_report *r, adm_table *t)
{
    char fks[2048], uniques[2048];
    for (int i = 0; i < r->ncatalogs; i++) {
        const st_report_catalog *c = &r->catalogs[i];
        if (!c->snapshot || (only && strcmp(dbname_of(c), only) != 0))
            continue;
        for (int j = 0; j < rw_snapshot_table_count(c->snapshot); j++) {
            const rw_table *tb = rw_snapshot_table(c->snapshot, j);
            if (tb->marker == RW_MARKER_NONE)
                continue;
            fk_text(tb, fks, sizeof fks);
            unique_text(tb, uniques, sizeof uniques);
            adm_put_text(t, c->name);
            adm_put_text(t, tb->schema);
            adm_put_text(t, tb->name);
            adm_put_text(t, tb->marker_col);
            adm_put_text(t, fks);
            adm_put_text(t, uniques);
            adm_put_real(t, c->age);
        }
    }
}

static void show_cache(const rw_cache_stats *c, adm_table *t)
{
    adm_put_uint(t, c->entries);
    adm_put_uint(t, c->bytes);
    adm_put_uint(t, c->max_bytes);
    adm_put_uint(t, c->hits);
    adm_put_uint(t, c->misses);
    adm_put_uint(t, c->skipped);
    adm_put_uint(t, c->shaped);
    adm_put_uint(t, c->evictions);
    adm_put_uint(t, c->cold.n);
    adm_put_real(t, ms(st_hist_mean(&c->cold)));
    adm_put_real(t, ms(st_hist_quantile(&c->cold, 0.99)));
}

static void show_config(const conf_config *cfg, adm_table *t)
{
    const char *section, *key;
    char value[1024];
    for (int i = 0; conf_setting(cfg, i, &section, &key, value, sizeof value); i++) {
        adm_put_text(t, section);
        adm_put_text(t, key);
        adm_put_text(t, value);
    }
}

bool adm_show(const adm_command *cmd, const st_report *r, const conf_config *cfg, adm_table *t,
              adm_error *err)
{
    const char *only = NULL;
    if (cmd->arg[0]) {
        const conf_db *db = conf_find_db(cfg, cmd->arg);
        if (!db) {
            err->sqlstate = "3D000";
            snprintf(err->message, sizeof err->message, "database \"%.100s\" is not in [databases]",
                     cmd->arg);
            return false;
        }
        only = db->dbname ? db->dbname : cmd->arg; /* "*" routes a name to itself */
    }
    switch (cmd->kind) {
    case ADM_SHOW_HELP:
        show_help(t);
        break;
    case ADM_SHOW_STATS:
        show_stats(r, t);
        break;
    case ADM_SHOW_CLIENTS:
        show_clients(r, t);
        break;
    case ADM_SHOW_SERVERS:
        show_servers(r, t);
        break;
    case ADM_SHOW_DATABASES:
        show_databases(r, cfg, t);
        break;
    case ADM_SHOW_TABLES:
        show_tables(only, r, t);
        break;
    case ADM_SHOW_CACHE:
        show_cache(&r->cache, t);
        break;
    case ADM_SHOW_CONFIG:
        show_config(cfg, t);
        break;
    case ADM_SHOW_VERSION:
        adm_put_text(t, r->version);
        break;
    default:
        break;
    }
    return true;
}
