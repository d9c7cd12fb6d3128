"""A fake AWS sign-in federation endpoint (the console sign-in URL service), stdlib only.

    from federation import FakeFederation
    fed = FakeFederation.start()              # 127.0.0.1, a free port, daemon threads
    ... AWS_ENDPOINT_URL_SIGNIN=fed.url ...   # the sign-in base: fed.url + "/federation"
    fed.sessions                              # every session JSON it accepted, in order
    fed.issued                                # every SigninToken it issued, in order
    fed.log                                   # every request (see _Handler._record)
    fed.set_mode("error500")
    fed.stop()

    PYTHONPATH=e2e/peers python3 -m federation --port P    # standalone; prints its URL

What AWS documents (IAM user guide, "Enable custom identity broker access to the AWS
console"): GET /federation?Action=getSigninToken&Session=<url-encoded JSON {"sessionId",
"sessionKey", "sessionToken"}> answers {"SigninToken": "..."}; the browser then opens
/federation?Action=login&Issuer=…&Destination=<url-encoded>&SigninToken=<token>.

The fake:
  getSigninToken  GET only; exactly the parameters Action and Session (SessionDuration
                  900..43200 allowed too); Session is a JSON object with exactly the keys
                  sessionId (ASIA + 16 [A-Z0-9]), sessionKey (40 [A-Za-z0-9+/]) and sessionToken
                  (100 or more [A-Za-z0-9+/=]), all strings. Anything else: 400 with a JSON
                  {"error": reason}. A valid one is recorded in `sessions`, then answered as
                  the mode says.
  login           GET only; Issuer, Destination (http or https URL) and SigninToken (one the
                  fake issued and nobody redeemed yet): 302 to Destination; else 400.
  other paths     404; non-GET methods 400; unknown Action 400.

Modes (what a valid getSigninToken gets):
  ok        200 application/json {"SigninToken": <96 chars of [A-Za-z0-9_-]>}
  error500  500 with a body that *would* parse ({"SigninToken": …}, never redeemable): a client
            that ignores the status is caught
  html      200 text/html captive-portal page (not JSON)
  no_token  200 application/json {"Message": …} (JSON without SigninToken)

The in-process server stops itself after `lifetime` seconds (default 600).
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import string
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

try:
    from httppeer import Peer, PeerServer
except ImportError:  # run as a script: the peers folder is this one's parent
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from httppeer import Peer, PeerServer

MODES = ("ok", "error500", "html", "no_token")
SESSION_KEYS = frozenset({"sessionId", "sessionKey", "sessionToken"})
SESSION_PATTERNS = {
    "sessionId": re.compile(r"ASIA[A-Z0-9]{16}"),
    "sessionKey": re.compile(r"[A-Za-z0-9+/]{40}"),
    "sessionToken": re.compile(r"[A-Za-z0-9+/=]{100,}"),
}
TOKEN_ALPHABET = string.ascii_letters + string.digits + "_-"
TOKEN_LENGTH = 96
PATH = "/federation"
MAX_BODY = 1 << 16
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Sign in to the network</title></head>"
             b"<body><form action=\"/portal\">Accept the terms</form></body></html>")


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def check_session(raw: str | None) -> tuple[dict | None, str | None]:
    """The session dict and None, or None and why it is refused."""
    if raw is None:
        return None, "missing Session"
    try:
        session = json.loads(raw)
    except ValueError:
        return None, "Session is not JSON"
    if not isinstance(session, dict):
        return None, "Session is not a JSON object"
    if set(session) != SESSION_KEYS:
        return None, f"Session keys are {sorted(session)}, not {sorted(SESSION_KEYS)}"
    for key, pattern in SESSION_PATTERNS.items():
        value = session[key]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return None, f"implausible {key}"
    return session, None


class FakeFederation(Peer):
    """One fake sign-in endpoint on `host` (default 127.0.0.1), port chosen by the kernel
    (or `port`)."""

    @classmethod
    def start(cls, host: str = "127.0.0.1", port: int = 0, lifetime: float | None = 600.0,
              mode: str = "ok") -> "FakeFederation":
        fed = cls(_Server(host, port), lifetime, "fake-federation")
        fed.set_mode(mode)
        return fed

    # --- what tests use -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The sign-in base (what AWS_ENDPOINT_URL_SIGNIN names); the endpoint is url + PATH."""
        return f"http://127.0.0.1:{self.port}"

    def set_mode(self, name: str) -> None:
        if name not in MODES:
            raise ValueError(f"unknown mode {name!r}; modes: {', '.join(MODES)}")
        with self._server.lock:
            self._server.mode = name

    @property
    def sessions(self) -> list[dict]:
        """Session JSON objects of the valid getSigninToken requests, in order."""
        return [e["session"] for e in self.log
                if e["action"] == "getSigninToken" and e["session"] is not None]

    @property
    def issued(self) -> list[str]:
        """SigninTokens answered with 200, in order."""
        return [e["issued"] for e in self.log if e["issued"]]

    def count(self, action: str | None = None) -> int:
        return sum(1 for e in self.log if action is None or e["action"] == action)

    def reset(self) -> None:
        super().reset()
        with self._server.lock:
            self._server.redeemable.clear()


