"""Start/stop pcscd with vpcd readers and virtual YubiKeys.

What was found out about vpcd + pcscd 1.9.9 here (Debian vsmartcard-vpcd):

* `pcscd -f -c DIR`: -c ("new reader.conf.d path") takes a DIRECTORY; every
  regular file in it is parsed as a reader.conf. -f keeps it in the
  foreground and sends the log to stdout. pcscd is one per machine
  (/run/pcscd/pcscd.comm), so only one harness pcscd can run at a time.
* Each vpcd READER entry exposes TWO slots, named "FRIENDLYNAME 00 00" and
  "FRIENDLYNAME 00 01"; slot 0 listens on CHANNELID, slot 1 on CHANNELID+1
  (vpcd binds 0.0.0.0, not only loopback). DEVICENAME is ignored.
* The driver keeps its per-slot connections in process-global variables
  indexed by slot number only. With two READER entries sharing one LIBPATH,
  the second entry overwrites the first: a card on reader B's port shows up
  in reader A, and reader A's port is never accepted. Hence every reader
  here gets its own private copy of libifdvpcd.so (a separate dlopen, so
  separate globals), which makes readers independent.
* Two READER entries with the same FRIENDLYNAME get the same PC/SC name and
  the second one is unreachable: names must be distinct.
* ykman (4.0.9) treats every reader whose name contains "Yubico YubiKey" as
  a YubiKey, so an empty slot named like that counts: `ykman oath ...`
  without --reader/--device says "Multiple YubiKeys detected"; use
  `ykman --reader "<full slot name>"` (substring match, so the full name
  with " 00 00" is unique) or `ykman --device SERIAL`. `ykman list` stops
  listing at the first empty YubiKey-named slot (it gives up on that USB
  PID after one failure), so keys listed by `ykman list` must sit in slots
  before any empty one (the fixtures put the two keys in slot 0 and 1 of
  the first reader).
* A card is "inserted" when pcscd's presence poll (every ~0.4 s) accepts
  the emulator's TCP connection and gets an ATR; killing the emulator is
  noticed at the next poll (card removed).
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, has pyscard (as ykman uses)
PCSCD_PIDFILE = "/run/pcscd/pcscd.pid"
PEERS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YUBIKEY_READER = "Yubico YubiKey OTP+FIDO+CCID"

# Runs under /usr/bin/python3: prints {"readers": {name: {"present": bool,
# "atr": hex}}} or {"error": "..."}; never connects to a card.
_PROBE = r"""
import json, sys
try:
    from smartcard import scard as s
except ImportError as e:
    print(json.dumps({"error": "pyscard missing: %s" % e})); sys.exit(0)
hr, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
if hr != s.SCARD_S_SUCCESS:
    print(json.dumps({"error": s.SCardGetErrorMessage(hr)})); sys.exit(0)
hr, readers = s.SCardListReaders(ctx, [])
if hr != s.SCARD_S_SUCCESS:
    readers = []
out = {}
if readers:
    hr, states = s.SCardGetStatusChange(ctx, 0, [(r, s.SCARD_STATE_UNAWARE) for r in readers])
    for r, st, atr in states:
        out[r] = {"present": bool(st & s.SCARD_STATE_PRESENT), "atr": bytes(atr).hex()}
s.SCardReleaseContext(ctx)
print(json.dumps({"readers": out}))
"""


def _end(proc: subprocess.Popen) -> None:
    """Ends `proc` if it still runs: SIGTERM, then SIGKILL after 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class HarnessError(RuntimeError):
    pass


def probe():
    """Current PC/SC readers and card presence, via Debian's pyscard."""
    r = subprocess.run([SYSTEM_PYTHON, "-c", _PROBE], capture_output=True, text=True, timeout=20)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"error": "probe failed: %s %s" % (r.stdout, r.stderr)}


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = probe()
        if predicate(last):
            return last
        if time.monotonic() > deadline:
            raise HarnessError("timed out waiting for %s; last PC/SC state: %s" % (what, last))
        time.sleep(interval)


