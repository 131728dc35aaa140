/* proxy/config.h — a loaded configuration (conf/) with its upstream addresses resolved.
 * Sessions hold a reference, so a reload (SIGHUP) never pulls a configuration from under a
 * live session. */
#ifndef PROXY_CONFIG_H
#define PROXY_CONFIG_H

#include <stddef.h>

#include "conf/conf.h"
#include "proxy/net.h"
#include "proxy/tls.h"

typedef struct {
    int refs;
    conf_config cfg;
    net_addr *upstream;  /* one per cfg.dbs entry */
    tls_ctx *accepting;  /* TLS to clients (client_tls_*), NULL when disabled */
    tls_ctx *connecting; /* TLS to servers (server_tls_*) */
} config;

/* Reads and checks the file, resolves the upstreams and loads the TLS certificates and keys
 * (so a SIGHUP reloads them: sessions keep the configuration they started with); NULL with
 * err set. */
config *config_load(const char *path, char *err, size_t errlen);
config *config_ref(config *c);
void config_unref(config *c);

/* Points the log at the configuration's logfile (reopening it: logrotate), log_format and
 * log_level (debug whatever it says when verbose). False, with the reason logged, when the
 * file cannot be opened: the log stays where it was. */
bool config_apply_log(const config *c, bool verbose);

/* Reads the file again for a running process (SIGHUP): NULL when it is bad (the reason is
 * logged and in err: nothing changes); else the new configuration, with the log switched to
 * its settings. When `report`, the reload is logged, with the settings that changed but apply
 * only at a restart (`capacity`: the max_client_conn of the start). */
config *config_reload(const char *path, const config *running, int capacity, bool verbose,
                      bool report, char *err, size_t errlen);

/* The upstream address of a [databases] entry of this configuration. */
const net_addr *config_upstream(const config *c, const conf_db *db);

#endif
