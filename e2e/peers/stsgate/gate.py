"""The gate: a small HTTP server in front of moto that makes STS/IAM behave like AWS
where moto does not (MFA codes, unique session credentials, MFA conditions in trust
policies, EnableMFADevice/ResyncMFADevice codes, duration limits, faults).

    PYTHONPATH=e2e/peers python3 -m stsgate.gate --port P --moto http://127.0.0.1:M

Clients talk to the gate only (AWS_ENDPOINT_URL[_STS|_IAM] = http://127.0.0.1:P).
STS and IAM are told apart by the SigV4 credential scope's service (fallback: Action).

Admin API (no auth, JSON):
  GET  /_gate/health            {"ok": true, ...}
  GET  /_gate/requests[?action=A]  logged requests (list of dicts)
  POST /_gate/clear             clear log, used TOTP steps, faults, device clock offsets
  POST /_gate/reset             /clear + minted creds + devices + moto's /moto-api/reset
  POST /_gate/mfa               {"user","serial","seed_base32"} register an enabled device
  POST /_gate/fault             {"action","kind","count","delay","status","skew"}
  GET  /_gate/faults            pending faults
  POST /_gate/expire            {"access_key_id": K} or {} (all): expire gate sessions now
  GET  /_gate/sessions          minted sessions
Anything under /moto-api/ is passed to moto unchanged.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import hmac
import http.client
import json
import os
import re
import secrets
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from . import totp

NS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
STS_ACTIONS = {
    "GetSessionToken", "AssumeRole", "GetCallerIdentity", "GetFederationToken",
    "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "GetAccessKeyInfo",
    "DecodeAuthorizationMessage",
}
SKEW_LIMIT = 15 * 60
CHAIN_LIMIT = 3600

MSG_MFA_INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MSG_MFA_SERIAL = ("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify "
                  "your MFA serial number is valid and associated with this user.")
MSG_SESSION_GST = "Cannot call GetSessionToken with session credentials"
MSG_SIG = ("The request signature we calculated does not match the signature you provided. "
           "Check your AWS Secret Access Key and signing method. Consult the service "
           "documentation for details.")
MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_EXPIRED = "The security token included in the request is expired"
MSG_BAD_AUTHCODE = "Authentication code for device is not valid."
MSG_CHAIN = ("The requested DurationSeconds exceeds the 1 hour session limit for roles "
             "assumed by role chaining.")
MSG_ROLE_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade", "proxy-authorization", "proxy-authenticate"}

FAULT_KINDS = {"throttle", "500", "503", "reset", "slow", "malformed", "html", "truncated", "skew"}


# --------------------------------------------------------------------------- helpers

def amz_now(t: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if t is None else t))


def iso_ms(t: float) -> str:
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def parse_iso(s: str) -> float:
    """Parse 2026-11-24T04:05:04.399567Z / ...04Z / +00:00 (any fraction)."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?", s.strip())
    if not m:
        raise ValueError(s)
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac = float("0." + m.group(7)) if m.group(7) else 0.0
    base = dt.datetime(y, mo, d, h, mi, se, tzinfo=dt.timezone.utc).timestamp()
    tz = m.group(8)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        hh, mm = int(tz[1:3]), int(tz[-2:])
        base -= sign * (hh * 3600 + mm * 60)
    return base + frac


def parse_amz_date(s: str) -> float:
    return dt.datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp()


def xml_text(body: bytes, tag: str) -> str | None:
    m = re.search(rb"<(?:\w+:)?" + tag.encode() + rb">(.*?)</(?:\w+:)?" + tag.encode() + rb">", body, re.S)
    if not m:
        return None
    from xml.sax.saxutils import unescape
    return unescape(m.group(1).decode("utf-8", "replace").strip(), {"&quot;": '"', "&apos;": "'"})


def parse_auth_header(value: str) -> dict | None:
    if not value or not value.startswith("AWS4-HMAC-SHA256"):
        return None
    out = {}
    for part in value[len("AWS4-HMAC-SHA256"):].split(","):
        k, _, v = part.strip().partition("=")
        out[k] = v.strip()
    cred = out.get("Credential", "").split("/")
    if len(cred) != 5 or "SignedHeaders" not in out or "Signature" not in out:
        return None
    return {
        "akid": cred[0], "date": cred[1], "region": cred[2], "service": cred[3],
        "signed_headers": [h.strip().lower() for h in out["SignedHeaders"].split(";") if h.strip()],
        "signature": out["Signature"],
    }


