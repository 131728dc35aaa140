#!/usr/bin/python3
"""The observational-equivalence oracle (SPEC §1).

    python3 tests/equiv/run.py [options] [script.sql | name ...]

Every script of the corpus (tests/equiv/*.sql but schema.sql, live.sql and prelude.sql) runs
against two fresh databases cloned from two templates loaded with schema.sql:

  S  reached THROUGH the proxy (./tombstone, [softdelete] columns = deleted_at, is_deleted);
     its unique indexes on soft-delete tables are partial;
  H  reached DIRECTLY; same schema with those indexes full (see the convention at the top
     of schema.sql); deletes are real.

in three ways, each on a freshly cloned pair:

  simple    psql -X -a -f script (simple query protocol; `\\;` joins statements into one
            Query message). Errors (VERBOSITY default, SHOW_CONTEXT never, so with their
            "LINE n:" excerpt and caret: the proxy maps positions back to the client's text)
            and command tags appear in the transcript.
            Everything (messages, DETAIL, HINT, positions, tags, rows) must match exactly.
  extended  psycopg 3, autocommit, each statement separately over the extended protocol
            with the unnamed statement and portal (Parse/Bind/Describe/Execute/Sync), even
            without parameters (psycopg would otherwise use a simple Query). Per statement:
            command status, column names and type OIDs (built-in types; "user" for a type
            of the schema, whose OID differs between the templates), rows, notices, or the error
            (SQLSTATE, severity, primary message, detail, hint, schema/table/column/
            constraint/datatype names, and the statement position — not the context).
  prepared  the same with execute(..., prepare=True): named statements (psycopg reuses
            the name when the same text comes again) — exercises the tag fix on Execute of
            a named statement.

A script may restrict its ways with a header line `-- @ways: extended, prepared` (for
statements with parameters, which psql 15 cannot bind), and a statement may be preceded by
a comment line `-- @params: (5, 'x')`: the psycopg ways then bind these values to its %s
placeholders (Bind parameters, which the simple way cannot send).

A script may begin with a block that runs on S only, through the proxy, right after the
prelude (psql, stopping at the first error, its transcript not compared): the lines from
`-- @s-first begin` to `-- @s-first end`. The rest of the script then runs on both and must
match: a block that deletes and restores (tombstone.visibility = deleted, UPDATE ... SET
deleted_at = NULL) must leave S as H, where nothing happened (SPEC §5). A header line
`-- @deletes: hard` says the script deletes for real on purpose (SET tombstone.deletes =
hard): its check (ii) is that no row was marked (every delete was real); (i) still holds,
since a hard delete must equal H's.

COPY works in every way: `COPY ... TO STDOUT` (data recorded) and `COPY ... FROM STDIN`
followed by its data lines up to `\\.`, as psql reads them from the script.

The S template also gets the product's helper functions (`tombstone install`, schema
"tombstone") when the binary has that command.

Before each way: both databases are cloned from the templates, every row of every
soft-delete table of S is snapshotted physically (primary keys, directly), then prelude.sql
runs with psql through the proxy for S and directly for H (its transcript is compared too).
After each way, the state is checked:
  (i)  the live rows of S, read directly with the hand-written queries of live.sql, equal
       all rows of H, table by table, whole rows in primary-key order (tables a script
       created are compared too);
  (ii) every row a soft-delete table of S held before the prelude still exists physically
       (a proxy that deletes for real fails here), and a soft-delete table a script creates
       holds as many marked rows as live.sql says the script deletes (`marked N`).

--self-test replaces the proxy by a direct connection to a second copy of H: S and H are
then both real-delete databases, so everything must pass; (ii) cannot hold there and is
skipped. It proves that the transcripts are deterministic, that the live queries are valid
and that a failure of the normal run can only mean the proxy is wrong.

Scripts must be deterministic on a real database: ORDER BY a unique key wherever rows are
printed, no now()/random() in output, and must not change the primary key of a row of a
soft-delete table of schema.sql nor drop or truncate one (check (ii) follows rows by primary
key). Scripts may use psql's `\\;` and COPY data blocks (`\\.`) but no other meta-command.

Output: one block per difference (a unified diff H → S of the transcripts, or the state
check's findings), then a grid scripts × ways and the run time; every transcript and diff is
kept in --out (default: a temporary directory, kept when something failed). --core skips the
fk_/unique_/merge_ scripts (foreign keys, unique keys, upserts, MERGE). Exit status: 0 when
every comparison matched, 1 otherwise.
"""

import argparse
import ast
import concurrent.futures
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import harness  # noqa: E402

PSQL = os.path.join(harness.PG_BIN, "psql")
NOT_SCRIPTS = {"schema.sql", "live.sql", "prelude.sql"}
WAYS = ("simple", "extended", "prepared")
LATER_PREFIXES = ("fk_", "unique_", "merge_")  # need the foreign-key / unique work
MARKERS = ("deleted_at", "is_deleted")
TEMPLATE_S, TEMPLATE_H = "eq_tmpl_s", "eq_tmpl_h"


