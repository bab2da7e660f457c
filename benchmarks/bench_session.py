"""Processes, coordinators and scratch files of one ckpt_bench.py run (benchmarks/README.md).

Everything a run starts is recorded here and stopped by pid (a coordinator first with
`ckpt quit`); the scratch directory is removed at the end, also on errors and signals.
Python standard library only.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

STEP_TIMEOUT = 300.0  # seconds for one checkpoint, restart or probe


class BenchError(Exception):
    """A measurement that could not be taken; its message goes into the record, together
    with whatever was measured before the failure (partial)."""

    def __init__(self, message, partial=None):
        super().__init__(message)
        self.partial = partial or {}


class Session:
    """Owns the scratch directory, the coordinators and every process this run starts.

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

    def run(self, cmd, timeout=STEP_TIMEOUT, stdout=subprocess.PIPE):
        """Runs a command to completion; returns (returncode, stdout, stderr)."""
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.children.append(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc)
            raise BenchError("timed out after %.0f s: %s" % (timeout, " ".join(cmd)))
        self.children.remove(proc)  # finished: nothing left to stop
        return proc.returncode, out, err

    def stop(self, proc):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()

    def start_coordinator(self, ckptdir, keep=None):
        """Starts a coordinator for one measurement (a fresh job and generation count);
        keep=0 keeps every generation."""
        port_file = os.path.join(ckptdir, "coord.port")
        cmd = [self.tool("ckpt"), "coordinator", "--port", "0", "--port-file", port_file,
               "--ckptdir", ckptdir, "--log-file", os.path.join(ckptdir, "coord.log")]
        if keep is not None:
            cmd += ["--keep", str(keep)]
        proc = self.spawn(cmd, "coord.out")
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
            self.stop(proc)
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


def touch(path):
    with open(path, "w"):
        pass


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def disk_bytes(path):
    """Bytes actually allocated under path (st_blocks), which shows holes in sparse images."""
    if os.path.isfile(path):
        return os.lstat(path).st_blocks * 512
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def wait_for_file(path, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            raise BenchError("process exited (status %s) before writing %s"
                             % (proc.returncode, path))
        time.sleep(0.005)
    raise BenchError("no %s after %.0f s" % (path, timeout))


def last_json_line(text):
    for line in reversed(text.splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    raise BenchError("no JSON in output: %r" % text[-300:])
