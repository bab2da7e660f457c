#!/usr/bin/env python3
"""tests/mpi/mpi_test.py: a whole Open MPI job (mpirun + its ranks) checkpointed, killed and
restarted by ckpt, compared with a native mpirun run of the same program.

  mpi_test.py --ckpt BIN [--app ring|hpcc|lammps] [--source ring_allreduce.c] --np N
              --btl self,tcp --cycles C [--steps S] [--step-ms MS] [--timeout T]

The app (mpi_apps.py) says what runs, how far it got and what must be equal.
Native: `mpirun -np N --mca btl B APP...` in native/. Checkpointed, in run/: own coordinator,
`ckpt launch -- mpirun ...`, then per cycle: wait until the job has printed a few more
progress lines, `ckpt checkpoint --wait --kill` (mpirun + N images), wait until no process
of the job is left, `ckpt restart`. The outputs of launch and of every restart,
concatenated, are the job's stdout (mpirun's stdout is a file here, reopened by path; a
pipe or terminal would be taken from `ckpt restart`); the app's checks of it and of its
files must equal the native run's; the last `ckpt restart` must exit 0. Exit 0 pass, 1 fail, 77 skip (no Open MPI).
CT_KEEP=1 keeps the scratch dir. Python stdlib only.
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from mpi_apps import APPS, read

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from proc_view import alive, proc_start_time as start_time  # noqa: E402

SKIP = 77
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


class Failure(Exception):
    pass


def fail(msg):
    raise Failure(msg)


def parse_args(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--app", default="ring", choices=sorted(APPS))
    ap.add_argument("--source", help="ring: the MPI C program, built here with mpicc")
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--btl", default="self,tcp")
    ap.add_argument("--cycles", type=int, default=1)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--step-ms", type=int, default=40)
    ap.add_argument("--timeout", type=float, default=85)
    return ap.parse_args(argv)


class Job:
    """Scratch dir, coordinator and every process started; close() cleans up."""

    def __init__(self, args):
        self.args = args
        self.end = time.monotonic() + args.timeout
        self.scratch = tempfile.mkdtemp(prefix="ckpt-test-mpi-")
        self.ckptdir = os.path.join(self.scratch, "ckpt")
        self.env = dict(os.environ, **MPI_ENV)
        self.popens = []
        self.port = None
        self.seen = {}  # pid -> start time of every member seen, killed by close()
        self.mpirun_pid = None  # `ckpt launch` execs mpirun in place: the launch's pid
        self.app = APPS[args.app](args, self.scratch)
        self.native_dir = self.path("native")
        self.run_dir = self.path("run")
        for d in (self.native_dir, self.run_dir):
            os.makedirs(d)
            self.app.setup(d)

    def path(self, name):
        return os.path.join(self.scratch, name)

    def left(self):
        return max(1.0, self.end - time.monotonic())

    def spawn(self, argv, label, cwd=None):
        out = open(self.path(label + ".out"), "ab")
        err = open(self.path(label + ".err"), "ab")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             env=self.env, cwd=cwd or self.scratch, start_new_session=True)
        out.close()
        err.close()
        self.popens.append(p)
        return p

    def ckpt(self, *argv, timeout=60):
        cmd = [self.args.ckpt] + [str(a) for a in argv]
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           env=self.env, timeout=min(timeout, self.left()))
        with open(self.path("commands.log"), "a") as log:
            log.write(f"$ {shlex.join(cmd)}\n{r.stdout}{r.stderr}[exit {r.returncode}]\n")
        if r.returncode != 0:
            fail(f"`{shlex.join(cmd)}` exited {r.returncode}: {r.stderr.strip()}")
        return r

    def wait_for(self, pred, what, interval=0.05):
        while time.monotonic() < self.end:
            v = pred()
            if v:
                return v
            time.sleep(interval)
        fail(f"timed out {what}")

    def mpirun_argv(self):
        a = self.args
        return ["mpirun", "-np", str(a.np), "--mca", "btl", a.btl] + self.app.argv()

    def start_coordinator(self):
        port_file = self.path("coord.port")
        self.spawn([self.args.ckpt, "coordinator", "--port", "0", "--port-file", port_file,
                    "--ckptdir", self.ckptdir], "coordinator")

        def port():
            try:
                with open(port_file) as f:
                    return int(f.read().strip() or 0)
            except (OSError, ValueError):
                return 0
        self.port = self.wait_for(port, "waiting for the coordinator's port file")

    def members(self):
        r = self.ckpt("status", "--coord-port", self.port, "--json")
        status = json.loads(r.stdout)
        for m in status.get("members", []):
            self.seen.setdefault(int(m["pid"]), start_time(int(m["pid"])))
        return status

    def close(self):
        if self.port:
            subprocess.run([self.args.ckpt, "kill", "--coord-port", str(self.port)],
                           capture_output=True, timeout=10, check=False)
            subprocess.run([self.args.ckpt, "quit", "--coord-port", str(self.port)],
                           capture_output=True, timeout=10, check=False)
        for pid, start in self.seen.items():
            if start is not None and start_time(pid) == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for p in self.popens:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
            p.wait()
        if self.mpirun_pid:  # a killed mpirun leaves its session dir (named after its pid)
            session = f"/tmp/ompi.{platform.node()}.{os.getuid()}/pid.{self.mpirun_pid}"
            shutil.rmtree(session, ignore_errors=True)
        if os.environ.get("CT_KEEP") == "1":
            print(f"scratch kept: {self.scratch}")
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def report(self):
        for name in sorted(os.listdir(self.scratch)):
            p = self.path(name)
            if os.path.isfile(p) and (name.endswith((".out", ".err", ".log"))):
                with open(p, errors="replace") as f:
                    lines = f.readlines()[-30:]
                sys.stderr.write(f"---- tail of {name}:\n{''.join(lines)}")


def job_output(job, cycles):
    """The job's stdout so far: launch output + the outputs of restarts 1..cycles."""
    text = read(job.path("launch.out"))
    return text + "".join(read(job.path(f"restart{c}.out")) for c in range(1, cycles + 1))


