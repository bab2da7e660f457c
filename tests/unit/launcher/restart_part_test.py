#!/usr/bin/env python3
"""tests/unit/launcher/restart_part_test.py: `ckpt restart --only-host` and `--slurm` choose
which processes of a generation this `ckpt restart` brings back (label unit).

Synthetic generations (ckpt-test-image --host) whose processes ran on several old hosts; the
selection is read through the documented `--dry-run` output. `--slurm` reads SLURM_NODEID,
SLURM_LOCALID and SLURM_STEP_NODELIST, and expands the node list with `scontrol show
hostnames`: a stand-in scontrol in PATH splits the list at commas (the real one is tested by
tests/slurm, slurm/multinode_requeue). Usage:
  restart_part_test.py --ckpt BIN --make-image BIN --static-program BIN [unittest args]
"""
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test  # noqa: E402  (shares its helpers and its command line)

FAKE_SCONTROL = """#!/bin/sh
# stand-in for `scontrol show hostnames LIST`: LIST is comma-separated plain names here
[ "$1 $2" = "show hostnames" ] || { echo "unexpected scontrol $*" >&2; exit 1; }
echo "$3" | tr ',' '\\n'
"""

# vpid -> old host, in vpid order: first appearance gives old hosts [hA, hB, hC].
HOSTS = {1: "hA", 2: "hB", 3: "hA", 4: "hC"}


class RestartPart(cli_test.CliCase):
    def setUp(self):
        super().setUp()
        self.gen = os.path.join(self.tmp, "job1", "gen-000003")
        for vpid, host in HOSTS.items():
            self.image(os.path.join(self.gen, "app.%s.%d.ckpt" % (host, vpid)), "--vpid",
                       str(vpid), "--generation", "3", "--nprocs", str(len(HOSTS)), "--job",
                       "job1", "--host", host)
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        fake = os.path.join(bindir, "scontrol")
        with open(fake, "w") as f:
            f.write(FAKE_SCONTROL)
        os.chmod(fake, stat.S_IRWXU)
        self.path_with_fake = bindir + ":" + os.environ.get("PATH", "")

    def images(self, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        return [os.path.basename(l[len("image "):]) for l in r.stdout.splitlines()
                if l.startswith("image ")]

    def slurm(self, node_id, nodelist, *extra, local_id="0", fake=True):
        env = {"SLURM_NODEID": str(node_id), "SLURM_LOCALID": local_id,
               "SLURM_STEP_NODELIST": nodelist}
        if fake:
            env["PATH"] = self.path_with_fake
        return self.ckpt("restart", "--slurm", *extra, self.gen, env=env)

    def test_only_host_keeps_that_hosts_processes(self):
        r = self.ckpt("restart", "--dry-run", "--only-host", "hA", self.gen)
        self.assertEqual(self.images(r), ["app.hA.1.ckpt", "app.hA.3.ckpt"])
        self.assertIn("restarting the 2 process(es) that ran on hA", r.stderr)
        r = self.ckpt("restart", "--dry-run", "--only-host", "hC", "--only-host", "hB", self.gen)
        self.assertEqual(self.images(r), ["app.hB.2.ckpt", "app.hC.4.ckpt"])

    def test_only_host_unknown_host_names_the_real_ones(self):
        r = self.ckpt("restart", "--dry-run", "--only-host", "hZ", self.gen)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--only-host hZ: no process of generation 3 ran on that host; its hosts "
                      "are: hA, hB, hC", r.stderr)

    def test_slurm_node_i_takes_the_ith_old_host(self):
        expected = [["app.hA.1.ckpt", "app.hA.3.ckpt"], ["app.hB.2.ckpt"], ["app.hC.4.ckpt"]]
        for node_id, want in enumerate(expected):
            r = self.slurm(node_id, "n4,n5,n6", "--dry-run")
            self.assertEqual(self.images(r), want, r.stderr)
            old = ["hA", "hB", "hC"][node_id]
            self.assertIn("node n%d (SLURM_NODEID %d of 3) restarts the %d process(es) that "
                          "ran on %s" % (node_id + 4, node_id, len(want), old), r.stderr)

    def test_slurm_extra_node_has_nothing_and_exits_0(self):
        r = self.slurm(3, "n1,n2,n3,n4", "--dry-run")
        self.assertEqual(self.images(r), [])
        self.assertIn("node n4 (SLURM_NODEID 3): nothing to restart here, the generation ran on "
                      "3 host(s)", r.stderr)
        # Without --dry-run too, and without asking for a coordinator (none listens there).
        port = str(cli_test.closed_port())
        r = self.slurm(3, "n1,n2,n3,n4", "--coord-host", "127.0.0.1", "--coord-port", port,
                       "--join-coordinator")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_slurm_too_few_nodes(self):
        r = self.slurm(0, "n1,n2", "--dry-run")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the job step has 2 node(s) (n1,n2) but generation 3 ran on 3 host(s) "
                      "(hA, hB, hC): run it on at least 3 nodes", r.stderr)

    def test_slurm_second_task_on_a_node_is_refused(self):
        r = self.slurm(1, "n1,n2,n3", "--dry-run", local_id="1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("this is task 1 (SLURM_LOCALID) on node n2: run one task per node "
                      "(srun --ntasks-per-node=1)", r.stderr)

    def test_slurm_outside_a_job_step(self):
        r = self.ckpt("restart", "--slurm", "--dry-run", self.gen)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--slurm needs SLURM_NODEID from srun", r.stderr)
        r = self.slurm(5, "n1,n2,n3", "--dry-run")
        self.assertEqual(r.returncode, 1)
        self.assertIn("SLURM_NODEID 5 is outside the step's node list n1,n2,n3 (3 node(s))",
                      r.stderr)

    def test_slurm_without_scontrol(self):
        env = {"SLURM_NODEID": "0", "SLURM_STEP_NODELIST": "n1", "PATH": self.tmp + "/none"}
        r = self.ckpt("restart", "--slurm", "--dry-run", self.gen, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot expand the Slurm node list 'n1' with 'scontrol show hostnames': "
                      "scontrol could not be run", r.stderr)

    def test_slurm_and_only_host_exclude_each_other(self):
        r = self.ckpt("restart", "--slurm", "--only-host", "hA", "--dry-run", self.gen)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("excludes", r.stderr)

    def test_help_documents_both(self):
        r = self.ckpt("restart", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--only-host", r.stdout)
        self.assertIn("--slurm", r.stdout)
        self.assertIn("--ntasks-per-node=1", r.stdout)


if __name__ == "__main__":
    cli_test.main()
