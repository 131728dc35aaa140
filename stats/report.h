/* stats/report.h — everything the console's SHOW commands and the Prometheus page say about
 * the process, gathered at one moment. The edge fills it from its sessions, catalogs, cache
 * and /proc (proxy/report.c); pure cores render it (admin/show.c, stats/prometheus.c), so
 * what is shown is tested without sockets. Strings are borrowed from what the report was
 * gathered from: a report lives within the event callback that made it. */
#ifndef ST_REPORT_H
#define ST_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "rewrite/cache.h"
#include "rewrite/snapshot.h"
#include "stats/stats.h"

/* What a client is doing, as SHOW CLIENTS and tombstone_clients say it. */
typedef enum {
    ST_CLIENT_LOGIN,   /* connecting, TLS, authentication */
    ST_CLIENT_ACTIVE,  /* a statement of its is running (or waits in the proxy) */
    ST_CLIENT_IDLE,    /* nothing running, outside a transaction block */
    ST_CLIENT_IDLE_TX, /* nothing running, inside a transaction block */
    ST_CLIENT_WAITING, /* its next statement waits: for a catalog snapshot, or a PAUSE */
    ST_CLIENT_STATES
} st_client_state;

/* "login", "active", "idle", "idle in transaction", "waiting" */
const char *st_client_state_name(st_client_state s);
/* The same as a Prometheus label value: "login", "active", "idle", "idle_in_transaction",
 * "waiting". */
const char *st_client_state_label(st_client_state s);

typedef struct {
    const char *peer, *database, *user; /* database and user NULL before the startup packet */
    st_client_state state;
    const char *wait;   /* with ST_CLIENT_WAITING: "catalog" or "pause" */
    bool console;       /* a session of the admin console */
    bool tls;           /* the client is on TLS */
    double connected;   /* seconds since it connected */
    const char *server; /* the upstream's address, NULL while there is none */
    bool server_tls;
    uint32_t server_pid; /* 0 until the server sent it */
    uint64_t bytes_in, bytes_out;
} st_report_client;

typedef struct {
    const char *name;
    st_db totals; /* its counters, with the bytes of its live sessions added */
    int clients[ST_CLIENT_STATES];
    bool paused;
} st_report_db;

typedef struct {
    const char *name;            /* "upstream/dbname" */
    const rw_snapshot *snapshot; /* NULL before the first load */
    double age;                  /* seconds since the last load (-1: none yet) */
    uint64_t loads, failures;    /* loads finished, and failed */
    bool stale;                  /* DDL or REFRESH SCHEMA asked for a new read */
} st_report_catalog;

typedef struct {
    double start_time;           /* Unix time the process started */
    double cpu_user, cpu_system; /* seconds */
    uint64_t rss_bytes;
    int open_fds;
    long max_fds;
} st_report_process;

typedef struct {
    const char *version;
    double uptime; /* seconds */
    st_report_process process;
    rw_cache_stats cache;
    bool paused_all; /* PAUSE without a database */
    int ndbs, ncatalogs, nclients;
    /* clients in no database's row (logging in, the console), by state: with the rows' own
     * counts, every client once (the rows may hold other workers' clients too) */
    int unattached[ST_CLIENT_STATES];
    st_report_db *dbs; /* by name, in the order first met */
    st_report_catalog *catalogs;
    st_report_client *clients;
    rw_map names; /* database name → index + 1 in dbs */
} st_report;

/* The row of database `name`, added (zeroed) when missing. */
st_report_db *st_report_db_of(st_report *r, const char *name);
st_report_catalog *st_report_add_catalog(st_report *r);
st_report_client *st_report_add_client(st_report *r);
/* Frees the arrays (not what they borrow). */
void st_report_free(st_report *r);

#endif
