"""One checkpoint/restart cycle of memhog for one size x mode x repeat (benchmarks/README.md,
"What is measured"). One memhog, one coordinator (--keep 0), five generations:

  A  default checkpoint, memhog spinning          -> stall, durable commit time, image bytes
     dd of A's image with conv=fsync (and with      -> the disk's time for the same bytes
     oflag=direct)
  B  --forked checkpoint, memhog spinning          -> stall, durable commit time
  C  --incremental (first: full)
     memhog rewrites 5% of its pages
  D  --incremental (second)                        -> bytes and time of the second checkpoint
  E  --compress --kill                             -> time and size; gzip -1 of A's image
  then, with memhog gone: gzip -1 of A's image (not in sparse mode: same bytes as random),
  warm `cat` of A's image, a read of it into fresh anonymous memory (one thread),
  `ckpt restart --dry-run` of A (checksums only), restart eager
  from A, --lazy from A, eager from D (references C) and from E (compressed); memhog
  verifies every page each time. A failed restart is recorded; the next one still runs.

Each finished measurement is emitted at once as one JSON object; a failure raises BenchError
whose partial record names the measurement that failed. Python standard library only.
"""
import os
import shutil
import time

from bench_machine import (dd_copy_direct, dd_copy_fsync, gzip_fast, read_into_fresh_memory,
                           thp_mode, warm_cat)
from bench_memhog import Memhog, checkpoint, restart
from bench_session import BenchError

DIRTY_PERCENT = 5
CKPT_FIELDS = ("generation", "ckpt_seconds", "ckpt_wall_s", "image_bytes", "image_disk_bytes",
               "images", "steps")


def pick(info, prefix=""):
    return {prefix + k: info.get(k) for k in CKPT_FIELDS}


class Stage:
    """Names the measurement under way, so that a failure is recorded against it with
    whatever it had measured."""

    def __init__(self, params):
        self.params = params
        self.record = {}

    def begin(self, benchmark, **fields):
        self.record = {**self.params, "benchmark": benchmark, **fields}
        return self.record

    def fail(self, error):
        raise BenchError(str(error), dict(self.record)) from error


def measure_cycle(session, emit, size_mib, mode, rep, quick=False):
    """Runs the cycle; emit(record) is called for each finished measurement."""
    params = {"size_mib": size_mib, "mode": mode, "repeat": rep}
    run_dir = os.path.join(session.scratch, "run-%s-%d-%d" % (mode, size_mib, rep))
    os.mkdir(run_dir, 0o700)
    stage = Stage(params)
    hog = None
    try:
        port = session.start_coordinator(run_dir, keep=0)
        hog = Memhog(session, port, run_dir, size_mib, mode)
        gens = checkpoints(session, port, hog, stage, emit, quick)
        after_kill(session, port, hog, stage, emit, gens)
    except BenchError:
        raise
    except (OSError, ValueError, KeyError, IndexError) as e:
        stage.fail(e)
    finally:
        if hog is not None:
            session.stop(hog.proc)
        session.stop_coordinators()
        shutil.rmtree(run_dir, ignore_errors=True)


def checkpoints(session, port, hog, stage, emit, quick):
    """Generations A to E while memhog runs; returns them and the records still open."""
    try:
        rec = stage.begin("stall_baseline")
        _, stall = hog.stall_during(lambda: time.sleep(0.2 if quick else 0.5))
        emit({**rec, **stall})

        default = stage.begin("checkpoint_restart", ckpt_mode="default", fill_s=round(hog.fill_s, 6))
        a, stall = hog.stall_during(lambda: checkpoint(session, port))
        default.update(pick(a), **stall)
        default["dd_image_fsync_s"] = round(dd_copy_fsync(a["image"], session.scratch), 6)
        default["dd_image_direct_s"] = round(dd_copy_direct(a["image"], session.scratch), 6)

        forked = stage.begin("checkpoint_forked", ckpt_mode="forked")
        forked["fork_same_process_s"] = round(hog.fork_time(), 6)
        b, stall = hog.stall_during(lambda: checkpoint(session, port, ["--forked"]))
        forked.update(pick(b), **stall, dd_image_fsync_s=default["dd_image_fsync_s"],
                      dd_image_direct_s=default["dd_image_direct_s"])
        emit(forked)

        incremental = stage.begin("incremental", ckpt_mode="incremental",
                                  full_image_bytes=a["image_bytes"])
        c = checkpoint(session, port, ["--incremental"])
        incremental.update(pick(c, "first_"))
        incremental.update(hog.dirty(DIRTY_PERCENT))
        d = checkpoint(session, port, ["--incremental"])
        incremental.update(pick(d))

        compress = stage.begin("compress", ckpt_mode="compress",
                               uncompressed_image_bytes=a["image_bytes"])
        lz4 = checkpoint(session, port, ["--compress-lz4"])
        compress.update(pick(lz4, "lz4_"))
        e = checkpoint(session, port, ["--compress", "--kill"])
        compress.update(pick(e))
        hog.wait_killed()
    except BenchError as err:
        err.partial = err.partial or dict(stage.record)
        raise
    return {"a": a, "d": d, "e": e, "default": default, "incremental": incremental,
            "compress": compress}


def after_kill(session, port, hog, stage, emit, gens):
    """Baselines on A's image, then the restarts, each on its own: a restart that fails is
    recorded with its error and the next one still runs."""
    a = gens["a"]
    try:
        stage.record = gens["compress"]
        if hog.mode != "sparse":  # sparse images hold the same random bytes as random ones
            gzip_s, gzip_bytes = gzip_fast(a["image"])
            gens["compress"].update(gzip_s=round(gzip_s, 6), gzip_bytes=gzip_bytes)
        stage.record = gens["default"]
        warm = round(warm_cat(a["image"]), 6)
        # best of 2 each: the first allocation of that much memory may have to reclaim
        fresh = round(min(read_into_fresh_memory(a["image"]) for _ in range(2)), 6)
        fresh_huge = round(min(read_into_fresh_memory(a["image"], huge=True) for _ in range(2)), 6)
        verify = round(verify_only(session, port, a["dir"]), 6)
    except BenchError as err:
        err.partial = err.partial or dict(stage.record)
        raise
    lazy = stage.begin("restart_lazy", image_bytes=a["image_bytes"])
    runs = ((gens["default"], a, False), (lazy, a, True), (gens["incremental"], gens["d"], False),
            (gens["compress"], gens["e"], False))
    for record, gen, is_lazy in runs:
        if gen is a:
            record.update(warm_cat_image_s=warm, fresh_memory_read_image_s=fresh,
                          fresh_huge_memory_read_image_s=fresh_huge, thp_mode=thp_mode(),
                          restart_verify_only_s=verify)
        try:
            record.update(restart(session, port, hog, gen["dir"], lazy=is_lazy))
        except BenchError as err:
            record["error"] = str(err)
        emit(record)


def verify_only(session, port, gen_dir):
    """`ckpt restart --dry-run GEN`: the checksum verification that precedes every restart."""
    t0 = time.monotonic()
    rc, _out, err = session.run([session.tool("ckpt"), "restart", "--coord-port", port,
                                 "--dry-run", gen_dir])
    if rc != 0:
        raise BenchError("ckpt restart --dry-run exited %d: %s" % (rc, err.strip()[-300:]))
    return time.monotonic() - t0
