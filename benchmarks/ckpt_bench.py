#!/usr/bin/env python3
"""End-to-end checkpoint/restart benchmark for ckpt (benchmarks/README.md).

For every size (MiB) x mode (random | zero | sparse) x repeat it runs `memhog` under
`ckpt launch`, takes one blocking checkpoint that kills the process, restarts it, and
records: checkpoint time (the coordinator's own number and the wall time of `ckpt
checkpoint --wait`), image bytes (logical and on disk), restart-to-running time (first
loop iteration after resume) and the time until memhog has verified every page.
In the same run it measures the machine's limits: dd with fsync (zeros and random data),
page-cache write without fsync, warm read, and memcpy bandwidth.

Output: one JSON object per measurement (JSON lines) on stdout or --output.
Python standard library only. Everything started here is stopped by pid (coordinator with
`ckpt quit`), and the scratch directory is removed, also on errors and on SIGINT/SIGTERM.

Example: python3 benchmarks/ckpt_bench.py --bin-dir build/bin --output bench.jsonl
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODES = ("random", "zero", "sparse")
START_TIMEOUT = 120.0  # seconds for memhog to fill its memory
STEP_TIMEOUT = 300.0  # seconds for one checkpoint or restart


class BenchError(Exception):
    """A measurement that could not be taken; its message goes into the record, together
    with whatever was measured before the failure (partial)."""

    def __init__(self, message, partial=None):
        super().__init__(message)
        self.partial = partial or {}


# --- environment -------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="256,1024", help="comma-separated MiB (default 256,1024)")
    p.add_argument("--modes", default="random,zero,sparse",
                   help="comma-separated memhog modes: random, zero, sparse")
    p.add_argument("--repeat", type=int, default=1,
                   help="repetitions of each size x mode and of the disk probes")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: small machine-limit probes (memcpy 64 MiB, best of 2)")
    p.add_argument("--bin-dir", default=None,
                   help="directory holding ckpt, memhog, memcpy_bw (default: build/bin)")
    p.add_argument("--scratch", default=None,
                   help="parent of the scratch directory (default: $TMPDIR or /tmp)")
    p.add_argument("--output", default="-", help="JSON-lines file to append to ('-': stdout)")
    p.add_argument("--no-machine", action="store_true", help="skip the machine-limit probes")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in args.modes if m not in MODES]
    if bad or not args.sizes or min(args.sizes) <= 0 or args.repeat <= 0:
        p.error("bad --sizes/--modes/--repeat: modes must be among %s" % ",".join(MODES))
    args.bin_dir = find_bin_dir(args.bin_dir, p)
    return args


def find_bin_dir(given, parser):
    candidates = [given] if given else [os.path.join(REPO, "build", "bin")]
    for d in candidates:
        if all(os.access(os.path.join(d, t), os.X_OK) for t in ("ckpt", "memhog", "memcpy_bw")):
            return os.path.abspath(d)
    parser.error("no ckpt, memhog and memcpy_bw in %s (build the `bench` target, or pass "
                 "--bin-dir)" % candidates[0])
    return None


def read_first(path, prefix):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_info():
    mem = read_first("/proc/meminfo", "MemTotal")
    return {
        "hostname": platform.node(),
        "nproc": os.cpu_count(),
        "mem_total_kib": int(mem.split()[0]) if mem else None,
        "kernel": platform.release(),
        "cpu_model": read_first("/proc/cpuinfo", "model name"),
    }


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return {"git_rev": None, "git_dirty": None}
    return {"git_rev": rev.stdout.strip() or None, "git_dirty": bool(dirty.stdout.strip())}


# --- processes and files this run owns -------------------------------------------------------

class Session:
    """Owns the scratch directory, the coordinator and every process this run starts.

    Each child runs in its own session (process group = its pid), so that a `ckpt restart`
    that hangs is stopped together with the processes it restored, by that group id."""

    def __init__(self, args):
        self.args = args
        self.scratch = tempfile.mkdtemp(prefix="ckpt-bench-", dir=args.scratch)
        self.children = []
        self.coordinators = []

    def tool(self, name):
        return os.path.join(self.args.bin_dir, name)

    def spawn(self, cmd, log_name, env=None):
        log = open(os.path.join(self.scratch, log_name), "ab")
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, env=env)
        finally:
            log.close()
        self.children.append(proc)
        return proc

    def run(self, cmd, timeout=STEP_TIMEOUT):
        """Runs a short command to completion; returns (returncode, stdout, stderr)."""
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.children.append(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc)
            raise BenchError("timed out after %.0f s: %s" % (timeout, " ".join(cmd)))
        return proc.returncode, out, err

    def stop(self, proc):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()

    def start_coordinator(self, ckptdir):
        """Starts a coordinator for one measurement (a fresh job and generation count)."""
        port_file = os.path.join(ckptdir, "coord.port")
        proc = self.spawn(
            [self.tool("ckpt"), "coordinator", "--port", "0", "--port-file", port_file,
             "--ckptdir", ckptdir, "--log-file", os.path.join(ckptdir, "coord.log")],
            "coord.out")
        deadline = time.time() + 30
        while time.time() < deadline:
            text = read_text(port_file)
            if text and text.strip().isdigit():
                self.coordinators.append((proc, text.strip()))
                return text.strip()
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        raise BenchError("coordinator did not start (see %s)"
                         % os.path.join(self.scratch, "coord.out"))

    def stop_coordinators(self):
        """`ckpt quit` each coordinator; the pid is killed only if it does not leave."""
        for proc, port in self.coordinators:
            if proc.poll() is None:
                try:
                    self.run([self.tool("ckpt"), "quit", "--coord-port", port], timeout=10)
                    proc.wait(timeout=10)
                except (BenchError, subprocess.TimeoutExpired):
                    pass
        self.coordinators = []

    def close(self, keep_scratch=False):
        self.stop_coordinators()
        for proc in self.children:
            self.stop(proc)
        if not keep_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def disk_bytes(path):
    """Bytes actually allocated under path (st_blocks), which shows holes in sparse images."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


