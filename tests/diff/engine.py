"""Running one statement sequence on S (through the proxy) and H (directly) and comparing
(tests/diff).

    cluster = Cluster(outdir)               # PostgreSQL 15 + the proxy, tests/lib/harness.py
    result = run_case(cluster, case)        # Case: setup SQL + statements
    cluster.stop()

Per statement, the answers of S and H are compared: command tag (with the row count), column
names and types, rows (in order when the statement orders by a unique key, else as sorted
multisets), or the error's SQLSTATE and constraint name. After every statement that may
write, when both sessions are outside a transaction, the state is compared (SPEC §1):
  (i)  the live rows of S, read directly (live_sql: a soft table's unmarked rows; a table
       without a marker loses the rows whose ON DELETE CASCADE parent is not live), equal
       the rows of H, table by table;
  (ii) no row of a soft table of S was physically removed: in S every soft table has an
       AFTER DELETE trigger that records the rows it loses (rows that move to another key
       by an UPDATE are no loss; a rolled-back loss is no loss). Tables without a marker
       are left to (i): a DELETE on them is a real delete.
A divergence is resolved before going on: both sessions roll back, and S's tables are
loaded with H's rows (replication role, no triggers), so a later divergence is a new one.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import psycopg
from psycopg.pq import TransactionStatus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "equiv"))

import harness  # noqa: E402
import run as equiv  # noqa: E402
from run import ExtendedCursor, check_extended, render_row, render_type  # noqa: E402

import schema as schemamod  # noqa: E402

STATEMENT_TIMEOUT_MS = 10000
CLIENT_DEADLINE_S = 30  # a proxy that stops answering must not hang the run
SESSION_OPTIONS = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout=5000"

# (ii): S's soft tables get an AFTER DELETE trigger recording lost rows. Found from the
# catalog, so replayed scripts need nothing more than their CREATE TABLEs.
AUDIT_SQL = """
CREATE SCHEMA difftest;
CREATE TABLE difftest.gone (tab text NOT NULL, row_text text NOT NULL);
CREATE FUNCTION difftest.record_gone() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO difftest.gone VALUES (TG_TABLE_NAME, OLD::text);
    RETURN OLD;
END $f$;
DO $d$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT DISTINCT c.oid::regclass FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid
              WHERE n.nspname = 'public' AND c.relkind = 'r'
                AND a.attname IN ('deleted_at', 'is_deleted') AND NOT a.attisdropped
    LOOP
        EXECUTE format('CREATE TRIGGER difftest_gone AFTER DELETE ON %s FOR EACH ROW '
                       'EXECUTE FUNCTION difftest.record_gone()', t);
    END LOOP;
