#!/usr/bin/env python3
"""Prints markdown tables from the JSON lines written by ckpt_bench.py.

Usage: python3 benchmarks/report.py RESULTS.jsonl [--git-rev REV]

Checkpoint/restart rows are grouped by (size, mode); with several repeats each cell is the
median and the row says n. Failed measurements are listed with their error.
Python standard library only.
"""
import argparse
import json
import statistics
import sys

MACHINE_ORDER = ("dd_zero_fsync", "dd_random_fsync", "dd_zero_pagecache", "warm_read_1",
                 "warm_read_2", "memcpy")
MACHINE_TEXT = {
    "dd_zero_fsync": "dd zeros, conv=fsync",
    "dd_random_fsync": "dd random data, conv=fsync",
    "dd_zero_pagecache": "dd zeros, page cache only (no fsync)",
    "warm_read_1": "cat file > /dev/null (1st, warm)",
    "warm_read_2": "cat file > /dev/null (2nd, warm)",
    "memcpy": "memcpy (best of N)",
}
CR_COLUMNS = (
    ("ckpt_seconds", "ckpt (s)", "%.3f"),
    ("ckpt_wall_s", "ckpt wall (s)", "%.3f"),
    ("ckpt_mib_per_s", "ckpt MiB/s", "%.0f"),
    ("image_mib", "image (MiB)", "%.1f"),
    ("image_disk_mib", "on disk (MiB)", "%.1f"),
    ("restart_to_running_s", "restart→running (s)", "%.3f"),
    ("restart_to_verified_s", "restart→verified (s)", "%.3f"),
)


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


def derive(r):
    """Adds the per-row values that are computed from the raw fields."""
    r = dict(r)
    mib = 1 << 20
    if r.get("image_bytes") is not None:
        r["image_mib"] = r["image_bytes"] / mib
    if r.get("image_disk_bytes") is not None:
        r["image_disk_mib"] = r["image_disk_bytes"] / mib
    if r.get("ckpt_seconds") and "error" not in r:  # a failed restart: the image may be incomplete
        r["ckpt_mib_per_s"] = r["size_mib"] / r["ckpt_seconds"]
    return r


def median_cell(rows, key, fmt):
    values = [r[key] for r in rows if r.get(key) is not None]
    return fmt % statistics.median(values) if values else "–"


def cr_table(records):
    groups = {}
    for r in records:
        if r.get("benchmark") == "checkpoint_restart":
            groups.setdefault((r["size_mib"], r["mode"]), []).append(derive(r))
    if not groups:
        return []
    head = ["size (MiB)", "mode", "n"] + [c[1] for c in CR_COLUMNS] + ["verified"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (size, mode), rows in sorted(groups.items()):
        cells = [str(size), mode, str(len(rows))]
        cells += [median_cell(rows, key, fmt) for key, _, fmt in CR_COLUMNS]
        ok = sum(1 for r in rows if r.get("verified"))
        failed = sum(1 for r in rows if "error" in r)
        cells.append("%d/%d" % (ok, len(rows)) + (" (%d failed, below)" % failed if failed else ""))
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
    return ["Measured %s to %s, git %s%s, on %s: %s CPUs (%s), %.1f GiB RAM, kernel %s." % (
        dates[0], dates[-1], first.get("git_rev"), dirty, m.get("hostname"), m.get("nproc"),
        m.get("cpu_model"), (m.get("mem_total_kib") or 0) / (1 << 20), m.get("kernel"))]


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
    args = p.parse_args(argv)
    records = load(args.results)
    if args.git_rev:
        records = [r for r in records if r.get("git_rev") == args.git_rev]
    if not records:
        sys.exit("report.py: no records in %s" % args.results)
    blocks = [header(records), cr_table(records), machine_table(records), failures(records)]
    print("\n\n".join("\n".join(b) for b in blocks if b))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
