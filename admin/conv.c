/* admin/conv.c — the conversation with a console client (see admin.h): the simple query
 * protocol, and the extended one as drivers use it (one command per statement, no
 * parameters). */
#include "admin/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/show.h"
#include "common/mem.h"

/* A prepared statement or a portal: its name (the map's key) and its command. */
typedef struct {
    adm_command cmd;
    char name[];
} named;

void adm_conv_init(adm_conv *c, adm_role role, const adm_ops *ops, void *owner)
{
    *c = (adm_conv){.role = role, .ops = ops, .owner = owner};
}

static void free_named(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    free(value);
}

void adm_conv_free(adm_conv *c)
{
    rw_map_each(&c->statements, free_named, NULL);
    rw_map_each(&c->portals, free_named, NULL);
    rw_map_free(&c->statements);
    rw_map_free(&c->portals);
}

static void forget(rw_map *m, const char *name)
{
    const char *key;
    free(rw_map_remove(m, name, strlen(name), &key));
}

static void remember(rw_map *m, const char *name, const adm_command *cmd)
{
    forget(m, name);
    size_t len = strlen(name);
    named *n = mem_alloc(sizeof *n + len + 1);
    n->cmd = *cmd;
    memcpy(n->name, name, len + 1);
    rw_map_put(m, n->name, len, n);
}

static const adm_command *lookup(const rw_map *m, const char *name)
{
    const named *n = rw_map_get(m, name, strlen(name));
    return n ? &n->cmd : NULL;
}

static void send_error(const adm_error *err, proto_buf *out)
{
    proto_build_error(out, "ERROR", err->sqlstate, err->message);
}

/* Runs a parsed command: its rows (with their RowDescription when `describe`) and its
 * CommandComplete, or its error. A SHOW is built aside, so that a failure sends no half
 * row set. Returns false when the command answers later (ADM_LATER). */
static bool run(adm_conv *c, const adm_command *cmd, bool describe, proto_buf *out)
{
    adm_error err = {0};
    if (cmd->kind == ADM_EMPTY) {
        proto_build_empty(out, PROTO_BE_EMPTY_QUERY);
        return true;
    }
    if (!adm_allowed(cmd->kind, c->role, &err)) {
        send_error(&err, out);
        return true;
    }
    proto_buf rows = {0};
    adm_table t;
    int ncols = 0;
    const proto_column *cols = adm_columns(cmd->kind, &ncols);
    adm_table_begin(&t, &rows, cols, ncols, describe && ncols > 0);
    adm_status st = c->ops->run(c->owner, cmd, &t, &err);
    if (st == ADM_OK) {
        adm_table_end(&t, adm_tag(cmd->kind));
        proto_buf_put(out, rows.data, rows.len);
    } else if (st == ADM_FAILED) {
        send_error(&err, out);
    } else {
        c->waiting = true;
        c->waiting_kind = cmd->kind;
    }
    proto_buf_free(&rows);
    return st != ADM_LATER;
}

/* The text of a Query (NUL-terminated inside the message), or NULL. */
static const char *query_text(const proto_msg *m)
{
    if (m->len <= PROTO_HDR_LEN || m->data[m->len - 1] != 0)
        return NULL;
    const char *text = (const char *)m->data + PROTO_HDR_LEN;
    return strlen(text) + 1 == m->len - PROTO_HDR_LEN ? text : NULL;
}

static void on_query(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    const char *text = query_text(m);
    adm_command cmd;
    adm_error err = {.sqlstate = "08P01", .message = "malformed Query message"};
    if (text && adm_parse(text, &cmd, &err)) {
        if (!run(c, &cmd, true, out)) {
            c->ready_after = true;
            return;
        }
    } else {
        send_error(&err, out);
    }
    proto_build_ready(out, 'I');
}

/* An error in an extended batch: the rest of it is skipped, up to the Sync. */
static void batch_error(adm_conv *c, const adm_error *err, proto_buf *out)
{
    send_error(err, out);
    c->skipping = true;
}

static void on_parse(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    proto_parse_fields p;
    adm_command cmd;
    adm_error err = {.sqlstate = "08P01", .message = "malformed Parse message"};
    if (!proto_read_parse(m->data, m->len, &p) || memchr(p.query, 0, p.query_len) ||
        p.query[p.query_len] != 0) {
        batch_error(c, &err, out);
        return;
    }
    if (p.nparams > 0 || !adm_parse(p.query, &cmd, &err)) {
        if (p.nparams > 0)
            err = (adm_error){"42P02", "console commands take no parameters"};
        batch_error(c, &err, out);
        return;
    }
    remember(&c->statements, p.name, &cmd);
    proto_build_empty(out, PROTO_BE_PARSE_COMPLETE);
}

