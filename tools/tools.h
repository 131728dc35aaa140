/* tools/tools.h — the commands that talk to a database directly rather than serve clients
 * (`install`), and what they share: which [databases] entry to reach, and connecting to it
 * with libpq. */
#ifndef TOOLS_TOOLS_H
#define TOOLS_TOOLS_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "conf/conf.h"

typedef struct {
    const char *config; /* -c FILE */
    const char *alias;  /* -d ALIAS: a [databases] name (for "*", the database's own name) */
    const char *user;   /* -U USER, else the entry's user, else libpq's default */
} tools_target;

/* Takes one of the options -c, -d, -U; false (with a message) for any other. */
bool tools_target_option(tools_target *t, int opt, const char *arg);
/* Connects to the database behind the alias; NULL after printing why. With cfg, the
 * configuration read is left there for the caller (who frees it with conf_free). */
PGconn *tools_connect(const tools_target *t, const char *command, conf_config *cfg);

int cmd_install(int argc, char **argv);

#endif
