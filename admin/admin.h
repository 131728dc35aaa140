/* admin/admin.h — the admin console, as a pure core: what a console client may say, and the
 * conversation with it. A client connecting to the virtual database `tombstone` is served by
 * the proxy itself (proxy/session.c), PgBouncer style: commands answered with ordinary row
 * sets, over the simple query protocol and the extended one (Parse, Bind, Describe,
 * Execute, Sync: what drivers such as psycopg send), so psql and any driver can read them.
 * No sockets here: messages in, messages out; what a command does to the process is the
 * owner's (adm_ops.run). */
#ifndef ADM_ADMIN_H
#define ADM_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "admin/table.h"
#include "protocol/protocol.h"
#include "rewrite/map.h"

/* The name clients connect to for the console. */
#define ADM_DATABASE "tombstone"

typedef enum {
    ADM_EMPTY, /* an empty query: EmptyQueryResponse */
    ADM_SHOW_HELP,
    ADM_SHOW_STATS,
    ADM_SHOW_CLIENTS,
    ADM_SHOW_SERVERS,
    ADM_SHOW_DATABASES,
    ADM_SHOW_TABLES,
    ADM_SHOW_CACHE,
    ADM_SHOW_CONFIG,
    ADM_SHOW_VERSION,
    ADM_RELOAD,
    ADM_REFRESH_SCHEMA,
    ADM_PAUSE,
    ADM_RESUME,
    ADM_SHUTDOWN,
    ADM_KINDS
} adm_kind;

#define ADM_NAME_MAX 128

typedef struct {
    adm_kind kind;
    char arg[ADM_NAME_MAX]; /* the database it names ("": none) */
} adm_command;

/* Who the client is: users of admin_users may run everything, those of stats_users only the
 * SHOW commands. */
typedef enum { ADM_ROLE_STATS, ADM_ROLE_ADMIN } adm_role;

typedef struct {
    const char *sqlstate;
    char message[256];
} adm_error;

/* Parses one command: case-insensitive words, an optional database name (an identifier or a
 * "quoted" one) where the command takes one, white space and trailing semicolons. False
 * with err set (42601) when it is not a command. */
bool adm_parse(const char *text, adm_command *out, adm_error *err);

/* Does the command only read (a SHOW)? Only those return rows. */
bool adm_is_show(adm_kind kind);
/* May a client of this role run it? False with err set (42501) if not. */
bool adm_allowed(adm_kind kind, adm_role role, adm_error *err);
/* The CommandComplete tag of a command: "SHOW", "RELOAD", "PAUSE"... */
const char *adm_tag(adm_kind kind);

/* The commands, for SHOW HELP: i from 0 while it returns true. */
bool adm_help_line(int i, const char **syntax, const char **what);

/* ---- the conversation ------------------------------------------------------------------ */

typedef enum {
    ADM_OK,     /* done: a SHOW put its rows into the table */
    ADM_LATER,  /* the answer comes with adm_conv_finish (PAUSE waiting for statements) */
    ADM_FAILED, /* err says why */
} adm_status;

typedef struct {
    /* Runs a command the client may run: a SHOW puts its rows into t (begun with the
     * command's columns, adm_columns in admin/show.h). */
    adm_status (*run)(void *owner, const adm_command *cmd, adm_table *t, adm_error *err);
} adm_ops;

typedef struct {
    adm_role role;
    const adm_ops *ops;
    void *owner;
    rw_map statements, portals; /* name → adm_command (extended protocol) */
    bool skipping;              /* an error in an extended batch: skip to the Sync */
    bool waiting;               /* ADM_LATER: the answer is due (adm_conv_finish) */
    bool ready_after;           /* ... and a ReadyForQuery after it (it came in a Query) */
    adm_kind waiting_kind;
    bool terminated; /* the client sent Terminate */
} adm_conv;

void adm_conv_init(adm_conv *c, adm_role role, const adm_ops *ops, void *owner);
void adm_conv_free(adm_conv *c);

/* One complete message of the client's; the answer is appended to out. While
 * adm_conv_waiting the owner must hold the client's next messages. */
void adm_conv_message(adm_conv *c, const proto_msg *m, proto_buf *out);
static inline bool adm_conv_waiting(const adm_conv *c)
{
    return c->waiting;
}
/* The answer of the command that waited: its CommandComplete (or err), and the
 * ReadyForQuery of its Query. */
void adm_conv_finish(adm_conv *c, const adm_error *err, proto_buf *out);

#endif
