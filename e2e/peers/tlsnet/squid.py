"""A real forward proxy for tests: Debian's squid, one private instance with two ports.

    proxy = Squid(hosts=["sts.awsmfa-test.invalid", ...], users={"proxyuser": "p@ss:w/rd"}).start()
    proxy.open_port      # 127.0.0.1, no authentication
    proxy.auth_port      # 127.0.0.1, basic authentication against `users` (else 407)
    proxy.url("open") / proxy.url("auth", user, password)   # proxy URLs, credentials %-encoded
    mark = proxy.mark(); ...; proxy.wait_entries(mark, port=proxy.auth_port, method="CONNECT")
    proxy.stop()

Names in `hosts` resolve to 127.0.0.1 for squid only (its `hosts_file`); squid's DNS is pointed
at 127.0.0.1 so nothing else it might look up leaves the machine. No cache, CONNECT to any port,
logs, pid and helpers' files in a private temp dir, removed by stop().

As root, squid refuses to keep root privileges (FATAL "Don't run Squid as root, set
'cache_effective_user'!", even with cache_effective_user root): it runs as `proxy` (Debian's user
for squid), so the temp dir is chowned to that user. Each instance has its own service name
(-n): squid names its /dev/shm segments after it, and two instances of one name collide
("shm_open(/squid-cf__metadata.shm): File exists"); stop() removes the segments a killed squid
leaves behind. `shutdown_lifetime 0` makes SIGTERM quick.

access.log lines (logformat `tlsnet`): `LOCALPORT METHOD URL STATUS USER`; a CONNECT is logged
when its tunnel closes, so wait_entries() polls. Connections without a request (start-up probes)
log as `PORT - error:transaction-end-before-headers 0 -` and are skipped.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

SQUID_CANDIDATES = ("/usr/sbin/squid",)
NCSA_HELPER_CANDIDATES = ("/usr/lib/squid/basic_ncsa_auth", "/usr/lib64/squid/basic_ncsa_auth")


class PeerMissing(RuntimeError):
    """A program the proxy peer needs is not installed."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _find(name: str, candidates) -> str | None:
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    return shutil.which(name)


