#!/usr/bin/python3
"""Where a proxied transaction's time goes, in counts that do not depend on the machine's
load:

  syscalls   strace -c -f -p PID on tombstone and on PgBouncer during pgbench -t N
             (1 client): calls of each system call per transaction
  user-space instructions per transaction, by object (tombstone, libpg_query, libevent,
             libc) and by function (inclusive), with tombstone under valgrind --tool=callgrind:
             counters zeroed, pgbench -t N1 and dump, pgbench -t N2 and dump; per transaction
             = (dump2 - dump1) / (N2 - N1), so connection set-up cancels out
  kernel     not countable here when the CPU has no performance counters for perf (checked
             with `perf stat -e instructions true`); the kernel's share is the proxy's system
             CPU time per transaction, measured in the pgbench matrix (tps.py), and, when
             perf works at all, a cpu-clock sample's split between kernel and user space.

Usage: profile_proxy.py --out FILE.json [--quick]"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (PG_BIN, PgBouncer, binary_has, make_pgbench_dbs, pgbench_env,  # noqa: E402
                      run_alone, start_postgres, start_tombstone, tombstone_binary)

# Functions whose inclusive cost per transaction is reported when they show up.
KEY_FUNCTIONS = [
    "event_base_loop", "on_readable", "on_writable", "proto_walk", "hooks_client_message",
    "hooks_server_message", "hooks_client_policy", "hooks_server_policy", "rw_cache_rewrite",
    "rw_rewrite", "pg_query_raw_parse", "rw_lex", "rw_walk_statement", "rw_edits_apply",
    "export_facts", "rw_hash", "drop", "insert", "rw_result_free", "catalog_refresh",
    "expect_query", "apply_facts", "write_segments", "writev", "recv", "send", "epoll_wait",
    "malloc", "free", "proto_out_ref", "proto_build_query", "proto_build_parse_like",
]


def run_pgbench(port, db, script, mode, n, clients=1):
    args = [f"{PG_BIN}/pgbench", "-n", "-M", mode, "-c", str(clients), "-t", str(n)]
    args += ["-S"] if script == "select" else []
    subprocess.run(args, env=pgbench_env(port, db), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def strace_counts(pid, port, db, script, mode, n):
    """System calls per transaction of process pid during pgbench -t n."""
    out = tempfile.mktemp(prefix="tombstone-bench-strace-")
    st = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", out],
                          stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # strace attaches
    run_pgbench(port, db, script, mode, n)
    time.sleep(0.2)
    st.send_signal(2)
    st.wait()
    calls = {}
    with open(out) as f:
        for line in f:
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$", line)
            if m and m.group(3) != "total":
                calls[m.group(3)] = int(m.group(1)) / n
    os.unlink(out)
    return {k: round(v, 3) for k, v in sorted(calls.items(), key=lambda kv: -kv[1])
            if v >= 0.01}


def annotate(path):
    """{(object, function): inclusive Ir} from callgrind_annotate."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=yes", path],
                          stdout=subprocess.PIPE, text=True).stdout
    costs = {}
    for line in text.split("\n"):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*?):(\S+?)(?:'\d+)? \[(.*)\]\s*$", line)
        if m:
            key = (os.path.basename(m.group(4)), m.group(3))
            costs[key] = max(costs.get(key, 0), int(m.group(1).replace(",", "")))
    return costs


def self_costs(path):
    """{(object, function): self Ir}, read from the callgrind file itself: a cost line counts
    for the current function unless it follows a calls= line (then it is the inclusive cost
    of that call). (callgrind_annotate's exclusive listing also credits the functions that
    were on the stack when the dump was taken with their whole inclusive cost.)"""
    names = {"ob": {}, "fl": {}, "fn": {}}
    table = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl",
             "cfl": "fl", "fn": "fn", "cfn": "fn"}
    ob = fn = None
    after_call = False
    costs = {}
    with open(path) as f:
        for line in f:
            if not line or line[0] == "\n":
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    key = (ob, fn)
                    costs[key] = costs.get(key, 0) + int(parts[1])
                continue
            key, eq, val = line.partition("=")
            if not eq:
                continue
            if key == "calls":
                after_call = True
                continue
            if key not in table:
                continue
            val = val.strip()
            m = re.match(r"\((\d+)\)(?: (.*))?$", val)
            if m:
                t = names[table[key]]
                if m.group(2) is not None:
                    t[m.group(1)] = m.group(2)
                val = t.get(m.group(1), val)
            if key == "ob":
                ob = os.path.basename(val)
            elif key == "fn":
                fn = val
    return costs


