"""tests/harness/netns_bed.py: the test hosts of the drivers that run ckpt across hosts
(tests/multihost/multihost_test.py, tests/mpi/mpi_hosts_test.py).

Hosts are network namespaces made by scripts/testbed/netns-hosts.sh: PREFIXi with address
NET.i. HostBed starts commands "on" a host (scripts/testbed/onhost: its netns and a UTS
namespace named after it), runs ckpt there, starts coordinators bound to a host's address,
and at the end kills by pid every process it started and everything left in its hosts'
namespaces (only the test's own processes live there). Python stdlib only.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTBED = os.path.join(ROOT, "scripts", "testbed")
ONHOST = os.path.join(TESTBED, "onhost")


class Failure(Exception):
    pass


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)


def hosts_up(prefix, net, count):
    """True when netns-hosts.sh reports hosts PREFIX1..PREFIXcount up."""
    r = subprocess.run([os.path.join(TESTBED, "netns-hosts.sh"), "status", str(count)],
                       env=dict(os.environ, CKPT_TESTBED_PREFIX=prefix, CKPT_TESTBED_NET=net))
    return r.returncode == 0


class HostBed:
    """A scratch dir, a ckpt dir and the processes started on hosts PREFIX1..PREFIXhosts;
    cleanup() kills them all by pid."""

    def __init__(self, ckpt, prefix, net, hosts, scratch_prefix, env=None, scratch_root=None):
        self.ckpt = os.path.abspath(ckpt)
        self.prefix, self.net, self.hosts = prefix, net, hosts
        # scratch_root: where the scratch dir goes (the default is /tmp, which hosts with a
        # private /tmp, CKPT_TESTBED_PRIVATE_DIRS, do not see)
        self.scratch = tempfile.mkdtemp(prefix=scratch_prefix, dir=scratch_root)
        self.ckptdir = os.path.join(self.scratch, "ckpt")
        os.mkdir(self.ckptdir, 0o700)
        self.procs = []
        self.command_log = None  # a file name in the scratch dir: ckpt_run() logs there
        self.env = dict(os.environ, CKPT_TESTBED_PREFIX=prefix, CKPT_TESTBED_NET=net,
                        PATH=TESTBED + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                        **(env or {}))
        for var in ("CKPT_COORD_HOST", "CKPT_COORD_PORT", "CKPT_RSH_AGENT", "LD_PRELOAD"):
            self.env.pop(var, None)

    def use_private_dirs(self):
        """Each host gets its own /tmp and /dev/shm (scripts/testbed/onhost), under the scratch
        dir; the source tree and the build tree (of the ckpt binary) stay visible on the
        hosts at their paths, also when the clone lives under /tmp."""
        self.env["CKPT_TESTBED_PRIVATE_DIRS"] = self.path("hosts")
        build = os.path.dirname(os.path.dirname(self.ckpt))
        self.env["CKPT_TESTBED_KEEP_PATHS"] = ROOT + ":" + build

    def ip(self, host):
        return f"{self.net}.{host[len(self.prefix):]}"

    def path(self, name):
        return os.path.join(self.scratch, name)

    def start(self, host, argv, out, err=None, env=None, cwd=None):
        """Starts argv on host, stdout to the scratch file out, stderr to err (or out); in
        cwd, else in this process's working directory."""
        fout = open(self.path(out), "ab")
        ferr = open(self.path(err), "ab") if err else None
        p = subprocess.Popen([ONHOST, host] + argv, stdout=fout,
                             stderr=ferr or subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=cwd, env=dict(self.env, **(env or {})))
        fout.close()
        if ferr:
            ferr.close()
        self.procs.append(p)
        return p

    def run(self, host, argv, timeout=60, env=None):
        t0 = time.monotonic()
        r = subprocess.run([ONHOST, host] + argv, capture_output=True, text=True,
                           timeout=timeout, env=dict(self.env, **(env or {})))
        r.seconds = time.monotonic() - t0
        return r

    def ckpt_run(self, host, args, timeout=60, env=None):
        args = [str(a) for a in args]
        r = self.run(host, [self.ckpt] + args, timeout, env)
        if self.command_log:
            with open(self.path(self.command_log), "a") as log:
                log.write(f"$ {host}: ckpt {args}\n{r.stdout}{r.stderr}[exit {r.returncode}]\n")
        return r

    def coordinator(self, host, name, out, err=None, bind=None, barrier_timeout=10,
                    extra=()):
        """Starts a coordinator on host (bound to its address or bind); returns its port."""
        port_file = self.path(name + ".port")
        self.start(host, [self.ckpt, "coordinator", "--bind", bind or self.ip(host), "--port",
                          "0", "--port-file", port_file, "--ckptdir", self.ckptdir] +
                   list(extra) + ["--barrier-timeout", str(barrier_timeout)], out, err)
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 20,
                 f"coordinator {name} on {host}")
        return int(open(port_file).read())

    def status(self, host, addr, port):
        r = self.ckpt_run(host, ["status", "--json", "--coord-host", addr, "--coord-port", port])
        if r.returncode != 0:
            raise Failure("ckpt status failed: " + r.stdout + r.stderr)
        return json.loads(r.stdout)

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for i in range(1, self.hosts + 1):
            pids = subprocess.run(["ip", "netns", "pids", f"{self.prefix}{i}"],
                                  capture_output=True, text=True).stdout.split()
            for pid in pids:  # only this test's processes live in these namespaces
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def remove_scratch(self, keep):
        if keep:
            print("scratch kept: " + self.scratch)
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def logs(self, suffixes, chars=3000):
        """The tails of the scratch files whose names end with one of suffixes."""
        out = []
        for name in sorted(os.listdir(self.scratch)):
            p = self.path(name)
            if os.path.isfile(p) and name.endswith(tuple(suffixes)):
                out.append(f"--- {name}\n{open(p, errors='replace').read()[-chars:]}")
        return "\n".join(out)

    def report(self, suffixes):
        sys.stderr.write(self.logs(suffixes) + "\n")
