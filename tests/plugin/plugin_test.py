#!/usr/bin/env python3
"""tests/plugin/plugin_test.py: plugin API tests (issue 3), one scenario per CTest test.

  plugin_test.py --ckpt BIN --case CASE --program PROG [--plugin NAME=SO ...] [--native]

Each scenario launches PROG under ckpt with the plugins it needs (Run from
tests/harness/ckpt_test.py: private scratch dir, own coordinator, cleanup by pid), drives
checkpoints and restarts, and checks the real output of the plugins and the program.
--native runs PROG without ckpt instead (the same program must work there too).
Python stdlib only.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from ckpt_test import Run, TestFailure, TestSkip, fail, wait_until  # noqa: E402
from proc_view import alive, listeners_on_port  # noqa: E402
import trace_check  # noqa: E402

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class PluginRun(Run):
    def checkpoint(self, kill):
        """`ckpt checkpoint --wait` and the generation's layout; image verification is the
        business of the cr tests (tests/cr), so a plugin test does not depend on it."""
        argv = ["checkpoint", "--coord-port", self.port, "--wait", "--json"]
        r = self.ckpt(*(argv + (["--kill"] if kill else [])), timeout=90)
        try:
            reply = json.loads(r.stdout)
            gen, gen_dir = int(reply["generation"]), reply["dir"]
        except (ValueError, KeyError, TypeError):
            fail(f"`ckpt checkpoint --json` printed no generation/dir: {r.stdout!r}")
        self.check_generation(gen, gen_dir)
        return gen_dir

    def launch_with(self, plugins, argv=None, label="run0", env=None, launch_args=()):
        cmd = [self.args.ckpt, "launch", "--coord-port", str(self.port), "--ckptdir",
               self.ckptdir] + list(launch_args)
        if plugins:
            cmd += ["--with-plugin", ":".join(plugins)]
        old = dict(os.environ)
        os.environ.update(env or {})
        try:
            p, out, err = self.spawn(cmd + (argv or self.command()), label)
        finally:
            os.environ.clear()
            os.environ.update(old)
        self.segments.append((out, err))
        return p, out, err

    def restart_job(self, gen_dir, label):
        p, out, err = self.spawn([self.args.ckpt, "restart", "--coord-port", str(self.port),
                                  gen_dir], label)
        self.segments.append((out, err))
        return p, out, err

    def go_and_wait(self, owner, what="program"):
        with open(os.path.join(self.control, "go"), "w"):
            pass
        try:
            rc = owner.wait(timeout=self.deadline.left())
        except subprocess.TimeoutExpired:
            fail(f"{what} did not exit after go")
        if rc != 0:
            fail(f"{what} exited with status {rc}")

    def kill_cycle(self, owner, label="restart1"):
        """checkpoint --kill, then restart the generation; returns the restart Popen."""
        self.wait_ready(owner)
        gen_dir = self.checkpoint(kill=True)
        owner.wait(timeout=30)
        os.unlink(os.path.join(self.control, "ready")) if os.path.exists(
            os.path.join(self.control, "ready")) else None
        p, _out, _err = self.restart_job(gen_dir, label)
        self.wait_members(True, "waiting for the restarted processes", watch=p)
        return p, gen_dir


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def plugin(run, name):
    path = run.args.plugin.get(name)
    if not path:
        fail(f"--plugin {name}=... missing")
    return path


def expect_in_order(text, needles, what):
    pos = 0
    for n in needles:
        i = text.find(n, pos)
        if i < 0:
            fail(f"{what}: expected {n!r} after offset {pos} in:\n{text}")
        pos = i + len(n)


# ------------------------------------------------------------------ scenarios

@case
def example(run):
    """Seed 3.2.1: the event-printing plugin, checkpoint-and-continue then kill/restart."""
    run.start_coordinator()
    owner, out, _ = run.launch_with([plugin(run, "example")])
    run.wait_members(False, "waiting for the program", watch=owner)
    run.wait_ready(owner)
    run.checkpoint(kill=False)
    text = read(out)
    expect_in_order(text, ["*** The plugin is being called before checkpointing. ***",
                           "*** Resume: the plugin has now been checkpointed. ***"],
                    "checkpoint and continue")
    if "restarted" in text:
        fail("RESTART printed without a restart")
    restarted, _gen = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted program")
    # After a restart fd 1 is the same file again, at the offset saved with the image, so
    # the whole story is in run0.out.
    text = read(out)
    expect_in_order(text, ["before checkpointing", "Resume",
                           "*** The plugin is now being restarted. ***", "PASS"], "restart")
    if text.count("Resume: the plugin") != 1:
        fail("RESUME must be printed once (after the first checkpoint only):\n" + text)


def sleep_nesting(run, order):
    run.start_coordinator()
    owner, _out, _ = run.launch_with([plugin(run, n) for n in order])
    run.wait_members(False, "waiting for the program", watch=owner)
    restarted, _ = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted program")
    text = run.final_output()
    outer, inner = order
    for phase in ("before", "after"):
        expect_in_order(text, [f"app: sleep {phase}", f"{outer}: enter 1", f"{inner}: enter 1",
                               f"{inner}: leave", f"{outer}: leave"],
                        f"{outer} around {inner}, sleep {phase} the restart")
    for line in re.findall(r"(sleep\d): leave, time elapsed: ([0-9.]+)", text):
        if float(line[1]) < 0.9:
            fail(f"{line[0]} measured {line[1]} s for sleep(1): the real sleep was not called")
    if "PASS" not in text:
        fail("no PASS")


@case
def sleep_1_in_2(run):
    """Seed 3.2.2: --with-plugin sleep2.so:sleep1.so (sleep2 wraps sleep1)."""
    sleep_nesting(run, ["sleep2", "sleep1"])


@case
def sleep_2_in_1(run):
    """The other load order: sleep1 wraps sleep2."""
    sleep_nesting(run, ["sleep1", "sleep2"])


@case
def pubsub(run):
    """Seed 3.2.3: two processes exchange their new pids at restart via the coordinator."""
    run.args.procs = 2
    run.start_coordinator()
    owner, _out, _ = run.launch_with([plugin(run, "example_db")])
    run.wait_members(False, "waiting for parent and child", watch=owner)
    restarted, _ = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted computation")
    # Each process appends to its own file (apps/pubsub.c): the shared stdout offset of a
    # forked pair is not restored by the core (the file plugin's job).
    text = "".join(read(os.path.join(run.work, f"{r}.out")) for r in ("parent", "child"))
    mine = dict(re.findall(r"^(parent|child): my pid is (\d+)$", text, re.M))
    seen = dict(re.findall(r"^(parent|child): peer \w+ has pid (\d+) \(ok=1, restart=1\)$",
                           text, re.M))
    if set(mine) != {"parent", "child"} or set(seen) != {"parent", "child"}:
        fail(f"missing pid lines after restart: mine={mine} seen={seen}\n{text}")
    for role, peer in (("parent", "child"), ("child", "parent")):
        if seen[role] != mine[peer]:
            fail(f"{role} learned pid {seen[role]} for {peer}, whose pid is {mine[peer]}")
    published = re.findall(r"^(parent|child): published pid (\d+) \(ok=1, restart=1\)$", text,
                           re.M)
    if sorted(published) != sorted(mine.items()):
        fail(f"published {published}, expected {mine}")


@case
def fdpass(run):
    """Host-local fd passing between three processes: after two checkpoints (RESUME) and
    at restart (RESTART) each process receives the fd the next rank offered, and 250 more
    (several SCM_RIGHTS messages)."""
    run.args.procs = 3
    run.start_coordinator()
    owner, out, _ = run.launch_with([plugin(run, "fdpass")])
    run.wait_members(False, "waiting for the three processes", watch=owner)
    run.wait_ready(owner)
    for _ in range(2):
        run.checkpoint(kill=False)
        run.wait_members(False, "waiting for the processes to resume", watch=owner)
    restarted, _ = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted computation")
    text = read(out)
    for phase, rounds in (("resume", 2), ("restart", 1)):
        got = re.findall(rf"^fdpass: {phase} rank (\d) of 3 received '([^']*)' \(ok, rc=0, "
                         r"fd=\d+, bulk 250/250\)$", text, re.M)
        if sorted(r for r, _ in got) != sorted(["1", "2", "3"] * rounds):
            fail(f"{phase}: expected every rank of 3 to receive its token {rounds} time(s):\n"
                 + text)
    if "WRONG" in text:
        fail("a process received the wrong fd:\n" + text)


@case
def idvirt(run):
    """Seed 3.2.4: the timer id the application holds survives restart; the real one moves."""
    run.start_coordinator()
    owner, _out, _ = run.launch_with([plugin(run, "idvirt")])
    run.wait_members(False, "waiting for the program", watch=owner)
    restarted, _ = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted program")
    text = run.final_output()
    before = re.search(r"^app: timer id (\d+)$", text, re.M)
    after = re.search(r"^app: timer id (\d+) works, (\d+) s left$", text, re.M)
    moved = re.search(r"^idvirt: timer (\d+): real id (\d+) -> (\d+)$", text, re.M)
    if not (before and after and moved):
        fail("missing lines:\n" + text)
    if before.group(1) != after.group(1) or before.group(1) != moved.group(1):
        fail(f"the application's id changed: {before.group(1)} -> {after.group(1)}")
    if moved.group(2) == moved.group(3):
        fail("the real id did not change across restart (the test proves nothing)")
    if "PASS" not in text:
        fail("no PASS")


@case
def appckpt(run):
    """Seed 4: dmtcpCheckpoint() returns AFTER_CHECKPOINT, then AFTER_RESTART on restart."""
    if run.args.native:
        r = subprocess.run([run.args.program], capture_output=True, text=True, timeout=30,
                           env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
        expect_in_order(r.stdout, ["enabled: 0", "DMTCP not present. No checkpoint is taken."],
                        "without ckpt")
        if r.returncode != 0:
            fail(f"exit {r.returncode}")
        return
    run.start_coordinator()
    owner, out, _ = run.launch_with([], argv=[run.args.program])
    rc = owner.wait(timeout=60)
    text = read(out)
    expect_in_order(text, ["enabled: 1", "result: AFTER_CHECKPOINT"], "under ckpt")
    if rc != 0:
        fail(f"program exited {rc}")
    job = os.listdir(run.ckptdir)[0]
    p, out2, _ = run.restart_job(os.path.join(run.ckptdir, job), "restart1")
    rc = p.wait(timeout=60)
    text2 = read(out) + read(out2)  # the restored fd 1 is run0.out again
    # The restored fd 1 writes at the offset saved with the image, over the first result.
    if rc != 0 or text2.count("result: AFTER_RESTART") != 1:
        fail(f"restart printed {text2!r}, exit {rc}")


@case
def delayed(run):
    """Seed 4: a checkpoint requested under dmtcpDelayCheckpointsLock waits for the unlock."""
    if run.args.native:
        r = subprocess.run([run.args.program, "100"], capture_output=True, text=True,
                           timeout=30)
        expect_in_order(r.stdout, [f"locked rc=3", "unlocking rc=3", "result 3 (not present)"],
                        "without ckpt")
        return
    run.start_coordinator()
    owner, out, _ = run.launch_with([], argv=[run.args.program, "3000"])
    run.wait_members(False, "waiting for the program", watch=owner)
    wait_until(lambda: "locked rc=0" in read(out), "waiting for the lock", run.deadline)
    run.checkpoint(kill=False)
    committed = time.monotonic_ns()
    unlock = re.search(r"unlocking rc=0 at (\d+)", read(out))
    if not unlock:
        fail("checkpoint committed before the application unlocked:\n" + read(out))
    if int(unlock.group(1)) > committed:
        fail("unlock time after the commit")
    rc = owner.wait(timeout=60)
    expect_in_order(read(out), ["unlocking rc=0", "result 1 (after checkpoint)"], "after unlock")
    if rc != 0:
        fail(f"program exited {rc}")


@case
def trace(run):
    """Event order for checkpoint-and-continue, kill/restart, fork, exec, threads."""
    tf = os.path.join(run.scratch, "trace.txt")
    run.start_coordinator()
    # Real pids in the trace (the pid plugin would show virtual ones); the original and the
    # restarted process are told apart by the RESTART event (both may have the same pid).
    owner, _out, _ = run.launch_with([plugin(run, "trace")], env={"TRACE_FILE": tf},
                                     launch_args=["--no-pid-virtualization"])
    run.wait_members(False, "waiting for the program", watch=owner)
    run.wait_ready(owner)
    run.checkpoint(kill=False)
    restarted, _ = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted program")
    problems = trace_check.check(read(tf), owner.pid)
    if problems:
        fail("event order differs from DESIGN.md section 3:\n  " + "\n  ".join(problems) +
             "\n---- trace:\n" + read(tf))


@case
def missing_so(run):
    """A missing plugin .so: launch refuses at once, naming it."""
    run.start_coordinator()
    missing = os.path.join(run.scratch, "no_such_plugin.so")
    owner, out, err = run.launch_with([missing])
    try:
        rc = owner.wait(timeout=30)
    except subprocess.TimeoutExpired:
        fail("launch with a missing plugin hangs")
    msg = read(err) + read(out)
    if rc == 0 or "no_such_plugin.so" not in msg:
        fail(f"expected a refusal naming no_such_plugin.so, got exit {rc}: {msg!r}")


@case
def not_a_plugin(run):
    """A .so with no hook, descriptor or wrapper: the process refuses it, naming it."""
    run.start_coordinator()
    owner, out, err = run.launch_with([plugin(run, "nohook")])
    try:
        rc = owner.wait(timeout=30)
    except subprocess.TimeoutExpired:
        fail("a non-plugin .so makes the program hang")
    msg = read(err)
    if rc == 0 or "is not a plugin" not in msg or os.path.basename(plugin(run, "nohook")) \
            not in msg:
        fail(f"expected 'is not a plugin' naming the .so, got exit {rc}: {msg!r}")


@case
def hang(run):
    """A hook that never returns: the round times out, the plugin is named and disabled,
    the application goes on and the next checkpoint succeeds."""
    run.start_coordinator(barrier_timeout=2)
    owner, _out, err = run.launch_with([plugin(run, "hang")])
    run.wait_members(False, "waiting for the program", watch=owner)
    run.wait_ready(owner)
    t0 = time.monotonic()
    r = run.ckpt("checkpoint", "--coord-port", run.port, "--wait", timeout=40, check=False)
    if r.returncode == 0:
        fail("checkpoint succeeded although a plugin hung")
    if f"pid {owner.pid}" not in (r.stdout + r.stderr):
        fail(f"the failed checkpoint does not name the stuck process: {r.stderr!r}")
    wait_until(lambda: "plugin 'hang'" in read(err), "waiting for the plugin to be named",
               run.deadline)
    line = [l for l in read(err).splitlines() if "plugin 'hang'" in l][0]
    if "DMTCP_EVENT_DRAIN" not in line or plugin(run, "hang") not in line:
        fail(f"message does not name the event and .so: {line}")
    if time.monotonic() - t0 > 30:
        fail("the failure took too long")
    run.wait_members(False, "waiting for the program to resume", watch=owner)
    run.checkpoint(kill=False)  # plugin disabled: this one commits
    run.go_and_wait(owner)
    if "PASS" not in run.final_output():
        fail("no PASS")


@case
def section(run):
    """A plugin's image section is in the image (inspect) and readable after restart."""
    run.start_coordinator()
    owner, _out, _ = run.launch_with([plugin(run, "section")])
    run.wait_members(False, "waiting for the program", watch=owner)
    run.wait_ready(owner)
    run.checkpoint(kill=False)
    restarted, gen_dir = run.kill_cycle(owner)
    image = [f for f in os.listdir(gen_dir) if f.endswith(".ckpt")][0]
    info = json.loads(run.ckpt("inspect", os.path.join(gen_dir, image), "--json").stdout)
    secs = {s.get("name"): s for s in info.get("sections", [])}
    if "secplug" not in secs or int(secs["secplug"].get("size", -1)) != 3000:
        fail(f"image has no 3000-byte secplug section: {info.get('sections')}")
    if int(secs["secplug"].get("version", 0)) != 2 or "core.plugins" not in secs:
        fail(f"bad section table: {info.get('sections')}")
    run.go_and_wait(restarted, "restarted program")
    text = run.final_output()
    if "secplug: section ok (3000 bytes, round 2)" not in text or "PASS" not in text:
        fail("section not read back after restart:\n" + text)


