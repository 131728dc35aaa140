"""A random schema with soft-delete tables, and its seed rows (tests/diff).

The schema is a plain data structure (Table, Column, ForeignKey, Unique), so that the
minimizer can drop tables and rows from it and render it again. Everything here is a
function of the random generator it is given: one seed, one schema.

What a schema always has, so every seed exercises the SPEC §4 machinery:
  - soft tables with a timestamptz `deleted_at` or a boolean `is_deleted NOT NULL DEFAULT
    false` marker, and tables without a marker;
  - a CASCADE chain of three soft tables (t1 <- t2 <- t3), further foreign keys with every
    ON DELETE action (CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, some NO ACTION
    DEFERRABLE INITIALLY DEFERRED), composite keys, self-references;
  - a table without a marker whose foreign key CASCADEs from a soft parent (its rows are
    hidden, not marked, SPEC §3) and who, like a soft table, references another table
    without a marker with a foreign key that blocks deleting its rows;
  - a unique `code` column on some tables: a partial unique index on live rows in a soft
    table (full in H, the `-- @partial` convention of tests/equiv/schema.sql), a plain UNIQUE
    constraint elsewhere.

What it never has, because README "Where equivalence cannot hold" documents it: a full
unique index on a soft table, ON DELETE CASCADE from a table without a marker to a soft
table (a real delete reaches marked rows), a CASCADE self-reference on a table without a
marker (reads follow it one level only), triggers.
"""

import re
from dataclasses import dataclass, field

ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")
MARKERS = ("deleted_at", "is_deleted")
PARTIAL_TAG = "-- @partial"


@dataclass
class Column:
    name: str
    type: str  # int, text, timestamptz, boolean
    not_null: bool = False
    default: str = None  # SQL text


@dataclass
class ForeignKey:
    name: str
    cols: list
    parent: str
    parent_cols: list
    action: str
    deferred: bool = False  # NO ACTION DEFERRABLE INITIALLY DEFERRED


@dataclass
class Table:
    name: str
    marker: str  # None, 'deleted_at' or 'is_deleted'
    pk: list
    columns: list = field(default_factory=list)
    fks: list = field(default_factory=list)
    unique: list = field(default_factory=list)  # columns of the one unique key, or []

    @property
    def soft(self):
        return self.marker is not None

    def column(self, name):
        return next(c for c in self.columns if c.name == name)

    def live_predicate(self, alias):
        """Live rows of a soft table, as the proxy defines them (SPEC §2)."""
        if self.marker == "deleted_at":
            return f"{alias}.deleted_at IS NULL"
        return f"NOT {alias}.is_deleted"

    def data_columns(self):
        """Columns a statement may write: not the marker (writing it is a restore, SPEC §5,
        outside equivalence)."""
        return [c for c in self.columns if c.name not in MARKERS]


@dataclass
class Schema:
    tables: list  # parents before children (foreign keys only point back, or to self)

    def table(self, name):
        return next(t for t in self.tables if t.name == name)

    def children(self, name):
        """(child table, foreign key) pairs referencing table `name`."""
        return [(t, fk) for t in self.tables for fk in t.fks if fk.parent == name]

    def hidden_capable(self, table):
        """A table without a marker whose rows can be hidden: it has an ON DELETE CASCADE
        foreign key to a soft table or to another such table (SPEC §3)."""
        return not table.soft and bool(self.hiding_fks(table))

    def hiding_fks(self, table):
        if table.soft:
            return []
        out = []
        for fk in table.fks:
            if fk.action != "CASCADE" or fk.parent == table.name:
                continue
            parent = self.table(fk.parent)
            if parent.soft or self.hiding_fks(parent):
                out.append(fk)
        return out


# --- rendering ------------------------------------------------------------------------------

def column_ddl(col):
    text = f"{col.name} {col.type}"
    if col.not_null:
        text += " NOT NULL"
    if col.default is not None:
        text += f" DEFAULT {col.default}"
    return text


def fk_ddl(fk):
    text = (f"CONSTRAINT {fk.name} FOREIGN KEY ({', '.join(fk.cols)}) REFERENCES "
            f"{fk.parent} ({', '.join(fk.parent_cols)}) ON DELETE {fk.action}")
    if fk.deferred:
        text += " DEFERRABLE INITIALLY DEFERRED"
    return text


