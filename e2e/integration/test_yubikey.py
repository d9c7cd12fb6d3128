"""awsmfa against a virtual YubiKey on pcscd: codes, touch, password, several keys, faults.

Every code awsmfa prints is compared with ykman's code for the same credential and with an
independent RFC 6238 computation (fixtures_card.totp) from the secret the test chose.
"""

import fcntl
import os
import select
import subprocess
import termios
import time
import uuid

import pytest

from fixtures_card import totp, totp_step
from vyubikey import harness

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWSMFA = os.path.join(ROOT, ".build", "debug", "awsmfa")
ARN = "arn:aws:iam::123456789012:mfa/alice"
AWS = "Amazon Web Services"
SECRETS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890" * 6 + b"1234",
}
NO_CARD_EXIT = 69


class Home:
    """A temporary HOME with AWS config files and a private keyring for one test."""

    def __init__(self, path):
        self.path = str(path)
        self.config = os.path.join(self.path, "config")
        self.credentials = os.path.join(self.path, "credentials")
        self.keyring = "awsmfa-test-" + uuid.uuid4().hex[:10]
        self.profiles = {}

    def profile(self, name="p", **keys):
        keys.setdefault("mfa_serial", ARN)
        self.profiles[name] = keys
        with open(self.config, "w") as f:
            for pname, values in self.profiles.items():
                f.write("[profile %s]\n" % pname)
                for k, v in values.items():
                    f.write("%s = %s\n" % (k, v))
        with open(self.credentials, "w") as f:
            for pname in self.profiles:
                f.write("[%s]\naws_access_key_id = AKIAEXAMPLE\n"
                        "aws_secret_access_key = secret\n" % pname)
        return name

    @property
    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS")}
        env.update(HOME=self.path, AWS_CONFIG_FILE=self.config,
                   AWS_SHARED_CREDENTIALS_FILE=self.credentials, AWSMFA_KEYRING=self.keyring,
                   XDG_RUNTIME_DIR=self.path)
        return env

    def cleanup(self):
        subprocess.run(["sh", "-c", "id=$(keyctl search @u keyring %s) && keyctl unlink $id @u"
                        % self.keyring], capture_output=True)


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    h.cleanup()


def run(home, *args, timeout=30):
    """awsmfa without a controlling terminal (cues and prompts fall back to stderr)."""
    return subprocess.run([AWSMFA, *args], env=home.env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, start_new_session=True)


class TTYRun:
    def __init__(self, returncode, stdout, stderr, tty):
        self.returncode, self.stdout, self.stderr, self.tty = returncode, stdout, stderr, tty


def run_tty(home, *args, answers=(), timeout=30):
    """awsmfa with a pty as its controlling terminal; stdout/stderr stay pipes.
    Each answer is typed after the tty shows a line asking for a password."""
    master, slave = os.openpty()

    def controlling_tty():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    out_path = os.path.join(home.path, "tty-out-%s" % uuid.uuid4().hex[:6])
    with open(out_path + ".o", "w") as out, open(out_path + ".e", "w") as err:
        proc = subprocess.Popen([AWSMFA, *args], env=home.env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, preexec_fn=controlling_tty,
                                pass_fds=(slave,))
    os.close(slave)
    tty = b""
    answers = list(answers)
    answered = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        chunk = None
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every slave end is closed
                chunk = b""
            tty += chunk
            if answers and tty.count(b"Password") > answered:
                answered += 1
                os.write(master, answers.pop(0).encode() + b"\n")
        if proc.poll() is not None and not chunk:
            break
    else:
        proc.kill()
        pytest.fail("awsmfa did not finish within %s s; tty: %r" % (timeout, tty))
    os.close(master)
    with open(out_path + ".o") as o, open(out_path + ".e") as e:
        return TTYRun(proc.wait(), o.read(), e.read(), tty.decode(errors="replace"))


def avoid_period_end(period, margin=6):
    """Sleep past the end of the current period when fewer than `margin` s remain."""
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)


def ykman_code(ykman, key, name):
    return ykman.ok("oath", "accounts", "code", "-s", name, reader=key.reader_name).strip()


# ------------------------------------------------------------ codes

