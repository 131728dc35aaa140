"""Shrinking a diverging case to a small reproducer (tests/diff --minimize).

The property kept is "the first divergence of the case has this class" (engine.Divergence
.signature: category, statement kind, the SQLSTATEs or `ok` of S and H): a smaller case
that diverges earlier in another way, or no longer diverges, is rejected. Every trial runs
on fresh databases and stops at the first divergence.

Steps, each a delta-debugging pass (ddmin: drop chunks, halving their size when no chunk can
go) or a one-by-one pass:
  1. statements after the divergent one go; so do earlier diverging statements, when the
     target then comes first;
  2. ddmin over the statements (after trying the last one alone, then without the reads);
  3. whole tables (every setup line naming one), then single foreign keys and unique
     indexes (a setup that no longer loads is a rejected trial);
  4. ddmin over the seed rows (INSERT lines of the setup), which the keys gone in 3. no
     longer hold together;
  5. ddmin over the statements again, then each statement over the simple protocol with its
     parameters inlined (so the script runs in psql as is).

A replayed script (--replay FILE --minimize) is shrunk the same way.
"""

import re
import time
from dataclasses import replace

from engine import run_case
from schema import literal


class Minimizer:
    def __init__(self, cluster, case, signature, log=print):
        self.cluster = cluster
        self.case = case
        self.signature = signature
        self.log = log
        self.trials = 0

    def holds(self, case):
        """The property: case's first divergence has the target class."""
        self.trials += 1
        result = run_case(self.cluster, case, stop=lambda d: True)
        return bool(result.divergences) and result.divergences[0].signature == self.signature

    def run(self, index, earlier=()):
        """index: the statement (from 1) of the divergence; earlier: indexes of statements
        that diverged before it (resynchronised in the run that found it)."""
        t0 = time.monotonic()
        case = replace(self.case, statements=self.case.statements[:index])
        without = [s for i, s in enumerate(case.statements, 1) if i not in set(earlier)]
        if earlier and self.holds(replace(case, statements=without)):
            case = replace(case, statements=without)
        elif not self.holds(case):
            raise RuntimeError(f"{self.case.origin}: statement {index} does not diverge as "
                               f"[{self.signature}] when it comes first: not minimized")
        case = self.pass_statements(case)
        case = self.pass_tables(case)
        case = self.pass_constraints(case)
        case = self.pass_rows(case)
        case = self.pass_statements(case)
        case = self.pass_protocol(case)
        self.log(f"  minimized to {len(case.statements)} statement(s), {len(case.setup)} setup "
                 f"line(s) in {self.trials} trials, {time.monotonic() - t0:.0f}s")
        return case

    # --- passes ---------------------------------------------------------------------------

    def pass_statements(self, case):
        """ddmin, after two cheap tries that are often accepted: the diverging statement
        alone (the seed rows set the scene), or without every read before it (reads change
        nothing unless they fail in a transaction)."""
        *before, last = case.statements
        writes = [s for s in before if not s.reads] + [last]
        for shorter in ([last], writes):
            if len(shorter) < len(case.statements) and \
                    self.holds(replace(case, statements=shorter)):
                case = replace(case, statements=shorter)
                break
        kept = ddmin(case.statements, lambda s: self.holds(replace(case, statements=s)))
        return replace(case, statements=kept)

    def pass_rows(self, case):
        rows = [line for line in case.setup if line.startswith("INSERT ")]
        other = [line for line in case.setup if not line.startswith("INSERT ")]

        def with_rows(kept):
            return replace(case, setup=ordered_setup(other, kept))
        kept = ddmin(rows, lambda r: self.holds(with_rows(r)))
        return with_rows(kept)

    def pass_tables(self, case):
        for name in reversed(table_names(case.setup)):
            pattern = re.compile(rf"\b{name}\b")
            smaller = replace(case, setup=[line for line in case.setup
                                           if not pattern.search(line)])
            if self.holds(smaller):
                case = smaller
        return case

    def pass_constraints(self, case):
        """Each foreign key and unique index alone (CREATE TABLE and rows are done)."""
        for line in [line for line in case.setup if line.startswith(("ALTER ", "CREATE UNIQUE "))]:
            smaller = replace(case, setup=[x for x in case.setup if x != line])
            if self.holds(smaller):
                case = smaller
        return case

    def pass_protocol(self, case):
        stmts = list(case.statements)
        for i, st in enumerate(stmts):
            if st.via == "simple":
                continue
            trial = stmts[:i] + [as_simple(st)] + stmts[i + 1:]
            if self.holds(replace(case, statements=trial)):
                stmts = trial
        return replace(case, statements=stmts)


def ddmin(items, test):
    """Zeller's delta debugging, complements only: the smallest list found that test()
    accepts, dropping chunks of halving size (test(items) must hold)."""
    items = list(items)
    n = 2
    while len(items) >= 2:
        size = -(-len(items) // n)
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        for k in range(len(chunks)):
            rest = [x for j, c in enumerate(chunks) if j != k for x in c]
            if test(rest):
                items, n = rest, max(n - 1, 2)
                break
        else:
            if n >= len(items):
                break
            n = min(len(items), 2 * n)
    if len(items) == 1 and test([]):
        return []
    return items


def as_simple(st):
    """The statement over the simple protocol, its parameters written in as literals."""
    sql = st.sql
    for value in st.params or ():
        sql = sql.replace("%s", literal(value), 1)
    return replace(st, sql=sql, via="simple", params=None)


def table_names(setup):
    return [m.group(1) for line in setup for m in [re.match(r"CREATE TABLE (\w+)", line)] if m]


def ordered_setup(other, rows):
    """CREATE lines, then rows, then the foreign keys (which check the rows)."""
    creates = [line for line in other if not line.startswith("ALTER TABLE ")]
    alters = [line for line in other if line.startswith("ALTER TABLE ")]
    return creates + rows + alters


def minimize(cluster, case, divergence, earlier=(), log=print):
    """The minimized Case for one divergence of a run of `case`."""
    return Minimizer(cluster, case, divergence.signature, log).run(divergence.index, earlier)

