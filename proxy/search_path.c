/* proxy/search_path.c — following what unqualified names mean. */
#include "proxy/search_path.h"

#include <stdlib.h>
#include <string.h>

#include "rewrite/search_path.h"

enum { MAX_SCHEMAS = 64 };

struct savepoint {
    savepoint *next; /* the one set before */
    char *name;
    names_state state;
};

static void list_free(path_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (path_list){0};
}

static void list_set(path_list *l, const char *const *items, int n)
{
    path_list copy = {calloc((size_t)n + 1, sizeof(char *)), n};
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

static void state_copy(names_state *to, const names_state *from)
{
    list_copy(&to->session, &from->session);
    list_copy(&to->effective, &from->effective);
    list_copy(&to->temp, &from->temp);
}

static void state_free(names_state *s)
{
    list_free(&s->session);
    list_free(&s->effective);
    list_free(&s->temp);
}

static void touched(search_path *sp)
{
    sp->changed = true;
    sp->version++;
}

/* Savepoints from the newest down to and without `keep` are dropped. */
static void drop_savepoints(search_path *sp, savepoint *keep)
{
    while (sp->savepoints != keep) {
        savepoint *p = sp->savepoints;
        sp->savepoints = p->next;
        state_free(&p->state);
        free(p->name);
        free(p);
    }
}

static savepoint *find_savepoint(search_path *sp, const char *name)
{
    for (savepoint *p = sp->savepoints; p; p = p->next)
        if (name && strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

void search_path_init(search_path *sp, const char *setting, const char *user)
{
    *sp = (search_path){.user = strdup(user ? user : "")};
    const char *items[MAX_SCHEMAS];
    char buf[4096];
    int n = rw_search_path_split(setting ? setting : "\"$user\", public", sp->user, items,
                                 MAX_SCHEMAS, buf, sizeof buf);
    list_set(&sp->initial, items, n);
    list_copy(&sp->now.session, &sp->initial);
    list_copy(&sp->now.effective, &sp->initial);
    state_copy(&sp->idle, &sp->now);
}

void search_path_set(search_path *sp, const char *value, bool local)
{
    path_list *target = local ? &sp->now.effective : &sp->now.session;
    if (!value) {
        list_copy(target, &sp->initial);
    } else {
        const char *items[MAX_SCHEMAS];
        char buf[4096];
        int n = rw_search_path_split(value, sp->user, items, MAX_SCHEMAS, buf, sizeof buf);
        list_set(target, items, n);
    }
    if (!local)
        list_copy(&sp->now.effective, &sp->now.session);
    touched(sp);
}

void search_path_temp_created(search_path *sp, const char *name)
{
    const char *items[MAX_SCHEMAS + 1];
    path_list *t = &sp->now.temp;
    int n = 0;
    for (int i = 0; i < t->n && n < MAX_SCHEMAS; i++)
        items[n++] = t->v[i];
    items[n++] = name;
    list_set(t, items, n);
    touched(sp);
}

void search_path_tables_dropped(search_path *sp, const char *names)
{
    path_list *t = &sp->now.temp;
    const char *items[MAX_SCHEMAS];
    int n = 0;
    size_t len;
    for (int i = 0; i < t->n && n < MAX_SCHEMAS; i++) {
        bool dropped = false;
        for (const char *p = names; *p; p += len + (p[len] == ',')) {
            len = strcspn(p, ",");
            dropped |= strlen(t->v[i]) == len && strncmp(t->v[i], p, len) == 0;
        }
        if (!dropped)
            items[n++] = t->v[i];
    }
    if (n != t->n) {
        list_set(t, items, n);
        touched(sp);
    }
}

void search_path_discard_temp(search_path *sp)
{
    list_free(&sp->now.temp);
    touched(sp);
}

void search_path_savepoint(search_path *sp, const char *name)
{
    savepoint *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(name ? name : "")))
        abort();
    state_copy(&p->state, &sp->now);
    p->next = sp->savepoints;
    sp->savepoints = p;
}

void search_path_release(search_path *sp, const char *name)
{
    savepoint *p = find_savepoint(sp, name);
    if (p)
        drop_savepoints(sp, p->next);
}

void search_path_rollback_to(search_path *sp, const char *name)
{
    savepoint *p = find_savepoint(sp, name);
    if (!p)
        return;
    drop_savepoints(sp, p); /* ROLLBACK TO keeps the savepoint itself */
    state_copy(&sp->now, &p->state);
    touched(sp);
}

void search_path_error(search_path *sp)
{
    sp->failed = true;
}

void search_path_rollback(search_path *sp)
{
    sp->rolled_back = true;
}

/* The flags hold until the transaction ends: a ROLLBACK may be parsed in one batch and run
 * in the next (extended protocol). */
void search_path_ready(search_path *sp, char tx_status)
{
    if (tx_status == 'I') {
        if (sp->changed) {
            if (sp->failed || sp->rolled_back || sp->status == 'E')
                state_copy(&sp->now, &sp->idle);
            list_copy(&sp->now.effective, &sp->now.session);
            state_copy(&sp->idle, &sp->now);
            sp->changed = false;
            sp->version++;
        }
        drop_savepoints(sp, NULL);
        sp->failed = sp->rolled_back = false;
    }
    sp->status = tx_status;
}

void search_path_free(search_path *sp)
{
    drop_savepoints(sp, NULL);
    list_free(&sp->initial);
    state_free(&sp->now);
    state_free(&sp->idle);
    free(sp->user);
}