@pytest.mark.parametrize("algorithm,digits,period", [
    ("SHA1", 6, 30), ("SHA256", 6, 30), ("SHA512", 6, 30),
    ("SHA1", 8, 30), ("SHA256", 8, 60), ("SHA512", 6, 60),
])
def test_code_matches_ykman_and_rfc6238(vkey, ykman, home, algorithm, digits, period):
    secret = SECRETS[algorithm]
    name = vkey.add_credential(AWS, "alice@acme", secret=secret, algorithm=algorithm,
                               digits=digits, period=period)
    vkey.add_credential("GitHub", "alice", secret=b"x" * 20)
    profile = home.profile()
    for _ in range(3):
        avoid_period_end(period)
        step = totp_step(period=period)
        r = run(home, "code", profile)
        theirs = ykman_code(ykman, vkey, name)
        if totp_step(period=period) == step:
            break
    assert r.returncode == 0, r.stderr
    assert r.stdout == theirs + "\n"
    assert theirs == totp(secret, step * period, period, digits, algorithm)
    assert r.stderr == ""


def test_next_code_near_period_end(vkey, home):
    name = vkey.add_credential(AWS, "alice", secret=SECRETS["SHA1"])
    profile = home.profile()
    # Start with about 3 s of the period left: awsmfa counts whole seconds, so 4.0-4.5 s left
    # (which the old bound let through) could still read as 5 and give the current code.
    left = 30 - time.time() % 30
    if left > 3.5:
        time.sleep(left - 3.0)
    elif left < 1.5:
        time.sleep(left + 27.0)
    step = totp_step()
    r = run(home, "code", profile)
    assert r.returncode == 0, r.stderr
    assert totp_step() == step, "the period ended during the run"
    assert r.stdout == totp(SECRETS["SHA1"], (step + 1) * 30) + "\n"
    assert "next" in r.stderr
    assert vkey.expected_code(name, (step + 1) * 30) + "\n" == r.stdout


@pytest.mark.parametrize("config,expected", [
    ({"awsmfa_oath_account": "Work:alice"}, "Work:alice"),
    ({"mfa_serial": "Work:alice"}, "Work:alice"),
    ({}, AWS + ":alice@acme"),
])
def test_account_choice(vkey, home, config, expected):
    secrets = {}
    for i, (issuer, account) in enumerate([(AWS, "alice@acme"), ("Work", "alice"),
                                           ("GitHub", "alice"), (AWS, "alicex")]):
        secrets[vkey.add_credential(issuer, account, secret=bytes([65 + i]) * 20)] = 0
    profile = home.profile(**config)
    avoid_period_end(30)
    r = run(home, "code", profile)
    assert r.returncode == 0, r.stderr
    assert r.stdout == vkey.expected_code(expected) + "\n"


def test_account_missing_lists_candidates(vkey, home):
    vkey.add_credential("GitHub", "alice")
    vkey.add_credential(AWS, "alicesmith")  # never a substring match
    r = run(home, "code", home.profile())
    assert r.returncode == NO_CARD_EXIT
    assert r.stdout == ""
    assert "No OATH credential" in r.stderr and "GitHub:alice" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_account_ambiguous(vkey, home):
    vkey.add_credential(AWS, "alice@acme")
    vkey.add_credential(AWS, "alice@other")
    r = run(home, "code", home.profile())
    assert r.returncode == NO_CARD_EXIT and r.stdout == ""
    assert "Several OATH credentials" in r.stderr and "alice@other" in r.stderr


# ------------------------------------------------------------ touch

def test_touch_cue_on_stderr_without_terminal(vkey, home):
    name = vkey.add_credential(AWS, "alice", touch=True)
    vkey.set_touch("auto")
    avoid_period_end(30)
    r = run(home, "code", home.profile())
    assert r.returncode == 0, r.stderr
    assert r.stdout == vkey.expected_code(name) + "\n"
    assert "Touch your YubiKey" in r.stderr


def test_touch_cue_on_terminal_not_stdout(vkey, home):
    name = vkey.add_credential(AWS, "alice", touch=True)
    vkey.set_touch("auto")
    avoid_period_end(30)
    r = run_tty(home, "code", home.profile())
    assert r.returncode == 0, r.stderr
    assert r.stdout == vkey.expected_code(name) + "\n"
    assert "Touch your YubiKey" in r.tty
    assert "Touch" not in r.stdout and "Touch" not in r.stderr


def test_touch_never_given_times_out(vkey, home):
    vkey.add_credential(AWS, "alice", touch=True)
    vkey.set_touch("never", timeout=1.0)
    r = run(home, "code", home.profile())
    assert r.returncode == NO_CARD_EXIT
    assert r.stdout == ""
    assert "Touch timed out" in r.stderr


# ------------------------------------------------------------ password

def test_password_asked_once_then_remembered(vkey, home):
    name = vkey.add_credential(AWS, "alice")
    vkey.set_password("hunter2")
    profile = home.profile()
    avoid_period_end(30)
    first = run_tty(home, "code", profile, answers=["hunter2"])
    assert first.returncode == 0, first.stderr + first.tty
    assert "Password" in first.tty
    assert "hunter2" not in first.tty  # echo off
    assert first.stdout == vkey.expected_code(name) + "\n"
    second = run(home, "code", profile)  # no terminal at all: the derived key is remembered
    assert second.returncode == 0, second.stderr
    assert second.stdout == vkey.expected_code(name) + "\n"


