/* conf/config.c — tombstone's settings: defaults, the table of known keys, value checking,
 * and the [databases] connection strings. */
#include "conf/conf.h"

#include "common/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    T_STR,
    T_INT,
    T_BOOL,
    T_SECONDS,
    T_LOGLEVEL,
    T_LOGFORMAT,
    T_LIST,
    T_TABLES,
    T_SSLMODE,
    T_PROTOCOLS,
} setting_type;

typedef struct {
    const char *section, *key;
    setting_type type;
    size_t offset;
    long min, max; /* for T_INT */
} setting;

#define AT(field) offsetof(conf_config, field)

static const setting settings[] = {
    {"tombstone", "listen_addr", T_LIST, AT(listen_addr), 0, 0},
    {"tombstone", "listen_port", T_INT, AT(listen_port), 1, 65535},
    {"tombstone", "unix_socket_dir", T_STR, AT(unix_socket_dir), 0, 0},
    {"tombstone", "max_client_conn", T_INT, AT(max_client_conn), 1, 1000000},
    {"tombstone", "shutdown_timeout", T_SECONDS, AT(shutdown_timeout), 0, 0},
    {"tombstone", "server_connect_timeout", T_SECONDS, AT(server_connect_timeout), 0, 0},
    {"tombstone", "log_level", T_LOGLEVEL, AT(log_level), 0, 0},
    {"tombstone", "logfile", T_STR, AT(logfile), 0, 0},
    {"tombstone", "log_format", T_LOGFORMAT, AT(log_format), 0, 0},
    {"tombstone", "pidfile", T_STR, AT(pidfile), 0, 0},
    {"tombstone", "workers", T_INT, AT(workers), 0, 1024},
    {"tombstone", "so_reuseport", T_BOOL, AT(so_reuseport), 0, 0},
    {"tombstone", "rewrite_cache_mb", T_INT, AT(rewrite_cache_mb), 0, 1 << 20},
    {"tombstone", "client_tls_sslmode", T_SSLMODE, AT(client_tls.sslmode), 0, 0},
    {"tombstone", "client_tls_key_file", T_STR, AT(client_tls.key_file), 0, 0},
    {"tombstone", "client_tls_cert_file", T_STR, AT(client_tls.cert_file), 0, 0},
    {"tombstone", "client_tls_ca_file", T_STR, AT(client_tls.ca_file), 0, 0},
    {"tombstone", "client_tls_protocols", T_PROTOCOLS, AT(client_tls.protocols), 0, 0},
    {"tombstone", "client_tls_ciphers", T_STR, AT(client_tls.ciphers), 0, 0},
    {"tombstone", "server_tls_sslmode", T_SSLMODE, AT(server_tls.sslmode), 0, 0},
    {"tombstone", "server_tls_key_file", T_STR, AT(server_tls.key_file), 0, 0},
    {"tombstone", "server_tls_cert_file", T_STR, AT(server_tls.cert_file), 0, 0},
    {"tombstone", "server_tls_ca_file", T_STR, AT(server_tls.ca_file), 0, 0},
    {"tombstone", "server_tls_protocols", T_PROTOCOLS, AT(server_tls.protocols), 0, 0},
    {"tombstone", "server_tls_ciphers", T_STR, AT(server_tls.ciphers), 0, 0},
    {"tombstone", "client_login_timeout", T_SECONDS, AT(client_login_timeout), 0, 0},
    {"tombstone", "client_idle_timeout", T_SECONDS, AT(client_idle_timeout), 0, 0},
    {"tombstone", "idle_transaction_timeout", T_SECONDS, AT(idle_transaction_timeout), 0, 0},
    {"tombstone", "query_timeout", T_SECONDS, AT(query_timeout), 0, 0},
    {"tombstone", "tcp_keepalive", T_BOOL, AT(tcp_keepalive), 0, 0},
    {"tombstone", "tcp_keepidle", T_INT, AT(tcp_keepidle), 0, 32767},
    {"tombstone", "tcp_keepintvl", T_INT, AT(tcp_keepintvl), 0, 32767},
    {"tombstone", "tcp_keepcnt", T_INT, AT(tcp_keepcnt), 0, 127},
    {"tombstone", "max_db_connections", T_INT, AT(max_db_connections), 0, 1000000},
    {"tombstone", "max_user_connections", T_INT, AT(max_user_connections), 0, 1000000},
    {"tombstone", "max_packet_size", T_INT, AT(max_packet_size), CONF_MIN_PACKET, CONF_MAX_PACKET},
    {"tombstone", "admin_users", T_LIST, AT(admin_users), 0, 0},
    {"tombstone", "stats_users", T_LIST, AT(stats_users), 0, 0},
    {"tombstone", "admin_auth_db", T_STR, AT(admin_auth_db), 0, 0},
    {"tombstone", "metrics_addr", T_STR, AT(metrics_addr), 0, 0},
    {"tombstone", "metrics_port", T_INT, AT(metrics_port), 0, 65535},
    {"softdelete", "columns", T_LIST, AT(columns), 0, 0},
    {"softdelete", "schema_refresh", T_SECONDS, AT(schema_refresh), 0, 0},
    {"softdelete", "catalog_wait_timeout", T_SECONDS, AT(catalog_wait_timeout), 0, 0},
    {"softdelete", "epoch_interval", T_SECONDS, AT(epoch_interval), 0, 0},
    {"softdelete", "include", T_TABLES, AT(include), 0, 0},
    {"softdelete", "exclude", T_TABLES, AT(exclude), 0, 0},
};

