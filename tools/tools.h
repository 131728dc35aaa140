/* tools/tools.h — the commands that talk to a database directly rather than serve clients
 * (`install`, `rewrite`, `check`, `purge`), and what they share: which [databases] entry to
 * reach, connecting to it with libpq, reading rows and the catalog snapshot. */
#ifndef TOOLS_TOOLS_H
#define TOOLS_TOOLS_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "common/mem.h"
#include "conf/conf.h"
#include "rewrite/snapshot.h"

typedef struct {
    const char *config; /* -c FILE */
    const char *alias;  /* -d ALIAS: a [databases] name (for "*", the database's own name) */
    const char *user;   /* -U USER, else the entry's user, else libpq's default */
} tools_target;

/* The long forms of -c, -d and -U, for a command's getopt_long table. */
#define TOOLS_TARGET_OPTIONS                                                                       \
    {"config", required_argument, NULL, 'c'}, {"database", required_argument, NULL, 'd'},          \
    {                                                                                              \
        "user", required_argument, NULL, 'U'                                                       \
    }

/* Takes one of the options -c, -d, -U; false (with a message) for any other. */
bool tools_target_option(tools_target *t, int opt, const char *arg);
/* Connects to the database behind the alias; NULL after printing why. With cfg, the
 * configuration read is left there for the caller (who frees it with conf_free). */
PGconn *tools_connect(const tools_target *t, const char *command, conf_config *cfg);

/* Runs sql (with text parameters) and hands each row's fields (NULL for SQL NULL) to fn,
 * which returns false to stop; false after printing the error. */
typedef bool (*tools_row_fn)(void *arg, int nfields, const char *const *fields);
bool tools_rows(PGconn *conn, const char *command, const char *sql, int nparams,
                const char *const *params, tools_row_fn fn, void *arg);
/* The one value of a one-row query (malloc'd; "" for NULL), or NULL after printing the error. */
char *tools_value(PGconn *conn, const char *command, const char *sql, int nparams,
                  const char *const *params);
/* The catalog snapshot of the database as the proxy reads it: the same query (the
 * [softdelete] settings of cfg). NULL after printing why. */
rw_snapshot *tools_snapshot(PGconn *conn, const char *command, const conf_config *cfg);

int cmd_install(int argc, char **argv);
int cmd_rewrite(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_purge(int argc, char **argv);

#endif