# --- the corpus --------------------------------------------------------------------------

class Stmt:
    """One statement of a script, as the psycopg runners send it."""

    def __init__(self, text, line, copy_in=None, copy_out=False, params=None):
        self.text = text
        self.line = line
        self.copy_in = copy_in  # bytes for COPY ... FROM STDIN
        self.copy_out = copy_out
        self.params = params  # a tuple from `-- @params:`: bound over the extended protocol


_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$")
_COPY_IN = re.compile(r"^\s*COPY\b.*\bFROM\s+STDIN\b", re.I | re.S)
_COPY_OUT = re.compile(r"^\s*COPY\b.*\bTO\s+STDOUT\b", re.I | re.S)


def _strip_leading_comments(text):
    """Drops the leading whitespace and `--` comment lines (documentation, not statement)."""
    while True:
        stripped = text.lstrip()
        if stripped.startswith("--"):
            nl = stripped.find("\n")
            text = "" if nl < 0 else stripped[nl + 1:]
        else:
            return stripped


S_FIRST = re.compile(r"^-- @s-first begin\n(.*?)^-- @s-first end\n", re.M | re.S)


def s_first_block(text):
    """(the @s-first block or None, the script without it)."""
    m = S_FIRST.search(text)
    if not m:
        return None, text
    return m.group(1), text[:m.start()] + "\n" * m.group(0).count("\n") + text[m.end():]


def split_script(text):
    """Splits a psql script into statements like psql's lexer does: quotes, E'' strings,
    quoted identifiers, dollar quotes, nested block comments; `;` and psql's `\\;` end a
    statement; COPY ... FROM STDIN takes the following lines up to `\\.` as its data."""
    stmts = []
    i, n, start = 0, len(text), 0

    def finish(end):
        body = text[start:end]
        rest = _strip_leading_comments(body)
        stmt = rest.rstrip()
        if not stmt:
            return None
        line = text.count("\n", 0, start + len(body) - len(rest)) + 1
        params = None
        for m in re.finditer(r"^\s*-- @params:(.*)$", body[:len(body) - len(rest)], re.M):
            params = ast.literal_eval(m.group(1).strip())
            if not isinstance(params, tuple):
                raise ValueError(f"line {line}: @params must be a Python tuple")
        s = Stmt(stmt, line, params=params)
        stmts.append(s)
        return s

    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == "/" and text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "'":
            escape = i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum()
                                                                        or text[i - 2] == "_"))
            i += 1
            while i < n:
                if escape and text[i] == "\\":
                    i += 2
                elif text[i] == "'":
                    if text.startswith("''", i):
                        i += 2
                    else:
                        i += 1
                        break
                else:
                    i += 1
        elif c == '"':
            i += 1
            while i < n:
                if text.startswith('""', i):
                    i += 2
                elif text[i] == '"':
                    i += 1
                    break
                else:
                    i += 1
        elif c == "$" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) \
                and _DOLLAR.match(text, i):
            tag = _DOLLAR.match(text, i).group(0)
            j = text.find(tag, i + len(tag))
            i = n if j < 0 else j + len(tag)
        elif c == ";" or (c == "\\" and text.startswith("\\;", i)):
            s = finish(i)
            i += 1 if c == ";" else 2
            start = i
            if s is not None and _COPY_IN.match(_strip_comments(s.text)):
                # data: the lines after the one holding the statement's end, up to "\."
                j = text.find("\n", i)
                pos = n if j < 0 else j + 1
                lines = []
                while pos < n:
                    j = text.find("\n", pos)
                    line = text[pos:] if j < 0 else text[pos:j]
                    pos = n if j < 0 else j + 1
                    if line == "\\.":
                        break
                    lines.append(line + "\n")
                else:
                    raise ValueError(f"line {s.line}: COPY FROM STDIN without \\. ")
                s.copy_in = "".join(lines).encode()
                i = start = pos
            elif s is not None and _COPY_OUT.match(_strip_comments(s.text)):
                s.copy_out = True
        elif c == "\\":
            line_no = text.count("\n", 0, i) + 1
            raise ValueError(f"line {line_no}: psql meta-command not supported by the "
                             f"oracle's statement splitter: {text[i:i + 20]!r}")
        else:
            i += 1
    if _strip_leading_comments(text[start:]).strip():
        raise ValueError("the script ends with a statement without ';'")
    return stmts


def _strip_comments(sql):
    """The statement without -- and /* */ comments (for recognising COPY only)."""
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def corpus(selected):
    every = sorted(f for f in os.listdir(HERE) if f.endswith(".sql") and f not in NOT_SCRIPTS)
    if not selected:
        return [os.path.join(HERE, f) for f in every]
    paths = []
    for name in selected:
        if os.path.exists(name) and name.endswith(".sql"):
            paths.append(os.path.abspath(name))
            continue
        base = os.path.basename(name)
        base = base if base.endswith(".sql") else base + ".sql"
        if base not in every:
            matches = [f for f in every if f.startswith(base[:-4])]
            if not matches:
                sys.exit(f"run.py: no script {name!r} in {HERE}")
            paths += [os.path.join(HERE, f) for f in matches]
        else:
            paths.append(os.path.join(HERE, base))
    return paths


