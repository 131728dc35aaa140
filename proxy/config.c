/* proxy/config.c — loading a configuration and resolving its upstreams. */
#include "proxy/config.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/mem.h"

config *config_load(const char *path, char *err, size_t errlen)
{
    config *c = mem_zalloc(sizeof *c);
    c->refs = 1;
    if (!conf_load(path, &c->cfg, err, errlen)) {
        free(c);
        return NULL;
    }
    c->upstream = mem_array((size_t)c->cfg.ndbs, sizeof *c->upstream);
    if (c->cfg.client_tls.sslmode != CONF_SSL_DISABLE)
        c->accepting = tls_ctx_accepting(&c->cfg.client_tls, path, err, errlen);
    if (c->cfg.client_tls.sslmode == CONF_SSL_DISABLE || c->accepting)
        c->connecting = tls_ctx_connecting(&c->cfg.server_tls, path, err, errlen);
    if (!c->connecting) {
        config_unref(c);
        return NULL;
    }
    for (int i = 0; i < c->cfg.ndbs; i++) {
        const conf_db *db = &c->cfg.dbs[i];
        char why[256];
        if (!net_resolve(db->host, db->port, &c->upstream[i], why, sizeof why)) {
            snprintf(err, errlen, "%s: database '%s': %s", path, db->alias, why);
            config_unref(c);
            return NULL;
        }
    }
    return c;
}

config *config_ref(config *c)
{
    c->refs++;
    return c;
}

void config_unref(config *c)
{
    if (--c->refs > 0)
        return;
    conf_free(&c->cfg);
    free(c->upstream);
    tls_ctx_free(c->accepting);
    tls_ctx_free(c->connecting);
    free(c);
}

const net_addr *config_upstream(const config *c, const conf_db *db)
{
    return &c->upstream[db - c->cfg.dbs];
}