static const char *const log_levels[] = {"error", "warning", "info", "debug"};
static const char *const sslmodes[] = {"disable", "allow",     "prefer",
                                       "require", "verify-ca", "verify-full"};

/* Writes the error message; returns false so callers can `return fail(...)`. */
__attribute__((format(printf, 3, 4))) static bool fail(char *err, size_t errlen, const char *fmt,
                                                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

static void free_list(conf_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    *l = (conf_list){0};
}

/* Splits a comma-separated value into trimmed, non-empty items. */
static void parse_list(const char *value, conf_list *out)
{
    free_list(out);
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *start = p, *end = p + n;
        while (start < end && isspace((unsigned char)*start))
            start++;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (end > start) {
            out->items = mem_realloc(out->items, (size_t)(out->n + 1) * sizeof *out->items);
            out->items[out->n++] = mem_strndup(start, (size_t)(end - start));
        }
        p += n + (p[n] == ',');
    }
}

static bool parse_int(const char *value, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_seconds(const char *value, double *out)
{
    char *end;
    double v = strtod(value, &end);
    if (end == value || *end || !(v >= 0 && v <= 86400 * 365))
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *value, bool *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
            *out = strcasecmp(value, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

static bool parse_log_level(const char *value, conf_log_level *out)
{
    for (int i = 0; i <= CONF_LOG_DEBUG; i++) {
        if (strcasecmp(value, log_levels[i]) == 0) {
            *out = (conf_log_level)i;
            return true;
        }
    }
    return false;
}

static bool parse_log_format(const char *value, conf_log_format *out)
{
    bool json = strcasecmp(value, "json") == 0;
    if (!json && strcasecmp(value, "text") != 0)
        return false;
    *out = json ? CONF_LOG_JSON : CONF_LOG_TEXT;
    return true;
}

static bool parse_sslmode(const char *value, int *out)
{
    for (int i = 0; i <= CONF_SSL_VERIFY_FULL; i++) {
        if (strcasecmp(value, sslmodes[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* PgBouncer's list: tlsv1.0 .. tlsv1.3, or the shortcuts all, secure and legacy. */
static bool parse_protocols(const char *value, int *out)
{
    static const struct {
        const char *name;
        int bits;
    } names[] = {
        {"tlsv1.0", CONF_TLS_V1_0},
        {"tlsv1.1", CONF_TLS_V1_1},
        {"tlsv1.2", CONF_TLS_V1_2},
        {"tlsv1.3", CONF_TLS_V1_3},
        {"secure", CONF_TLS_V1_2 | CONF_TLS_V1_3},
        {"all", CONF_TLS_V1_0 | CONF_TLS_V1_1 | CONF_TLS_V1_2 | CONF_TLS_V1_3},
        {"legacy", CONF_TLS_V1_0 | CONF_TLS_V1_1 | CONF_TLS_V1_2 | CONF_TLS_V1_3},
    };
    conf_list items = {0};
    parse_list(value, &items);
    int bits = 0;
    bool ok = items.n > 0;
    for (int i = 0; i < items.n && ok; i++) {
        size_t k = 0;
        while (k < sizeof names / sizeof *names && strcasecmp(items.items[i], names[k].name))
            k++;
        ok = k < sizeof names / sizeof *names;
        if (ok)
            bits |= names[k].bits;
    }
    free_list(&items);
    if (ok)
        *out = bits;
    return ok;
}

/* Tables are named schema.table, so that search_path cannot change what a name means. */
static bool check_tables(const conf_list *l, char *err, size_t errlen)
{
    for (int i = 0; i < l->n; i++) {
        const char *dot = strchr(l->items[i], '.');
        if (!dot || dot == l->items[i] || !dot[1])
            return fail(err, errlen, "'%s' is not a qualified table name (schema.table)",
                        l->items[i]);
    }
    return true;
}

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = *value ? mem_strdup(value) : NULL;
}

static bool apply_setting(conf_config *c, const setting *s, const char *value, char *err,
                          size_t errlen)
{
    void *field = (char *)c + s->offset;
    bool ok = false;
    switch (s->type) {
    case T_STR:
        set_string(field, value);
        return true;
    case T_INT:
        ok = parse_int(value, s->min, s->max, field);
        break;
    case T_BOOL:
        ok = parse_bool(value, field);
        break;
    case T_SECONDS:
        ok = parse_seconds(value, field);
        break;
    case T_LOGLEVEL:
        ok = parse_log_level(value, field);
        break;
    case T_LOGFORMAT:
        ok = parse_log_format(value, field);
        break;
    case T_LIST:
        parse_list(value, field);
        return true;
    case T_TABLES:
        parse_list(value, field);
        return check_tables(field, err, errlen);
    case T_SSLMODE:
        ok = parse_sslmode(value, field);
        break;
    case T_PROTOCOLS:
        ok = parse_protocols(value, field);
        break;
    }
    return ok || fail(err, errlen, "invalid value '%s' for %s", value, s->key);
}

/* ---- [databases] connection strings ---------------------------------------------------- */

/* Reads one value of a connection string: bare up to white space, or 'quoted' with \' and \\
 * escapes as libpq accepts them. Returns a malloc'd string, or NULL with err set. */
static char *read_conn_value(const char **p, char *err, size_t errlen)
{
    const char *s = *p;
    size_t cap = strlen(s) + 1, n = 0;
    char *out = mem_alloc(cap);
    if (*s != '\'') {
        while (*s && !isspace((unsigned char)*s))
            out[n++] = *s++;
    } else {
        for (s++; *s && *s != '\''; s++)
            out[n++] = *s == '\\' && s[1] ? *++s : *s;
        if (*s != '\'') {
            free(out);
            return fail(err, errlen, "unterminated quoted value"), NULL;
        }
        s++;
    }
    out[n] = 0;
    *p = s;
    return out;
}

/* The modes an alias may set (rewrite/modes.c knows the same values). */
static bool valid_mode(const char *key, const char *value)
{
    static const char *const visibilities[] = {"live", "all", "deleted", NULL};
    static const char *const deletes[] = {"soft", "hard", NULL};
    const char *const *allowed = strcmp(key, "visibility") == 0 ? visibilities
                                 : strcmp(key, "deletes") == 0  ? deletes
                                                                : NULL;
    for (int i = 0; allowed && allowed[i]; i++)
        if (strcmp(allowed[i], value) == 0)
            return true;
    return !allowed;
}

static bool set_conn_param(conf_db *db, const char *key, char *value, char *err, size_t errlen)
{
    char **field = strcmp(key, "host") == 0         ? &db->host
                   : strcmp(key, "dbname") == 0     ? &db->dbname
                   : strcmp(key, "user") == 0       ? &db->user
                   : strcmp(key, "visibility") == 0 ? &db->visibility
                   : strcmp(key, "deletes") == 0    ? &db->deletes
                                                    : NULL;
    if (field && !valid_mode(key, value)) {
        fail(err, errlen, "invalid %s '%s'", key, value);
        free(value);
        return false;
    }
    if (field) {
        free(*field);
        *field = value;
        return true;
    }
    bool ok = false;
    if (strcmp(key, "port") == 0)
        ok = parse_int(value, 1, 65535, &db->port) || fail(err, errlen, "invalid port '%s'", value);
    else if (strcmp(key, "sslmode") == 0)
        ok = parse_sslmode(value, &db->sslmode) ||
             fail(err, errlen,
                  "invalid sslmode '%s' (disable, allow, prefer, require, verify-ca "
                  "or verify-full)",
                  value);
    else if (strcmp(key, "max_db_connections") == 0)
        ok = parse_int(value, 0, 1000000, &db->max_db_connections) ||
             fail(err, errlen, "invalid max_db_connections '%s'", value);
    else
        fail(err, errlen, "unknown connection parameter '%s'", key);
    free(value);
    return ok;
}

static bool parse_conn_string(conf_db *db, const char *s, char *err, size_t errlen)
{
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            return true;
        size_t klen = strcspn(s, "= \t");
        if (s[klen] != '=' || klen == 0 || klen >= 32)
            return fail(err, errlen, "expected key=value in connection string at '%s'", s);
        char key[32];
        memcpy(key, s, klen);
        key[klen] = 0;
        s += klen + 1;
        char *value = read_conn_value(&s, err, errlen);
        if (!value || !set_conn_param(db, key, value, err, errlen))
            return false;
    }
}

static void free_db(conf_db *db)
{
    free(db->alias);
    free(db->host);
    free(db->dbname);
    free(db->user);
    free(db->visibility);
    free(db->deletes);
}

static bool add_database(conf_config *c, const char *alias, const char *value, char *err,
                         size_t errlen)
{
    for (int i = 0; i < c->ndbs; i++)
        if (strcmp(c->dbs[i].alias, alias) == 0)
            return fail(err, errlen, "database '%s' is defined twice", alias);
    c->dbs = mem_realloc(c->dbs, (size_t)(c->ndbs + 1) * sizeof *c->dbs);
    conf_db *db = &c->dbs[c->ndbs];
    *db = (conf_db){
        .alias = mem_strdup(alias), .port = 5432, .sslmode = -1, .max_db_connections = -1};
    bool ok = parse_conn_string(db, value, err, errlen);
    if (ok && !db->host)
        db->host = mem_strdup("127.0.0.1");
    if (!ok)
        free_db(db);
    c->ndbs += ok;
    return ok;
}

/* ---- the INI callback and the whole file --------------------------------------------- */

static bool on_line(void *ctx, const char *section, const char *key, const char *value, char *err,
                    size_t errlen)
{
    conf_config *c = ctx;
    if (!key) {
        static const char *const known[] = {"tombstone", "databases", "softdelete"};
        for (size_t i = 0; i < 3; i++)
            if (strcmp(section, known[i]) == 0)
                return true;
        return fail(err, errlen, "unknown section [%s]", section);
    }
    if (strcmp(section, "databases") == 0)
        return add_database(c, key, value, err, errlen);
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
        if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0)
            return apply_setting(c, &settings[i], value, err, errlen);
    return fail(err, errlen, "unknown setting '%s' in [%s]", key, section);
}

/* A TLS mode needs its files: a certificate and key to offer clients; a CA to check
 * certificates with (for servers, the system's CAs serve when none is set). */
static bool check_tls(const char *name, const conf_config *c, char *err, size_t errlen)
{
    const conf_tls *t = &c->client_tls;
    if (t->sslmode != CONF_SSL_DISABLE && (!t->key_file || !t->cert_file))
        return fail(err, errlen,
                    "%s: client_tls_sslmode = %s needs client_tls_key_file and "
                    "client_tls_cert_file",
                    name, sslmodes[t->sslmode]);
    if (t->sslmode >= CONF_SSL_VERIFY_CA && !t->ca_file)
        return fail(err, errlen,
                    "%s: client_tls_sslmode = %s needs client_tls_ca_file (the CA that signs "
                    "client certificates)",
                    name, sslmodes[t->sslmode]);
    if (!c->server_tls.key_file != !c->server_tls.cert_file)
        return fail(err, errlen, "%s: server_tls_key_file and server_tls_cert_file go together",
                    name);
    return true;
}

/* What no single line can be judged on. */
static bool check_whole(const char *name, const conf_config *c, char *err, size_t errlen)
{
    if (!check_tls(name, c, err, errlen))
        return false;
    if (c->ndbs == 0)
        return fail(err, errlen, "%s: no [databases] entry: clients could connect to nothing",
                    name);
    if (c->columns.n == 0)
        return fail(err, errlen, "%s: [softdelete] columns is empty", name);
    if (c->listen_addr.n == 0 && !c->unix_socket_dir)
        return fail(err, errlen, "%s: neither listen_addr nor unix_socket_dir is set", name);
    if (c->admin_auth_db && !conf_find_db(c, c->admin_auth_db))
        return fail(err, errlen, "%s: admin_auth_db '%s' is no [databases] entry", name,
                    c->admin_auth_db);
    if (c->metrics_port && !c->metrics_addr)
        return fail(err, errlen, "%s: metrics_port is set but metrics_addr is empty", name);
    return true;
}

static void set_defaults(conf_config *c)
{
    *c = (conf_config){
        .listen_port = 6432,
        .max_client_conn = 10000,
        .shutdown_timeout = 30,
        .server_connect_timeout = 15,
        .log_level = CONF_LOG_INFO,
        .rewrite_cache_mb = 64,
        .schema_refresh = 60,
        .catalog_wait_timeout = 15,
        .epoch_interval = 1,
        .client_tls = {.sslmode = CONF_SSL_DISABLE, .protocols = CONF_TLS_V1_2 | CONF_TLS_V1_3},
        .server_tls = {.sslmode = CONF_SSL_PREFER, .protocols = CONF_TLS_V1_2 | CONF_TLS_V1_3},
        .client_login_timeout = 60,
        .tcp_keepalive = true,
        .max_packet_size = CONF_MAX_PACKET,
    };
    parse_list("127.0.0.1", &c->listen_addr);
    c->metrics_addr = mem_strdup("127.0.0.1");
    parse_list("deleted_at", &c->columns);
}

static void free_tls(conf_tls *t)
{
    free(t->key_file);
    free(t->cert_file);
    free(t->ca_file);
    free(t->ciphers);
}

bool conf_parse(const char *name, const char *text, conf_config *out, char *err, size_t errlen)
{
    set_defaults(out);
    bool ok = conf_ini_parse(name, text, on_line, out, err, errlen) &&
              check_whole(name, out, err, errlen);
    if (!ok)
        conf_free(out);
    return ok;
}

bool conf_load(const char *path, conf_config *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char chunk[4096];
    size_t n;
    while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    bool read_ok = mem && !ferror(f);
    fclose(f);
    if (mem)
        fclose(mem);
    bool ok = read_ok && conf_parse(path, text, out, err, errlen);
    if (!read_ok)
        snprintf(err, errlen, "%s: could not read the file", path);
    free(text);
    return ok;
}

void conf_free(conf_config *c)
{
    free_list(&c->listen_addr);
    free(c->unix_socket_dir);
    free(c->pidfile);
    free(c->logfile);
    for (int i = 0; i < c->ndbs; i++)
        free_db(&c->dbs[i]);
    free(c->dbs);
    free_list(&c->columns);
    free_list(&c->include);
    free_list(&c->exclude);
    free_tls(&c->client_tls);
    free_tls(&c->server_tls);
    free_list(&c->admin_users);
    free_list(&c->stats_users);
    free(c->admin_auth_db);
    free(c->metrics_addr);
    *c = (conf_config){0};
}

const conf_db *conf_find_db(const conf_config *c, const char *name)
{
    const conf_db *fallback = NULL;
    for (int i = 0; i < c->ndbs; i++) {
        if (strcmp(c->dbs[i].alias, name) == 0)
            return &c->dbs[i];
        if (strcmp(c->dbs[i].alias, "*") == 0)
            fallback = &c->dbs[i];
    }
    return fallback;
}

conf_sslmode conf_db_sslmode(const conf_config *c, const conf_db *db)
{
    return db->sslmode >= 0 ? (conf_sslmode)db->sslmode : c->server_tls.sslmode;
}

int conf_db_max_connections(const conf_config *c, const conf_db *db)
{
    return db->max_db_connections >= 0 ? db->max_db_connections : c->max_db_connections;
}

const char *conf_sslmode_name(conf_sslmode mode)
{
    return sslmodes[mode];
}

const char *conf_log_level_name(conf_log_level level)
{
    return log_levels[level];
}

static bool same_string(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_list(const conf_list *a, const conf_list *b)
{
    bool same = a->n == b->n;
    for (int i = 0; same && i < a->n; i++)
        same = strcmp(a->items[i], b->items[i]) == 0;
    return same;
}

bool conf_softdelete_changed(const conf_config *a, const conf_config *b)
{
    return !same_list(&a->columns, &b->columns) || !same_list(&a->include, &b->include) ||
           !same_list(&a->exclude, &b->exclude);
}

/* Appends a name to the comma-separated list in out. */
static void note_name(char *out, size_t outlen, const char *name)
{
    size_t used = strlen(out);
    if (used < outlen)
        snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", name);
}

bool conf_restart_needed(const conf_config *running, const conf_config *loaded, int capacity,
                         char *out, size_t outlen)
{
    const struct {
        const char *name;
        bool same;
    } checks[] = {
        {"listen_addr", same_list(&running->listen_addr, &loaded->listen_addr)},
        {"listen_port", running->listen_port == loaded->listen_port},
        {"unix_socket_dir", same_string(running->unix_socket_dir, loaded->unix_socket_dir)},
        {"so_reuseport", running->so_reuseport == loaded->so_reuseport},
        {"workers", running->workers == loaded->workers},
        {"pidfile", same_string(running->pidfile, loaded->pidfile)},
        {"rewrite_cache_mb", running->rewrite_cache_mb == loaded->rewrite_cache_mb},
        {"max_client_conn (above its value at start)", loaded->max_client_conn <= capacity},
    };
    if (outlen)
        out[0] = 0;
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++)
        if (!checks[i].same)
            note_name(out, outlen, checks[i].name);
    return outlen && out[0];
}

bool conf_list_has(const conf_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], name) == 0)
            return true;
    return false;
}

const char *conf_admin_auth_db(const conf_config *c)
{
    if (c->admin_auth_db)
        return c->admin_auth_db;
    return strcmp(c->dbs[0].alias, "*") == 0 ? "postgres" : c->dbs[0].alias;
}

/* ---- settings as text (SHOW CONFIG) ----------------------------------------------------- */

static void list_text(const conf_list *l, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < l->n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", l->items[i]);
}

static void protocols_text(int bits, char *out, size_t len)
{
    static const char *const names[] = {"tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3"};
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < 4 && used < len; i++)
        if (bits & (1 << i))
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", names[i]);
}

bool conf_setting(const conf_config *c, int i, const char **section, const char **key, char *value,
                  size_t len)
{
    if (i < 0 || (size_t)i >= sizeof settings / sizeof *settings)
        return false;
    const setting *s = &settings[i];
    const void *field = (const char *)c + s->offset;
    *section = s->section;
    *key = s->key;
    switch (s->type) {
    case T_STR:
        snprintf(value, len, "%s", *(char *const *)field ? *(char *const *)field : "");
        break;
    case T_INT:
        snprintf(value, len, "%d", *(const int *)field);
        break;
    case T_BOOL:
        snprintf(value, len, "%d", *(const bool *)field);
        break;
    case T_SECONDS:
        snprintf(value, len, "%g", *(const double *)field);
        break;
    case T_LOGLEVEL:
        snprintf(value, len, "%s", log_levels[*(const conf_log_level *)field]);
        break;
    case T_LOGFORMAT:
        snprintf(value, len, "%s",
                 *(const conf_log_format *)field == CONF_LOG_JSON ? "json" : "text");
        break;
    case T_LIST:
    case T_TABLES:
        list_text(field, value, len);
        break;
    case T_SSLMODE:
        snprintf(value, len, "%s", sslmodes[*(const int *)field]);
        break;
    case T_PROTOCOLS:
        protocols_text(*(const int *)field, value, len);
        break;
    }
    return true;
}
