"""The Debian package (issue 15): `make deb` builds dist/awsmfa_VERSION_ARCH.deb from the release
build, lintian reports no error, `dpkg -i` installs it, the installed awsmfa runs (`--help`,
`--version`), `man -w awsmfa` finds its page, the installed bash completion (loaded on demand by
bash-completion, as in a user's shell) completes a profile, and `dpkg --purge` leaves none of its
files behind.

It installs into the running system, so it refuses to run when an awsmfa package is already
installed (it would replace the user's); CI machines are fresh.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.search(r'string = "([^"]+)"', (ROOT / "Sources/AWSMFAKit/Version.swift").read_text())[1]
EXPECTED_FILES = [
    "/usr/bin/awsmfa",
    "/usr/libexec/awsmfa/awsmfa-cli",
    "/usr/share/awsmfa/shell/awsmfa.bash",
    "/usr/share/awsmfa/shell/awsmfa.zsh",
    "/usr/share/awsmfa/shell/awsmfa.fish",
    "/usr/share/bash-completion/completions/awsmfa",
    "/usr/share/zsh/vendor-completions/_awsmfa",
    "/usr/share/fish/vendor_completions.d/awsmfa.fish",
    "/usr/share/man/man1/awsmfa.1.gz",
    "/usr/share/doc/awsmfa/copyright",
    "/usr/share/doc/awsmfa/changelog.gz",
]


def run(args, **kwargs):
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if args[0] in ("dpkg",):
        args = sudo + args
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def installed() -> bool:
    status = run(["dpkg-query", "-W", "-f=${Status}", "awsmfa"])
    return status.returncode == 0 and "install ok installed" in status.stdout


@pytest.fixture(scope="module")
def deb() -> Path:
    # Under `make test` this is a sub-make, which prints "Entering/Leaving directory" lines.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    built = subprocess.run(["make", "--no-print-directory", "deb"], cwd=ROOT, capture_output=True,
                           text=True, timeout=2400, env=env)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-4000:]
    printed = [line for line in built.stdout.splitlines() if re.fullmatch(r"dist/\S+\.deb", line)]
    assert printed, built.stdout[-2000:]
    path = ROOT / printed[-1]
    assert path.name == f"awsmfa_{VERSION}_{run(['dpkg', '--print-architecture']).stdout.strip()}.deb"
    assert path.is_file()
    return path


def test_the_package_holds_what_debian_expects_and_lintian_finds_no_error(deb):
    fields = run(["dpkg-deb", "-f", str(deb)]).stdout
    assert f"Version: {VERSION}" in fields
    depends = re.search(r"^Depends: (.*)$", fields, re.M)[1]
    for package in ("libkeyutils1", "libqrencode4", "libssl3", "libc6"):
        assert package in depends, depends
    # The binaries use packed relative relocations, which glibc reads from 2.36 on.
    assert "libc6 (>= 2.36)" in depends, depends
    assert re.search(r"^Recommends: pcscd, libpcsclite1$", fields, re.M), fields
    contents = run(["dpkg-deb", "-c", str(deb)]).stdout
    for path in EXPECTED_FILES:
        assert "." + path in contents, path
    lintian = run(["lintian", "--fail-on", "error", "--no-tag-display-limit", str(deb)], timeout=600)
    errors = [line for line in lintian.stdout.splitlines() if line.startswith("E:")]
    assert lintian.returncode == 0 and not errors, lintian.stdout + lintian.stderr


def test_install_use_and_remove_leave_the_system_clean(deb, tmp_path):
    assert not installed(), "an awsmfa package is installed already; this test would replace it"
    try:
        done = run(["dpkg", "-i", str(deb)], timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert installed()
        for path in EXPECTED_FILES:
            assert os.path.exists(path), path

        help_text = subprocess.run(["/usr/bin/awsmfa", "--help"], capture_output=True, text=True)
        assert help_text.returncode == 0 and "env" in help_text.stdout and "serve" in help_text.stdout
        version = subprocess.run(["/usr/bin/awsmfa", "--version"], capture_output=True, text=True)
        assert version.stdout.strip() == VERSION, version
        # No run path: the loader goes straight to the system's libraries on every start.
        for binary in ("/usr/bin/awsmfa", "/usr/libexec/awsmfa/awsmfa-cli"):
            dynamic = run(["readelf", "-d", binary]).stdout
            assert "RUNPATH" not in dynamic and "RPATH" not in dynamic, dynamic

        manual = subprocess.run(["man", "-w", "awsmfa"], capture_output=True, text=True)
        assert manual.stdout.strip() == "/usr/share/man/man1/awsmfa.1.gz", manual
        rendered = subprocess.run(["man", "-P", "cat", "awsmfa"], capture_output=True, text=True,
                                  env=dict(os.environ, MANWIDTH="100"))
        page = rendered.stdout.replace("\u2010", "-")
        for heading in ("COMMANDS", "CONFIGURATION", "EXIT STATUS", "FILES"):
            assert heading in page, heading
        assert "awsmfa exec PROFILE" in page and "--server" in page and "AWS_CA_BUNDLE" in page

        # A user's bash: bash-completion loads /usr/share/bash-completion/completions/awsmfa on the
        # first TAB after `awsmfa`; the profiles come from the installed awsmfa.
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "config").write_text(
            "[profile team-alpha]\nregion = eu-west-1\n\n[profile team-beta]\n\n[profile other]\n")
        script = (
            "source /usr/share/bash-completion/bash_completion\n"
            "_completion_loader awsmfa 2>/dev/null || __load_completion awsmfa\n"
            "COMP_WORDS=(awsmfa env team-); COMP_CWORD=2; COMP_LINE='awsmfa env team-'\n"
            "COMP_POINT=${#COMP_LINE}\n"
            "fn=$(complete -p awsmfa | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')\n"
            "\"$fn\" awsmfa team- env\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
        env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "TERM": "dumb"}
        completed = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                                   capture_output=True, text=True, env=env, timeout=30)
        assert sorted(completed.stdout.split()) == ["team-alpha", "team-beta"], completed
    finally:
        purged = run(["dpkg", "--purge", "awsmfa"], timeout=300)
        assert purged.returncode == 0, purged.stdout + purged.stderr
    assert not installed()
    for path in EXPECTED_FILES + ["/usr/libexec/awsmfa", "/usr/share/awsmfa", "/usr/share/doc/awsmfa"]:
        assert not os.path.exists(path), f"{path} is left after dpkg --purge"