def _port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("0.0.0.0", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port_block(n=2, lo=20000, hi=60000):
    """A base port with base..base+n-1 free (vpcd needs one per slot)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(lo, hi - n)
        if all(_port_free(base + i) for i in range(n)):
            return base
    raise HarnessError("no free port block found")


class Reader:
    SLOTS = 2

    def __init__(self, name, port):
        self.name = name
        self.port = port

    def slot_name(self, slot):
        return "%s 00 %02d" % (self.name, slot)

    def slot_port(self, slot):
        return self.port + slot

    @property
    def slot_names(self):
        return [self.slot_name(i) for i in range(self.SLOTS)]

    def __repr__(self):
        return "Reader(%r, port=%d)" % (self.name, self.port)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still "exists"; look at /proc
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _terminate_pid(pid, timeout=5.0):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_existing_pcscd():
    """Stop the pcscd that owns /run/pcscd (by the pid in its pid file).

    pcscd is one per machine; a test pcscd cannot start while another runs.
    """
    try:
        with open(PCSCD_PIDFILE) as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return None
    if pid and _pid_alive(pid):
        _terminate_pid(pid)
        return pid
    return None


class Pcscd:
    """A pcscd running in the foreground on our own reader.conf directory."""

    def __init__(self, readers, workdir):
        self.readers = readers
        self.workdir = workdir
        self.conf_dir = os.path.join(workdir, "reader.conf.d")
        self.log_path = os.path.join(workdir, "pcscd.log")
        self.proc = None
        self.debug = False

    @property
    def command(self):
        cmd = ["pcscd", "-f", "-c", self.conf_dir]
        if self.debug:
            cmd.insert(2, "-d")
        return cmd

    def write_conf(self):
        os.makedirs(self.conf_dir, exist_ok=True)
        libdir = os.path.join(self.workdir, "lib")
        os.makedirs(libdir, exist_ok=True)
        for i, r in enumerate(self.readers):
            # a private driver copy per reader: see the module docstring
            lib = os.path.join(libdir, "libifdvpcd-%d.so" % i)
            if not os.path.exists(lib):
                shutil.copyfile(VPCD_DRIVER, lib)
            with open(os.path.join(self.conf_dir, "reader%d" % i), "w") as f:
                f.write('FRIENDLYNAME "%s"\n' % r.name)
                f.write("DEVICENAME   /dev/null:0x%04X\n" % r.port)
                f.write("LIBPATH      %s\n" % lib)
                f.write("CHANNELID    0x%04X\n" % r.port)

    def start(self, timeout=15.0):
        if self.running():
            return self
        stop_existing_pcscd()
        self.write_conf()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        want = [n for r in self.readers for n in r.slot_names]

        def ready(p):
            if self.proc.poll() is not None:
                raise HarnessError("pcscd exited with %s; see %s:\n%s"
                                   % (self.proc.returncode, self.log_path, self.log_tail()))
            return "readers" in p and all(n in p["readers"] for n in want)

        wait_for(ready, timeout, "pcscd readers %s" % want)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def stop(self):
        """Stop pcscd (also usable as a fault: "no pcscd")."""
        if self.proc is None:
            return
        _end(self.proc)
        self.proc = None

    def restart(self, timeout=15.0):
        self.stop()
        return self.start(timeout)

    def ensure_running(self):
        if not self.running():
            self.start()
        return self

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def start_pcscd(readers, workdir=None, timeout=15.0, debug=False):
    """Start pcscd with one vpcd reader per entry of `readers`.

    readers: list of names (str) or (name, port) tuples or dicts with
    "name"/"port"; ports default to free blocks of two (slot 0 and slot 1).
    Returns a Pcscd handle (.readers, .stop(), .restart(), .pid, .log_path).
    A pcscd already running on this machine is stopped first.
    """
    if shutil.which("pcscd") is None:
        raise HarnessError("pcscd not found on PATH (Debian package pcscd)")
    if not os.path.exists(VPCD_DRIVER):
        raise HarnessError("%s missing (Debian package vsmartcard-vpcd)" % VPCD_DRIVER)
    workdir = workdir or tempfile.mkdtemp(prefix="vyubikey-pcscd-")
    objs = []
    for r in readers:
        if isinstance(r, str):
            name, port = r, None
        elif isinstance(r, dict):
            name, port = r["name"], r.get("port")
        else:
            name, port = r
        if port is None:
            port = free_port_block(Reader.SLOTS)
        objs.append(Reader(name, port))
    if len({r.name for r in objs}) != len(objs):
        raise HarnessError("reader names must be distinct")
    p = Pcscd(objs, workdir)
    p.debug = debug
    return p.start(timeout)


class KeyProcess:
    """One running emulator = one inserted virtual YubiKey."""

    def __init__(self, port, state_path, slot_name=None, apdu_log=None, stderr_path=None):
        self.port = port
        self.state_path = state_path
        self.slot_name = slot_name
        self.apdu_log = apdu_log
        self.stderr_path = stderr_path or state_path + ".stderr"
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=10.0, wait=True):
        if self.running():
            return self
        cmd = [sys.executable, "-m", "vyubikey.emulator", "--port", str(self.port),
               "--state", self.state_path]
        if self.apdu_log:
            cmd += ["--log", self.apdu_log]
        env = dict(os.environ)
        env["PYTHONPATH"] = PEERS_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                     stdin=subprocess.DEVNULL)
        err.close()
        if wait and self.slot_name:
            self.wait_present(True, timeout)
        return self

    def wait_present(self, present=True, timeout=10.0):
        def ok(p):
            if present and self.proc is not None and self.proc.poll() is not None:
                raise HarnessError("emulator exited with %s" % self.proc.returncode)
            if "error" in p:  # no pcscd: no reader, so no card either
                return not present
            r = p.get("readers", {}).get(self.slot_name)
            return r is not None and r["present"] == present
        wait_for(ok, timeout, "card %s in %r" % ("present" if present else "absent", self.slot_name))

    def stop(self, wait=True, timeout=10.0):
        """Pull the key out (kill its emulator by pid)."""
        if self.proc is not None:
            _end(self.proc)
            self.proc = None
            if wait and self.slot_name:
                self.wait_present(False, timeout)


def start_key(port, state_path, slot_name=None, apdu_log=None, timeout=10.0):
    """Start an emulator on a vpcd port; with slot_name, wait until PC/SC sees the card."""
    return KeyProcess(port, state_path, slot_name, apdu_log).start(timeout)


def stop_key(key, wait=True):
    key.stop(wait=wait)
