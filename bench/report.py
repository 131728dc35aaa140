#!/usr/bin/python3
"""Turns the JSON files the benchmarks wrote into DIR/results.md, DIR/results.json and the
plots (gnuplot): DIR/tps.png and DIR/stream_rss.png. Checks that every part produced
numbers (not whether they are fast): exits non-zero when something is missing.

Usage: report.py DIR [--command CMD]"""

import argparse
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_LABELS = {
    "direct": "direct", "direct_rw": "direct rw", "pgbouncer": "PgBouncer",
    "tombstone": "tombstone",
    "tombstone_rw": "tombstone rw", "tombstone_base": "tombstone (before)",
    "tombstone_base_rw": "tombstone rw (before)",
}
SCRIPT_LABELS = {"select": "pgbench -S (select only)", "tpcb": "pgbench TPC-B-like (default)"}


def load(d, name):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt(v, spec=".0f", none="–"):
    return none if v is None else format(v, spec)


class Matrix:
    """The pgbench runs, by configuration and target; ratios are taken within a round."""

    def __init__(self, tps):
        self.tps = tps
        self.runs = [r for r in tps["runs"] if r.get("ok")]
        self.targets = tps["targets"]
        self.configs = []
        for r in tps["runs"]:
            c = (r["script"], r["mode"], r["clients"])
            if c not in self.configs:
                self.configs.append(c)

    def cell(self, cfg, target, field="tps"):
        return med([r.get(field) for r in self.runs
                    if (r["script"], r["mode"], r["clients"]) == cfg and r["target"] == target])

    def ratios(self, cfg, num, den, field="tps"):
        """Per-round ratios num/den for a configuration."""
        by_round = {}
        for r in self.runs:
            if (r["script"], r["mode"], r["clients"]) == cfg and r["target"] in (num, den):
                by_round.setdefault(r["round"], {})[r["target"]] = r.get(field)
        return [v[num] / v[den] for v in by_round.values()
                if v.get(num) and v.get(den)]

    def ratio(self, cfg, num, den, field="tps"):
        return med(self.ratios(cfg, num, den, field))

    def has(self, target):
        return target in self.targets


def tps_tables(m, out):
    main = [t for t in ("direct", "direct_rw", "pgbouncer", "tombstone", "tombstone_rw")
            if m.has(t)]
    for script in ("select", "tpcb"):
        cfgs = [c for c in m.configs if c[0] == script]
        if not cfgs:
            continue
        out.append(f"\n### {SCRIPT_LABELS[script]}\n")
        out.append("TPS (median over rounds) and ratios (median of the per-round ratios). "
                   "tombstone rw = tombstone on the database where every table is soft-delete, "
                   "so every statement is rewritten; direct rw = PostgreSQL directly on that "
                   "database, sent the statements as tombstone rewrites them (what the "
                   "predicates cost the server):\n")
        head = ["-M", "clients"] + [TARGET_LABELS[t] for t in main]
        ratio_cols = [("tombstone_rw", "pgbouncer", "rw / PgBouncer"),
                      ("tombstone", "pgbouncer", "tombstone / PgBouncer"),
                      ("tombstone_rw", "direct", "rw / direct"),
                      ("pgbouncer", "direct", "PgBouncer / direct"),
                      ("tombstone_rw", "tombstone", "rw on / off"),
                      ("direct_rw", "direct", "direct rw / direct")]
        ratio_cols = [rc for rc in ratio_cols if m.has(rc[0]) and m.has(rc[1])]
        head += [rc[2] for rc in ratio_cols]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
        for cfg in cfgs:
            row = [cfg[1], str(cfg[2])] + [fmt(m.cell(cfg, t)) for t in main]
            row += [fmt(m.ratio(cfg, a, b), ".2f") for a, b, _ in ratio_cols]
            out.append("| " + " | ".join(row) + " |")
        out.append("\nLatency in ms, average / p99 (p99 from pgbench's per-transaction log), and "
                   "the proxy's CPU time per transaction in µs (user + system, from "
                   "/proc/PID/schedstat):\n")
        proxies = [t for t in main if not t.startswith("direct")]
        head = ["-M", "clients"] + [TARGET_LABELS[t] for t in main] + \
            [f"CPU/tx {TARGET_LABELS[t]}" for t in proxies]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
        for cfg in cfgs:
            row = [cfg[1], str(cfg[2])]
            row += [f"{fmt(m.cell(cfg, t, 'lat_avg_ms'), '.3f')} / "
                    f"{fmt(m.cell(cfg, t, 'lat_p99_ms'), '.3f')}" for t in main]
            row += [fmt(m.cell(cfg, t, "proxy_cpu_us"), ".1f") for t in proxies]
            out.append("| " + " | ".join(row) + " |")