def test_wrong_password(vkey, home):
    vkey.add_credential(AWS, "alice")
    vkey.set_password("hunter2")
    r = run_tty(home, "code", home.profile(), answers=["nope"])
    assert r.returncode == NO_CARD_EXIT
    assert r.stdout == ""
    assert "Wrong OATH password" in r.stderr


def test_changed_password_forgets_remembered_key(vkey, home):
    name = vkey.add_credential(AWS, "alice")
    vkey.set_password("hunter2")
    profile = home.profile()
    assert run_tty(home, "code", profile, answers=["hunter2"]).returncode == 0
    vkey.set_password("correct horse")
    avoid_period_end(30)
    r = run_tty(home, "code", profile, answers=["correct horse"])
    assert r.returncode == 0, r.stderr + r.tty
    assert r.stdout == vkey.expected_code(name) + "\n"


def test_password_without_terminal(vkey, home):
    vkey.add_credential(AWS, "alice")
    vkey.set_password("hunter2")
    r = run(home, "code", home.profile())
    assert r.returncode == NO_CARD_EXIT and r.stdout == ""
    assert "password-protected" in r.stderr


# ------------------------------------------------------------ several keys

def test_serial_picks_the_key(vkey, vkey2, home):
    vkey.add_credential(AWS, "alice", secret=b"A" * 20)
    n2 = vkey2.add_credential(AWS, "alice", secret=b"B" * 20)
    avoid_period_end(30)
    r = run(home, "code", home.profile(awsmfa_yubikey_serial=vkey2.serial))
    assert r.returncode == 0, r.stderr
    assert r.stdout == vkey2.expected_code(n2) + "\n"
    both = run(home, "code", home.profile("q"))
    assert both.returncode == NO_CARD_EXIT
    assert "Several YubiKeys" in both.stderr
    assert str(vkey.serial) in both.stderr and str(vkey2.serial) in both.stderr


def test_key_holding_the_account_is_found(vkey, vkey2, home):
    vkey.add_credential("GitHub", "alice")
    n2 = vkey2.add_credential(AWS, "alice", secret=b"B" * 20)
    avoid_period_end(30)
    r = run(home, "code", home.profile())
    assert r.returncode == 0, r.stderr
    assert r.stdout == vkey2.expected_code(n2) + "\n"


def test_unknown_serial(vkey, home):
    vkey.add_credential(AWS, "alice")
    r = run(home, "code", home.profile(awsmfa_yubikey_serial="99"))
    assert r.returncode == NO_CARD_EXIT and r.stdout == ""
    assert "No YubiKey with serial 99" in r.stderr and str(vkey.serial) in r.stderr


def test_yubikey_behind_other_reader(vkey_other_reader, home):
    name = vkey_other_reader.add_credential(AWS, "alice")
    avoid_period_end(30)
    r = run(home, "code", home.profile())
    assert r.returncode == 0, r.stderr
    assert r.stdout == vkey_other_reader.expected_code(name) + "\n"


# ------------------------------------------------------------ faults

def one_line_failure(r, needle):
    assert r.returncode == NO_CARD_EXIT, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0], r.stderr
    return lines[0]


def test_pcscd_not_running(pcscd_vpcd, home):
    pcscd_vpcd.stop()
    try:
        start = time.monotonic()
        r = run(home, "code", home.profile())
        line = one_line_failure(r, "Cannot reach pcscd")
        assert "Is pcscd running?" in line
        assert time.monotonic() - start < 5
    finally:
        pcscd_vpcd.ensure_running()


def test_no_card_in_any_reader(pcscd_vpcd, home):
    pcscd_vpcd.ensure_running()
    harness.wait_for(lambda p: "readers" in p and not any(
        v["present"] for v in p["readers"].values()), 10, "all readers empty")
    one_line_failure(run(home, "code", home.profile()), "No YubiKey with an OATH applet")


def test_zero_readers(pcscd_vpcd, home, tmp_path):
    pcscd_vpcd.stop()
    bare = harness.Pcscd([], str(tmp_path / "bare"))
    try:
        bare.start()
        one_line_failure(run(home, "code", home.profile()), "No smart card reader")
    finally:
        bare.stop()
        pcscd_vpcd.ensure_running()


