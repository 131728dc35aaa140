"""Random statements over a generated schema (tests/diff).

The statements are a function of the seed alone, never of what the databases answered: a
seed replays exactly, and the minimizer can drop statements from a sequence without the
rest changing. So the generator keeps its own rough model (the keys it has ever created
per table, whether it opened a transaction) and lets statements hit deleted or missing rows
freely: referencing a possibly-deleted parent is the point.

Keys are never reused: a fresh key comes from a counter per table, INSERT ... SELECT adds a
fresh offset to the source's keys. A marked row keeps its primary key in S while H has freed
it, which README documents as outside equivalence ("primary keys are best never reused").

Every statement is single-line SQL that psql and psycopg both run; the `%` operator is never
used (psycopg reads `%` as a placeholder when parameters are bound): mod() is.
"""

from dataclasses import dataclass

from schema import CODES, literal

VIAS = ("simple", "extended", "prepared")
OFFSET_STEP = 1000000  # INSERT ... SELECT: source keys below it, each statement its offset
MISSING = 2000000000  # keys from here on never exist (and are never inserted)


@dataclass
class Stmt:
    sql: str
    kind: str  # generator that made it: the first part of a divergence's class
    via: str = "simple"  # simple Query, extended (unnamed statement), prepared (named)
    params: tuple = None  # bound over the extended protocol (%s placeholders)
    ordered: bool = False  # ORDER BY a unique key: rows compare in order

    @property
    def reads(self):
        """Changes nothing: no state check after it."""
        return self.kind.startswith("select") or self.kind == "error"


