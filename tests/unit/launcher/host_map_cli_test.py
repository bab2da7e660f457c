#!/usr/bin/env python3
"""tests/unit/launcher/host_map_cli_test.py: `ckpt restart --hosts/--hostfile/--host-map`
(label unit, CTest launcher.cli.HostMapping). The mapping is checked through `--dry-run`,
which prints one "host SAVED -> TARGET" line per moved host, on synthetic generations whose
processes ran on two hosts; and the remote launch through a fake agent that records its
arguments. Same command line as cli_test.py (it reuses its helpers)."""
import os
import re
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test  # noqa: E402


class HostMapping(cli_test.CliCase):
    def two_host_generation(self):
        """vpid 1 on n2, vpid 2 on n1, vpid 3 on n2: first appearance order is n2, n1."""
        gen = os.path.join(self.tmp, "job1", "gen-000001")
        for vpid, host in ((1, "n2"), (2, "n1"), (3, "n2")):
            self.image(os.path.join(gen, "app.%s.%d.ckpt" % (host, vpid)), "--vpid", str(vpid),
                       "--generation", "1", "--nprocs", "3", "--job", "job1", "--host", host)
        return gen

    def dry(self, *args):
        return self.ckpt("restart", "--dry-run", *args)

    def test_hosts_map_in_order_of_first_appearance(self):
        gen = self.two_host_generation()
        r = self.dry("--hosts", "a,b", gen)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("host n2 -> a\nhost n1 -> b\n", r.stdout)

    def test_hostfile_takes_first_words_and_skips_comments(self):
        gen = self.two_host_generation()
        hostfile = os.path.join(self.tmp, "hosts")
        with open(hostfile, "w") as f:
            f.write("# targets\nx slots=2\n\ny slots=2  # second\nz\n")
        r = self.dry("--hostfile", hostfile, gen)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("host n2 -> x\nhost n1 -> y\n", r.stdout)

    def test_host_map_moves_only_named_hosts(self):
        gen = self.two_host_generation()
        r = self.dry("--host-map", "n1=c", gen)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("host n1 -> c\n", r.stdout)
        self.assertNotIn("host n2", r.stdout)

    def test_mapping_errors_are_clear(self):
        gen = self.two_host_generation()
        cases = [
            (["--hosts", "a"], "ran on 2 hosts (n2,n1) but only 1 were given (a)"),
            (["--host-map", "n1"], "--host-map entry 'n1' is not OLD=NEW"),
            (["--host-map", "n7=a"], "--host-map names host 'n7', but the generation's "
                                     "processes ran on n2,n1"),
            (["--hosts", "a,b", "--host-map", "n1=a"], "give only one"),
            (["--hostfile", os.path.join(self.tmp, "none")], "cannot be read"),
        ]
        for args, text in cases:
            r = self.dry(*args, gen)
            self.assertEqual(r.returncode, 1, (args, r.stdout, r.stderr))
            self.assertIn(text, r.stderr, args)

    def test_unreachable_agent_host_fails_naming_it(self):
        """A fake agent that fails like ssh does for an unknown host: the restart fails at
        once with the host named, and the agent saw HOST plus one quoted command string."""
        gen = self.two_host_generation()
        agent = os.path.join(self.tmp, "fake-rsh")
        record = os.path.join(self.tmp, "agent-args")
        with open(agent, "w") as f:
            f.write("#!/bin/sh\nprintf '%%s\\n' \"$@\" >> %s\nexit 255\n" % record)
        os.chmod(agent, stat.S_IRWXU)
        port = cli_test.closed_port()
        r = self.ckpt("restart", "--hosts", "far1,far2", "--rsh-agent", agent,
                      "--coord-port", "0", "--new-coordinator", "--barrier-timeout", "5", gen,
                      timeout=60)
        self.assertNotEqual(r.returncode, 0)
        # The first agent to fail ends the restart (the other may not have run yet): which
        # one that is varies, so the checks follow the host the error names.
        failed = re.search(r"host (far[12]): restoring vpid \d through '%s' failed with "
                           r"exit code 255" % re.escape(agent), r.stderr)
        self.assertTrue(failed, r.stderr)
        with open(record) as f:
            lines = f.read().splitlines()
        self.assertIn(failed.group(1), lines)
        cmd = [l for l in lines if l.startswith("exec env ")]
        self.assertTrue(cmd, lines)
        self.assertTrue(all("CKPT_COORD_PORT=" in c for c in cmd), cmd)
        # One agent per saved host: `ckpt restart --only-host` restores that host's tree.
        self.assertTrue(all(" restart --join-coordinator " in c and
                            re.search(r"--only-host 'n[12]'", c) and c.endswith(" '%s'" % gen)
                            for c in cmd), cmd)
        del port


if __name__ == "__main__":
    cli_test.main()
