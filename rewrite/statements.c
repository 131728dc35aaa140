/* rewrite/statements.c — one statement: which walk it needs, and the facts the proxy must
 * know about it (tag fix, catalog change, search_path, prepared statement names). */
#include "rewrite/internal.h"

#include "catalog/pg_class.h"

#include <string.h>

unsigned rw_walk_dml(rw_walk *w, Node *stmt)
{
    if (!stmt)
        return 0;
    switch (nodeTag(stmt)) {
    case T_SelectStmt:
        rw_walk_select(w, (SelectStmt *)stmt);
        return 0;
    case T_InsertStmt:
        rw_walk_insert(w, (InsertStmt *)stmt);
        return 0;
    case T_UpdateStmt:
        rw_walk_update(w, (UpdateStmt *)stmt);
        return 0;
    case T_DeleteStmt:
        return rw_walk_delete(w, (DeleteStmt *)stmt);
    case T_MergeStmt:
        rw_walk_merge(w, (MergeStmt *)stmt);
        return 0;
    default:
        w->unknown_node = "a statement of an unsupported kind";
        return 0;
    }
}

static char *setting_value(rw_walk *w, List *args)
{
    const char *s = NULL;
    ListCell *lc;
    foreach (lc, args) {
        Node *n = lfirst(lc);
        const char *v = (IsA(n, A_Const) && IsA(&((A_Const *)n)->val, String))
                            ? strVal(&((A_Const *)n)->val)
                            : "";
        s = rw_arena_append(w->arena, s, ", ", v);
    }
    return (char *)(s ? s : "");
}

static const char *const_string(Node *n)
{
    if (n && IsA(n, TypeCast))
        n = ((TypeCast *)n)->arg;
    if (!n || !IsA(n, A_Const) || ((A_Const *)n)->isnull)
        return NULL;
    A_Const *c = (A_Const *)n;
    return IsA(&c->val, String) ? strVal(&c->val) : NULL;
}

/* Is this a setting the proxy follows: search_path, tombstone.visibility, tombstone.deletes? */
static bool followed(const char *param)
{
    return strcasecmp(param, "search_path") == 0 ||
           strcasecmp(param, "tombstone.visibility") == 0 ||
           strcasecmp(param, "tombstone.deletes") == 0;
}

/* set_config(name, value, is_local) changes a setting like SET does. With constants the
 * proxy follows it as it follows SET; with anything else (pg_dump's set_config(name, ...)
 * FROM pg_settings, a value computed by a query) only the server knows what changed, so the
 * proxy reads the settings it follows again after the statement (RW_REREAD). */
void rw_note_set_config(rw_walk *w, FuncCall *f)
{
    const char *name = strVal(llast(f->funcname));
    if (w->ctx->snapshot && rw_snapshot_sets_path(w->ctx->snapshot, name)) {
        w->facts->flags |= RW_REREAD; /* a function of the database's that may set it */
        return;
    }
    if (strcmp(name, "set_config") != 0 || list_length(f->args) != 3)
        return;
    const char *param = const_string(linitial(f->args));
    if (param && !followed(param))
        return;
    const char *value = const_string(lsecond(f->args));
    Node *local = lthird(f->args);
    bool known_local = local && IsA(local, A_Const) && IsA(&((A_Const *)local)->val, Boolean);
    bool is_local = known_local && boolVal(&((A_Const *)local)->val);
    if (!param || !value || !known_local) {
        w->facts->flags |= RW_REREAD;
        return;
    }
    rw_mode mode;
    if (strncasecmp(param, "tombstone.", 10) != 0) {
        w->facts->flags |= RW_SEARCH_PATH | (is_local ? RW_SET_LOCAL : 0);
    } else if (rw_mode_parse(param + 10, value, &mode)) {
        w->facts->flags |= RW_MODE | (is_local ? RW_SET_LOCAL : 0);
        w->facts->name = (char *)param + 10;
    } else {
        rw_refuse_with(w, "22023", "invalid value for a tombstone.* parameter in set_config()");
        return;
    }
    w->facts->value = (char *)value;
}