# --- schema.sql, live.sql ----------------------------------------------------------------

def schema_texts():
    """(S text, H text, names of the partial indexes), by schema.sql's two conventions:
    `-- @partial` unique indexes lose their WHERE in H; `-- @mark` UPDATEs become DELETEs."""
    with open(os.path.join(HERE, "schema.sql")) as f:
        s_text = f.read()
    h_lines, partial = [], []
    for line in s_text.split("\n"):
        code = not line.lstrip().startswith("--")
        if code and line.rstrip().endswith("-- @partial"):
            m = re.match(r"\s*CREATE UNIQUE INDEX (\S+) ON .*", line, re.I)
            full, count = re.subn(r"\s+WHERE\s+[^;]*;", ";", line, count=1, flags=re.I)
            if not m or count != 1:
                raise ValueError(f"schema.sql: bad @partial line: {line}")
            partial.append(m.group(1))
            line = full
        elif code and line.rstrip().endswith("-- @mark"):
            m = re.match(r"\s*UPDATE\s+(\S+)\s+SET\s+\S+\s*=\s*[^;]*?\s+WHERE\s+([^;]*);\s*"
                         r"-- @mark$", line.rstrip(), re.I)
            if not m:
                raise ValueError(f"schema.sql: bad @mark line: {line}")
            line = f"DELETE FROM {m.group(1)} WHERE {m.group(2)};"
        h_lines.append(line)
    return s_text, "\n".join(h_lines), partial


class LiveTable:
    def __init__(self, schema, name, marker, sql, created=False, marked=None):
        self.schema, self.name, self.marker, self.sql = schema, name, marker, sql
        self.created = created  # created by a script, not in schema.sql
        self.marked = marked  # created soft table: the rows its script deletes (marked in S)

    @property
    def key(self):
        return (self.schema, self.name)

    @property
    def qualified(self):
        return f'{qi(self.schema)}.{qi(self.name)}'


def load_live():
    with open(os.path.join(HERE, "live.sql")) as f:
        text = f.read()
    tables = {}
    for m in re.finditer(r"^-- @table (\S+?)\.(\S+)(?: soft (\S+))?( created)?(?: marked (\d+))?\n"
                         r"(.*?);", text, re.M | re.S):
        t = LiveTable(m.group(1), m.group(2), m.group(3), m.group(6).strip(), bool(m.group(4)),
                      int(m.group(5)) if m.group(5) else None)
        tables[t.key] = t
    return tables


def qi(name):
    return '"' + name.replace('"', '""') + '"'


# --- the databases -----------------------------------------------------------------------

TABLES_SQL = """
SELECT n.nspname, c.relname,
       (SELECT array_agg(a.attname ORDER BY k.i)
          FROM pg_index x, unnest(x.indkey) WITH ORDINALITY k(n, i), pg_attribute a
         WHERE x.indrelid = c.oid AND x.indisprimary
           AND a.attrelid = c.oid AND a.attnum = k.n) AS pk,
       (SELECT a.attname FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attname IN ('deleted_at', 'is_deleted')
           AND a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'bool'::regtype)
         ORDER BY a.attname = 'deleted_at' DESC LIMIT 1) AS marker
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'tombstone')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2
"""


def catalog_tables(conn):
    """{(schema, name): (pk columns or None, marker column or None)}"""
    return {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(TABLES_SQL).fetchall()}


def render_row(row):
    return "(" + ", ".join(render_value(v) for v in row) + ")"


def render_value(v):
    return "NULL" if v is None else repr(v)


def table_rows(conn, sql, pk):
    """The rows of a query over one table, rendered, in primary-key order."""
    if pk:
        order = ", ".join(qi(c) for c in pk)
        rows = conn.execute(f"SELECT * FROM ({sql}) q ORDER BY {order}").fetchall()
        return [render_row(r) for r in rows]
    return sorted(render_row(r) for r in conn.execute(sql).fetchall())


