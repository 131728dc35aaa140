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

/* The upstream address of a [databases] entry of this configuration. */
const net_addr *config_upstream(const config *c, const conf_db *db);

#endif