def table_ddl(table):
    """CREATE TABLE, then the unique key: a partial index tagged `-- @partial` on a soft
    table, a UNIQUE constraint on a table without a marker. Foreign keys come later
    (fk_statements), so tables can be created in any order and self-references work."""
    parts = [column_ddl(c) for c in table.columns]
    parts.append(f"PRIMARY KEY ({', '.join(table.pk)})")
    if table.unique and not table.soft:
        parts.append(f"CONSTRAINT {table.name}_code_key UNIQUE ({', '.join(table.unique)})")
    lines = [f"CREATE TABLE {table.name} ({', '.join(parts)});"]
    if table.unique and table.soft:
        lines.append(f"CREATE UNIQUE INDEX {table.name}_code_live ON {table.name} "
                     f"({', '.join(table.unique)}) WHERE {table.live_predicate(table.name)};"
                     f" {PARTIAL_TAG}")
    return lines


def fk_statements(schema):
    return [f"ALTER TABLE {t.name} ADD {fk_ddl(fk)};" for t in schema.tables for fk in t.fks]


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert_statement(table, row):
    """One seed row: {column: value}."""
    cols = list(row)
    return (f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
            f"({', '.join(literal(row[c]) for c in cols)});")


def setup_script(schema, rows):
    """The S form of the setup (partial indexes tagged); h_form() gives H's."""
    lines = []
    for t in schema.tables:
        lines += table_ddl(t)
    lines += [insert_statement(name, row) for name, row in rows]
    lines += fk_statements(schema)
    return lines


def h_form(line):
    """tests/equiv/schema.sql's convention: a line tagged `-- @partial` loses its
    ` WHERE <predicate>` in H, where deleted rows are really gone."""
    if not line.rstrip().endswith(PARTIAL_TAG):
        return line
    full, count = re.subn(r"\s+WHERE\s+[^;]*;", ";", line, count=1, flags=re.I)
    if count != 1:
        raise ValueError(f"bad {PARTIAL_TAG} line: {line}")
    return full


# --- the live rows of S, written from the schema (not from product code) ----------------------

def live_sql(schema, table, alias="t"):
    """The rows of `table` in S that H would still have: a soft table's unmarked rows; a
    table without a marker loses the rows whose CASCADE parent is not live (recursively)."""
    conds = []
    if table.soft:
        conds.append(table.live_predicate(alias))
    for fk in schema.hiding_fks(table):
        parent = schema.table(fk.parent)
        palias = alias + "p"
        null = " OR ".join(f"{alias}.{c} IS NULL" for c in fk.cols)
        join = " AND ".join(f"{palias}.{pc} = {alias}.{c}"
                            for c, pc in zip(fk.cols, fk.parent_cols))
        conds.append(f"({null} OR EXISTS (SELECT 1 FROM ({live_sql(schema, parent, palias)}) "
                     f"{palias} WHERE {join}))")
    where = " WHERE " + " AND ".join(conds) if conds else ""
    return f"SELECT {alias}.* FROM ONLY {table.name} {alias}{where}"


# --- generation -----------------------------------------------------------------------------

def generate(rng):
    """(Schema, seed rows [(table, {col: value})]) for one seed."""
    count = rng.randint(7, 10)
    kinds = _table_kinds(rng, count)
    tables = []
    for i, marker in enumerate(kinds):
        tables.append(_new_table(rng, f"t{i + 1}", marker, composite=i > 2 and rng.random() < 0.3))
    schema = Schema(tables)
    _link(rng, schema)
    rows = seed_rows(rng, schema)
    return schema, rows


def _table_kinds(rng, count):
    """Markers per table: t1..t3 soft (the CASCADE chain), at least two without a marker."""
    kinds = [rng.choice(MARKERS) for _ in range(3)]
    for _ in range(3, count):
        r = rng.random()
        kinds.append("deleted_at" if r < 0.35 else "is_deleted" if r < 0.55 else None)
    plain = [i for i in range(3, count) if kinds[i] is None]
    while len(plain) < 2:
        i = rng.choice([i for i in range(3, count) if kinds[i] is not None])
        kinds[i] = None
        plain.append(i)
    return kinds


def _new_table(rng, name, marker, composite):
    pk = ["a", "b"] if composite else ["id"]
    cols = [Column(c, "int", not_null=True) for c in pk]
    cols += [Column("n", "int", not_null=True), Column("v", "int"), Column("note", "text")]
    table = Table(name, marker, pk, cols)
    if rng.random() < 0.6:
        table.columns.append(Column("code", "text"))
        table.unique = ["code"]
    if marker == "deleted_at":
        table.columns.append(Column("deleted_at", "timestamptz"))
    elif marker == "is_deleted":
        table.columns.append(Column("is_deleted", "boolean", not_null=True, default="false"))
    return table


def _allowed_actions(parent, child, self_ref):
    out = list(ACTIONS)
    if not parent.soft and child.soft:
        out.remove("CASCADE")  # a real delete would reach marked rows (documented)
    if self_ref and not child.soft:
        out.remove("CASCADE")  # reads follow it one level only (documented)
    if self_ref:
        out.remove("SET DEFAULT")  # its default must name a row of the table itself
    return out


