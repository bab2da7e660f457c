#!/usr/bin/env python3
"""tests/multihost/multihost_test.py: ckpt across several hosts (network namespaces made by
scripts/testbed/netns-hosts.sh with prefix "mh": mh1..mh5 = 10.77.1.1..5).

  --scenario restart_hosts   processes on mh1 and mh2 (coordinator on mh1), checkpointed,
                             killed, restarted with --hosts mh3,mh4 through netns-rsh with a
                             new coordinator on mh5 (another host and port); each reports its
                             host before and after and its result equals a native run's
  --scenario restart_bind    same, coordinator started by `ckpt launch` on mh1; restart runs
                             on mh3 with --coord-bind (mh3's process restored locally, mh4's
                             through the agent)
  --scenario client_server   a TCP server on mh1 and its client on mh2 (host_stream: a checked
                             byte stream each way, megabytes in flight at the checkpoint),
                             checkpointed, killed, restarted on mh3+mh4 with a new coordinator
                             on mh5; the socket plugin reconnects them at their new addresses
                             and both streams continue exactly (same result as a native run)
  --scenario missing_host    --hosts mh3,mh9 (mh9 is not up): clear error naming mh9,
                             non-zero exit, the process started on mh3 is gone
  --scenario never_joins    the agent to mh4 hangs (its process never starts): after the
                             barrier timeout, a clear error naming mh4; nothing left running;
                             --restore-files is in both remote commands
  --scenario unreachable     a coordinator address that never answers: launch and restart
                             fail with a clear error within the timeout, none is started;
                             and a coordinator the remote processes cannot reach (bound to
                             loopback) fails the restart naming the host
  --scenario rsh_launch      a program on mh1 starts a worker on mh2 through netns-rsh: both
                             are members of one coordinator and of one generation
  --scenario mpi_rsh         mpirun on mh1 under ckpt, plm_rsh_agent netns-rsh: orted and the
                             rank on mh2 are members of the same coordinator (skips without
                             Open MPI)
  --scenario ipv6            a coordinator bound to :: joined through ::1, 0:0:0:0:0:0:0:1,
                             ::ffff:127.0.0.1, 127.0.0.1 and localhost (libckpt's resolver)
Exit codes: 0 pass, 1 fail, 77 skip (not root, or the test hosts are not up).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from netns_bed import ONHOST, Failure, HostBed, hosts_up, wait_for  # noqa: E402

PREFIX, NET = "mh", "10.77.1"


class Skip(Exception):
    pass


def ip(host):
    return "%s.%s" % (NET, host[len(PREFIX):])


class Bed(HostBed):
    """Processes started by one scenario; all are killed by pid at the end."""

    def __init__(self, args):
        super().__init__(args.ckpt, PREFIX, NET, 9, "ckpt-multihost-")
        self.counter = os.path.abspath(args.counter)
        self.parent = os.path.abspath(args.parent)
        self.stream = os.path.abspath(args.stream)

    def start(self, host, argv, out, env=None):
        return super().start(host, argv, out, env=env)

    def coordinator(self, host, name, bind=None, barrier_timeout=10):
        return super().coordinator(host, name, name + ".log", bind=bind,
                                   barrier_timeout=barrier_timeout,
                                   extra=["--job-id", "mhjob"])

    def counter_env(self, name):
        ctl = self.path("ctl-" + name)
        os.makedirs(ctl, exist_ok=True)
        return {"CT_CONTROL": ctl, "CT_SCRATCH": self.scratch}

    def go(self, name):
        open(os.path.join(self.path("ctl-" + name), "go"), "w").close()

    def wait_ready(self, name, timeout=30):
        ready = os.path.join(self.path("ctl-" + name), "ready")
        wait_for(lambda: os.path.exists(ready), timeout, name + " at its checkpoint point")

    def cleanup(self, keep):
        self.kill_all()
        self.remove_scratch(keep)

    def logs(self):
        return super().logs((".log", ".txt"))


def check(cond, why):
    if not cond:
        raise Failure(why)


def native_result(bed, seed, steps):
    r = subprocess.run([bed.counter, str(seed), str(steps)], capture_output=True, text=True,
                       timeout=60, env={"PATH": "/usr/bin:/bin", "CT_SCRATCH": bed.scratch})
    check(r.returncode == 0, "native run failed: " + r.stdout + r.stderr)
    return [l for l in r.stdout.splitlines() if " result " in l][0].split(" result ")[1]


def lines_of(bed, out):
    return open(bed.path(out), errors="replace").read()


def check_moved(bed, out, before, after, expected):
    text = lines_of(bed, out)
    check("before host=%s " % before in text, "%s: no 'before host=%s' in:\n%s" % (out, before, text))
    check("after host=%s " % after in text, "%s: no 'after host=%s' in:\n%s" % (out, after, text))
    check("result %s\n" % expected in text, "%s: result differs from the native run (%s):\n%s"
          % (out, expected, text))
    check("PASS" in text, out + ": no PASS")


def launch_two(bed, port, coord_host="mh1"):
    """host_counter on mh1 and mh2, both members of the coordinator at mh1:port. One after
    the other, so that mh1's process is vpid 1 (the order --hosts maps by)."""
    for host, seed in (("mh1", 11), ("mh2", 22)):
        bed.start(host, [bed.ckpt, "launch", "--coord-host", ip(coord_host), "--coord-port",
                         str(port), "--ckptdir", bed.ckptdir, "--", bed.counter, str(seed), "4000000"],
                  "out-%s.txt" % host, bed.counter_env(host))
        bed.wait_ready(host)
    st = bed.status("mh1", ip(coord_host), port)
    hosts = sorted(m["host"] for m in st["members"])
    check(hosts == ["mh1", "mh2"], "status --json shows hosts %s, want mh1, mh2" % hosts)