static void on_bind(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    const char *portal, *stmt;
    adm_error err = {.sqlstate = "08P01", .message = "malformed Bind message"};
    if (!proto_read_bind_names(m->data, m->len, &portal, &stmt)) {
        batch_error(c, &err, out);
        return;
    }
    const adm_command *cmd = lookup(&c->statements, stmt);
    if (!cmd) {
        err = (adm_error){.sqlstate = "26000"};
        snprintf(err.message, sizeof err.message, "prepared statement \"%.100s\" does not exist",
                 stmt);
        batch_error(c, &err, out);
        return;
    }
    remember(&c->portals, portal, cmd);
    proto_build_empty(out, PROTO_BE_BIND_COMPLETE);
}

static void describe(const adm_command *cmd, proto_buf *out)
{
    int n = 0;
    const proto_column *cols = adm_columns(cmd->kind, &n);
    if (n > 0)
        proto_build_row_description(out, cols, n);
    else
        proto_build_empty(out, PROTO_BE_NO_DATA);
}

/* Describe and Close name a statement ('S') or a portal ('P'). */
static const adm_command *target(adm_conv *c, const proto_msg *m, char *kind, const char **name)
{
    if (!proto_read_target(m->data, m->len, kind, name))
        return NULL;
    return lookup(*kind == 'S' ? &c->statements : &c->portals, *name);
}

static void on_describe(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    char kind;
    const char *name = "";
    const adm_command *cmd = target(c, m, &kind, &name);
    if (!cmd) {
        adm_error err = {.sqlstate = kind == 'S' ? "26000" : "34000"};
        snprintf(err.message, sizeof err.message, "%s \"%.100s\" does not exist",
                 kind == 'S' ? "prepared statement" : "portal", name);
        batch_error(c, &err, out);
        return;
    }
    if (kind == 'S')
        proto_build_no_parameters(out);
    describe(cmd, out);
}

static void on_execute(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    const char *portal;
    uint32_t max_rows;
    const adm_command *cmd = NULL;
    if (proto_read_execute(m->data, m->len, &portal, &max_rows))
        cmd = lookup(&c->portals, portal);
    if (!cmd) {
        adm_error err = {.sqlstate = "34000", .message = "portal does not exist"};
        batch_error(c, &err, out);
        return;
    }
    adm_command copy = *cmd; /* the command may forget it while it waits */
    if (!run(c, &copy, false, out))
        c->ready_after = false;
}

static void on_close(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    char kind;
    const char *name;
    if (target(c, m, &kind, &name))
        forget(kind == 'S' ? &c->statements : &c->portals, name);
    proto_build_empty(out, PROTO_BE_CLOSE_COMPLETE);
}

void adm_conv_message(adm_conv *c, const proto_msg *m, proto_buf *out)
{
    if (c->skipping && m->type != PROTO_FE_SYNC && m->type != PROTO_FE_TERMINATE)
        return;
    switch (m->type) {
    case PROTO_FE_QUERY:
        on_query(c, m, out);
        break;
    case PROTO_FE_PARSE:
        on_parse(c, m, out);
        break;
    case PROTO_FE_BIND:
        on_bind(c, m, out);
        break;
    case PROTO_FE_DESCRIBE:
        on_describe(c, m, out);
        break;
    case PROTO_FE_EXECUTE:
        on_execute(c, m, out);
        break;
    case PROTO_FE_CLOSE:
        on_close(c, m, out);
        break;
    case PROTO_FE_SYNC:
        c->skipping = false;
        rw_map_each(&c->portals, free_named, NULL); /* portals end with the transaction */
        rw_map_free(&c->portals);
        proto_build_ready(out, 'I');
        break;
    case PROTO_FE_FLUSH:
        break;
    case PROTO_FE_TERMINATE:
        c->terminated = true;
        break;
    default: {
        adm_error err = {.sqlstate = "0A000"};
        snprintf(err.message, sizeof err.message,
                 "the console does not take message type '%c' (COPY, function calls)", m->type);
        batch_error(c, &err, out);
        break;
    }
    }
}

void adm_conv_finish(adm_conv *c, const adm_error *err, proto_buf *out)
{
    c->waiting = false;
    if (err)
        send_error(err, out);
    else
        proto_build_command_complete(out, adm_tag(c->waiting_kind));
    if (c->ready_after)
        proto_build_ready(out, 'I');
    c->ready_after = false;
}
