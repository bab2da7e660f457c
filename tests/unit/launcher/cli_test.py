#!/usr/bin/env python3
"""tests/unit/launcher/cli_test.py: CLI-level tests of the `ckpt` binary (label unit).

Runs the built binary as a user would: option errors, unreachable coordinators, verify and
inspect on synthetic images (written by ckpt-test-image), and restart's generation choice via
the documented `--dry-run` flag. Usage:
  cli_test.py --ckpt BIN --make-image BIN --static-program BIN [unittest args, e.g. a test name]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None


def run(*argv, env=None, timeout=30):
    full_env = dict(os.environ)
    for var in ("CKPT_COORD_HOST", "CKPT_COORD_PORT", "DMTCP_COORD_HOST", "DMTCP_COORD_PORT",
                "CKPT_CKPTDIR", "DMTCP_CHECKPOINT_DIR", "CKPT_CHECKPOINT_INTERVAL"):
        full_env.pop(var, None)
    full_env.update(env or {})
    return subprocess.run(list(argv), capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def closed_port():
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CliCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ckpt-cli-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ckpt(self, *argv, **kw):
        return run(ARGS.ckpt, *argv, **kw)

    def alias(self, name, *argv, **kw):
        link = os.path.join(self.tmp, name)
        if not os.path.exists(link):
            os.symlink(ARGS.ckpt, link)
        return run(link, *argv, **kw)

    def image(self, path, *opts):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        r = run(ARGS.make_image, path, *opts)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def generation(self, job_dir, number, nprocs=1, damage_vpid=None, damage="page", job="job1"):
        gen = os.path.join(job_dir, "gen-%06d" % number)
        for vpid in range(1, nprocs + 1):
            opts = ["--vpid", str(vpid), "--generation", str(number), "--nprocs", str(nprocs),
                    "--job", job]
            if vpid == damage_vpid:
                opts += ["--damage", damage]
            self.image(os.path.join(gen, "app.node1.%d.ckpt" % vpid), *opts)
        return gen


class OptionErrors(CliCase):
    def test_unknown_option_exits_2_with_hint(self):
        for sub in ("checkpoint", "restart", "verify", "coordinator", "status"):
            r = self.ckpt(sub, "--no-such-option", *(["x"] if sub in ("restart", "verify") else []))
            self.assertEqual(r.returncode, 2, (sub, r.stderr))
            self.assertIn("--no-such-option", r.stderr)
            self.assertIn("run 'ckpt %s --help'" % sub, r.stderr)

    def test_unknown_launch_option_before_program(self):
        r = self.ckpt("launch", "--no-such-option", "true")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("unknown option '--no-such-option'", r.stderr)
        self.assertIn("run 'ckpt launch --help'", r.stderr)

    def test_help_exits_0_with_example(self):
        for sub in ("launch", "restart", "checkpoint", "status", "kill", "interval", "quit",
                    "inspect", "verify", "coordinator"):
            r = self.ckpt(sub, "--help")
            self.assertEqual(r.returncode, 0, sub)
            self.assertIn("Example", r.stdout, sub)
        self.assertIn("--dry-run", self.ckpt("restart", "--help").stdout)
        self.assertIn("--lazy", self.ckpt("restart", "--help").stdout)
        for flag in ("--forked", "--incremental", "--compress"):
            self.assertIn(flag, self.ckpt("checkpoint", "--help").stdout)
            self.assertIn(flag, self.ckpt("launch", "--help").stdout)

    def test_no_subcommand(self):
        r = self.ckpt()
        self.assertEqual(r.returncode, 2)
        self.assertIn("run 'ckpt --help'", r.stderr)


class Coordinator(CliCase):
    def test_checkpoint_without_coordinator_names_address(self):
        port = closed_port()
        r = self.ckpt("checkpoint", "--coord-port", str(port))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(),
                         "ckpt checkpoint: no coordinator at localhost:%d (connection refused); "
                         "start one with 'ckpt coordinator' or set CKPT_COORD_PORT" % port)

    def test_address_from_environment(self):
        port = closed_port()
        r = self.ckpt("status", env={"DMTCP_COORD_HOST": "127.0.0.1",
                                     "DMTCP_COORD_PORT": str(port)})
        self.assertEqual(r.returncode, 1)
        self.assertIn("no coordinator at 127.0.0.1:%d" % port, r.stderr)
        r = self.ckpt("status", env={"CKPT_COORD_PORT": str(port), "DMTCP_COORD_PORT": "1"})
        self.assertIn("localhost:%d" % port, r.stderr)

    def test_dmtcp_command(self):
        port = closed_port()
        r = self.alias("dmtcp_command", "-p", str(port), "-bc")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no coordinator at localhost:%d" % port, r.stderr)
        r = self.alias("dmtcp_command", "--bogus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option '--bogus'", r.stderr)

    def test_dmtcp_launch_spelling(self):
        port = closed_port()
        r = self.alias("dmtcp_launch", "-j", "-h", "127.0.0.1", "-p", str(port), "true")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no coordinator at 127.0.0.1:%d" % port, r.stderr)
        r = self.alias("dmtcp_launch", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("-h,--coord-host", r.stdout)

    def test_launch_join_without_coordinator(self):
        port = closed_port()
        r = self.ckpt("launch", "-j", "--coord-port", str(port), "--ckptdir", self.tmp, "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no coordinator at localhost:%d" % port, r.stderr)


class Launch(CliCase):
    def test_static_program_refused(self):
        r = self.ckpt("launch", ARGS.static_program)
        self.assertEqual(r.returncode, 1)
        self.assertIn(ARGS.static_program, r.stderr)
        self.assertIn("statically linked", r.stderr)

    def test_missing_program(self):
        r = self.ckpt("launch", "no-such-program-ckpt-test")
        self.assertEqual(r.returncode, 1)
        self.assertIn("'no-such-program-ckpt-test' not found", r.stderr)

    def test_double_dash_before_program(self):
        r = self.ckpt("launch", "--", "no-such-program-ckpt-test", "--", "-x")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("'no-such-program-ckpt-test' not found", r.stderr)
        r = self.alias("dmtcp_launch", "-j", "-p", str(closed_port()), "--", "true")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no coordinator at", r.stderr)

    def test_plugins(self):
        r = self.ckpt("launch", "--with-plugin", "nosuchplugin", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("plugin 'nosuchplugin' not found", r.stderr)
        template = os.path.join(os.path.dirname(os.path.realpath(ARGS.ckpt)), "..", "lib", "ckpt",
                                "plugins", "template.so")
        if not os.path.exists(template):
            self.skipTest("the template plugin is not built")
        # A bare name is looked up as lib<name>.so in LD_LIBRARY_PATH.
        plugin = os.path.join(self.tmp, "libckpt_demo.so")
        shutil.copy(template, plugin)
        r = self.ckpt("launch", "--no-default-plugins", "--with-plugin", "demo",
                      "--list-plugins", env={"LD_LIBRARY_PATH": self.tmp})
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [l.split() for l in r.stdout.splitlines() if l[:1].isdigit()]
        self.assertEqual(rows, [["500", "template", "native", plugin]], r.stdout)
        # The pid plugin is loaded by default; --no-pid-virtualization leaves it out.
        pid_plugin = os.path.realpath(os.path.join(os.path.dirname(template), "pid.so"))
        r = self.ckpt("launch", "--with-plugin", "demo", "--list-plugins",
                      env={"LD_LIBRARY_PATH": self.tmp})
        rows = [l.split() for l in r.stdout.splitlines() if l[:1].isdigit()]
        self.assertIn(["900", "pid", "native", pid_plugin], rows, r.stdout)
        default_dir = os.path.dirname(pid_plugin)
        self.assertIn(["40", "socket", "native", os.path.join(default_dir, "socket.so")], rows)
        r = self.ckpt("launch", "--no-pid-virtualization", "--with-plugin", "demo",
                      "--list-plugins", env={"LD_LIBRARY_PATH": self.tmp})
        rows = [l.split() for l in r.stdout.splitlines() if l[:1].isdigit()]
        self.assertNotIn(["900", "pid", "native", pid_plugin], rows, r.stdout)
        self.assertIn(["500", "template", "native", plugin], rows, r.stdout)
        # --with-plugin takes one value: PROG after it is not a plugin.
        r = self.ckpt("launch", "--no-default-plugins", "--list-plugins", "--with-plugin", plugin,
                      "true", "x")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len([l for l in r.stdout.splitlines() if l[:1].isdigit()]), 1)
        # Built-in plugins are preloaded by default, after the user's, pid last;
        # --no-pid-virtualization leaves pid out.
        pdir = os.path.dirname(template)
        defaults = [os.path.realpath(os.path.join(pdir, n + ".so")) for n in ("socket", "ipc", "pid")]
        defaults = [d for d in defaults if os.path.exists(d)]
        r = self.ckpt("launch", "--list-plugins", "--with-plugin", plugin, "true")
        self.assertEqual(r.returncode, 0, r.stderr)
        paths = [os.path.realpath(l.split()[-1]) for l in r.stdout.splitlines() if l[:1].isdigit()]
        self.assertEqual(sorted(paths), sorted([os.path.realpath(plugin)] + defaults), r.stdout)
        r = self.ckpt("launch", "--list-plugins", "--no-pid-virtualization", "true")
        paths = [os.path.basename(l.split()[-1]) for l in r.stdout.splitlines() if l[:1].isdigit()]
        self.assertNotIn("pid.so", paths, r.stdout)
        # A file that is not a loadable library is refused with a message.
        bogus = os.path.join(self.tmp, "libckpt_bogus.so")
        open(bogus, "w").close()
        r = self.ckpt("launch", "--list-plugins", "--with-plugin", bogus, "true")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(bogus, r.stderr)


class LaunchEnvironment(CliCase):
    """Needs the real libckpt.so next to the binary: the launched shell joins the coordinator."""

    def port_closed(self, port, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) != 0:
                    return True
            time.sleep(0.05)
        return False

    def test_new_coordinator_env_and_exec(self):
        port_file = os.path.join(self.tmp, "port")
        ckdir = os.path.join(self.tmp, "ck", "sub")
        script = 'echo "pid=$$"; echo "args=$*"; env | grep -E "^(CKPT_|LD_PRELOAD=)" | sort'
        p = subprocess.Popen([ARGS.ckpt, "launch", "--new-coordinator", "--coord-port", "0",
                              "--port-file", port_file, "--ckptdir", ckdir, "--job-id", "jobX",
                              "--signal", "40", "--log", "debug", "sh", "-c", script, "sh",
                              "--", "-a", "b c"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        env = dict(l.split("=", 1) for l in out.splitlines())
        port = int(open(port_file).read())
        self.assertEqual(env["pid"], str(p.pid), "launch must exec in place")
        self.assertEqual(env["args"], "-- -a b c")
        self.assertEqual(env["CKPT_COORD_PORT"], str(port))
        self.assertEqual(env["CKPT_COORD_HOST"], "localhost")
        self.assertEqual(env["CKPT_CKPTDIR"], ckdir)
        self.assertEqual(env["CKPT_JOB_ID"], "jobX")
        self.assertEqual(env["CKPT_SIGNAL"], "40")
        self.assertEqual(env["CKPT_LOG"], "debug")
        self.assertIn(" PU", env["CKPT_HWLOC_SUMMARY"])
        preload = env["LD_PRELOAD"].split(":")
        self.assertTrue(preload[0].endswith("/lib/ckpt/libckpt.so"), env["LD_PRELOAD"])
        self.assertTrue(all("/lib/ckpt/plugins/" in p for p in preload[1:]), env["LD_PRELOAD"])
        self.assertEqual(os.path.basename(preload[-1]), "pid.so",
                         "the pid plugin is loaded by default, last")
        self.assertEqual(os.stat(ckdir).st_mode & 0o777, 0o700)
        self.assertTrue(self.port_closed(port), "coordinator must exit after its last member")

    def test_join_existing_coordinator_sets_interval(self):
        port_file = os.path.join(self.tmp, "port")
        r = self.ckpt("coordinator", "--daemon", "--port", "0", "--port-file", port_file,
                      "--ckptdir", self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            r = self.ckpt("launch", "-j", "--port-file", port_file, "--interval", "77", "true")
            self.assertEqual(r.returncode, 0, r.stderr)
            status = self.ckpt("status", "--json", "--port-file", port_file)
            self.assertEqual(status.returncode, 0, status.stderr)
            self.assertEqual(json.loads(status.stdout)["interval"], 77)
        finally:
            r = self.ckpt("quit", "--port-file", port_file)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_status_shows_each_members_modes(self):
        port_file = os.path.join(self.tmp, "port")
        r = self.ckpt("coordinator", "--daemon", "--port", "0", "--port-file", port_file,
                      "--ckptdir", self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        members = []
        try:
            for modes in (["--forked", "--compress"], [], ["--compress-lz4"]):
                members.append(subprocess.Popen(
                    [ARGS.ckpt, "launch", "-j", "--port-file", port_file] + modes +
                    ["sleep", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            deadline = time.time() + 20
            while True:
                status = json.loads(self.ckpt("status", "--json", "--port-file", port_file).stdout)
                if len(status["members"]) == 3 or time.time() > deadline:
                    break
                time.sleep(0.1)
            by_pid = {m["pid"]: m["modes"] for m in status["members"]}
            self.assertEqual(by_pid.get(members[0].pid), ["forked", "compress"], status)
            self.assertEqual(by_pid.get(members[1].pid), [], status)
            self.assertEqual(by_pid.get(members[2].pid), ["compress", "lz4"], status)
            table = self.ckpt("status", "--port-file", port_file).stdout
            self.assertIn("forked,compress", table)
        finally:
            for p in members:
                p.kill()
                p.wait()
            r = self.ckpt("quit", "--port-file", port_file)
            self.assertEqual(r.returncode, 0, r.stderr)


class VerifyInspect(CliCase):
    def test_verify_good_image(self):
        path = os.path.join(self.tmp, "g", "app.node1.1.ckpt")
        self.image(path)
        r = self.ckpt("verify", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "OK " + path)

    def test_verify_json(self):
        good = os.path.join(self.tmp, "g", "app.node1.1.ckpt")
        bad = os.path.join(self.tmp, "b", "app.node1.1.ckpt")
        self.image(good)
        self.image(bad, "--damage", "page")
        r = self.ckpt("verify", "--json", good, bad)
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertFalse(doc["ok"])
        self.assertEqual([(c["path"], c["ok"]) for c in doc["checks"]], [(good, True), (bad, False)])
        self.assertIn("checksum mismatch", doc["checks"][1]["error"])
        r = self.ckpt("verify", "--json", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["ok"])

    def test_verify_damaged_images(self):
        expected = {
            "truncate": "truncated: 12288 bytes, header says",
            "page": "region 1 (0x600000-0x608000 [heap]) checksum mismatch",
            "magic": "not a ckpt image (bad magic)",
            "version": "format version 9 is newer than this ckpt (1)",
            "arch": "image for arch 3, this is x86_64",
            "region-table": "region table checksum mismatch",
        }
        for kind, text in expected.items():
            path = os.path.join(self.tmp, kind, "app.node1.1.ckpt")
            self.image(path, "--damage", kind)
            r = self.ckpt("verify", path)
            self.assertEqual(r.returncode, 1, kind)
            self.assertTrue(r.stderr.startswith("ckpt verify: %s: %s" % (path, text)), kind)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, kind)

    def test_verify_many_paths_one_line_each(self):
        job = os.path.join(self.tmp, "job1")
        self.generation(job, 1, nprocs=2)
        self.generation(job, 2, nprocs=2, damage_vpid=2)
        r = self.ckpt("verify", job)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stdout.splitlines()), 3, r.stdout)
        self.assertIn("gen-000002/app.node1.2.ckpt: region 1", r.stderr)

    def test_inspect_json_image(self):
        path = os.path.join(self.tmp, "g", "app.node1.3.ckpt")
        crc = self.image(path, "--vpid", "3")
        r = self.ckpt("inspect", "--json", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["header"]["vpid"], 3)
        self.assertEqual(doc["header"]["header_crc"], crc)
        self.assertEqual(doc["regions"][1]["start"], "0x600000")
        self.assertEqual(doc["regions"][1]["prot"], "rw-p")
        self.assertEqual(doc["regions"][1]["flags"], ["heap"])
        self.assertEqual(doc["regions"][1]["saved_pages"], 5)
        self.assertEqual(doc["threads"][1]["name"], "ckpt")
        self.assertEqual(doc["sections"][0]["name"], "core.process")
        text = self.ckpt("inspect", path)
        self.assertEqual(text.returncode, 0)
        self.assertIn("[heap]", text.stdout)

    def test_inspect_generation_dir(self):
        gen = self.generation(os.path.join(self.tmp, "job1"), 4, nprocs=2)
        r = self.ckpt("inspect", "--json", gen)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([i["header"]["vpid"] for i in doc["images"]], [1, 2])
        self.assertEqual(doc["images"][0]["header"]["generation"], 4)


class RestartSelection(CliCase):
    def dry_run(self, *paths):
        return self.ckpt("restart", "--dry-run", *paths)

    def test_newest_corrupt_generation_is_skipped(self):
        job = os.path.join(self.tmp, "job1")
        self.generation(job, 1, nprocs=2)
        self.generation(job, 2, nprocs=2, damage_vpid=1)
        os.symlink("gen-000002", os.path.join(job, "latest"))
        r = self.dry_run(job)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ckpt restart: skipping gen-000002: ", r.stderr)
        self.assertIn("app.node1.1.ckpt: region 1 (0x600000-0x608000 [heap]) checksum mismatch",
                      r.stderr)
        self.assertIn("ckpt restart: generation 1 of job job1: 2 process(es) from " +
                      os.path.join(job, "gen-000001"), r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn("generation 1", lines)
        self.assertIn("ckptdir " + self.tmp, lines)
        self.assertEqual([l for l in lines if l.startswith("image ")],
                         ["image " + os.path.join(job, "gen-000001", "app.node1.%d.ckpt" % v)
                          for v in (1, 2)])

    def test_partial_generation_is_ignored(self):
        job = os.path.join(self.tmp, "job1")
        self.generation(job, 1)
        self.image(os.path.join(job, "gen-000002.partial", "app.node1.1.ckpt"),
                   "--generation", "2")
        r = self.dry_run(job)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("generation 1", r.stdout.splitlines())
        self.assertNotIn("skipping", r.stderr)

    def test_no_valid_generation(self):
        job = os.path.join(self.tmp, "job1")
        self.generation(job, 1, damage_vpid=1, damage="truncate")
        self.generation(job, 2, damage_vpid=1, damage="version")
        r = self.dry_run(job)
        self.assertEqual(r.returncode, 1)
        self.assertIn("skipping gen-000002: ", r.stderr)
        self.assertIn("skipping gen-000001: ", r.stderr)
        self.assertIn("ckpt restart: %s: no generation verifies" % job, r.stderr)

    def test_missing_image_of_generation(self):
        gen = self.generation(os.path.join(self.tmp, "job1"), 3, nprocs=2)
        os.unlink(os.path.join(gen, "app.node1.2.ckpt"))
        r = self.dry_run(gen)
        self.assertEqual(r.returncode, 1)
        self.assertIn("1 image(s) found, the generation has 2 process(es)", r.stderr)

    def test_index_lists_a_deleted_image(self):
        gen = self.generation(os.path.join(self.tmp, "job1"), 6, nprocs=2)
        r = run(ARGS.make_image, "--index", gen)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.dry_run(gen).returncode, 0)
        doc = json.loads(self.ckpt("inspect", "--json", gen).stdout)
        self.assertTrue(doc["has_index"])
        self.assertEqual(doc["index"]["generation"], 6)
        self.assertEqual([i["index_row"]["vpid"] for i in doc["images"]], [1, 2])
        os.unlink(os.path.join(gen, "app.node1.2.ckpt"))
        r = self.dry_run(gen)
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.join(gen, "app.node1.2.ckpt") + ": missing (listed in index.h5)",
                      r.stderr)

    def test_index_checksum_mismatch(self):
        gen = self.generation(os.path.join(self.tmp, "job1"), 7)
        self.assertEqual(run(ARGS.make_image, "--index", gen).returncode, 0)
        # Same layout, different contents: valid on its own, but not the image the index lists.
        self.image(os.path.join(gen, "app.node1.1.ckpt"), "--generation", "7", "--job", "job1",
                   "--parent-vpid", "5")
        r = self.ckpt("verify", gen)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not match index.h5", r.stderr)

    def test_image_files(self):
        gen = self.generation(os.path.join(self.tmp, "job1"), 5, nprocs=1)
        r = self.dry_run(os.path.join(gen, "app.node1.1.ckpt"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("generation 5", r.stdout.splitlines())
        r = self.dry_run(os.path.join(self.tmp, "nothing-here"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing-here: no such file or directory", r.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--make-image", required=True)
    parser.add_argument("--static-program", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
