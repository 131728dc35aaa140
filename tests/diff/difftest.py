#!/usr/bin/python3
"""Randomized differential test of the proxy (SPEC §1, observational equivalence).

    make difftest                          # DIFFTEST_SEEDS (3) x DIFFTEST_STATEMENTS (200)
    make difftest SEED=123                     # one seed
    python3 tests/diff/difftest.py --seeds 50 --statements 500 --json out.json
    python3 tests/diff/difftest.py --seed 123 --minimize [--index 57] [--save DIR]
    python3 tests/diff/difftest.py --replay tests/diff/findings/*.sql

Per seed (random.Random(seed), nothing else): a schema (schema.py: soft tables with
`deleted_at` / `is_deleted` markers, tables without, foreign keys with every ON DELETE
action, composite keys, self-references, a CASCADE chain, a hidden child, partial unique
indexes), seed rows, and a statement sequence (statements.py: SELECTs with joins, subqueries,
aggregates, set operations, CTEs; INSERT VALUES / SELECT / ON CONFLICT; UPDATE incl. keys,
row form and FROM; DELETE incl. USING, RETURNING, subqueries; MERGE; data-modifying CTEs;
transactions with savepoints and errors inside), each statement over the simple protocol,
the extended protocol (unnamed statement) or a named prepared statement, some with bound
parameters.

S (through the proxy, `tombstone install` helpers) and H (direct, unique indexes full) are
loaded with the same setup; every statement runs on both and the answers are compared, then
the state (engine.py: live rows of S = rows of H; no row of a soft table physically removed
from S). A divergence is printed with the statement and both answers, classed as
`category kind: S code / H code` — category `refused` (the proxy answered 0A000 on
purpose), `answer`, `state`, `gone` or `lost` — and S is then resynchronised from H so the
run goes on. Exit status 1 when anything diverged.

--minimize shrinks the first divergence of each failing seed (or the one at --index) with
delta debugging (minimize.py) and prints it as a reproducer script (script.py), which
--save writes to a directory; --replay runs such scripts (tests/diff/findings/).
"""

import argparse
import collections
import json
import os
import random
import signal
import sys
import time

import engine
import schema as schemamod
import script
from minimize import minimize
from statements import Generator


def seed_case(seed, count):
    """The whole case of one seed: a function of the seed only."""
    rng = random.Random(seed)
    schema, rows = schemamod.generate(rng)
    statements = Generator(rng, schema, rows).generate(count)
    return engine.Case(schemamod.setup_script(schema, rows), statements, f"seed {seed}")


class Tally:
    """Statements and divergences over the whole run, by class."""

    def __init__(self):
        self.statements = 0
        self.classes = collections.Counter()
        self.examples = {}  # class -> (origin, index)
        self.records = []

    def add(self, origin, result):
        self.statements += result.statements
        if result.setup_error:  # counts as a failure: a script that does not load
            self.classes["setup failed"] += 1
            self.examples.setdefault("setup failed", (origin, 0))
        for d in result.divergences:
            self.classes[d.signature] += 1
            self.examples.setdefault(d.signature, (origin, d.index))
            self.records.append({
                "origin": origin, "index": d.index, "signature": d.signature,
                "category": d.category, "via": d.stmt.via if d.stmt else None,
                "sql": d.stmt.sql if d.stmt else None,
                "params": list(d.stmt.params) if d.stmt and d.stmt.params else None,
                "s": d.s.describe() if d.s else None, "h": d.h.describe() if d.h else None,
                "detail": d.detail})

    def summary(self):
        lines = [f"== {self.statements} statements, {sum(self.classes.values())} divergences "
                 f"in {len(self.classes)} classes"]
        per = 10000 / max(self.statements, 1)
        for sig, n in self.classes.most_common():
            origin, index = self.examples[sig]
            lines.append(f"  {n:5d}  {n * per:7.1f}/10k  {sig}   (first: {origin} #{index})")
        refused = sum(n for s, n in self.classes.items() if s.startswith("refused"))
        lines.append(f"  of which refused (0A000): {refused}")
        return "\n".join(lines)


def report(origin, result, show):
    """One block per case: the count, then the first `show` divergences."""
    if result.setup_error:
        print(f"{origin}: setup failed: {result.setup_error}")
        return
    refused = sum(d.category == "refused" for d in result.divergences)
    final = sum(d.stmt is None for d in result.divergences)
    print(f"{origin}: {result.statements} statements in {result.seconds:.1f}s, "
          f"{len(result.divergences)} divergence(s) ({refused} refused), "
          f"{final} final-state mismatch(es)", flush=True)
    for d in result.divergences[:show]:
        print(d.report())
    if len(result.divergences) > show:
        print(f"  ... {len(result.divergences) - show} more")


