#!/usr/bin/env python3
"""Prints markdown tables from the JSON lines written by ckpt_bench.py.

Usage: python3 benchmarks/report.py RESULTS.jsonl [--git-rev REV]

Rows are grouped by (size, mode); with several repeats each cell is the median (n says how
many). First the issue 7 targets with the measured values (report_issue7.py), then the
tables behind them, which restarts verified, the machine's limits, and the failed
measurements with their error.
Python standard library only.
"""
import argparse
import json
import statistics
import sys

from report_issue7 import issue7_blocks

MACHINE_ORDER = ("dd_zero_fsync", "dd_random_fsync", "dd_zero_pagecache", "warm_read_1",
                 "warm_read_2", "cold_read", "memcpy")
MACHINE_TEXT = {
    "dd_zero_fsync": "dd zeros, conv=fsync",
    "dd_random_fsync": "dd random data, conv=fsync",
    "dd_zero_pagecache": "dd zeros, page cache only (no fsync)",
    "warm_read_1": "cat file > /dev/null (1st, warm)",
    "warm_read_2": "cat file > /dev/null (2nd, warm)",
    "cold_read": "cat file > /dev/null (cold: evicted with fadvise)",
    "memcpy": "memcpy (best of N)",
}
RESTART_KINDS = (("checkpoint_restart", "eager"), ("restart_lazy", "--lazy"),
                 ("incremental", "incremental gen"), ("compress", "compressed gen"))


def load(path):
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    sys.exit("report.py: %s:%d: not JSON: %s" % (path, number, e))
    return records


def median_cell(rows, key, fmt):
    values = [r[key] for r in rows if r.get(key) is not None]
    return fmt % statistics.median(values) if values else "–"


def verified_table(records):
    """For each size x mode and each kind of restart: how many restarted memhogs verified
    every page, out of how many runs (failed runs are listed below the tables)."""
    groups = {}
    for r in records:
        for kind, _ in RESTART_KINDS:
            if r.get("benchmark") == kind:
                groups.setdefault((r["size_mib"], r["mode"]), {}).setdefault(kind, []).append(r)
    if not groups:
        return []
    head = ["size (MiB)", "mode"] + ["verified after %s restart" % t for _, t in RESTART_KINDS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (size, mode), kinds in sorted(groups.items()):
        cells = [str(size), mode]
        for kind, _ in RESTART_KINDS:
            rows = kinds.get(kind, [])
            ok = sum(1 for r in rows if r.get("verified"))
            failed = sum(1 for r in rows if "error" in r)
            cells.append("%d/%d" % (ok, len(rows)) + (" (%d failed)" % failed if failed else ""))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def machine_table(records):
    rows = {}
    for r in records:
        if r.get("benchmark") in MACHINE_TEXT and "error" not in r:
            rows.setdefault(r["benchmark"], []).append(r)
    if not rows:
        return []
    lines = ["| machine limit | size (MiB) | n | seconds | MiB/s |", "|---|---|---|---|---|"]
    for name in MACHINE_ORDER:
        by_size = {}
        for r in rows.get(name, []):
            by_size.setdefault(r["size_mib"], []).append(r)
        for size, rs in sorted(by_size.items()):
            lines.append("| %s | %d | %d | %s | %s |" % (
                MACHINE_TEXT[name], size, len(rs), median_cell(rs, "seconds", "%.3f"),
                median_cell(rs, "mib_per_s", "%.0f")))
    return lines


def header(records):
    first = records[0]
    m = first.get("machine", {})
    dates = sorted(r.get("timestamp", "") for r in records)
    dirty = "+local changes" if first.get("git_dirty") else ""
    loads = [r["loadavg"][0] for r in records if r.get("loadavg")]
    load = (" Load average (1 min) while records were written: %.1f to %.1f (median %.1f)." % (
        min(loads), max(loads), statistics.median(loads))) if loads else ""
    fs = sorted({r["scratch_fstype"] for r in records if r.get("scratch_fstype")})
    scratch = " Scratch file system: %s." % ", ".join(fs) if fs else ""
    return ["Measured %s to %s, git %s%s, on %s: %s CPUs (%s), %.1f GiB RAM, kernel %s.%s%s" % (
        dates[0], dates[-1], first.get("git_rev"), dirty, m.get("hostname"), m.get("nproc"),
        m.get("cpu_model"), (m.get("mem_total_kib") or 0) / (1 << 20), m.get("kernel"), load,
        scratch)]


def failures(records):
    bad = [r for r in records if "error" in r or r.get("verified") is False]
    lines = []
    for r in bad:
        what = ", ".join("%s=%s" % (k, r[k]) for k in ("size_mib", "mode", "repeat") if k in r)
        lines.append("- FAILED %s (%s): %s" % (r.get("benchmark"), what,
                                               r.get("error", "memory verification failed")))
    return lines


def main(argv):
    p = argparse.ArgumentParser(description="markdown tables from ckpt_bench.py JSON lines")
    p.add_argument("results")
    p.add_argument("--git-rev", help="only records of this git revision")
    p.add_argument("--target-size", type=int, default=1024,
                   help="size (MiB) whose random-content rows are compared with the issue 7 "
                        "targets (default 1024)")
    args = p.parse_args(argv)
    records = load(args.results)
    if args.git_rev:
        records = [r for r in records if r.get("git_rev") == args.git_rev]
    if not records:
        sys.exit("report.py: no records in %s" % args.results)
    blocks = [header(records)] + issue7_blocks(records, args.target_size)
    blocks += [verified_table(records), machine_table(records), failures(records)]
    print("\n\n".join("\n".join(b) for b in blocks if b))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
