#!/usr/bin/env python3
"""tests/harness/ckpt_test.py: runs one checkpoint/restart test (STYLE.md section 8).

  ckpt_test.py --ckpt BIN (--program PROG | --cmd "CMD LINE") --mode native|cr
               [--cycles N] [--continue] [--async-at S,...] [--timeout S]
               [--compare-native] [--max-image-mb M] [--min-generations G]
               [--launch-args "..."] [--test-file F.test] [--args ARG...]

native: run the program, require exit 0 and a PASS line.
cr:     private scratch dir and coordinator; launch under `ckpt launch`; per cycle wait for
        the program's checkpoint point (or the async time), snapshot /proc/<pid>/{maps,fd},
        `ckpt checkpoint --wait [--kill]`, check the generation (verify, modes, sizes),
        restart it (kill variant), compare the outside view; finally say "go" and require
        exit 0, PASS, and no ASSERT/ERROR lines in the logs.
Exit codes: 0 pass, 1 fail, 77 skipped (a declared need is missing).
Python stdlib only. CT_KEEP=1 keeps the scratch directory.
"""
import argparse
import ctypes
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from proc_view import (alive, compare_views, descendants, listeners_on_port,
                       proc_start_time, snapshot)

SKIP = 77
RUNNING_STATES = {"running"}  # member state outside a round (coordinator/commands.cc)
BAD_LOG_LINE = re.compile(r"ASSERT| error:|ERROR")


class TestFailure(Exception):
    pass


class TestSkip(Exception):
    pass


def fail(msg):
    raise TestFailure(msg)


def describe_exit(rc):
    if rc is not None and rc < 0:
        return f"killed by {signal.Signals(-rc).name}"
    return f"exited {rc}"


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.1, self.end - time.monotonic())

    def check(self, what):
        if time.monotonic() > self.end:
            fail(f"timed out while {what}")


def wait_until(pred, what, deadline, interval=0.02):
    while True:
        value = pred()
        if value:
            return value
        deadline.check(what)
        time.sleep(interval)


# ---------------------------------------------------------------- options and sidecar

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ckpt", required=True, help="the ckpt CLI binary")
    ap.add_argument("--program", help="test program (ct.h contract)")
    ap.add_argument("--cmd", help="command line of a real program (split like a shell)")
    ap.add_argument("--mode", choices=("native", "cr"), default="cr")
    ap.add_argument("--cycles", type=int, default=1)
    ap.add_argument("--continue", dest="cont", action="store_true",
                    help="checkpoint without --kill; the process keeps running")
    ap.add_argument("--async-at", help="seconds after (re)start of each checkpoint, e.g. 1,0.5")
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("--compare-native", action="store_true")
    ap.add_argument("--max-image-mb", type=float, default=None)
    ap.add_argument("--min-generations", type=int, default=None)
    ap.add_argument("--launch-args", action="append", default=None,
                    help="extra `ckpt launch` options (repeatable: a test's and a variant's)")
    ap.add_argument("--restart-args", default="", help="extra `ckpt restart` options (--lazy)")
    ap.add_argument("--kill-separately", action="store_true",
                    help="checkpoint without --kill, then SIGKILL the process (forked images)")
    ap.add_argument("--final-kill", action="store_true",
                    help="with --continue: the last cycle kills and restarts (incremental)")
    ap.add_argument("--expect-references", action="store_true",
                    help="the last generation must reference every earlier one (incremental)")
    ap.add_argument("--procs", type=int, default=None,
                    help="processes in the computation; 0: any number (processes come and go)")
    ap.add_argument("--needs", default=None, help="comma-separated: root, cores>=N, or a program")
    ap.add_argument("--test-file", help="optional .test sidecar (key = value lines)")
    ap.add_argument("--changing-maps", type=int, default=None,
                    help="1: the program maps memory by itself (timer threads): compare only "
                         "file mappings")
    ap.add_argument("--changing-fds", type=int, default=None,
                    help="1: the program opens and closes fds all the time (checkpointed "
                         "with --async-at): fds are not compared")
    ap.add_argument("--hold-zombies", type=float, default=None,
                    help="seconds the killed processes stay unreaped zombies (of the harness, "
                         "their subreaper) after `ckpt restart` starts")
    ap.add_argument("--no-pass", action="store_true", help="do not require a PASS line")
    ap.add_argument("--args", nargs=argparse.REMAINDER, default=[], help="program arguments")
    args = ap.parse_args(argv)
    if bool(args.program) == bool(args.cmd):
        ap.error("exactly one of --program and --cmd is required")
    args.ckpt = os.path.abspath(args.ckpt)
    if args.launch_args is not None:
        args.launch_args = " ".join(args.launch_args)
    apply_sidecar(args)
    return args


