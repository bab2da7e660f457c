#!/usr/bin/env python3
"""CTest smoke test (label unit) for ckpt_bench.py and report.py.

Runs `ckpt_bench.py --sizes 16 --repeat 1 --quick` and checks that it exits 0, that every
output line is a JSON object, that each kind of measurement is present (per mode) with its
keys, that memhog verified its memory after every restart (eager, lazy, incremental,
compressed), and that report.py renders the file. It also proves memhog's own oracle: a run
whose memory is altered through /proc/PID/mem must fail, also in a page rewritten by a dirty
round. It checks no timing: benchmarks never assert numbers.

The default modes are random and zero; pass --modes to change them.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON = {"benchmark", "machine", "git_rev", "git_dirty", "timestamp"}
MACHINE_KEYS = {"nproc", "mem_total_kib", "kernel", "cpu_model"}
CKPT = {"size_mib", "mode", "repeat", "generation", "ckpt_seconds", "ckpt_wall_s", "image_bytes",
        "image_disk_bytes"}
RESTART = {"restart_to_running_s", "restart_to_verified_s", "verified"}
STALL = {"stall_s", "spin_iterations", "gaps_over_1ms", "spin_window_s"}
PROBE = {"size_mib", "seconds", "mib_per_s"}
KEYS = {
    "checkpoint_restart": CKPT | RESTART | STALL | {"dd_image_fsync_s", "dd_image_direct_s",
                                                    "warm_cat_image_s", "restart_verify_only_s",
                                                    "fresh_memory_read_image_s",
                                                    "fresh_huge_memory_read_image_s"},
    "checkpoint_forked": CKPT | STALL | {"dd_image_fsync_s", "fork_same_process_s"},
    "stall_baseline": {"size_mib", "mode", "repeat"} | STALL,
    "restart_lazy": {"size_mib", "mode", "repeat", "warm_cat_image_s"} | RESTART,
    "incremental": CKPT | RESTART | {"first_image_bytes", "first_ckpt_seconds", "full_image_bytes",
                                     "dirtied_pages", "dirty_percent"},
    "compress": CKPT | RESTART | {"uncompressed_image_bytes", "gzip_s", "gzip_bytes",
                                  "lz4_image_bytes", "lz4_ckpt_seconds"},
    "overhead": {"loop", "iterations", "native_s", "ckpt_s", "overhead_pct", "native_wall_s",
                 "ckpt_wall_s"},
    "dd_zero_fsync": PROBE,
    "dd_random_fsync": PROBE,
    "dd_zero_pagecache": PROBE,
    "warm_read_1": PROBE,
    "warm_read_2": PROBE,
    "cold_read": PROBE,
    "memcpy": PROBE | {"repeats"},
}
PER_MODE = ("checkpoint_restart", "checkpoint_forked", "stall_baseline", "restart_lazy",
            "incremental", "compress")


def check_records(lines, modes):
    problems, seen = [], {}
    for n, line in enumerate(lines, 1):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append("line %d is not JSON (%s): %r" % (n, e, line[:200]))
            continue
        kind = r.get("benchmark")
        missing = (COMMON | KEYS.get(kind, {"<unknown kind>"})) - r.keys()
        missing |= {"machine." + k for k in MACHINE_KEYS - r.get("machine", {}).keys()}
        if missing or "error" in r:
            problems.append("line %d (%s): missing %s, error %r" % (n, kind, sorted(missing),
                                                                   r.get("error")))
        if RESTART <= KEYS.get(kind, set()) and r.get("verified") is not True:
            problems.append("line %d (%s): memhog did not verify its memory after restart"
                            % (n, kind))
        seen.setdefault(kind, []).append(r)
    for kind in KEYS:
        if kind not in seen:
            problems.append("no %s record" % kind)
    for kind in PER_MODE:
        got_modes = sorted(r.get("mode") for r in seen.get(kind, []))
        if got_modes != sorted(modes):
            problems.append("%s modes %s, expected %s" % (kind, got_modes, sorted(modes)))
    loops = sorted(r.get("loop") for r in seen.get("overhead", []))
    if loops != ["compute", "getpid", "read"]:
        problems.append("overhead loops %s, expected compute, getpid, read" % loops)
    return problems


def memhog_command(files, seq, text):
    """Sends one command through memhog's command file and waits for its answer."""
    with open(files["command"] + ".tmp", "w") as f:
        f.write("%d %s\n" % (seq, text))
    os.rename(files["command"] + ".tmp", files["command"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(files["reply"]):
            words = open(files["reply"]).read().split()
            if words[:2] == ["ack", str(seq)]:
                return words[2:]
        time.sleep(0.01)
    return ["timeout"]


def memhog_oracle(bin_dir, tmp, corrupt, dirty=False):
    """Runs memhog without ckpt; if dirty, lets it rewrite 5% of its pages; if corrupt, flips
    one word of page 3 (dirty: page 0, a rewritten one) through /proc/PID/mem. Returns
    memhog's exit status: this proves the verification can fail."""
    files = {n: os.path.join(tmp, "oracle-%s" % n) for n in ("ready", "stop", "command", "reply")}
    proc = subprocess.Popen([os.path.join(bin_dir, "memhog"), "--size-mib", "4", "--mode", "random",
                             "--ready-file", files["ready"], "--stop-file", files["stop"],
                             "--command-file", files["command"], "--reply-file", files["reply"]],
                            stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(files["ready"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        _, pid, base = open(files["ready"]).read().split()
        if dirty and memhog_command(files, 1, "dirty 5")[0] != "dirtied":
            return "dirty command failed"
        if corrupt:
            where = int(base, 16) + (0 if dirty else 4096 * 3)
            with open("/proc/%s/mem" % pid, "r+b", buffering=0) as mem:
                mem.seek(where)
                word = mem.read(8)
                mem.seek(where)
                mem.write(bytes(b ^ 0xFF for b in word))
        open(files["stop"], "w").close()
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for path in files.values():
            if os.path.exists(path):
                os.unlink(path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin-dir", required=True)
    p.add_argument("--modes", default="random,zero")
    args = p.parse_args()
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-smoke-") as tmp:
        out = os.path.join(tmp, "results.jsonl")
        run = subprocess.run([sys.executable, os.path.join(HERE, "ckpt_bench.py"), "--sizes", "16",
                              "--repeat", "1", "--quick", "--modes", args.modes,
                              "--bin-dir", args.bin_dir, "--output", out, "--scratch", tmp],
                             capture_output=True, text=True, timeout=240)
        lines = open(out).read().splitlines() if os.path.exists(out) else []
        problems = [] if run.returncode == 0 else ["ckpt_bench.py exited %d: %s"
                                                   % (run.returncode, run.stderr[-1000:])]
        problems += check_records(lines, modes)
        report = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), out],
                                capture_output=True, text=True, timeout=60)
        if report.returncode != 0 or "| size (MiB) |" not in report.stdout:
            problems.append("report.py failed (%d): %s" % (report.returncode, report.stderr))
        if memhog_oracle(args.bin_dir, tmp, corrupt=False) != 0:
            problems.append("memhog failed to verify untouched memory")
        if memhog_oracle(args.bin_dir, tmp, corrupt=True) != 1:
            problems.append("memhog did not detect a corrupted word")
        if memhog_oracle(args.bin_dir, tmp, corrupt=False, dirty=True) != 0:
            problems.append("memhog failed to verify its memory after a dirty round")
        if memhog_oracle(args.bin_dir, tmp, corrupt=True, dirty=True) != 1:
            problems.append("memhog did not detect a corrupted word in a rewritten page")
        leftovers = [n for n in os.listdir(tmp) if n.startswith("ckpt-bench-")]
        if leftovers:
            problems.append("scratch not removed: %s" % leftovers)
    for problem in problems:
        print("FAIL: " + problem)
    if not problems:
        print("PASS: %d records, report rendered" % len(lines))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
