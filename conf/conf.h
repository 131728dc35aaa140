/* conf/conf.h — tombstone's configuration: a PgBouncer-style INI file. Pure code: reading
 * and checking text, no sockets. Every error names the file and line. */
#ifndef CONF_CONF_H
#define CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_ERR_MAX 512
/* max_packet_size: PostgreSQL accepts no message longer than 1 GB, and logins need a few kB */
#define CONF_MAX_PACKET 0x40000000
#define CONF_MIN_PACKET 1024

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

/* How a log line is written (log_format): readable text, or one JSON object per line. */
typedef enum { CONF_LOG_TEXT, CONF_LOG_JSON } conf_log_format;

/* TLS modes, PgBouncer's (and libpq's) names, weakest first. */
typedef enum {
    CONF_SSL_DISABLE,
    CONF_SSL_ALLOW,
    CONF_SSL_PREFER,
    CONF_SSL_REQUIRE,
    CONF_SSL_VERIFY_CA,
    CONF_SSL_VERIFY_FULL,
} conf_sslmode;

/* TLS protocol versions, as a set (client_tls_protocols, server_tls_protocols). */
enum {
    CONF_TLS_V1_0 = 1,
    CONF_TLS_V1_1 = 2,
    CONF_TLS_V1_2 = 4,
    CONF_TLS_V1_3 = 8,
};

/* One side's TLS settings. */
typedef struct {
    conf_sslmode sslmode;
    char *key_file, *cert_file, *ca_file; /* NULL: not set */
    int protocols;                        /* CONF_TLS_* bits */
    char *ciphers;                        /* OpenSSL syntax or a PgBouncer shortcut */
} conf_tls;

/* One [databases] line: where clients asking for `alias` are sent. */
typedef struct {
    char *alias; /* "*" is the fallback for any other name */
    char *host;  /* an address, a host name, or a Unix socket directory (starts with '/') */
    int port;
    char *dbname;     /* NULL: the name the client asked for */
    char *user;       /* NULL: the user the client gave */
    char *visibility; /* tombstone.visibility for its sessions (live, all, deleted), or NULL */
    char *deletes;    /* tombstone.deletes (soft, hard), or NULL */
    int sslmode;      /* a conf_sslmode, or -1: server_tls_sslmode */
    int max_db_connections; /* -1: the [tombstone] setting */
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
    char *logfile; /* NULL: stderr */
    conf_log_format log_format;
    char *pidfile;
    int workers; /* event loops (processes) on the listening port; 0: one per core */
    bool so_reuseport;
    int rewrite_cache_mb; /* statement rewrites kept, in MiB */
    conf_tls client_tls;  /* client_tls_*: clients to tombstone */
    conf_tls server_tls;  /* server_tls_*: tombstone to PostgreSQL */
    /* timeouts in seconds, 0: none (PgBouncer's names and meanings) */
    double client_login_timeout;     /* from accept to the end of authentication */
    double client_idle_timeout;      /* idle outside a transaction */
    double idle_transaction_timeout; /* idle inside a transaction */
    double query_timeout;            /* a statement's answer: the server query is canceled */
    bool tcp_keepalive;
    int tcp_keepidle, tcp_keepintvl, tcp_keepcnt; /* 0: the system's */
    /* limits, 0: none */
    int max_db_connections;   /* logged-in clients per [databases] entry */
    int max_user_connections; /* logged-in clients per user name */
    int max_packet_size;      /* the largest message length accepted, either way */
    /* the admin console (virtual database "tombstone") and the metrics */
    conf_list admin_users; /* may run every console command */
    conf_list stats_users; /* may run the SHOW commands */
    char *admin_auth_db;   /* the database a console login is relayed to; NULL: the first */
    char *metrics_addr;    /* Prometheus metrics over HTTP on this address ... */
    int metrics_port;      /* ... and port; 0: off */
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

/* The TLS mode of connections to this entry's server: its sslmode=, else server_tls_sslmode. */
conf_sslmode conf_db_sslmode(const conf_config *c, const conf_db *db);
/* The client limit of this entry: its max_db_connections=, else the [tombstone] one. */
int conf_db_max_connections(const conf_config *c, const conf_db *db);
const char *conf_sslmode_name(conf_sslmode mode);
const char *conf_log_level_name(conf_log_level level);

/* Do two configurations make different tables soft-delete ([softdelete] columns, include,
 * exclude)? Then every catalog snapshot must be read again. */
bool conf_softdelete_changed(const conf_config *a, const conf_config *b);

/* The settings that differ between a running configuration and a reloaded one but apply only
 * at a restart (listen addresses, workers, ...), as a comma-separated list of their names in
 * out (empty when none). `capacity` is the max_client_conn the process was started with: a
 * reload may lower the limit, not raise it above that (the table of clients is sized at
 * start). Returns true when the list is not empty. */
bool conf_restart_needed(const conf_config *running, const conf_config *loaded, int capacity,
                         char *out, size_t outlen);

/* The settings of [tombstone] and [softdelete] one by one (i from 0 while it returns true):
 * section, key, and the value as the file would give it (empty when not set). */
bool conf_setting(const conf_config *c, int i, const char **section, const char **key, char *value,
                  size_t len);

/* Is name one of the list's items? */
bool conf_list_has(const conf_list *l, const char *name);

/* The database name a console login is relayed to (admin_auth_db, routed like a client's
 * database name): admin_auth_db, else the first [databases] alias ("postgres" when that is
 * "*"). */
const char *conf_admin_auth_db(const conf_config *c);

#endif