static void search_path_facts(rw_walk *w, VariableSetStmt *v, rw_stmt_facts *f)
{
    /* "$user" in the search_path is the current role: SET ROLE and SET SESSION AUTHORIZATION
     * change what it names */
    if (v->name && (strcmp(v->name, "role") == 0 || strcmp(v->name, "session_authorization") == 0))
        f->flags |= RW_REREAD;
    if (v->kind == VAR_RESET_ALL) {
        f->flags |= RW_SEARCH_PATH | RW_SEARCH_RESET | RW_RESET_ALL;
        return;
    }
    if (v->name && strncmp(v->name, "tombstone.", 10) == 0) {
        rw_mode_facts(w, v, f);
        return;
    }
    if (!v->name || strcmp(v->name, "search_path") != 0)
        return;
    f->flags |= RW_SEARCH_PATH;
    if (v->is_local)
        f->flags |= RW_SET_LOCAL;
    if (v->kind == VAR_SET_VALUE)
        f->value = setting_value(w, v->args);
    else if (v->kind == VAR_SET_DEFAULT || v->kind == VAR_RESET)
        f->flags |= RW_SEARCH_RESET;
}

static void transaction_facts(TransactionStmt *t, rw_stmt_facts *f)
{
    switch (t->kind) {
    case TRANS_STMT_ROLLBACK:
        f->flags |= RW_ROLLBACK;
        break;
    case TRANS_STMT_SAVEPOINT:
        f->flags |= RW_SAVEPOINT;
        break;
    case TRANS_STMT_RELEASE:
        f->flags |= RW_RELEASE;
        break;
    case TRANS_STMT_ROLLBACK_TO:
        f->flags |= RW_ROLLBACK_TO;
        break;
    default:
        break;
    }
    f->name = t->savepoint_name;
}

static void temp_table_facts(const RangeVar *rel, rw_stmt_facts *f)
{
    if (rel && rel->relpersistence == RELPERSISTENCE_TEMP && !rel->schemaname) {
        f->flags |= RW_TEMP_TABLE;
        f->name = rel->relname;
    }
}

/* DROP TABLE a, b: a temporary table of that name may be what goes. */
static void drop_facts(rw_walk *w, DropStmt *d, rw_stmt_facts *f)
{
    if (d->removeType != OBJECT_TABLE)
        return;
    const char *names = NULL;
    ListCell *lc;
    foreach (lc, d->objects) {
        List *name = lfirst(lc);
        bool temp_schema =
            list_length(name) == 2 && strncmp(strVal(linitial(name)), "pg_temp", 7) == 0;
        if (list_length(name) != 1 && !temp_schema)
            continue;
        const char *n = strVal(llast(name));
        names = rw_arena_append(w->arena, names, ",", n);
    }
    if (names) {
        f->flags |= RW_DROP_TABLES;
        f->value = (char *)names;
    }
}

/* SET CONSTRAINTS k DEFERRED | IMMEDIATE applies to k's own triggers; the constraint
 * triggers of `tombstone install` that mirror a deferrable key k (rewrite/helpers.sql) have
 * names of their own, added to the list. ALL includes them already. */
static void set_constraints(rw_walk *w, ConstraintsSetStmt *c)
{
    const char *more = NULL;
    ListCell *lc;
    foreach (lc, c->constraints) {
        RangeVar *rv = lfirst(lc);
        for (int i = 0; i < rw_snapshot_fk_count(w->ctx->snapshot); i++) {
            const rw_fk *fk = rw_snapshot_fk(w->ctx->snapshot, i);
            if (strcmp(fk->name, rv->relname) != 0 ||
                (rv->schemaname && strcmp(rv->schemaname, fk->child->schema) != 0))
                continue;
            for (int k = 0; k < fk->nconstraint_triggers; k++)
                more = rw_arena_append(w->arena, more, ", ", fk->constraint_triggers[k]);
        }
    }
    if (!more)
        return;
    int start, end;
    rw_range_span(w, llast(c->constraints), &start, &end);
    if (start < 0)
        rw_refuse(w, "a SET CONSTRAINTS whose text could not be located");
    else
        rw_edit_insert(w, end, rw_arena_cat(w->arena, ", ", more));
}

/* UPDATE pg_settings SET setting = ... is set_config() through the view's rule. */
static bool updates_settings(const UpdateStmt *u)
{
    const RangeVar *r = u->relation;
    return strcmp(r->relname, "pg_settings") == 0 &&
           (!r->schemaname || strcmp(r->schemaname, "pg_catalog") == 0);
}

/* Statements whose rewrite depends on the catalog (RW_NEEDS_CATALOG). */
static bool needs_catalog(Node *stmt)
{
    switch (nodeTag(stmt)) {
    case T_SelectStmt:
    case T_InsertStmt:
    case T_UpdateStmt:
    case T_DeleteStmt:
    case T_MergeStmt:
    case T_ExplainStmt:
    case T_PrepareStmt:
    case T_ExecuteStmt:
    case T_DeclareCursorStmt:
    case T_CopyStmt:
    case T_CreateTableAsStmt:
    case T_CallStmt:
    case T_DoStmt:
    case T_ConstraintsSetStmt:
        return true;
    default:
        return false;
    }
}

