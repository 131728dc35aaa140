/* track/namespace.c — following what unqualified names mean. */
#include "track/namespace.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "rewrite/search_path.h"

enum { MAX_SCHEMAS = 64 };

struct track_ns_mark {
    track_ns_mark *next; /* the one set before */
    char *name;
    track_ns_state state;
};

static void list_free(track_ns_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (track_ns_list){0};
}

static void list_set(track_ns_list *l, const char *const *items, int n)
{
    track_ns_list copy = {mem_array((size_t)n + 1, sizeof(char *)), n};
    for (int i = 0; i < n; i++)
        copy.v[i] = mem_strdup(items[i]);
    list_free(l);
    *l = copy;
}

static void list_copy(track_ns_list *to, const track_ns_list *from)
{
    if (to != from)
        list_set(to, (const char *const *)from->v, from->n);
}

static void state_copy(track_ns_state *to, const track_ns_state *from)
{
    list_copy(&to->session, &from->session);
    list_copy(&to->effective, &from->effective);
    list_copy(&to->temp, &from->temp);
    to->session_mode = from->session_mode;
    to->effective_mode = from->effective_mode;
}

static void state_free(track_ns_state *s)
{
    list_free(&s->session);
    list_free(&s->effective);
    list_free(&s->temp);
}

static void touched(track_namespace *sp)
{
    sp->changed = true;
    sp->version++;
}

/* Savepoints from the newest down to and without `keep` are dropped. */
static void drop_savepoints(track_namespace *sp, track_ns_mark *keep)
{
    while (sp->savepoints != keep) {
        track_ns_mark *p = sp->savepoints;
        sp->savepoints = p->next;
        state_free(&p->state);
        free(p->name);
        free(p);
    }
}

static track_ns_mark *find_savepoint(track_namespace *sp, const char *name)
{
    for (track_ns_mark *p = sp->savepoints; p; p = p->next)
        if (name && strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

/* What RESET returns to: the setting read at login, "$user" expanded for the current role. */
static void expand_initial(track_namespace *sp)
{
    const char *items[MAX_SCHEMAS];
    char buf[4096];
    int n =
        rw_search_path_split(sp->initial_setting, sp->user, items, MAX_SCHEMAS, buf, sizeof buf);
    list_set(&sp->initial, items, n);
}

void track_ns_init(track_namespace *sp, const char *setting, const char *user, rw_mode mode)
{
    *sp = (track_namespace){.user = mem_strdup(user ? user : ""),
                            .login_user = mem_strdup(user ? user : ""),
                            .initial_setting = mem_strdup(setting ? setting : "\"$user\", public"),
                            .initial_mode = mode};
    sp->now.session_mode = sp->now.effective_mode = mode;
    expand_initial(sp);
    list_copy(&sp->now.session, &sp->initial);
    list_copy(&sp->now.effective, &sp->initial);
    state_copy(&sp->idle, &sp->now);
}

void track_ns_set(track_namespace *sp, const char *value, bool local)
{
    track_ns_list *target = local ? &sp->now.effective : &sp->now.session;
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

void track_ns_set_user(track_namespace *sp, const char *user)
{
    if (!user || strcmp(user, sp->user) == 0)
        return;
    free(sp->user);
    sp->user = mem_strdup(user);
    expand_initial(sp);
    touched(sp);
}

void track_ns_reset_user(track_namespace *sp)
{
    track_ns_set_user(sp, sp->login_user);
}

void track_ns_set_mode(track_namespace *sp, const char *name, const char *value, bool local)
{
    rw_mode *target = local ? &sp->now.effective_mode : &sp->now.session_mode;
    rw_mode mode = *target;
    rw_mode back = sp->initial_mode;
    if (value)
        rw_mode_parse(name, value, &mode);
    else if (strcmp(name, "visibility") == 0)
        mode.visibility = back.visibility;
    else
        mode.hard_deletes = back.hard_deletes;
    *target = mode;
    if (!local)
        sp->now.effective_mode = sp->now.session_mode;
    touched(sp);
}

void track_ns_reset_modes(track_namespace *sp)
{
    sp->now.session_mode = sp->now.effective_mode = sp->initial_mode;
    touched(sp);
}

void track_ns_temp_created(track_namespace *sp, const char *name)
{
    const char *items[MAX_SCHEMAS + 1];
    track_ns_list *t = &sp->now.temp;
    int n = 0;
    for (int i = 0; i < t->n && n < MAX_SCHEMAS; i++)
        items[n++] = t->v[i];
    items[n++] = name;
    list_set(t, items, n);
    touched(sp);
}

void track_ns_tables_dropped(track_namespace *sp, const char *names)
{
    track_ns_list *t = &sp->now.temp;
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

void track_ns_discard_temp(track_namespace *sp)
{
    list_free(&sp->now.temp);
    touched(sp);
}

void track_ns_savepoint(track_namespace *sp, const char *name)
{
    track_ns_mark *p = mem_zalloc(sizeof *p);
    p->name = mem_strdup(name ? name : "");
    state_copy(&p->state, &sp->now);
    p->next = sp->savepoints;
    sp->savepoints = p;
}

void track_ns_release(track_namespace *sp, const char *name)
{
    track_ns_mark *p = find_savepoint(sp, name);
    if (p)
        drop_savepoints(sp, p->next);
}

void track_ns_rollback_to(track_namespace *sp, const char *name)
{
    track_ns_mark *p = find_savepoint(sp, name);
    if (!p)
        return;
    drop_savepoints(sp, p); /* ROLLBACK TO keeps the savepoint itself */
    state_copy(&sp->now, &p->state);
    touched(sp);
}

void track_ns_error(track_namespace *sp)
{
    sp->failed = true;
}

void track_ns_rollback(track_namespace *sp)
{
    sp->rolled_back = true;
}

/* The flags hold until the transaction ends: a ROLLBACK may be parsed in one batch and run
 * in the next (extended protocol). */
void track_ns_ready(track_namespace *sp, char tx_status)
{
    if (tx_status == 'I') {
        if (sp->changed) {
            if (sp->failed || sp->rolled_back || sp->status == 'E')
                state_copy(&sp->now, &sp->idle);
            list_copy(&sp->now.effective, &sp->now.session);
            sp->now.effective_mode = sp->now.session_mode; /* SET LOCAL ends */
            state_copy(&sp->idle, &sp->now);
            sp->changed = false;
            sp->version++;
        }
        drop_savepoints(sp, NULL);
        sp->failed = sp->rolled_back = false;
    }
    sp->status = tx_status;
}

void track_ns_free(track_namespace *sp)
{
    drop_savepoints(sp, NULL);
    list_free(&sp->initial);
    state_free(&sp->now);
    state_free(&sp->idle);
    free(sp->user);
    free(sp->login_user);
    free(sp->initial_setting);
}
