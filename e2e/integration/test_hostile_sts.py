"""An STS that lies (e2e/peers/hostile): NULs and escape sequences in error text, shell code and
record separators in credential values, bodies that stall or drip, absurd expiries, a second
endpoint. Direct runs must fail with one visible line, an empty stdout and nothing cached; real
interactive bash, zsh and fish with the prompt hook installed must never run the peer's code nor
change a variable (issue 11, contract points 1-6 and 8)."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

_PEERS = str(Path(__file__).resolve().parent.parent / "peers")
if _PEERS not in sys.path:
    sys.path.insert(0, _PEERS)

from hostile import HostileSTS  # noqa: E402
from test_shell_hooks import TmuxShell as SharedTmuxShell, install_line  # noqa: E402

SHELLS = ["bash", "zsh", "fish"]
DANGEROUS = ["nul_entity_error", "raw_nul_error", "rs_values", "meta_values", "escape_error"]
ERRORS = ["nul_entity_error", "raw_nul_error", "escape_error"]
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/alice"
ROLE_ARN = "arn:aws:iam::123456789012:role/admin"
SESSION_CAP = 129600
ROLE_CAP = 43200
# Contract point 1's line; the profile may be shown quoted (as awsmfa quotes names elsewhere).
HOOK_LINE = re.compile(r"awsmfa: could not refresh (base|'base'), next try in 60 s: \S")
NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
         "AWSMFA_PROFILE"]
ORIGINAL = {
    "AWS_ACCESS_KEY_ID": "ASIAORIGINAL00000001",
    "AWS_SECRET_ACCESS_KEY": "originalSecretKey0000000000000000000000/+",
    "AWS_SESSION_TOKEN": "originalSessionToken0000000000000000000000000000==",
    "AWS_CREDENTIAL_EXPIRATION": "2030-01-01T00:00:00Z",
    "AWSMFA_PROFILE": "base",
}


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture
def servers():
    """Starts hostile peers (`servers()` / `servers("192.0.2.2")`); all stop after the test."""
    started = []

    def _start(host: str = "127.0.0.1") -> HostileSTS:
        started.append(HostileSTS.start(host=host, lifetime=300))
        return started[-1]

    yield _start
    for server in started:
        server.stop()


@pytest.fixture
def hostile(servers) -> HostileSTS:
    return servers()


@pytest.fixture
def canary(tmp_path) -> Path:
    """Where the peer's shell code would create a file; tests assert it never appears."""
    return tmp_path / "CANARY"


