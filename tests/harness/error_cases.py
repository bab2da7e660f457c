#!/usr/bin/env python3
"""tests/harness/error_cases.py: error-path tests for ckpt (bad images, bad input, crashes).

  error_cases.py --ckpt BIN --program VICTIM --case CASE [--timeout S]

Refusal cases (truncated_image, flipped_region_byte, flipped_byte_large_region,
wrong_magic, future_version, missing_generation, unreachable_coordinator, unknown_option):
the command must exit non-zero (1..127: no signal, no core dump) within its time limit,
with a short message naming the file or problem, and start nothing. (A restart of one
process from a generation directory finds a damaged region while the loader reads it;
flipped_byte_large_region damages the middle of a 64 MiB region, read in pieces by several
threads.) Crash cases (kill_coordinator_mid_checkpoint,
kill_process_mid_checkpoint): kill -9 during a checkpoint must leave the previous generation
restartable. VICTIM is tests/cr/errors/victim.c (ct.h contract). File cases (missing_file,
changed_input, restore_files; VICTIM tests/cr/fd/missing_file.c): a file gone or changed at
restart is refused naming fd and path, the generation stays intact, and `--restore-files`
puts saved contents back. unsupported_socket (VICTIM tests/cr/fd/socket_unsupported.c):
`ckpt checkpoint` fails naming the socket fd while the program runs on. term_stop (VICTIM
tests/cr/signal/term_stop.c): `--stop-on-term` ends the program by SIGKILL once the
generation its SIGTERM asked for is committed, without its SIGTERM handler running.
Python stdlib only.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import image_patch  # noqa: E402
from ckpt_test import Run, TestFailure, TestSkip, fail, wait_until  # noqa: E402
from proc_view import alive, listeners_on_port  # noqa: E402

REFUSAL_SECONDS = 30
MAX_MESSAGE_LINES = 5


def make_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--mib", type=int, default=None, help="victim memory in MiB")
    args = ap.parse_args(argv)
    args.ckpt, args.program = os.path.abspath(args.ckpt), os.path.abspath(args.program)
    # the fields Run expects from ckpt_test's options
    args.cmd, args.procs, args.launch_args, args.max_image_mb = None, 1, "", None
    args.restart_args = ""
    big = args.case.startswith("kill_")
    large_region = args.case == "flipped_byte_large_region"  # many pieces, several readers
    args.args = [str(args.mib or (256 if big else 64 if large_region else 16))]
    return args


def first_generation(run, kill=True):
    """Launches the victim and commits one generation; returns (gen_dir, image, owner)."""
    run.start_coordinator()
    owner = run.launch()
    run.wait_members(False, "waiting for the victim to join", watch=owner)
    run.wait_ready(owner)
    gen_dir = run.checkpoint(kill=kill)
    if kill:
        owner.wait(timeout=30)
    images = [f for f in os.listdir(gen_dir) if f.endswith(".ckpt")]
    return gen_dir, os.path.join(gen_dir, images[0]), owner


def expect_refusal(run, argv, mentions, what):
    """Runs `ckpt argv`; requires a clean non-zero exit whose message names `mentions`."""
    r = run.ckpt(*argv, timeout=REFUSAL_SECONDS, check=False)
    text = (r.stderr + r.stdout).strip()
    shown = f"`ckpt {' '.join(map(str, argv))}` ({what})"
    if r.returncode == 0:
        fail(f"{shown} succeeded; it must refuse")
    if r.returncode < 0 or r.returncode >= 128:
        fail(f"{shown} died with status {r.returncode} (signal/crash), expected a clean error")
    if not text:
        fail(f"{shown} exited {r.returncode} without a message")
    lines = text.splitlines()
    if not any(m in line for line in lines for m in mentions):
        fail(f"{shown}: message does not name {' or '.join(mentions)}: {text!r}")
    if len(lines) > MAX_MESSAGE_LINES:
        fail(f"{shown}: {len(lines)} lines of output, expected one clear message: {text!r}")
    cores = [f for f in os.listdir(run.work) if f.startswith("core")]
    if cores:
        fail(f"{shown} left core files: {cores}")
    print(f"ok: {shown} -> exit {r.returncode}: {lines[0]}")


def no_restarted_members(run):
    members = run.status().get("members", [])
    if members:
        fail(f"a refused restart still started processes: {members}")


def corrupt_case(op, use_image_path):
    def case(run):
        gen_dir, image, _ = first_generation(run)
        image_patch.patch(op, image)
        name = os.path.basename(image)
        expect_refusal(run, ["verify", gen_dir], [name], f"{op} image")
        target = image if use_image_path else gen_dir
        expect_refusal(run, ["restart", "--coord-port", run.port, target], [name],
                       f"{op} image")
        if op == "future-version":
            r = run.ckpt("verify", image, check=False)
            if "version" not in (r.stderr + r.stdout).lower():
                fail(f"future-version refusal does not mention the version: {r.stderr!r}")
        no_restarted_members(run)
    return case


def missing_generation(run):
    gen_dir, _, _ = first_generation(run)
    missing = os.path.join(os.path.dirname(gen_dir), "gen-000099")
    expect_refusal(run, ["restart", "--coord-port", run.port, missing],
                   [missing, "gen-000099"], "missing generation")
    empty = run.mkdir("empty-job")
    expect_refusal(run, ["restart", "--coord-port", run.port, empty],
                   [empty], "job dir without generations")
    no_restarted_members(run)


def deleted_referenced_generation(run):
    """An incremental generation whose base generation was deleted by hand is refused, naming
    the missing generation; with the base in place the same generation restarts."""
    run.args.launch_args = "--incremental"
    run.start_coordinator()
    owner = run.launch()
    run.wait_members(False, "waiting for the victim to join", watch=owner)
    run.wait_ready(owner)
    run.checkpoint(kill=False)
    run.wait_members(False, "waiting for the victim to resume", watch=owner)
    gen2 = run.checkpoint(kill=True)
    owner.wait(timeout=30)
    gen1 = os.path.join(os.path.dirname(gen2), "gen-000001")
    hidden = gen1 + ".moved"
    os.rename(gen1, hidden)
    expect_refusal(run, ["restart", "--coord-port", run.port, gen2], ["gen-000001"],
                   "generation whose referenced generation was deleted")
    no_restarted_members(run)
    os.rename(hidden, gen1)
    restart_latest_and_finish(run, os.path.dirname(gen2))


def end_by_held_sigterm(run):
    """Launches the victim with --checkpoint-on-term and sends it SIGTERM: it must end by
    that signal once libckpt has committed the generation the signal asked for."""
    run.args.launch_args = "--checkpoint-on-term"
    run.start_coordinator()
    owner = run.launch()
    run.wait_members(False, "waiting for the victim to join", watch=owner)
    run.wait_ready(owner)
    os.kill(owner.pid, signal.SIGTERM)
    rc = owner.wait(timeout=60)
    if rc != -signal.SIGTERM:
        fail(f"the program should end by the held SIGTERM, it ended with {rc}")


def term_checkpoint(run):
    """`ckpt launch --checkpoint-on-term`: a SIGTERM (Slurm's pre-emption notice) first
    commits a generation, then kills the program; the generation restarts and finishes."""
    end_by_held_sigterm(run)
    jobs = os.listdir(run.ckptdir)
    if len(jobs) != 1 or not os.path.islink(os.path.join(run.ckptdir, jobs[0], "latest")):
        fail(f"no generation committed before SIGTERM was delivered: {jobs}")
    restart_latest_and_finish(run, os.path.join(run.ckptdir, jobs[0]))


def term_restart_survives(run):
    """The SIGTERM that a --checkpoint-on-term generation was taken for belongs to the run it
    stopped: the restored program must not get it later, neither at the next commit nor when
    the held signal's deadline passes (it did while term_guard kept its state in the image)."""
    end_by_held_sigterm(run)
    job_dir = os.path.join(run.ckptdir, os.listdir(run.ckptdir)[0])
    owner, _pid = run.restart(os.path.join(job_dir, "latest"), 1)
    run.wait_members(True, "waiting for the restored victim", watch=owner)
    run.checkpoint(kill=False)  # a commit after the SIGTERM's arrival
    time.sleep(1.0)
    if owner.poll() is not None:
        fail(f"the restored program ended ({owner.returncode}) after the next commit: the "
             "SIGTERM of the stopped run was delivered again")
    with open(os.path.join(run.control, "go"), "w"):
        pass
    rc = owner.wait(timeout=run.deadline.left())
    if rc != 0 or "PASS\n" not in run.final_output():
        fail(f"the restored program did not finish cleanly (exit {rc})")


def term_stop(run):
    """`ckpt launch --stop-on-term` (the Slurm template's mode): a SIGTERM commits a
    generation and ends the program there, by SIGKILL, without its SIGTERM handler running
    (term_stop.c's handler deletes its session dir, as mpirun does); the restart finds that
    dir and finishes."""
    run.args.launch_args = "--stop-on-term"
    run.start_coordinator()
    owner = run.launch()
    run.wait_members(False, "waiting for the program to join", watch=owner)
    run.wait_ready(owner)
    os.kill(owner.pid, signal.SIGTERM)
    rc = owner.wait(timeout=60)
    if rc != -signal.SIGKILL:
        fail(f"the program should be stopped by SIGKILL after the commit, it ended with {rc}"
             f"{' (its SIGTERM handler ran)' if rc == 3 else ''}")
    marker = os.path.join(run.work, "session", "marker")
    if not os.path.exists(marker):
        fail(f"{marker} is gone: the program's SIGTERM handler ran")
    jobs = os.listdir(run.ckptdir)
    if len(jobs) != 1 or not os.path.islink(os.path.join(run.ckptdir, jobs[0], "latest")):
        fail(f"no generation committed for the SIGTERM: {jobs}")
    restart_latest_and_finish(run, os.path.join(run.ckptdir, jobs[0]))


def restart_while_running(run):
    """Restarting a generation whose process still runs here is refused, naming the pid;
    the original is not disturbed and finishes normally."""
    gen_dir, _, owner = first_generation(run, kill=False)
    expect_refusal(run, ["restart", "--coord-port", run.port, gen_dir], [str(owner.pid)],
                   "restart while the original still runs")
    with open(os.path.join(run.control, "go"), "w"):
        pass
    rc = owner.wait(timeout=run.deadline.left())
    if rc != 0 or "PASS\n" not in run.final_output():
        fail(f"the original did not finish cleanly after the refused restart (exit {rc})")


def restart_twice(run):
    """One generation restarted twice, one copy after the other: each copy runs to the end
    and leaves the same output (the victim's stdout is a file, reopened at its saved
    offset, so the second copy rewrites the same bytes), and the generation is unchanged."""
    gen_dir, image, _owner = first_generation(run, kill=True)
    before = os.stat(image)
    outputs = []
    for copy in (1, 2):
        owner, _pid = run.restart(gen_dir, 0)
        with open(os.path.join(run.control, "go"), "w"):
            pass
        rc = owner.wait(timeout=run.deadline.left())
        outputs.append(run.final_output())
        if rc != 0 or "PASS\n" not in outputs[-1]:
            fail(f"restarted copy {copy} did not finish cleanly (exit {rc})")
        os.unlink(os.path.join(run.control, "go"))
        wait_until(lambda: not run.status().get("members"), "waiting for the coordinator to "
                   f"drop restarted copy {copy}", run.deadline, interval=0.2)
    if outputs[0] != outputs[1]:
        fail(f"the two restarted copies printed different output:\n{outputs[0]!r}\n"
             f"{outputs[1]!r}")
    after = os.stat(image)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        fail(f"the first restarted copy changed {image}")
    run.ckpt("verify", gen_dir)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_coordinator(run):
    port = closed_port()
    started = time.monotonic()
    expect_refusal(run, ["checkpoint", "--coord-port", port, "--wait"], [str(port)],
                   "no coordinator")
    expect_refusal(run, ["status", "--coord-port", port, "--json"], [str(port)],
                   "no coordinator")
    if time.monotonic() - started > 20:
        fail("refusing an unreachable coordinator took more than 20 s")


def unknown_option(run):
    expect_refusal(run, ["restart", "--no-such-option", run.scratch], ["--no-such-option"],
                   "unknown option")
    expect_refusal(run, ["checkpoint", "--bogus-flag"], ["--bogus-flag"], "unknown option")
    expect_refusal(run, ["no-such-subcommand"], ["no-such-subcommand"], "unknown subcommand")


def start_checkpoint(run):
    return subprocess.Popen([run.args.ckpt, "checkpoint", "--coord-port", str(run.port),
                             "--wait", "--json"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def restart_latest_and_finish(run, job_dir):
    """`latest` must verify; restarting the job dir must bring the victim back to PASS."""
    latest = os.path.join(job_dir, "latest")
    if not os.path.islink(latest):
        fail(f"{latest} is gone after the crash")
    run.ckpt("verify", os.path.realpath(latest))
    for name in os.listdir(job_dir):
        if name.startswith("gen-") and not name.endswith(".partial"):
            run.ckpt("verify", os.path.join(job_dir, name))
    owner, _pid = run.restart(os.path.join(job_dir, "latest"), 1)  # form 1: the job dir
    with open(os.path.join(run.control, "go"), "w"):
        pass
    rc = owner.wait(timeout=run.deadline.left())
    if rc != 0 or "PASS\n" not in run.final_output():
        fail(f"restart of the previous generation did not finish cleanly (exit {rc})")


def kill_coordinator_mid_checkpoint(run):
    gen_dir, _, owner = first_generation(run, kill=False)
    coord_pids = listeners_on_port(run.port)
    if not coord_pids:
        fail("cannot find the coordinator's pid")
    ck = start_checkpoint(run)
    time.sleep(0.15)
    for pid in coord_pids:
        os.kill(pid, signal.SIGKILL)
    try:
        out, err = ck.communicate(timeout=REFUSAL_SECONDS)
    except subprocess.TimeoutExpired:
        ck.kill()
        fail("`ckpt checkpoint --wait` hung after the coordinator was killed")
    job_dir = os.path.dirname(gen_dir)
    print(f"checkpoint with a killed coordinator: exit {ck.returncode}: {(err or out).strip()};"
          f" job dir holds {sorted(os.listdir(job_dir))}")
    time.sleep(1.0)
    if not alive(owner.pid):
        fail("the application died with its coordinator; it must keep running")
    owner.kill()
    owner.wait()
    run.start_coordinator()
    restart_latest_and_finish(run, job_dir)


def kill_process_mid_checkpoint(run):
    gen_dir, _, owner = first_generation(run, kill=False)
    ck = start_checkpoint(run)
    time.sleep(0.15)
    owner.kill()
    owner.wait()
    try:
        out, err = ck.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        ck.kill()
        fail("`ckpt checkpoint --wait` hung after a member was killed mid-checkpoint")
    print(f"checkpoint with a killed member: exit {ck.returncode}: {(err or out).strip()}")
    wait_until(lambda: not run.status().get("members"), "waiting for the coordinator to drop "
               "the killed member", run.deadline, interval=0.2)
    restart_latest_and_finish(run, os.path.dirname(gen_dir))


def file_case_generation(run, launch_args=""):
    """missing_file.c committed once and killed; returns (gen_dir, path of "data")."""
    run.args.launch_args = launch_args
    # The scratch dir is under /tmp, whose files ckpt saves and puts back by default
    # (libckpt/image/node_local.h); these cases are about files on a shared file system.
    os.environ["CKPT_SAVE_NODE_LOCAL"] = "0"
    gen_dir, _, _ = first_generation(run)
    return gen_dir, os.path.join(run.work, "data"), os.path.join(run.work, "input")


def finish_restart(run, gen_dir, restart_args=""):
    """Restarts gen_dir (with `restart_args`); the program must finish with PASS."""
    run.args.restart_args = restart_args
    owner, _pid = run.restart(gen_dir, 0)
    with open(os.path.join(run.control, "go"), "w"):
        pass
    rc = owner.wait(timeout=run.deadline.left())
    if rc != 0 or "PASS\n" not in run.final_output():
        fail(f"the restart did not finish cleanly (exit {rc})")


def missing_file(run):
    """A file the process holds open is gone at restart: refused, naming the file and the
    fd; the generation stays intact and restarts once the file is back."""
    gen_dir, data, _ = file_case_generation(run)
    os.unlink(data)
    expect_refusal(run, ["restart", "--coord-port", run.port, gen_dir], [data],
                   "restart with a file gone")
    r = run.ckpt("restart", "--coord-port", run.port, gen_dir, check=False)
    if "fd " not in r.stderr or "--save-files" not in r.stderr:
        fail(f"the refusal does not name the fd or the way out: {r.stderr!r}")
    no_restarted_members(run)
    run.ckpt("verify", gen_dir)
    with open(data, "w") as f:
        f.write("saved contents\n")
    finish_restart(run, gen_dir)


def changed_input(run):
    """A file open read-only whose size, then only mtime, changed: refused both times; with
    the file as it was the same generation restarts."""
    gen_dir, _, inp = file_case_generation(run)
    st = os.stat(inp)
    with open(inp, "a") as f:
        f.write("more\n")
    expect_refusal(run, ["restart", "--coord-port", run.port, gen_dir], [inp],
                   "restart with a changed input (size)")
    with open(inp, "w") as f:
        f.write("input v1\n")
    os.utime(inp, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
    expect_refusal(run, ["restart", "--coord-port", run.port, gen_dir], [inp],
                   "restart with a changed input (mtime)")
    no_restarted_members(run)
    os.utime(inp, ns=(st.st_atime_ns, st.st_mtime_ns))
    finish_restart(run, gen_dir)


def restore_files(run):
    """`ckpt launch --save-files` keeps the contents of a file open for writing; after it is
    deleted a plain restart is refused and `ckpt restart --restore-files` re-creates it."""
    gen_dir, data, _ = file_case_generation(run, "--save-files")
    os.unlink(data)
    expect_refusal(run, ["restart", "--coord-port", run.port, gen_dir], [data],
                   "restart with a saved file gone")
    no_restarted_members(run)
    finish_restart(run, gen_dir, "--restore-files")
    with open(data) as f:
        if f.read() != "saved contents\n":
            fail("--restore-files did not put back the saved contents")
    if os.stat(data).st_mode & 0o777 != 0o640:
        fail(f"--restore-files re-created {data} with mode {os.stat(data).st_mode & 0o777:o}")


def unsupported_socket(run):
    """A TCP socket without the socket plugin: `ckpt checkpoint` fails naming the fd and its
    kind, no generation is committed, and the program runs on and finishes correctly."""
    run.args.launch_args = "--no-default-plugins"  # the socket plugin is one of them
    run.start_coordinator()
    owner = run.launch()
    run.wait_members(False, "waiting for the program to join", watch=owner)
    run.wait_ready(owner)
    with open(run.segments[0][0]) as f:
        fd = int(f.read().split("client fd ")[1].split()[0])
    expect_refusal(run, ["checkpoint", "--coord-port", run.port, "--wait"],
                   [f"fd {fd}: socket:["], "checkpoint with a TCP socket")
    with open(run.logs[0]) as f:
        if "a TCP socket" not in f.read():
            fail("the refusal does not say that the fd is a TCP socket")
    jobs = os.listdir(run.ckptdir) if os.path.isdir(run.ckptdir) else []
    if any(os.path.islink(os.path.join(run.ckptdir, j, "latest")) for j in jobs):
        fail(f"a generation was committed despite the socket: {jobs}")
    run.wait_members(False, "waiting for the program to run on", watch=owner)
    with open(os.path.join(run.control, "go"), "w"):
        pass
    rc = owner.wait(timeout=run.deadline.left())
    if rc != 0 or "PASS\n" not in run.final_output():
        fail(f"the program did not finish cleanly after the refused checkpoint (exit {rc})")


CASES = {
    "missing_file": missing_file,
    "changed_input": changed_input,
    "restore_files": restore_files,
    "unsupported_socket": unsupported_socket,
    "truncated_image": corrupt_case("truncate", False),
    "flipped_region_byte": corrupt_case("flip-region", False),
    "flipped_byte_large_region": corrupt_case("flip-largest", False),
    "wrong_magic": corrupt_case("magic", False),
    "future_version": corrupt_case("future-version", True),
    "missing_generation": missing_generation,
    "term_checkpoint": term_checkpoint,
    "term_restart_survives": term_restart_survives,
    "term_stop": term_stop,
    "restart_while_running": restart_while_running,
    "restart_twice": restart_twice,
    "deleted_referenced_generation": deleted_referenced_generation,
    "unreachable_coordinator": unreachable_coordinator,
    "unknown_option": unknown_option,
    "kill_coordinator_mid_checkpoint": kill_coordinator_mid_checkpoint,
    "kill_process_mid_checkpoint": kill_process_mid_checkpoint,
}


def main(argv):
    args = make_args(argv)
    run = None
    try:
        run = Run(args)
        if not os.access(args.ckpt, os.X_OK):
            fail(f"{args.ckpt} is not built or not executable")
        CASES[args.case](run)
        print("PASS")
        return 0
    except TestSkip as e:
        print(f"SKIP: {e}")
        return 77
    except (TestFailure, OSError, ValueError, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {args.case}: {e}", flush=True)
        if run:
            run.report()
        return 1
    finally:
        if run:
            run.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
