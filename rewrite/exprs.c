/* rewrite/exprs.c — walking raw expression trees: sub-selects anywhere in an expression are
 * rewritten like any other select, and expression locations give clause anchors.
 *
 * PostgreSQL's own raw_expression_tree_walker raises an error (a longjmp) on a node kind it
 * does not know; this walker instead records the kind, so the statement can be refused when
 * it touches a soft-delete table. */
#include "rewrite/internal.h"

typedef void (*child_fn)(Node *child, void *arg);

static void each(List *l, child_fn fn, void *arg)
{
    ListCell *lc;
    foreach (lc, l)
        fn(lfirst(lc), arg);
}

bool rw_node_children(Node *n, child_fn fn, void *arg)
{
    switch (nodeTag(n)) {
    case T_List:
        each((List *)n, fn, arg);
        return true;
    case T_A_Expr:
        fn(((A_Expr *)n)->lexpr, arg);
        fn(((A_Expr *)n)->rexpr, arg);
        return true;
    case T_BoolExpr:
        each(((BoolExpr *)n)->args, fn, arg);
        return true;
    case T_FuncCall: {
        FuncCall *f = (FuncCall *)n;
        each(f->args, fn, arg);
        each(f->agg_order, fn, arg);
        fn(f->agg_filter, arg);
        fn((Node *)f->over, arg);
        return true;
    }
    case T_SubLink:
        fn(((SubLink *)n)->testexpr, arg);
        fn(((SubLink *)n)->subselect, arg);
        return true;
    case T_TypeCast:
        fn(((TypeCast *)n)->arg, arg);
        fn((Node *)((TypeCast *)n)->typeName, arg);
        return true;
    case T_TypeName:
        each(((TypeName *)n)->typmods, fn, arg);
        return true;
    case T_CollateClause:
        fn(((CollateClause *)n)->arg, arg);
        return true;
    case T_A_Indices:
        fn(((A_Indices *)n)->lidx, arg);
        fn(((A_Indices *)n)->uidx, arg);
        return true;
    case T_A_Indirection:
        fn(((A_Indirection *)n)->arg, arg);
        each(((A_Indirection *)n)->indirection, fn, arg);
        return true;
    case T_A_ArrayExpr:
        each(((A_ArrayExpr *)n)->elements, fn, arg);
        return true;
    case T_ResTarget:
        fn(((ResTarget *)n)->val, arg);
        each(((ResTarget *)n)->indirection, fn, arg);
        return true;
    case T_MultiAssignRef:
        fn(((MultiAssignRef *)n)->source, arg);
        return true;
    case T_SortBy:
        fn(((SortBy *)n)->node, arg);
        return true;
    case T_WindowDef: {
        WindowDef *d = (WindowDef *)n;
        each(d->partitionClause, fn, arg);
        each(d->orderClause, fn, arg);
        fn(d->startOffset, arg);
        fn(d->endOffset, arg);
        return true;
    }
    case T_CaseExpr:
        fn((Node *)((CaseExpr *)n)->arg, arg);
        each(((CaseExpr *)n)->args, fn, arg);
        fn((Node *)((CaseExpr *)n)->defresult, arg);
        return true;
    case T_CaseWhen:
        fn((Node *)((CaseWhen *)n)->expr, arg);
        fn((Node *)((CaseWhen *)n)->result, arg);
        return true;
    case T_NullTest:
        fn((Node *)((NullTest *)n)->arg, arg);
        return true;
    case T_BooleanTest:
        fn((Node *)((BooleanTest *)n)->arg, arg);
        return true;
    case T_RowExpr:
        each(((RowExpr *)n)->args, fn, arg);
        return true;
    case T_CoalesceExpr:
        each(((CoalesceExpr *)n)->args, fn, arg);
        return true;
    case T_MinMaxExpr:
        each(((MinMaxExpr *)n)->args, fn, arg);
        return true;
    case T_XmlExpr:
        each(((XmlExpr *)n)->named_args, fn, arg);
        each(((XmlExpr *)n)->args, fn, arg);
        return true;
    case T_XmlSerialize:
        fn(((XmlSerialize *)n)->expr, arg);
        fn((Node *)((XmlSerialize *)n)->typeName, arg);
        return true;
    case T_NamedArgExpr:
        fn((Node *)((NamedArgExpr *)n)->arg, arg);
        return true;
    case T_GroupingFunc:
        each(((GroupingFunc *)n)->args, fn, arg);
        return true;
    case T_GroupingSet:
        each(((GroupingSet *)n)->content, fn, arg);
        return true;
    case T_IndexElem:
        fn(((IndexElem *)n)->expr, arg);
        return true;
    case T_ColumnRef:
    case T_ParamRef:
    case T_A_Const:
    case T_A_Star:
    case T_String:
    case T_Integer:
    case T_Float:
    case T_Boolean:
    case T_BitString:
    case T_SQLValueFunction:
    case T_SetToDefault:
    case T_CurrentOfExpr:
        return true;
    default:
        return false;
    }
}

