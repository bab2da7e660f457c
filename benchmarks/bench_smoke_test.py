#!/usr/bin/env python3
"""CTest smoke test (label unit) for ckpt_bench.py and report.py.

Runs `ckpt_bench.py --sizes 16 --repeat 1 --quick` and checks that it exits 0, that every
output line is a JSON object, that each kind of measurement is present with its keys, that
memhog verified its memory after restart, and that report.py renders the file. It also
proves memhog's own oracle: a run whose memory is altered through /proc/PID/mem must fail. It checks
no timing: benchmarks never assert numbers.

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
KEYS = {
    "checkpoint_restart": {"size_mib", "mode", "repeat", "ckpt_seconds", "ckpt_wall_s",
                           "image_bytes", "image_disk_bytes", "restart_to_running_s",
                           "restart_to_verified_s", "verified"},
    "dd_zero_fsync": {"size_mib", "seconds", "mib_per_s"},
    "dd_random_fsync": {"size_mib", "seconds", "mib_per_s"},
    "dd_zero_pagecache": {"size_mib", "seconds", "mib_per_s"},
    "warm_read_1": {"size_mib", "seconds", "mib_per_s"},
    "warm_read_2": {"size_mib", "seconds", "mib_per_s"},
    "memcpy": {"size_mib", "seconds", "mib_per_s", "repeats"},
}


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
        if kind == "checkpoint_restart" and r.get("verified") is not True:
            problems.append("line %d: memhog did not verify its memory after restart" % n)
        seen.setdefault(kind, []).append(r)
    for kind in KEYS:
        if kind not in seen:
            problems.append("no %s record" % kind)
    got_modes = sorted(r.get("mode") for r in seen.get("checkpoint_restart", []))
    if got_modes != sorted(modes):
        problems.append("checkpoint_restart modes %s, expected %s" % (got_modes, sorted(modes)))
    return problems


def memhog_oracle(bin_dir, tmp, corrupt):
    """Runs memhog without ckpt; if corrupt, flips one word of its memory through
    /proc/PID/mem. Returns memhog's exit status: this proves the verification can fail."""
    files = {n: os.path.join(tmp, "oracle-%s" % n) for n in ("ready", "stop")}
    proc = subprocess.Popen([os.path.join(bin_dir, "memhog"), "--size-mib", "4", "--mode", "random",
                             "--ready-file", files["ready"], "--stop-file", files["stop"]],
                            stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(files["ready"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        _, pid, base = open(files["ready"]).read().split()
        if corrupt:
            with open("/proc/%s/mem" % pid, "r+b", buffering=0) as mem:
                mem.seek(int(base, 16) + 4096 * 3)
                word = mem.read(8)
                mem.seek(int(base, 16) + 4096 * 3)
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