class _Server(PeerServer):
    def __init__(self, host: str, port: int):
        self.mode = "ok"
        self.redeemable: set[str] = set()
        self.admin = False        # /_fed/* admin endpoints (standalone only)
        super().__init__((host, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-signin"
    sys_version = ""
    timeout = 15

    server: _Server

    def log_message(self, format, *args):   # noqa: A002 - quiet
        pass

    # --- plumbing ---------------------------------------------------------------------------

    def _body(self) -> bytes:
        try:
            n = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        except ValueError:
            n = 0
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status: int, body: bytes, ctype: str = "application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj, headers=()):
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _record(self, **fields) -> dict:
        entry = {"time": time.time(), "method": self.command, "path": self.path,
                 "client": self.client_address[0], "user_agent": self.headers.get("User-Agent"),
                 "action": None, "params": [], "status": None, "error": None, "session": None,
                 "issued": None, "mode": self.server.mode}
        entry.update(fields)
        with self.server.lock:
            self.server.log.append(entry)
        return entry

    def _refuse(self, entry: dict, status: int, reason: str):
        entry["status"], entry["error"] = status, reason
        self._json(status, {"error": reason})

    # --- entry points -----------------------------------------------------------------------

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def _dispatch(self):
        body = self._body()
        u = urlsplit(self.path)
        if self.server.admin and u.path.startswith("/_fed/"):
            return self._admin(u.path, body)
        params = parse_qsl(u.query, keep_blank_values=True)
        names = [k for k, _ in params]
        action = dict(params).get("Action")
        entry = self._record(action=action, params=params, query=u.query)
        if u.path != PATH:
            return self._refuse(entry, 404, f"no such path {u.path}")
        if self.command != "GET":
            return self._refuse(entry, 400, f"{self.command} is not GET")
        if len(set(names)) != len(names):
            return self._refuse(entry, 400, "a parameter is repeated")
        if action == "getSigninToken":
            return self._get_signin_token(entry, dict(params))
        if action == "login":
            return self._login(entry, dict(params))
        return self._refuse(entry, 400, "missing or unknown Action")

    def _get_signin_token(self, entry: dict, p: dict):
        extra = set(p) - {"Action", "Session", "SessionDuration"}
        if extra:
            return self._refuse(entry, 400, f"unknown parameters {sorted(extra)}")
        if "SessionDuration" in p:
            d = p["SessionDuration"]
            if not d.isdigit() or not 900 <= int(d) <= 43200:
                return self._refuse(entry, 400, "SessionDuration is not 900..43200")
        session, why = check_session(p.get("Session"))
        if session is None:
            return self._refuse(entry, 400, why)
        entry["session"] = session
        mode = entry["mode"]
        if mode == "error500":
            entry["status"] = 500
            return self._json(500, {"SigninToken": "never-redeemable-" + new_token()})
        if mode == "html":
            entry["status"] = 200
            return self._send(200, HTML_PAGE, ctype="text/html; charset=utf-8")
        if mode == "no_token":
            entry["status"] = 200
            return self._json(200, {"Message": "no token today"})
        token = new_token()
        with self.server.lock:
            self.server.redeemable.add(token)
        entry["status"], entry["issued"] = 200, token
        return self._json(200, {"SigninToken": token})

    def _login(self, entry: dict, p: dict):
        missing = {"Issuer", "Destination", "SigninToken"} - set(p)
        if missing:
            return self._refuse(entry, 400, f"missing {sorted(missing)}")
        dest = urlsplit(p["Destination"])
        if dest.scheme not in ("http", "https") or not dest.netloc:
            return self._refuse(entry, 400, "Destination is not an http(s) URL")
        with self.server.lock:
            known = p["SigninToken"] in self.server.redeemable
            self.server.redeemable.discard(p["SigninToken"])
        if not known:
            return self._refuse(entry, 400, "unknown or spent SigninToken")
        entry["status"] = 302
        return self._send(302, b"", ctype="text/plain", headers=[("Location", p["Destination"])])

    # --- standalone admin ------------------------------------------------------------------

    def _admin(self, path: str, body: bytes):
        if path == "/_fed/log" and self.command == "GET":
            with self.server.lock:
                return self._json(200, [dict(e) for e in self.server.log])
        if path == "/_fed/mode" and self.command == "POST":
            try:
                mode = json.loads(body or b"{}").get("mode")
            except ValueError:
                mode = None
            if mode not in MODES:
                return self._json(400, {"error": f"mode must be one of {list(MODES)}"})
            with self.server.lock:
                self.server.mode = mode
            return self._json(200, {"ok": True, "mode": mode})
        if path == "/_fed/reset" and self.command == "POST":
            with self.server.lock:
                self.server.log.clear()
                self.server.redeemable.clear()
            return self._json(200, {"ok": True})
        return self._json(404, {"error": "no such admin endpoint"})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="fake AWS sign-in federation endpoint")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", choices=MODES, default="ok")
    args = ap.parse_args(argv)
    fed = FakeFederation.start(port=args.port, lifetime=None, mode=args.mode)
    fed._server.admin = True
    print(fed.url, flush=True)
    try:
        while not fed._server.stopping.is_set():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    fed.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