class Generator:
    """generate(n) -> n statements. One instance per seed."""

    def __init__(self, rng, schema, rows):
        self.rng = rng
        self.schema = schema
        self.keys = {t.name: [] for t in schema.tables}
        for name, row in rows:
            self.keys[name].append(tuple(row[c] for c in schema.table(name).pk))
        self.next_id = {t.name: 1 + max((k[0] for k in self.keys[t.name]), default=0)
                        for t in schema.tables}
        self.offsets = 0
        self.in_txn = False
        self.txn_len = 0
        self.savepoints = []
        self.params = None  # the statement being built binds parameters when a list

    # --- entry ----------------------------------------------------------------------------

    KINDS = (  # (weight, method name)
        (9, "select_simple"), (8, "select_join"), (6, "select_subquery"), (5, "select_agg"),
        (3, "select_setop"), (3, "select_cte"),
        (8, "insert_values"), (4, "insert_select"), (5, "upsert"),
        (5, "update_values"), (4, "update_fk"), (2, "update_code"), (2, "update_row"),
        (3, "update_from"), (1, "update_pk"),
        (6, "delete_key"), (3, "delete_where"), (3, "delete_using"), (2, "delete_subquery"),
        (5, "merge"), (5, "cte_write"), (1, "error"),
    )

    def generate(self, count):
        out = []
        while len(out) < count:
            control = self.transaction_control()
            out.append(control or self.statement())
        return out

    def statement(self):
        weights = [w for w, _ in self.KINDS]
        name = self.rng.choices([k for _, k in self.KINDS], weights)[0]
        via = self.rng.choices(VIAS, (5, 3, 2))[0]
        self.params = [] if via != "simple" and self.rng.random() < 0.6 else None
        sql, ordered = getattr(self, name)()
        params = tuple(self.params) if self.params else None
        self.params = None
        if self.in_txn:
            self.txn_len += 1
        return Stmt(sql, name, via, params, ordered)

    def transaction_control(self):
        """BEGIN / SAVEPOINT / ROLLBACK TO / RELEASE / COMMIT / ROLLBACK, over the simple
        protocol, or None for an ordinary statement."""
        r = self.rng.random()
        if not self.in_txn:
            if r < 0.08:
                self.in_txn, self.txn_len, self.savepoints = True, 0, []
                return Stmt("BEGIN", "txn")
            return None
        if self.txn_len >= 2 and r < 0.12 or self.txn_len > 10:
            self.in_txn = False
            return Stmt(self.rng.choices(("COMMIT", "ROLLBACK"), (4, 1))[0], "txn")
        if r < 0.20:
            name = f"s{len(self.savepoints) + 1}"
            self.savepoints.append(name)
            return Stmt(f"SAVEPOINT {name}", "txn")
        if r < 0.27 and self.savepoints:
            return Stmt(f"ROLLBACK TO SAVEPOINT {self.rng.choice(self.savepoints)}", "txn")
        if r < 0.29 and self.savepoints:
            return Stmt(f"RELEASE SAVEPOINT {self.savepoints.pop()}", "txn")
        if r < 0.31:
            return Stmt("SET CONSTRAINTS ALL IMMEDIATE", "txn")
        return None

    # --- values -----------------------------------------------------------------------------

    def lit(self, value):
        """A value in the statement: inline, or a bound parameter (never NULL: an untyped
        NULL parameter would make a VALUES column text)."""
        if self.params is None or value is None:
            return literal(value)
        self.params.append(value)
        return "%s"

    def table(self, pred=None):
        tables = [t for t in self.schema.tables if pred is None or pred(t)]
        return self.rng.choice(tables) if tables else None

    def some_key(self, table):
        """A key the generator created (its row may be deleted), or one that never existed."""
        if self.rng.random() < 0.08 or not self.keys[table.name]:
            return (MISSING + self.rng.randint(0, 9),) * len(table.pk)
        return self.rng.choice(self.keys[table.name])

    def fresh_key(self, table):
        n = self.next_id[table.name]
        self.next_id[table.name] = n + 1
        key = (n,) if len(table.pk) == 1 else (n, self.rng.randint(1, 3))
        self.keys[table.name].append(key)
        return key

    def fk_value(self, table, fk):
        """A parent key for a write: mostly one the generator created (maybe deleted since),
        sometimes NULL (also into NOT NULL columns) or a key that never existed."""
        r = self.rng.random()
        nullable = not table.column(fk.cols[0]).not_null
        if r < 0.12 and nullable or r < 0.02:
            return (None,) * len(fk.cols)
        return self.some_key(self.schema.table(fk.parent))

    def row_values(self, table, key):
        """{column: value} for a new row: occasionally a NULL n (NOT NULL) or a code that
        is taken, so that unique and NOT NULL errors meet foreign-key errors."""
        row = dict(zip(table.pk, key))
        row["n"] = None if self.rng.random() < 0.04 else self.rng.randint(0, 9)
        row["v"] = self.rng.choice([None] + list(range(10)))
        row["note"] = self.rng.choice([None, "a", "b", "new"])
        if table.unique:
            row["code"] = None if self.rng.random() < 0.15 else self.code()
        for fk in table.fks:
            row.update(zip(fk.cols, self.fk_value(table, fk)))
        return row

    def code(self):
        return f"c{self.rng.randint(1, CODES)}"

    # --- predicates and clauses --------------------------------------------------------------

    def key_eq(self, table, alias, key):
        cols = [f"{alias}.{c}" for c in table.pk]
        if len(cols) == 1:
            return f"{cols[0]} = {self.lit(key[0])}"
        return f"({', '.join(cols)}) = ({', '.join(self.lit(v) for v in key)})"

    def atom(self, table, alias):
        r = self.rng.randint(0, 9)
        if r == 0:
            return self.key_eq(table, alias, self.some_key(table))
        if r == 1:
            keys = [self.some_key(table)[0] for _ in range(3)]
            return f"{alias}.{table.pk[0]} IN ({', '.join(self.lit(k) for k in keys)})"
        if r == 2:
            return f"{alias}.n = {self.lit(self.rng.randint(0, 9))}"
        if r == 3:
            return f"{alias}.n < {self.lit(self.rng.randint(1, 9))}"
        if r == 4:
            return f"{alias}.v > {self.lit(self.rng.randint(0, 8))}"
        if r == 5:
            return f"{alias}.v IS {self.rng.choice(('', 'NOT '))}NULL"
        if r == 6 and table.unique:
            return f"{alias}.code = {self.lit(self.code())}"
        if r == 7 and table.fks:
            fk = self.rng.choice(table.fks)
            parent_key = self.some_key(self.schema.table(fk.parent))
            return f"{alias}.{fk.cols[0]} = {self.lit(parent_key[0])}"
        if r == 8:
            return f"mod({alias}.n, 3) = {self.lit(self.rng.randint(0, 2))}"
        return f"{alias}.note IS NOT NULL"

    def pred(self, table, alias):
        r = self.rng.random()
        if r < 0.6:
            return self.atom(table, alias)
        op = "AND" if r < 0.85 else "OR"
        return f"({self.atom(table, alias)} {op} {self.atom(table, alias)})"

    def narrow_pred(self, table, alias):
        """A predicate that picks few rows: deletes stay targeted, so tables do not empty."""
        if self.rng.random() < 0.7:
            return self.key_eq(table, alias, self.some_key(table))
        return f"({self.atom(table, alias)} AND {self.atom(table, alias)})"

    @staticmethod
    def key_cols(table, alias):
        return ", ".join(f"{alias}.{c}" for c in table.pk)

    def returning(self, table, alias):
        r = self.rng.random()
        if r < 0.5:
            return ""
        if r < 0.7:
            return " RETURNING *"
        return f" RETURNING {self.key_cols(table, alias)}, {alias}.n"

    def fk_pair(self):
        """(child, fk, parent) for a random foreign key, self-references included."""
        pairs = [(t, fk) for t in self.schema.tables for fk in t.fks]
        child, fk = self.rng.choice(pairs)
        return child, fk, self.schema.table(fk.parent)

    @staticmethod
    def join_on(fk, calias, palias):
        return " AND ".join(f"{calias}.{c} = {palias}.{p}" for c, p in zip(fk.cols, fk.parent_cols))

    # --- SELECT -----------------------------------------------------------------------------

    def select_simple(self):
        t = self.table()
        cols = "*" if self.rng.random() < 0.4 else f"{self.key_cols(t, 'x')}, x.n, x.v"
        tail = self.rng.choice(["", "", "LIMIT", " FOR UPDATE"])
        if tail == "LIMIT":  # a parameter only when chosen: lit() records it
            tail = f" LIMIT {self.lit(self.rng.randint(1, 5))}"
        return (f"SELECT {cols} FROM {t.name} x WHERE {self.pred(t, 'x')} "
                f"ORDER BY {self.key_cols(t, 'x')}{tail}", True)

    def select_join(self):
        child, fk, parent = self.fk_pair()
        how = self.rng.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
        cols = f"{self.key_cols(child, 'c')}, {self.key_cols(parent, 'p')}, p.n"
        where = f" WHERE {self.pred(parent, 'p')}" if self.rng.random() < 0.4 else ""
        if self.rng.random() < 0.2:  # a join with no ON to extend
            return (f"SELECT c.n, {self.key_cols(child, 'c')} FROM {child.name} c "
                    f"{how} {parent.name} p USING (n){where}", False)
        if self.rng.random() < 0.25:  # a third table along another key of the child
            others = [f for f in child.fks if f is not fk]
            if others:
                f2 = others[0]
                third = self.schema.table(f2.parent)
                return (f"SELECT {cols}, {self.key_cols(third, 'g')} FROM {child.name} c "
                        f"{how} {parent.name} p ON {self.join_on(fk, 'c', 'p')} "
                        f"LEFT JOIN {third.name} g ON {self.join_on(f2, 'c', 'g')}{where}", False)
        return (f"SELECT {cols} FROM {child.name} c {how} {parent.name} p "
                f"ON {self.join_on(fk, 'c', 'p')}{where}", False)

    def select_subquery(self):
        child, fk, parent = self.fk_pair()
        on = self.join_on(fk, "c", "p")
        keys = self.key_cols(parent, "p")
        r = self.rng.randint(0, 3)
        if r <= 1:
            if r == 0:
                cond = (f"{self.rng.choice(['', 'NOT '])}EXISTS (SELECT 1 FROM {child.name} c "
                        f"WHERE {on} AND {self.pred(child, 'c')})")
            else:
                cond = (f"p.{fk.parent_cols[0]} IN (SELECT c.{fk.cols[0]} FROM {child.name} c "
                        f"WHERE {self.pred(child, 'c')})")
            return f"SELECT {keys} FROM {parent.name} p WHERE {cond} ORDER BY {keys}", True
        if r == 2:
            return (f"SELECT {keys}, (SELECT count(*) FROM {child.name} c WHERE {on}) AS k, "
                    f"(SELECT max(c.n) FROM {child.name} c WHERE {on}) AS m "
                    f"FROM {parent.name} p ORDER BY {keys}", True)
        return (f"SELECT count(*) FROM {child.name} c WHERE c.n > ALL (SELECT p.n FROM "
                f"{parent.name} p WHERE {self.pred(parent, 'p')})", False)

    def select_agg(self):
        if self.rng.random() < 0.5:
            t = self.table()
            having = f" HAVING count(*) > {self.lit(1)}" if self.rng.random() < 0.3 else ""
            return (f"SELECT x.n, count(*), sum(x.v), min(x.note), max({t.pk[0]}) FROM "
                    f"{t.name} x GROUP BY x.n{having} ORDER BY x.n", True)
        child, fk, parent = self.fk_pair()
        keys = self.key_cols(parent, "p")
        return (f"SELECT {keys}, p.n, count(c.n), coalesce(sum(c.v), 0) FROM {parent.name} p "
                f"LEFT JOIN {child.name} c ON {self.join_on(fk, 'c', 'p')} "
                f"GROUP BY {keys} ORDER BY {keys}", True)

    def select_setop(self):
        a, b = self.table(), self.table()
        op = self.rng.choice(["UNION", "UNION ALL", "INTERSECT", "EXCEPT", "INTERSECT ALL",
                              "EXCEPT ALL"])
        return (f"SELECT x.n, x.v FROM {a.name} x WHERE {self.pred(a, 'x')} {op} "
                f"SELECT y.n, y.v FROM {b.name} y", False)

    def select_cte(self):
        selfref = [t for t in self.schema.tables for fk in t.fks if fk.parent == t.name]
        if selfref and self.rng.random() < 0.4:
            t = self.rng.choice(selfref)
            return (f"WITH RECURSIVE r AS (SELECT x.id, 0 AS depth FROM {t.name} x WHERE "
                    f"x.id = {self.lit(self.some_key(t)[0])} UNION ALL SELECT x.id, r.depth + 1 "
                    f"FROM {t.name} x JOIN r ON x.up_id = r.id WHERE r.depth < 5) "
                    f"SELECT id, depth FROM r", False)
        child, fk, parent = self.fk_pair()
        return (f"WITH w AS (SELECT * FROM {parent.name} p WHERE {self.pred(parent, 'p')}) "
                f"SELECT {self.key_cols(child, 'c')}, w.n FROM {child.name} c JOIN w ON "
                f"{self.join_on(fk, 'c', 'w')}", False)

    # --- INSERT -----------------------------------------------------------------------------

    def values_row(self, table, row, cols):
        return "(" + ", ".join(self.lit(row[c]) for c in cols) + ")"

    def insert_columns(self, table):
        """The columns written: all but the marker, sometimes without n (NOT NULL, no
        default) or without a foreign key (its default or NULL)."""
        cols = [c.name for c in table.data_columns()]
        r = self.rng.random()
        if r < 0.03:
            cols.remove("n")
        elif r < 0.10 and table.fks:
            for c in self.rng.choice(table.fks).cols:
                cols.remove(c)
        return cols

    def insert_values(self):
        t = self.table()
        cols = self.insert_columns(t)
        rows = [self.row_values(t, self.fresh_key(t)) for _ in range(self.rng.choice((1, 1, 2, 3)))]
        values = ", ".join(self.values_row(t, r, cols) for r in rows)
        return (f"INSERT INTO {t.name} AS x ({', '.join(cols)}) VALUES {values}"
                f"{self.returning(t, 'x')}", False)

    def insert_select(self):
        """INSERT ... SELECT from another table, keys offset to fresh ones; some source
        expressions keep PostgreSQL's INSERT-specific typing (untyped '5', NULL)."""
        t, src = self.table(), self.table()
        self.offsets += 1
        off = OFFSET_STEP * self.offsets
        base = f"y.{src.pk[0]}" if len(src.pk) == 1 else "y.a * 100 + y.b"
        exprs = {t.pk[0]: f"{base} + {off}"}
        if len(t.pk) == 2:
            exprs["b"] = "1"
        exprs["n"] = self.rng.choice(["y.n", "y.n", "'5'", "y.n * 1.4", "NULL"])
        exprs["v"] = self.rng.choice(["y.v", "NULL", "y.v + 1"])
        exprs["note"] = self.rng.choice(["y.note", "'copied'", "NULL"])
        for fk in t.fks:
            if fk.parent == src.name and self.rng.random() < 0.6:
                exprs.update({c: f"y.{p}" for c, p in zip(fk.cols, fk.parent_cols)})
            else:
                exprs.update({c: literal(v) for c, v in zip(fk.cols, self.fk_value(t, fk))})
        conflict = " ON CONFLICT DO NOTHING" if self.rng.random() < 0.2 else ""
        return (f"INSERT INTO {t.name} ({', '.join(exprs)}) SELECT {', '.join(exprs.values())} "
                f"FROM {src.name} y WHERE {self.pred(src, 'y')} AND {base} < {OFFSET_STEP}"
                f"{conflict}", False)

    def upsert(self):
        """INSERT ... ON CONFLICT on the unique code (partial on soft tables: the proxy adds
        the predicate), DO NOTHING or DO UPDATE [WHERE ...]."""
        t = self.table(lambda t: t.unique)
        if t is None:
            return self.insert_values()
        cols = [c.name for c in t.data_columns()]
        rows = []
        for _ in range(self.rng.choice((1, 1, 2))):
            row = self.row_values(t, self.fresh_key(t))
            row["code"] = self.code()
            rows.append(row)
        values = ", ".join(self.values_row(t, r, cols) for r in rows)
        target = "(code)"
        if t.soft and self.rng.random() < 0.2:
            target = f"(code) WHERE {t.live_predicate(t.name).replace(t.name + '.', '')}"
        if self.rng.random() < 0.35:
            action = "DO NOTHING"
        else:
            sets = ["v = EXCLUDED.v", f"n = {t.name}.n + 1"]
            if t.fks and self.rng.random() < 0.4:
                fk = self.rng.choice(t.fks)
                sets += [f"{c} = EXCLUDED.{c}" for c in fk.cols]
            action = "DO UPDATE SET " + ", ".join(sets)
            if self.rng.random() < 0.3:
                action += f" WHERE {t.name}.n < {self.lit(self.rng.randint(2, 8))}"
        ret = f" RETURNING {', '.join(t.pk)}, n" if self.rng.random() < 0.3 else ""
        return (f"INSERT INTO {t.name} ({', '.join(cols)}) VALUES {values} "
                f"ON CONFLICT {target} {action}{ret}", False)

    # --- UPDATE -----------------------------------------------------------------------------

    def update_values(self):
        t = self.table()
        value = self.rng.choice(["x.v + 1", "NULL", "lit", "x.n * 2"])
        if value == "lit":
            value = self.lit(self.rng.randint(0, 9))
        extra = ", note = 'upd'" if self.rng.random() < 0.3 else ""
        if self.rng.random() < 0.05:
            extra += ", n = NULL"
        return (f"UPDATE {t.name} x SET v = {value}{extra} WHERE {self.pred(t, 'x')}"
                f"{self.returning(t, 'x')}", False)

    def update_fk(self):
        child, fk, parent = self.fk_pair()
        key = self.fk_value(child, fk)
        sets = ", ".join(f"{c} = {self.lit(v)}" for c, v in zip(fk.cols, key))
        return (f"UPDATE {child.name} x SET {sets} WHERE {self.narrow_pred(child, 'x')}"
                f"{self.returning(child, 'x')}", False)

    def update_code(self):
        t = self.table(lambda t: t.unique)
        if t is None:
            return self.update_values()
        return (f"UPDATE {t.name} x SET code = {self.lit(self.code())} WHERE "
                f"{self.narrow_pred(t, 'x')}", False)

    def update_row(self):
        """UPDATE SET (a, b) = (...): a row of values or a sub-SELECT."""
        t = self.table()
        if t.fks and self.rng.random() < 0.5:
            fk = self.rng.choice(t.fks)
            parent = self.schema.table(fk.parent)
            source = (f"(SELECT {', '.join('p.' + c for c in fk.parent_cols)} FROM "
                      f"{parent.name} p WHERE {self.key_eq(parent, 'p', self.some_key(parent))})")
            return (f"UPDATE {t.name} x SET ({', '.join(fk.cols)}) = {source} WHERE "
                    f"{self.narrow_pred(t, 'x')}", False)
        return (f"UPDATE {t.name} x SET (v, n) = ({self.lit(self.rng.randint(0, 9))}, "
                f"{self.lit(self.rng.randint(0, 9))}) WHERE {self.pred(t, 'x')}", False)

    def update_from(self):
        return self.joined_write("UPDATE {} c SET v = p.n FROM", self.pred, self.update_values)

    def joined_write(self, head, pred, fallback):
        """UPDATE ... FROM / DELETE ... USING a parent along a foreign key of the target."""
        child, fk, parent = self.fk_pair()
        if child is parent:
            return fallback()
        return (f"{head.format(child.name)} {parent.name} p WHERE {self.join_on(fk, 'c', 'p')} "
                f"AND {pred(parent, 'p')}{self.returning(child, 'c')}", False)

    def update_pk(self):
        """A primary key changed to a fresh one: its children (NO ACTION on update) block it
        while they reference it, marked children included in S."""
        t = self.table(lambda t: t.pk == ["id"])
        old = self.some_key(t)
        new = self.fresh_key(t)
        return (f"UPDATE {t.name} x SET id = {self.lit(new[0])} WHERE x.id = {self.lit(old[0])}",
                False)

    # --- DELETE -----------------------------------------------------------------------------

    def delete_key(self):
        t = self.table()
        return (f"DELETE FROM {t.name} x WHERE {self.key_eq(t, 'x', self.some_key(t))}"
                f"{self.returning(t, 'x')}", False)

    def delete_where(self):
        t = self.table()
        return (f"DELETE FROM {t.name} x WHERE {self.narrow_pred(t, 'x')}"
                f"{self.returning(t, 'x')}", False)

    def delete_using(self):
        return self.joined_write("DELETE FROM {} c USING", self.narrow_pred, self.delete_where)

    def delete_subquery(self):
        child, fk, parent = self.fk_pair()
        return (f"DELETE FROM {parent.name} p WHERE p.{fk.parent_cols[0]} IN (SELECT "
                f"c.{fk.cols[0]} FROM {child.name} c WHERE {self.narrow_pred(child, 'c')})"
                f"{self.returning(parent, 'p')}", False)

    # --- MERGE ------------------------------------------------------------------------------

    def merge(self):
        """MERGE with a VALUES source: matched rows are deleted or updated (a foreign key
        too), unmatched fresh keys inserted (a deleted key must not be re-inserted: key
        reuse), or a source table whose keys are distinct."""
        t = self.table()
        if self.rng.random() < 0.25 and t.fks:
            return self.merge_from_table(t)
        fresh_from = self.next_id[t.name]
        rows = []
        for _ in range(self.rng.randint(1, 3)):
            key = self.fresh_key(t) if self.rng.random() < 0.4 else self.some_key(t)
            rows.append(self.row_values(t, key))
        fkcols = [c for fk in t.fks for c in fk.cols]
        cols = t.pk + ["n", "v"] + fkcols
        values = ", ".join("(" + ", ".join(self.typed(r[c]) for c in cols) + ")" for r in rows)
        on = " AND ".join(f"x.{c} = s.{c}" for c in t.pk)
        clauses = []
        if self.rng.random() < 0.6:
            clauses.append(f"WHEN MATCHED AND s.n > {self.lit(self.rng.randint(2, 7))} THEN DELETE")
        sets = ["v = s.v"] + ([f"{c} = s.{c}" for c in fkcols] if self.rng.random() < 0.5 else [])
        clauses.append(f"WHEN MATCHED THEN UPDATE SET {', '.join(sets)}")
        if self.rng.random() < 0.7:
            clauses.append(f"WHEN NOT MATCHED AND s.{t.pk[0]} BETWEEN {fresh_from} AND "
                           f"{MISSING - 1} THEN INSERT ({', '.join(cols)}) VALUES "
                           f"({', '.join('s.' + c for c in cols)})")
        return (f"MERGE INTO {t.name} x USING (VALUES {values}) AS s({', '.join(cols)}) ON {on} "
                + " ".join(clauses), False)

    def typed(self, value):
        """A VALUES entry of an int column: a NULL needs the type (else the column is text)."""
        return "NULL::int" if value is None else self.lit(value)

    def merge_from_table(self, t):
        fk = self.rng.choice(t.fks)
        parent = self.schema.table(fk.parent)
        keys = ", ".join(f"p.{c}" for c in fk.parent_cols)
        on = " AND ".join(f"x.{c} = s.{p}" for c, p in zip(fk.cols, fk.parent_cols))
        action = self.rng.choice(["DELETE", "UPDATE SET v = s.n"])
        return (f"MERGE INTO {t.name} x USING (SELECT DISTINCT {keys}, p.n FROM {parent.name} p "
                f"WHERE {self.pred(parent, 'p')}) s ON {on} WHEN MATCHED THEN {action}", False)

    # --- data-modifying CTEs ------------------------------------------------------------------

    def cte_write(self):
        r = self.rng.randint(0, 4)
        t = self.table()
        keys = self.key_cols(t, "x")
        if r == 0:
            return (f"WITH d AS (DELETE FROM {t.name} x WHERE {self.narrow_pred(t, 'x')} "
                    f"RETURNING {keys}) SELECT count(*) FROM d", False)
        if r == 1:
            return (f"WITH u AS (UPDATE {t.name} x SET v = {self.lit(self.rng.randint(0, 9))} "
                    f"WHERE {self.pred(t, 'x')} RETURNING {keys}, x.v) SELECT * FROM u", False)
        if r == 2:
            cols = [c.name for c in t.data_columns()]
            row = self.row_values(t, self.fresh_key(t))
            return (f"WITH i AS (INSERT INTO {t.name} ({', '.join(cols)}) VALUES "
                    f"{self.values_row(t, row, cols)} RETURNING {', '.join(t.pk)}) "
                    f"SELECT count(*) FROM i", False)
        child, fk, parent = self.fk_pair()
        if r == 3:
            return (f"WITH d AS (DELETE FROM {parent.name} p WHERE "
                    f"{self.narrow_pred(parent, 'p')} RETURNING {self.key_cols(parent, 'p')}) "
                    f"SELECT count(*) FROM {child.name} c WHERE "
                    f"({', '.join('c.' + c for c in fk.cols)}) IN (SELECT * FROM d)", False)
        return (f"WITH d AS (DELETE FROM {child.name} c WHERE {self.narrow_pred(child, 'c')} "
                f"RETURNING c.n) UPDATE {parent.name} p SET v = {self.lit(self.rng.randint(0, 9))} "
                f"WHERE p.n IN (SELECT n FROM d)", False)

    def error(self):
        """A plain error, mostly to break transactions in the middle."""
        return ("SELECT 1 / 0", False)
