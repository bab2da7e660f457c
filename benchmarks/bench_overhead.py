"""Overhead of running under ckpt (benchmarks/README.md): overhead_loop natively and under
`ckpt launch`, alternating, best of N each. Python standard library only.

Loops (overhead_loop.c): compute (about 2 s of register arithmetic), getpid and read of
/dev/zero (10^6 calls each). For each loop one record: the loop's own time (best of N,
native and under ckpt) and the wall time of the whole command (start-up, library load and
coordinator connection included). The syscall loops also run natively with one idle thread
(native_idle_thread_s): the share of the overhead that comes from being multi-threaded.
"""
import json
import os
import shutil
import time

from bench_session import BenchError

LOOPS = {"compute": 1_000_000_000, "getpid": 1_000_000, "read": 1_000_000}
QUICK_LOOPS = {"compute": 20_000_000, "getpid": 100_000, "read": 100_000}


def run_loop(session, cmd):
    """Runs one overhead_loop command; returns (loop seconds, wall seconds)."""
    t0 = time.monotonic()
    rc, out, err = session.run(cmd)
    wall = time.monotonic() - t0
    if rc != 0:
        raise BenchError("%s exited %d: %s" % (" ".join(cmd), rc, err.strip()[-300:]))
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise BenchError("no JSON from %s: %r" % (" ".join(cmd), out[-300:]))
    return json.loads(lines[-1])["seconds"], wall


def measure_overhead(session, repeats, quick=False):
    """One record per loop; raises BenchError on the first failure."""
    run_dir = os.path.join(session.scratch, "overhead")
    os.mkdir(run_dir, 0o700)
    port = session.start_coordinator(run_dir)
    launch = [session.tool("ckpt"), "launch", "--coord-port", port, "--ckptdir", run_dir]
    records = []
    try:
        for loop, iterations in (QUICK_LOOPS if quick else LOOPS).items():
            native_cmd = [session.tool("overhead_loop"), loop, str(iterations)]
            variants = {"native": native_cmd, "ckpt": launch + native_cmd}
            if loop != "compute":  # the cost of being multi-threaded at all, without ckpt
                variants["native_idle_thread"] = native_cmd + ["idle-thread"]
            samples = {k: [] for k in variants}
            for _ in range(repeats):  # alternating, so that drift hits all alike
                for kind, cmd in variants.items():
                    samples[kind].append(run_loop(session, cmd))
            records.append(overhead_record(loop, iterations, samples))
    finally:
        session.stop_coordinators()
        shutil.rmtree(run_dir, ignore_errors=True)
    return records


def overhead_record(loop, iterations, samples):
    best = {k: min(s for s, _ in v) for k, v in samples.items()}
    best_wall = {k: min(w for _, w in v) for k, v in samples.items()}
    return {"benchmark": "overhead", "loop": loop, "iterations": iterations,
            "runs": len(samples["native"]),
            "native_s": round(best["native"], 6), "ckpt_s": round(best["ckpt"], 6),
            "overhead_pct": round(100.0 * (best["ckpt"] / best["native"] - 1.0), 3),
            "native_wall_s": round(best_wall["native"], 6),
            "ckpt_wall_s": round(best_wall["ckpt"], 6),
            "wall_overhead_pct": round(100.0 * (best_wall["ckpt"] / best_wall["native"] - 1.0), 3),
            **({"native_idle_thread_s": round(best["native_idle_thread"], 6),
                "idle_thread_overhead_pct": round(
                    100.0 * (best["native_idle_thread"] / best["native"] - 1.0), 3)}
               if "native_idle_thread" in best else {}),
            "samples": {k: [[round(s, 6), round(w, 6)] for s, w in v]
                        for k, v in samples.items()}}
