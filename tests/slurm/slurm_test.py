#!/usr/bin/env python3
"""tests/slurm/slurm_test.py: runs scripts/slurm/ckpt-job.sbatch on a real Slurm that this
test starts (tests/slurm/slurm-up.sh: one node; slurm-multi-up.sh: 3 nodes in network
namespaces) and stops (slurm-down.sh), also on failure.

  slurm_test.py --ckpt BIN/ckpt --worker slurm_worker --plugin slow_write.so --scenario NAME
                [--keep]

Scenarios (each one exclusive Slurm job running `srun -n T ckpt launch slurm_worker STEPS 500`
under the template; T = --tasks, default 1):
  preempt         a job in partition high pre-empts it: the steps' SIGTERM at grace start
                  checkpoints it, the job is requeued and restarts from that generation
  requeue         the same with `scontrol requeue`
  timelimit       --time=2 --signal=B:USR1@110: the batch shell checkpoints on the warning
                  (slurmctld's first time-limit pass after the start, <= 30 s in), requeues
                  the job, the requeued run (time limit raised so that it gets no warning of
                  its own) restarts from the generation (~65 s)
  corrupt_newest  two checkpoints, then `scontrol requeuehold`; the newest generation is
                  damaged while the job is held: the restart skips it, saying why, and
                  continues from the previous one
  fresh_start     `scontrol requeuehold`, every generation damaged: the job says "no valid
                  generation: starting fresh" and computes from step 1 again
  slow_checkpoint one checkpoint, then the image write is made slower (slow_write plugin)
                  than Slurm's KillWait and the job is requeued: the checkpoint of the
                  requeue cannot finish, and the restart continues from the previous one
  multinode_requeue  on a 3-node cluster in netns h1..h3 (slurm-multi-up.sh): 2 tasks on
                  n1+n2 (srun -n 2 -N 2), `scontrol requeue`, then `scontrol update
                  ExcNodeList=n1` while pending: the restart runs on n2+n3, one `ckpt restart
                  --slurm` per node, each restoring the process of one old host; every
                  worker prints its host before and after
With --ring-worker slurm_ring_worker --tasks N the job's tasks exchange data over TCP in a
ring (multinode_requeue: N/2 tasks per node, so connections cross the nodes); the reference
is then N native processes of the ring with SLEEP_MS 0, one RESULT line per task.
With --mpi-ring ring_allreduce.c (built here with mpicc) the job's one task is a whole Open
MPI job, `srun -n 1 ckpt launch mpirun -np 2 --mca btl self,tcp ring STEPS 500`; the
reference is a native `mpirun -np 2` of the same ring, whose every output line ("step S
token ... sum ..." per step, the final checksum line) the job output must repeat.
Every scenario checks that the job completes with the RESULT line(s) of an uninterrupted run
(`slurm_worker STEPS 0`), that the output shows the restart count, and whether the
computation resumed (one "step 1/" line per task; the MPI ring: one "step 0 token" line) or
started over.
Exit 0 = pass, 1 = fail, 77 = skipped (not root, or Slurm/munge not installed).
Python stdlib only."""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TEMPLATE = os.path.join(REPO, "scripts", "slurm", "ckpt-job.sbatch")
IMAGE_PATCH = os.path.join(REPO, "tests", "harness", "image_patch.py")
SLEEP_MS = 500
# Open MPI as root, TCP on loopback only, more ranks than the step's CPUs (tests/mpi).
# ras ^slurm: the test node is called c1, not this machine's hostname, so mpirun would take
# c1 for another node and start an orted there through a nested srun, which waits forever
# for the CPUs of its own step. On a real cluster the node name is the hostname and mpirun
# runs every rank of a one-node allocation itself, as here.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_ras": "^slurm"}
MPI_RANKS = 2
MPI_LINE = r"^(step \d+ token \S+ sum -?\d+|ranks \d+ steps \d+ checksum \S+ \S+)$"


class Failure(Exception):
    pass