@case
def section_missing_plugin(run):
    """Restarting an image whose plugin .so is gone fails, naming the plugin."""
    copy = os.path.join(run.scratch, "libsecplug.so")
    shutil.copy(plugin(run, "section"), copy)
    run.start_coordinator()
    owner, _out, _ = run.launch_with([copy])
    run.wait_members(False, "waiting for the program", watch=owner)
    run.wait_ready(owner)
    gen_dir = run.checkpoint(kill=True)
    owner.wait(timeout=30)
    os.unlink(copy)
    p, out, err = run.restart_job(gen_dir, "restart1")
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        fail("restart without the plugin hangs")
    msg = read(out) + read(err)
    if rc == 0 or "secplug" not in msg or "needs plugin '" not in msg:
        fail(f"expected a failure naming the plugin, got exit {rc}: {msg!r}")


@case
def template(run):
    """plugins/template: section round trip and key-value store, by its report lines."""
    rep = os.path.join(run.scratch, "template.txt")
    run.start_coordinator()
    owner, _out, _ = run.launch_with([plugin(run, "template")], env={"TEMPLATE_REPORT": rep})
    run.wait_members(False, "waiting for the program", watch=owner)
    run.wait_ready(owner)
    run.checkpoint(kill=False)
    restarted, _ = run.kill_cycle(owner)
    run.go_and_wait(restarted, "restarted program")
    want = ["template: write 1", "template: published 1", "template: write 2",
            "template: restart-section 2", "template: published-after-restart 2"]
    got = read(rep).splitlines()
    if got != want:
        fail(f"template plugin reported {got}, expected {want}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--program", required=True)
    ap.add_argument("--plugin", action="append", default=[])
    ap.add_argument("--native", action="store_true")
    ap.add_argument("--timeout", type=float, default=150)
    args = ap.parse_args(argv)
    args.ckpt, args.program = os.path.abspath(args.ckpt), os.path.abspath(args.program)
    args.plugin = dict(p.split("=", 1) for p in args.plugin)
    args.cmd, args.procs, args.launch_args, args.max_image_mb, args.args = None, 1, "", None, []
    run = PluginRun(args)
    try:
        CASES[args.case](run)
        print(f"PASS plugin/{args.case}")
        return 0
    except TestSkip as e:
        print(f"SKIP: {e}")
        return 77
    except TestFailure as e:
        print(f"FAIL: {e}")
        run.report()
        return 1
    finally:
        run.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