def apply_sidecar(args):
    """Fills options the command line left unset from `key = value` lines (CRIU's .desc)."""
    defaults = {"timeout": (float, 120.0), "procs": (int, 1), "needs": (str, ""),
                "launch_args": (str, ""), "async_at": (str, None),
                "max_image_mb": (float, None), "min_generations": (int, None),
                "changing_maps": (int, 0), "changing_fds": (int, 0),
                "hold_zombies": (float, 0.0)}
    values = {}
    if args.test_file and os.path.exists(args.test_file):
        with open(args.test_file) as f:
            for raw in f:
                line = raw.split("#", 1)[0].strip()
                if line:
                    key, _, value = line.partition("=")
                    values[key.strip().replace("-", "_")] = value.strip()
    unknown = set(values) - set(defaults)
    if unknown:
        raise SystemExit(f"{args.test_file}: unknown keys {sorted(unknown)}")
    for key, (kind, default) in defaults.items():
        if getattr(args, key) is None:
            value = values.get(key)
            setattr(args, key, default if value is None else kind(value))
        elif key == "launch_args" and values.get(key):  # a variant's modes add to the test's
            args.launch_args = f"{values[key]} {args.launch_args}"


def check_needs(needs):
    """needs: root, cores>=N, or an executable name/path. Raises TestSkip."""
    for need in filter(None, (n.strip() for n in needs.split(","))):
        if need == "root":
            if os.geteuid() != 0:
                raise TestSkip("needs root")
        elif need.startswith("cores>="):
            if (os.cpu_count() or 1) < int(need[7:]):
                raise TestSkip(f"needs {need}")
        elif not (shutil.which(need) or os.access(need, os.X_OK)):
            raise TestSkip(f"needs {need} (not installed)")


def tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(missing)\n"


# ---------------------------------------------------------------- one test run