def _apr1(password: str) -> str:
    done = subprocess.run(["openssl", "passwd", "-apr1", "-stdin"], input=password + "\n",
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0 or not done.stdout.startswith("$apr1$"):
        raise RuntimeError(f"openssl passwd -apr1 failed: {done.stderr.strip()}")
    return done.stdout.strip()


@dataclass
class Entry:
    port: int
    method: str
    url: str
    status: int
    user: str | None

    def __str__(self):
        return f"{self.port} {self.method} {self.url} {self.status} {self.user or '-'}"


class Squid:
    def __init__(self, hosts=(), users: dict[str, str] | None = None, address: str = "127.0.0.1"):
        self.hosts = list(hosts)
        self.users = dict(users or {})
        self.address = address
        self.dir: str | None = None
        self.open_port = 0
        self.auth_port = 0
        self.service = "tlsnet" + uuid.uuid4().hex[:12]
        self.proc: subprocess.Popen | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 20.0) -> "Squid":
        squid = _find("squid", SQUID_CANDIDATES)
        helper = _find("basic_ncsa_auth", NCSA_HELPER_CANDIDATES)
        if not squid or not helper:
            raise PeerMissing("the proxy peer needs Debian's squid (/usr/sbin/squid and "
                              "/usr/lib/squid/basic_ncsa_auth): apt-get install squid "
                              "(scripts/deps.sh test installs it)")
        if not shutil.which("openssl"):
            raise PeerMissing("the proxy peer needs the openssl command to hash its password file")
        d = Path(tempfile.mkdtemp(prefix="tlsnet-squid-"))
        self.dir = str(d)
        self.open_port = free_port()
        self.auth_port = free_port()
        while self.auth_port == self.open_port:
            self.auth_port = free_port()
        (d / "hosts").write_text("".join(f"{self.address} {h}\n" for h in self.hosts))
        (d / "passwd").write_text("".join(f"{u}:{_apr1(p)}\n" for u, p in self.users.items()))
        as_root = os.geteuid() == 0
        user = None
        if as_root:
            for candidate in ("proxy", "nobody"):
                try:
                    user = pwd.getpwnam(candidate)
                    break
                except KeyError:
                    continue
            if user is None:
                raise PeerMissing("squid refuses to run as root and there is no `proxy` or "
                                  "`nobody` user to run it as")
        lines = [
            f"http_port {self.address}:{self.open_port} name=open",
            f"http_port {self.address}:{self.auth_port} name=auth",
            "visible_hostname tlsnet-squid",
            *( [f"cache_effective_user {user.pw_name}"] if user else [] ),
            f"pid_filename {d}/squid.pid",
            f"cache_log {d}/cache.log",
            "logformat tlsnet %>lp %rm %ru %>Hs %un",
            f"access_log stdio:{d}/access.log tlsnet",
            "buffered_logs off",
            "cache_store_log none",
            "logfile_rotate 0",
            f"coredump_dir {d}",
            "cache deny all",
            "cache_mem 8 MB",
            "memory_cache_shared off",
            "digest_generation off",
            f"hosts_file {d}/hosts",
            "dns_nameservers 127.0.0.1",
            "dns_timeout 5 seconds",
            "connect_timeout 10 seconds",
            "pinger_enable off",
            "shutdown_lifetime 0 seconds",
            "via off",
            "forwarded_for transparent",
            f"auth_param basic program {helper} {d}/passwd",
            "auth_param basic children 2 startup=1 idle=1",
            "auth_param basic realm tlsnet-squid",
            "auth_param basic credentialsttl 1 second",
            "acl on_open myportname open",
            "acl on_auth myportname auth",
            "acl authed proxy_auth REQUIRED",
            "http_access allow on_open",
            # The last ACL of a deny line being proxy_auth makes squid answer 407 (a challenge),
            # for missing and for wrong credentials alike.
            "http_access deny on_auth !authed",
            "http_access allow on_auth authed",
            "http_access deny all",
        ]
        (d / "squid.conf").write_text("\n".join(lines) + "\n")
        if user:
            for p in [d, *d.iterdir()]:
                os.chown(p, user.pw_uid, user.pw_gid)
        self.proc = subprocess.Popen(
            [squid, "-N", "-n", self.service, "-f", str(d / "squid.conf")],
            stdout=open(d / "squid.out", "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=str(d), start_new_session=True)
        deadline = time.time() + timeout
        pending = {self.open_port, self.auth_port}
        while pending:
            if self.proc.poll() is not None:
                log = self.log_tail()
                self.stop()
                raise RuntimeError(f"squid exited with {self.proc.returncode} at start; log:\n{log}")
            if time.time() > deadline:
                log = self.log_tail()
                self.stop()
                raise RuntimeError(f"squid did not accept connections within {timeout}s; log:\n{log}")
            for port in list(pending):
                try:
                    with socket.create_connection((self.address, port), timeout=0.5):
                        pending.discard(port)
                except OSError:
                    pass
            if pending:
                time.sleep(0.02)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    # the group was made for this squid (start_new_session): its helpers go too
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(5)
        for seg in Path("/dev/shm").glob(f"{self.service}-*"):
            try:
                seg.unlink()
            except OSError:
                pass
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def log_tail(self, n: int = 4000) -> str:
        out = []
        for name in ("squid.out", "cache.log"):
            try:
                out.append(f"--- {name}\n" + (Path(self.dir) / name).read_text(errors="replace")[-n:])
            except (OSError, TypeError):
                pass
        return "\n".join(out)

    # ------------------------------------------------------------------ URLs
    def url(self, which: str = "open", user: str | None = None, password: str | None = None) -> str:
        port = self.auth_port if which == "auth" else self.open_port
        cred = ""
        if user is not None:
            cred = urllib.parse.quote(user, safe="")
            if password is not None:
                cred += ":" + urllib.parse.quote(password, safe="")
            cred += "@"
        return f"http://{cred}{self.address}:{port}"

    # ------------------------------------------------------------------ access.log
    def entries(self) -> list[Entry]:
        try:
            text = (Path(self.dir) / "access.log").read_text(errors="replace")
        except (OSError, TypeError):
            return []
        found = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) != 5 or not parts[0].isdigit() or not parts[3].isdigit() or parts[1] == "-":
                continue
            found.append(Entry(int(parts[0]), parts[1], parts[2], int(parts[3]),
                               None if parts[4] == "-" else urllib.parse.unquote(parts[4])))
        return found

    def mark(self) -> int:
        """A position in the log: entries after it are those of what comes next."""
        return len(self.entries())

    def since(self, mark: int, port: int | None = None, method: str | None = None) -> list[Entry]:
        return [e for e in self.entries()[mark:]
                if (port is None or e.port == port) and (method is None or e.method == method)]

    def wait_entries(self, mark: int, count: int = 1, timeout: float = 5.0, **match) -> list[Entry]:
        """Entries since `mark` (filtered by port=/method=), once at least `count` are there or
        `timeout` has passed; then a short quiet period catches any that follow."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.since(mark, **match)) >= count:
                break
            time.sleep(0.02)
        time.sleep(0.1)
        return self.since(mark, **match)
