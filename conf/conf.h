/* conf/conf.h — tombstone's configuration: a PgBouncer-style INI file. Pure code: reading
 * and checking text, no sockets. Every error names the file and line. */
#ifndef CONF_CONF_H
#define CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_ERR_MAX 512

/* ---- the generic INI reader ------------------------------------------------------------ */

/* Called for each section header (key and value NULL) and each key = value line. Returns
 * false with a message in err (without the file:line, which the reader adds). */
typedef bool (*conf_ini_fn)(void *ctx, const char *section, const char *key, const char *value,
                            char *err, size_t errlen);

/* Parses INI text; `name` is the file name used in error messages. Comments start with ';'
 * or '#' at the start of a line or after white space. */
bool conf_ini_parse(const char *name, const char *text, conf_ini_fn fn, void *ctx, char *err,
                    size_t errlen);

/* ---- tombstone's settings -------------------------------------------------------------- */

typedef enum { CONF_LOG_ERROR, CONF_LOG_WARNING, CONF_LOG_INFO, CONF_LOG_DEBUG } conf_log_level;

/* One [databases] line: where clients asking for `alias` are sent. */
typedef struct {
    char *alias; /* "*" is the fallback for any other name */
    char *host;  /* an address, a host name, or a Unix socket directory (starts with '/') */
    int port;
    char *dbname;     /* NULL: the name the client asked for */
    char *user;       /* NULL: the user the client gave */
    char *visibility; /* tombstone.visibility for its sessions (live, all, deleted), or NULL */
    char *deletes;    /* tombstone.deletes (soft, hard), or NULL */
} conf_db;

typedef struct {
    int n;
    char **items;
} conf_list;

typedef struct {
    /* [tombstone] */
    conf_list listen_addr; /* addresses; "*" means all */
    int listen_port;
    char *unix_socket_dir; /* NULL: no Unix socket */
    int max_client_conn;
    double shutdown_timeout;       /* seconds SIGTERM waits for sessions to end */
    double server_connect_timeout; /* seconds */
    conf_log_level log_level;
    char *pidfile;
    bool so_reuseport;
    int rewrite_cache_mb; /* statement rewrites kept, in MiB */
    /* [databases] */
    int ndbs;
    conf_db *dbs;
    /* [softdelete] */
    conf_list columns;     /* marker column names, in preference order */
    conf_list include;     /* schema.table names: only these are soft-delete tables */
    conf_list exclude;     /* schema.table names never treated as soft-delete tables */
    double schema_refresh; /* seconds after which a catalog snapshot is read again; 0: never */
    double catalog_wait_timeout; /* seconds a statement waits for a snapshot being read */
    double epoch_interval;       /* seconds between reads of the catalog epoch; 0: never */
} conf_config;

/* Parses a whole configuration; on failure *out is left empty and err says why. */
bool conf_parse(const char *name, const char *text, conf_config *out, char *err, size_t errlen);
bool conf_load(const char *path, conf_config *out, char *err, size_t errlen);
void conf_free(conf_config *c);

/* The entry for a client's database name: the alias itself, else "*", else NULL. */
const conf_db *conf_find_db(const conf_config *c, const char *name);

#endif