class Run:
    """State of one test: scratch dir, coordinator, processes; cleaned up by close()."""

    def __init__(self, args):
        self.args = args
        self.deadline = Deadline(args.timeout)
        self.scratch = tempfile.mkdtemp(prefix="ckpt-test-")
        self.work = self.mkdir("work")
        self.control = self.mkdir("control")
        self.ckptdir = os.path.join(self.scratch, "ckpt")
        self.port = None
        self.root_vpid = None   # vpid of the launched process (its children join later)
        self.popens = []
        self.seen = {}          # pid -> start time, for cleanup
        self.segments = []      # (stdout path, stderr path) of each process lifetime
        self.root_vpid = None   # vpid of the launched process (cr mode)
        self.logs = [os.path.join(self.scratch, "ckpt-commands.log")]

    def mkdir(self, name):
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        return path

    def command(self):
        if self.args.cmd:
            return shlex.split(self.args.cmd)
        return [os.path.abspath(self.args.program)] + list(self.args.args)

    def env(self, control=True):
        env = dict(os.environ, CT_SCRATCH=self.work)
        env.pop("CT_CONTROL", None)
        if control:
            env["CT_CONTROL"] = self.control
        return env

    def note(self, pid):
        start = proc_start_time(pid)
        if start:
            self.seen[pid] = start

    def spawn(self, argv, label, control=True, cwd=None):
        out = os.path.join(self.scratch, f"{label}.out")
        err = os.path.join(self.scratch, f"{label}.err")
        with open(out, "wb") as o, open(err, "wb") as e:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                 env=self.env(control), cwd=cwd or self.work,
                                 start_new_session=True)
        self.popens.append(p)
        self.note(p.pid)
        return p, out, err

    def ckpt(self, *argv, timeout=60, check=True):
        cmd = [self.args.ckpt] + [str(a) for a in argv]
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=min(timeout, self.deadline.left()))
        except subprocess.TimeoutExpired:
            fail(f"`{shlex.join(cmd)}` did not finish in {timeout}s")
        with open(self.logs[0], "a") as log:
            log.write(f"$ {shlex.join(cmd)}\n{r.stdout}{r.stderr}[exit {r.returncode}]\n")
        if check and r.returncode != 0:
            fail(f"`{shlex.join(cmd)}` exited {r.returncode}: {r.stderr.strip()}")
        return r

    # -- coordinator
    def start_coordinator(self, barrier_timeout=30):
        port_file = os.path.join(self.scratch, "coord.port")
        if os.path.exists(port_file):
            os.unlink(port_file)  # a second coordinator of the same run
        label = f"coordinator{len(self.logs) // 2}"
        p, out, err = self.spawn([self.args.ckpt, "coordinator", "--port", "0", "--port-file",
                                  port_file, "--ckptdir", self.ckptdir, "--barrier-timeout",
                                  str(barrier_timeout)], label, control=False)
        self.logs += [out, err]

        def port():
            if p.poll() not in (None, 0):
                fail(f"coordinator exited with {p.returncode}")
            try:
                with open(port_file) as f:
                    return int(f.read().strip() or 0)
            except (OSError, ValueError):
                return 0
        self.port = wait_until(port, "waiting for the coordinator's port file", self.deadline)
        for pid in listeners_on_port(self.port):
            self.note(pid)

    def status(self):
        return json.loads(self.ckpt("status", "--coord-port", self.port, "--json").stdout)

    def member_pids(self):
        """{vpid: pid} of the computation's processes, as the coordinator lists them."""
        return {int(m["vpid"]): int(m["pid"]) for m in self.status().get("members", [])}

    def wait_members(self, restarted, what, watch=None):
        """Waits until the computation has its processes, all running; returns members.
        watch: a Popen whose exit means they will never come."""
        def ready():
            if watch is not None and watch.poll() is not None:
                fail(f"`{shlex.join(map(str, watch.args))}` {describe_exit(watch.returncode)}"
                     f" while {what}")
            status = self.status()
            if status.get("state", "idle") != "idle":  # a round (e.g. "restarting") is open
                return None
            members = status.get("members", [])
            ok = [m for m in members if str(m.get("state", "")).lower() in RUNNING_STATES
                  and (not restarted or m.get("restarted"))]
            if self.args.procs == 0:  # a changing tree: new children need not be restored
                running = [m for m in members
                           if str(m.get("state", "")).lower() in RUNNING_STATES]
                enough = bool(ok) and len(running) == len(members)
                return members if enough else None
            return members if len(ok) == self.args.procs == len(members) else None
        members = wait_until(ready, what, self.deadline, interval=0.1)
        for m in members:
            self.note(int(m["pid"]))
        return members

    # -- the program
    def launch(self):
        extra = shlex.split(self.args.launch_args or "")
        argv = [self.args.ckpt, "launch", "--coord-port", str(self.port), "--ckptdir",
                self.ckptdir] + extra + self.command()
        p, out, err = self.spawn(argv, "run0")
        self.segments.append((out, err))
        return p

    def wait_ready(self, owner):
        def ready():
            if owner.poll() is not None:
                fail(f"program {describe_exit(owner.returncode)} before its checkpoint point")
            return os.path.exists(os.path.join(self.control, "ready"))
        wait_until(ready, "waiting for the program to reach ct_checkpoint_point()",
                   self.deadline)

    def checkpoint(self, kill):
        argv = ["checkpoint", "--coord-port", self.port, "--wait", "--json"]
        r = self.ckpt(*(argv + (["--kill"] if kill else [])), timeout=90)
        try:
            reply = json.loads(r.stdout)
            gen, gen_dir = int(reply["generation"]), reply["dir"]
        except (ValueError, KeyError, TypeError):
            fail(f"`ckpt checkpoint --json` printed no generation/dir: {r.stdout!r}")
        self.check_generation(gen, gen_dir)
        self.ckpt("verify", gen_dir)
        return gen_dir

    def check_generation(self, gen, gen_dir):
        if os.path.basename(gen_dir) != f"gen-{gen:06d}" or not os.path.isdir(gen_dir):
            fail(f"checkpoint reported generation {gen} in {gen_dir}, which is not there")
        job_dir = os.path.dirname(gen_dir)
        for d in (self.ckptdir, job_dir, gen_dir):
            if os.stat(d).st_mode & 0o777 != 0o700:
                fail(f"directory {d} has mode {os.stat(d).st_mode & 0o777:o}, expected 700")
        if os.readlink(os.path.join(job_dir, "latest")).rstrip("/") != os.path.basename(gen_dir):
            fail(f"{job_dir}/latest does not point to {os.path.basename(gen_dir)}")
        images = [f for f in os.listdir(gen_dir) if f.endswith(".ckpt")]
        if self.args.procs and len(images) != self.args.procs:
            fail(f"{gen_dir} holds {len(images)} images, expected {self.args.procs}")
        for name in ["index.h5", "restart.sh"] + images:
            if not os.path.isfile(os.path.join(gen_dir, name)):
                fail(f"{gen_dir}/{name} missing")
        if not os.access(os.path.join(gen_dir, "restart.sh"), os.X_OK):
            fail(f"{gen_dir}/restart.sh is not executable")
        index_mode = os.stat(os.path.join(gen_dir, "index.h5")).st_mode & 0o777
        if index_mode & 0o077:
            fail(f"{gen_dir}/index.h5 has mode {index_mode:o}: readable by others")
        total = 0
        for name in images:
            st = os.stat(os.path.join(gen_dir, name))
            total += st.st_size
            if st.st_mode & 0o777 != 0o600:
                fail(f"image {gen_dir}/{name} has mode {st.st_mode & 0o777:o}, expected 600")
        if self.args.max_image_mb and total > self.args.max_image_mb * 2**20:
            fail(f"images in {gen_dir} take {total / 2**20:.1f} MiB "
                 f"(limit {self.args.max_image_mb} MiB)")

    def restart(self, gen_dir, cycle):
        """Restarts gen_dir with `ckpt restart`; cycles alternate between the three forms of
        PATH (generation dir, job dir, image files). Returns (Popen, pid of the program)."""
        form = cycle % 3
        paths = [gen_dir] if form == 0 else [os.path.dirname(gen_dir)] if form == 1 else \
            sorted(os.path.join(gen_dir, f) for f in os.listdir(gen_dir) if f.endswith(".ckpt"))
        p, out, err = self.spawn([self.args.ckpt, "restart", "--coord-port", str(self.port)] +
                                 shlex.split(self.args.restart_args) + paths,
                                 f"restart{cycle + 1}")
        self.segments.append((out, err))

        members = self.wait_members(True, "waiting for the restarted process", watch=p)
        roots = [m for m in members if int(m["vpid"]) == self.root_vpid] or members
        pid = int(roots[0]["pid"])
        kids = descendants(p.pid)
        for kid in kids:
            self.note(kid)
        if pid not in kids and kids:
            pid = kids[0]
        return p, pid

    def final_output(self):
        text = ""
        for out, _err in self.segments:
            with open(out, errors="replace") as f:
                text += f.read()
        return text

    def check_logs(self):
        for out, err in self.segments:
            for path in (out, err):
                with open(path, errors="replace") as f:
                    for line in f:
                        if BAD_LOG_LINE.search(line):
                            fail(f"{os.path.basename(path)}: {line.strip()}")

    def report(self):
        for path in [p for seg in self.segments for p in seg] + self.logs:
            sys.stderr.write(f"---- tail of {os.path.basename(path)}:\n{tail(path)}")

    def close(self):
        if self.port:
            try:
                subprocess.run([self.args.ckpt, "quit", "--coord-port", str(self.port)],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=5)
            except (subprocess.TimeoutExpired, OSError):
                pass
            for pid in listeners_on_port(self.port):
                self.note(pid)
        for pid, start in self.seen.items():
            if proc_start_time(pid) == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for p in self.popens:
            if p.poll() is None:
                p.kill()
            p.wait()
        if os.environ.get("CT_KEEP") == "1":
            print(f"scratch kept: {self.scratch}")
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)


