#!/usr/bin/python3
"""Before / after: two tombstone binaries in one interleaved run.

  bench/ab.py --base OLD_BINARY [--new NEW_BINARY] --out DIR [--rounds N] [--seconds S] [--no-tps]

pgbench runs of both binaries, on the plain and on the soft-delete database, back to back in
rotating order (bench/tps.py), for -S at 1 and 8 clients and TPC-B at 8 clients in every
protocol; then user-space instructions per transaction of each binary under callgrind
(bench/profile_proxy.py). Writes DIR/tps.json, DIR/ab_callgrind.json and DIR/results.md
(bench/report.py). To build an old binary: `git worktree add /tmp/old COMMIT && make -C
/tmp/old` (or copy the tree and check out the files that changed)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_proxy  # noqa: E402
import tps  # noqa: E402
from benchlib import BENCH, make_pgbench_dbs, start_postgres, tombstone_binary  # noqa: E402

CONFIGS = [("select", m, c) for m in tps.MODES for c in (1, 8)] + \
    [("tpcb", m, 8) for m in tps.MODES]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--new", default=tombstone_binary())
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--no-tps", action="store_true",
                    help="instructions per transaction only (callgrind), no pgbench timing")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.environ["TOMBSTONE_BIN"] = os.path.abspath(a.new)
    pg = start_postgres(max_connections=400)
    try:
        if not a.no_tps:
            result = tps.run(pg, seconds=a.seconds, rounds=a.rounds, key_rounds=0,
                             baseline_bin=os.path.abspath(a.base), configs=CONFIGS,
                             only="tombstone,tombstone_rw,tombstone_base,tombstone_base_rw")
            with open(os.path.join(a.out, "tps.json"), "w") as f:
                json.dump(result, f, indent=1)
        make_pgbench_dbs(pg, 10)
        combos = [(s, m, db) for s in ("select", "tpcb") for m in tps.MODES
                  for db in ("bench", "bench_soft")]
        cg = {}
        for name, binary in (("base", a.base), ("new", a.new)):
            cg[name] = profile_proxy.callgrind_profile(pg, tempfile.mkdtemp(), combos, 300, 1300,
                                                       binary=os.path.abspath(binary))
        with open(os.path.join(a.out, "ab_callgrind.json"), "w") as f:
            json.dump(cg, f, indent=1)
    finally:
        pg.stop()
    subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), a.out, "--partial",
                    "--command", "bench/ab.py --base OLD --new NEW"], check=True)


if __name__ == "__main__":
    main()