def checkpoint_kill(bed, port):
    r = bed.ckpt_run("mh1", ["checkpoint", "--wait", "--kill", "--coord-host", ip("mh1"),
                             "--coord-port", str(port)])
    check(r.returncode == 0, "checkpoint failed: " + r.stdout + r.stderr)
    gen = r.stdout.strip().splitlines()[-1]
    names = sorted(os.listdir(gen))
    check(any(".mh1." in n for n in names) and any(".mh2." in n for n in names),
          "generation %s lacks the images of mh1 and mh2: %s" % (gen, names))
    for p in bed.procs[-2:]:
        p.wait(20)
    return os.path.dirname(gen)


def restart_and_finish(bed, on, args, job_dir, timeout=90, coord=None):
    os.remove(os.path.join(bed.path("ctl-mh1"), "ready"))
    os.remove(os.path.join(bed.path("ctl-mh2"), "ready"))
    rp = bed.start(on, [bed.ckpt, "restart", "--rsh-agent", "netns-rsh"] + args + [job_dir],
                   "restart.log")
    # A restored process is back in its checkpoint-point loop; "go" lets both finish.
    if coord:  # the coordinator knows the restored processes by their new hosts
        def restarted():
            st = bed.status(on, coord[0], coord[1])
            return [m for m in st["members"] if m["restarted"]] if st["state"] == "idle" else []
        wait_for(lambda: len(restarted()) == 2, 30, "both restored processes to join")
        hosts = [(m["vpid"], m["host"]) for m in restarted()]
        check(hosts == [(1, "mh3"), (2, "mh4")], "restored members: %s" % hosts)
    else:
        time.sleep(0.5)
    bed.go("mh1")
    bed.go("mh2")
    try:
        rc = rp.wait(timeout)
    except subprocess.TimeoutExpired:
        raise Failure("ckpt restart did not finish within %d s" % timeout)
    check(rc == 0, "ckpt restart exited %d" % rc)


def scenario_restart_hosts(bed):
    expected = {h: native_result(bed, s, 4000000) for h, s in (("mh1", 11), ("mh2", 22))}
    port = bed.coordinator("mh1", "coord1")
    launch_two(bed, port)
    job = checkpoint_kill(bed, port)
    bed.ckpt_run("mh1", ["quit", "--coord-host", ip("mh1"), "--coord-port", str(port)])
    port2 = bed.coordinator("mh5", "coord5")
    restart_and_finish(bed, "mh5", ["--hosts", "mh3,mh4", "--coord-host", ip("mh5"),
                                    "--coord-port", str(port2)], job, coord=(ip("mh5"), port2))
    check_moved(bed, "out-mh1.txt", "mh1", "mh3", expected["mh1"])
    check_moved(bed, "out-mh2.txt", "mh2", "mh4", expected["mh2"])