# ---------------------------------------------------------------- modes

def run_native(run, work=None):
    out = os.path.join(run.scratch, "native.out")
    err = os.path.join(run.scratch, "native.err")
    with open(out, "wb") as o, open(err, "wb") as e:
        p = subprocess.Popen(run.command(), stdin=subprocess.DEVNULL, stdout=o,
                             stderr=e, env=run.env(control=False),
                             cwd=work or run.work, start_new_session=True)
        run.popens.append(p)
        try:
            rc = p.wait(timeout=run.deadline.left())
        except subprocess.TimeoutExpired:
            fail("native run did not finish in time")
    run.logs += [out, err]
    if rc != 0:
        fail(f"native run {describe_exit(rc)}")
    with open(out, errors="replace") as f:
        text = f.read()
    if not run.args.no_pass and "PASS\n" not in text:
        fail("native run printed no PASS line")
    return text


def async_delay(args, cycle):
    times = [float(t) for t in args.async_at.split(",")]
    return times[min(cycle, len(times) - 1)]


def views_of(run, root_pid, multi):
    """{vpid: outside view}: every process of the computation (multi), else the root's."""
    pids = run.member_pids() if multi else {0: root_pid}
    return {vpid: snapshot(pid, run.port) for vpid, pid in pids.items()}