int rw_node_location(Node *n)
{
    switch (nodeTag(n)) {
    case T_A_Expr:
        return ((A_Expr *)n)->location;
    case T_BoolExpr:
        return ((BoolExpr *)n)->location;
    case T_FuncCall:
        return ((FuncCall *)n)->location;
    case T_SubLink:
        return ((SubLink *)n)->location;
    case T_TypeCast:
        return ((TypeCast *)n)->location;
    case T_TypeName:
        return ((TypeName *)n)->location;
    case T_CollateClause:
        return ((CollateClause *)n)->location;
    case T_A_ArrayExpr:
        return ((A_ArrayExpr *)n)->location;
    case T_ResTarget:
        return ((ResTarget *)n)->location;
    case T_CaseExpr:
        return ((CaseExpr *)n)->location;
    case T_CaseWhen:
        return ((CaseWhen *)n)->location;
    case T_NullTest:
        return ((NullTest *)n)->location;
    case T_BooleanTest:
        return ((BooleanTest *)n)->location;
    case T_RowExpr:
        return ((RowExpr *)n)->location;
    case T_CoalesceExpr:
        return ((CoalesceExpr *)n)->location;
    case T_MinMaxExpr:
        return ((MinMaxExpr *)n)->location;
    case T_XmlExpr:
        return ((XmlExpr *)n)->location;
    case T_XmlSerialize:
        return ((XmlSerialize *)n)->location;
    case T_NamedArgExpr:
        return ((NamedArgExpr *)n)->location;
    case T_GroupingFunc:
        return ((GroupingFunc *)n)->location;
    case T_ColumnRef:
        return ((ColumnRef *)n)->location;
    case T_ParamRef:
        return ((ParamRef *)n)->location;
    case T_A_Const:
        return ((A_Const *)n)->location;
    case T_SQLValueFunction:
        return ((SQLValueFunction *)n)->location;
    case T_SetToDefault:
        return ((SetToDefault *)n)->location;
    case T_RangeVar:
        return ((RangeVar *)n)->location;
    default:
        return -1;
    }
}

static void min_location(Node *n, void *arg)
{
    int *min = arg;
    if (!n)
        return;
    int loc = rw_node_location(n);
    if (loc >= 0 && (*min < 0 || loc < *min))
        *min = loc;
    /* a sub-select sits inside parentheses that start before anything in it */
    if (!IsA(n, SelectStmt))
        rw_node_children(n, min_location, arg);
}

int rw_expr_min_location(Node *n)
{
    int min = -1;
    min_location(n, &min);
    return min;
}

static void walk_child(Node *n, void *arg)
{
    rw_walk_expr(arg, n);
}

void rw_walk_expr(rw_walk *w, Node *n)
{
    if (!n)
        return;
    if (IsA(n, SelectStmt)) {
        rw_walk_select(w, (SelectStmt *)n);
        return;
    }
    if (IsA(n, FuncCall))
        rw_note_set_config(w, (FuncCall *)n);
    if (!rw_node_children(n, walk_child, w))
        w->unknown_node = "an expression of an unsupported kind";
}

typedef struct {
    void (*fn)(ColumnRef *, void *);
    void *arg;
} columnref_visit;

static void visit_columnrefs(Node *n, void *arg)
{
    columnref_visit *v = arg;
    if (!n || IsA(n, SelectStmt))
        return; /* a sub-select's columns are its own */
    if (IsA(n, ColumnRef))
        v->fn((ColumnRef *)n, v->arg);
    else
        rw_node_children(n, visit_columnrefs, arg);
}

void rw_for_each_columnref(Node *n, void (*fn)(ColumnRef *, void *), void *arg)
{
    columnref_visit v = {fn, arg};
    visit_columnrefs(n, &v);
}