# --- the machine's own limits ----------------------------------------------------------------

def timed(cmd):
    """Wall time of cmd; raises BenchError if it fails."""
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=STEP_TIMEOUT)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise BenchError("%s failed: %s" % (" ".join(cmd), proc.stderr.strip()[-300:]))
    return seconds


def rate(size_mib, seconds):
    return {"size_mib": size_mib, "seconds": round(seconds, 6),
            "mib_per_s": round(size_mib / seconds, 1) if seconds > 0 else None}


def make_random_file(path, size_mib):
    """A file of random bytes, fsynced so that no writeback overlaps the probes after it."""
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))
        f.flush()
        os.fsync(f.fileno())


def probe_disk(session, size_mib, rep):
    """dd with fsync (zeros, random data), page-cache write without fsync, warm read."""
    target = os.path.join(session.scratch, "dd.out")
    random_src = os.path.join(session.scratch, "random.src")
    dd = ["dd", "of=" + target, "bs=1M", "count=%d" % size_mib, "status=none"]
    results = {}
    results["dd_zero_fsync"] = timed(dd + ["if=/dev/zero", "conv=fsync"])
    os.unlink(target)
    make_random_file(random_src, size_mib)
    results["dd_random_fsync"] = timed(dd + ["if=" + random_src, "conv=fsync"])
    os.unlink(target)
    results["dd_zero_pagecache"] = timed(dd + ["if=/dev/zero"])
    os.unlink(target)  # drops the dirty pages: nothing is written back later
    results["warm_read_1"] = timed(["cat", random_src])
    results["warm_read_2"] = timed(["cat", random_src])
    os.unlink(random_src)
    return [dict(benchmark=name, repeat=rep, **rate(size_mib, s)) for name, s in results.items()]