END $d$;
"""


class SetupError(Exception):
    """The setup SQL does not load (a minimization step removed a parent row, say)."""


# --- the cluster ------------------------------------------------------------------------------

class Cluster(equiv.Cluster):
    """One PostgreSQL and one proxy for a whole run (tests/equiv's, whose start_proxy,
    admin and stop are the same here); database pairs come and go.

    self_test: no proxy; S is reached directly and loaded like H (full unique indexes, no
    helpers), so every comparison must match: a divergence then is the test's own fault
    (a statement whose answer is not deterministic, a wrong live-row query). Check (ii)
    cannot hold there (deletes are real) and is skipped."""

    def __init__(self, self_test=False):
        super().__init__(argparse.Namespace(self_test=self_test))
        self.proxy_restarts = 0
        self.last_setup, self.templates = None, None  # see create_pair
        if not self_test:
            self.helpers_sql = self._helpers_sql()
            self.start_proxy()
        check_extended(self.pg.dsn("postgres"))

    @property
    def self_test(self):
        return self.args.self_test

    @staticmethod
    def _helpers_sql():
        """`tombstone install --print`: the helper functions S needs (README "tombstone
        install"), loaded into each S database directly."""
        with tempfile.NamedTemporaryFile("w", suffix=".ini") as conf:
            # the proxy's [softdelete] settings: install makes the triggers of those tables
            conf.write("[databases]\n* =\n[softdelete]\ncolumns = deleted_at, is_deleted\n")
            conf.flush()
            out = subprocess.run([harness.tombstone_binary(), "install", "--print", "-c",
                                  conf.name], capture_output=True, text=True, check=True)
        return out.stdout

    def proxy_alive(self):
        return self.self_test or self.px.proc.poll() is None

    def s_dsn(self, db):
        """S's session under test: through the proxy (directly in the self-test)."""
        server = self.pg if self.self_test else self.px
        return server.dsn(db, options=SESSION_OPTIONS)

    def restart_proxy(self):
        """After a crash: keep the log, start a new one."""
        log = self.px.log()
        with tempfile.NamedTemporaryFile("w", prefix="tombstone-crash-", suffix=".log",
                                         delete=False) as f:
            f.write(log)
            path = f.name
        try:
            self.px.stop()
        except AssertionError:
            pass
        self.proxy_restarts += 1
        self.start_proxy()
        return path

    def create_pair(self, setup_s, setup_h):
        """Two new databases loaded with the setup (S: + helpers and the (ii) trigger).
        A setup asked for a second time in a row (the minimizer's statement passes) is kept
        as a pair of templates and cloned from then on."""
        if not self.self_test:
            setup_s += "\n" + self.helpers_sql + AUDIT_SQL
        key = (setup_s, setup_h)
        if key == self.last_setup and self.templates is None:
            self.templates = self._load_pair(setup_s, setup_h, "tmpl")
        elif key != self.last_setup and self.templates is not None:
            self.drop(self.templates)
            self.templates = None
        self.last_setup = key
        if self.templates is None:
            return self._load_pair(setup_s, setup_h, "diff")
        names = self._new_names("diff")
        with self.admin() as c:
            for db, template in zip(names, self.templates):
                c.execute(f"CREATE DATABASE {db} TEMPLATE {template}")
        return names

    def _new_names(self, prefix):
        self.counter += 1
        return (f"{prefix}_{self.counter}_s", f"{prefix}_{self.counter}_h")

    def _load_pair(self, setup_s, setup_h, prefix):
        names = self._new_names(prefix)
        with self.admin() as c:
            for db in names:
                c.execute(f"CREATE DATABASE {db}")
        try:
            for db, text in zip(names, (setup_s, setup_h)):
                with psycopg.connect(self.pg.dsn(db), autocommit=True) as c:
                    c.execute(text)
        except psycopg.Error as e:
            self.drop(names)
            raise SetupError(str(e)) from None
        return names

    def drop(self, names):
        with self.admin() as c:
            for db in names:
                c.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


# --- answers ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What one statement answered on one side."""
    status: str  # ok, error, lost (connection gone or no answer in time)
    tag: str = None
    columns: tuple = None
    rows: list = None  # rendered rows
    sqlstate: str = None
    constraint: str = None
    message: str = None

    def comparable(self, ordered):
        if self.status == "ok":
            rows = self.rows if ordered or self.rows is None else sorted(self.rows)
            return ("ok", self.tag, self.columns, rows)
        return (self.status, self.sqlstate, self.constraint)

    @property
    def code(self):
        """ok / the SQLSTATE / lost: the coarse part of a divergence's class."""
        return self.sqlstate if self.status == "error" else self.status

    def describe(self, limit=6):
        if self.status == "ok":
            text = f"{self.tag}"
            if self.rows is not None:
                text += f", {len(self.rows)} row(s)"
                shown = self.rows[:limit]
                if shown:
                    text += ": " + " ".join(shown) + (" ..." if len(self.rows) > limit else "")
            return text
        if self.status == "lost":
            return f"no answer: {self.message}"
        con = f" [{self.constraint}]" if self.constraint else ""
        return f"ERROR {self.sqlstate}{con}: {self.message}"


class Deadline(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds):
    """Raises Deadline in the main thread after `seconds` (psycopg waits in Python)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise Deadline(f"no answer in {seconds}s")
    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def execute(conn, stmt):
    """Runs one statement as the statement says (simple Query, extended with the unnamed
    statement, or a named prepared statement) and returns its Outcome."""
    try:
        with deadline(CLIENT_DEADLINE_S):
            if stmt.via == "simple":
                cur = conn.execute(stmt.sql)  # no parameters: psycopg sends a simple Query
            else:
                cur = ExtendedCursor(conn)
                cur.execute(stmt.sql, stmt.params, prepare=stmt.via == "prepared")
            out = Outcome("ok", tag=cur.statusmessage)
            if cur.description is not None:
                out.columns = tuple((d.name, render_type(d.type_code)) for d in cur.description)
                out.rows = [render_row(r) for r in cur.fetchall()]
            return out
    except psycopg.Error as e:
        if conn.broken or e.sqlstate is None:
            return Outcome("lost", message=str(e).strip())
        return Outcome("error", sqlstate=e.sqlstate, constraint=e.diag.constraint_name,
                       message=e.diag.message_primary)
    except Deadline as e:
        conn.close()  # a statement still running: the session is reconnected (Pair.connect)
        return Outcome("lost", message=str(e))


# --- divergences ------------------------------------------------------------------------------

@dataclass
class Divergence:
    index: int  # statement number, from 1; len(statements) + 1 for the final check
    stmt: object  # the Stmt, or None for the final check
    category: str  # refused, answer, state, gone, lost
    signature: str  # the class: category, statement kind, S and H codes
    s: Outcome = None
    h: Outcome = None
    detail: str = ""

    def report(self):
        where = f"#{self.index}" if self.stmt else "final state"
        lines = [f"  {where} [{self.signature}]"]
        if self.stmt:
            lines.append(f"    {self.stmt.via}: {self.stmt.sql}"
                         + (f"  -- params {self.stmt.params!r}" if self.stmt.params else ""))
        if self.s is not None:
            lines.append(f"    S (proxy):  {self.s.describe()}")
            lines.append(f"    H (direct): {self.h.describe()}")
        if self.detail:
            lines += ["    " + line for line in self.detail.splitlines()]
        return "\n".join(lines)


def answer_divergence(index, stmt, s, h):
    """None when the answers match, else the Divergence with its class."""
    if s.comparable(stmt.ordered) == h.comparable(stmt.ordered):
        return None
    if s.status == "lost":
        category = "lost"
    elif s.sqlstate == "0A000" and h.sqlstate != "0A000":
        category = "refused"
    else:
        category = "answer"
    what = ""
    if s.status == h.status == "ok":
        what = " tag" if s.tag != h.tag else " columns" if s.columns != h.columns else " rows"
    elif s.status == h.status == "error" and s.sqlstate == h.sqlstate:
        what = " constraint"
    signature = f"{category} {stmt.kind}: S {s.code} / H {h.code}{what}"
    return Divergence(index, stmt, category, signature, s, h)


# --- state ------------------------------------------------------------------------------------

def read_schema(conn):
    """The tables and foreign keys of the public schema (H's), as schema.Schema, for the
    live-row queries: the same for a generated schema and a replayed script."""
    tables = {}
    for name, pk, marker in conn.execute("""
            SELECT c.relname,
                   (SELECT array_agg(a.attname ORDER BY k.i) FROM pg_index x,
                           unnest(x.indkey) WITH ORDINALITY k(n, i), pg_attribute a
                     WHERE x.indrelid = c.oid AND x.indisprimary AND a.attrelid = c.oid
                       AND a.attnum = k.n),
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname IN ('deleted_at', 'is_deleted') AND NOT a.attisdropped
                     ORDER BY a.attname = 'deleted_at' DESC LIMIT 1)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname"""):
        tables[name] = schemamod.Table(name, marker, list(pk or []))
    actions = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT", "r": "RESTRICT",
               "a": "NO ACTION"}
    for child, con, cols, parent, pcols, action in conn.execute("""
            SELECT c.conrelid::regclass::text, c.conname,
                   (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(c.conkey)
                           WITH ORDINALITY k(n, i) JOIN pg_attribute a
                           ON a.attrelid = c.conrelid AND a.attnum = k.n),
                   c.confrelid::regclass::text,
                   (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(c.confkey)
                           WITH ORDINALITY k(n, i) JOIN pg_attribute a
                           ON a.attrelid = c.confrelid AND a.attnum = k.n),
                   c.confdeltype
              FROM pg_constraint c WHERE c.contype = 'f'
               AND c.connamespace = 'public'::regnamespace ORDER BY 2"""):
        tables[child].fks.append(schemamod.ForeignKey(con, list(cols), parent, list(pcols),
                                                      actions[action]))
    return schemamod.Schema(list(tables.values()))


def rows_by_table(conn, queries):
    """{table: sorted rendered rows} from one round trip."""
    union = " UNION ALL ".join(f"SELECT {schemamod.literal(t)} AS tab, q::text AS r FROM ({q}) q"
                               for t, q in queries.items())
    out = {t: [] for t in queries}
    for tab, row in conn.execute(union):
        out[tab].append(row)
    return {t: sorted(rows) for t, rows in out.items()}


def state_problems(pair, schema):
    """(category, text) problems of checks (i) and (ii); lost rows are forgotten once told."""
    live = {t.name: schemamod.live_sql(schema, t) for t in schema.tables}
    full = {t.name: f"SELECT * FROM ONLY {t.name}" for t in schema.tables}
    s_rows = rows_by_table(pair.s_direct, live)
    h_rows = rows_by_table(pair.h_direct, full)
    problems = []
    for t in schema.tables:
        s, h = s_rows[t.name], h_rows[t.name]
        if s != h:
            only_s = sorted(set(s) - set(h))[:5]
            only_h = sorted(set(h) - set(s))[:5]
            problems.append(("state", f"{t.name}: live rows of S {len(s)}, rows of H {len(h)}; "
                             f"only in S {' '.join(only_s) or '-'}; only in H "
                             f"{' '.join(only_h) or '-'}"))
    if pair.cluster.self_test:
        return problems
    gone = pair.s_direct.execute("DELETE FROM difftest.gone RETURNING tab, row_text").fetchall()
    if gone:
        problems.append(("gone", "rows physically removed from S: "
                         + " ".join(f"{t}{r}" for t, r in gone[:5])
                         + (" ..." if len(gone) > 5 else "")))
    return problems


def state_divergence(index, stmt, pair, schema):
    problems = state_problems(pair, schema)
    if not problems:
        return None
    category = "gone" if all(c == "gone" for c, _ in problems) else "state"
    kind = stmt.kind if stmt else "final"
    return Divergence(index, stmt, category, f"{category} {kind}", detail="\n".join(
        text for _, text in problems))


# --- a pair of sessions -------------------------------------------------------------------------

class Pair:
    """S and H for one case: the sessions under test and direct ones for the state."""

    def __init__(self, cluster, names):
        self.cluster, self.names = cluster, names
        s_db, h_db = names
        self.s_direct = psycopg.connect(cluster.pg.dsn(s_db), autocommit=True)
        self.h_direct = psycopg.connect(cluster.pg.dsn(h_db), autocommit=True)
        self.schema = read_schema(self.h_direct)
        self.s = self.h = None
        self.connect()

    def connect(self):
        s_db, h_db = self.names
        if self.s is None or self.s.closed or self.s.broken:
            self.s = psycopg.connect(self.cluster.s_dsn(s_db), autocommit=True)
        if self.h is None or self.h.closed or self.h.broken:
            self.h = psycopg.connect(self.cluster.pg.dsn(h_db, options=SESSION_OPTIONS),
                                     autocommit=True)

    def idle(self):
        return all(c.info.transaction_status == TransactionStatus.IDLE for c in (self.s, self.h))

    def resync(self):
        """After a divergence: roll both back and give S H's rows, all live."""
        for conn in (self.s, self.h):
            if not conn.broken:
                with contextlib.suppress(psycopg.Error, Deadline), deadline(CLIENT_DEADLINE_S):
                    conn.execute("ROLLBACK")
        if not self.cluster.proxy_alive():
            self.cluster.restart_proxy()
        self.connect()
        names = [t.name for t in self.schema.tables]
        with self.s_direct.transaction():
            self.s_direct.execute("SET LOCAL session_replication_role = replica")
            gone = [] if self.cluster.self_test else ["difftest.gone"]
            self.s_direct.execute(f"TRUNCATE {', '.join(names + gone)}")
            for name in names:
                with self.h_direct.cursor().copy(f"COPY {name} TO STDOUT") as src, \
                        self.s_direct.cursor().copy(f"COPY {name} FROM STDIN") as dst:
                    for block in src:
                        dst.write(block)

    def close(self):
        for conn in (self.s, self.h, self.s_direct, self.h_direct):
            if conn is not None:
                conn.close()


# --- a case -----------------------------------------------------------------------------------

@dataclass
class Case:
    """Everything one run needs: setup SQL lines (S form, `-- @partial` tags) and the
    statements."""
    setup: list
    statements: list
    origin: str = ""  # e.g. "seed 7"


@dataclass
class Result:
    statements: int = 0
    divergences: list = field(default_factory=list)
    seconds: float = 0.0
    setup_error: str = None


def run_case(cluster, case, stop=None):
    """Runs the case; stop(divergence) -> True ends the run at that divergence."""
    t0 = time.monotonic()
    result = Result()
    setup_h = "\n".join(schemamod.h_form(line) for line in case.setup)
    setup_s = setup_h if cluster.self_test else "\n".join(case.setup)
    try:
        names = cluster.create_pair(setup_s, setup_h)
    except SetupError as e:
        result.setup_error = str(e)
        return result
    pair = Pair(cluster, names)
    try:
        for i, stmt in enumerate(case.statements, 1):
            result.statements = i
            found = step(cluster, pair, i, stmt)
            if found:
                result.divergences.append(found)
                pair.resync()
                if stop and stop(found):
                    break
        else:
            for conn in (pair.s, pair.h):
                conn.close()  # an open transaction ends as a client's would: rolled back
            final = state_divergence(len(case.statements) + 1, None, pair, pair.schema)
            if final:
                result.divergences.append(final)
    finally:
        pair.close()
        cluster.drop(names)
    result.seconds = time.monotonic() - t0
    return result


def step(cluster, pair, index, stmt):
    """One statement on both sides; the divergence it shows, if any."""
    s = execute(pair.s, stmt)
    h = execute(pair.h, stmt)
    found = answer_divergence(index, stmt, s, h)
    if s.status == "lost" and not cluster.proxy_alive():
        log = cluster.restart_proxy()
        found = found or Divergence(index, stmt, "lost", f"lost {stmt.kind}: proxy died", s, h)
        found.detail += f"the proxy died; its log: {log}"
    if found or stmt.reads:
        return found
    if pair.idle():
        return state_divergence(index, stmt, pair, pair.schema)
    return None
