"""Reproducer scripts: a case written as SQL, and read back (tests/diff).

A reproducer is a psql script in the style of tests/equiv: a header comment, then

    -- @setup
    CREATE TABLE t1 (...);
    CREATE UNIQUE INDEX t1_code_live ON t1 (code) WHERE deleted_at IS NULL; -- @partial
    INSERT INTO t1 (...) VALUES (...);
    ALTER TABLE t2 ADD CONSTRAINT ... ;
    -- @statements
    DELETE FROM t1 x WHERE x.id = 3;
    -- @via: extended
    -- @params: (3,)
    SELECT ... WHERE x.id = %s;

The setup is loaded directly into S and H, H without the WHERE of `-- @partial` lines
(tests/equiv/schema.sql's convention); the statements then run through the proxy on S and
directly on H. Annotations before a statement: `-- @via: simple|extended|prepared` (default
simple), `-- @params:` (tests/equiv's: a Python tuple bound to its %s placeholders),
`-- @ordered` (its rows compare in order), `-- @kind:` (the generator that made it: part of
a divergence's class). Without @via/@params lines the statements part runs in psql as is.
"""

import re

import engine
from run import split_script  # tests/equiv/run.py, on sys.path through engine
from statements import Stmt

SETUP, STATEMENTS = "-- @setup", "-- @statements"


def render(case, header):
    """The script text: header comment lines (without `-- `), setup, statements."""
    lines = ["-- " + h if h else "--" for h in header]
    lines.append(SETUP)
    lines += case.setup
    lines.append(STATEMENTS)
    for st in case.statements:
        if st.kind not in ("txn", "replay"):
            lines.append(f"-- @kind: {st.kind}")
        if st.via != "simple":
            lines.append(f"-- @via: {st.via}")
        if st.params:
            lines.append(f"-- @params: {st.params!r}")
        if st.ordered:
            lines.append("-- @ordered")
        lines.append(st.sql + ";")
    return "\n".join(lines) + "\n"


def parse(text, origin=""):
    """A Case from a script's text."""
    if STATEMENTS not in text.split("\n") or SETUP not in text.split("\n"):
        raise ValueError(f"{origin}: needs a `{SETUP}` line and a `{STATEMENTS}` line")
    head, rest = text.split("\n" + SETUP + "\n", 1)
    setup_text, body = rest.split("\n" + STATEMENTS + "\n", 1)
    setup = [line for line in setup_text.split("\n") if line.strip()]
    return engine.Case(setup, [annotated(st, body) for st in split_script(body)], origin)


_ANNOTATION = re.compile(r"^\s*-- @(via|kind|ordered)\b:?\s*(\S*)")


def annotated(st, body):
    """A Stmt from run.split_script's statement and the annotation lines right above it."""
    lines = body.split("\n")
    notes = {}
    k = st.line - 2  # the line above the statement's first line, from 0
    while k >= 0 and lines[k].lstrip().startswith("--"):
        m = _ANNOTATION.match(lines[k])
        if m:
            notes[m.group(1)] = m.group(2)
        k -= 1
    kind = notes.get("kind") or ("txn" if is_control(st.text) else "replay")
    return Stmt(st.text, kind, notes.get("via", "simple"), st.params, "ordered" in notes)


def is_control(sql):
    return re.match(r"(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|START|SET CONSTRAINTS)\b",
                    sql, re.I) is not None