class Cluster:
    """One PostgreSQL, one proxy (unless self-test), the templates, and database pairs."""

    def __init__(self, args):
        self.args = args
        self.pg = harness.Postgres.start()
        self.px = None
        self.lock = threading.Lock()
        self.counter = 0

    def start_proxy(self):
        # The harness writes `extra` at the end of the [tombstone] section, just before
        # [databases]: a section header there opens the [softdelete] section.
        self.px = harness.Proxy.start(
            self.pg, extra="[softdelete]\ncolumns = deleted_at, is_deleted")

    def stop(self):
        status = None
        try:
            if self.px:
                status = self.px.stop()
        finally:
            self.pg.stop()
        return status

    def admin(self):
        return psycopg.connect(self.pg.dsn("postgres"), autocommit=True)

    def direct_dsn(self, db):
        return self.pg.dsn(db)

    def s_endpoint(self, db):
        """(host, port) S is reached at: the proxy, or directly in the self-test."""
        if self.args.self_test:
            return "127.0.0.1", self.pg.port
        return "127.0.0.1", self.px.port

    def s_dsn(self, db):
        host, port = self.s_endpoint(db)
        return harness.conninfo(host=host, port=port, dbname=db, user="postgres")

    def load_templates(self):
        s_text, h_text, partial = schema_texts()
        self.partial = partial
        with self.admin() as c:
            for db in (TEMPLATE_S, TEMPLATE_H):
                c.execute(f"DROP DATABASE IF EXISTS {db}")
                c.execute(f"CREATE DATABASE {db}")
        for db, text in ((TEMPLATE_S, s_text), (TEMPLATE_H, h_text)):
            out = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                                  "-p", str(self.pg.port), "-U", "postgres", "-d", db],
                                 input=text, text=True, capture_output=True)
            if out.returncode:
                raise RuntimeError(f"loading schema.sql into {db} failed:\n{out.stderr}")
        self.install_helpers()

    def install_helpers(self):
        """`tombstone install` on the S template: the product's own setup step (helper
        functions in schema "tombstone"), done once so every clone of S has it. Skipped in the
        self-test (S is then a copy of H) and with a binary that has no install command."""
        self.install_note = None
        if self.args.self_test:
            return
        out = subprocess.run([proxy_binary(), "install", "-c", self.px.config_path,
                              "-d", TEMPLATE_S, "-U", "postgres"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if out.returncode == 0:
            self.install_note = "tombstone install: done on the S template"
        elif "unknown command" in out.stdout:
            self.install_note = "tombstone install: not available in this binary, skipped"
        else:
            raise RuntimeError(f"tombstone install failed:\n{out.stdout}")

    def check_templates(self, live):
        """The oracle's own consistency: S and H templates differ only as the convention
        says, and live.sql knows every table with the right marker."""
        problems = []
        with psycopg.connect(self.direct_dsn(TEMPLATE_S)) as s, \
                psycopg.connect(self.direct_dsn(TEMPLATE_H)) as h:
            tables = catalog_tables(s)
            if tables != catalog_tables(h):
                problems.append("the templates have different tables")
            for key, (pk, marker) in tables.items():
                lt = live.get(key)
                if lt is None:
                    problems.append(f"live.sql has no query for {key[0]}.{key[1]}")
                    continue
                if lt.marker != marker:
                    problems.append(f"live.sql says marker {lt.marker} for {key[0]}.{key[1]}, "
                                    f"the catalog {marker}")
                if not pk:
                    problems.append(f"{key[0]}.{key[1]} has no primary key")
                q = f"SELECT * FROM ONLY {lt.qualified}"
                if table_rows(s, lt.sql, pk) != table_rows(h, q, pk):
                    problems.append(f"the live rows of {key[0]}.{key[1]} in the S template "
                                    f"differ from its rows in the H template (@mark lines?)")
            for key, lt in live.items():
                if key not in tables and not lt.created:
                    problems.append(f"live.sql names {key[0]}.{key[1]}, not in schema.sql")
                if key in tables and lt.created:
                    problems.append(f"live.sql says a script creates {key[0]}.{key[1]}, "
                                    f"but schema.sql has it")
            idx = "SELECT schemaname, indexname, indexdef FROM pg_indexes " \
                  "WHERE schemaname NOT IN ('pg_catalog', 'tombstone') ORDER BY 1, 2"
            s_idx = {(r[0], r[1]): r[2] for r in s.execute(idx).fetchall()}
            h_idx = {(r[0], r[1]): r[2] for r in h.execute(idx).fetchall()}
            for key, d in s_idx.items():
                if key[1] in self.partial:
                    if " WHERE " not in d:
                        problems.append(f"index {key[1]} is not partial in S")
                    d = d.split(" WHERE ")[0]
                if h_idx.get(key) != d:
                    problems.append(f"index {key[1]} differs: S {d!r}, H {h_idx.get(key)!r}")
            if set(s_idx) != set(h_idx):
                problems.append("the templates have different indexes")
            soft = {k for k, (pk, m) in tables.items() if m}
            for r in s.execute("SELECT n.nspname, t.relname, i.relname, x.indisprimary, "
                               "x.indpred IS NOT NULL FROM pg_index x "
                               "JOIN pg_class i ON i.oid = x.indexrelid "
                               "JOIN pg_class t ON t.oid = x.indrelid "
                               "JOIN pg_namespace n ON n.oid = t.relnamespace "
                               "WHERE x.indisunique").fetchall():
                if (r[0], r[1]) in soft and not r[3] and not r[4]:
                    problems.append(f"unique index {r[2]} of soft-delete table {r[1]} is "
                                    f"neither primary nor partial")
        return problems

    def new_pair(self):
        with self.lock:
            self.counter += 1
            n = self.counter
        s_db, h_db = f"eq_{n}_s", f"eq_{n}_h"
        s_tmpl = TEMPLATE_H if self.args.self_test else TEMPLATE_S
        with self.admin() as c:
            c.execute(f"CREATE DATABASE {s_db} TEMPLATE {s_tmpl} STRATEGY WAL_LOG")
            c.execute(f"CREATE DATABASE {h_db} TEMPLATE {TEMPLATE_H} STRATEGY WAL_LOG")
        return s_db, h_db

    def drop_pair(self, dbs):
        with self.admin() as c:
            for db in dbs:
                c.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


# --- the three ways ----------------------------------------------------------------------

def proxy_binary():
    return harness.tombstone_binary()


def run_psql(host, port, db, path):
    """psql's transcript of a script, stderr merged in order (psql flushes stdout before it
    writes a message)."""
    cmd = [PSQL, "-X", "-a", "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=default",
           "-v", "SHOW_CONTEXT=never", "-P", "pager=off", "-h", host, "-p", str(port),
           "-U", "postgres", "-d", db, "-f", path]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, timeout=120)
    text = out.stdout.decode("utf-8", "replace")
    return text + f"[psql exit status {out.returncode}]\n"


class ExtendedCursor(psycopg.Cursor):
    """A cursor that always uses the extended query protocol. psycopg 3.1 sends a statement
    without parameters as a simple Query; forcing the extended path gives Parse/Bind/
    Describe/Execute/Sync with the unnamed statement and portal (checked at start-up by
    check_extended: a two-statement text must then fail as it does in a Parse)."""

    def _execute_send(self, query, *, force_extended=False, binary=None):
        super()._execute_send(query, force_extended=True, binary=binary)


ERROR_FIELDS = ("severity_nonlocalized", "message_primary", "message_detail", "message_hint",
                "statement_position", "schema_name", "table_name", "column_name",
                "constraint_name", "datatype_name")


def render_error(e):
    d = e.diag
    parts = [f"! {e.sqlstate or '?'} {type(e).__name__}"]
    for f in ERROR_FIELDS:
        v = getattr(d, f, None)
        if v is not None:
            parts.append(f"    {f}: {v}")
    if e.sqlstate is None:
        parts.append(f"    {str(e).strip()}")
    return parts


def render_type(oid):
    """A built-in type's OID, or "user" for a type the schema created: S and H come from two
    templates loaded separately, so their row types have different OIDs."""
    return str(oid) if oid < 16384 else "user"


def run_psycopg(dsn, stmts, prepare):
    """The transcript of the statements run one by one with psycopg."""
    out = []
    notices = []
    conn = None

    def connect():
        c = psycopg.connect(dsn, autocommit=True, cursor_factory=ExtendedCursor)
        c.add_notice_handler(lambda d: notices.append(
            f"  notice {d.sqlstate} {d.severity_nonlocalized}: {d.message_primary}"
            + (f" / {d.message_detail}" if d.message_detail else "")))
        return c

    for k, st in enumerate(stmts, 1):
        if conn is None or conn.closed:
            try:
                conn = connect()
            except psycopg.Error as e:
                out.append(f"[cannot connect: {e}]")
                break
        out.append(f"#{k} line {st.line}: " + st.text)
        if st.params is not None:
            out.append(f"  params: {st.params!r}")
        try:
            cur = conn.cursor()
            if st.copy_in is not None:
                with cur.copy(st.text) as cp:
                    cp.write(st.copy_in)
            elif st.copy_out:
                with cur.copy(st.text) as cp:
                    data = b"".join(bytes(b) for b in cp)
                out += ["  | " + line for line in data.decode().splitlines()]
            else:
                cur.execute(st.text, st.params, prepare=prepare)
            out.append(f"  -> {cur.statusmessage}")
            if cur.description is not None and not st.copy_out:
                out.append("  cols: " + ", ".join(f"{d.name}:{render_type(d.type_code)}"
                                                   for d in cur.description))
                out += ["  " + render_row(r) for r in cur.fetchall()]
        except psycopg.Error as e:
            out += ["  " + p for p in render_error(e)]
            if conn.closed or conn.broken:
                out.append("  [connection lost]")
        out += notices
        notices.clear()
    if conn is not None:
        conn.close()
    return "\n".join(out) + "\n"


def check_extended(dsn):
    """Proves ExtendedCursor's statements go through Parse: two statements in one text are
    refused there (42601), whereas a simple Query would run both."""
    with psycopg.connect(dsn, autocommit=True, cursor_factory=ExtendedCursor) as c:
        try:
            c.execute("SELECT 1; SELECT 2", prepare=False)
        except psycopg.errors.SyntaxError as e:
            if "cannot insert multiple commands" in str(e):
                return
        raise RuntimeError("ExtendedCursor does not use the extended protocol: the psycopg "
                           "internals this oracle overrides have changed")


# --- the state checks --------------------------------------------------------------------

def soft_keys(conn, live, marked=False):
    """{table: set of primary keys} of every soft-delete table, read physically (marked:
    of its marked rows only)."""
    tables = catalog_tables(conn)
    keys = {}
    for key, lt in live.items():
        if lt.marker and key in tables:
            pk = tables[key][0]
            cols = ", ".join(qi(c) for c in pk)
            where = ""
            if marked:
                where = (f" WHERE {qi(lt.marker)}" if lt.marker == "is_deleted"
                         else f" WHERE {qi(lt.marker)} IS NOT NULL")
            keys[key] = set(conn.execute(f"SELECT {cols} FROM ONLY {lt.qualified}{where}")
                            .fetchall())
    return keys


def check_state(s_dsn_direct, h_dsn, live, before, self_test, hard=None):
    """(i) live rows of S == rows of H; (ii) nothing S held before is physically gone, or
    for a script of hard deletes (hard: the marked rows before it), no row newly marked.
    Returns a list of (check, message) problems."""
    problems = []
    with psycopg.connect(s_dsn_direct, autocommit=True) as s, \
            psycopg.connect(h_dsn, autocommit=True) as h:
        s_tables, h_tables = catalog_tables(s), catalog_tables(h)
        if set(s_tables) != set(h_tables):
            problems.append(("i", "tables differ: only in S " +
                             str(sorted(set(s_tables) - set(h_tables))) + ", only in H " +
                             str(sorted(set(h_tables) - set(s_tables)))))
        for key in sorted(set(s_tables) & set(h_tables)):
            pk, marker = s_tables[key]
            qualified = f"{qi(key[0])}.{qi(key[1])}"
            if key in live:
                s_sql = live[key].sql
            elif marker == "is_deleted":
                s_sql = f"SELECT * FROM ONLY {qualified} WHERE NOT is_deleted"
            elif marker:
                s_sql = f"SELECT * FROM ONLY {qualified} WHERE {marker} IS NULL"
            else:
                s_sql = f"SELECT * FROM ONLY {qualified}"
            try:
                s_rows = table_rows(s, s_sql, pk)
                h_rows = table_rows(h, f"SELECT * FROM ONLY {qualified}", h_tables[key][0])
            except psycopg.Error as e:
                problems.append(("i", f"{key[0]}.{key[1]}: cannot read: {e}"))
                continue
            if s_rows != h_rows:
                diff = list(difflib.unified_diff(h_rows, s_rows, "H rows", "S live rows",
                                                 lineterm="", n=0))
                problems.append(("i", f"{key[0]}.{key[1]}: live rows of S differ from H "
                                      f"({len(s_rows)} vs {len(h_rows)} rows)\n" +
                                 "\n".join(diff)))
        if hard is not None and not self_test:
            for key, keys in sorted(soft_keys(s, live, marked=True).items()):
                new = keys - hard.get(key, set())
                if new:
                    problems.append(("ii", f"{key[0]}.{key[1]}: {len(new)} row(s) marked under "
                                           f"tombstone.deletes = hard: {sorted(new)[:10]}"))
        elif not self_test:
            after = soft_keys(s, live)
            for key, keys in sorted(before.items()):
                gone = keys - after.get(key, set())
                if gone:
                    sample = ", ".join(str(k[0] if len(k) == 1 else k) for k in sorted(gone)[:10])
                    problems.append(("ii", f"{key[0]}.{key[1]}: {len(gone)} row(s) physically "
                                           f"gone from S: {sample}"
                                     + (" ..." if len(gone) > 10 else "")))
            problems += marked_rows(s, live, s_tables)
    return problems


def marked_rows(s, live, s_tables):
    """(ii) for the soft tables a script creates, whose rows (ii) cannot follow from before
    the script: S holds exactly as many marked rows as live.sql says the script deletes."""
    problems = []
    for key, lt in sorted(live.items()):
        if lt.marked is None or key not in s_tables:
            continue
        total = s.execute(f"SELECT count(*) FROM ONLY {lt.qualified}").fetchone()[0]
        alive = s.execute(f"SELECT count(*) FROM ({lt.sql}) l").fetchone()[0]
        if total - alive != lt.marked:
            problems.append(("ii", f"{key[0]}.{key[1]}: {total - alive} marked row(s) in S, "
                                   f"live.sql says the script deletes {lt.marked}"))
    return problems


# --- one job: a script in one way ----------------------------------------------------------

class Result:
    def __init__(self, script, way):
        self.script, self.way = script, way
        self.failures = []  # (code, title, text)
        self.seconds = 0.0
        self.phases = {}  # phase → seconds

    @property
    def name(self):
        return os.path.basename(self.script)[:-4]


def compare(result, label, code, s_text, h_text, outdir):
    base = os.path.join(outdir, f"{result.name}.{result.way}.{label}")
    with open(base + ".S.txt", "w") as f:
        f.write(s_text)
    with open(base + ".H.txt", "w") as f:
        f.write(h_text)
    if s_text != h_text:
        diff = "".join(difflib.unified_diff(
            h_text.splitlines(keepends=True), s_text.splitlines(keepends=True),
            f"{result.name} [{result.way}] {label} H (direct)",
            f"{result.name} [{result.way}] {label} S (proxy)"))
        with open(base + ".diff", "w") as f:
            f.write(diff)
        result.failures.append((code, f"{label} transcript differs", diff))


def run_s_first(host, port, db, block, outdir, result):
    """Runs a script's @s-first block on S; a failure there fails the job."""
    path = os.path.join(outdir, f"{result.name}.{result.way}.s-first.sql")
    with open(path, "w") as f:
        f.write(block)
    cmd = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(port),
           "-U", "postgres", "-d", db, "-f", path]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, timeout=120)
    if out.returncode != 0:
        result.failures.append(("E", "the @s-first block failed on S",
                                out.stdout.decode("utf-8", "replace")))