def _link(rng, schema):
    """Foreign keys: the forced ones, then random ones to earlier tables and
    self-references."""
    t = schema.tables
    _add_fk(rng, t[1], t[0], "CASCADE")
    _add_fk(rng, t[2], t[1], "CASCADE")
    _link_plain_parent(rng, t)
    for i, child in enumerate(t):
        if i == 0:
            continue
        for _ in range(rng.choice((0, 1, 1, 2))):
            parent = rng.choice(t[:i])
            if any(fk.parent == parent.name for fk in child.fks):
                continue
            _add_fk(rng, child, parent, rng.choice(_allowed_actions(parent, child, False)))
    for child in rng.sample([x for x in t if x.pk == ["id"]], 2):
        _add_fk(rng, child, child, rng.choice(_allowed_actions(child, child, True)))


def _link_plain_parent(rng, t):
    """Rows a real delete would have removed must not block a table without a marker: the
    second table without a marker CASCADEs from a soft table (its rows get hidden) and
    references the first one, as does a soft table after it (its rows get marked), both
    with a foreign key that blocks a real delete of the parent."""
    plain, hidden = [x for x in t[3:] if not x.soft][:2]
    _add_fk(rng, hidden, rng.choice([p for p in t[:t.index(hidden)] if p.soft]), "CASCADE")
    _add_fk(rng, hidden, plain, rng.choice(("RESTRICT", "NO ACTION")))
    marked = [x for x in t[t.index(plain) + 1:] if x.soft]
    if marked:
        _add_fk(rng, rng.choice(marked), plain, rng.choice(("RESTRICT", "NO ACTION", "SET NULL")))


def _add_fk(rng, child, parent, action):
    """Adds the key columns (named after the parent) and the constraint."""
    if parent is child:
        prefix = "up"
    else:
        prefix = parent.name
    cols = [f"{prefix}_{c}" for c in parent.pk]
    deferred = action == "NO ACTION" and rng.random() < 0.4
    not_null = action in ("CASCADE", "RESTRICT", "NO ACTION") and rng.random() < 0.3 \
        and parent is not child
    default = None
    if action == "SET DEFAULT":
        default = "1"  # the seed always has parent key 1 (or (1, 1))
    for c in cols:
        child.columns.insert(len(child.columns) - (1 if child.soft else 0),
                             Column(c, "int", not_null=not_null, default=default))
    name = f"{child.name}_{prefix}_fk"
    child.fks.append(ForeignKey(name, cols, parent.name, list(parent.pk), action, deferred))


CODES = 30  # code values c1..c30: few enough to collide


def seed_rows(rng, schema):
    """Rows per table, parents first; keys 1..k (composite: (a, b) pairs); foreign keys
    point at existing parent rows or NULL where allowed. Key 1 / (1, 1) always exists
    (SET DEFAULT's default)."""
    rows = []
    keys = {}
    for t in schema.tables:
        keys[t.name] = []
        for key in _seed_keys(rng, t):
            row = dict(zip(t.pk, key))
            row.update(_seed_values(rng, t, keys))
            keys[t.name].append(key)
            rows.append((t.name, row))
    return dedupe_codes(rows)


def _seed_keys(rng, table):
    count = rng.randint(6, 12)
    if table.pk == ["id"]:
        return [(i,) for i in range(1, count + 1)]
    pairs = [(1, 1)] + rng.sample([(a, b) for a in range(1, 5) for b in range(1, 5)
                                   if (a, b) != (1, 1)], count - 1)
    return pairs


def _seed_values(rng, table, keys):
    """Values for the non-key columns: small domains so predicates, joins and unique keys
    collide. Seed rows get valid foreign keys (the self-reference: an earlier row)."""
    row = {"n": rng.randint(0, 9), "v": rng.choice([None] + list(range(10))),
           "note": rng.choice([None, "a", "b", "c", "x y", "it's"])}
    if table.unique:
        row["code"] = None if rng.random() < 0.2 else f"c{rng.randint(1, CODES)}"
    for fk in table.fks:
        choices = keys.get(fk.parent) or []
        nullable = not table.column(fk.cols[0]).not_null
        if choices and (not nullable or rng.random() < 0.8):
            row.update(zip(fk.cols, rng.choice(choices)))
        elif nullable:
            row.update({c: None for c in fk.cols})
        else:
            row.update(zip(fk.cols, (1,) * len(fk.cols)))
    return row


def dedupe_codes(rows):
    """Seed rows must load: a code already taken in its table becomes NULL."""
    seen = set()
    for name, row in rows:
        code = row.get("code")
        if code is not None:
            if (name, code) in seen:
                row["code"] = None
            seen.add((name, code))
    return rows