def short_object(obj):
    for name in ("tombstone", "libpg_query", "libevent", "libc", "ld-linux"):
        if obj.startswith(name):
            return name
    return obj


def callgrind_profile(pg, work, combos, n1, n2, warm=3000, binary=None):
    binary = binary or tombstone_binary()
    out = os.path.join(work, "px.cg")
    wrapper = os.path.join(work, "tombstone-callgrind")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out} "
                f"{binary} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    # no periodic catalog refresh (it would invalidate the rewrite cache in the middle of a
    # measurement), and a small rewrite cache, so that simple-protocol statements, whose
    # literals differ every time, reach the steady state of a full cache (every new text
    # evicts an old one) after a short warm-up
    # one process (the wrapper hides from the harness whether the binary knows `workers`)
    workers = "workers = 1\n" if binary_has(binary, b"workers") else ""
    px = start_tombstone(pg, extra=f"log_level = warning\nrewrite_cache_mb = 1\n{workers}"
                                   "[softdelete]\nschema_refresh = 0", binary=wrapper)
    pid = str(px.proc.pid)
    profiles = []
    dump = 0
    try:
        for script, mode, db in combos:
            # warm: the catalog, the rewrite cache (full, for simple-protocol statements)
            run_pgbench(px.port, db, script, mode, warm if mode == "simple" else 20)
            subprocess.run(["callgrind_control", "-z", pid], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            files = []
            for n in (n1, n2):
                run_pgbench(px.port, db, script, mode, n)
                subprocess.run(["callgrind_control", "-d", f"{script}-{mode}-{db}-{n}", pid],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                dump += 1
                files.append(f"{out}.{dump}")
            for path in files:  # written completely once "totals:" is there
                for _ in range(200):
                    if os.path.exists(path) and "\ntotals:" in open(path).read():
                        break
                    time.sleep(0.05)
            self_a, self_b = self_costs(files[0]), self_costs(files[1])
            incl_a, incl_b = annotate(files[0]), annotate(files[1])
            per = n2 - n1
            by_object = {}
            for key in set(self_a) | set(self_b):
                d = (self_b.get(key, 0) - self_a.get(key, 0)) / per
                obj = short_object(key[0])
                by_object[obj] = by_object.get(obj, 0) + d
            functions = {}
            for key in set(incl_a) | set(incl_b):
                if key[1] in KEY_FUNCTIONS:
                    d = (incl_b.get(key, 0) - incl_a.get(key, 0)) / per
                    if d >= 1:
                        name = key[1]
                        functions[name] = max(functions.get(name, 0), round(d))
            top_self = sorted(((round((self_b.get(k, 0) - self_a.get(k, 0)) / per), k[1],
                                short_object(k[0])) for k in set(self_a) | set(self_b)),
                              reverse=True)[:15]
            total = sum(by_object.values())
            profiles.append({
                "script": script, "mode": mode, "db": db, "ir_per_tx": round(total),
                "by_object": {k: round(v) for k, v in sorted(by_object.items(),
                                                             key=lambda kv: -kv[1])
                              if round(v) > 0},
                "functions_inclusive": dict(sorted(functions.items(), key=lambda kv: -kv[1])),
                "top_self": [{"ir": ir, "function": fn, "object": ob} for ir, fn, ob in top_self],
            })
            print(f"callgrind {script:6} {mode:8} {db:10}: {round(total):6} Ir/tx in user space: " +
                  ", ".join(f"{k} {round(v)}" for k, v in sorted(by_object.items(),
                                                                 key=lambda kv: -kv[1])
                            if round(v) > 0), flush=True)
    finally:
        px.stop()
    return profiles


def perf_split(pid, port, db, mode, seconds=3):
    """Share of the proxy's CPU samples (cpu-clock) in the kernel and in each object."""
    data = tempfile.mktemp(prefix="tombstone-bench-perf-")
    rec = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "4999", "-p", str(pid),
                            "-o", data, "--", "sleep", str(seconds + 1)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    subprocess.run([f"{PG_BIN}/pgbench", "-n", "-S", "-M", mode, "-c", "8", "-j", "2", "-T",
                    str(seconds)], env=pgbench_env(port, db), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    rec.wait()
    rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso",
                          "--stdio"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    syms = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "sym",
                           "--stdio", "-g", "none"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout
    os.unlink(data)
    shares = {}
    for line in rep.split("\n"):
        m = re.match(r"\s*([\d.]+)%\s+(\S.*?)\s*$", line)
        if m:
            shares[short_object(m.group(2).strip("[]"))] = float(m.group(1))
    top = []
    for line in syms.split("\n"):
        m = re.match(r"\s*([\d.]+)%\s+\[([k.])\]\s+(\S+)", line)
        if m and len(top) < 12:
            top.append({"share": float(m.group(1)), "kernel": m.group(2) == "k",
                        "symbol": m.group(3)})
    return {"mode": mode, "db": db, "clients": 8, "shares": shares, "top_symbols": top}


def run(pg, quick=False):
    result = {"perf_instructions": False}
    try:
        p = subprocess.run(["perf", "stat", "-x,", "-e", "instructions", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        result["perf_instructions"] = p.returncode == 0 and "not supported" not in p.stderr
    except OSError:
        pass
    work = tempfile.mkdtemp(prefix="tombstone-bench-prof-")
    px = bouncer = None
    try:
        make_pgbench_dbs(pg, 1)
        px = start_tombstone(pg)
        bouncer = PgBouncer.start(pg, "session")
        n = 300 if quick else 2000
        modes = ("simple",) if quick else ("simple", "extended", "prepared")
        scripts = ("select",) if quick else ("select", "tpcb")
        syscalls = []
        if shutil.which("strace"):
            for script in scripts:
                for mode in modes:
                    for name, pid, port, db in (("pgbouncer", bouncer.pid, bouncer.port, "bench"),
                                                ("tombstone", px.proc.pid, px.port, "bench"),
                                                ("tombstone_rw", px.proc.pid, px.port,
                                                 "bench_soft")):
                        if quick and name != "tombstone_rw":
                            continue
                        c = strace_counts(pid, port, db, script, mode, n)
                        syscalls.append({"target": name, "script": script, "mode": mode,
                                         "per_tx": c, "total": round(sum(c.values()), 2)})
                        print(f"syscalls {script:6} {mode:8} {name:13}: "
                              f"{sum(c.values()):5.2f}/tx  " +
                              ", ".join(f"{k} {v:g}" for k, v in c.items()), flush=True)
        result["syscalls"] = syscalls
        if shutil.which("perf") and not quick:
            result["perf"] = [perf_split(px.proc.pid, px.port, db, mode)
                              for db in ("bench", "bench_soft") for mode in ("simple",
                                                                             "prepared")]
            result["perf"].append(dict(perf_split(bouncer.pid, bouncer.port, "bench", "prepared"),
                                       target="pgbouncer"))
        combos = [(s, m, db) for s in scripts for m in modes
                  for db in (("bench_soft",) if quick else ("bench", "bench_soft"))]
        if shutil.which("valgrind"):
            n1, n2, warm = (20, 60, 100) if quick else (300, 1300, 3000)
            result["callgrind"] = callgrind_profile(pg, work, combos, n1, n2, warm)
    finally:
        if bouncer:
            bouncer.stop()
        if px:
            px.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {"profile": result}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    pg = start_postgres()
    run_alone(pg, a.out, lambda pg: run(pg, a.quick))


if __name__ == "__main__":
    main()