def ab_table(m, out):
    if not (m.has("tombstone_base") and m.has("tombstone")):
        return
    out.append("\n## Before / after (this run, interleaved)\n")
    out.append("`tombstone (before)` is the binary given with `--baseline-bin`; ratios after / "
               "before, median of the per-round ratios; CPU/tx is the proxy's CPU time per "
               "transaction.\n")
    out.append("| script | -M | clients | TPS after/before | TPS rw after/before | "
               "CPU/tx before → after (µs) | CPU/tx rw before → after (µs) |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for cfg in m.configs:
        out.append(f"| {cfg[0]} | {cfg[1]} | {cfg[2]} | "
                   f"{fmt(m.ratio(cfg, 'tombstone', 'tombstone_base'), '.3f')} | "
                   f"{fmt(m.ratio(cfg, 'tombstone_rw', 'tombstone_base_rw'), '.3f')} | "
                   f"{fmt(m.cell(cfg, 'tombstone_base', 'proxy_cpu_us'), '.1f')} → "
                   f"{fmt(m.cell(cfg, 'tombstone', 'proxy_cpu_us'), '.1f')} | "
                   f"{fmt(m.cell(cfg, 'tombstone_base_rw', 'proxy_cpu_us'), '.1f')} → "
                   f"{fmt(m.cell(cfg, 'tombstone_rw', 'proxy_cpu_us'), '.1f')} |")


def ab_callgrind(cg, out):
    out.append("\nUser-space instructions per transaction (callgrind, 1 client, full rewrite "
               "cache), before → after:\n")
    out.append("| script | -M | database | before | after | after / before | tombstone's own "
               "code before → after |")
    out.append("|---|---|---|---:|---:|---:|---:|")
    for b, n in zip(cg["base"], cg["new"]):
        out.append(f"| {b['script']} | {b['mode']} | {b['db']} | {b['ir_per_tx']} | "
                   f"{n['ir_per_tx']} | {n['ir_per_tx'] / b['ir_per_tx']:.3f} | "
                   f"{b['by_object'].get('tombstone', 0)} → {n['by_object'].get('tombstone', 0)} |")


def targets_section(m, rw, idle, stream, out, verdicts):
    out.append("\n## Targets (from the issue)\n")
    out.append("| target | measured | met |")
    out.append("|---|---|---|")

    def line(name, measured, ok):
        verdicts[name] = ok
        out.append(f"| {name} | {measured} | {'yes' if ok else 'no' if ok is not None else '?'} |")

    if m and m.has("tombstone_rw") and m.has("pgbouncer"):
        vals = []
        for mode in ("simple", "extended", "prepared"):
            for c in (1, 8):
                r = m.ratio(("select", mode, c), "tombstone_rw", "pgbouncer")
                if r is not None:
                    vals.append((mode, c, r))
        ok = bool(vals) and all(v[2] >= 1.10 for v in vals) if vals else None
        line("tombstone with rewriting ≥ 1.10 × PgBouncer TPS, -S, 1 and 8 clients, every -M",
             ", ".join(f"{mo} c={c}: {r:.2f}" for mo, c, r in vals), ok)
    if m and m.has("tombstone_rw") and m.has("tombstone"):
        parts, oks = [], []
        for script in ("select", "tpcb"):
            rs = [m.ratio(c, "tombstone_rw", "tombstone") for c in m.configs if c[0] == script]
            rs = [r for r in rs if r]
            if not rs:
                continue
            g = geomean(rs)
            worst = min(rs, key=lambda r: -abs(1 - r))
            cpu = [(m.cell(c, "tombstone_rw", "proxy_cpu_us"), m.cell(c, "tombstone",
                                                                       "proxy_cpu_us"))
                   for c in m.configs if c[0] == script]
            cpu = [a / b for a, b in cpu if a and b]
            srv = [m.ratio(c, "direct_rw", "direct") for c in m.configs if c[0] == script] \
                if m.has("direct_rw") else []
            srv = [r for r in srv if r]
            parts.append(f"{script}: geometric mean of the {len(rs)} configurations "
                         f"{g:.3f}, farthest {worst:.2f}; proxy CPU/tx on/off "
                         f"{geomean(cpu):.2f}" if cpu else f"{script}: {g:.3f}")
            if srv:
                parts[-1] += (f"; PostgreSQL alone, rewritten / original statements: "
                              f"{geomean(srv):.3f}")
            oks.append(abs(1 - g) <= 0.03)
        line("rewriting on vs off ≤ 3 % TPS difference (on / off)", "; ".join(parts),
             all(oks) if oks else None)
    if rw:
        stmts = rw["rewriter"]
        key = "cold_ir" if all("cold_ir" in s for s in stmts) else "cold_ns"
        raw = "raw_ir" if key == "cold_ir" else "raw_ns"
        ratios = sorted((s[key] / s[raw], s["name"]) for s in stmts)
        over = [f"{n} {r:.1f}" for r, n in ratios if r > 2]
        line("cold rewrite ≤ 2 × raw parse", f"{len(ratios) - len(over)} of {len(ratios)} "
             f"statements (median {statistics.median(r for r, _ in ratios):.2f}× in "
             f"{'instructions' if key == 'cold_ir' else 'time'}); over: " +
             (", ".join(over) if over else "none"), not over)
        slow = [f"{s['name']} {s['cached_ns'] / 1000:.2f} µs" for s in stmts
                if s["cached_ns"] >= 1000]
        line("cached rewrite < 1 µs", f"{len(stmts) - len(slow)} of {len(stmts)} statements "
             f"(median {statistics.median(s['cached_ns'] for s in stmts):.0f} ns); over: " +
             (", ".join(slow) if slow else "none"), not slow)
    if idle:
        ts = [r for r in idle["idle"] if r["proxy"] == "tombstone"]
        if ts:
            line("≤ 16 KiB RSS per idle client",
                 ", ".join(f"{r['clients']} clients: {r['bytes_per_client']} B" for r in ts),
                 all(r["bytes_per_client"] <= 16384 for r in ts))
    if stream:
        s = stream["stream"]
        half = s["samples"][len(s["samples"]) // 2:]
        spread = max(x[2] for x in half) - min(x[2] for x in half)
        line("flat RSS while a slow client reads a huge result",
             f"{s['bytes'] / 1e9:.2f} GB at {s['rate_mb_s']} MB/s: RSS {s['rss_start_kb']} kB "
             f"before, at most {s['rss_max_kb']} kB (+{s['growth_kb']} kB), spread over the "
             f"second half {spread} kB", s["growth_kb"] <= 4096 and spread <= 512)


def rewriter_section(rw, out):
    stmts = rw["rewriter"]
    out.append("\n## The rewriter alone (bench/rwbench.c over bench/corpus/)\n")
    out.append("Per statement: µs per call (fastest of the timed batches; median in the JSON), "
               "and instructions per call under callgrind (Ir; independent of the machine's "
               "load). raw = libpg_query's raw parse (the floor); cold = rw_rewrite (parse, "
               "walk, splice) + rw_result_free; cached = rw_cache_rewrite of a text it holds "
               "(texts that need no rewrite are kept too); "
               "shaped = rw_cache_rewrite of a text it does not hold that differs from a held "
               "one only by its numbers (served from that one's template; – when the cache "
               "keeps no template for it); lex = the rewriter's lexer alone; hash = rw_hash of "
               "the text. changed: 1 rewritten, 0 forwarded unchanged.\n")
    head = ["statement", "bytes", "changed", "out bytes", "raw µs", "cold µs", "cold/raw",
            "cold/raw Ir", "cached µs", "cached Ir", "shaped µs", "lex µs", "hash µs"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|---|" + "---:|" * (len(head) - 1))
    for s in stmts:
        ir = s.get("cold_ir") and s.get("raw_ir")
        out.append(f"| {s['name'].replace('.sql', '')} | {s['bytes']} | {s['changed']} | "
                   f"{s['out_bytes']} | {s['raw_ns'] / 1000:.2f} | {s['cold_ns'] / 1000:.2f} | "
                   f"{s['cold_ns'] / s['raw_ns']:.2f} | "
                   f"{fmt(s['cold_ir'] / s['raw_ir'] if ir else None, '.2f')} | "
                   f"{s['cached_ns'] / 1000:.3f} | {fmt(s.get('cached_ir'))} | "
                   f"{fmt(s['shaped_ns'] / 1000 if 'shaped_ns' in s else None, '.2f')} | "
                   f"{s['lex_ns'] / 1000:.2f} | {s['hash_ns'] / 1000:.3f} |")


def memory_section(idle, stream, out):
    out.append("\n## Memory\n")
    if idle:
        out.append("Idle clients (logged in, one query run, then idle): growth of the resident "
                   "set size divided by the number of clients.\n")
        if idle.get("nofile_limit") and idle["nofile_limit"] < 20100:
            out.append(f"The open-files limit here is {idle['nofile_limit']} and cannot be "
                       f"raised (no CAP_SYS_RESOURCE in this container); tombstone holds two "
                       f"descriptors per client, so the largest run is "
                       f"{max(r['clients'] for r in idle['idle'])} clients instead of 10 000.\n")
        out.append("| process | upstream | clients | RSS before (kB) | RSS after (kB) | "
                   "bytes per client |")
        out.append("|---|---|---:|---:|---:|---:|")
        for r in idle["idle"]:
            out.append(f"| {r['proxy']} | {r['upstream']} | {r['clients']} | "
                       f"{r['rss_before_kb']} | {r['rss_after_kb']} | {r['bytes_per_client']} |")
    if stream:
        s = stream["stream"]
        out.append(f"\nA client reads a {s['bytes'] / 1e9:.2f} GB result ({s['rows']} rows of "
                   f"1 kB) through tombstone at {s['rate_mb_s']} MB/s, far slower than "
                   f"PostgreSQL produces it; tombstone's RSS sampled every 0.2 s "
                   f"({len(s['samples'])} samples): {s['rss_start_kb']} kB before the query, "
                   f"{s['rss_min_kb']}–{s['rss_max_kb']} kB during, {s['rss_end_kb']} kB at "
                   f"the end (`stream_rss.png`).\n")


def profile_section(prof, m, out):
    p = prof["profile"]
    out.append("\n## Where a transaction's time goes (bench/profile_proxy.py)\n")
    if p.get("syscalls"):
        out.append("System calls per transaction (strace -c, pgbench -t N, 1 client):\n")
        out.append("| script | -M | process | total | calls per transaction |")
        out.append("|---|---|---|---:|---|")
        for s in p["syscalls"]:
            out.append(f"| {s['script']} | {s['mode']} | {TARGET_LABELS.get(s['target'], s['target'])}"
                       f" | {s['total']:.2f} | " +
                       ", ".join(f"{k} {v:g}" for k, v in s["per_tx"].items()) + " |")
    if m:
        out.append("\nProxy CPU time per transaction, user / system µs (from /proc/PID/stat "
                   "over each run; median over rounds; the system part is the kernel's: TCP "
                   "on loopback, wake-ups, epoll):\n")
        proxies = [t for t in ("pgbouncer", "tombstone", "tombstone_rw") if m.has(t)]
        out.append("| script | -M | clients | " + " | ".join(TARGET_LABELS[t] for t in proxies)
                   + " |")
        out.append("|---|---|---:|" + "---:|" * len(proxies))
        for cfg in m.configs:
            if cfg[2] not in (1, 8):
                continue
            cells = [f"{fmt(m.cell(cfg, t, 'proxy_user_us'), '.1f')} / "
                     f"{fmt(m.cell(cfg, t, 'proxy_sys_us'), '.1f')}" for t in proxies]
            out.append(f"| {cfg[0]} | {cfg[1]} | {cfg[2]} | " + " | ".join(cells) + " |")
    if p.get("callgrind"):
        out.append("\nUser-space instructions per transaction in tombstone (callgrind; 1 "
                   "client; difference of two runs of different lengths, so connection set-up "
                   "cancels; the rewrite cache is full, as in a long run):\n")
        out.append("| script | -M | database | Ir/tx | by object | biggest inclusive costs |")
        out.append("|---|---|---|---:|---|---|")
        for c in p["callgrind"]:
            objs = ", ".join(f"{k} {v}" for k, v in c["by_object"].items())
            funcs = ", ".join(f"{k} {v}" for k, v in list(c["functions_inclusive"].items())[:9]
                              if k not in ("event_base_loop",))
            out.append(f"| {c['script']} | {c['mode']} | {c['db']} | {c['ir_per_tx']} | {objs} |"
                       f" {funcs} |")
    if p.get("perf"):
        out.append("\nShare of the proxy's CPU samples (perf record -e cpu-clock, pgbench -S, "
                   "8 clients) in the kernel and in each user-space object; hardware "
                   f"counters for perf: {'available' if p.get('perf_instructions') else 'not available on this machine (perf stat -e instructions: not supported), so kernel instructions are not counted'}:\n")
        out.append("| process | -M | database | kernel | user space | top kernel symbols |")
        out.append("|---|---|---|---:|---|---|")
        for q in p["perf"]:
            sh = q["shares"]
            kern = sum(v for k, v in sh.items() if "kernel" in k)
            user = ", ".join(f"{k} {v:.1f}%" for k, v in sh.items() if "kernel" not in k)
            top = ", ".join(f"{t['symbol']} {t['share']:.1f}%" for t in q["top_symbols"]
                            if t["kernel"])[:300]
            out.append(f"| {q.get('target', 'tombstone')} | {q['mode']} | {q['db']} | "
                       f"{kern:.1f}% | {user} | {top} |")


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def plots(d, m, stream):
    work = tempfile.mkdtemp(prefix="tombstone-bench-plot-")
    made = []
    try:
        if m:
            targets = [t for t in ("direct", "direct_rw", "pgbouncer", "tombstone",
                                   "tombstone_rw", "tombstone_base", "tombstone_base_rw")
                       if m.has(t)]
            panels = [(s, mo) for s in ("select", "tpcb") for mo in ("simple", "extended",
                                                                       "prepared")
                      if any(c[0] == s and c[1] == mo for c in m.configs)]
            cmds = ["set terminal pngcairo size 1500,900 font ',10'",
                    f"set output '{d}/tps.png'",
                    "set multiplot layout 2,3 title 'pgbench TPS by clients (median over "
                    "rounds)'", "set logscale x 2", "set xtics (1, 8, 32, 128)",
                    "set key top left", "set grid", "set xlabel 'clients'", "set ylabel 'TPS'",
                    "set yrange [0:*]"]
            for s, mo in panels:
                plot = []
                for t in targets:
                    path = f"{work}/{s}-{mo}-{t}.dat"
                    with open(path, "w") as f:
                        for c in sorted(c[2] for c in m.configs if c[0] == s and c[1] == mo):
                            v = m.cell((s, mo, c), t)
                            if v:
                                f.write(f"{c} {v}\n")
                    plot.append(f"'{path}' using 1:2 with linespoints lw 2 "
                                f"title '{TARGET_LABELS[t]}'")
                cmds.append(f"set title '{'-S' if s == 'select' else 'TPC-B'} -M {mo}'")
                cmds.append("plot " + ", ".join(plot))
            cmds.append("unset multiplot")
            gnuplot("\n".join(cmds) + "\n")
            made.append("tps.png")
        if stream:
            s = stream["stream"]
            path = f"{work}/stream.dat"
            with open(path, "w") as f:
                for t, b, r in s["samples"]:
                    f.write(f"{t} {r / 1024:.3f} {b / 1e9:.4f}\n")
            gnuplot("\n".join([
                "set terminal pngcairo size 900,500 font ',10'", f"set output '{d}/stream_rss.png'",
                f"set title 'tombstone RSS while a client reads a {s['bytes'] / 1e9:.1f} GB "
                f"result at {s['rate_mb_s']} MB/s'",
                "set xlabel 'seconds'", "set ylabel 'RSS (MiB)'", "set y2label 'GB delivered'",
                "set ytics nomirror", "set y2tics", "set yrange [0:*]", "set y2range [0:*]",
                "set grid", "set key bottom right",
                f"plot '{path}' using 1:2 with lines lw 2 title 'tombstone RSS (MiB)', "
                f"'{path}' using 1:3 axes x1y2 with lines lw 2 dt 2 title 'GB delivered'"]) + "\n")
            made.append("stream_rss.png")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return made


def git_state():
    def git(*args, strip=True):
        out = subprocess.run(["git", "-C", REPO, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        return out.strip() if strip else out
    # the results being written are not a change to the code measured
    dirty = [ln[3:] for ln in git("status", "--porcelain", "--untracked-files=no",
                                  strip=False).split("\n")
             if ln.strip() and not ln[3:].startswith("bench/results/")]
    return git("rev-parse", "--short", "HEAD"), dirty


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--partial", action="store_true", help="do not fail on missing parts")
    a = ap.parse_args()
    d = os.path.abspath(a.dir)
    tps, rw, idle, stream, prof = (load(d, n) for n in ("tps.json", "rw.json", "idle.json",
                                                        "stream.json", "profile.json"))
    m = Matrix(tps) if tps else None
    commit, dirty = git_state()
    mach = tps["machine"] if tps else {}
    out = ["# tombstone benchmark results", ""]
    out.append(f"Produced by `{a.command}` on {datetime.date.today().isoformat()}, tombstone at "
               f"commit {commit}" + (f" with uncommitted changes in {', '.join(dirty)}"
                                     if dirty else "") + ".")
    if tps and tps.get("quick"):
        out.append("**A smoke run (--quick): tiny sizes, one run of 1 s per target. It shows "
                   "that every part of the benchmark works; its figures say nothing about "
                   "speed.**\n")
    if mach:
        out.append(f"Machine: {mach['nproc']} CPUs ({mach['cpu']}), {mach['mem_gib']} GiB, "
                   f"Linux {mach['kernel']}, load average {mach['loadavg'][0]:.2f} at the start "
                   f"(a shared machine: other work ran at the same time; ratios are taken "
                   f"between runs seconds apart, in rotating order). {mach['postgres']}; "
                   f"{mach['pgbouncer']}. PostgreSQL, pgbench, PgBouncer and tombstone all run "
                   f"on this machine and compete for its CPUs.")
    if tps:
        out.append(f"\npgbench scale {tps['scale']}, runs of {tps['seconds']} s, "
                   f"{tps['rounds']} rounds of the whole matrix plus {tps['key_rounds']} more "
                   f"of the target configurations (-S, 1 and 8 clients); -j 2 (1 with one "
                   f"client); TCP on 127.0.0.1 everywhere. PgBouncer in session mode "
                   f"(pool large enough for every client). tombstone: the default "
                   f"configuration (rewrite cache 64 MB, catalog refreshed every 60 s).")
        loads = sorted(r["loadavg"] for r in tps["runs"] if "loadavg" in r)
        if loads:
            out.append(f"\nLoad average (1 min) at the end of each pgbench run: minimum "
                       f"{loads[0]:.1f}, median {statistics.median(loads):.1f}, maximum "
                       f"{loads[-1]:.1f}. It counts the benchmark's own processes too (pgbench, "
                       f"a backend per client), and, on this shared machine, other work.")
        chk = tps["rewrite_check"]
        out.append(f"\nRewriting really happens on `bench_soft`: with `log_statement = all`, "
                   f"{chk['with_predicate']} of the {chk['select_update']} SELECT/UPDATE "
                   f"statements PostgreSQL received from pgbench through tombstone (all modes "
                   f"and both scripts) carried the predicate, e.g. `{chk['examples'][0] if chk['examples'] else '?'}`; "
                   f"EXPLAIN through the proxy shows `{chk['explain_rw'][-1].strip()}`.")
    verdicts = {}
    targets_section(m, rw, idle, stream, out, verdicts)
    if m:
        out.append("\n## Throughput and latency\n")
        out.append("![TPS by clients](tps.png)")
        tps_tables(m, out)
        ab_table(m, out)
    ab_cg = load(d, "ab_callgrind.json")
    if ab_cg:
        ab_callgrind(ab_cg, out)
    if rw:
        rewriter_section(rw, out)
    if idle or stream:
        memory_section(idle, stream, out)
        if stream:
            out.append("![RSS while streaming](stream_rss.png)")
    if prof:
        profile_section(prof, m, out)
    made = plots(d, m, stream)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    merged = {"command": a.command, "commit": commit, "dirty": dirty, "targets": verdicts}
    for name, part in (("tps", tps), ("rewriter", rw), ("idle", idle), ("stream", stream),
                       ("profile", prof)):
        if part:
            merged[name] = part
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(merged, f, indent=1)
    print(f"wrote {d}/results.md, results.json, " + ", ".join(made))
    if tps and tps.get("quick"):
        print("  (smoke run: the figures say that every part works, nothing about speed)")
    else:
        for name, ok in verdicts.items():
            print(f"  {'met    ' if ok else 'NOT met' if ok is not None else '?      '}  {name}")
    missing = [n for n, p in (("tps", tps), ("rewriter", rw), ("idle", idle),
                              ("stream", stream), ("profile", prof)) if not p]
    if missing and not a.partial:
        print(f"missing parts: {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
