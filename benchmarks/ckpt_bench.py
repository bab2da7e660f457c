#!/usr/bin/env python3
"""End-to-end speed benchmarks for ckpt (issue 7; benchmarks/README.md).

For every size (MiB) x mode (random | zero | sparse) x repeat one memhog runs under
`ckpt launch` and goes through one cycle (bench_cycle.py): the application's stall during a
default and a --forked checkpoint, the time to a durable committed generation next to `dd`
of the same bytes with fsync, a second --incremental checkpoint after 5% of the pages were
rewritten, a --compress checkpoint next to `gzip -1` of the same image, and restarts (eager
next to a warm `cat` of the image, --lazy, from the incremental and from the compressed
generation) after each of which memhog verifies every page.
Then the overhead of running under ckpt (bench_overhead.py), and, in the same run, the
machine's own limits (bench_machine.py): dd with fsync, page-cache write, warm and cold
read, memcpy.

Output: one JSON object per measurement (JSON lines) on stdout or --output.
Python standard library only. Everything started here is stopped by pid (coordinators with
`ckpt quit`), and the scratch directory is removed, also on errors and on SIGINT/SIGTERM.

Example: python3 benchmarks/ckpt_bench.py --bin-dir build/bin --output bench.jsonl
"""
import argparse
import json
import os
import signal
import subprocess
import sys

from bench_cycle import measure_cycle
from bench_machine import REPO, git_revision, machine_info, probe_disk, probe_memcpy, utc_now
from bench_overhead import measure_overhead
from bench_session import BenchError, Session

MODES = ("random", "zero", "sparse", "text")
PARTS = ("machine", "cycle", "overhead")
TOOLS = ("ckpt", "memhog", "memcpy_bw", "overhead_loop")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="256,1024",
                   help="comma-separated MiB (default 256,1024; 4096 is optional)")
    p.add_argument("--modes", default="random,zero,sparse",
                   help="comma-separated memhog modes: random, zero, sparse, text (compressible)")
    p.add_argument("--repeat", type=int, default=1,
                   help="repetitions of each size x mode and of the disk probes")
    p.add_argument("--overhead-runs", type=int, default=3,
                   help="runs of each overhead loop, natively and under ckpt (best is kept)")
    p.add_argument("--parts", default=",".join(PARTS),
                   help="comma-separated parts to run: machine, cycle, overhead (default all)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: small machine probes (memcpy 64 MiB) and short loops")
    p.add_argument("--bin-dir", default=None,
                   help="directory holding %s (default: build/bin)" % ", ".join(TOOLS))
    p.add_argument("--scratch", default=None,
                   help="parent of the scratch directory (default: $TMPDIR or /tmp)")
    p.add_argument("--output", default="-", help="JSON-lines file to append to ('-': stdout)")
    p.add_argument("--no-machine", action="store_true",
                   help="skip the machine-limit probes (same as leaving 'machine' out of --parts)")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.modes = [m for m in args.modes.split(",") if m]
    args.parts = [x for x in args.parts.split(",") if x and not (x == "machine" and args.no_machine)]
    bad = [m for m in args.modes if m not in MODES] + [x for x in args.parts if x not in PARTS]
    if bad or not args.sizes or min(args.sizes) <= 0 or args.repeat <= 0 or args.overhead_runs <= 0:
        p.error("bad --sizes/--modes/--parts/--repeat: modes among %s, parts among %s"
                % (",".join(MODES), ",".join(PARTS)))
    args.bin_dir = find_bin_dir(args.bin_dir, p)
    return args


def find_bin_dir(given, parser):
    d = given or os.path.join(REPO, "build", "bin")
    if all(os.access(os.path.join(d, t), os.X_OK) for t in TOOLS):
        return os.path.abspath(d)
    parser.error("no %s in %s (build the `bench` target, or pass --bin-dir)"
                 % (", ".join(TOOLS), d))
    return None


class Emitter:
    """Writes one JSON object per measurement with the run's common fields."""

    def __init__(self, path, scratch):
        self.out = sys.stdout if path == "-" else open(path, "a")
        self.common = {"machine": machine_info(), **git_revision()}
        self.common["scratch_fstype"] = fs_type(scratch)
        self.failures = 0

    def emit(self, record):
        full = {**record, **self.common, "timestamp": utc_now(), "loadavg": load_average()}
        if "error" in full or full.get("verified") is False:
            self.failures += 1
            what = {k: record[k] for k in ("size_mib", "mode", "repeat", "loop") if k in record}
            print("ckpt_bench: %s %s: %s" % (record.get("benchmark"), what,
                                             record.get("error", "memory verification failed")),
                  file=sys.stderr)
        self.out.write(json.dumps(full, sort_keys=True) + "\n")
        self.out.flush()

    def attempt(self, name, params, fn, *fn_args):
        """Runs one measurement (fn returns a record or a list of them); a failure becomes a
        record with an "error" field and whatever the failed measurement had (partial)."""
        try:
            result = fn(*fn_args)
        except (BenchError, OSError, ValueError, subprocess.SubprocessError) as e:
            partial = getattr(e, "partial", {})
            self.emit({**params, "benchmark": name, **partial, "error": str(e)})
            return
        for record in result if isinstance(result, list) else [result] if result else []:
            self.emit(record)


def fs_type(path):
    """File system type of the scratch directory (ext4, tmpfs, ...), or None."""
    r = subprocess.run(["df", "--output=fstype", path], capture_output=True, text=True)
    lines = r.stdout.split()
    return lines[-1] if r.returncode == 0 and len(lines) > 1 else None


def load_average():
    """The 1, 5 and 15 minute load averages when the record is written: other work on the
    machine at the time (the numbers of a loaded machine are not comparable)."""
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except (OSError, ValueError):
        return None


def run_all(args, session, emitter):
    if "machine" in args.parts:
        for rep in range(args.repeat):
            for size in args.sizes:
                emitter.attempt("disk", {"size_mib": size, "repeat": rep},
                                probe_disk, session.scratch, size, rep)
        emitter.attempt("memcpy", {}, probe_memcpy, session.tool("memcpy_bw"), args.quick)
    if "cycle" in args.parts:
        for size in args.sizes:
            for mode in args.modes:
                for rep in range(args.repeat):
                    params = {"size_mib": size, "mode": mode, "repeat": rep}
                    emitter.attempt("checkpoint_restart", params, measure_cycle, session,
                                    emitter.emit, size, mode, rep, args.quick)
    if "overhead" in args.parts:
        emitter.attempt("overhead", {}, measure_overhead, session, args.overhead_runs,
                        args.quick)


def raise_exit(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGHUP, raise_exit)
    emitter = Emitter(args.output, args.scratch or os.environ.get("TMPDIR", "/tmp"))
    session = Session(args)
    try:
        run_all(args, session, emitter)
    finally:
        session.close()
    return 1 if emitter.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
