"""pytest fixtures: virtual YubiKeys on PC/SC (pcscd + vpcd + e2e/peers/vyubikey).

Loaded through `pytest_plugins = ["fixtures_card", ...]` in conftest.py.

Fixtures
  pcscd_vpcd (session)  pcscd with two vpcd readers (each has 2 slots):
                          readers[0] "Yubico YubiKey OTP+FIDO+CCID"   -> slots
                              "Yubico YubiKey OTP+FIDO+CCID 00 00" (vkey)
                              "Yubico YubiKey OTP+FIDO+CCID 00 01" (vkey2)
                          readers[1] "Generic Smart Card Reader (vpcd)" -> slots
                              "... 00 00" (vkey_other_reader), "... 00 01"
                        .readers, .stop(), .start(), .restart(), .ensure_running(),
                        .pid, .log_path, .command (the exact pcscd argv)
                        Missing pcscd / vpcd / ykman / pyscard FAILS (no skip).
  make_vkey (function)  factory: make_vkey(reader=0, slot=0, start=True, **state)
  vkey, vkey2           a fresh virtual YubiKey 5 (5.4.3) in slot 0 / slot 1 of
                        reader 0, inserted; removed again after the test.
  vkey_other_reader     a virtual YubiKey behind the non-Yubico reader name
                        (what an external/NFC reader looks like to ykman).
  ykman (function)      runs /usr/bin/ykman with a private HOME (no remembered
                        passwords leak between tests).

VirtualKey (what the key fixtures return)
  .serial .reader_name .state_path .port .apdu_log_path .touch_path
  .add_credential(issuer=None, account=None, secret=b"...", name=None,
                  oath_type="TOTP", algorithm="SHA1", digits=6, period=30,
                  touch=False, counter=0) -> credential id (str)
  .credentials() .credential(name) .remove_credential(name)
  .set_password(pw) .clear_password() .password_set()
  .set_touch(mode, timeout=None, delay=None)   mode: "auto" | "never" | "file"
  .touch()                                      ("file" mode: one touch)
  .touch_pending() .wait_touch_pending(timeout)  key is blinking (waiting)
  .set(**state_keys) .state() .write_state(dict)   e.g. set(max_response=64,
                                                   latency=0.01, force_sw={"A2": "6F00"})
  .expected_code(name, t=None)  independent RFC 6238/4226 code for a credential
  .apdus() .clear_apdus()       JSON lines the emulator logged (one per APDU)
  .stop() (pull out) .start() (plug in) .running()

Module helpers (independent of the emulator's code): hotp(), totp(),
totp_step(), b32().
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time

import pytest

_PEERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peers")
if _PEERS not in sys.path:
    sys.path.insert(0, _PEERS)

from vyubikey import harness  # noqa: E402

YKMAN = "/usr/bin/ykman"
YUBIKEY_READER = "Yubico YubiKey OTP+FIDO+CCID"
OTHER_READER = "Generic Smart Card Reader (vpcd)"


# ------------------------------------------------ independent OATH reference

def hotp(secret, counter, digits=6, algorithm="SHA1"):
    """RFC 4226 HOTP value as a zero-padded string."""
    digest = hmac.new(secret, int(counter).to_bytes(8, "big"),
                      getattr(hashlib, algorithm.lower())).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(value % (10 ** digits)).rjust(digits, "0")


def totp_step(t=None, period=30):
    return int((time.time() if t is None else t) // period)


def totp(secret, t=None, period=30, digits=6, algorithm="SHA1"):
    """RFC 6238 TOTP (T0 = 0) at time t (default: now)."""
    return hotp(secret, totp_step(t, period), digits, algorithm)


def b32(secret):
    """Base32 without padding, as otpauth URIs and ykman take it."""
    return base64.b32encode(secret).decode().rstrip("=")


# ------------------------------------------------ prerequisites

def _check_prerequisites():
    problems = []
    if shutil.which("pcscd") is None:
        problems.append("pcscd is not installed (apt-get install pcscd)")
    if not os.path.exists(harness.VPCD_DRIVER):
        problems.append("%s is missing (apt-get install vsmartcard-vpcd)" % harness.VPCD_DRIVER)
    if not os.access(YKMAN, os.X_OK):
        problems.append("%s is missing (apt-get install yubikey-manager)" % YKMAN)
    if not os.access(harness.SYSTEM_PYTHON, os.X_OK) or subprocess.run(
            [harness.SYSTEM_PYTHON, "-c", "import smartcard"], capture_output=True).returncode:
        problems.append("%s cannot import smartcard (apt-get install python3-pyscard)"
                        % harness.SYSTEM_PYTHON)
    if os.geteuid() != 0:
        problems.append("pcscd must be started as root (it owns /run/pcscd)")
    if problems:
        pytest.fail("virtual YubiKey prerequisites missing:\n  " + "\n  ".join(problems),
                    pytrace=False)


# ------------------------------------------------ virtual key object

_serials = itertools.count(random.Random().randrange(10_000_000, 90_000_000, 1000))


class VirtualKey:
    def __init__(self, pcscd, reader, slot, directory, serial=None, **state):
        self.pcscd = pcscd
        self.reader = reader
        self.slot = slot
        self.reader_name = reader.slot_name(slot)
        self.port = reader.slot_port(slot)
        os.makedirs(directory, exist_ok=True)
        self.state_path = os.path.join(directory, "vkey-%d-%d.json" % (reader.port, slot))
        self.touch_path = self.state_path + ".touch"
        self.apdu_log_path = self.state_path + ".apdus.jsonl"
        self.serial = serial if serial is not None else next(_serials)
        initial = {
            "serial": self.serial,
            "version": "5.4.3",
            "form_factor": 1,
            "salt": os.urandom(8).hex(),
            "password_key": None,
            "touch": "auto",
            "touch_timeout": 1.0,
            "credentials": [],
        }
        initial.update(state)
        self.write_state(initial)
        self.proc = harness.KeyProcess(self.port, self.state_path, self.reader_name,
                                       apdu_log=self.apdu_log_path)

    def __repr__(self):
        return "VirtualKey(serial=%d, reader=%r)" % (self.serial, self.reader_name)

    # --- process
    def start(self, timeout=10.0):
        self.pcscd.ensure_running()
        self.proc.start(timeout)
        return self

    def stop(self, wait=True):
        self.proc.stop(wait=wait and self.pcscd.running())

    def running(self):
        return self.proc.running()

    # --- state file
    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    def write_state(self, data):
        tmp = self.state_path + ".tmp-test"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
        os.replace(tmp, self.state_path)

    def set(self, **kw):
        d = self.state()
        d.update(kw)
        self.write_state(d)

    # --- credentials
    def add_credential(self, issuer=None, account=None, secret=b"12345678901234567890",
                       name=None, oath_type="TOTP", algorithm="SHA1", digits=6,
                       period=30, touch=False, counter=0):
        """Store a credential directly (as if PUT earlier). Returns its id."""
        if name is None:
            if account is None:
                raise ValueError("give name= or account=")
            name = (issuer + ":" if issuer else "") + account
            if oath_type.upper() == "TOTP" and period != 30:
                name = "%d/%s" % (period, name)
        key = secret
        block = getattr(hashlib, algorithm.lower())().block_size
        if len(key) > block:  # what a client does before PUT
            key = getattr(hashlib, algorithm.lower())(key).digest()
        key = key.ljust(14, b"\0")
        d = self.state()
        d["credentials"] = [c for c in d["credentials"] if c["name"] != name]
        d["credentials"].append({
            "name": name, "type": oath_type.upper(), "algorithm": algorithm.upper(),
            "digits": digits, "period": period, "touch": bool(touch),
            "secret": key.hex(), "counter": counter,
        })
        self.write_state(d)
        return name

    def credentials(self):
        return self.state()["credentials"]

    def credential(self, name):
        for c in self.credentials():
            if c["name"] == name:
                return c
        raise KeyError(name)

    def remove_credential(self, name):
        d = self.state()
        d["credentials"] = [c for c in d["credentials"] if c["name"] != name]
        self.write_state(d)

    def expected_code(self, name, t=None):
        """Independent computation from the stored secret (zero padding does not
        change HMAC). TOTP period comes from the "NN/" prefix of the name."""
        c = self.credential(name)
        secret = bytes.fromhex(c["secret"])
        if c.get("type", "TOTP") == "HOTP":
            return hotp(secret, c.get("counter", 0), c["digits"], c["algorithm"])
        period = 30
        head = name.split("/", 1)[0]
        if "/" in name and head.isdigit():
            period = int(head)
        return totp(secret, t, period, c["digits"], c["algorithm"])

    # --- password
    def set_password(self, password):
        d = self.state()
        d["password_key"] = hashlib.pbkdf2_hmac(
            "sha1", password.encode(), bytes.fromhex(d["salt"]), 1000, 16).hex()
        d["password_algorithm"] = "SHA1"
        self.write_state(d)

    def clear_password(self):
        self.set(password_key=None)

    def password_set(self):
        return bool(self.state().get("password_key"))

    # --- touch
    def set_touch(self, mode, timeout=None, delay=None):
        kw = {"touch": mode}
        if timeout is not None:
            kw["touch_timeout"] = timeout
        if delay is not None:
            kw["touch_delay"] = delay
        self.set(**kw)

    def touch(self):
        with open(self.touch_path, "w"):
            pass

    def touch_pending(self):
        """True while the key waits for a touch (modes "never"/"file")."""
        return os.path.exists(self.touch_path + ".wait")

    def wait_touch_pending(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not self.touch_pending():
            if time.monotonic() > deadline:
                raise AssertionError("%r never started waiting for a touch" % self)
            time.sleep(0.02)

    # --- APDU log
    def apdus(self):
        try:
            with open(self.apdu_log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def clear_apdus(self):
        try:
            os.unlink(self.apdu_log_path)
        except FileNotFoundError:
            pass


# ------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def pcscd_vpcd(tmp_path_factory):
    _check_prerequisites()
    workdir = str(tmp_path_factory.mktemp("pcscd"))
    try:
        p = harness.start_pcscd([YUBIKEY_READER, OTHER_READER], workdir=workdir,
                                debug=bool(os.environ.get("VYUBIKEY_PCSCD_DEBUG")))
    except harness.HarnessError as e:
        pytest.fail("could not start pcscd with vpcd readers: %s" % e, pytrace=False)
    yield p
    p.stop()


@pytest.fixture
def make_vkey(pcscd_vpcd, tmp_path):
    made = []

    def make(reader=0, slot=0, start=True, serial=None, **state):
        pcscd_vpcd.ensure_running()
        k = VirtualKey(pcscd_vpcd, pcscd_vpcd.readers[reader], slot, str(tmp_path / "vkeys"),
                       serial=serial, **state)
        made.append(k)
        if start:
            k.start()
        return k

    yield make
    for k in made:
        k.stop()


@pytest.fixture
def vkey(make_vkey):
    return make_vkey(reader=0, slot=0)


@pytest.fixture
def vkey2(make_vkey):
    return make_vkey(reader=0, slot=1)


@pytest.fixture
def vkey_other_reader(make_vkey):
    return make_vkey(reader=1, slot=0)


class Ykman:
    def __init__(self, home):
        self.home = home
        os.makedirs(home, exist_ok=True)

    def __call__(self, *args, reader=None, device=None, input=None, timeout=60):
        cmd = [YKMAN]
        if reader is not None:
            cmd += ["--reader", reader]
        if device is not None:
            cmd += ["--device", str(device)]
        cmd += [str(a) for a in args]
        env = dict(os.environ, HOME=self.home, XDG_CONFIG_HOME=os.path.join(self.home, ".config"))
        env.pop("PYTHONPATH", None)
        return subprocess.run(cmd, capture_output=True, text=True, input=input,
                              timeout=timeout, env=env)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, "ykman %s failed (%d):\n%s%s" % (
            " ".join(map(str, args)), r.returncode, r.stdout, r.stderr)
        return r.stdout


@pytest.fixture
def ykman(tmp_path):
    return Ykman(str(tmp_path / "ykman-home"))