@pytest.fixture
def home_env(tmp_path, hostile, keyring_name) -> dict:
    """Env for awsmfa: a temp HOME whose profiles `base` (static keys, mfa_serial, mfa_process)
    and `role` (admin role on base) go to the hostile peer; the test's own keyring and lock dir."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    config, creds = home / ".aws" / "config", home / ".aws" / "credentials"
    config.write_text(
        "[profile base]\nregion = us-east-1\n"
        f"mfa_serial = {MFA_SERIAL}\nmfa_process = printf 123456\n\n"
        f"[profile role]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nregion = us-east-1\n")
    creds.write_text("[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                     "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    os.chmod(creds, 0o600)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSMFA_"))}
    env.update({
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(creds),
        "AWS_ENDPOINT_URL": hostile.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWSMFA_KEYRING": keyring_name,
        "XDG_RUNTIME_DIR": str(runtime),
    })
    return env


class Done:
    """A finished awsmfa run: bytes out/err, exit code, seconds taken."""

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes, seconds: float):
        self.returncode, self.stdout, self.stderr, self.seconds = returncode, stdout, stderr, seconds

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def __repr__(self):
        return f"<rc={self.returncode} {self.seconds:.1f}s stdout={self.stdout[:300]!r} stderr={self.stderr[:600]!r}>"


@pytest.fixture
def awsmfa(awsmfa_bin, home_env):
    """Runs awsmfa with the test's HOME, keyring and peer; never longer than `timeout`."""

    def _run(*args, env=None, drop=(), timeout: float = 30) -> Done:
        full = dict(home_env)
        full.update(env or {})
        for name in drop:
            full.pop(name, None)
        started = time.monotonic()
        try:
            done = subprocess.run([awsmfa_bin, *args], env=full, capture_output=True, timeout=timeout,
                                  start_new_session=True, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"awsmfa {' '.join(args)} still running after {timeout} s "
                        f"(stderr so far: {e.stderr!r})", pytrace=False)
        return Done(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    return _run


# --- helpers ------------------------------------------------------------------------------------

def ring_id(keyring_name: str) -> str | None:
    found = subprocess.run(["keyctl", "search", "@u", "keyring", keyring_name], capture_output=True,
                           text=True, timeout=10)
    return found.stdout.strip() if found.returncode == 0 else None


def ring_keys(keyring_name: str) -> list[tuple[str, str]]:
    """(id, description) of every key in the test's keyring."""
    ring = ring_id(keyring_name)
    if ring is None:
        return []
    ids = subprocess.run(["keyctl", "rlist", ring], capture_output=True, text=True, timeout=10).stdout.split()
    keys = []
    for key in ids:
        described = subprocess.run(["keyctl", "rdescribe", key], capture_output=True, text=True, timeout=10)
        if described.returncode == 0:
            keys.append((key, described.stdout.strip().split(";", 4)[-1]))
    return keys


def cached_credentials(keyring_name: str) -> list[str]:
    """Descriptions of cached sessions and role credentials (not used-step or OATH keys)."""
    return [d for _, d in ring_keys(keyring_name) if ";session;" in d or ";role;" in d]


def forget_steps(keyring_name: str):
    """Drops the remembered TOTP steps, so the next run's mfa_process code needs no wait."""
    ring = ring_id(keyring_name)
    for key, description in ring_keys(keyring_name):
        if ";step;" in description:
            subprocess.run(["keyctl", "unlink", key, ring], capture_output=True, timeout=10)


def key_timeout_floor(key_id: str) -> int | None:
    """The lower bound in seconds of a key's remaining life as /proc/keys shows it (5d, 11h…)."""
    wanted = f"{int(key_id):08x}"
    try:
        lines = Path("/proc/keys").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if fields and fields[0] == wanted:
            timeout = fields[3]
            if timeout == "perm":
                return 1 << 62
            units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
            match = re.fullmatch(r"(\d+)([smhdw])", timeout)
            return int(match.group(1)) * units[match.group(2)] if match else None
    return None


def exports(stdout: bytes) -> dict:
    """NAME -> value of `export NAME='value';` lines (bash format, plain values)."""
    found = {}
    for line in stdout.decode().splitlines():
        match = re.fullmatch(r"export (\w+)='([^']*)';", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def rfc3339(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def control_chars(text: str) -> list[str]:
    return [hex(ord(c)) for c in text if ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) <= 0x9F]


def assert_one_visible_line(done: Done):
    """Failure shape: empty stdout, stderr exactly one line of visible characters."""
    assert done.stdout == b"", done
    assert done.stderr.endswith(b"\n") and done.stderr.count(b"\n") == 1, done
    assert b"\x00" not in done.stderr and b"\x1b" not in done.stderr, done
    assert control_chars(done.err[:-1]) == [], done


def assert_nothing_cached(keyring_name: str, kinds=(";session;", ";role;")):
    left = [d for _, d in ring_keys(keyring_name) if any(k in d for k in kinds)]
    assert left == [], f"cached after a refused answer: {left}"


def non_loopback_ipv4() -> str | None:
    try:
        shown = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True,
                               timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for match in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+)/", shown):
        if not match.group(1).startswith("127."):
            return match.group(1)
    return None


# --- interactive shells (tmux): test_shell_hooks.TmuxShell -----------------------------------------

class TmuxShell(SharedTmuxShell):
    """test_shell_hooks' shell, waiting longer (a hostile peer may be slow) and joining wrapped
    lines, so that one error line is one line however long the peer's text."""

    ask_timeout = 40
    capture_flags = ("-J",)


def export_line(shell: str, name: str, value: str) -> str:
    return f"set -gx {name} {value}" if shell == "fish" else f"export {name}={value}"


@pytest.fixture
def shim(tmp_path, awsmfa_bin):
    """A directory whose `awsmfa` logs each start and each exit around the real front binary."""
    directory = tmp_path / "shim"
    directory.mkdir()
    log, exits = tmp_path / "starts.log", tmp_path / "exits.log"
    script = directory / "awsmfa"
    script.write_text(f"#!/bin/sh\necho \"$*\" >> {log}\n{awsmfa_bin} \"$@\"\nrc=$?\n"
                      f"echo \"$rc $*\" >> {exits}\nexit $rc\n")
    script.chmod(0o755)

    class Shim:
        path = str(directory)

        @staticmethod
        def starts() -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

        @staticmethod
        def exits() -> list[str]:
            return exits.read_text().splitlines() if exits.exists() else []

    return Shim


@pytest.fixture
def open_shell(tmp_path, home_env, shim):
    """An interactive shell with the hook installed and credentials of `base` already exported
    (AWSMFA_EXPIRES not yet: the test sets it inside the window to start a refresh)."""
    opened = []

    def _open(shell: str) -> TmuxShell:
        if not (shutil.which(shell) and shutil.which("tmux")):
            pytest.fail(f"{shell} and tmux are needed", pytrace=False)
        env = dict(home_env, PATH=f"{shim.path}:{os.environ['PATH']}", **ORIGINAL)
        home = tmp_path / f"home-{shell}"
        home.mkdir(exist_ok=True)
        opened.append(TmuxShell(shell, env, home, install_line(shell) + "\n"))
        return opened[-1]

    yield _open
    for shell in opened:
        shell.close()


def refresh_now(sh: TmuxShell, shim) -> int:
    """Puts the credentials 30 s from expiry; the hook refreshes at the prompt that follows.
    Returns the AWSMFA_EXPIRES set; waits until that refresh has finished."""
    starts = len(shim.starts())
    expires = int(time.time()) + 30
    sh.send(export_line(sh.shell, "AWSMFA_EXPIRES", str(expires)))
    deadline = time.time() + 20
    while not any(s.startswith("env") for s in shim.starts()[starts:]):
        assert time.time() < deadline, f"no refresh started:\n{sh.screen()}"
        time.sleep(0.05)
    # Type nothing while the refresh runs (the terminal would echo it into awsmfa's line).
    while len(shim.exits()) < len(shim.starts()):
        assert time.time() < deadline, f"the refresh did not end:\n{sh.screen()}"
        time.sleep(0.05)
    time.sleep(0.2)
    sh.ask("true")           # answered at a later prompt, so after the refresh ran
    return expires


# --- 1. hooks never run peer text, never change variables, say one line ---------------------------

@pytest.mark.parametrize("mode", DANGEROUS)
@pytest.mark.parametrize("shell", SHELLS)
def test_hook_refresh_against_a_hostile_answer_changes_nothing(shell, mode, open_shell, shim, hostile,
                                                               canary):
    hostile.set_mode(mode, canary=str(canary))
    sh = open_shell(shell)
    before = {name: sh.var(name) for name in NAMES}
    assert before == ORIGINAL
    assert "pwned" not in sh.title()
    expires = refresh_now(sh, shim)
    assert hostile.count() >= 1, "the refresh reached the peer"
    time.sleep(0.3)
    assert not canary.exists(), f"{shell} ran the peer's shell code ({mode}):\n{sh.screen()}"
    assert {name: sh.var(name) for name in NAMES} == before
    assert sh.var("AWSMFA_EXPIRES") == str(expires)
    # Backed off: more prompts within the minute start no awsmfa.
    starts = len(shim.starts())
    sh.ask("true")
    sh.ask("true")
    assert shim.starts()[starts:] == []
    if mode == "escape_error":
        # (fish retitles the pane itself at each command, so only the peer's title is looked for)
        assert "pwned" not in sh.title(), "the peer's escape sequence reached the terminal"
    screen = sh.screen()
    failures = [line for line in screen.splitlines() if "could not refresh" in line]
    assert len(failures) == 1, screen
    assert HOOK_LINE.match(failures[0]), screen
    assert screen.count("awsmfa:") == 1, screen
    if mode == "raw_nul_error":
        assert "\\x00" in failures[0], screen
    if mode == "escape_error":
        assert "\\x1b" in failures[0], screen
    assert not canary.exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_hook_refresh_runs_env_hook_and_prints_nothing_on_success(shell, open_shell, shim, hostile):
    hostile.set_mode("ok")
    sh = open_shell(shell)
    refresh_now(sh, shim)
    refreshes = [s for s in shim.starts() if s.startswith("env")]
    assert refreshes == [f"env --hook --format {shell} -- base"], refreshes
    assert hostile.requests == ["GetSessionToken"]
    key = sh.var("AWS_ACCESS_KEY_ID")
    assert key != ORIGINAL["AWS_ACCESS_KEY_ID"] and re.fullmatch(r"ASIA[A-Z0-9]{16}", key)
    assert int(sh.var("AWSMFA_EXPIRES")) > time.time() + 3000
    assert "awsmfa:" not in sh.screen(), sh.screen()


@pytest.mark.parametrize("mode", ERRORS + ["rs_values", "stall"])
@pytest.mark.parametrize("shell", SHELLS)
def test_env_hook_phrases_the_failure_itself(shell, mode, awsmfa, hostile, canary, keyring_name):
    hostile.set_mode(mode, canary=str(canary))
    done = awsmfa("env", "--hook", "--format", shell, "--", "base",
                  env={"AWSMFA_HTTP_TIMEOUT": "3"}, timeout=30)
    assert done.returncode == {"rs_values": 76, "stall": 75}.get(mode, 77), done
    assert_one_visible_line(done)
    assert HOOK_LINE.match(done.err), done
    assert_nothing_cached(keyring_name)
    assert not canary.exists()


# --- 2. error text from the peer is one line of visible characters --------------------------------

@pytest.mark.parametrize("mode", ERRORS)
def test_error_answer_is_one_visible_line(mode, awsmfa, hostile, canary, keyring_name):
    hostile.set_mode(mode, canary=str(canary))
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash")
    assert done.returncode == 77, done
    assert_one_visible_line(done)
    assert done.err.startswith("awsmfa: "), done
    assert hostile.requests == ["GetSessionToken"], "a refusal is never retried"
    if mode == "raw_nul_error":
        assert "x\\x000\\x00touch" in done.err, done
    if mode == "nul_entity_error":
        assert "\\x00" in done.err or "&#0;" in done.err, done
    if mode == "escape_error":
        assert "\\x1b]0;pwned\\x07\\x1b[2J" in done.err, done
        assert "\\x7f" in done.err and "\\x9b" in done.err, done
    assert_nothing_cached(keyring_name)
    assert not canary.exists()


def test_error_answer_of_assume_role_is_one_visible_line(awsmfa, hostile, keyring_name):
    hostile.set_mode("escape_error", only="AssumeRole")
    done = awsmfa("env", "role", "--code", "123456", "--format", "fish")
    assert done.returncode == 77, done
    assert_one_visible_line(done)
    assert hostile.requests == ["GetSessionToken", "AssumeRole"]
    assert_nothing_cached(keyring_name, kinds=(";role;",))


# --- 3. credentials are validated before being printed or cached ----------------------------------

@pytest.mark.parametrize("profile", ["base", "role"])
@pytest.mark.parametrize("mode", ["rs_values", "meta_values"])
@pytest.mark.parametrize("format", ["bash", "fish", "json"])
def test_unreadable_credentials_are_refused(format, mode, profile, awsmfa, hostile, canary, keyring_name):
    hostile.set_mode(mode, canary=str(canary), only="GetSessionToken" if profile == "base" else "AssumeRole")
    done = awsmfa("env", profile, "--code", "123456", "--format", format)
    assert done.returncode == 76, done
    assert_one_visible_line(done)
    assert done.err.startswith("awsmfa: STS sent an answer awsmfa cannot read (HTTP 200): "), done
    assert "touch" not in done.err, "the refused value itself is not echoed"
    assert_nothing_cached(keyring_name, kinds=(";session;", ";role;") if profile == "base" else (";role;",))
    assert not canary.exists()


SECRET_OK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
TOKEN_OK = "FwoGZXIvYXdzEBYaDH" * 10


LIMITS = [
    ("AccessKeyId", "A" * 15, False, "key-15"),
    ("AccessKeyId", "A" * 16, True, "key-16"),
    ("AccessKeyId", "ASIA" + "7" * 124, True, "key-128"),
    ("AccessKeyId", "A" * 129, False, "key-129"),
    ("AccessKeyId", "asia" + "A" * 16, False, "key-lowercase"),
    ("AccessKeyId", "ASIA-" + "A" * 16, False, "key-dash"),
    ("SecretAccessKey", "s" * 15, False, "secret-15"),
    ("SecretAccessKey", "s" * 16, True, "secret-16"),
    ("SecretAccessKey", "aZ09+/=_-" * 28 + "abcd", True, "secret-256-all-classes"),
    ("SecretAccessKey", "s" * 257, False, "secret-257"),
    ("SecretAccessKey", SECRET_OK[:20] + " " + SECRET_OK[20:], False, "secret-space"),
    ("SecretAccessKey", SECRET_OK + ".", False, "secret-dot"),
    ("SecretAccessKey", SECRET_OK + "\u00e9", False, "secret-non-ascii"),
    ("SessionToken", "t" * 15, False, "token-15"),
    ("SessionToken", "t" * 16, True, "token-16"),
    ("SessionToken", ("aZ09+/=_-" * 1821)[:16384], True, "token-16384-all-classes"),
    ("SessionToken", "t" * 16385, False, "token-16385"),
    ("SessionToken", TOKEN_OK + "%", False, "token-percent"),
    ("SessionToken", TOKEN_OK + "\t", False, "token-tab"),
    ("Expiration", "tomorrow", False, "expiration-text"),
]


@pytest.mark.parametrize("field,value,accepted", [case[:3] for case in LIMITS], ids=[case[3] for case in LIMITS])
def test_credential_field_limits(field, value, accepted, awsmfa, hostile, keyring_name):
    hostile.set_mode("ok", **{field: value})
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash")
    if accepted:
        assert done.returncode == 0, done
        name = {"AccessKeyId": "AWS_ACCESS_KEY_ID", "SecretAccessKey": "AWS_SECRET_ACCESS_KEY",
                "SessionToken": "AWS_SESSION_TOKEN"}[field]
        assert exports(done.stdout)[name] == value
    else:
        assert done.returncode == 76, done
        assert_one_visible_line(done)
        assert done.err.startswith("awsmfa: STS sent an answer awsmfa cannot read (HTTP 200): "), done
        assert_nothing_cached(keyring_name)


# --- 4. a body that stalls or drips ends at AWSMFA_HTTP_TIMEOUT and frees the lock ----------------

@pytest.mark.parametrize("mode", ["stall", "drip"])
def test_stalled_body_ends_at_the_deadline_and_frees_the_lock(mode, awsmfa, hostile, keyring_name):
    hostile.set_mode(mode)
    done = awsmfa("env", "base", "--code", "123456", env={"AWSMFA_HTTP_TIMEOUT": "3"}, timeout=40)
    assert done.returncode == 75, done
    assert done.seconds < 3 + 3 + 0.5, f"took {done.seconds:.1f} s for a 3 s limit"
    assert_one_visible_line(done)
    assert_nothing_cached(keyring_name)
    hostile.set_mode("ok")
    again = awsmfa("env", "base", "--code", "123456", "--format", "bash", timeout=30)
    assert again.returncode == 0, again
    assert again.seconds < 5, f"the second run waited {again.seconds:.1f} s"
    assert exports(again.stdout)["AWS_ACCESS_KEY_ID"].startswith("ASIA")


def test_run_waiting_for_the_lock_of_a_stalled_run_gets_it_at_the_deadline(awsmfa_bin, home_env, awsmfa,
                                                                         hostile):
    hostile.set_mode("stall")
    env = dict(home_env, AWSMFA_HTTP_TIMEOUT="3")
    started = time.monotonic()
    first = subprocess.Popen([awsmfa_bin, "env", "base", "--code", "123456"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        assert hostile.wait_for(1, timeout=10), "the first run never reached the peer"
        hostile.set_mode("ok")
        second = awsmfa("env", "base", "--code", "123456", "--format", "bash",
                        env={"AWSMFA_HTTP_TIMEOUT": "3"}, timeout=25)
        assert second.returncode == 0, second
        assert time.monotonic() - started < 3 + 3 + 3, "the waiting run got the lock soon after the deadline"
        try:
            first.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("the stalled run outlived its deadline", pytrace=False)
        assert first.returncode == 75
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=5)
        first.stdout.close()
        first.stderr.close()


# --- 5. expiries: past or within 60 s refused, far future capped ---------------------------------

@pytest.mark.parametrize("mode,params", [("expired", {}), ("soon", {}), ("soon", {"seconds": 55}),
                                         ("expired", {"seconds": -1})])
@pytest.mark.parametrize("profile", ["base", "role"])
def test_expiry_past_or_within_a_minute_is_refused(profile, mode, params, awsmfa, hostile, keyring_name):
    hostile.set_mode(mode, only="GetSessionToken" if profile == "base" else "AssumeRole", **params)
    done = awsmfa("env", profile, "--code", "123456", "--format", "bash")
    assert done.returncode == 76, done
    assert_one_visible_line(done)
    assert_nothing_cached(keyring_name, kinds=(";session;", ";role;") if profile == "base" else (";role;",))


def test_expiry_a_few_minutes_ahead_is_accepted(awsmfa, hostile):
    hostile.set_mode("soon", seconds=300)
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash")
    assert done.returncode == 0, done
    assert abs(int(exports(done.stdout)["AWSMFA_EXPIRES"]) - (time.time() + 300)) < 30


@pytest.mark.parametrize("profile,cap", [("base", SESSION_CAP), ("role", ROLE_CAP)])
def test_far_future_expiry_is_capped(profile, cap, awsmfa, hostile, keyring_name):
    hostile.set_mode("far_future")
    done = awsmfa("env", profile, "--code", "123456", "--format", "bash")
    assert done.returncode == 0, done
    shown = exports(done.stdout)
    expires = int(shown["AWSMFA_EXPIRES"])
    assert time.time() + 600 < expires <= time.time() + cap + 60, f"{expires - time.time():.0f} s left"
    assert shown["AWS_CREDENTIAL_EXPIRATION"] == rfc3339(expires)
    kind = ";session;" if profile == "base" else ";role;"
    keys = [(key, d) for key, d in ring_keys(keyring_name) if kind in d]
    assert len(keys) == 1, ring_keys(keyring_name)
    floor = key_timeout_floor(keys[0][0])
    if floor is not None:
        assert floor <= cap, f"the keyring key lives {floor} s or more"
    # Served from the cache (the front binary's path) with the same capped expiry.
    again = awsmfa("env", profile, "--format", "bash")
    assert again.returncode == 0, again
    assert exports(again.stdout)["AWSMFA_EXPIRES"] == str(expires)
    assert len(hostile.requests) == (1 if profile == "base" else 2)


# --- 6. the cache knows its endpoint --------------------------------------------------------------

@pytest.mark.parametrize("how", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "endpoint_url"])
@pytest.mark.parametrize("profile", ["base", "role"])
def test_credentials_from_one_endpoint_are_not_served_for_another(profile, how, servers, awsmfa, home_env,
                                                                  keyring_name):
    first, second = servers(), servers()

    def pointing_at(server):
        if how == "endpoint_url":
            config = Path(home_env["AWS_CONFIG_FILE"])
            text = re.sub(r"endpoint_url = .*\n", "", config.read_text())
            text = text.replace("region = us-east-1\n", f"region = us-east-1\nendpoint_url = {server.url}\n")
            config.write_text(text)
            return {}, ("AWS_ENDPOINT_URL",)
        return {how: server.url}, tuple({"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"} - {how})

    env, drop = pointing_at(first)
    fetched = awsmfa("env", profile, "--code", "123456", "--format", "bash", env=env, drop=drop)
    assert fetched.returncode == 0, fetched
    assert first.requests and not second.requests
    # Same endpoint: the cache answers (no code needed, no call).
    forget_steps(keyring_name)
    cached = awsmfa("env", profile, "--format", "bash", env=env, drop=drop)
    assert cached.returncode == 0, cached
    assert exports(cached.stdout)["AWS_ACCESS_KEY_ID"] == exports(fetched.stdout)["AWS_ACCESS_KEY_ID"]
    calls = len(first.requests)
    # Another endpoint: its own STS call, its own credentials.
    env, drop = pointing_at(second)
    other = awsmfa("env", profile, "--format", "bash", env=env, drop=drop)
    assert other.returncode == 0, other
    assert len(second.requests) >= 1, "the second endpoint got no request: the first one's cache answered"
    assert len(first.requests) == calls
    assert exports(other.stdout)["AWS_ACCESS_KEY_ID"] != exports(fetched.stdout)["AWS_ACCESS_KEY_ID"]


# --- 8. plain http to a host that is not loopback is named on stderr ------------------------------

@pytest.mark.parametrize("form", ["127.0.0.1", "localhost", "127.0.0.1-with-path"])
def test_loopback_http_is_quiet(form, awsmfa, hostile):
    hostile.set_mode("ok")
    url = {"127.0.0.1": hostile.url, "localhost": f"http://localhost:{hostile.port}",
           "127.0.0.1-with-path": f"http://127.0.0.1:{hostile.port}/sts/"}[form]
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash", env={"AWS_ENDPOINT_URL": url})
    assert done.returncode == 0, done
    assert done.stderr == b"", done


def test_ipv6_loopback_http_is_quiet(servers, awsmfa):
    try:
        server = servers("::1")
    except OSError as e:
        pytest.skip(f"no IPv6 loopback here: {e}")
    server.set_mode("ok")
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash", env={"AWS_ENDPOINT_URL": server.url})
    assert done.returncode == 0, done
    assert done.stderr == b"", done


def assert_warning_first(done: Done):
    lines = done.err.splitlines()
    assert lines and lines[0].startswith("awsmfa: warning:"), done
    assert "encrypt" in lines[0].lower(), done
    assert sum(line.startswith("awsmfa: warning:") for line in lines) == 1, done


def test_plain_http_to_another_host_warns_and_still_works(servers, awsmfa):
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    server = servers(address)
    server.set_mode("ok")
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash", env={"AWS_ENDPOINT_URL": server.url})
    assert done.returncode == 0, done
    assert exports(done.stdout)["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert_warning_first(done)
    assert len(done.err.splitlines()) == 1, done


def test_plain_http_to_an_unresolvable_host_warns_before_failing(awsmfa, hostile):
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash",
                  env={"AWS_ENDPOINT_URL": f"http://sts.invalid:{hostile.port}", "AWSMFA_HTTP_TIMEOUT": "3"},
                  timeout=30)
    assert done.returncode != 0 and done.stdout == b"", done
    assert_warning_first(done)
    assert len(done.err.splitlines()) == 2, done
    assert hostile.requests == []


def test_https_to_another_host_does_not_warn(awsmfa, hostile):
    done = awsmfa("env", "base", "--code", "123456", "--format", "bash",
                  env={"AWS_ENDPOINT_URL": f"https://sts.invalid:{hostile.port}", "AWSMFA_HTTP_TIMEOUT": "3"},
                  timeout=30)
    assert done.returncode != 0 and done.stdout == b"", done
    assert "warning" not in done.err, done
