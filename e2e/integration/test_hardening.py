"""Hardening against hostile config, environment and surroundings (issue 11, contract points 7 and
10-15): hostile regions make no connection, control characters never reach the terminal raw,
no HOME means the password database's home, mfa_process is bounded in time and killed as a group,
an unsafe lock directory is refused with a warning, dotenv output reads back exactly in sh and
python-dotenv, and children get the user's core limit and no stray file descriptors (and, beyond
the contract's words, no blocked or ignored standard signal a plain child would not have).

Every awsmfa run here writes stdout/stderr to files, not pipes: a lingering grandchild (the
mfa_process tests) holding a pipe open would otherwise keep the test waiting after awsmfa exited.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import signal
import shlex
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

# botocore's region pattern (contract point 7).
VALID_REGION = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$")
# C0 controls but LF, DEL, C1: never raw in anything awsmfa shows (contract point 2).
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")
MARKER_VAR = "AWSMFA_TEST_MARKER"


@dataclass
class Done:
    returncode: int | None      # None: killed by the test after `timeout`
    stdout: str
    stderr: str
    elapsed: float

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()


def launch(argv: list[str], env: dict, timeout: float, cwd=None) -> Done:
    """Runs argv in a new session with stdout/stderr in files; kills its process group after
    `timeout` seconds (returncode None then)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
            code = None
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Done(code, out.read().decode("utf-8", "surrogateescape"),
                    err.read().decode("utf-8", "surrogateescape"), elapsed)


def base_env(aws_home: dict, keyring_name: str, **extra) -> dict:
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    env.update(extra)
    return env


def append(path: str, text: str):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def add_mfa_profile(aws_home: dict, sts, name: str, region: str | None = None, extra: str = ""):
    """[profile NAME] with alice's keys and MFA device (no role)."""
    region_line = f"region = {region}\n" if region is not None else ""
    # botocore splits `[profile …]` with shlex: quoting keeps the name exactly (credentials file
    # headers are taken as they stand).
    append(aws_home["AWS_CONFIG_FILE"],
           f"\n[profile {shlex.quote(name)}]\n{region_line}mfa_serial = {sts.mfa_serial}\n{extra}")
    append(aws_home["AWS_SHARED_CREDENTIALS_FILE"],
           f"\n[{name}]\naws_access_key_id = {sts.access_key_id}\n"
           f"aws_secret_access_key = {sts.secret_access_key}\n")


def assert_refused(done: Done, code: int = 78):
    assert done.returncode == code, (done.returncode, done.stderr)
    assert done.stdout == "", "a refused run prints nothing for eval"
    assert done.stderr.endswith("\n") and len(done.lines) == 1, done.stderr


# ---------------------------------------------------------------------------------------------
# 7: a region outside botocore's pattern is refused before any connection.

