"""Start moto + the gate on loopback and seed an AWS-like account for awsmfa's tests.

    from stsgate.world import World
    w = World.start()          # moto + gate on free ports, alice/device/roles created, auth ON
    ...
    w.stop()

Everything the client needs is on the World object (see the dataclass fields).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import totp

ACCOUNT_ID = "123456789012"          # moto's default account (moto.core.DEFAULT_ACCOUNT_ID)
REGION = "us-east-1"
PEERS_DIR = str(Path(__file__).resolve().parent.parent)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(method: str, url: str, body: bytes | None = None, ctype: str | None = None, timeout=10.0):
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _wait(url: str, proc: subprocess.Popen, what: str, log: Path, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; log:\n{log.read_text()[-3000:]}")
        try:
            st, _ = _http("GET", url, timeout=2)
            if st == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout}s ({url}); log:\n{log.read_text()[-3000:]}")


@dataclass
class World:
    gate_url: str
    moto_url: str
    gate_port: int
    moto_port: int
    account_id: str
    region: str
    user_name: str
    user_arn: str
    access_key_id: str
    secret_access_key: str
    mfa_serial: str
    seed_base32: str
    role_arn: str                 # arn:aws:iam::123456789012:role/admin (trust: alice + MFA)
    chained_role_arn: str         # arn:aws:iam::123456789012:role/readonly (trust: role/admin)
    role_max_session: int
    log_dir: str
    procs: list = field(default_factory=list, repr=False)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(cls, seed_base32: str | None = None, log_dir: str | None = None) -> "World":
        try:
            import moto  # noqa: F401
        except ImportError as e:  # the fixture turns this into a test failure
            raise RuntimeError(f"moto is not importable by {sys.executable}: {e}") from e
        log_dir = log_dir or tempfile.mkdtemp(prefix="stsgate-")
        logs = Path(log_dir)
        mport, gport = free_port(), free_port()
        while gport == mport:
            gport = free_port()
        moto_url, gate_url = f"http://127.0.0.1:{mport}", f"http://127.0.0.1:{gport}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["PYTHONPATH"] = PEERS_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONUNBUFFERED"] = "1"
        procs = []
        try:
            mlog = logs / "moto.log"
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(mport)],
                stdout=open(mlog, "wb"), stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL, start_new_session=True))
            _wait(moto_url + "/moto-api/data.json", procs[-1], "moto", mlog)
            glog = logs / "gate.log"
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "stsgate.gate", "--port", str(gport), "--moto", moto_url],
                stdout=open(glog, "wb"), stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL, start_new_session=True))
            _wait(gate_url + "/_gate/health", procs[-1], "gate", glog)
            w = cls._seed(gate_url, moto_url, gport, mport, seed_base32, log_dir)
            w.procs = procs
            return w
        except BaseException:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
            raise

    @classmethod
    def _seed(cls, gate_url, moto_url, gport, mport, seed_base32, log_dir) -> "World":
        import boto3
        from botocore.config import Config

        # Request authentication is still OFF in moto: any key signs.  Go through the gate
        # so it learns the device seed and checks the enabling codes.
        iam = boto3.client("iam", endpoint_url=gate_url, region_name=REGION,
                           aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="setup",
                           config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        user = "alice"
        iam.create_user(UserName=user)
        # moto (unlike AWS) needs even sts:GetSessionToken allowed explicitly
        iam.put_user_policy(UserName=user, PolicyName="allow-all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        dev = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        serial = dev["SerialNumber"]
        seed = dev["Base32StringSeed"]          # botocore already base64-decoded the blob
        seed = seed.decode() if isinstance(seed, bytes) else seed
        if seed_base32:
            seed = seed_base32.replace(" ", "").upper()
            st, b = _http("POST", gate_url + "/_gate/mfa", json.dumps(
                {"user": user, "serial": serial, "seed_base32": seed}).encode(), "application/json")
            assert st == 200, b
        s = totp.step_at()
        iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                              AuthenticationCode1=totp.code_for_step(seed, s - 1),
                              AuthenticationCode2=totp.code_for_step(seed, s))
        user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{user}"
        max_session = 43200
        admin = iam.create_role(
            RoleName="admin", MaxSessionDuration=max_session,
            AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                               "Action": "sts:AssumeRole",
                               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))["Role"]
        iam.put_role_policy(RoleName="admin", PolicyName="allow-all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        ro = iam.create_role(
            RoleName="readonly",
            AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17",
                # AWS would take {"AWS": admin-role-ARN}; moto matches principals by exact
                # string and so refuses the admin role's *sessions*.  "*" + aws:PrincipalArn
                # means the same on AWS; moto ignores the ArnLike condition.
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                               "Action": "sts:AssumeRole",
                               "Condition": {"ArnLike": {"aws:PrincipalArn": admin["Arn"]}}}]}))["Role"]
        iam.put_role_policy(RoleName="readonly", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "iam:Get*",
                                                         "iam:List*"], "Resource": "*"}]}))
        # Now turn moto's request authentication ON (body "0", text/plain).
        st, b = _http("POST", moto_url + "/moto-api/reset-auth", b"0", "text/plain")
        if st != 200:
            raise RuntimeError(f"moto reset-auth failed: {st} {b[:300]!r}")
        w = cls(gate_url=gate_url, moto_url=moto_url, gate_port=gport, moto_port=mport,
                account_id=ACCOUNT_ID, region=REGION, user_name=user, user_arn=user_arn,
                access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"],
                mfa_serial=serial, seed_base32=seed, role_arn=admin["Arn"],
                chained_role_arn=ro["Arn"], role_max_session=max_session, log_dir=log_dir)
        w.reset_log()
        return w

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.procs = []

    def alive(self) -> bool:
        return bool(self.procs) and all(p.poll() is None for p in self.procs)

    # ------------------------------------------------------------------ MFA
    def totp(self, step_offset: int = 0, at: float | None = None) -> str:
        """The device's code for the current 30 s step (+ step_offset)."""
        return totp.code_at(self.seed_base32, at, step_offset)

    @staticmethod
    def step(at: float | None = None) -> int:
        return totp.step_at(at)

    def code_for_step(self, step: int) -> str:
        return totp.code_for_step(self.seed_base32, step)

    # ------------------------------------------------------------------ gate admin
    def _admin(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else (b"" if method == "POST" else None)
        st, b = _http(method, self.gate_url + path, body, "application/json" if body is not None else None)
        if st != 200:
            raise RuntimeError(f"gate admin {method} {path}: {st} {b[:300]!r}")
        return json.loads(b) if b else None

    def requests(self, action: str | None = None) -> list[dict]:
        """Requests the gate saw since the last reset_log() (optionally one Action)."""
        q = f"?action={action}" if action else ""
        return self._admin("GET", "/_gate/requests" + q)

    def count(self, action: str | None = None) -> int:
        return len(self.requests(action))

    def fault(self, kind: str, action: str = "*", count: int = 1, delay: float = 0.0, **extra):
        """Next `count` requests with Action `action` ('*' = any) get fault `kind`:
        throttle|500|503|reset|slow|malformed|html|truncated|skew (extra: status=, skew=)."""
        return self._admin("POST", "/_gate/fault", {"action": action, "kind": kind, "count": count,
                                                    "delay": delay, **extra})

    def clear_faults(self):
        return self._admin("DELETE", "/_gate/fault")

    def reset_log(self):
        """Clear the request log, used TOTP steps, faults and resync offsets; keep the world."""
        return self._admin("POST", "/_gate/clear")

    def expire_sessions(self, access_key_id: str | None = None) -> int:
        obj = {"access_key_id": access_key_id} if access_key_id else {}
        return self._admin("POST", "/_gate/expire", obj)["expired"]

    def sessions(self) -> dict:
        return self._admin("GET", "/_gate/sessions")

    def register_mfa(self, user: str, serial: str, seed_base32: str):
        return self._admin("POST", "/_gate/mfa", {"user": user, "serial": serial,
                                                  "seed_base32": seed_base32})

    # ------------------------------------------------------------------ clients
    def client(self, service: str, access_key_id: str | None = None, secret_access_key: str | None = None,
               session_token: str | None = None, retries: int = 1, **kw):
        """A boto3 client for `service` pointed at the gate (default: alice's long-term key).
        `retries` is the total number of attempts (1 = no retry), standard retry mode."""
        import boto3
        from botocore.config import Config
        return boto3.client(
            service, endpoint_url=self.gate_url, region_name=self.region,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            aws_session_token=session_token,
            config=Config(retries={"total_max_attempts": retries, "mode": "standard"}, **kw))

    def client_env(self) -> dict:
        """Endpoint variables a client process needs (no credentials)."""
        return {"AWS_ENDPOINT_URL": self.gate_url, "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region, "AWS_EC2_METADATA_DISABLED": "true"}