def scenario_restart_bind(bed):
    expected = {h: native_result(bed, s, 4000000) for h, s in (("mh1", 11), ("mh2", 22))}
    port_file = bed.path("launch.port")
    bed.start("mh1", [bed.ckpt, "launch", "--coord-host", ip("mh1"), "--coord-port", "0",
                      "--port-file", port_file, "--barrier-timeout", "10", "--job-id", "mhjob",
                      "--ckptdir", bed.ckptdir, "--", bed.counter, "11", "4000000"],
              "out-mh1.txt", bed.counter_env("mh1"))
    wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 20, "port")
    bed.wait_ready("mh1")
    port = int(open(port_file).read())
    bed.start("mh2", [bed.ckpt, "launch", "--join", "--coord-host", ip("mh1"), "--coord-port",
                      str(port), "--ckptdir", bed.ckptdir, "--", bed.counter, "22", "4000000"],
              "out-mh2.txt", bed.counter_env("mh2"))
    bed.wait_ready("mh2")
    job = checkpoint_kill(bed, port)
    restart_and_finish(bed, "mh3", ["--host-map", "mh1=mh3,mh2=mh4", "--coord-bind", ip("mh3"),
                                    "--barrier-timeout", "10"], job)
    check_moved(bed, "out-mh1.txt", "mh1", "mh3", expected["mh1"])
    check_moved(bed, "out-mh2.txt", "mh2", "mh4", expected["mh2"])
    log = lines_of(bed, "restart.log")
    check("host mh4: restoring vpid 2" in log and "host mh3:" not in log,
          "mh3's process must be restored locally, mh4's through the agent:\n" + log)


