/* proxy/config.c — loading a configuration and resolving its upstreams. */
#include "proxy/config.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/mem.h"
#include "proxy/log.h"

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

bool config_apply_log(const config *c, bool verbose)
{
    char err[CONF_ERR_MAX];
    log_set_format(c->cfg.log_format);
    log_set_level(verbose ? CONF_LOG_DEBUG : c->cfg.log_level);
    if (log_open(c->cfg.logfile, err, sizeof err))
        return true;
    log_error("%s", err);
    return false;
}

config *config_reload(const char *path, const config *running, int capacity, bool verbose,
                      bool report, char *err, size_t errlen)
{
    config *c = config_load(path, err, errlen);
    if (!c) {
        log_error("reload failed, keeping the current configuration: %s", err);
        return NULL;
    }
    config_apply_log(c, verbose);
    char restart[CONF_ERR_MAX];
    if (report && conf_restart_needed(&running->cfg, &c->cfg, capacity, restart, sizeof restart))
        log_warning("%s: changed, but applies only after a restart: %s", path, restart);
    if (report)
        log_info("configuration reloaded from %s", path);
    return c;
}
