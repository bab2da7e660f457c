#!/usr/bin/env python3
"""benchmarks/mpi_bench.py: checkpoint and restart times of a whole Open MPI job.

  mpi_bench.py --ckpt build/bin/ckpt [--np 4] [--btl self,tcp] [--repeat 3] [--output F]

Runs tests/mpi/ring_allreduce.c (long enough not to end) under `ckpt launch mpirun -np N`
with its own coordinator (the test driver's Job: tests/mpi/mpi_test.py), then per repeat:
- a checkpoint that lets the job go on (`ckpt checkpoint --wait`): wall time of the
  command, the coordinator's round, and the bytes of the generation's images;
- once at the end: `ckpt checkpoint --wait --kill`, then `ckpt restart` timed until the
  coordinator shows mpirun + N ranks restarted and idle (the restart round finished), and
  until the job printed its next progress line.
One JSON object per measurement (one line each). Not a CTest assertion (STYLE.md 11).
Exit 1 if a measurement failed. Python stdlib only.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "mpi"))
from mpi_test import Failure, Job, job_output  # noqa: E402


def parse_args(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--np", type=int, default=4)
    ap.add_argument("--btl", default="self,tcp")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--output", default="-")
    a = ap.parse_args(argv)
    a.ckpt = os.path.abspath(a.ckpt)
    a.app, a.cycles, a.steps, a.step_ms, a.timeout = "ring", 0, 100000, 40, 300
    a.source = os.path.join(HERE, "..", "tests", "mpi", "ring_allreduce.c")
    return a


def gen_bytes(gen_dir):
    return sum(os.path.getsize(os.path.join(gen_dir, f)) for f in os.listdir(gen_dir)
               if f.endswith(".ckpt"))


def steps_printed(job, cycles):
    return sum(1 for line in job_output(job, cycles).splitlines() if line.startswith("step "))


def checkpoint(job, kill):
    t0 = time.monotonic()
    r = job.ckpt("checkpoint", "--coord-port", job.port, "--wait", "--json",
                 *(["--kill"] if kill else []), timeout=120)
    wall = time.monotonic() - t0
    reply = json.loads(r.stdout)
    return wall, reply


def all_restarted(job):
    status = job.members()
    members = status.get("members", [])
    return status.get("state") == "idle" and len(members) == job.args.np + 1 and \
        all(m.get("restarted") for m in members)


def run(job, emit):
    err = job.app.build()
    if err:
        raise Failure(err)
    job.start_coordinator()
    owner = job.spawn([job.args.ckpt, "launch", "--coord-port", str(job.port), "--ckptdir",
                       job.ckptdir, "--"] + job.mpirun_argv(), "launch", cwd=job.run_dir)
    job.mpirun_pid = owner.pid  # its session dir is removed by close()
    job.wait_for(lambda: steps_printed(job, 0) >= 5, "waiting for the job to start")
    base = {"bench": "mpi", "ranks": job.args.np, "btl": job.args.btl,
            "host": platform.node(), "loadavg_1m": round(os.getloadavg()[0], 2)}
    for i in range(job.args.repeat):
        wall, reply = checkpoint(job, False)
        emit(dict(base, what="checkpoint", repeat=i, wall_s=round(wall, 4),
                  image_bytes=gen_bytes(reply["dir"]), generation=reply.get("generation")))
        time.sleep(0.5)
    wall, reply = checkpoint(job, True)
    emit(dict(base, what="checkpoint_kill", wall_s=round(wall, 4),
              image_bytes=gen_bytes(reply["dir"])))
    owner.wait(timeout=60)
    before = steps_printed(job, 0)
    t0 = time.monotonic()
    owner = job.spawn([job.args.ckpt, "restart", "--coord-port", str(job.port), reply["dir"]],
                      "restart1", cwd=job.run_dir)
    job.wait_for(lambda: all_restarted(job), "waiting for the restart round", interval=0.01)
    joined = time.monotonic() - t0
    job.wait_for(lambda: steps_printed(job, 1) > before, "waiting for the next step",
                 interval=0.005)
    progress = time.monotonic() - t0
    emit(dict(base, what="restart", restart_round_s=round(joined, 4),
              next_step_s=round(progress, 4)))


def main(argv):
    args = parse_args(argv)
    out = sys.stdout if args.output == "-" else open(args.output, "a")
    job = Job(args)

    def emit(obj):
        out.write(json.dumps(obj, sort_keys=True) + "\n")
        out.flush()
    try:
        run(job, emit)
    except (Failure, subprocess.TimeoutExpired, KeyError, ValueError) as e:
        emit({"bench": "mpi", "ranks": args.np, "btl": args.btl, "error": str(e)})
        job.report()
        return 1
    finally:
        job.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