def test_card_removed_mid_exchange(vkey, home):
    vkey.add_credential(AWS, "alice", touch=True)
    vkey.set_touch("never", timeout=20.0)
    proc = subprocess.Popen([AWSMFA, "code", home.profile()], env=home.env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    vkey.wait_touch_pending()
    vkey.stop(wait=False)
    out, err = proc.communicate(timeout=15)
    lines = [line for line in err.splitlines() if "Touch your YubiKey" not in line]
    assert proc.returncode == NO_CARD_EXIT and out == ""
    assert len(lines) == 1 and "removed or stopped answering" in lines[0], err


HOLDER = r"""
import sys
from smartcard import scard as s
hr, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
hr, card, proto = s.SCardConnect(ctx, sys.argv[1], s.SCARD_SHARE_EXCLUSIVE,
                                 s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
print("held" if hr == s.SCARD_S_SUCCESS else "error %x" % hr, flush=True)
sys.stdin.read()
"""


def test_card_held_exclusively(vkey, home):
    vkey.add_credential(AWS, "alice")
    holder = subprocess.Popen([harness.SYSTEM_PYTHON, "-c", HOLDER, vkey.reader_name],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        line = one_line_failure(run(home, "code", home.profile()), "holds the YubiKey")
        assert "scdaemon" in line and "gpgconf --kill scdaemon" in line
        assert time.monotonic() - start < 5
    finally:
        holder.stdin.close()
        holder.wait(10)


# ------------------------------------------------------------ end to end

def test_env_takes_the_code_from_the_key(vkey, sts, aws_home):
    """eval "$(awsmfa env base)" with no --code and no terminal: the code comes from the key."""
    import base64
    secret = base64.b32decode(sts.seed_base32 + "=" * (-len(sts.seed_base32) % 8))
    device = sts.mfa_serial.rsplit("/", 1)[-1]
    vkey.add_credential(AWS, device, secret=secret)
    vkey.add_credential("GitHub", device, secret=b"y" * 20)
    env = dict(aws_home, AWSMFA_KEYRING="awsmfa-test-" + uuid.uuid4().hex[:10],
               XDG_RUNTIME_DIR=aws_home["HOME"])
    vkey.clear_apdus()
    try:
        r = subprocess.run(["bash", "-c", 'eval "$(%s env base --format bash)" && '
                            'echo "$AWS_ACCESS_KEY_ID"' % AWSMFA], env=env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=60, start_new_session=True)
    finally:
        subprocess.run(["sh", "-c", "id=$(keyctl search @u keyring %s) && keyctl unlink $id @u"
                        % env["AWSMFA_KEYRING"]], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("ASIA"), r.stdout
    assert any(a["apdu"].startswith("00a4000") and a["applet"] == "oath" for a in vkey.apdus())


def test_code_shown_for_the_console_is_never_sent_again(vkey, sts, aws_home):
    """`awsmfa code` spends its step: the `env` right after it uses a later step (the card
    computes it at once), so AWS never sees the console's code twice."""
    import base64
    secret = base64.b32decode(sts.seed_base32 + "=" * (-len(sts.seed_base32) % 8))
    vkey.add_credential(AWS, sts.mfa_serial.rsplit("/", 1)[-1], secret=secret)
    env = dict(aws_home, AWSMFA_KEYRING="awsmfa-test-" + uuid.uuid4().hex[:10],
               XDG_RUNTIME_DIR=aws_home["HOME"])
    avoid_period_end(30, margin=8)
    try:
        shown = subprocess.run([AWSMFA, "code", "base"], env=env, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=30, start_new_session=True)
        assert shown.returncode == 0, shown.stderr
        done = subprocess.run([AWSMFA, "env", "base", "--format", "json"], env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=60, start_new_session=True)
    finally:
        subprocess.run(["sh", "-c", "id=$(keyctl search @u keyring %s) && keyctl unlink $id @u"
                        % env["AWSMFA_KEYRING"]], capture_output=True)
    assert done.returncode == 0, done.stderr
    sent = [r["token_code"] for r in sts.requests("GetSessionToken")]
    assert sent and shown.stdout.strip() not in sent


def test_doctor_reports_the_key_holding_the_account(vkey, home):
    vkey.add_credential(AWS, "alice", touch=True)
    name = home.profile()
    r = run(home, "doctor", name)
    line = next(l for l in r.stdout.splitlines() if "YubiKey:" in l)
    assert line.startswith("✔ YubiKey: 'Amazon Web Services:alice'") and "touch required" in line, r.stdout
    vkey.remove_credential(AWS + ":alice")
    vkey.add_credential("GitHub", "alice")
    r = run(home, "doctor", name)
    line = next(l for l in r.stdout.splitlines() if "YubiKey:" in l)
    assert line.startswith("✘ YubiKey:") and "GitHub:alice" in line and "fix:" in line, r.stdout
    assert r.returncode == 1