def probe_memcpy(session, quick):
    mib, repeats = (64, 2) if quick else (1024, 5)
    out = subprocess.run([session.tool("memcpy_bw"), str(mib), str(repeats)],
                         capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if out.returncode != 0:
        raise BenchError("memcpy_bw failed: %s" % out.stderr.strip())
    data = json.loads(out.stdout)
    record = dict(benchmark="memcpy", repeats=data["repeats"], **rate(mib, data["best_seconds"]))
    return [record]


# --- checkpoint and restart of memhog ----------------------------------------------------------

def wait_for_file(path, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            raise BenchError("process exited (status %s) before writing %s"
                             % (proc.returncode, path))
        time.sleep(0.01)
    raise BenchError("no %s after %.0f s" % (path, timeout))


def last_json_line(text):
    for line in reversed(text.splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    raise BenchError("no JSON in output: %r" % text[-300:])


def touch(path):
    with open(path, "w"):
        pass


def launch_memhog(session, port, run_dir, size_mib, mode):
    """Starts memhog under `ckpt launch` and waits until it has filled its memory."""
    f = {n: os.path.join(run_dir, n) for n in ("ready", "stop", "resume", "stamp", "result")}
    cmd = [session.tool("ckpt"), "launch", "--coord-port", port, "--ckptdir", run_dir,
           session.tool("memhog"), "--size-mib", str(size_mib), "--mode", mode,
           "--ready-file", f["ready"], "--stop-file", f["stop"], "--resume-file", f["resume"],
           "--stamp-file", f["stamp"], "--result-file", f["result"]]
    t0 = time.monotonic()
    proc = session.spawn(cmd, "memhog-%s-%d.log" % (mode, size_mib))
    wait_for_file(f["ready"], proc, START_TIMEOUT)
    return proc, f, time.monotonic() - t0


def checkpoint_and_kill(session, port, proc):
    """One blocking checkpoint with --kill; returns the coordinator's JSON and the wall time."""
    t0 = time.monotonic()
    rc, out, err = session.run([session.tool("ckpt"), "checkpoint", "--coord-port", port,
                                "--wait", "--kill", "--json"])
    wall = time.monotonic() - t0
    if rc != 0:
        raise BenchError("ckpt checkpoint exited %d: %s" % (rc, err.strip()[-300:]))
    info = last_json_line(out)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise BenchError("the checkpointed process was not killed after the commit")
    return info, wall


def restart_and_verify(session, port, job_dir, files):
    """Restarts the job (stop file already present) and reads memhog's time stamps."""
    touch(files["resume"])
    touch(files["stop"])
    t0 = time.time()
    rc, _out, err = session.run([session.tool("ckpt"), "restart", "--coord-port", port, job_dir])
    wall = time.time() - t0
    stamp, result = read_text(files["stamp"]), read_text(files["result"])
    if rc != 0 or not stamp or not result:
        raise BenchError("restart exited %d (stamp %r, result %r): %s"
                         % (rc, stamp, result, err.strip()[-300:]))
    verdict, verified_at, bad_words = result.split()[1:4]
    return {"restart_to_running_s": round(float(stamp) - t0, 6),
            "restart_to_verified_s": round(float(verified_at) - t0, 6),
            "restart_wall_s": round(wall, 6), "restart_exit": rc,
            "verified": verdict == "ok", "mismatching_words": int(bad_words)}


def measure_cr(session, size_mib, mode, rep):
    """One launch -> checkpoint(--kill) -> restart -> verify cycle; images deleted after."""
    run_dir = os.path.join(session.scratch, "run-%s-%d-%d" % (mode, size_mib, rep))
    os.mkdir(run_dir, 0o700)
    try:
        port = session.start_coordinator(run_dir)
        proc, files, fill_s = launch_memhog(session, port, run_dir, size_mib, mode)
        info, wall = checkpoint_and_kill(session, port, proc)
        record = {"benchmark": "checkpoint_restart", "size_mib": size_mib, "mode": mode,
                  "repeat": rep, "fill_s": round(fill_s, 6),
                  "ckpt_seconds": info.get("seconds"), "ckpt_wall_s": round(wall, 6),
                  "image_bytes": info.get("bytes"), "image_disk_bytes": disk_bytes(info["dir"]),
                  "images": info.get("images"), "generation": info.get("generation")}
        try:
            record.update(restart_and_verify(session, port, os.path.dirname(info["dir"]), files))
        except BenchError as e:
            raise BenchError(str(e), record)
        return record
    finally:
        session.stop_coordinators()
        shutil.rmtree(run_dir, ignore_errors=True)


# --- driver ----------------------------------------------------------------------------------

class Emitter:
    """Writes one JSON object per measurement with the run's common fields."""

    def __init__(self, path):
        self.out = sys.stdout if path == "-" else open(path, "a")
        self.common = {"machine": machine_info(), **git_revision()}
        self.failures = 0

    def emit(self, record):
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        full = {**record, **self.common, "timestamp": now}
        if "error" in full or full.get("verified") is False:
            self.failures += 1
        self.out.write(json.dumps(full, sort_keys=True) + "\n")
        self.out.flush()

    def attempt(self, name, params, fn, *fn_args):
        """Runs one measurement; a failure becomes a record with an "error" field."""
        try:
            result = fn(*fn_args)
        except (BenchError, OSError, ValueError, subprocess.SubprocessError) as e:
            partial = getattr(e, "partial", {})
            self.emit({**params, **partial, "benchmark": name, "error": str(e)})
            print("ckpt_bench: %s %s: %s" % (name, params, e), file=sys.stderr)
            return
        for record in result if isinstance(result, list) else [result]:
            self.emit(record)


def run_all(args, session, emitter):
    if not args.no_machine:
        for rep in range(args.repeat):
            for size in args.sizes:
                emitter.attempt("disk", {"size_mib": size, "repeat": rep},
                                probe_disk, session, size, rep)
        emitter.attempt("memcpy", {}, probe_memcpy, session, args.quick)
    for size in args.sizes:
        for mode in args.modes:
            for rep in range(args.repeat):
                params = {"size_mib": size, "mode": mode, "repeat": rep}
                emitter.attempt("checkpoint_restart", params, measure_cr, session, size, mode, rep)


def raise_exit(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGHUP, raise_exit)
    emitter = Emitter(args.output)
    session = Session(args)
    try:
        run_all(args, session, emitter)
    finally:
        session.close()
    return 1 if emitter.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
