"""memhog under ckpt: launch, commands (spin/report/dirty, see memhog.c), checkpoints and
restarts, as used by ckpt_bench.py (benchmarks/README.md). Python standard library only.
"""
import glob
import json
import os
import subprocess
import time

from bench_session import BenchError, disk_bytes, last_json_line, read_text, remove, touch, \
    wait_for_file

START_TIMEOUT = 120.0  # seconds for memhog to fill its memory
REPLY_TIMEOUT = 300.0  # seconds for memhog to answer a command (a checkpoint may be running)
FILES = ("ready", "stop", "resume", "stamp", "result", "command", "reply")


class Memhog:
    """One memhog process under `ckpt launch` and its control files in run_dir."""

    def __init__(self, session, port, run_dir, size_mib, mode):
        self.session, self.port, self.mode = session, port, mode
        self.files = {n: os.path.join(run_dir, n) for n in FILES}
        self.seq = 0
        f = self.files
        cmd = [session.tool("ckpt"), "launch", "--coord-port", port, "--ckptdir", run_dir,
               session.tool("memhog"), "--size-mib", str(size_mib), "--mode", mode,
               "--ready-file", f["ready"], "--stop-file", f["stop"],
               "--resume-file", f["resume"], "--stamp-file", f["stamp"],
               "--result-file", f["result"], "--command-file", f["command"],
               "--reply-file", f["reply"]]
        t0 = time.monotonic()
        self.log = os.path.join(session.scratch, "memhog-%s-%d.log" % (mode, size_mib))
        self.proc = session.spawn(cmd, os.path.basename(self.log))
        wait_for_file(f["ready"], self.proc, START_TIMEOUT)
        self.fill_s = time.monotonic() - t0

    def command(self, text):
        """Sends "<seq> text" and returns memhog's reply words after "ack <seq>"."""
        self.seq += 1
        tmp = self.files["command"] + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %s\n" % (self.seq, text))
        os.rename(tmp, self.files["command"])
        deadline = time.monotonic() + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            words = (read_text(self.files["reply"]) or "").split()
            if words[:2] == ["ack", str(self.seq)]:
                if words[2:3] == ["error"]:
                    raise BenchError("memhog: " + " ".join(words[3:]))
                return words[2:]
            if self.proc.poll() is not None:
                raise BenchError("memhog exited (status %s) during %r" % (self.proc.returncode,
                                                                         text))
            time.sleep(0.002)
        raise BenchError("memhog did not answer %r in %.0f s" % (text, REPLY_TIMEOUT))

    def stall_during(self, action):
        """Runs action() while memhog spins; returns (action's result, stall fields)."""
        self.command("spin")
        result = action()
        words = self.command("report")
        if words[0] != "stall":
            raise BenchError("memhog: unexpected report %r" % words)
        gap, iterations, long_gaps, long_s, window = words[1:6]
        return result, {"stall_s": float(gap), "spin_iterations": int(iterations),
                        "gaps_over_1ms": int(long_gaps), "seconds_in_gaps_over_1ms": float(long_s),
                        "spin_window_s": float(window)}

    def fork_time(self):
        """Seconds the kernel takes to fork memhog as it is (its page tables)."""
        words = self.command("forktime")
        return float(words[1])

    def dirty(self, percent):
        words = self.command("dirty %d" % percent)
        return {"dirty_percent": percent, "dirtied_pages": int(words[1]),
                "dirty_s": float(words[2])}

    def wait_killed(self):
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise BenchError("the checkpointed process was not killed after the commit")


def checkpoint(session, port, flags=()):
    """One blocking `ckpt checkpoint --wait --json [flags]`; returns the coordinator's fields
    with the wall time, the image's on-disk size and the round's barrier steps."""
    t0 = time.monotonic()
    rc, out, err = session.run([session.tool("ckpt"), "checkpoint", "--coord-port", port,
                                "--wait", "--json"] + list(flags))
    wall = time.monotonic() - t0
    if rc != 0:
        raise BenchError("ckpt checkpoint %s exited %d: %s" % (" ".join(flags), rc,
                                                               err.strip()[-300:]))
    info = last_json_line(out)
    images = sorted(glob.glob(os.path.join(info["dir"], "*.ckpt")))
    if not images:
        raise BenchError("no *.ckpt image in %s" % info["dir"])
    return {"generation": info.get("generation"), "dir": info["dir"], "image": images[0],
            "ckpt_seconds": info.get("seconds"), "ckpt_wall_s": round(wall, 6),
            "image_bytes": info.get("bytes"), "image_disk_bytes": disk_bytes(info["dir"]),
            "images": info.get("images"), "steps": last_steps(session, port)}


def last_steps(session, port):
    """The barrier steps of the last checkpoint (`ckpt status --json`), or None."""
    try:
        rc, out, _err = session.run([session.tool("ckpt"), "status", "--coord-port", port,
                                     "--json"], timeout=30)
        last = last_json_line(out).get("last_checkpoint") if rc == 0 else None
    except (BenchError, ValueError):
        return None
    return last.get("steps") if isinstance(last, dict) else None


def restart(session, port, hog, path, lazy=False):
    """Restarts from path (a generation dir) in the foreground, with memhog's stop and resume
    files present, and reads its time stamps: to running (first loop iteration after resume)
    and to verified (every page read and checked)."""
    f = hog.files
    for name in ("stamp", "result"):
        remove(f[name])
    touch(f["resume"])
    touch(f["stop"])
    cmd = [session.tool("ckpt"), "restart", "--coord-port", port] + (["--lazy"] if lazy else [])
    with open(hog.log, "ab") as log:  # the restored memhog's own output goes to its log
        log.write(("--- %s %s\n" % (" ".join(cmd[2:]), path)).encode())
        log.flush()
        t0 = time.time()
        rc, _out, err = session.run(cmd + [path], stdout=log)
        wall = time.time() - t0
    stamp, result = read_text(f["stamp"]), read_text(f["result"])
    if rc != 0 or not stamp or not result:
        tail = (read_text(hog.log) or "").strip().splitlines()[-3:]
        raise BenchError("restart%s of %s exited %d (stamp %r, result %r): %s; memhog: %s"
                         % (" --lazy" if lazy else "", os.path.basename(path), rc, stamp, result,
                            err.strip()[-300:], " | ".join(tail)))
    verdict, verified_at, bad_words = result.split()[1:4]
    return {"restart_to_running_s": round(float(stamp) - t0, 6),
            "restart_to_verified_s": round(float(verified_at) - t0, 6),
            "restart_wall_s": round(wall, 6), "restart_exit": rc,
            "verified": verdict == "ok", "mismatching_words": int(bad_words)}


def steps_json(steps):
    """Steps as a compact JSON-able dict (the coordinator may give a list of pairs)."""
    if isinstance(steps, list):
        return {str(k): v for k, v in steps}
    return steps if steps is None or isinstance(steps, dict) else json.loads(str(steps))