class _Verifier(SigV4Auth):
    """botocore's SigV4 with exactly the headers the client listed in SignedHeaders."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = set(signed)

    def headers_to_sign(self, request):
        hm = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                hm[name.lower()] = value
        return hm


def random_akid() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))


def random_secret() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(secrets.choice(alphabet) for _ in range(40))


def random_token() -> str:
    # Real STS session tokens are opaque base64 of a few hundred characters
    # ("IQoJb3JpZ2luX2Vj..." / "FwoGZXIvYXdzE..."); keep a realistic size.
    return "IQoJb3JpZ2luX2VjEGAaCXVzLWVhc3QtMSJH" + base64.b64encode(secrets.token_bytes(300)).decode()


# --------------------------------------------------------------------------- state

class Gate:
    def __init__(self, moto_url: str):
        u = urlsplit(moto_url)
        self.moto_url = moto_url.rstrip("/")
        self.moto_host = u.hostname or "127.0.0.1"
        self.moto_port = u.port or 80
        self.lock = threading.RLock()
        self.log: list[dict] = []
        self.seq = 0
        self.sessions: dict[str, dict] = {}      # gate-minted GetSessionToken creds
        self.role_creds: dict[str, dict] = {}    # moto AssumeRole creds seen passing by
        self.devices: dict[str, dict] = {}       # serial -> {user, seed, enabled, offset, used:set}
        self.seeds: dict[str, str] = {}         # serial -> seed learned from CreateVirtualMFADevice
        self.faults: list[dict] = []
        self.keys: dict[str, dict] = {}          # long-term akid -> {user, secret}

    # ---- moto access
    def moto_request(self, method, path, headers, body, timeout=30.0):
        conn = http.client.HTTPConnection(self.moto_host, self.moto_port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            has_host = False
            for k, v in headers:
                if k.lower() in HOP or k.lower() == "content-length":
                    continue
                if k.lower() == "host":
                    has_host = True
                conn.putheader(k, v)
            if not has_host:
                conn.putheader("Host", f"{self.moto_host}:{self.moto_port}")
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
            return r.status, [(k, v) for k, v in r.getheaders()], data
        finally:
            conn.close()

    def moto_data(self) -> dict:
        st, _, data = self.moto_request("GET", "/moto-api/data.json", [], b"")
        if st != 200:
            return {}
        return json.loads(data)

    def lookup_key(self, akid: str) -> dict | None:
        with self.lock:
            if akid in self.keys:
                return self.keys[akid]
        try:
            data = self.moto_data()
        except Exception:
            return None
        found = None
        with self.lock:
            for k in data.get("iam", {}).get("AccessKey", []) or []:
                if k.get("user_name") and k.get("access_key_id"):
                    self.keys[k["access_key_id"]] = {"user": k["user_name"],
                                                     "secret": k["secret_access_key"],
                                                     "account": k.get("account_id", "123456789012")}
            found = self.keys.get(akid)
        return found

    def lookup_role(self, arn: str) -> dict | None:
        try:
            data = self.moto_data()
        except Exception:
            return None
        for r in data.get("iam", {}).get("Role", []) or []:
            if r.get("arn") == arn:
                return r
        return None

    # ---- faults
    def take_fault(self, action: str | None) -> dict | None:
        with self.lock:
            for f in self.faults:
                if f["action"] in ("*", action) and f["count"] > 0:
                    f["count"] -= 1
                    hit = dict(f)
                    self.faults = [x for x in self.faults if x["count"] > 0]
                    return hit
        return None

    # ---- MFA
    def check_code(self, user: str, serial: str, code: str) -> tuple | None:
        """None if the code is good (and marks its step used), else an error tuple."""
        with self.lock:
            dev = self.devices.get(serial)
            if not dev or not dev.get("enabled") or dev.get("user") != user:
                return (403, "AccessDenied", MSG_MFA_SERIAL)
            if not code or not re.fullmatch(r"\d{6}", code):
                return (403, "AccessDenied", MSG_MFA_INVALID)
            now_step = totp.step_at() + dev.get("offset", 0)
            for s in (now_step, now_step - 1, now_step + 1):
                if hmac.compare_digest(totp.code_for_step(dev["seed"], s), code):
                    if s in dev["used"]:
                        return (403, "AccessDenied", MSG_MFA_INVALID)
                    dev["used"].add(s)
                    return None
            return (403, "AccessDenied", MSG_MFA_INVALID)

    def find_pair(self, seed: str, c1: str, c2: str, lo: int, hi: int, base: int) -> int | None:
        """Step s in [base+lo, base+hi] with code(s)==c1 and code(s+1)==c2."""
        if not (c1 and c2 and re.fullmatch(r"\d{6}", c1) and re.fullmatch(r"\d{6}", c2)):
            return None
        for s in range(base + lo, base + hi + 1):
            if totp.code_for_step(seed, s) == c1 and totp.code_for_step(seed, s + 1) == c2:
                return s
        return None


# --------------------------------------------------------------------------- HTTP

class Reply(Exception):
    def __init__(self, status, code, message, service="sts", extra_headers=None, type_="Sender"):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.service, self.extra_headers, self.type_ = service, extra_headers or [], type_


def error_xml(service: str, code: str, message: str, type_="Sender") -> tuple[bytes, str]:
    rid = str(uuid.uuid4())
    body = (f'<ErrorResponse xmlns="{NS.get(service, NS["sts"])}">\n'
            f"  <Error>\n    <Type>{type_}</Type>\n    <Code>{escape(code)}</Code>\n"
            f"    <Message>{escape(message)}</Message>\n  </Error>\n"
            f"  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n")
    return body.encode(), rid


def validation(field: str, value, constraint: str) -> Reply:
    return Reply(400, "ValidationError",
                 f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
                 f"constraint: {constraint}")


def duration_seconds(text, default: int, maximum: int) -> int:
    """DurationSeconds as STS checks it: an integer from 900 to `maximum`; `default` if absent."""
    if text is None:
        return default
    try:
        duration = int(text)
    except ValueError:
        raise validation("durationSeconds", text, "Member must be an integer")
    if duration < 900:
        raise validation("durationSeconds", text, "Member must have value greater than or equal to 900")
    if duration > maximum:
        raise validation("durationSeconds", text, f"Member must have value less than or equal to {maximum}")
    return duration


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, gate: Gate):
        super().__init__(addr, Handler)
        self.gate = gate
        self.reset_sockets: set = set()

    def shutdown_request(self, request):
        if request in self.reset_sockets:
            self.reset_sockets.discard(request)
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_request(request)  # RST, no FIN first
            return
        super().shutdown_request(request)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stsgate"
    sys_version = ""

    def log_message(self, fmt, *args):  # keep quiet; the in-memory log is the record
        if os.environ.get("STSGATE_VERBOSE"):
            sys.stderr.write("gate: " + (fmt % args) + "\n")

    @property
    def gate(self) -> Gate:
        return self.server.gate

    # ---- plumbing
    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                line = self.rfile.readline().strip()
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline().strip():
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status: int, body: bytes, ctype="text/xml", headers=(), rid=None):
        if self.entry is not None:  # before the client can see the answer (and ask the log)
            self.entry["status"] = status
        self.send_response_only(status)
        date_set = False
        for k, v in headers:
            if k.lower() == "date":
                date_set = True
            self.send_header(k, v)
        if not date_set:
            self.send_header("Date", self.date_time_string())
        if rid:
            self.send_header("x-amzn-RequestId", rid)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def send_error_reply(self, r: Reply):
        body, rid = error_xml(r.service, r.code, r.message, r.type_)
        if self.entry is not None:
            self.entry["error_code"] = r.code
        self.send(r.status, body, headers=r.extra_headers, rid=rid)

    def send_json(self, obj, status=200):
        self.send(status, json.dumps(obj, default=str).encode(), ctype="application/json")

    def relay(self, status, headers, body):
        keep = [(k, v) for k, v in headers
                if k.lower() not in HOP and k.lower() not in ("content-length", "content-type", "server", "date")]
        ctype = next((v for k, v in headers if k.lower() == "content-type"), "text/xml")
        if self.entry is not None and status >= 400:
            self.entry["error_code"] = xml_text(body, "Code")
        self.send(status, body, ctype=ctype, headers=keep)

    # ---- entry points
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def dispatch(self):
        self.entry = None
        try:
            body = self.read_body()
        except Exception:
            self.close_connection = True
            return
        path = self.path
        try:
            if path.startswith("/_gate/"):
                return self.admin(path, body)
            if path.startswith("/moto-api"):
                return self.relay(*self.gate.moto_request(self.command, path, list(self.headers.items()), body))
            self.aws(body)
        except Reply as r:
            self.send_error_reply(r)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug in the gate: say so loudly, like a 500 from AWS
            traceback.print_exc()
            b, rid = error_xml("sts", "InternalFailure", f"stsgate internal error: {e!r}", "Receiver")
            try:
                self.send(500, b, rid=rid)
            except Exception:
                self.close_connection = True

    # ---- admin
    def admin(self, path, body):
        g = self.gate
        u = urlsplit(path)
        q = parse_qs(u.query)
        try:
            req = json.loads(body) if body.strip() else {}
        except ValueError:
            return self.send_json({"error": "bad json"}, 400)
        p = u.path.rstrip("/")
        if p == "/_gate/health":
            return self.send_json({"ok": True, "moto": g.moto_url})
        if p == "/_gate/requests":
            with g.lock:
                out = [dict(e) for e in g.log]
            if "action" in q:
                out = [e for e in out if e.get("action") == q["action"][0]]
            return self.send_json(out)
        if p in ("/_gate/clear", "/_gate/reset"):
            with g.lock:
                g.log.clear()
                g.faults.clear()
                for d in g.devices.values():
                    d["used"].clear()
                    d["offset"] = 0
                if p == "/_gate/reset":
                    g.sessions.clear()
                    g.role_creds.clear()
                    g.devices.clear()
                    g.seeds.clear()
                    g.keys.clear()
            if p == "/_gate/reset":
                g.moto_request("POST", "/moto-api/reset", [], b"")
            return self.send_json({"ok": True})
        if p == "/_gate/mfa" and self.command == "POST":
            try:
                seed = req["seed_base32"].strip().replace(" ", "").upper()
                totp.seed_bytes(seed)
                with g.lock:
                    g.seeds[req["serial"]] = seed
                    g.devices[req["serial"]] = {"user": req["user"], "seed": seed, "enabled": True,
                                                "offset": int(req.get("offset", 0)), "used": set()}
            except Exception as e:
                return self.send_json({"error": repr(e)}, 400)
            return self.send_json({"ok": True})
        if p == "/_gate/fault":
            if self.command == "DELETE":
                with g.lock:
                    g.faults.clear()
                return self.send_json({"ok": True})
            kind = str(req.get("kind", ""))
            if kind not in FAULT_KINDS:
                return self.send_json({"error": f"kind must be one of {sorted(FAULT_KINDS)}"}, 400)
            f = {"action": req.get("action", "*"), "kind": kind, "count": int(req.get("count", 1)),
                 "delay": float(req.get("delay", 0)), "status": req.get("status"),
                 "skew": float(req.get("skew", 1800))}
            with g.lock:
                g.faults.append(f)
            return self.send_json({"ok": True, "fault": f})
        if p == "/_gate/faults":
            with g.lock:
                return self.send_json(list(g.faults))
        if p == "/_gate/expire":
            k = req.get("access_key_id")
            n = 0
            with g.lock:
                for key, s in list(g.sessions.items()) + list(g.role_creds.items()):
                    if k is None or key == k:
                        s["expiry"] = time.time() - 1
                        n += 1
            return self.send_json({"ok": True, "expired": n})
        if p == "/_gate/sessions":
            with g.lock:
                return self.send_json({k: dict(v) for k, v in g.sessions.items()})
        if p == "/_gate/devices":
            with g.lock:
                return self.send_json({k: {**v, "used": sorted(v["used"])} for k, v in g.devices.items()})
        return self.send_json({"error": "no such admin endpoint"}, 404)

    # ---- AWS traffic
    def aws(self, body: bytes):
        g = self.gate
        u = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        ctype = (self.headers.get("Content-Type") or "").lower()
        if body and ("x-www-form-urlencoded" in ctype or not ctype):
            params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                                         keep_blank_values=True).items()})
        action = params.get("Action")
        auth = parse_auth_header(self.headers.get("Authorization", ""))
        service = (auth or {}).get("service") or ("sts" if action in STS_ACTIONS else "iam")
        token = self.headers.get("X-Amz-Security-Token")
        self.params, self.body, self.auth, self.service, self.token = params, body, auth, service, token
        self.entry = {
            "time": time.time(), "method": self.command, "service": service, "action": action,
            "access_key_id": (auth or {}).get("akid"), "session_token": bool(token),
            "serial_number": params.get("SerialNumber"), "token_code": params.get("TokenCode"),
            "duration_seconds": params.get("DurationSeconds"), "role_arn": params.get("RoleArn"),
            "user_name": params.get("UserName"), "status": None, "error_code": None, "fault": None,
        }
        with g.lock:
            g.seq += 1
            self.entry["seq"] = g.seq
            g.log.append(self.entry)

        fault = g.take_fault(action)
        if fault:
            self.entry["fault"] = fault["kind"]
            if self.apply_fault(fault):
                return

        if auth:
            self.check_clock(service)
        akid = (auth or {}).get("akid")
        with g.lock:
            sess = g.sessions.get(akid) if akid else None
            rcred = g.role_creds.get(akid) if akid else None

        if sess is not None:
            return self.from_session(akid, sess, action)
        if rcred is not None:
            return self.from_role_creds(akid, rcred, action)
        return self.from_long_term(akid, action)

    def apply_fault(self, f) -> bool:
        """True if the fault produced the answer; False to carry on normally."""
        kind, svc = f["kind"], self.service
        if kind == "slow":
            time.sleep(f["delay"])
            return False
        if f["delay"]:
            time.sleep(f["delay"])
        if kind == "throttle":
            raise Reply(int(f.get("status") or 400), "Throttling", "Rate exceeded", svc)
        if kind == "500":
            raise Reply(500, "InternalFailure", "An internal error occurred.", svc, type_="Receiver")
        if kind == "503":
            raise Reply(503, "ServiceUnavailable", "Service is unavailable. Please try again later.",
                        svc, type_="Receiver")
        if kind == "reset":
            self.entry["status"] = 0
            self.server.reset_sockets.add(self.request)
            self.close_connection = True
            return True
        if kind == "malformed":
            self.send(int(f.get("status") or 200),
                      b'<?xml version="1.0"?>\n<GetSessionTokenResponse xmlns="' + NS["sts"].encode()
                      + b'"><GetSessionTokenResult><Credentials><AccessKeyId>ASIA&&<</Credentials>'
                        b"</GetSessionTokenResult></Nope>\n")
            return True
        if kind == "html":
            self.send(int(f.get("status") or 200),
                      b"<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>"
                      b"<body><h1>Welcome to Hotel WiFi</h1><p>Please accept the terms.</p></body></html>\n",
                      ctype="text/html; charset=utf-8")
            return True
        if kind == "truncated":
            full = (b'<GetSessionTokenResponse xmlns="' + NS["sts"].encode() + b'">\n'
                    b"  <GetSessionTokenResult>\n    <Credentials>\n"
                    b"      <AccessKeyId>ASIAAAAAAAAAAAAAAAAA</AccessKeyId>\n"
                    b"      <SecretAccessKey>" + b"x" * 40 + b"</SecretAccessKey>\n"
                    b"      <SessionToken>" + b"y" * 300 + b"</SessionToken>\n"
                    b"      <Expiration>2099-01-01T00:00:00.000Z</Expiration>\n"
                    b"    </Credentials>\n  </GetSessionTokenResult>\n</GetSessionTokenResponse>\n")
            self.entry["status"] = int(f.get("status") or 200)
            self.send_response_only(int(f.get("status") or 200))
            self.send_header("Date", self.date_time_string())
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(full)))
            self.end_headers()
            self.wfile.write(full[: len(full) // 3])
            self.wfile.flush()
            self.close_connection = True
            return True
        if kind == "skew":
            server_now = time.time() + f["skew"]
            req_date = self.headers.get("X-Amz-Date") or amz_now()
            raise Reply(403, "SignatureDoesNotMatch",
                        f"Signature expired: {req_date} is now earlier than "
                        f"{amz_now(server_now - SKEW_LIMIT)} ({amz_now(server_now)} - 15 min.)",
                        svc, extra_headers=[("Date", self.date_time_string(server_now))])
        return False

    def check_clock(self, svc):
        d = self.headers.get("X-Amz-Date")
        if not d:
            return
        try:
            t = parse_amz_date(d)
        except ValueError:
            return
        now = time.time()
        if t < now - SKEW_LIMIT:
            raise Reply(403, "SignatureDoesNotMatch",
                        f"Signature expired: {d} is now earlier than {amz_now(now - SKEW_LIMIT)} "
                        f"({amz_now(now)} - 15 min.)", svc)
        if t > now + SKEW_LIMIT:
            raise Reply(403, "SignatureDoesNotMatch",
                        f"Signature not yet current: {d} is still later than {amz_now(now + SKEW_LIMIT)} "
                        f"({amz_now(now)} + 15 min.)", svc)

    # ---- signature
    def verify_signature(self, akid, secret, token):
        a = self.auth
        signed = a["signed_headers"]
        hdrs = {}
        for k, v in self.headers.items():
            if k.lower() in signed:
                hdrs[k] = v
        host = self.headers.get("Host", "localhost")
        req = AWSRequest(method=self.command, url=f"http://{host}{self.path}", data=self.body, headers=hdrs)
        req.context["timestamp"] = self.headers.get("X-Amz-Date") or ""
        v = _Verifier(Credentials(akid, secret, token), a["service"], a["region"], signed)
        cr = v.canonical_request(req)
        sig = v.signature(v.string_to_sign(req, cr), req)
        if ("x-amz-date" not in signed and "date" not in signed) or not hmac.compare_digest(sig, a["signature"]):
            raise Reply(403, "SignatureDoesNotMatch", MSG_SIG, self.service)
        if a["date"] != req.context["timestamp"][:8]:
            raise Reply(403, "SignatureDoesNotMatch", MSG_SIG, self.service)

    def forward_resigned(self, akid, secret):
        """Re-sign the request with a long-term key and send it to moto."""
        a = self.auth
        u = urlsplit(self.path)
        ctype = self.headers.get("Content-Type") or "application/x-www-form-urlencoded; charset=utf-8"
        req = AWSRequest(method=self.command, url=self.gate.moto_url + self.path,
                         data=self.body, headers={"Content-Type": ctype})
        SigV4Auth(Credentials(akid, secret), a["service"], a["region"]).add_auth(req)
        headers = [("Host", f"{self.gate.moto_host}:{self.gate.moto_port}")]
        headers += [(k, v) for k, v in req.headers.items() if k.lower() != "host"]
        path = u.path + (("?" + u.query) if u.query else "")
        return self.gate.moto_request(self.command, path or "/", headers, self.body)

    def forward_unchanged(self):
        return self.gate.moto_request(self.command, self.path, list(self.headers.items()), self.body)

    # ---- routes by signer
    def from_session(self, akid, sess, action):
        g = self.gate
        if self.token != sess["token"]:
            raise Reply(403, "InvalidClientTokenId", MSG_INVALID_TOKEN, self.service)
        self.verify_signature(akid, sess["secret"], sess["token"])
        if time.time() >= sess["expiry"]:
            raise Reply(403, "ExpiredToken", MSG_EXPIRED, self.service)
        self.entry["user"] = sess["user"]
        if action == "GetSessionToken":
            raise Reply(403, "AccessDenied", MSG_SESSION_GST, self.service)
        if action == "AssumeRole":
            mfa = self.assume_role_checks(sess["user"], sess["mfa"], chained=True)
            st, hd, bd = self.forward_resigned(sess["user_akid"], sess["user_secret"])
            if st == 200:
                self.remember_role_creds(bd, mfa)
                bd = self.ms_expiration(bd)
            return self.relay(st, hd, bd)
        if action in ("EnableMFADevice", "ResyncMFADevice"):
            return self.mfa_admin(action, sess["user_akid"], sess["user_secret"], resign=True)
        st, hd, bd = self.forward_resigned(sess["user_akid"], sess["user_secret"])
        self.after_forward(action, st, bd)
        return self.relay(st, hd, bd)

    def from_role_creds(self, akid, rc, action):
        # moto verifies these signatures itself; the gate adds expiry and the chaining rules.
        if time.time() >= rc["expiry"] and self.token == rc["token"]:
            raise Reply(403, "ExpiredToken", MSG_EXPIRED, self.service)
        if action == "GetSessionToken":
            st, hd, bd = self.forward_unchanged()  # let moto judge the signature first
            if st != 200:
                return self.relay(st, hd, bd)
            raise Reply(403, "AccessDenied", MSG_SESSION_GST, self.service)
        if action == "AssumeRole":
            st, hd, bd = self.forward_unchanged()      # moto verifies signature + trust
            if st != 200:
                return self.relay(st, hd, bd)
            mfa = self.assume_role_checks(None, rc["mfa"], chained=True)
            self.remember_role_creds(bd, mfa)
            return self.relay(st, hd, self.ms_expiration(bd))
        st, hd, bd = self.forward_unchanged()
        self.after_forward(action, st, bd)
        return self.relay(st, hd, bd)

    def from_long_term(self, akid, action):
        g = self.gate
        if action == "GetSessionToken":
            if self.token:
                # a session token with a key the gate did not mint: moto decides (unknown key)
                return self.relay(*self.forward_unchanged())
            st, hd, bd = self.forward_unchanged()      # moto verifies the signature
            if st != 200:
                return self.relay(st, hd, bd)
            return self.get_session_token(akid)
        if action in ("EnableMFADevice", "ResyncMFADevice"):
            key = g.lookup_key(akid) if akid else None
            if key and self.auth and not self.token:
                self.verify_signature(akid, key["secret"], None)
            elif action == "ResyncMFADevice":
                # never reaches moto (moto has no ResyncMFADevice): the gate must judge the signer
                raise Reply(403, "InvalidClientTokenId", MSG_INVALID_TOKEN, "iam")
            if key:
                self.entry["user"] = key["user"]
            return self.mfa_admin(action, None, None, resign=False)
        if action == "AssumeRole" and not self.token:
            st, hd, bd = self.forward_unchanged()      # moto verifies signature + trust
            if st != 200:
                return self.relay(st, hd, bd)
            key = g.lookup_key(akid) if akid else None
            mfa = self.assume_role_checks(key["user"] if key else None, False, chained=False)
            self.remember_role_creds(bd, mfa)
            return self.relay(st, hd, self.ms_expiration(bd))
        st, hd, bd = self.forward_unchanged()
        self.after_forward(action, st, bd)
        return self.relay(st, hd, bd)

    # ---- STS semantics
    def get_session_token(self, akid):
        g, p = self.gate, self.params
        duration = duration_seconds(p.get("DurationSeconds"), default=43200, maximum=129600)
        key = g.lookup_key(akid)
        if key is None:
            raise Reply(403, "InvalidClientTokenId", MSG_INVALID_TOKEN)
        self.entry["user"] = key["user"]
        mfa = False
        serial, code = p.get("SerialNumber"), p.get("TokenCode")
        if serial is not None or code is not None:
            self.validate_mfa_params(serial, code)
            err = g.check_code(key["user"], serial or "", code or "")
            if err:
                raise Reply(*err)
            mfa = True
        now = time.time()
        new = {"secret": random_secret(), "token": random_token(), "user": key["user"],
               "user_akid": akid, "user_secret": key["secret"], "mfa": mfa, "serial": serial,
               "expiry": now + duration, "issued": now}
        new_akid = random_akid()
        with g.lock:
            g.sessions[new_akid] = new
        self.entry["minted"] = new_akid
        rid = str(uuid.uuid4())
        xml = (f'<GetSessionTokenResponse xmlns="{NS["sts"]}">\n'
               f"  <GetSessionTokenResult>\n    <Credentials>\n"
               f"      <SessionToken>{new['token']}</SessionToken>\n"
               f"      <SecretAccessKey>{escape(new['secret'])}</SecretAccessKey>\n"
               f"      <Expiration>{iso_ms(new['expiry'])}</Expiration>\n"
               f"      <AccessKeyId>{new_akid}</AccessKeyId>\n"
               f"    </Credentials>\n  </GetSessionTokenResult>\n"
               f"  <ResponseMetadata>\n    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n"
               f"</GetSessionTokenResponse>\n")
        self.send(200, xml.encode(), rid=rid)

    def validate_mfa_params(self, serial, code):
        if serial is not None:
            if len(serial) < 9:
                raise validation("serialNumber", serial, "Member must have length greater than or equal to 9")
            if len(serial) > 256:
                raise validation("serialNumber", serial, "Member must have length less than or equal to 256")
            if not re.fullmatch(r"[\w+=/:,.@-]*", serial):
                raise validation("serialNumber", serial,
                                 "Member must satisfy regular expression pattern: [\\w+=/:,.@-]*")
        if code is not None:
            if len(code) != 6:
                raise validation("tokenCode", code, "Member must have length "
                                 + ("greater than or equal to 6" if len(code) < 6 else "less than or equal to 6"))
            if not re.fullmatch(r"\d*", code):
                raise validation("tokenCode", code, "Member must satisfy regular expression pattern: [\\d]*")

    def assume_role_checks(self, user, caller_mfa, chained):
        """Duration limits, MFA code, MFA condition of the trust policy.  Returns the
        session's MFA flag.

        Duration: AWS caps role *chaining* at 1 h.  AWS's own knowledge-center article
        (iam-role-chaining-limit) and tools that hit it (aws-vault #263/#800, aws-runas #11)
        show that AssumeRole signed with GetSessionToken credentials counts as chaining
        too: "The requested DurationSeconds exceeds the 1 hour session limit for roles
        assumed by role chaining."  So any AssumeRole signed with temporary credentials
        (gate-minted or a role's) is capped at 3600 s; long-term keys get the role's
        MaxSessionDuration (AssumeRole API reference)."""
        g, p = self.gate, self.params
        duration = duration_seconds(p.get("DurationSeconds"), default=3600, maximum=43200)
        role_arn = p.get("RoleArn", "")
        role = g.lookup_role(role_arn)
        if chained and duration > CHAIN_LIMIT:
            raise Reply(400, "ValidationError", MSG_CHAIN)
        if role and duration > int(role.get("max_session_duration") or 3600):
            raise Reply(400, "ValidationError", MSG_ROLE_MAX)
        mfa = bool(caller_mfa)
        serial, code = p.get("SerialNumber"), p.get("TokenCode")
        if serial is not None or code is not None:
            self.validate_mfa_params(serial, code)
            if user is None:
                # role session: no MFA device of its own
                raise Reply(403, "AccessDenied", MSG_MFA_SERIAL)
            err = g.check_code(user, serial or "", code or "")
            if err:
                raise Reply(*err)
            mfa = True
        if role and trust_requires_mfa(role.get("assume_role_policy_document")) and not mfa:
            caller = (f"arn:aws:iam::{role.get('account_id', '123456789012')}:user/{user}" if user
                      else "the caller")
            raise Reply(403, "AccessDenied",
                        f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        return mfa

    @staticmethod
    def ms_expiration(body: bytes) -> bytes:
        """moto writes microseconds (…04.399567Z); AWS writes milliseconds (…04.399Z)."""
        return re.sub(rb"(<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,3})\d*)?(?:Z|\+00:00)?(</Expiration>)",
                      lambda m: m.group(1) + b"." + (m.group(2) or b"000").ljust(3, b"0") + b"Z" + m.group(3),
                      body)

    def remember_role_creds(self, body: bytes, mfa: bool):
        akid = xml_text(body, "AccessKeyId")
        if not akid:
            return
        exp = xml_text(body, "Expiration")
        try:
            expiry = parse_iso(exp) if exp else time.time() + 3600
        except ValueError:
            expiry = time.time() + 3600
        with self.gate.lock:
            self.gate.role_creds[akid] = {"token": xml_text(body, "SessionToken"), "expiry": expiry,
                                          "mfa": mfa, "role_arn": self.params.get("RoleArn")}

    # ---- IAM semantics
    def after_forward(self, action, status, body):
        g, p = self.gate, self.params
        if status != 200:
            return
        if action == "CreateVirtualMFADevice":
            serial = xml_text(body, "SerialNumber")
            seed = xml_text(body, "Base32StringSeed")
            if serial and seed:
                with g.lock:
                    g.seeds[serial] = totp.seed_from_wire(seed)
        elif action == "DeactivateMFADevice":
            with g.lock:
                d = g.devices.get(p.get("SerialNumber", ""))
                if d:
                    d["enabled"] = False
        elif action == "DeleteVirtualMFADevice":
            with g.lock:
                g.devices.pop(p.get("SerialNumber", ""), None)
                g.seeds.pop(p.get("SerialNumber", ""), None)
        elif action == "CreateAccessKey":
            akid, secret = xml_text(body, "AccessKeyId"), xml_text(body, "SecretAccessKey")
            user = xml_text(body, "UserName")
            if akid and secret and user:
                with g.lock:
                    g.keys[akid] = {"user": user, "secret": secret, "account": "123456789012"}

    def mfa_admin(self, action, user_akid, user_secret, resign):
        g, p = self.gate, self.params
        serial = p.get("SerialNumber", "")
        user = p.get("UserName") or self.entry.get("user")
        c1, c2 = p.get("AuthenticationCode1", ""), p.get("AuthenticationCode2", "")
        self.entry["serial_number"] = serial
        self.entry["token_code"] = f"{c1},{c2}"
        now = totp.step_at()
        with g.lock:
            if action == "EnableMFADevice":
                seed = g.seeds.get(serial)
                if seed is None:
                    raise Reply(403, "InvalidAuthenticationCode", MSG_BAD_AUTHCODE, "iam")
                # Two consecutive codes, the second no later than the current step (one
                # step of tolerance for a device clock slightly ahead).
                s = g.find_pair(seed, c1, c2, -3, 0, now)
                if s is None:
                    raise Reply(403, "InvalidAuthenticationCode", MSG_BAD_AUTHCODE, "iam")
            else:
                dev = g.devices.get(serial)
                if dev is None or not dev.get("enabled") or (user and dev["user"] != user):
                    raise Reply(404, "NoSuchEntity",
                                f"MFA device with serial number {serial} not found.", "iam")
                # Resync exists for devices whose clock drifted: look far either way.
                s = g.find_pair(dev["seed"], c1, c2, -40, 40, now)
                if s is None:
                    raise Reply(403, "InvalidAuthenticationCode", MSG_BAD_AUTHCODE, "iam")
        if action == "EnableMFADevice":
            st, hd, bd = (self.forward_resigned(user_akid, user_secret) if resign
                          else self.forward_unchanged())
            if st == 200:
                with g.lock:
                    g.devices[serial] = {"user": user, "seed": g.seeds[serial], "enabled": True,
                                         "offset": 0, "used": {s, s + 1}}
            return self.relay(st, hd, bd)
        with g.lock:
            dev = g.devices[serial]
            # device clock offset in steps: the second code belongs to "now" on the device
            dev["offset"] = (s + 1) - now
            dev["used"].update({s, s + 1})
        rid = str(uuid.uuid4())
        xml = (f'<ResyncMFADeviceResponse xmlns="{NS["iam"]}">\n  <ResponseMetadata>\n'
               f"    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n</ResyncMFADeviceResponse>\n")
        self.send(200, xml.encode(), rid=rid)


def trust_requires_mfa(doc) -> bool:
    """True when every Allow statement for sts:AssumeRole carries
    Bool/BoolIfExists aws:MultiFactorAuthPresent = true (moto ignores Bool conditions)."""
    if not doc:
        return False
    try:
        pol = json.loads(doc) if isinstance(doc, str) else doc
    except ValueError:
        return False
    stmts = pol.get("Statement", [])
    if isinstance(stmts, dict):
        stmts = [stmts]
    allows = []
    for s in stmts:
        acts = s.get("Action", [])
        acts = [acts] if isinstance(acts, str) else acts
        if s.get("Effect") == "Allow" and any(a in ("sts:AssumeRole", "sts:*", "*") for a in acts):
            allows.append(s)
    if not allows:
        return False

    def needs(s):
        cond = s.get("Condition") or {}
        for op in ("Bool", "BoolIfExists"):
            v = (cond.get(op) or {}).get("aws:MultiFactorAuthPresent")
            if v is not None:
                vals = [v] if not isinstance(v, list) else v
                if any(str(x).lower() == "true" for x in vals):
                    return True
        return False

    return all(needs(s) for s in allows)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="stsgate.gate")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--moto", required=True, help="moto server URL, e.g. http://127.0.0.1:5000")
    a = ap.parse_args(argv)
    srv = Server((a.host, a.port), Gate(a.moto))
    print(f"stsgate listening on http://{a.host}:{srv.server_address[1]} -> {a.moto}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
