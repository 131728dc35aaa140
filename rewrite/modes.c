/* rewrite/modes.c — the session's tombstone.* settings (SPEC §5): tombstone.visibility
 * (live | all | deleted: which rows statements see and reach) and tombstone.deletes
 * (soft | hard: what a DELETE does). They are placeholder settings of PostgreSQL's own, so
 * the statements that set them go to the server as they are: PostgreSQL keeps them with its
 * transaction semantics (SET LOCAL, rollback, RESET, DISCARD ALL) and SHOW answers them; the
 * proxy follows them the same way (track/namespace.c). Here a SET is checked, as PostgreSQL
 * checks the values of its own enum settings, and turned into facts; the rest of the
 * tombstone.* namespace is the proxy's and cannot be set. */
#include "rewrite/internal.h"

#include <string.h>

static const char *const visibilities[] = {"live", "all", "deleted", NULL};
static const char *const deletes[] = {"soft", "hard", NULL};

static int index_of(const char *const *values, const char *value)
{
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], value) == 0)
            return i;
    return -1;
}

bool rw_mode_parse(const char *setting, const char *value, rw_mode *mode)
{
    int i;
    if (strcmp(setting, "visibility") == 0 && (i = index_of(visibilities, value)) >= 0)
        mode->visibility = (rw_visibility)i;
    else if (strcmp(setting, "deletes") == 0 && (i = index_of(deletes, value)) >= 0)
        mode->hard_deletes = i == 1;
    else
        return false;
    return true;
}

/* The value of SET name = value / TO value, as a string (a word or a literal), or NULL. */
static const char *one_value(List *args)
{
    if (list_length(args) != 1 || !IsA(linitial(args), A_Const))
        return NULL;
    A_Const *c = linitial(args);
    return !c->isnull && IsA(&c->val, String) ? strVal(&c->val) : NULL;
}

static void refuse_value(rw_walk *w, const char *name, const char *value)
{
    const char *allowed = strcmp(name, "visibility") == 0 ? "live, all, deleted" : "soft, hard";
    rw_refuse_with(w, "22023",
                   rw_arena_cat(w->arena, "invalid value for parameter \"tombstone.", name,
                                "\": \"", value ? value : "", "\" (available values: ", allowed,
                                ")"));
}

void rw_mode_facts(rw_walk *w, VariableSetStmt *v, rw_stmt_facts *f)
{
    const char *name = v->name + strlen("tombstone.");
    if (strcmp(name, "visibility") != 0 && strcmp(name, "deletes") != 0) {
        rw_refuse_with(w, "55P02",
                       rw_arena_cat(w->arena, "parameter \"", v->name,
                                    "\" cannot be set: tombstone.* belongs to the proxy, which "
                                    "has tombstone.visibility and tombstone.deletes"));
        return;
    }
    f->flags |= RW_MODE | (v->is_local ? RW_SET_LOCAL : 0);
    f->name = (char *)name;
    if (v->kind == VAR_SET_DEFAULT || v->kind == VAR_RESET)
        return; /* value NULL: back to the session's default */
    const char *value = v->kind == VAR_SET_VALUE ? one_value(v->args) : NULL;
    rw_mode mode;
    if (!value || !rw_mode_parse(name, value, &mode)) {
        refuse_value(w, name, value);
        return;
    }
    f->value = (char *)value;
}
