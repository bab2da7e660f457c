#!/usr/bin/env python3
"""tests/multihost/separate_hosts_test.py: restart on hosts whose /tmp and /dev/shm are
empty, as on the nodes of a new allocation. Hosts ms1..ms4 (10.77.5.1..4, network
namespaces of scripts/testbed/netns-hosts.sh) each get a private /tmp and /dev/shm
(CKPT_TESTBED_PRIVATE_DIRS, see scripts/testbed/onhost); the scratch dir, standing for the
cluster's shared file system, is under /var/tmp.

  --scenario files     node_local (a /dev/shm file mapped MAP_SHARED, a /tmp log open for
                       reading and appending, a listening Unix socket in a /tmp directory)
                       checkpointed on ms1, killed, restarted on ms2 with a new coordinator
                       there: both files come back from the image (the restart log says so
                       at info), the socket is bound again in a re-made directory, and the
                       result equals a native run's
  --scenario nosave    the same, launched with CKPT_SAVE_NODE_LOCAL=0: the restart fails
                       with a message naming the log file and host ms2 and what to do
                       (--save-files or a shared file system); nothing is left running
Exit codes: 0 pass, 1 fail, 77 skip (not root, or the test hosts are not up).
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from netns_bed import Failure, HostBed, hosts_up, wait_for  # noqa: E402

PREFIX, NET = "ms", "10.77.5"
STEPS = 400


def check(cond, why):
    if not cond:
        raise Failure(why)


class Bed(HostBed):
    """Hosts ms1..ms4 with private /tmp and /dev/shm under the scratch dir (in /var/tmp)."""

    def __init__(self, args):
        super().__init__(args.ckpt, PREFIX, NET, 4, "ckpt-test-mssep-", scratch_root="/var/tmp")
        self.use_private_dirs()
        self.prog = os.path.abspath(args.node_local)
        self.tag = os.path.basename(self.scratch)
        self.ctl = self.path("ctl")
        os.mkdir(self.ctl)

    def host_dir(self, host, which):
        return os.path.join(self.path("hosts"), host, which)

    def coord(self, host, name):
        return self.coordinator(host, name, name + ".log", barrier_timeout=20)

    def cleanup(self, keep):
        self.kill_all()
        self.remove_scratch(keep)


def native_result(bed):
    r = bed.run("ms1", [bed.prog, bed.tag + "-native", str(STEPS)], timeout=60,
                env={"CT_SCRATCH": bed.scratch})
    check(r.returncode == 0, "native run failed: " + r.stdout + r.stderr)
    return [l for l in r.stdout.splitlines() if " result " in l][0].split(" result ")[1]


def checkpoint_on_ms1(bed, env=None):
    """node_local under ckpt on ms1, checkpointed at its checkpoint point and killed;
    returns the generation dir."""
    port = bed.coord("ms1", "coord1")
    job = bed.start("ms1", [bed.ckpt, "launch", "--coord-host", bed.ip("ms1"), "--coord-port",
                            str(port), "--ckptdir", bed.ckptdir, "--", bed.prog, bed.tag,
                            str(STEPS)], "out.txt",
                    env=dict({"CT_CONTROL": bed.ctl, "CT_SCRATCH": bed.scratch}, **(env or {})))
    wait_for(lambda: os.path.exists(os.path.join(bed.ctl, "ready")), 30, "the checkpoint point")
    r = bed.ckpt_run("ms1", ["checkpoint", "--wait", "--kill", "--coord-host", bed.ip("ms1"),
                             "--coord-port", str(port)])
    check(r.returncode == 0, "checkpoint failed: " + r.stdout + r.stderr)
    job.wait(20)
    bed.ckpt_run("ms1", ["quit", "--coord-host", bed.ip("ms1"), "--coord-port", str(port)])
    os.remove(os.path.join(bed.ctl, "ready"))
    for which in ("tmp", "shm"):  # the files are on ms1 only
        check(any(bed.tag in n for n in os.listdir(bed.host_dir("ms1", which))),
              f"ms1's {which} lacks the program's file")
        check(not os.path.exists(bed.host_dir("ms2", which)) or
              not os.listdir(bed.host_dir("ms2", which)), f"ms2's {which} is not empty")
    return r.stdout.strip().splitlines()[-1]


def restart_on_ms2(bed, gen):
    port = bed.coord("ms2", "coord2")
    rp = bed.start("ms2", [bed.ckpt, "restart", "--coord-host", bed.ip("ms2"), "--coord-port",
                           str(port), gen], "restart.txt", env={"CKPT_LOG": "info"})
    return rp, port


def restored(bed, port):
    st = bed.status("ms2", bed.ip("ms2"), port)
    return st["state"] == "idle" and any(m["restarted"] for m in st["members"])


def scenario_files(bed):
    expected = native_result(bed)
    gen = checkpoint_on_ms1(bed)
    rp, port = restart_on_ms2(bed, gen)
    wait_for(lambda: rp.poll() is not None or restored(bed, port), 30, "the restored process")
    open(os.path.join(bed.ctl, "go"), "w").close()
    rc = rp.wait(60)
    out = open(bed.path("out.txt"), errors="replace").read() + \
        open(bed.path("restart.txt"), errors="replace").read()
    check(rc == 0, f"ckpt restart exited {rc}")
    check("after host=ms2" in out, "no 'after host=ms2' in the output")
    check(f"result {expected}\n" in out, f"result differs from the native run ({expected})")
    check("segment size=12388 mode=640" in out, "the segment's size or mode was not restored")
    check("listener ok" in out, "the Unix socket in /tmp was not bound again")
    check("PASS" in out, "no PASS")
    seg, log = f"/dev/shm/ckpt-nl-{bed.tag}.seg", f"/tmp/ckpt-nl-{bed.tag}.log"
    check(f"re-created from the image: {seg}" in out, "no info line for the re-created segment")
    check(f"{log} put back from the image" in out, "no info line for the log put back")


def scenario_nosave(bed):
    gen = checkpoint_on_ms1(bed, env={"CKPT_SAVE_NODE_LOCAL": "0"})
    rp, _ = restart_on_ms2(bed, gen)
    try:
        rc = rp.wait(60)
    except subprocess.TimeoutExpired:
        raise Failure("ckpt restart did not fail within 60 s")
    text = open(bed.path("out.txt"), errors="replace").read() + \
        open(bed.path("restart.txt"), errors="replace").read()
    check(rc != 0, "ckpt restart succeeded without the log file")
    log = f"/tmp/ckpt-nl-{bed.tag}.log"
    want = f"{log}: the file is gone on host ms2; put it back, keep it on a file system every " \
           "host shares, or launch with --save-files"
    check(want in text, f"no message '{want}'")
    left = subprocess.run(["ip", "netns", "pids", "ms2"], capture_output=True, text=True).stdout
    procs = [p for p in left.split() if not bed.procs or int(p) not in [q.pid for q in bed.procs]]
    check(not procs, f"processes left on ms2: {procs}")


SCENARIOS = {"files": scenario_files, "nosave": scenario_nosave}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--node-local", required=True, help="the node_local test program")
    ap.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (network and mount namespaces)")
        return 77
    if not hosts_up(PREFIX, NET, 4):
        print("SKIP: the ms1..ms4 test hosts are not up (fixture multihost/sep-hosts-up)")
        return 77
    bed = Bed(args)
    bed.command_log = "commands.log"
    try:
        SCENARIOS[args.scenario](bed)
    except (Failure, subprocess.TimeoutExpired, OSError, ValueError, IndexError) as e:
        print(f"FAIL: {e}")
        bed.report((".txt", ".log"))
        return 1
    finally:
        bed.cleanup(os.environ.get("CT_KEEP") == "1")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