def reproduce(cluster, case, result, index, save):
    """Minimizes one divergence of the run and prints (and saves) the reproducer."""
    chosen = next((d for d in result.divergences if d.index == index), None) \
        if index else result.divergences[0]
    if chosen is None or chosen.stmt is None:
        print(f"{case.origin}: no divergence at statement {index} to minimize")
        return
    earlier = [d.index for d in result.divergences if d.index < chosen.index]
    print(f"{case.origin}: minimizing #{chosen.index} [{chosen.signature}]", flush=True)
    small = minimize(cluster, case, chosen, earlier)
    check = engine.run_case(cluster, small, stop=lambda d: True)
    d = check.divergences[0]
    header = [f"{case.origin}, statement {chosen.index}, minimized: [{d.signature}]", "",
              f"S (proxy):  {d.s.describe() if d.s else '-'}",
              f"H (direct): {d.h.describe() if d.h else '-'}"] \
        + [line for line in d.detail.splitlines()] \
        + ["", "Replay: python3 tests/diff/difftest.py --replay FILE"]
    text = script.render(small, header)
    print(text)
    if save:
        os.makedirs(save, exist_ok=True)
        name = os.path.basename(case.origin).replace(" ", "").removesuffix(".sql")
        path = os.path.join(save, f"{name}_{chosen.index}.sql")
        with open(path, "w") as f:
            f.write(text)
        print(f"saved {path}")


def cases(args):
    if args.replay:
        for path in args.replay:
            with open(path) as f:
                yield script.parse(f.read(), os.path.relpath(path))
        return
    seeds = [args.seed] if args.seed is not None else range(args.first, args.first + args.seeds)
    for seed in seeds:
        yield seed_case(seed, args.statements)


def parse_args():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, help="run this seed only")
    ap.add_argument("--seeds", type=int, default=int(env("DIFFTEST_SEEDS", 3)),
                    help="number of seeds (env DIFFTEST_SEEDS, default 3)")
    ap.add_argument("--first", type=int, default=int(env("DIFFTEST_FIRST_SEED", 1)),
                    help="first seed (env DIFFTEST_FIRST_SEED, default 1)")
    ap.add_argument("--statements", type=int, default=int(env("DIFFTEST_STATEMENTS", 200)),
                    help="statements per seed (env DIFFTEST_STATEMENTS, default 200)")
    ap.add_argument("--show", type=int, default=5, help="divergences printed per seed")
    ap.add_argument("--minimize", action="store_true",
                    help="shrink the first divergence of each failing seed to a reproducer")
    ap.add_argument("--index", type=int, help="with --minimize: the divergence at this "
                    "statement instead of the first")
    ap.add_argument("--save", help="with --minimize: write reproducers into this directory")
    ap.add_argument("--replay", nargs="+", metavar="SCRIPT", help="run reproducer scripts")
    ap.add_argument("--json", help="write every divergence to this file")
    ap.add_argument("--self-test", action="store_true",
                    help="no proxy: S reached directly, loaded like H; everything must match")
    ap.add_argument("--print-case", action="store_true",
                    help="print the seed's case as a script and exit (no databases)")
    return ap.parse_args()


def main():
    args = parse_args()
    # a background run stopped with SIGTERM still stops its PostgreSQL and proxy (finally)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.print_case:
        for case in cases(args):
            print(script.render(case, [case.origin]))
        return 0
    if not os.access(engine.harness.tombstone_binary(), os.X_OK):
        sys.exit("difftest: ./tombstone not found: run `make` first")
    os.environ["PGTZ"] = "UTC"
    os.environ.pop("PGOPTIONS", None)
    t0 = time.monotonic()
    cluster = engine.Cluster(self_test=args.self_test)
    tally = Tally()
    try:
        for case in cases(args):
            result = engine.run_case(cluster, case)
            tally.add(case.origin, result)
            report(case.origin, result, args.show)
            if args.minimize and result.divergences:
                reproduce(cluster, case, result, args.index, args.save)
    finally:
        status = cluster.stop()
    print(tally.summary())
    print(f"time {time.monotonic() - t0:.1f}s; proxy restarts after a crash: "
          f"{cluster.proxy_restarts}; proxy exit status {status}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"statements": tally.statements, "divergences": tally.records}, f,
                      indent=1)
    return 1 if tally.classes else 0


if __name__ == "__main__":
    sys.exit(main())
