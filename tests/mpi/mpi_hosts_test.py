#!/usr/bin/env python3
"""tests/mpi/mpi_hosts_test.py: an Open MPI job on two hosts restarted on two others.

  mpi_hosts_test.py --ckpt BIN [--app ring|hpcc|lammps] [--source ring_allreduce.c]
                    --np N --btl B [--steps S]

Hosts are network namespaces made by scripts/testbed/netns-hosts.sh with prefix "mq"
(mq1..mq4 = 10.77.3.1..4; the fixture mpi/hosts-up brings them up). The app (mpi_apps.py:
its input, command, progress and checks) runs natively in native/ and under ckpt in run/:
mpirun on mq1 with `--host mq1:K,mq2:K -np 2K` (--np, --btl) and plm_rsh_agent netns-rsh,
so orted and half of the ranks run on mq2 (under ckpt too: the agent's command is
rewritten). Once the app's progress reaches want(0) the job is checkpointed and killed; a
new coordinator on mq3 and `ckpt restart --hosts mq3,mq4 --rsh-agent netns-rsh` (run on
mq3) bring mq1's processes back on mq3 and mq2's on mq4 (each saved host's processes as one
tree, through one agent). Checks: every member was restored on its new host, `ckpt restart`
exits 0, and the app's checks of the job's output (launch + restart) and files equal the
native run's. Everything left in the mq namespaces is killed by pid.
Exit 0 pass, 1 fail, 77 skip (not root, no Open MPI or app, hosts not up).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

from mpi_apps import APPS

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
from netns_bed import Failure, HostBed, wait_for  # noqa: E402

PREFIX, NET = "mq", "10.77.3"  # --prefix, --net
H = ["", "mq1", "mq2", "mq3", "mq4"]  # the hosts, H[1]..H[4]


class Bed(HostBed):
    """Hosts mq1..mq4; a command started as NAME writes NAME.out and NAME.err."""

    def __init__(self, ckpt, btl, private):
        # private: each host its own /tmp and /dev/shm (scripts/testbed/onhost), so the
        # scratch dir (the shared file system) goes to /var/tmp
        super().__init__(ckpt, PREFIX, NET, 4, "ckpt-test-mpihosts-",
                         scratch_root="/var/tmp" if private else None, env=dict(
            OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
            OMPI_MCA_btl=btl, OMPI_MCA_btl_tcp_if_include="eth0",
            OMPI_MCA_oob_tcp_if_include="eth0", OMPI_MCA_plm_rsh_agent="netns-rsh",
            OMPI_MCA_rmaps_base_oversubscribe="1", CKPT_RSH_AGENTS="netns-rsh",
            # 2 slots per host are not "oversubscribed": without this, 4 ranks
            # busy-poll on 2 cores (hpcc's LatencyBandwidth: 110 s, not 1 s)
            OMPI_MCA_mpi_yield_when_idle="1"))
        self.command_log = "commands.log"
        if private:
            self.use_private_dirs()

    def start_named(self, host, argv, name, cwd=None):
        return self.start(host, argv, name + ".out", name + ".err", cwd=cwd or self.scratch)

    def coordinator_named(self, host, name):
        return self.coordinator(host, name, name + ".out", name + ".err", barrier_timeout=20)

    def members(self, host, port):
        return self.status(host, self.ip(host), port).get("members", [])

    def cleanup(self):
        self.kill_all()
        for i in range(1, 5):  # Open MPI's session dirs of the mq hosts (named after them)
            shutil.rmtree(f"/tmp/ompi.{PREFIX}{i}.0", ignore_errors=True)
        self.remove_scratch(os.environ.get("CT_KEEP") == "1")


def output(bed, names):
    return "".join(open(bed.path(n + ".out"), errors="replace").read() for n in names
                   if os.path.exists(bed.path(n + ".out")))


def where(members):
    return sorted((m["host"], os.path.basename(m["program"])) for m in members)


def checkpoint_and_kill(bed, app, run_dir, mpirun):
    """Checkpoints the job on mq1+mq2 once it made progress; returns (gen dir, members)."""
    port = bed.coordinator_named(H[1], "coord1")
    job = bed.start_named(H[1], [bed.ckpt, "launch", "--coord-host", bed.ip(H[1]),
                                  "--coord-port", str(port), "--ckptdir", bed.ckptdir, "--"] +
                          mpirun, "launch", cwd=run_dir)
    want = app.want(0)
    wait_for(lambda: app.progress(run_dir, output(bed, ["launch"])) >= want or
             job.poll() is not None, 60, f"progress {want}")
    if job.poll() is not None:
        raise Failure(f"the job ended (status {job.returncode}) before the checkpoint")
    before = where(bed.members(H[1], port))
    prog = os.path.basename(app.argv()[0])
    for want in ((H[1], "orterun"), (H[2], "orted"), (H[1], prog), (H[2], prog)):
        if want not in before:
            raise Failure(f"{want} is not a member before the checkpoint: {before}")
    r = bed.ckpt_run(H[1], ["checkpoint", "--coord-host", bed.ip(H[1]), "--coord-port",
                             port, "--wait", "--kill", "--json"])
    if r.returncode != 0:
        raise Failure("checkpoint failed: " + r.stderr)
    job.wait(30)
    bed.ckpt_run(H[1], ["quit", "--coord-host", bed.ip(H[1]), "--coord-port", port])
    return json.loads(r.stdout)["dir"], before


def restart_moved(bed, run_dir, gen_dir, before, timeout):
    """Restarts the job on mq3+mq4; checks where each member went; waits for its end."""
    port3 = bed.coordinator_named(H[3], "coord3")
    restart = bed.start_named(H[3], [bed.ckpt, "restart", "--coord-host", bed.ip(H[3]),
                                      "--coord-port", str(port3), "--hosts", f"{H[3]},{H[4]}",
                                      "--rsh-agent", "netns-rsh", gen_dir], "restart",
                              cwd=run_dir)
    after = []

    def restored():
        members = bed.members(H[3], port3)
        if len(members) == len(before) and all(m.get("restarted") for m in members):
            after[:] = where(members)
        return bool(after) or restart.poll() is not None
    wait_for(restored, 60, "the restored members")
    moved = [(H[3] if h == H[1] else H[4], p) for h, p in before]
    if sorted(moved) != after:
        raise Failure(f"members after the restart: {after}, expected {sorted(moved)}")
    if restart.wait(timeout) != 0:
        raise Failure(f"ckpt restart exited {restart.returncode}")


def run(bed, app, per_host, timeout):
    err = app.build()
    if err:
        raise Failure(err)
    native_dir, run_dir = bed.path("native"), bed.path("run")
    for d in (native_dir, run_dir):
        os.mkdir(d)
        app.setup(d)
    mpirun = ["mpirun", "--host", f"{H[1]}:{per_host},{H[2]}:{per_host}",
              "-np", str(2 * per_host)]
    native = bed.start_named(H[1], mpirun + app.argv(), "native", cwd=native_dir)
    if native.wait(timeout) != 0:
        raise Failure(f"native mpirun exited {native.returncode}")
    want = app.checks(native_dir, output(bed, ["native"]))
    gen_dir, before = checkpoint_and_kill(bed, app, run_dir, mpirun + app.argv())
    restart_moved(bed, run_dir, gen_dir, before, timeout)
    got = app.checks(run_dir, output(bed, ["launch", "restart"]))
    if got != want:
        raise Failure(f"the checks differ from the native run's:\n--- native\n{want}"
                      f"--- ckpt\n{got}")


def set_hosts(prefix, net):
    global PREFIX, NET
    PREFIX, NET = prefix, net
    H[1:] = [f"{prefix}{i}" for i in range(1, 5)]


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--app", default="ring", choices=sorted(APPS))
    ap.add_argument("--source", default=os.path.join(HERE, "ring_allreduce.c"),
                    help="ring: the MPI C program, built here with mpicc")
    ap.add_argument("--np", type=int, default=2, help="ranks, half on each host")
    ap.add_argument("--btl", default="self,tcp")
    ap.add_argument("--steps", type=int, default=80, help="ring steps, LAMMPS time steps")
    ap.add_argument("--step-ms", type=int, default=40)
    ap.add_argument("--timeout", type=float, default=60, help="native run, restarted run")
    ap.add_argument("--prefix", default=PREFIX, help="host name prefix (netns-hosts.sh)")
    ap.add_argument("--net", default=NET, help="the hosts' /24 (netns-hosts.sh)")
    ap.add_argument("--private-dirs", action="store_true",
                    help="each host has its own empty /tmp and /dev/shm")
    args = ap.parse_args(argv)
    set_hosts(args.prefix, args.net)
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    for tool in ("mpirun",) + APPS[args.app].needs:
        if not shutil.which(tool):
            print(f"SKIP: needs {tool} (scripts/install-deps.sh installs Open MPI, hpcc, lammps)")
            return 77
    if not all(os.path.exists(f"/run/netns/{PREFIX}{i}") for i in range(1, 5)):
        print(f"SKIP: the {H[1]}..{H[4]} test hosts are not up (fixture mpi/hosts-up)")
        return 77
    args.source = os.path.abspath(args.source)
    bed = Bed(args.ckpt, args.btl, args.private_dirs)
    try:
        run(bed, APPS[args.app](args, bed.scratch), max(1, args.np // 2), args.timeout)
    except (Failure, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
        print(f"FAIL: {e}")
        bed.report((".out", ".err", ".log"))
        return 1
    finally:
        bed.cleanup()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
