/* proxy/search_path.c — following the session's search_path. */
#include "proxy/search_path.h"

#include <stdlib.h>
#include <string.h>

#include "rewrite/schema.h"
#include "rewrite/search_path.h"

enum { MAX_SCHEMAS = 64 };

static void list_free(path_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (path_list){0};
}

static void list_set(path_list *l, const char *const *items, int n)
{
    path_list copy = {calloc((size_t)(n ? n : 1), sizeof(char *)), n};
    if (!copy.v)
        abort();
    for (int i = 0; i < n; i++)
        if (!(copy.v[i] = strdup(items[i])))
            abort();
    list_free(l);
    *l = copy;
}

static void list_copy(path_list *to, const path_list *from)
{
    if (to != from)
        list_set(to, (const char *const *)from->v, from->n);
}

void search_path_init(search_path *sp, const char *schemas, const char *user)
{
    *sp = (search_path){.user = strdup(user ? user : "")};
    size_t len = schemas ? strlen(schemas) : 0;
    char **items = calloc(len + 1, sizeof *items), *buf = malloc(len + 1);
    if (!items || !buf || !sp->user)
        abort();
    int n = rw_text_array_parse(schemas, items, (int)len + 1, buf);
    list_set(&sp->initial, (const char *const *)items, n);
    free(items);
    free(buf);
    list_copy(&sp->session, &sp->initial);
    list_copy(&sp->effective, &sp->initial);
    list_copy(&sp->idle, &sp->initial);
}

void search_path_set(search_path *sp, const char *value, bool local)
{
    path_list *target = local ? &sp->effective : &sp->session;
    if (!value) {
        list_copy(target, &sp->initial);
    } else {
        const char *items[MAX_SCHEMAS];
        char buf[4096];
        int n = rw_search_path_split(value, sp->user, items, MAX_SCHEMAS, buf, sizeof buf);
        list_set(target, items, n);
    }
    if (!local)
        list_copy(&sp->effective, &sp->session);
    sp->changed = true;
    sp->version++;
}

void search_path_error(search_path *sp)
{
    sp->failed = true;
}

void search_path_rollback(search_path *sp)
{
    sp->rolled_back = true;
}

void search_path_ready(search_path *sp, char tx_status)
{
    /* the flags hold until the transaction ends: a ROLLBACK may be parsed in one batch and
     * executed in the next (extended protocol) */
    if (tx_status == 'I' && sp->changed) {
        if (sp->failed || sp->rolled_back || sp->status == 'E')
            list_copy(&sp->session, &sp->idle);
        list_copy(&sp->idle, &sp->session);
        list_copy(&sp->effective, &sp->session);
        sp->changed = false;
        sp->version++;
    }
    if (tx_status == 'I')
        sp->failed = sp->rolled_back = false;
    sp->status = tx_status;
}

void search_path_free(search_path *sp)
{
    list_free(&sp->initial);
    list_free(&sp->session);
    list_free(&sp->effective);
    list_free(&sp->idle);
    free(sp->user);
}
