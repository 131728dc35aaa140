/* shared/shared.h — what the workers of one proxy share (`workers = N`: N processes, each
 * its own event loop on the same port). Pure code over one block of memory that the edge maps
 * shared before forking (proxy/workers.c); nothing here touches a socket, a clock or a
 * signal, so it is tested on plain memory.
 *
 * - Catalogs: per upstream database, a generation that DDL (or a moved catalog epoch) seen
 *   by any worker bumps, and a count of DDL statements that may be committing right now.
 *   Every worker reads both before it rewrites a statement: a snapshot read before the last
 *   bump is stale, and while DDL may be committing statements wait (proxy/session.c).
 * - The handshake that closes the gap between a worker's check and its send: a worker is
 *   `active` from its first check in an event until what that event produced is sent; a
 *   worker that begins committing DDL waits (a few microseconds) until every other active
 *   worker has finished the event it was in, so a statement rewritten before the DDL began is
 *   handed to the kernel before the DDL is (Dekker's pairing: each side writes its flag, then
 *   reads the other's).
 * - Clients: the count against max_client_conn (global), and per client its server's cancel
 *   key and address (a CancelRequest may reach any worker) and its database and user (for
 *   max_db_connections and max_user_connections, global too).
 * When a worker dies, shared_worker_reset takes back what it held. */
#ifndef SHARED_SHARED_H
#define SHARED_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stats/report.h"

typedef struct shared_region shared_region;

/* Databases followed at once; more share one slot (more refreshes, never fewer). */
#define SHARED_DBS 1024

/* The bytes a region for `workers` workers of `capacity` clients each needs. */
size_t shared_size(int workers, int capacity);
/* Lays a region out in zeroed memory of shared_size bytes. */
shared_region *shared_init(void *mem, int workers, int capacity);
int shared_workers(const shared_region *r);
int shared_capacity(const shared_region *r);

/* A 64-bit hash of a name (never 0). */
uint64_t shared_hash(const char *s);

/* ---- catalogs ---------------------------------------------------------------------------- */

/* The slot of the database named key ("upstream/dbname"), claimed on first use. */
int shared_db_slot(shared_region *r, const char *key);
/* Moves with every shared_db_changed: a snapshot read before a change is stale. */
uint64_t shared_db_generation(const shared_region *r, int slot);
void shared_db_changed(shared_region *r, int slot);
/* DDL that may commit is on its way (begin) until its answer (end). */
void shared_ddl_begin(shared_region *r, int worker, int slot);
void shared_ddl_end(shared_region *r, int worker, int slot);
bool shared_ddl_running(const shared_region *r, int slot);

/* The handshake. A worker calls shared_enter before it reads the catalog state for a
 * statement it will send, and shared_leave once its event has sent what it produced. After
 * shared_ddl_begin, the worker calls shared_quiesce_start, then shared_quiesced until true
 * (yielding the CPU in between), then shared_quiesce_end; `seen` has shared_workers entries.
 * Two workers beginning DDL at once do not wait for each other. */
void shared_enter(shared_region *r, int worker);
void shared_leave(shared_region *r, int worker);
void shared_quiesce_start(shared_region *r, int worker, uint64_t *seen);
bool shared_quiesced(const shared_region *r, int worker, const uint64_t *seen);
void shared_quiesce_end(shared_region *r, int worker);

/* ---- clients ------------------------------------------------------------------------------ */

/* A new client of this worker, if fewer than max_clients are connected to all workers: its
 * slot, or -1. */
int shared_client_add(shared_region *r, int worker, int max_clients);
void shared_client_remove(shared_region *r, int worker, int slot);
int shared_clients(const shared_region *r);

/* The client's server told its cancel key: a CancelRequest with it goes to addr. */
void shared_client_key(shared_region *r, int worker, int slot, uint32_t pid, uint32_t key,
                       const struct sockaddr_storage *addr, socklen_t len);
/* The server of the client, on any worker, whose server has this key; false when none. */
bool shared_cancel_find(const shared_region *r, uint32_t pid, uint32_t key,
                        struct sockaddr_storage *addr, socklen_t *len);

typedef enum { SHARED_ADMITTED, SHARED_DB_FULL, SHARED_USER_FULL } shared_admission;
/* May the client log in to this database as this user (name hashes), with these limits
 * (0: none)? If so it counts against them until it is removed. */
shared_admission shared_admit(shared_region *r, int worker, int slot, uint64_t db, int db_max,
                              uint64_t user, int user_max);

/* ---- statistics ---------------------------------------------------------------------------- */

/* Databases whose statistics a worker publishes; a worker serving more counts the others
 * only in its own console and metrics. */
#define SHARED_STAT_DBS 64
#define SHARED_STAT_NAME 64

/* One database's row as a worker published it: its counters (with its live sessions' bytes)
 * and its clients by state. Names longer than SHARED_STAT_NAME - 1 bytes are cut. */
typedef struct {
    char name[SHARED_STAT_NAME];
    st_db totals; /* totals.name is not set */
    int clients[ST_CLIENT_STATES];
} shared_stat;

/* Publishes the per-database rows of this worker's report (its own sessions and counters),
 * replacing what it published before; `request` is the newest request it answers. */
void shared_stats_publish(shared_region *r, int worker, const st_report *rep, uint64_t request);
/* A console command or a scrape wants every worker's rows as of now: returns the request's
 * number; the workers, woken, publish and answer it (shared_stats_answered). */
uint64_t shared_stats_request(shared_region *r);
/* The newest request. */
uint64_t shared_stats_requested(const shared_region *r);
/* Has every other worker (but dead ones) published since the request? */
bool shared_stats_answered(const shared_region *r, int worker, uint64_t request);
/* Copies what every other worker published last into out (room for max rows); returns the
 * number of rows. A row being rewritten while it is read is read again. */
int shared_stats_others(const shared_region *r, int worker, shared_stat *out, int max);
/* Adds rows (of shared_stats_others) to a report: the counters and client counts of each
 * database; names are borrowed from rows, which must outlive the report. */
void shared_stats_add(st_report *rep, const shared_stat *rows, int n);

/* ---- PAUSE and RESUME ------------------------------------------------------------------------
 *
 * The console's PAUSE holds every worker's new statements: the databases paused are here;
 * each worker, told by its wake-up descriptor, reads them (its `version`), counts its
 * statements still running in a paused database and acknowledges both; the PAUSE is
 * answered once every worker has acknowledged the newest version with none running. */

/* Databases paused one by one at once (PAUSE without a name pauses all of them). */
#define SHARED_PAUSES 16

/* PAUSE of database db ("" for all): false when SHARED_PAUSES are paused already. */
bool shared_pause(shared_region *r, const char *db);
/* RESUME of database db ("" for all, and every one paused by name). */
void shared_resume(shared_region *r, const char *db);
/* Moves with every PAUSE and RESUME. */
uint64_t shared_pause_version(const shared_region *r);
/* What is paused: *all, and the names (up to max), their number returned. */
int shared_paused(shared_region *r, bool *all, char (*names)[SHARED_STAT_NAME], int max);
/* This worker has seen `version` and has `running` statements in paused databases. */
void shared_pause_ack(shared_region *r, int worker, uint64_t version, int running);
/* Has every worker acknowledged `version` with no statement running? */
bool shared_pause_settled(const shared_region *r, uint64_t version);

/* ---- a worker that died ------------------------------------------------------------------- */

/* Takes back its clients and its DDL counts (DDL it had on its way may have committed: those
 * databases' generations move), and its handshake state. */
void shared_worker_reset(shared_region *r, int worker);

#endif
