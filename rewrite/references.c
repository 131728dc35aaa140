/* rewrite/references.c — writes of foreign keys whose parent loses rows to soft deletes.
 *
 * Under real deletes a row cannot reference a deleted parent: PostgreSQL's own check finds
 * no parent row. Marked parents still exist, so the triggers of `tombstone install` check
 * the parent among live rows instead (rewrite/helpers.sql), at the end of the statement
 * like PostgreSQL's check, for every kind of write, statements the proxy sees or not. The
 * rewriter leaves the statement as it is; it only refuses one that writes such a key while
 * the database lacks the trigger that checks it (a table or key created since `tombstone
 * install`, where no event trigger could follow): without the check, a live row could end
 * up referencing a marked parent. */
#include "rewrite/internal.h"

#include <string.h>

/* Is col (NULL: any column) part of a key of t whose parent loses rows to soft deletes? */
static bool checked_column(const rw_table *t, const char *col)
{
    for (int f = 0; f < t->nparents; f++) {
        const rw_fk *fk = t->parents[f];
        if (!rw_table_affected(fk->parent))
            continue;
        for (int i = 0; i < fk->ncols; i++)
            if (!col || strcmp(fk->child_cols[i], col) == 0)
                return true;
    }
    return false;
}

void rw_require_key_triggers(rw_walk *w, const rw_table *t, List *set_targets)
{
    if (!t || !t->nparents)
        return;
    bool writes = set_targets == NIL && checked_column(t, NULL);
    ListCell *lc;
    foreach (lc, set_targets) {
        ResTarget *rt = lfirst(lc);
        writes |= rt->name && checked_column(t, rt->name);
    }
    if (!writes)
        return;
    w->facts->flags |= RW_FK_WRITE;
    if (!t->write_ready)
        rw_refuse(w, RW_NO_TRIGGERS("a write of a foreign key whose parent is soft-delete"));
}