def native_stream(bed, port):
    """host_stream's result lines without ckpt, server on mh1 and client on mh2."""
    argv = {"server": ["server", ip("mh1"), str(port)], "client": ["client", ip("mh1"), str(port)]}
    env = dict(bed.env, CT_SCRATCH=bed.scratch)
    procs = {role: subprocess.Popen([ONHOST, host, bed.stream] + argv[role], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for role, host in (("server", "mh1"), ("client", "mh2"))}
    out = {}
    for role, p in procs.items():
        text = p.communicate(timeout=60)[0]
        check(p.returncode == 0, "native %s failed:\n%s" % (role, text))
        out[role] = [l for l in text.splitlines() if " result " in l][0].split(" result ")[1]
    return out


def scenario_client_server(bed):
    expected = native_stream(bed, 7301)
    port = bed.coordinator("mh1", "coord1")
    for host, role in (("mh1", "server"), ("mh2", "client")):
        bed.start(host, [bed.ckpt, "launch", "--coord-host", ip("mh1"), "--coord-port", str(port),
                         "--ckptdir", bed.ckptdir, "--", bed.stream, role, ip("mh1"), "7302"],
                  "out-%s.txt" % host, bed.counter_env(host))
        if role == "server":
            wait_for(lambda: "listening" in lines_of(bed, "out-mh1.txt"), 30, "the server")
    bed.wait_ready("mh1")
    bed.wait_ready("mh2")
    job = checkpoint_kill(bed, port)
    bed.ckpt_run("mh1", ["quit", "--coord-host", ip("mh1"), "--coord-port", str(port)])
    port2 = bed.coordinator("mh5", "coord5")
    restart_and_finish(bed, "mh5", ["--hosts", "mh3,mh4", "--coord-host", ip("mh5"),
                                    "--coord-port", str(port2)], job, coord=(ip("mh5"), port2))
    check_moved(bed, "out-mh1.txt", "mh1", "mh3", expected["server"])
    check_moved(bed, "out-mh2.txt", "mh2", "mh4", expected["client"])


def prepared_generation(bed):
    port = bed.coordinator("mh1", "coord1")
    launch_two(bed, port)
    job = checkpoint_kill(bed, port)
    bed.ckpt_run("mh1", ["quit", "--coord-host", ip("mh1"), "--coord-port", str(port)])
    return job


def expect_failed_restart(bed, on, args, job, must_say, limit, agent="netns-rsh", env=None):
    r = bed.ckpt_run(on, ["restart", "--rsh-agent", agent] + args + [job], timeout=limit + 30,
                     env=env)
    text = r.stdout + r.stderr
    check(r.returncode != 0, "restart succeeded but should fail:\n" + text)
    for words in must_say:
        check(words in text, "restart error lacks '%s':\n%s" % (words, text))
    check(r.seconds < limit, "restart took %.1f s (limit %d s)" % (r.seconds, limit))
    print("expected failure (%.1f s):\n%s" % (r.seconds, text.strip()))
    for host in ("mh3", "mh4", "mh5"):
        pids = subprocess.run(["ip", "netns", "pids", host], capture_output=True,
                              text=True).stdout.split()
        alive = [p for p in pids if os.path.exists("/proc/%s" % p)
                 and "host_counter" in open("/proc/%s/cmdline" % p, errors="replace").read()
                 or os.path.exists("/proc/%s/exe" % p) and
                 os.path.basename(os.readlink("/proc/%s/exe" % p)) == "host_counter"]
        check(not alive, "restored processes left running on %s: %s" % (host, alive))
    # Nothing else is left where the restart ran (agents, a coordinator it started).
    def nothing_left():
        return not subprocess.run(["ip", "netns", "pids", on], capture_output=True,
                                  text=True).stdout.split()
    wait_for(nothing_left, 10, "the processes of the failed restart on %s to end" % on)


def scenario_missing_host(bed):
    job = prepared_generation(bed)
    expect_failed_restart(bed, "mh3", ["--hosts", "mh3,mh9", "--coord-bind", ip("mh3"),
                                       "--barrier-timeout", "10"], job,
                          ["host mh9", "netns-rsh"], 30)


def scenario_never_joins(bed):
    job = prepared_generation(bed)
    agent = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stall-rsh")
    agent_log = bed.path("agent-commands.log")
    expect_failed_restart(bed, "mh5", ["--hosts", "mh3,mh4", "--coord-bind", ip("mh5"),
                                       "--barrier-timeout", "5", "--restore-files"], job,
                          ["host mh4", "had not joined"], 30, agent=agent,
                          env={"STALL_HOST": "mh4", "STALL_LOG": agent_log})
    # --restore-files reaches the loaders on the other hosts too.
    commands = open(agent_log).read().splitlines()
    check(len(commands) == 2 and all("CKPT_RESTORE_FILES=1" in c for c in commands),
          "remote commands lack CKPT_RESTORE_FILES=1:\n" + "\n".join(commands))


def scenario_unreachable(bed):
    t0 = time.monotonic()
    r = bed.ckpt_run("mh1", ["launch", "--coord-host", "10.77.1.200", "--coord-port", "7779",
                             "--ckptdir", bed.ckptdir, "--", bed.counter, "1", "10"], timeout=60)
    text = r.stdout + r.stderr
    check(r.returncode != 0 and "10.77.1.200:7779" in text, "launch did not fail clearly:\n" + text)
    check(time.monotonic() - t0 < 20, "launch took too long to fail")
    check(not subprocess.run(["ip", "netns", "pids", "mh1"], capture_output=True,
                             text=True).stdout.split(), "launch left a process on mh1")
    print("launch: " + text.strip())
    job = prepared_generation(bed)
    r = bed.ckpt_run("mh5", ["restart", "--hosts", "mh3,mh4", "--rsh-agent", "netns-rsh",
                             "--coord-host", "10.77.1.200", "--coord-port", "7779", job], timeout=60)
    text = r.stdout + r.stderr
    check(r.returncode != 0 and "10.77.1.200:7779" in text, "restart did not fail clearly:\n" + text)
    print("restart: " + text.strip())
    # The coordinator answers here but not from the other hosts (bound to loopback).
    expect_failed_restart(bed, "mh5", ["--hosts", "mh3,mh4", "--coord-bind", "127.0.0.1",
                                       "--barrier-timeout", "5"], job, ["host mh3", "host mh4"], 40)


def scenario_rsh_launch(bed):
    port = bed.coordinator("mh1", "coord1")
    env = dict(bed.counter_env("parent"), CKPT_RSH_AGENTS="netns-rsh")
    bed.counter_env("worker")
    bed.start("mh1", [bed.ckpt, "launch", "--coord-host", ip("mh1"), "--coord-port", str(port),
                      "--ckptdir", bed.ckptdir, "--", bed.parent, "netns-rsh", "mh2", bed.counter,
                      bed.path("ctl-worker")], "out-parent.txt", env)
    bed.wait_ready("parent")
    bed.wait_ready("worker")
    st = bed.status("mh1", ip("mh1"), port)
    members = [(m["host"], os.path.basename(m["program"])) for m in st["members"]]
    check(("mh1", "rsh_parent") in members and ("mh2", "host_counter") in members,
          "members are %s; want rsh_parent on mh1 and host_counter on mh2" % members)
    r = bed.ckpt_run("mh1", ["checkpoint", "--wait", "--coord-host", ip("mh1"), "--coord-port",
                             str(port)])
    check(r.returncode == 0, "checkpoint failed: " + r.stdout + r.stderr)
    names = os.listdir(r.stdout.strip().splitlines()[-1])
    check(any(n.startswith("rsh_parent.mh1.") for n in names) and
          any(n.startswith("host_counter.mh2.") for n in names), "generation holds %s" % names)
    bed.go("worker")
    bed.go("parent")
    rc = bed.procs[-1].wait(60)
    text = lines_of(bed, "out-parent.txt")
    check(rc == 0 and "PASS" in text, "parent exited %d:\n%s" % (rc, text))
    check("result %s\n" % native_result(bed, 7, 3000000) in text,
          "worker result differs from native:\n" + text)
    check("before host=mh2 " in text, "worker did not run on mh2:\n" + text)


def scenario_mpi_rsh(bed):
    """mpirun on mh1 under ckpt with --mca plm_rsh_agent netns-rsh: orted and the rank on mh2
    run under ckpt too (the agent's remote command is rewritten), all in one coordinator."""
    if not shutil.which("mpirun") or not shutil.which("mpicxx"):
        raise Skip("needs mpirun and mpicxx (Open MPI)")
    ring = bed.path("mpi_ring")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_ring.cpp")
    r = subprocess.run(["mpicxx", "-O1", "-o", ring, src], capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0, "mpicxx failed: " + r.stderr)
    port = bed.coordinator("mh1", "coord1")
    env = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl": "self,tcp", "OMPI_MCA_btl_tcp_if_include": "eth0",
           "OMPI_MCA_oob_tcp_if_include": "eth0", "OMPI_MCA_plm_rsh_agent": "netns-rsh",
           "CKPT_RSH_AGENTS": "netns-rsh", "MPI_RING_READY": bed.path("mpi.ready"),
           "MPI_RING_GO": bed.path("mpi.go")}
    job = bed.start("mh1", [bed.ckpt, "launch", "--coord-host", ip("mh1"), "--coord-port",
                            str(port), "--ckptdir", bed.ckptdir, "--", "mpirun", "--host",
                            "mh1:1,mh2:1", "-np", "2", ring], "out-mpi.txt", env)
    wait_for(lambda: os.path.exists(bed.path("mpi.ready")), 60, "the MPI ranks")
    members = [(m["host"], os.path.basename(m["program"]))
               for m in bed.status("mh1", ip("mh1"), port)["members"]]
    open(bed.path("mpi.go"), "w").close()
    for want in (("mh1", "orterun"), ("mh2", "orted"), ("mh1", "mpi_ring"), ("mh2", "mpi_ring")):
        check(want in members, "%s is not a member; members: %s" % (want, members))
    check(job.wait(60) == 0, "mpirun failed:\n" + lines_of(bed, "out-mpi.txt"))
    text = lines_of(bed, "out-mpi.txt")
    check("rank 1/2 host=mh2 sum=3 OK" in text and "rank 0/2 host=mh1 sum=3 OK" in text, text)