def compare_all(run, before, after, multi):
    problems = []
    for vpid, view in sorted(before.items()):
        if vpid not in after:
            problems.append(f"process vpid {vpid} is missing after the checkpoint")
            continue
        file_maps_only = bool(run.args.async_at) or bool(run.args.changing_maps)
        for p in compare_views(view, after[vpid], file_maps_only,
                               lazy="--lazy" in run.args.restart_args,
                               fds=not run.args.changing_fds):
            problems.append(f"vpid {vpid}: {p}" if multi else p)
    return problems


def zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def become_subreaper():
    """hold_zombies: orphans of the computation become our children (PR_SET_CHILD_SUBREAPER)
    instead of pid 1's, so that we decide when their pids are free again."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:
        fail(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")


def restart_holding_zombies(run, owner, old_pids, gen_dir, cycle):
    """hold_zombies: the killed processes stay unreaped zombies while `ckpt restart` starts
    (the root of a restarted tree is reaped at once by the `ckpt restart` of the last cycle;
    the others are ours as their subreaper); they are reaped hold_zombies seconds later, as a
    slow pid 1 would. `ckpt restart` has to wait for them to give the saved pids back."""
    pids = set(old_pids.values())
    wait_until(lambda: not any(alive(p) for p in pids), "waiting for the killed processes",
               run.deadline)

    def reap():
        owner.wait()
        for p in pids - {owner.pid}:
            try:
                os.waitpid(p, 0)
            except ChildProcessError:
                pass  # not ours (reaped by its own parent)

    timer = threading.Timer(run.args.hold_zombies, reap)
    timer.start()
    try:
        return run.restart(gen_dir, cycle)
    finally:
        timer.join()


def run_cycle(run, owner, pid, cycle, segment_start):
    args = run.args
    if args.async_at:
        delay = segment_start + async_delay(args, cycle) - time.monotonic()
        time.sleep(max(0.0, min(delay, run.deadline.left())))
        if owner.poll() is not None:
            fail(f"program {describe_exit(owner.returncode)} before async checkpoint {cycle + 1}"
                 " (make it run longer or checkpoint earlier)")
    else:
        run.wait_ready(owner)
    # Several processes (a tree): compare each one, found by its vpid. A program checkpointed
    # at random times (async) starts and ends children all the time, so there only the root
    # is compared.
    multi = args.procs > 1 and not args.async_at
    before = views_of(run, pid, multi)
    old_pids = run.member_pids() if multi else {0: pid}
    cont = args.cont and not (args.final_kill and cycle == args.cycles - 1)
    gen_dir = run.checkpoint(kill=not cont and not args.kill_separately)
    if args.kill_separately and not cont:
        members = run.wait_members(False, "waiting for the process to resume", watch=owner)
        victims = [int(m["pid"]) for m in members if int(m["pid"]) != pid] + [pid]
        for victim in victims:  # every process of the computation (procs > 1), root last
            os.kill(victim, signal.SIGKILL)
        for victim in victims:
            wait_until(lambda v=victim: not alive(v) or zombie(v),
                       f"waiting for pid {victim} to go", run.deadline)
    if cont:
        run.wait_members(False, "waiting for the process to resume", watch=owner)
        if not alive(pid):
            fail("process is gone after a checkpoint without --kill")
        new_owner, new_pid = owner, pid
    elif args.hold_zombies:
        new_owner, new_pid = restart_holding_zombies(run, owner, old_pids, gen_dir, cycle)
    else:
        try:
            owner.wait(timeout=min(30, run.deadline.left()))
        except subprocess.TimeoutExpired:
            fail(f"process {pid} still running after `ckpt checkpoint --kill`")
        for p in old_pids.values():
            wait_until(lambda p=p: not alive(p), f"waiting for pid {p} to go", run.deadline)
        new_owner, new_pid = run.restart(gen_dir, cycle)
    problems = compare_all(run, before, views_of(run, new_pid, multi), multi)
    if problems:
        fail("outside view changed across the checkpoint:\n  " + "\n  ".join(problems))
    return new_owner, new_pid


def run_cr(run):
    args = run.args
    if args.hold_zombies:
        become_subreaper()
    run.start_coordinator()
    owner = run.launch()
    members = run.wait_members(False, "waiting for the program to join the coordinator",
                               watch=owner)
    pid = owner.pid
    roots = [m for m in members if int(m["pid"]) == pid]
    if not roots:
        fail(f"coordinator reports pids {[m['pid'] for m in members]}, launched pid is {pid}")
    run.root_vpid = int(roots[0]["vpid"])
    start = time.monotonic()
    for cycle in range(args.cycles):
        owner, pid = run_cycle(run, owner, pid, cycle, start)
        start = time.monotonic()
    with open(os.path.join(run.control, "go"), "w"):
        pass
    try:
        rc = owner.wait(timeout=run.deadline.left())
    except subprocess.TimeoutExpired:
        fail("program did not exit after go")
    if rc != 0:
        fail(f"program {describe_exit(rc)} (as reported by `{os.path.basename(owner.args[0])} "
             f"{owner.args[1]}`)")
    text = run.final_output()
    if not args.no_pass and "PASS\n" not in text:
        fail("program printed no PASS line")
    run.check_logs()
    if args.min_generations:
        check_min_generations(run)
    if args.expect_references:
        check_references(run)
    return text


def write_protect_tracking_expected():
    """Kernels from 6.7 on have UFFD_FEATURE_WP_ASYNC and PAGEMAP_SCAN; root may always use
    userfaultfd. Then incremental images must reference pages without reading them."""
    try:
        major, minor = (int(x) for x in platform.release().split(".")[:2])
    except ValueError:
        return False
    if (major, minor) < (6, 7) or os.environ.get("CKPT_DIRTY_TRACKING") == "hash":
        return False
    if os.geteuid() == 0:
        return True
    with open("/proc/sys/vm/unprivileged_userfaultfd") as f:
        return f.read().strip() == "1"


def check_references(run):
    """The newest generation's images reference pages of every earlier generation, and
    (where write-protection tracking is available) some of them without reading them."""
    jobs = [os.path.join(run.ckptdir, j) for j in os.listdir(run.ckptdir)]
    latest = os.path.realpath(os.path.join(jobs[0], "latest"))
    newest = int(latest.rsplit("-", 1)[1])
    seen, unread = set(), 0
    for name in os.listdir(latest):
        if name.endswith(".ckpt"):
            info = json.loads(run.ckpt("inspect", "--json", os.path.join(latest, name)).stdout)
            seen |= {r["source_generation"] for r in info.get("refs", [])}
            unread += info["header"]["unread_referenced_pages"]
    if not set(range(1, newest)) <= seen:
        fail(f"generation {newest} references generations {sorted(seen)}, "
             f"expected all of 1..{newest - 1}")
    if unread == 0 and write_protect_tracking_expected():
        fail(f"generation {newest} read every referenced page: userfaultfd write-protect "
             "tracking was not used (see libckpt/core/dirty_tracker.h)")


def check_min_generations(run):
    jobs = os.listdir(run.ckptdir) if os.path.isdir(run.ckptdir) else []
    latest = [os.path.join(run.ckptdir, j, "latest") for j in jobs]
    latest = [p for p in latest if os.path.islink(p)]
    if not latest:
        fail(f"no generation was committed in {run.ckptdir}")
    gen = int(os.readlink(latest[0]).rstrip("/").rsplit("-", 1)[1])
    if gen < run.args.min_generations:
        fail(f"only {gen} generation(s) committed, expected >= {run.args.min_generations}")
    run.ckpt("verify", os.path.realpath(latest[0]))


def main(argv):
    args = parse_args(argv)
    run = None
    try:
        check_needs(args.needs)
        run = Run(args)
        if not os.access(args.ckpt, os.X_OK) and args.mode == "cr":
            fail(f"{args.ckpt} is not built or not executable")
        if args.mode == "native":
            run_native(run)
        else:
            text = run_cr(run)
            if args.compare_native:
                native = run_native(run, work=run.mkdir("native-work"))
                if native != text:
                    fail("output differs from the native run (see cr and native outputs)")
        print("PASS")
        return 0
    except TestSkip as e:
        print(f"SKIP: {e}")
        return SKIP
    except (TestFailure, OSError) as e:
        print(f"FAIL: {e}", flush=True)
        if run:
            run.report()
        return 1
    finally:
        if run:
            run.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
