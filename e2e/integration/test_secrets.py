"""Secrets never touch the disk and never reach a log: a full cold `env` (password-protected
virtual YubiKey + STS peer + kernel keyring) under strace, then a search of HOME and /tmp."""
from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import subprocess
import termios
import time
import uuid

from test_yubikey import AWS

PASSWORD = "correct horse battery"


def run_on_tty(argv, env, answer, timeout=60):
    """Runs argv with a pty as controlling terminal, typing `answer` at the password prompt."""
    master, slave = os.openpty()

    def controlling_tty():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=controlling_tty, pass_fds=(slave,))
    os.close(slave)
    tty, answered = b"", False
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                tty += os.read(master, 4096)
            except OSError:
                break
            if not answered and b"assword" in tty:
                os.write(master, answer.encode() + b"\n")
                answered = True
    out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    os.close(master)
    return proc.returncode, out.decode(), err.decode(), tty.decode(errors="replace")


def test_cold_env_writes_no_secret_anywhere(vkey, sts, aws_home, tmp_path, awsmfa_bin):
    secret = base64.b32decode(sts.seed_base32 + "=" * (-len(sts.seed_base32) % 8))
    vkey.add_credential(AWS, "alice", secret=secret)
    vkey.set_password(PASSWORD)
    keyring = "awsmfa-test-" + uuid.uuid4().hex[:8]
    env = dict(aws_home, AWSMFA_KEYRING=keyring, XDG_RUNTIME_DIR=str(tmp_path / "run"), TMPDIR=str(tmp_path / "tmp"))
    os.makedirs(env["XDG_RUNTIME_DIR"]), os.makedirs(env["TMPDIR"])
    trace = tmp_path / "strace.log"
    started = time.time()
    try:
        code, out, err, tty = run_on_tty(
            ["strace", "-f", "-y", "-s", "65536", "-xx", "-o", str(trace),
             "-e", "trace=write,pwrite64,writev,sendto,sendmsg,openat,rename,renameat2,prlimit64,setrlimit",
             awsmfa_bin, "env", "base", "--format", "json", "--debug"], env, PASSWORD)
        assert code == 0, err
        creds = json.loads(out)
        derived = None
        # The derived OATH key lives in the keyring; read it back to search for it on disk too.
        ring = subprocess.run(["keyctl", "search", "@u", "keyring", keyring], capture_output=True, text=True).stdout.strip()
        shown = subprocess.run(["keyctl", "show", ring], capture_output=True, text=True).stdout
        oath = [l.split()[0] for l in shown.splitlines() if ";oathkey;" in l]
        assert oath, shown
        derived = subprocess.run(["keyctl", "pipe", oath[0]], capture_output=True).stdout
        assert derived
    finally:
        subprocess.run(["sh", "-c", f"id=$(keyctl search @u keyring {keyring}) && keyctl unlink $id @u"],
                       capture_output=True)
    secrets = {
        "secret access key": creds["SecretAccessKey"].encode(),
        "session token": creds["SessionToken"].encode(),
        "long-term secret": sts.secret_access_key.encode(),
        "OATH password": PASSWORD.encode(),
        "derived OATH key payload": derived,
    }
    log = trace.read_text()
    # Every write-like call: its fd is shown by -y as <path>; pipes, sockets and ttys are not files.
    written_to_files = []
    for line in log.splitlines():
        m = re.match(r"\d+\s+(write|pwrite64|writev)\((\d+)<([^>]*)>", line)
        if not m:
            continue
        # -xx escapes the fd's path as well as the data.
        path = bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-f]{2})", m.group(3))).decode(errors="replace") or m.group(3)
        if not re.match(r"(pipe|socket|/dev/pts|/dev/tty|/dev/null|anon_inode|UNIX)", path):
            written_to_files.append(line[m.end():])
    decoded = bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-f]{2})", "\n".join(written_to_files)))
    for name, value in secrets.items():
        assert value not in decoded, f"the {name} was written to a file"
    # Core dumps are off before any secret is read.
    # Only the soft limit: children get the user's limit back (restored before exec).
    assert re.search(r"(prlimit64\(0, RLIMIT_CORE, \{rlim_cur=0,|setrlimit\(RLIMIT_CORE, \{rlim_cur=0)", log), \
        "RLIMIT_CORE is never set to 0"
    # The debug log on stderr and the terminal redact everything.
    for name, value in secrets.items():
        assert value.decode(errors="ignore") not in err + tty, f"the {name} reached stderr or the tty"
    assert "debug: POST" in err and "****" in err
    # Nothing anywhere under HOME, the runtime dir or TMPDIR holds a secret.
    for top in [aws_home["HOME"], env["XDG_RUNTIME_DIR"], env["TMPDIR"], "/tmp"]:
        for directory, _, files in os.walk(top):
            for f in files:
                path = os.path.join(directory, f)
                if path == str(trace) or not os.path.isfile(path) or os.path.getmtime(path) < started - 1:
                    continue
                if path.startswith(vkey.state_path.rsplit("/", 1)[0]) or "vyubikey" in path:
                    continue  # the virtual YubiKey's own memory: the card, not awsmfa
                try:
                    data = open(path, "rb").read(20 << 20)
                except OSError:
                    continue
                for name, value in secrets.items():
                    if name in ("long-term secret",):
                        continue  # it lives in ~/.aws/credentials by the user's choice
                    assert value not in data, f"the {name} is in {path}"