def run_native(job):
    r = subprocess.run(job.mpirun_argv(), stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=job.env, cwd=job.native_dir, timeout=job.left())
    with open(job.path("native.out"), "w") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        fail(f"native mpirun exited {r.returncode}: {r.stderr.strip()}")
    return job.app.checks(job.native_dir, r.stdout)


def checkpoint_and_kill(job, owner, cycle):
    """Waits for a few more progress lines, checkpoints with --kill; returns the gen dir."""
    want = job.app.want(cycle)
    job.wait_for(lambda: owner.poll() is not None or
                 job.app.progress(job.run_dir, job_output(job, cycle)) >= want,
                 f"waiting for progress {want} (cycle {cycle + 1})")
    if owner.poll() is not None:
        fail(f"the job ended (status {owner.returncode}) before checkpoint {cycle + 1}")
    pids = [int(m["pid"]) for m in job.members().get("members", [])]
    if len(pids) != job.args.np + 1:
        fail(f"cycle {cycle + 1}: {len(pids)} members, expected mpirun + {job.args.np} ranks")
    r = job.ckpt("checkpoint", "--coord-port", job.port, "--wait", "--json", "--kill",
                 timeout=60)
    gen_dir = json.loads(r.stdout)["dir"]
    images = [f for f in os.listdir(gen_dir) if f.endswith(".ckpt")]
    if len(images) != job.args.np + 1:
        fail(f"{gen_dir} holds {len(images)} images, expected {job.args.np + 1}")
    job.wait_for(lambda: not any(alive(p) for p in pids), "waiting for the killed job to end")
    owner.wait(timeout=job.left())
    return gen_dir


def run(job):
    err = job.app.build()
    if err:
        fail(err)
    native = run_native(job)
    job.start_coordinator()
    owner = job.spawn([job.args.ckpt, "launch", "--coord-port", str(job.port), "--ckptdir",
                       job.ckptdir, "--"] + job.mpirun_argv(), "launch", cwd=job.run_dir)
    job.mpirun_pid = owner.pid
    for cycle in range(job.args.cycles):
        gen_dir = checkpoint_and_kill(job, owner, cycle)
        owner = job.spawn([job.args.ckpt, "restart", "--coord-port", str(job.port), gen_dir],
                          f"restart{cycle + 1}", cwd=job.run_dir)
    try:
        rc = owner.wait(timeout=job.left())
    except subprocess.TimeoutExpired:
        fail("the restarted job did not finish")
    if rc != 0:
        fail(f"`{shlex.join(map(str, owner.args))}` exited {rc}")
    got = job.app.checks(job.run_dir, job_output(job, job.args.cycles))
    if got != native:
        fail(f"the checks differ from the native run's:\n--- native\n{native}--- ckpt\n{got}")


def main(argv):
    args = parse_args(argv)
    for tool in ("mpirun",) + APPS[args.app].needs:
        if not shutil.which(tool):
            print(f"SKIP: needs {tool} (scripts/install-deps.sh installs Open MPI, hpcc, lammps)")
            return SKIP
    args.ckpt = os.path.abspath(args.ckpt)
    args.source = os.path.abspath(args.source) if args.source else None
    job = Job(args)
    try:
        run(job)
    except (Failure, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}")
        job.report()
        return 1
    finally:
        job.close()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