@pytest.fixture
def listener():
    """A socket listening on 127.0.0.1:9999 (another free port if 9999 is taken): whatever
    connects to it is found in its accept queue afterwards."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", 9999))
    except OSError:
        sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def region_env(aws_home, keyring_name, *, gate: bool, **extra) -> dict:
    """No ambient region; the endpoint is the gate, or (gate=False) whatever the region makes."""
    env = {k: v for k, v in base_env(aws_home, keyring_name).items()
           if k not in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")}
    if gate:
        env["AWS_ENDPOINT_URL"] = aws_home["AWS_ENDPOINT_URL"]
    env["AWSMFA_HTTP_TIMEOUT"] = "5"
    env.update(extra)
    return env


@pytest.mark.parametrize("gate", [False, True], ids=["regional-endpoint", "gate-endpoint"])
def test_hostile_profile_region_is_refused_without_a_connection(gate, awsmfa_bin, aws_home, keyring_name,
                                                                 sts, listener):
    port = listener.getsockname()[1]
    region = f"x@127.0.0.1:{port}/#"
    assert not VALID_REGION.match(region)
    add_mfa_profile(aws_home, sts, "evil", region=region)
    env = region_env(aws_home, keyring_name, gate=gate)
    done = launch([awsmfa_bin, "env", "evil", "--code", sts.totp()], env, timeout=30)
    assert_refused(done)
    assert "region" in done.stderr
    assert connections(listener) == 0, "the hostile region reached 127.0.0.1"
    assert sts.requests() == [], "the hostile region reached the gate"


@pytest.mark.parametrize("variable", ["AWS_DEFAULT_REGION"])
@pytest.mark.parametrize("gate", [False, True], ids=["regional-endpoint", "gate-endpoint"])
def test_hostile_region_variable_is_refused_without_a_connection(variable, gate, awsmfa_bin, aws_home,
                                                                  keyring_name, sts, listener):
    port = listener.getsockname()[1]
    add_mfa_profile(aws_home, sts, "plain")        # no region of its own
    env = region_env(aws_home, keyring_name, gate=gate, **{variable: f"x@127.0.0.1:{port}/#"})
    done = launch([awsmfa_bin, "env", "plain", "--code", sts.totp()], env, timeout=30)
    assert_refused(done)
    assert variable in done.stderr, "the error names where the region came from"
    assert connections(listener) == 0
    assert sts.requests() == []


def test_aws_region_is_not_read_as_botocore_does_not(awsmfa_bin, aws_home, keyring_name, sts, listener):
    # botocore (the AWS CLI v1) reads AWS_DEFAULT_REGION and the profile, never AWS_REGION: a hostile
    # AWS_REGION names no host and so reaches nothing.
    port = listener.getsockname()[1]
    add_mfa_profile(aws_home, sts, "plain")
    env = region_env(aws_home, keyring_name, gate=True, AWS_REGION=f"x@127.0.0.1:{port}/#")
    done = launch([awsmfa_bin, "__resolve", "plain"], env, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "127.0.0.1:" + str(port) not in done.stdout
    assert connections(listener) == 0


EDGE_REGIONS = ["-us-east-1", "us-east-1-", "12345", "a" * 64, "us_east_1", "us-east-1.evil.example",
                "eu-west-1$(touch CANARY)", "us-ea\u00dft-1"]


@pytest.mark.parametrize("region", EDGE_REGIONS)
def test_regions_outside_botocores_pattern_are_refused(region, awsmfa_bin, aws_home, keyring_name, sts,
                                                       tmp_path):
    assert not VALID_REGION.match(region)
    add_mfa_profile(aws_home, sts, "edge", region=region.replace("CANARY", str(tmp_path / "CANARY")))
    done = launch([awsmfa_bin, "env", "edge", "--code", sts.totp()],
                  region_env(aws_home, keyring_name, gate=True), timeout=30, cwd=tmp_path)
    assert_refused(done)
    assert sts.requests() == []
    assert not (tmp_path / "CANARY").exists()


def test_hostile_region_is_refused_even_with_cached_credentials(awsmfa_bin, aws_home, keyring_name, sts,
                                                                tmp_path):
    """The region turns hostile after a session was cached: the cached path refuses it too."""
    add_mfa_profile(aws_home, sts, "later", region="us-east-1")
    env = region_env(aws_home, keyring_name, gate=True)
    first = launch([awsmfa_bin, "env", "later", "--code", sts.totp(), "--format", "json"], env, timeout=60)
    assert first.returncode == 0, first.stderr
    config = Path(aws_home["AWS_CONFIG_FILE"])
    config.write_text(config.read_text().replace(
        "[profile later]\nregion = us-east-1\n", "[profile later]\nregion = x@127.0.0.1:9/#\n"))
    before = sts.count()
    for fmt in ("bash", "json"):
        done = launch([awsmfa_bin, "env", "later", "--format", fmt], env, timeout=30)
        assert_refused(done)
    assert sts.count() == before


# ---------------------------------------------------------------------------------------------
# 10: control characters from the config files are shown as \xNN by list, doctor and errors.

ESC_CSI = "\x1b[31m"
ESC_OSC = "\x1b]0;x\x07"


def visible(text: str) -> str:
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F else c for c in text)


def assert_no_raw_controls(done: Done, *expected_visible: str):
    for stream in (done.stdout, done.stderr):
        found = RAW_CONTROL.search(stream)
        assert found is None, f"raw control {found.group()!r} in {stream!r}"
    both = done.stdout + done.stderr
    assert "\\x1b" in both, both
    for fragment in expected_visible:
        assert fragment in both, (fragment, both)


@pytest.fixture
def escape_profiles(aws_home, sts):
    """Profiles whose names and values carry terminal escape sequences."""
    names = {"red": f"red{ESC_CSI}name", "osc": f"osc{ESC_OSC}title", "lost": f"lost{ESC_CSI}"}
    append(aws_home["AWS_CONFIG_FILE"],
           f"\n[profile {names['red']}]\nsource_profile = base\nrole_arn = {sts.role_arn}{ESC_OSC}\n"
           f"region = us-east-1\n"
           f"\n[profile {names['osc']}]\nregion = us-east-1\nmfa_serial = {sts.mfa_serial}{ESC_CSI}\n"
           f"\n[profile {names['lost']}]\nsource_profile = nope{ESC_OSC}\nrole_arn = {sts.role_arn}\n")
    append(aws_home["AWS_SHARED_CREDENTIALS_FILE"],
           f"\n[{names['osc']}]\naws_access_key_id = {sts.access_key_id}\n"
           f"aws_secret_access_key = {sts.secret_access_key}\n")
    return names


def test_list_shows_escape_sequences_visibly(escape_profiles, awsmfa_bin, aws_home, keyring_name, sts):
    done = launch([awsmfa_bin, "list"], base_env(aws_home, keyring_name), timeout=30)
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done, visible(escape_profiles["red"]), visible(escape_profiles["osc"]),
                           visible(sts.mfa_serial + ESC_CSI), visible(sts.role_arn + ESC_OSC),
                           visible("nope" + ESC_OSC))


@pytest.mark.parametrize("which", ["red", "osc", "lost"])
def test_doctor_shows_escape_sequences_visibly(which, escape_profiles, awsmfa_bin, aws_home, keyring_name,
                                               sts):
    env = base_env(aws_home, keyring_name, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    done = launch([awsmfa_bin, "doctor", escape_profiles[which]], env, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    expected = [visible(escape_profiles[which])]
    if which == "osc":
        expected.append(visible(sts.mfa_serial + ESC_CSI))
    if which == "lost":
        expected.append(visible("nope" + ESC_OSC))
    assert_no_raw_controls(done, *expected)


def test_error_line_shows_escape_sequences_visibly(escape_profiles, awsmfa_bin, aws_home, keyring_name):
    done = launch([awsmfa_bin, "env", escape_profiles["lost"], "--code", "123456"],
                  base_env(aws_home, keyring_name), timeout=30)
    assert_refused(done)
    assert_no_raw_controls(done, visible(escape_profiles["lost"]), visible("nope" + ESC_OSC))


# ---------------------------------------------------------------------------------------------
# 11: no HOME: the password database's home directory, never "~" relative to the cwd.

def homeless_env(aws_home: dict, keyring_name: str, **extra) -> dict:
    env = {k: v for k, v in base_env(aws_home, keyring_name).items()
           if k not in ("HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    env.update(extra)
    return env


def test_without_home_the_config_path_comes_from_the_password_database(awsmfa_bin, aws_home, keyring_name,
                                                                       tmp_path):
    home = pwd.getpwuid(os.getuid()).pw_dir
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    done = launch([awsmfa_bin, "env", "no-such-profile"], homeless_env(aws_home, keyring_name), timeout=30,
                  cwd=cwd)
    assert_refused(done)
    assert home.rstrip("/") + "/.aws/config" in done.stderr, done.stderr
    assert "~/.aws" not in done.stderr
    assert not (cwd / "~").exists() and os.listdir(cwd) == []


def test_without_home_doctor_reads_the_password_database_home(awsmfa_bin, aws_home, keyring_name, tmp_path):
    home = pwd.getpwuid(os.getuid()).pw_dir
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = homeless_env(aws_home, keyring_name, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    done = launch([awsmfa_bin, "doctor"], env, timeout=60, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    assert home.rstrip("/") + "/.aws/config" in done.stdout, done.stdout
    assert "~/.aws" not in done.stdout + done.stderr
    assert os.listdir(cwd) == []


def test_without_home_a_tilde_in_aws_config_file_is_the_password_database_home(awsmfa_bin, aws_home,
                                                                                keyring_name, tmp_path):
    home = pwd.getpwuid(os.getuid()).pw_dir
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    name = f"awsmfa-test-absent-{uuid.uuid4().hex[:8]}"
    env = homeless_env(aws_home, keyring_name, AWS_CONFIG_FILE=f"~/{name}/config")
    done = launch([awsmfa_bin, "env", "no-such-profile"], env, timeout=30, cwd=cwd)
    assert_refused(done)
    assert f"{home.rstrip('/')}/{name}/config" in done.stderr, done.stderr
    assert os.listdir(cwd) == []


# ---------------------------------------------------------------------------------------------
# 12: mfa_process is bounded by AWSMFA_MFA_PROCESS_TIMEOUT and killed as a process group.

def marked_processes(marker: str) -> list[int]:
    """Live (non-zombie) processes whose environment carries MARKER_VAR=marker."""
    wanted = f"{MARKER_VAR}={marker}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and wanted in environ.split(b"\0"):
            found.append(int(entry))
    return found


def gone_within(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def marker():
    """A marker in awsmfa's environment that its mfa_process and descendants inherit; whatever
    still carries it when the test ends is killed."""
    value = uuid.uuid4().hex
    yield value
    for pid in marked_processes(value):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


SLOW_PROCESSES = {
    "sleep": "sleep 30",
    "group": "sh -c 'sleep 30 & sleep 30; wait'",
    # The direct child dies of SIGTERM at once; a member that ignores it needs the SIGKILL.
    "term-ignoring-member": "sh -c '(trap \"\" TERM; exec sleep 30) & exec sleep 30'",
}


@pytest.mark.parametrize("kind", list(SLOW_PROCESSES))
def test_mfa_process_timeout_kills_the_process_group(kind, marker, awsmfa_bin, aws_home, keyring_name, sts):
    add_mfa_profile(aws_home, sts, "slowcode", region="us-east-1",
                    extra=f"mfa_process = {SLOW_PROCESSES[kind]}\n")
    env = base_env(aws_home, keyring_name, AWSMFA_MFA_PROCESS_TIMEOUT="2", **{MARKER_VAR: marker})
    done = launch([awsmfa_bin, "env", "slowcode"], env, timeout=15)
    assert done.returncode is not None, f"awsmfa still ran after 15 s; stderr: {done.stderr!r}"
    assert done.elapsed < 8, done.elapsed
    assert_refused(done, code=69)
    assert "mfa_process" in done.stderr and "within 2 s" in done.stderr, done.stderr
    assert gone_within(marker, 2) == [], "the mfa_process group outlived the timeout"
    assert sts.requests() == []


@pytest.mark.parametrize("newline", [False, True], ids=["bare-code", "code-and-newline"])
def test_mfa_process_code_is_used_though_the_process_lingers(newline, marker, awsmfa_bin, aws_home,
                                                             keyring_name, sts):
    code = sts.totp()
    say = f"echo {code}" if newline else f"printf %s {code}"
    add_mfa_profile(aws_home, sts, "lingering", region="us-east-1",
                    extra=f"mfa_process = sh -c '{say}; exec sleep 30'\n")
    # Without a newline the code is complete only at the deadline; with one, at once.
    limit = "4" if not newline else "20"
    env = base_env(aws_home, keyring_name, AWSMFA_MFA_PROCESS_TIMEOUT=limit, **{MARKER_VAR: marker})
    done = launch([awsmfa_bin, "env", "lingering", "--format", "json"], env, timeout=25)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.elapsed < 10, done.elapsed
    assert json.loads(done.stdout)["AccessKeyId"].startswith("ASIA")
    [request] = sts.requests("GetSessionToken")
    assert request["token_code"] == code
    assert gone_within(marker, 2) == [], "the rest of the mfa_process group was left running"


# ---------------------------------------------------------------------------------------------
# 13: an unsafe ${TMPDIR}/awsmfa-UID is refused with one warning; locking still works.

def prepare_lock_dir(state: str, tmpdir: Path) -> tuple[Path, Path]:
    """Creates TMPDIR/awsmfa-UID in `state`; returns it and the directory lock files would land in."""
    bad = tmpdir / f"awsmfa-{os.getuid()}"
    if state == "world-writable":
        bad.mkdir()
        os.chmod(bad, 0o777)
        return bad, bad
    if state == "symlink":
        target = tmpdir / "elsewhere"
        target.mkdir(mode=0o700)
        bad.symlink_to(target)
        return bad, target
    if state == "foreign-owner":
        if os.getuid() != 0:
            pytest.skip("needs root to hand a directory to nobody")
        bad.mkdir(mode=0o700)
        nobody = pwd.getpwnam("nobody")
        os.chown(bad, nobody.pw_uid, nobody.pw_gid)
        return bad, bad
    raise AssertionError(state)


def lock_env(aws_home, keyring_name, tmpdir: Path) -> dict:
    env = {k: v for k, v in base_env(aws_home, keyring_name).items()
           if k not in ("XDG_RUNTIME_DIR", "XDG_CACHE_HOME")}
    env["TMPDIR"] = str(tmpdir)
    return env


def assert_one_lock_warning(done: Done, bad: Path):
    warnings = [line for line in done.lines if line.startswith("awsmfa: warning:")]
    assert len(warnings) == 1 and str(bad) in warnings[0], done.stderr
    assert done.lines == warnings, f"only the warning on stderr: {done.stderr!r}"


def assert_fallback_used(aws_home: dict, lock_target: Path):
    locks = Path(aws_home["HOME"]) / ".cache" / "awsmfa" / "locks"
    assert locks.is_dir(), "the fallback lock directory was not created"
    assert os.stat(locks).st_mode & 0o777 == 0o700
    assert os.listdir(locks), "no lock file in the fallback directory"
    assert os.listdir(lock_target) == [], "something was put in the refused directory"


@pytest.mark.parametrize("state", ["world-writable", "symlink", "foreign-owner"])
def test_unsafe_lock_directory_warns_and_falls_back(state, awsmfa_bin, aws_home, keyring_name, sts,
                                                    tmp_path):
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    bad, target = prepare_lock_dir(state, tmpdir)
    done = launch([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"],
                  lock_env(aws_home, keyring_name, tmpdir), timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AccessKeyId"].startswith("ASIA")
    assert_one_lock_warning(done, bad)
    assert_fallback_used(aws_home, target)


@pytest.mark.parametrize("state", ["world-writable", "symlink", "foreign-owner"])
def test_unsafe_lock_directory_still_serialises_eight_refreshes(state, awsmfa_bin, aws_home, keyring_name,
                                                                sts, tmp_path):
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    bad, target = prepare_lock_dir(state, tmpdir)
    env = lock_env(aws_home, keyring_name, tmpdir)
    code = sts.totp()
    files = [(tempfile.TemporaryFile(), tempfile.TemporaryFile()) for _ in range(8)]
    procs = [subprocess.Popen([awsmfa_bin, "env", "admin", "--code", code, "--format", "json"], env=env,
                              stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
             for out, err in files]
    results = []
    try:
        for proc, (out, err) in zip(procs, files):
            rc = proc.wait(timeout=120)
            out.seek(0)
            err.seek(0)
            results.append((rc, out.read().decode(), err.read().decode()))
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for out, err in files:
            out.close()
            err.close()
    assert all(rc == 0 for rc, _, _ in results), results
    assert len({out for _, out, _ in results}) == 1, "every terminal got the same session"
    assert sts.count("GetSessionToken") == 1
    assert sts.count("AssumeRole") == 1
    # A process that starts after the first one stored the credentials is served from the
    # keyring and takes no lock, so it has nothing to warn about; every other one warns once.
    warned = 0
    for rc, out, err in results:
        if err:
            assert_one_lock_warning(Done(rc, out, err, 0.0), bad)
            warned += 1
    assert warned >= 1
    assert_fallback_used(aws_home, target)


# ---------------------------------------------------------------------------------------------
# 14: --format dotenv reads back exactly in sh and in python-dotenv, or is refused.

DOTENV_LINE = re.compile(r"^[A-Z_][A-Z0-9_]*='[^'\\\n]*'$")
# A tab reads back as itself inside single quotes in sh and python-dotenv alike.
DOTENV_NAMES = ["dollar $HOME and $(touch canary-dollar) x", "tick `touch canary-tick` x",
                "sp a  ce s", "hash #not a comment", "all $1 `id` # ; & | * ? ~ ! =", "tab\there"]
DOTENV_REFUSED = ["it's", "back\\slash", "brace ${HOME} x"]


def dotenv_module():
    try:
        import dotenv
    except ImportError as e:
        pytest.fail(f"python-dotenv must be importable by the test's python (pip install python-dotenv): {e}",
                    pytrace=False)
    return dotenv


def add_role_profiles(aws_home: dict, sts, names: list[str]):
    for name in names:
        append(aws_home["AWS_CONFIG_FILE"],
               f"\n[profile {shlex.quote(name)}]\nsource_profile = base\nrole_arn = {sts.role_arn}\n"
               "region = us-east-1\n")


def sh_values(path: Path, cwd: Path) -> dict:
    """What `set -a; . FILE` gives in sh (dash), for the names the file sets."""
    names = [line.split("=", 1)[0] for line in path.read_text().splitlines()]
    done = subprocess.run(["sh", "-c", 'set -a; . "$1"; exec env -0', "sh", str(path)],
                          env={"PATH": os.environ["PATH"]}, capture_output=True, timeout=30, cwd=cwd)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    exported = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    return {name: exported.get(name) for name in names}


def test_dotenv_reads_back_exactly_in_sh_and_python_dotenv(awsmfa_bin, aws_home, keyring_name, sts, tmp_path):
    dotenv = dotenv_module()
    add_role_profiles(aws_home, sts, DOTENV_NAMES)
    env = base_env(aws_home, keyring_name)
    assert launch([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"], env,
                  timeout=60).returncode == 0
    for index, name in enumerate(DOTENV_NAMES):
        # First the full CLI (nothing cached for the role yet), then the cached path.
        for attempt in ("fetched", "cached"):
            done = launch([awsmfa_bin, "env", "--format", "dotenv", "--", name], env, timeout=60)
            assert done.returncode == 0, (name, attempt, done.stderr)
            assert done.stderr == "", done.stderr
            path = tmp_path / f"{index}-{attempt}.env"
            path.write_text(done.stdout)
            creds = json.loads(launch([awsmfa_bin, "env", "--format", "json", "--", name], env,
                                      timeout=60).stdout)
            expected = {
                "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                "AWS_SESSION_TOKEN": creds["SessionToken"], "AWS_CREDENTIAL_EXPIRATION": creds["Expiration"],
                "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWSMFA_PROFILE": name,
            }
            from_sh = sh_values(path, tmp_path)
            from_python = dict(dotenv.dotenv_values(path))
            assert from_sh == from_python, (name, attempt)
            assert {k: from_sh.get(k) for k in expected} == expected, (name, attempt)
            assert from_sh["AWSMFA_EXPIRES"].isdigit()
            for line in done.stdout.splitlines():
                assert DOTENV_LINE.match(line), (name, attempt, line)
    assert not list(tmp_path.glob("canary-*")), "sourcing the file ran a command"


@pytest.mark.parametrize("name", DOTENV_REFUSED, ids=["quote", "backslash", "dollar-brace"])
def test_dotenv_refuses_values_it_cannot_write_safely(name, awsmfa_bin, aws_home, keyring_name, sts):
    add_role_profiles(aws_home, sts, [name])
    env = base_env(aws_home, keyring_name)
    assert launch([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"], env,
                  timeout=60).returncode == 0
    assert_refused(launch([awsmfa_bin, "env", "--format", "dotenv", "--", name], env, timeout=60))
    # Cached for json, the dotenv answer from the cache is refused as well.
    cached = launch([awsmfa_bin, "env", "--format", "json", "--", name], env, timeout=60)
    assert cached.returncode == 0, cached.stderr
    assert_refused(launch([awsmfa_bin, "env", "--format", "dotenv", "--", name], env, timeout=60))


def test_dotenv_dollar_brace_is_refused_or_read_back_exactly(awsmfa_bin, aws_home, keyring_name, sts,
                                                             tmp_path):
    """python-dotenv expands ${VAR} even inside single quotes: such a value must not be printed
    as if it read back as itself."""
    dotenv = dotenv_module()
    name = "brace ${HOME} x"
    add_role_profiles(aws_home, sts, [name])
    env = base_env(aws_home, keyring_name)
    assert launch([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"], env,
                  timeout=60).returncode == 0
    done = launch([awsmfa_bin, "env", "--format", "dotenv", "--", name], env, timeout=60)
    if done.returncode == 78:
        assert_refused(done)
        return
    assert done.returncode == 0, done.stderr
    path = tmp_path / "brace.env"
    path.write_text(done.stdout)
    assert sh_values(path, tmp_path)["AWSMFA_PROFILE"] == name
    assert dotenv.dotenv_values(path)["AWSMFA_PROFILE"] == name


# ---------------------------------------------------------------------------------------------
# 15: children get the user's soft RLIMIT_CORE and no descriptors but 0, 1, 2.

CORE_WRAPPER = 'ulimit -S -c 1234 && exec "$@"'
CORE_PROBE = "ulimit -S -c; ulimit -H -c"
FD_PROBE = "ls /proc/self/fd"
SIGNAL_PROBE = "grep -E '^Sig(Blk|Ign):' /proc/self/status"


def with_core_limit(argv: list[str]) -> list[str]:
    return ["sh", "-c", CORE_WRAPPER, "sh", *argv]


def fd_numbers(listing: str) -> set[int]:
    """fd numbers from `ls -l /proc/PID/fd` lines (`... N -> target`)."""
    return {int(line.split(" -> ")[0].split()[-1]) for line in listing.splitlines() if " -> " in line}


@pytest.fixture
def core_room():
    import resource
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard != resource.RLIM_INFINITY and hard < 1234 * 1024:
        pytest.skip(f"hard RLIMIT_CORE {hard} leaves no room for a soft limit of 1234 blocks")


def exec_probe(awsmfa_bin, aws_home, keyring_name, sts, probe: str, core: bool) -> tuple[str, str]:
    """`probe` run by sh (under a soft core limit of 1234 when `core`): directly, then through
    `awsmfa exec`."""
    wrap = with_core_limit if core else (lambda argv: argv)
    env = base_env(aws_home, keyring_name)
    assert launch([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"], env,
                  timeout=60).returncode == 0
    baseline = launch(wrap(["sh", "-c", probe]), env, timeout=30)
    assert baseline.returncode == 0, baseline
    done = launch(wrap([awsmfa_bin, "exec", "base", "--", "sh", "-c", probe]), env, timeout=60)
    assert done.returncode == 0, done.stderr
    return baseline.stdout, done.stdout


def test_exec_child_gets_the_users_core_limit(core_room, awsmfa_bin, aws_home, keyring_name, sts):
    baseline, got = exec_probe(awsmfa_bin, aws_home, keyring_name, sts, CORE_PROBE, core=True)
    assert baseline.splitlines()[0] == "1234", baseline
    assert got == baseline, f"exec's child saw core limits {got.split()} instead of {baseline.split()}"


def standard_signals(lines) -> dict:
    """SigBlk/SigIgn masks from /proc status lines, limited to the standard signals 1-31 (glibc's
    internal real-time signals are no concern of a child)."""
    masks = {}
    for line in lines:
        if line.startswith(("SigBlk:", "SigIgn:")):
            key, value = line.split(":", 1)
            masks[key] = f"{int(value.strip(), 16) & 0x7FFFFFFF:08x}"
    assert set(masks) == {"SigBlk", "SigIgn"}, lines
    return masks


def test_exec_child_gets_default_signal_handling(awsmfa_bin, aws_home, keyring_name, sts):
    """Beyond the contract's words (README: "signals reach it directly"): no signal blocked or
    ignored that a plain child would have unblocked and handled by default."""
    baseline, got = exec_probe(awsmfa_bin, aws_home, keyring_name, sts, SIGNAL_PROBE, core=False)
    assert standard_signals(got.splitlines()) == standard_signals(baseline.splitlines()), (got, baseline)


def test_exec_child_inherits_only_standard_fds(awsmfa_bin, aws_home, keyring_name, sts):
    baseline, got = exec_probe(awsmfa_bin, aws_home, keyring_name, sts, FD_PROBE, core=False)
    # The baseline is 0 1 2 and the directory ls itself reads.
    assert got == baseline, f"exec's child has fds {got.split()}, a plain child {baseline.split()}"


@pytest.fixture
def recorded_mfa_process(awsmfa_bin, aws_home, keyring_name, sts, tmp_path):
    """Runs a profile whose mfa_process records its core limits and open fds, once directly
    (its stdout on a pipe, as mfa_process has) and once through `awsmfa env`, both under a soft
    core limit of 1234; returns (baseline record lines, awsmfa's record lines)."""
    script = tmp_path / "record-code.sh"
    script.write_text("#!/bin/sh\n"
                      'ulimit -S -c > "$AWSMFA_TEST_RECORD"\n'
                      'ulimit -H -c >> "$AWSMFA_TEST_RECORD"\n'
                      'ls -l /proc/$$/fd >> "$AWSMFA_TEST_RECORD"\n'
                      f'{SIGNAL_PROBE} >> "$AWSMFA_TEST_RECORD"\n'
                      f"printf '%s\\n' {sts.totp()}\n")
    script.chmod(0o755)
    add_mfa_profile(aws_home, sts, "recorded", region="us-east-1", extra=f"mfa_process = {script}\n")
    env = base_env(aws_home, keyring_name)
    baseline_record = tmp_path / "baseline.txt"
    baseline = subprocess.run(with_core_limit([str(script)]),
                              env=dict(env, AWSMFA_TEST_RECORD=str(baseline_record)),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert baseline.returncode == 0, baseline.stderr
    record = tmp_path / "record.txt"
    done = launch(with_core_limit([awsmfa_bin, "env", "recorded", "--format", "json"]),
                  dict(env, AWSMFA_TEST_RECORD=str(record)), timeout=60)
    assert done.returncode == 0, done.stderr
    return baseline_record.read_text().splitlines(), record.read_text().splitlines()


def test_mfa_process_gets_the_users_core_limit(core_room, recorded_mfa_process):
    expected, got = recorded_mfa_process
    assert expected[0] == "1234", expected
    assert got[:2] == expected[:2], f"mfa_process saw core limits {got[:2]} instead of {expected[:2]}"


def test_mfa_process_inherits_only_standard_fds(core_room, recorded_mfa_process):
    expected, got = recorded_mfa_process
    assert fd_numbers("\n".join(got[2:])) == fd_numbers("\n".join(expected[2:])), \
        "mfa_process has fds:\n" + "\n".join(got[2:]) + "\na plain run:\n" + "\n".join(expected[2:])


def test_mfa_process_gets_default_signal_handling(core_room, recorded_mfa_process):
    """Beyond the contract's words: a blocked SIGTERM would let members of the mfa_process group
    survive the timeout's SIGTERM."""
    expected, got = recorded_mfa_process
    assert standard_signals(got) == standard_signals(expected)