def run_job(cluster, live, script, way, stmts, outdir, info):
    result = Result(script, way)
    t0 = last = time.monotonic()
    dbs = None

    def lap(phase):
        nonlocal last
        now = time.monotonic()
        result.phases[phase] = result.phases.get(phase, 0.0) + now - last
        last = now

    try:
        dbs = cluster.new_pair()
        s_db, h_db = dbs
        lap("clone")
        with psycopg.connect(cluster.direct_dsn(s_db), autocommit=True) as s:
            before = soft_keys(s, live)
        s_host, s_port = cluster.s_endpoint(s_db)
        prelude = os.path.join(HERE, "prelude.sql")
        compare(result, "prelude", "P",
                run_psql(s_host, s_port, s_db, prelude),
                run_psql("127.0.0.1", cluster.pg.port, h_db, prelude), outdir)
        lap("prelude")
        if info["s_first"] and not cluster.args.self_test:  # S is H there: nothing to undo
            run_s_first(s_host, s_port, s_db, info["s_first"], outdir, result)
        marked_before = None
        if info["hard"]:  # the rows marked before the script: by schema.sql and the prelude
            with psycopg.connect(cluster.direct_dsn(s_db), autocommit=True) as s:
                marked_before = soft_keys(s, live, marked=True)
        if way == "simple":
            s_text = run_psql(s_host, s_port, s_db, info["path"])
            h_text = run_psql("127.0.0.1", cluster.pg.port, h_db, info["path"])
        else:
            prepare = way == "prepared"
            s_text = run_psycopg(cluster.s_dsn(s_db), stmts, prepare)
            h_text = run_psycopg(cluster.direct_dsn(h_db), stmts, prepare)
        compare(result, "script", "T", s_text, h_text, outdir)
        lap("script")
        problems = check_state(cluster.direct_dsn(s_db), cluster.direct_dsn(h_db), live,
                               before, cluster.args.self_test, marked_before)
        for check, code, title in (("i", "L", "(i) live rows of S (direct) differ from H"),
                                   ("ii", "G", "(ii) rows physically gone from S")):
            msgs = [m for c, m in problems if c == check]
            if msgs:
                result.failures.append((code, title, "\n".join(msgs)))
        lap("state")
    except Exception:  # the runner itself broke: report, never pass
        import traceback
        result.failures.append(("E", "runner error", traceback.format_exc()))
    finally:
        if dbs:
            try:
                cluster.drop_pair(dbs)
            except Exception as e:
                result.failures.append(("E", "cannot drop the databases", str(e)))
        lap("drop")
    result.seconds = time.monotonic() - t0
    return result