void rw_walk_statement(rw_walk *w, Node *stmt, rw_stmt_facts *f)
{
    if (needs_catalog(stmt))
        f->flags |= RW_NEEDS_CATALOG;
    switch (nodeTag(stmt)) {
    case T_SelectStmt:
        rw_walk_select(w, (SelectStmt *)stmt);
        if (((SelectStmt *)stmt)->intoClause) {
            temp_table_facts(((SelectStmt *)stmt)->intoClause->rel, f);
            f->flags |= RW_DDL;
        }
        break;
    case T_UpdateStmt:
        if (updates_settings((UpdateStmt *)stmt))
            f->flags |= RW_REREAD;
        f->flags |= rw_walk_dml(w, stmt);
        break;
    case T_InsertStmt:
    case T_DeleteStmt:
    case T_MergeStmt:
        f->flags |= rw_walk_dml(w, stmt);
        break;
    case T_ExplainStmt:
        rw_walk_dml(w, ((ExplainStmt *)stmt)->query);
        break;
    case T_PrepareStmt:
        f->flags |= RW_PREPARE;
        f->name = ((PrepareStmt *)stmt)->name;
        f->prepared_flags = rw_walk_dml(w, ((PrepareStmt *)stmt)->query);
        f->prepared_flags |= f->flags & RW_REREAD; /* a set_config() in it runs at EXECUTE */
        f->flags &= ~(unsigned)RW_REREAD;
        break;
    case T_ExecuteStmt:
        f->flags |= RW_EXECUTE;
        f->name = ((ExecuteStmt *)stmt)->name;
        rw_walk_expr(w, (Node *)((ExecuteStmt *)stmt)->params);
        break;
    case T_DeallocateStmt:
        f->flags |= RW_DEALLOCATE;
        f->name = ((DeallocateStmt *)stmt)->name;
        break;
    case T_DiscardStmt:
        if (((DiscardStmt *)stmt)->target == DISCARD_ALL)
            f->flags |= RW_DISCARD_ALL;
        if (((DiscardStmt *)stmt)->target == DISCARD_TEMP)
            f->flags |= RW_DISCARD_TEMP;
        break;
    case T_DeclareCursorStmt:
        rw_walk_dml(w, ((DeclareCursorStmt *)stmt)->query);
        break;
    case T_CopyStmt:
        rw_walk_copy(w, (CopyStmt *)stmt);
        break;
    case T_CreateTableAsStmt:
        /* a materialized view's query is stored, and stored bodies are not rewritten */
        if (((CreateTableAsStmt *)stmt)->objtype == OBJECT_TABLE)
            rw_walk_dml(w, ((CreateTableAsStmt *)stmt)->query);
        temp_table_facts(((CreateTableAsStmt *)stmt)->into->rel, f);
        f->flags |= RW_DDL;
        break;
    case T_VariableSetStmt:
        search_path_facts(w, (VariableSetStmt *)stmt, f);
        break;
    case T_TransactionStmt:
        transaction_facts((TransactionStmt *)stmt, f);
        f->flags |= RW_TRANSACTION;
        break;
    case T_CreateStmt:
        temp_table_facts(((CreateStmt *)stmt)->relation, f);
        f->flags |= RW_DDL;
        break;
    case T_DropStmt:
        drop_facts(w, (DropStmt *)stmt, f);
        f->flags |= RW_DDL;
        break;
    case T_CallStmt:
        rw_walk_expr(w, (Node *)((CallStmt *)stmt)->funccall);
        /* a procedure may change the catalog, and the search_path (set_config(..., false),
         * SET in its body) */
        f->flags |= RW_DDL | RW_REREAD;
        break;
    case T_DoStmt:
        f->flags |= RW_DDL | RW_REREAD; /* a DO block likewise */
        break;
    case T_ConstraintsSetStmt:
        set_constraints(w, (ConstraintsSetStmt *)stmt);
        break;
    case T_VariableShowStmt:
    case T_ListenStmt:
    case T_UnlistenStmt:
    case T_NotifyStmt:
    case T_FetchStmt:
    case T_ClosePortalStmt:
    case T_LockStmt:
    case T_CheckPointStmt:
    case T_VacuumStmt:
    case T_TruncateStmt:
    case T_LoadStmt:
        break;
    case T_IndexStmt:
        f->flags |= RW_DDL | RW_INDEX;
        break;
    default:
        /* anything else may create, alter or drop what the snapshot describes */
        f->flags |= RW_DDL;
        break;
    }
}
