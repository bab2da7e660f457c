#!/usr/bin/env python3
"""tests/mpi/mpi_hosts_test.py: an Open MPI job on two hosts restarted on two others.

Hosts are network namespaces made by scripts/testbed/netns-hosts.sh with prefix "mq"
(mq1..mq4 = 10.77.3.1..4; the fixture mpi/hosts-up brings them up). mpirun runs on mq1
under `ckpt launch` with `--host mq1:K,mq2:K -np 2K` (--np, --btl) and plm_rsh_agent
netns-rsh, so orted and half of the ranks run on mq2 (under ckpt too: the agent's command is rewritten). After a few progress
lines the job is checkpointed and killed; a new coordinator on mq3 and `ckpt restart
--hosts mq3,mq4 --rsh-agent netns-rsh` (run on mq3) bring mq1's processes back on mq3 and
mq2's on mq4 (each saved host's processes as one tree, through one agent). Checks: every
member was restored on its new host, `ckpt restart` exits 0, and the job's output (launch
+ restart) equals a native run's. Everything left in the mq namespaces is killed by pid.
Exit 0 pass, 1 fail, 77 skip (not root, no Open MPI, hosts not up).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PREFIX, NET = "mq", "10.77.3"
HERE = os.path.dirname(os.path.abspath(__file__))
TESTBED = os.path.join(HERE, "..", "..", "scripts", "testbed")
ONHOST = os.path.join(TESTBED, "onhost")
STEPS = "80"


class Failure(Exception):
    pass


def ip(host):
    return f"{NET}.{host[len(PREFIX):]}"


class Bed:
    def __init__(self, ckpt, btl):
        self.ckpt = os.path.abspath(ckpt)
        self.scratch = tempfile.mkdtemp(prefix="ckpt-test-mpihosts-")
        self.ckptdir = os.path.join(self.scratch, "ckpt")
        os.mkdir(self.ckptdir, 0o700)
        self.procs = []
        self.env = dict(os.environ, CKPT_TESTBED_PREFIX=PREFIX, CKPT_TESTBED_NET=NET,
                        PATH=TESTBED + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                        OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                        OMPI_MCA_btl=btl, OMPI_MCA_btl_tcp_if_include="eth0",
                        OMPI_MCA_oob_tcp_if_include="eth0", OMPI_MCA_plm_rsh_agent="netns-rsh",
                        OMPI_MCA_rmaps_base_oversubscribe="1", CKPT_RSH_AGENTS="netns-rsh")
        for var in ("CKPT_COORD_HOST", "CKPT_COORD_PORT", "CKPT_RSH_AGENT", "LD_PRELOAD"):
            self.env.pop(var, None)

    def path(self, name):
        return os.path.join(self.scratch, name)

    def start(self, host, argv, name):
        out, err = open(self.path(name + ".out"), "ab"), open(self.path(name + ".err"), "ab")
        p = subprocess.Popen([ONHOST, host] + argv, stdout=out, stderr=err, cwd=self.scratch,
                             stdin=subprocess.DEVNULL, env=self.env)
        out.close()
        err.close()
        self.procs.append(p)
        return p

    def ckpt_run(self, host, args, timeout=60):
        r = subprocess.run([ONHOST, host, self.ckpt] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout, env=self.env)
        with open(self.path("commands.log"), "a") as log:
            log.write(f"$ {host}: ckpt {args}\n{r.stdout}{r.stderr}[exit {r.returncode}]\n")
        return r

    def coordinator(self, host, name):
        port_file = self.path(name + ".port")
        self.start(host, [self.ckpt, "coordinator", "--bind", ip(host), "--port", "0",
                          "--port-file", port_file, "--ckptdir", self.ckptdir,
                          "--barrier-timeout", "20"], name)
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 20,
                 f"coordinator on {host}")
        return int(open(port_file).read())

    def members(self, host, port):
        r = self.ckpt_run(host, ["status", "--json", "--coord-host", ip(host), "--coord-port",
                                 port])
        if r.returncode != 0:
            raise Failure("ckpt status failed: " + r.stderr)
        return json.loads(r.stdout).get("members", [])

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for i in range(1, 5):
            pids = subprocess.run(["ip", "netns", "pids", f"{PREFIX}{i}"], capture_output=True,
                                  text=True).stdout.split()
            for pid in pids:  # only this test's processes live in the mq namespaces
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass
        for i in range(1, 5):  # Open MPI's session dirs of the mq hosts (named after them)
            shutil.rmtree(f"/tmp/ompi.{PREFIX}{i}.0", ignore_errors=True)
        if os.environ.get("CT_KEEP") == "1":
            print("scratch kept: " + self.scratch)
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def report(self):
        for name in sorted(os.listdir(self.scratch)):
            p = self.path(name)
            if os.path.isfile(p) and name.endswith((".out", ".err", ".log")):
                sys.stderr.write(f"--- {name}\n{open(p, errors='replace').read()[-3000:]}\n")


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)


def steps(bed, names):
    text = "".join(open(bed.path(n + ".out"), errors="replace").read() for n in names
                   if os.path.exists(bed.path(n + ".out")))
    return text, sum(1 for line in text.splitlines() if line.startswith("step "))


def where(members):
    return sorted((m["host"], os.path.basename(m["program"])) for m in members)


def run(bed, source, per_host):
    prog = bed.path("prog")
    r = subprocess.run(["mpicc", "-O1", "-o", prog, source], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise Failure("mpicc failed: " + r.stderr)
    mpirun = ["mpirun", "--host", f"mq1:{per_host},mq2:{per_host}", "-np", str(2 * per_host),
              prog, STEPS, "40"]
    native = bed.start("mq1", mpirun, "native")
    if native.wait(60) != 0:
        raise Failure("native mpirun failed")
    port = bed.coordinator("mq1", "coord1")
    job = bed.start("mq1", [bed.ckpt, "launch", "--coord-host", ip("mq1"), "--coord-port",
                            str(port), "--ckptdir", bed.ckptdir, "--"] + mpirun, "launch")
    wait_for(lambda: steps(bed, ["launch"])[1] >= 8 or job.poll() is not None, 60,
             "8 progress lines")
    before = where(bed.members("mq1", port))
    for want in (("mq1", "orterun"), ("mq2", "orted"), ("mq1", "prog"), ("mq2", "prog")):
        if want not in before:
            raise Failure(f"{want} is not a member before the checkpoint: {before}")
    r = bed.ckpt_run("mq1", ["checkpoint", "--coord-host", ip("mq1"), "--coord-port", port,
                             "--wait", "--kill", "--json"])
    if r.returncode != 0:
        raise Failure("checkpoint failed: " + r.stderr)
    gen_dir = json.loads(r.stdout)["dir"]
    job.wait(30)
    bed.ckpt_run("mq1", ["quit", "--coord-host", ip("mq1"), "--coord-port", port])
    port3 = bed.coordinator("mq3", "coord3")
    restart = bed.start("mq3", [bed.ckpt, "restart", "--coord-host", ip("mq3"), "--coord-port",
                                str(port3), "--hosts", "mq3,mq4", "--rsh-agent", "netns-rsh",
                                gen_dir], "restart")
    after = []

    def restored():
        members = bed.members("mq3", port3)
        if len(members) == len(before) and all(m.get("restarted") for m in members):
            after[:] = where(members)
        return bool(after) or restart.poll() is not None
    wait_for(restored, 60, "the restored members")
    moved = [("mq3" if h == "mq1" else "mq4", p) for h, p in before]
    if sorted(moved) != after:
        raise Failure(f"members after the restart: {after}, expected {sorted(moved)}")
    if restart.wait(60) != 0:
        raise Failure(f"ckpt restart exited {restart.returncode}")
    got = steps(bed, ["launch", "restart"])[0]
    want = open(bed.path("native.out")).read()
    if got != want:
        raise Failure(f"output differs from the native run:\n--- native\n{want}--- ckpt\n{got}")


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--np", type=int, default=2, help="ranks, half on each host")
    ap.add_argument("--btl", default="self,tcp")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    if not shutil.which("mpirun") or not shutil.which("mpicc"):
        print("SKIP: needs mpirun and mpicc (Open MPI)")
        return 77
    if not all(os.path.exists(f"/run/netns/{PREFIX}{i}") for i in range(1, 5)):
        print("SKIP: the mq1..mq4 test hosts are not up (fixture mpi/hosts-up)")
        return 77
    bed = Bed(args.ckpt, args.btl)
    try:
        run(bed, os.path.join(HERE, "ring_allreduce.c"), max(1, args.np // 2))
    except (Failure, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
        print(f"FAIL: {e}")
        bed.report()
        return 1
    finally:
        bed.cleanup()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