# --- main ---------------------------------------------------------------------------------

LEGEND = ("T transcript differs, P prelude transcript differs, L (i) live rows differ, "
          "G (ii) rows physically gone from S, E runner error")


def truncate(text, limit):
    lines = text.splitlines()
    if limit and len(lines) > limit:
        return "\n".join(lines[:limit] + [f"... ({len(lines) - limit} more lines)"])
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scripts", nargs="*", help="scripts (path, file name or name prefix); "
                    "default: the whole corpus")
    ap.add_argument("--self-test", action="store_true",
                    help="S = a direct connection to a copy of H (no proxy): all must pass")
    ap.add_argument("--ways", default=",".join(WAYS), help="comma-separated subset of "
                    + ", ".join(WAYS))
    ap.add_argument("--core", action="store_true", help="skip the fk_/unique_/merge_ scripts")
    ap.add_argument("-j", "--jobs", type=int, default=min(8, 2 * (os.cpu_count() or 1)))
    ap.add_argument("--diff-lines", type=int, default=40,
                    help="lines of each difference printed (0: all); all are in --out")
    ap.add_argument("--out", help="directory for transcripts and diffs "
                    "(default: a new temporary directory, kept when something failed)")
    ap.add_argument("--timeout", type=int, default=600, help="give up after this many seconds")
    args = ap.parse_args()

    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    for w in ways:
        if w not in WAYS:
            sys.exit(f"run.py: unknown way {w!r}")
    scripts = corpus(args.scripts)
    if args.core:
        scripts = [s for s in scripts if not os.path.basename(s).startswith(LATER_PREFIXES)]
    parsed, script_ways, info = {}, {}, {}
    outdir = args.out or tempfile.mkdtemp(prefix="tombstone-equiv-")
    os.makedirs(outdir, exist_ok=True)
    for s in scripts:
        with open(s) as f:
            text = f.read()
        block, text = s_first_block(text)
        info[s] = {"s_first": block, "path": s, "hard": bool(
            re.search(r"^-- @deletes: hard$", text, re.M))}
        if block:  # psql runs the script without its block
            info[s]["path"] = os.path.join(outdir, os.path.basename(s))
            with open(info[s]["path"], "w") as f:
                f.write(text)
        try:
            parsed[s] = split_script(text)
        except (ValueError, SyntaxError) as e:
            sys.exit(f"run.py: {os.path.basename(s)}: {e}")
        m = re.search(r"^-- @ways:(.*)$", text, re.M)
        script_ways[s] = [w.strip() for w in m.group(1).split(",")] if m else list(WAYS)
    binary = proxy_binary()
    if not args.self_test and not os.access(binary, os.X_OK):
        sys.exit(f"run.py: {binary} not found: run `make` first")
    os.environ["PGTZ"] = "UTC"
    os.environ.setdefault("PGDATESTYLE", "ISO, MDY")
    os.environ.pop("PGOPTIONS", None)

    def on_timeout(signum, frame):
        print(f"\nrun.py: timed out after {args.timeout}s (see {outdir})", flush=True)
        os._exit(3)
    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(args.timeout)

    t_start = time.monotonic()
    live = load_live()
    cluster = Cluster(args)
    results = []
    setup_problems = []
    proxy_status = None
    try:
        if not args.self_test:
            cluster.start_proxy()
        cluster.load_templates()
        setup_problems = cluster.check_templates(live)
        check_extended(cluster.direct_dsn(TEMPLATE_H))
        if setup_problems:
            print("run.py: the oracle's own setup is inconsistent:")
            for p in setup_problems:
                print("  " + p)
        else:
            t_setup = time.monotonic() - t_start
            jobs = [(s, w) for s in scripts for w in ways if w in script_ways[s]]
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                futures = [pool.submit(run_job, cluster, live, s, w, parsed[s], outdir,
                                       info[s])
                           for s, w in jobs]
                results = [f.result() for f in futures]
    finally:
        try:
            proxy_status = cluster.stop()
        except Exception as e:
            setup_problems.append(f"stopping the proxy: {e}")
    elapsed = time.monotonic() - t_start

    # differences, then the summary
    for r in results:
        for code, title, text in r.failures:
            print(f"\n=== FAIL {r.name} [{r.way}] {code}: {title}")
            print(truncate(text, args.diff_lines))
    failed = [r for r in results if r.failures]
    mode = "SELF-TEST (S = direct copy of H, check (ii) skipped)" if args.self_test \
        else "S through the proxy"
    print(f"\n== equivalence oracle: {mode}; {len(scripts)} scripts x {len(ways)} ways")
    if getattr(cluster, "install_note", None):
        print(cluster.install_note)
    width = max([len(os.path.basename(s)) - 4 for s in scripts] + [6])
    print(f"{'script':<{width}}  " + "  ".join(f"{w:<9}" for w in ways))
    by = {(r.script, r.way): r for r in results}
    for s in scripts:
        cells = []
        for w in ways:
            r = by.get((s, w))
            if r is None:
                cells.append("-")
            elif r.failures:
                cells.append("FAIL " + "".join(sorted({c for c, _, _ in r.failures})))
            else:
                cells.append("ok")
        print(f"{os.path.basename(s)[:-4]:<{width}}  " + "  ".join(f"{c:<9}" for c in cells))
    print(f"legend: {LEGEND}")
    later = [r for r in failed if os.path.basename(r.script).startswith(LATER_PREFIXES)]
    print(f"{len(results) - len(failed)}/{len(results)} passed"
          + (f" ({len(later)} of the failures in fk_/unique_/merge_ scripts)" if later else "")
          + f"; {elapsed:.1f}s (setup {t_setup if results else elapsed:.1f}s, "
            f"{args.jobs} jobs)")
    if results:
        phases = {}
        for r in results:
            for k, v in r.phases.items():
                phases[k] = phases.get(k, 0.0) + v
        slowest = max(results, key=lambda r: r.seconds)
        print("time in jobs: " + ", ".join(f"{k} {v:.1f}s" for k, v in phases.items())
              + f"; slowest {slowest.name} [{slowest.way}] {slowest.seconds:.1f}s")
    if proxy_status not in (None, 0):
        print(f"the proxy exited with status {proxy_status}")
    expected = sum(1 for s in scripts for w in ways if w in script_ways[s])
    ok = not failed and not setup_problems and len(results) == expected \
        and proxy_status in (None, 0)
    if ok and not args.out:
        shutil.rmtree(outdir, ignore_errors=True)
    else:
        print(f"transcripts and diffs: {outdir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