def hosts_file_loopback_names():
    names = []
    for line in open("/etc/hosts"):
        words = line.split("#")[0].split()
        if len(words) > 1 and words[0] in ("127.0.0.1", "::1"):
            names += [w for w in words[1:] if w != "localhost" and "." not in w]
    return names


def scenario_ipv6(bed):
    """A dual-stack coordinator (bound to ::) reached through every address form libckpt
    resolves itself: IPv6 compressed, full and with an embedded IPv4 tail, IPv4, localhost."""
    port = bed.coordinator("mh1", "coord1", bind="::")
    forms = ["::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "127.0.0.1", "localhost"]
    forms += hosts_file_loopback_names()[:1]  # a name only /etc/hosts knows, if there is one
    for i, form in enumerate(forms):
        name = "p%d" % i
        bed.start("mh1", [bed.ckpt, "launch", "--coord-host", form, "--coord-port", str(port),
                          "--ckptdir", bed.ckptdir, "--", bed.counter, "3", "1000"],
                  "out-%s.txt" % name, bed.counter_env(name))
        bed.wait_ready(name)
        st = bed.status("mh1", "::1", port)
        check(len(st["members"]) == i + 1 and st["members"][-1]["host"] == "mh1",
              "after joining through %s the members are %s" % (form, st["members"]))
    for i in range(len(forms)):
        bed.go("p%d" % i)
    for p in bed.procs[1:]:
        check(p.wait(30) == 0, "a program failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--counter", required=True)
    ap.add_argument("--parent", required=True)
    ap.add_argument("--stream", required=True)
    ap.add_argument("--scenario", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("nsenter"):
        print("SKIP: needs root and nsenter")
        return 77
    if not hosts_up(PREFIX, NET, 5):
        print("SKIP: test hosts mh1..mh5 are not up (fixture multihost/hosts-up)")
        return 77
    bed = Bed(args)
    ok = False
    try:
        globals()["scenario_" + args.scenario](bed)
        ok = True
        print("PASS multihost/" + args.scenario)
    except Skip as e:
        print("SKIP: %s" % e)
        ok = None
    except (Failure, subprocess.TimeoutExpired) as e:
        print("FAIL: %s\n%s" % (e, bed.logs()))
    finally:
        bed.cleanup(keep=ok is False and os.environ.get("CT_KEEP") == "1")
    return 0 if ok else (77 if ok is None else 1)


if __name__ == "__main__":
    sys.exit(main())