def log(msg):
    print(f"[slurm_test {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Cluster:
    """A private Slurm under BASE; every Slurm command of the test goes through run().
    nodes=0: one node c1 on loopback (slurm-up.sh); nodes=N: n1..nN in netns h1..hN
    (slurm-multi-up.sh), every Slurm command run inside netns h1."""

    def __init__(self, base, nodes=0):
        self.base = base
        self.nodes = nodes
        self.env = dict(os.environ, SLURM_CONF=os.path.join(base, "slurm.conf"))
        self.prefix = ["nsenter", "--net=/run/netns/h1"] if nodes else []

    def up(self):
        argv = ([os.path.join(HERE, "slurm-multi-up.sh"), self.base, str(self.nodes)]
                if self.nodes else [os.path.join(HERE, "slurm-up.sh"), self.base])
        r = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=90)
        if r.returncode != 0:
            raise Failure(f"{os.path.basename(argv[0])} failed ({r.returncode}):\n"
                          f"{r.stdout}{r.stderr}")
        log(r.stdout.strip())

    def down(self):
        subprocess.run([os.path.join(HERE, "slurm-down.sh"), self.base], env=self.env,
                       capture_output=True, text=True, timeout=120)

    def run(self, *argv, env=None, check_rc=True):
        r = subprocess.run(self.prefix + list(argv), env=env or self.env, capture_output=True,
                           text=True, timeout=60)
        if check_rc and r.returncode != 0:
            raise Failure(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout

    def job_field(self, job, field):
        out = self.run("scontrol", "show", "job", "-o", str(job), check_rc=False)
        m = re.search(rf"\b{field}=(\S+)", out)
        return m.group(1) if m else None

    def log_tail(self):
        text = ""
        for path in sorted(glob.glob(os.path.join(self.base, "log", "*.log"))):
            name = os.path.basename(path)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f"--- {name} (tail)\n" + "".join(f.readlines()[-25:])
        return text


def wait_for(what, predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {what}")


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Scenario:
    def __init__(self, args, cluster, base):
        self.args = args
        self.cluster = cluster
        self.base = base
        self.ckptdir = os.path.join(base, "ckpt")
        self.steps = 80 if args.scenario == "timelimit" else 40
        # multinode_requeue: 2 tasks of slurm_worker, or --tasks of the ring, on 2 nodes
        self.tasks = 2 if args.scenario == "multinode_requeue" and not args.ring_worker \
            else args.tasks
        self.job = None
        self.out = None
        self.mpi_ring = None  # the MPI ring program, built by build_mpi_ring()

    def build_mpi_ring(self):
        """--mpi-ring: builds ring_allreduce.c with mpicc into the scratch dir."""
        self.mpi_ring = os.path.join(self.base, "ring")
        r = subprocess.run(["mpicc", "-O1", "-o", self.mpi_ring, self.args.mpi_ring],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"mpicc failed: {r.stderr}")

    def mpi_env(self):
        """MPI_ENV, and mpirun's session dir (the one a SIGTERM would make it delete) under
        the scratch dir, so that a failed run leaves nothing in /tmp."""
        return dict(MPI_ENV, OMPI_MCA_orte_tmpdir_base=os.path.join(self.base, "ompi"))

    def worker_argv(self, sleep_ms):
        """The job's program: slurm_worker STEPS MS, or with --ring-worker the socket ring
        slurm_ring_worker STEPS MS DIR (rendezvous files in the test's shared scratch dir),
        or with --mpi-ring `mpirun -np 2 --mca btl self,tcp ring STEPS MS`."""
        if self.mpi_ring:
            return ["mpirun", "-np", str(MPI_RANKS), "--mca", "btl", "self,tcp",
                    self.mpi_ring, str(self.steps), str(sleep_ms)]
        if not self.args.ring_worker:
            return [self.args.worker, str(self.steps), str(sleep_ms)]
        ring_dir = os.path.join(self.base, "ring")
        os.makedirs(ring_dir, exist_ok=True)
        return [self.args.ring_worker, str(self.steps), str(sleep_ms), ring_dir]

    def result_lines(self, out):
        """The lines compared with the native run: RESULT lines (sorted), or every line of
        the MPI ring, in order."""
        if self.mpi_ring:
            return re.findall(MPI_LINE, out, re.M)
        return sorted(l for l in out.splitlines() if l.startswith("RESULT "))

    def step_pattern(self, step):
        """The progress line of a step (slurm_worker: "step 1/40"; MPI ring: "step 0 token")."""
        return rf"^step {step} token" if self.mpi_ring else rf"^step {step}/"

    def expected_result(self):
        """The RESULT lines of an uninterrupted native run, sorted: one slurm_worker, or
        one process per task of the ring (SLURM_PROCID/SLURM_NTASKS set as srun does); with
        --mpi-ring the output lines of a native `mpirun -np 2`."""
        if self.mpi_ring:
            r = subprocess.run(self.worker_argv(0), capture_output=True, text=True,
                               timeout=60, cwd=self.base, env=dict(os.environ, **self.mpi_env()))
            check(r.returncode == 0, f"native mpirun failed ({r.returncode}): {r.stderr}")
            lines = self.result_lines(r.stdout)
            check(len(lines) == self.steps + 1 and lines[-1].endswith(" PASS"),
                  f"native mpirun printed {lines}")
            return lines
        count = self.tasks if self.args.ring_worker else 1
        procs = [subprocess.Popen(self.worker_argv(0), stdout=subprocess.PIPE, text=True,
                                  env=dict(os.environ, SLURM_PROCID=str(t),
                                           SLURM_NTASKS=str(count), SLURM_JOB_ID="native",
                                           SLURM_JOB_NUM_NODES="1"))
                 for t in range(count)]
        lines = []
        try:
            for p in procs:
                out = p.communicate(timeout=60)[0]
                got = [l for l in out.splitlines() if l.startswith("RESULT ")]
                check(p.returncode == 0 and len(got) == 1, f"native worker run failed: {out}")
                lines += got
        finally:
            for p in procs:  # a ring member that failed leaves the others waiting
                if p.poll() is None:
                    p.kill()
                    p.wait()
        return sorted(lines * (self.tasks // count))

    def submit(self, *sbatch_opts, extra_env=None):
        # More tasks than the one node has CPUs (the ring's 4 on 2 cores): overcommit.
        over = ["--overcommit"] if not self.cluster.nodes and \
            self.tasks > (os.cpu_count() or 1) else []
        env = dict(self.cluster.env, CKPT=self.args.ckpt, CKPT_CKPTDIR=self.ckptdir,
                   CKPT_SLURM_SRUN_OPTS=" ".join([f"-n {self.tasks}"] + over))
        if self.mpi_ring:
            env.update(self.mpi_env())
        env.update(extra_env or {})
        env.pop("CKPT_JOB_ID", None)
        out = self.cluster.run("sbatch", "--parsable", "-p", "low", "-n", str(self.tasks),
                               "--exclusive", *over,
                               "-o", os.path.join(self.base, "job-%j.out"), *sbatch_opts,
                               TEMPLATE, *self.worker_argv(SLEEP_MS), env=env)
        self.job = out.strip().split(";")[0]
        self.out = os.path.join(self.base, f"job-{self.job}.out")
        log(f"submitted job {self.job} ({self.tasks} task(s), {self.steps} steps of "
            f"{SLEEP_MS} ms)")

    def output(self):
        return read_text(self.out)

    def wait_output(self, pattern, timeout, what=None):
        return wait_for(what or f"/{pattern}/ in the job output",
                        lambda: re.search(pattern, self.output(), re.M), timeout)

    def wait_progress(self, step, timeout=60):
        """Waits until the worker has printed step N in the current run of the job."""
        self.wait_output(self.step_pattern(step), timeout)

    def job_dir(self):
        return os.path.join(self.ckptdir, self.job)

    def generations(self):
        try:
            names = os.listdir(self.job_dir())
        except FileNotFoundError:
            return []
        return sorted(n for n in names if re.fullmatch(r"gen-\d{6}", n))

    def checkpoint_now(self):
        """`ckpt checkpoint --wait` through the port file the template keeps in the job dir."""
        port_file = os.path.join(self.job_dir(), "coordinator.port")
        r = subprocess.run([self.args.ckpt, "checkpoint", "--wait", "--timeout", "30",
                            "--coord-host", "127.0.0.1", "--port-file", port_file],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"ckpt checkpoint --wait failed: {r.stdout}{r.stderr}")
        log(f"checkpoint committed: {r.stdout.strip()}")
        return os.path.basename(r.stdout.strip())

    def wait_held(self):
        wait_for("the job to be requeued and held",
                 lambda: self.cluster.job_field(self.job, "JobState") == "PENDING"
                 and self.cluster.job_field(self.job, "Restarts") not in (None, "0"), 60)

    def corrupt(self, gen):
        images = [f for f in os.listdir(os.path.join(self.job_dir(), gen))
                  if f.endswith(".ckpt")]
        check(images, f"{gen} has no image to damage")
        for image in images:
            r = subprocess.run([sys.executable, IMAGE_PATCH, "flip-region",
                                os.path.join(self.job_dir(), gen, image)],
                               capture_output=True, text=True, timeout=30)
            check(r.returncode == 0, f"image_patch.py failed: {r.stdout}{r.stderr}")
        log(f"damaged {gen} ({len(images)} image(s))")

    def wait_done(self, timeout):
        state = wait_for(f"job {self.job} to end",
                         lambda: (lambda s: s if s in ("COMPLETED", "FAILED", "CANCELLED",
                                                       "TIMEOUT", "NODE_FAIL") else None)(
                             self.cluster.job_field(self.job, "JobState")), timeout)
        log(f"job {self.job} ended: {state}, restarts "
            f"{self.cluster.job_field(self.job, 'Restarts')}")
        check(state == "COMPLETED", f"job {self.job} ended {state}, not COMPLETED")

    def check_common(self, result, restarts, resumed):
        out = self.output()
        results = self.result_lines(out)
        check(results == result, f"expected {result}, got {results}")
        check(self.cluster.job_field(self.job, "Restarts") == str(restarts),
              f"scontrol says Restarts={self.cluster.job_field(self.job, 'Restarts')}, "
              f"expected {restarts}")
        check("no valid generation: starting fresh (restart count 0)" in out,
              "the first run did not say it started fresh with restart count 0")
        first_steps = len(re.findall(self.step_pattern(0 if self.mpi_ring else 1), out, re.M))
        check(first_steps == self.tasks * (1 if resumed else 2),
              f"the first step printed {first_steps} times: the job "
              f"{'did not resume from its generation' if resumed else 'did not start over'}")
        check("job step finished: exit 0" in out, "no 'job step finished: exit 0' line")


def scenario_preempt(s, result):
    s.submit()
    s.wait_progress(6)
    high = s.cluster.run("sbatch", "--parsable", "-p", "high", "-n", "1", "--exclusive",
                         "-o", os.path.join(s.base, "high-%j.out"), "--wrap",
                         "echo high-priority job ran").strip()
    log(f"submitted high-priority job {high}")
    s.wait_output(r"job step stopped \(exit \d+\) after checkpoint gen-000001", 30,
                  "the checkpoint taken on the grace-time SIGTERM")
    s.wait_done(150)
    s.check_common(result, 1, resumed=True)
    out = s.output()
    check("restarting from gen-000001 (restart count 1)" in out, "no restart from gen-000001")
    check("high-priority job ran" in read_text(os.path.join(s.base, f"high-{high}.out")),
          "the high-priority job did not run")


def scenario_requeue(s, result):
    s.submit()
    s.wait_progress(6)
    s.cluster.run("scontrol", "requeue", s.job)
    log(f"scontrol requeue {s.job}")
    s.wait_done(150)
    s.check_common(result, 1, resumed=True)
    check("restarting from gen-000001 (restart count 1)" in s.output(),
          "no restart from gen-000001")


def scenario_timelimit(s, result):
    # slurmctld looks at time limits every 30 s (from its start) and sends the warning at the
    # first look that is less than 30 s before the warning time: with @110 of 2 minutes that is
    # the first look after the job started (at most 30 s in, step ~55 of 80), not ~60 s in.
    s.submit("--time=2", "--signal=B:USR1@110")
    s.wait_output(r"warning signal USR1", 80, "the USR1 warning")
    s.wait_output(rf"requeueing job {s.job} ", 60, "the requeue after the warning")
    wait_for("the requeued job to be pending",
             lambda: s.cluster.job_field(s.job, "JobState") == "PENDING", 30)
    # The requeued run gets the same limit and so its own warning at the next look, which
    # could come before it ends: give it room, so that exactly one warning is taken.
    s.cluster.run("scontrol", "update", f"job={s.job}", "TimeLimit=5")
    log(f"scontrol update job={s.job} TimeLimit=5 (one warning only)")
    s.wait_done(120)
    s.check_common(result, 1, resumed=True)
    out = s.output()
    check(re.search(r"checkpoint committed: gen-000001 \(", out), "no committed checkpoint")
    check(f"requeueing job {s.job} to continue from gen-000001" in out, "no requeue line")
    check("restarting from gen-000001 (restart count 1)" in out, "no restart from gen-000001")


def scenario_corrupt_newest(s, result):
    s.submit()
    s.wait_progress(4)
    check(s.checkpoint_now() == "gen-000001", "first checkpoint is not gen-000001")
    s.wait_progress(8)
    check(s.checkpoint_now() == "gen-000002", "second checkpoint is not gen-000002")
    s.wait_progress(12)
    s.cluster.run("scontrol", "requeuehold", s.job)
    s.wait_held()
    gens = s.generations()
    check(gens and gens[-1] == "gen-000003", f"no gen-000003 from the requeue: {gens}")
    s.corrupt("gen-000003")
    s.cluster.run("scontrol", "release", s.job)
    s.wait_done(150)
    s.check_common(result, 1, resumed=True)
    out = s.output()
    check(re.search(r"^ckpt-slurm: .*skipping gen-000003: \S.*", out, re.M),
          "the skipped gen-000003 and its reason are not in the job output")
    check("restarting from gen-000002 (restart count 1)" in out, "no restart from gen-000002")
    check(len(re.findall(r"^step 12/", out, re.M)) == 2,
          "step 12 was not computed again: the restart did not use gen-000002")


def scenario_fresh_start(s, result):
    s.submit()
    s.wait_progress(6)
    s.cluster.run("scontrol", "requeuehold", s.job)
    s.wait_held()
    gens = s.generations()
    check(gens, "the requeue left no generation to damage")
    for gen in gens:
        s.corrupt(gen)
    s.cluster.run("scontrol", "release", s.job)
    s.wait_done(150)
    s.check_common(result, 1, resumed=False)
    out = s.output()
    check("no valid generation: starting fresh (restart count 1)" in out,
          "the requeued run did not say it starts fresh")
    check(re.search(rf"^ckpt-slurm: .*skipping {gens[-1]}: \S.*", out, re.M),
          f"the skipped {gens[-1]} and its reason are not in the job output")


def scenario_slow_checkpoint(s, result):
    flag = os.path.join(s.base, "slow.flag")
    s.submit(extra_env={"CKPT_SLURM_LAUNCH_OPTS": f"--with-plugin {s.args.plugin}",
                        "CKPT_TEST_SLOW_FLAG": flag, "CKPT_TEST_SLOW_SECONDS": "60"})
    s.wait_progress(4)
    check(s.checkpoint_now() == "gen-000001", "first checkpoint is not gen-000001")
    s.wait_progress(8)
    with open(flag, "w"):
        pass
    s.cluster.run("scontrol", "requeue", s.job)
    log(f"image writes now take 60 s; scontrol requeue {s.job}")
    wait_for("the requeued job to be pending",
             lambda: s.cluster.job_field(s.job, "JobState") == "PENDING", 60)
    os.unlink(flag)
    gens = s.generations()
    check(gens == ["gen-000001"], f"a generation was committed after the slow write: {gens}")
    s.wait_done(150)
    s.check_common(result, 1, resumed=True)
    out = s.output()
    check("restarting from gen-000001 (restart count 1)" in out, "no restart from gen-000001")
    check(len(re.findall(r"^step 8/", out, re.M)) == 2,
          "step 8 was not computed again: the restart did not use the generation before it")
    # Slurm may kill the coordinator (batch step) before the slow member (job step): then the
    # first coordinator cannot log the abort, and the next one reports the .partial it finds.
    coord_logs = "".join(read_text(os.path.join(s.job_dir(), f"coordinator.{i}.log"))
                         for i in (0, 1))
    check(re.search(r"generation 2 aborted", coord_logs),
          "neither coordinator log says that generation 2 was aborted")
    check(not os.path.exists(os.path.join(s.job_dir(), "gen-000002.partial")),
          "gen-000002.partial was left behind")


def host_lines(out):
    """[(task, host)] from the worker's "task T host NAME" lines, in output order."""
    return re.findall(r"^task (\S+) host (\S+)$", out, re.M)


def scenario_multinode_requeue(s, result):
    """T tasks on n1+n2 (T/2 per node); requeued with n1 excluded, restarted by one `ckpt
    restart --slurm` per node on n2+n3: node i restores the processes of the generation's
    i-th old host. With --ring-worker the tasks talk over TCP, across the nodes too."""
    per_node = s.tasks // 2
    s.submit("-N", "2", f"--ntasks-per-node={per_node}",
             extra_env={"CKPT_SLURM_SRUN_OPTS": f"-n {s.tasks} -N 2"})
    s.wait_progress(6)
    wait_for("every task's first host line",
             lambda: len(host_lines(s.output())) >= s.tasks, 20)
    before = dict(host_lines(s.output())[:s.tasks])
    check(sorted(before.values()) == ["n1"] * per_node + ["n2"] * per_node,
          f"first run not on n1+n2: {before}")
    s.cluster.run("scontrol", "requeue", s.job)
    log(f"scontrol requeue {s.job}")
    wait_for("the requeued job to be pending",
             lambda: s.cluster.job_field(s.job, "JobState") == "PENDING", 60)
    s.cluster.run("scontrol", "update", f"job={s.job}", "ExcNodeList=n1")
    log(f"scontrol update job={s.job} ExcNodeList=n1")
    s.wait_done(100)
    s.check_common(result, 1, resumed=True)
    out = s.output()
    check("restarting from gen-000001 (restart count 1)" in out, "no restart from gen-000001")
    check("restart spread over 2 node(s)" in out, "the restart step was not spread")
    # The sidecar listens on the batch node's NodeAddr, which the other nodes reach.
    coords = re.findall(r"coordinator pid \d+ listening on ([\d.]+):\d+", out)
    check(coords == ["10.77.0.1", "10.77.0.2"],
          f"coordinator addresses {coords}, expected n1's then n2's NodeAddr")
    check(s.cluster.job_field(s.job, "NodeList") == "n[2-3]",
          f"restarted on {s.cluster.job_field(s.job, 'NodeList')}, not n[2-3]")
    # A worker prints its host at the start and again only when it changed: a part may
    # restore old host n2's task on n2 (old hosts are ordered by vpid, i.e. join order).
    lines = host_lines(out)
    check(s.tasks + per_node <= len(lines) <= 2 * s.tasks and
          dict(lines[:s.tasks]) == before,
          f"expected one host line per task, then one per task that moved: {lines}")
    after = dict(before, **dict(lines[s.tasks:]))
    check(sorted(after.values()) == ["n2"] * per_node + ["n3"] * per_node,
          f"the restart did not run on n2+n3: {after}")
    # Each part names the old host it restored; that host's tasks must now run on its node.
    parts = re.findall(rf"node (n\d) \(SLURM_NODEID (\d) of 2\) restarts the {per_node} "
                       r"process\(es\) that ran on (n\d)", out)
    check(sorted(p[1] for p in parts) == ["0", "1"], f"expected one part per node: {parts}")
    for node, _, old_host in parts:
        tasks = [t for t, h in before.items() if h == old_host]
        check(len(tasks) == per_node and all(after.get(t) == node for t in tasks),
              f"the process of old host {old_host} should run on {node}: before {before}, "
              f"after {after}")
    log(f"tasks moved {before} -> {after}")


SCENARIOS = {
    "preempt": scenario_preempt,
    "requeue": scenario_requeue,
    "timelimit": scenario_timelimit,
    "corrupt_newest": scenario_corrupt_newest,
    "fresh_start": scenario_fresh_start,
    "slow_checkpoint": scenario_slow_checkpoint,
    "multinode_requeue": scenario_multinode_requeue,
}
NODES = {"multinode_requeue": 3}  # scenarios on a netns cluster (slurm-multi-up.sh)


def on_deadline(signum, frame):
    raise Failure(f"stopped by signal {signum} (test deadline): cleaning up")


def driver_alive(pid):
    """True when pid is a running (not zombie) slurm_test.py: a killed driver whose parent
    has not reaped it yet, or whose pid now belongs to something else, is gone."""
    stat = read_text(f"/proc/{pid}/stat")
    if not stat or stat[stat.rfind(")") + 2:].startswith("Z"):
        return False
    return "slurm_test.py" in read_text(f"/proc/{pid}/cmdline")


def clean_stale_clusters():
    """Stops a Slurm left behind by an earlier run of this driver that was killed before its
    cleanup (ctest's timeout sends SIGKILL): only under /tmp/ckpt-slurm.*, only when the
    driver recorded in owner.pid is gone; slurm-down.sh ends the daemons by their pid files."""
    for owner in glob.glob("/tmp/ckpt-slurm.*/owner.pid"):
        base = os.path.dirname(owner)
        try:
            if driver_alive(int(read_text(owner).strip())):
                continue
        except ValueError:
            pass
        log(f"stopping the Slurm of an earlier, killed run under {base}")
        Cluster(base).down()
        shutil.rmtree(base, ignore_errors=True)


def skip_reason(scenario, mpi):
    if os.geteuid() != 0:
        return "needs root to start munged, slurmctld and slurmd"
    tools = ["slurmctld", "slurmd", "sbatch", "scontrol", "munged", "munge"]
    if NODES.get(scenario, 0):
        tools += ["ip", "nsenter", "unshare"]
    if mpi:
        tools += ["mpirun", "mpicc"]
    for tool in tools:
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            return (f"{tool} is not installed (Debian packages slurmctld slurmd slurm-client "
                    "munge openmpi-bin libopenmpi-dev; scripts/install-deps.sh installs them)")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--plugin", required=True, help="slow_write.so (slow_checkpoint)")
    ap.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--tasks", type=int, default=1,
                    help="tasks (srun -n); slurm/preempt-2tasks uses 2, the ring tests 4")
    ap.add_argument("--ring-worker", default="",
                    help="slurm_ring_worker: the tasks exchange data over TCP in a ring")
    ap.add_argument("--mpi-ring", default="",
                    help="ring_allreduce.c: the job is `mpirun -np 2` of this MPI program")
    ap.add_argument("--deadline", type=int, default=0,
                    help="fail and clean up after this many seconds (below ctest's TIMEOUT)")
    args = ap.parse_args()
    reason = skip_reason(args.scenario, bool(args.mpi_ring))
    if reason:
        print(f"SKIP: {reason}")
        return 77
    args.ckpt = os.path.abspath(args.ckpt)
    args.worker = os.path.abspath(args.worker)
    args.plugin = os.path.abspath(args.plugin)
    args.ring_worker = os.path.abspath(args.ring_worker) if args.ring_worker else ""
    args.mpi_ring = os.path.abspath(args.mpi_ring) if args.mpi_ring else ""
    clean_stale_clusters()
    base = tempfile.mkdtemp(prefix="ckpt-slurm.", dir="/tmp")
    os.chmod(base, 0o755)
    with open(os.path.join(base, "owner.pid"), "w") as f:
        f.write(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, on_deadline)
    signal.signal(signal.SIGALRM, on_deadline)
    if args.deadline > 0:
        signal.alarm(args.deadline)
    cluster = Cluster(base, NODES.get(args.scenario, 0))
    scenario = Scenario(args, cluster, base)
    ok = False
    try:
        if args.mpi_ring:
            scenario.build_mpi_ring()
        result = scenario.expected_result()
        cluster.up()
        SCENARIOS[args.scenario](scenario, result)
        ok = True
        print(f"PASS: slurm/{args.scenario}")
    except (Failure, subprocess.TimeoutExpired) as e:
        print(f"FAIL: slurm/{args.scenario}: {e}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if not ok:
            if scenario.out:
                print(f"--- job output {scenario.out}\n{scenario.output()}")
            print(cluster.log_tail())
        cluster.down()
        if args.keep or os.environ.get("CKPT_TEST_KEEP"):
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
