"""Packaging: `make install`'s rules (cmake --install) put a working server, its man page,
an example configuration and a systemd unit under the prefix, and the man page documents
every option that --help lists."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from wshub_testlib import WSHUB_BIN, main

BUILD_DIR = os.path.dirname(os.path.abspath(WSHUB_BIN))
SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))


def install(prefix, destdir=None):
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if destdir:
        env["DESTDIR"] = destdir
    subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix, "--component", "server"],
                   check=True, env=env, capture_output=True, timeout=60)


class Install(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wshub-install-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_prefix_holds_a_working_server_and_its_files(self):
        prefix = os.path.join(self.tmp, "opt")
        install(prefix)
        binary = os.path.join(prefix, "bin", "wshub")
        self.assertTrue(os.access(binary, os.X_OK))
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        self.assertEqual(version.returncode, 0)
        self.assertIn("0.", version.stdout)
        example = os.path.join(prefix, "share", "doc", "wshub", "wshub.example.toml")
        check = subprocess.run([binary, "--check-config", example], capture_output=True, text=True, timeout=10)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertTrue(os.path.isfile(os.path.join(prefix, "share", "doc", "wshub", "nginx.conf")))
        self.assertTrue(os.path.isfile(os.path.join(prefix, "share", "man", "man1", "wshub.1")))
        unit = open(os.path.join(prefix, "lib", "systemd", "system", "wshub.service")).read()
        self.assertIn(f"ExecStart={binary} --config /etc/wshub/wshub.toml", unit)
        self.assertNotIn("@", unit.split("[Service]")[1].split("\n")[1])

    def test_destdir_stages_without_changing_the_paths_inside(self):
        stage = os.path.join(self.tmp, "stage")
        install("/usr/local", destdir=stage)
        self.assertTrue(os.access(os.path.join(stage, "usr/local/bin/wshub"), os.X_OK))
        unit = open(os.path.join(stage, "usr/local/lib/systemd/system/wshub.service")).read()
        self.assertIn("ExecStart=/usr/local/bin/wshub --config", unit)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
    def test_systemd_accepts_the_unit(self):
        prefix = os.path.join(self.tmp, "opt")
        install(prefix)
        unit = os.path.join(prefix, "lib", "systemd", "system", "wshub.service")
        # verify loads the unit as systemd would: unknown keys, bad values and a missing
        # ExecStart binary are errors. Without a running systemd it may complain about the
        # environment (no bus), which is not about the unit: only lines naming it count.
        # It also runs `man wshub` for Documentation=: the page is under the prefix.
        env = dict(os.environ, MANPATH=os.path.join(prefix, "share", "man"))
        result = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True, timeout=60,
                                env=env)
        problems = [line for line in (result.stdout + result.stderr).splitlines() if "wshub.service" in line]
        self.assertEqual(problems, [])


class Dockerfile(unittest.TestCase):
    # debian:12-slim has these already.
    BASE = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g"}

    @unittest.skipUnless(shutil.which("ldd") and shutil.which("dpkg"), "needs ldd and dpkg")
    def test_runtime_stage_installs_every_library_the_binary_links(self):
        """The image cannot be built here (no container engine), so its one way to go wrong
        silently is checked: a shared library wshub links that the runtime stage lacks."""
        ldd = subprocess.run(["ldd", WSHUB_BIN], capture_output=True, text=True, timeout=10, check=True).stdout
        packages = set()
        for path in re.findall(r"=> (/\S+)", ldd):
            owner = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True)
            if owner.returncode == 0:
                packages.add(owner.stdout.split(":")[0])
        self.assertIn("libssl3", packages)
        text = open(os.path.join(SOURCE_DIR, "packaging", "Dockerfile")).read()
        runtime = text.split("FROM debian:12-slim\n", 1)[1]
        missing = sorted(p for p in packages - self.BASE if p not in runtime.split())
        self.assertEqual(missing, [], "libraries linked by wshub but not installed by the Dockerfile's runtime stage")


class ManPage(unittest.TestCase):
    def test_every_option_of_help_is_documented(self):
        help_text = subprocess.run([WSHUB_BIN, "--help"], capture_output=True, text=True, timeout=10).stdout
        options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", help_text))
        self.assertIn("--config", options)
        page = open(os.path.join(SOURCE_DIR, "docs", "wshub.1")).read().replace("\\-", "-")
        missing = sorted(o for o in options if o not in page)
        self.assertEqual(missing, [], "options in --help but not in docs/wshub.1")


if __name__ == "__main__":
    main("Packaging: make install, systemd unit, man page")
