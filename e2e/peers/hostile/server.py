"""A hostile STS peer: answers every POST (any path, any signature, no auth) for
GetSessionToken / AssumeRole / GetCallerIdentity the way the test's current mode says.

    from hostile import HostileSTS
    sts = HostileSTS.start()                      # 127.0.0.1, a free port
    sts.set_mode("nul_entity_error", canary="/tmp/x/CANARY")
    ... AWS_ENDPOINT_URL=sts.url ...
    sts.requests                                  # ["GetSessionToken", ...]
    sts.stop()

Modes (params in brackets; every mode takes `only=` an action or list of actions it applies
to, the others get an `ok` answer):

  ok                 well-formed credentials: AccessKeyId ASIA+16 [A-Z0-9], 40-char secret of
                     [A-Za-z0-9+/], 400-char base64 token, Expiration now+3600 (RFC 3339, Z)
                     [AccessKeyId=, SecretAccessKey=, SessionToken=, Expiration= override a field
                     verbatim; expires_in= seconds from now]
  nul_entity_error   403 AccessDenied whose Message is x&#0;0&#0;PAYLOAD&#0;, PAYLOAD a shell
                     command creating the canary [canary=, status=]
  raw_nul_error      the same with raw NUL bytes [canary=, status=]
  rs_values          200, values holding "\\n\\x1e" and fish/sh code touching the canary [canary=]
  meta_values        200, values holding $(touch CANARY), backticks, quotes, ; [canary=]
  escape_error       403 with ESC/BEL/DEL/C1 sequences in Code and Message [status=]
  stall              status line + headers with Content-Length 2000, a partial body, then
                     nothing until the client disconnects (or max_seconds=120) [content_length=]
  drip               headers, then one body byte every interval=2 s (max_seconds=120)
  expired            Expiration one hour ago [seconds=-3600]
  soon               Expiration now+30 s [seconds=30]
  far_future         Expiration 2099-01-01T00:00:00Z

The server stops itself after `lifetime` seconds (default 600); every handler thread is a daemon
and every wait is bounded, so a forgotten server never outlives the test run by much.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import select
import shlex
import socket
import string
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from httppeer import Peer, PeerServer

MODES = ("ok", "nul_entity_error", "raw_nul_error", "rs_values", "meta_values", "escape_error",
         "stall", "drip", "expired", "soon", "far_future")
ACTIONS = ("GetSessionToken", "AssumeRole", "GetCallerIdentity")
NS = "https://sts.amazonaws.com/doc/2011-06-15/"
MAX_REQUEST_BODY = 1 << 20

# What a terminal would obey: set the window title, clear the screen, colour, DEL, C1 CSI.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
ESCAPES_MESSAGE = "bad\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x7f\u009b31m\rover\nline"


def rfc3339(epoch: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ok_values(expires_in: float = 3600) -> dict:
    upper = string.ascii_uppercase + string.digits
    secret_chars = string.ascii_letters + string.digits + "+/"
    return {
        "AccessKeyId": "ASIA" + "".join(secrets.choice(upper) for _ in range(16)),
        "SecretAccessKey": "".join(secrets.choice(secret_chars) for _ in range(40)),
        "SessionToken": base64.b64encode(os.urandom(300)).decode(),
        "Expiration": rfc3339(time.time() + expires_in),
    }


def _canary(params: dict) -> str:
    return str(params.get("canary") or os.path.join(tempfile.gettempdir(), "awsmfa-hostile-CANARY"))


def _touch(params: dict) -> str:
    return "touch " + shlex.quote(_canary(params))


class HostileSTS(Peer):
    """One hostile peer on `host` (default 127.0.0.1), port chosen by the kernel."""

    @classmethod
    def start(cls, host: str = "127.0.0.1", lifetime: float = 600.0) -> "HostileSTS":
        return cls(_Server(host), lifetime, "hostile-sts")

    # --- what tests use -------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def url(self) -> str:
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def set_mode(self, name: str, **params) -> None:
        if name not in MODES:
            raise ValueError(f"unknown mode {name!r}; modes: {', '.join(MODES)}")
        only = params.pop("only", None)
        if isinstance(only, str):
            only = (only,)
        with self._server.lock:
            self._server.mode = (name, dict(params), tuple(only) if only else None)

    @property
    def requests(self) -> list[str]:
        """The Action of every request received, in order."""
        with self._server.lock:
            return [entry["action"] for entry in self._server.log]

    def count(self, action: str | None = None) -> int:
        return sum(1 for a in self.requests if action is None or a == action)

    def wait_for(self, count: int = 1, timeout: float = 10.0, action: str | None = None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(action) >= count:
                return True
            time.sleep(0.05)
        return self.count(action) >= count


class _Server(PeerServer):
    def __init__(self, host: str):
        # Each log entry: action, path, mode answered, time received, form parameters.
        self.mode: tuple[str, dict, tuple | None] = ("ok", {}, None)
        super().__init__((host, 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AmazonSTS-hostile"
    sys_version = ""
    timeout = 15          # socket timeout for reading a request: a silent client is dropped

    server: _Server

    def log_message(self, format, *args):   # noqa: A002 - quiet
        pass

    # --- request --------------------------------------------------------------------------

    def do_POST(self):
        try:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_REQUEST_BODY)
        except ValueError:
            length = 0
        raw = self.rfile.read(length) if length > 0 else b""
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        action = form.get("Action", "")
        with self.server.lock:
            name, params, only = self.server.mode
            if only is not None and action not in only:
                name, params = "ok", {}
            self.server.log.append({"action": action, "path": self.path, "mode": name,
                                    "time": time.time(), "form": form})
        try:
            self._answer(action, name, params)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True

    do_PUT = do_POST

    def do_GET(self):
        self._send(405, b"<ErrorResponse><Error><Type>Sender</Type><Code>MethodNotAllowed</Code>"
                        b"<Message>POST only</Message></Error></ErrorResponse>")

    # --- answers --------------------------------------------------------------------------

    def _answer(self, action: str, name: str, params: dict):
        if name == "ok":
            values = ok_values(float(params.get("expires_in", 3600)))
            for field in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
                if field in params:
                    values[field] = params[field]
            return self._send(200, self._success(action, values))
        if name in ("expired", "soon", "far_future"):
            values = ok_values()
            if name == "far_future":
                values["Expiration"] = "2099-01-01T00:00:00Z"
            else:
                values["Expiration"] = rfc3339(
                    time.time() + float(params.get("seconds", -3600 if name == "expired" else 30)))
            return self._send(200, self._success(action, values))
        if name == "rs_values":
            touch = _touch(params)
            values = ok_values()
            # A stdout line starting with \x1e passes for stderr in a hook that marks stderr
            # lines with \x1e: two dropped closing quotes leave the secret outside any quote.
            values["AccessKeyId"] += f"\n\x1e {touch} #"
            values["SecretAccessKey"] = f"x; {touch}; echo "
            values["SessionToken"] += f"\n\x1e'; {touch}; '\n\x1e"
            return self._send(200, self._success(action, values, raw=True))
        if name == "meta_values":
            touch = _touch(params)
            values = ok_values()
            values["AccessKeyId"] = f"ASIA$({touch})`{touch}`"
            values["SecretAccessKey"] = f"';{touch};'\"$({touch})\";\\';{touch};#"
            values["SessionToken"] = f"\"`{touch}`\";{touch};$({touch}) & {touch} | {touch}"
            return self._send(200, self._success(action, values))
        if name == "nul_entity_error":
            message = "x&#0;0&#0;" + escape(_touch(params)) + "&#0;"
            return self._send(int(params.get("status", 403)), self._error("AccessDenied", message))
        if name == "raw_nul_error":
            message = "x\x000\x00" + escape(_touch(params)) + "\x00"
            return self._send(int(params.get("status", 403)), self._error("AccessDenied", message))
        if name == "escape_error":
            return self._send(int(params.get("status", 403)),
                              self._error("AccessDenied" + ESCAPES, escape(ESCAPES_MESSAGE)))
        if name == "stall":
            return self._stall(action, params)
        if name == "drip":
            return self._drip(action, params)
        raise AssertionError(name)

    def _success(self, action: str, values: dict, raw: bool = False) -> bytes:
        def field(name):
            return values[name] if raw else escape(values[name])

        request_id = uuid.uuid4()
        if action == "GetCallerIdentity":
            return (f'<GetCallerIdentityResponse xmlns="{NS}">\n  <GetCallerIdentityResult>\n'
                    f"    <Arn>arn:aws:iam::123456789012:user/alice</Arn>\n"
                    f"    <UserId>AIDAEXAMPLEUSERID0001</UserId>\n    <Account>123456789012</Account>\n"
                    f"  </GetCallerIdentityResult>\n  <ResponseMetadata>\n"
                    f"    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
                    f"</GetCallerIdentityResponse>\n").encode()
        outer = "AssumeRole" if action == "AssumeRole" else "GetSessionToken"
        user = ""
        if outer == "AssumeRole":
            user = ("    <AssumedRoleUser>\n"
                    "      <AssumedRoleId>AROAEXAMPLEROLEID0001:awsmfa</AssumedRoleId>\n"
                    "      <Arn>arn:aws:sts::123456789012:assumed-role/admin/awsmfa</Arn>\n"
                    "    </AssumedRoleUser>\n")
        return (f'<{outer}Response xmlns="{NS}">\n  <{outer}Result>\n{user}    <Credentials>\n'
                f"      <AccessKeyId>{field('AccessKeyId')}</AccessKeyId>\n"
                f"      <SecretAccessKey>{field('SecretAccessKey')}</SecretAccessKey>\n"
                f"      <SessionToken>{field('SessionToken')}</SessionToken>\n"
                f"      <Expiration>{field('Expiration')}</Expiration>\n"
                f"    </Credentials>\n  </{outer}Result>\n  <ResponseMetadata>\n"
                f"    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
                f"</{outer}Response>\n").encode("utf-8", "surrogatepass")

    @staticmethod
    def _error(code: str, message_xml: str) -> bytes:
        return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message_xml}</Message></Error>"
                f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode()

    def _headers(self, status: int, length: int):
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(length))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

    def _send(self, status: int, body: bytes):
        self._headers(status, len(body))
        self.wfile.write(body)
        self.wfile.flush()

    def _client_gone(self, wait: float) -> bool:
        """Waits up to `wait` s; True once the client closed (or reset) the connection."""
        try:
            readable, _, _ = select.select([self.connection], [], [], wait)
            if not readable:
                return False
            if self.connection.recv(1, socket.MSG_PEEK) == b"":
                return True
            time.sleep(wait)      # the client sent more (a pipelined request): ignore it
            return False
        except (OSError, ValueError):
            return True

    def _stall(self, action: str, params: dict):
        length = int(params.get("content_length", 2000))
        body = self._success(action, ok_values())
        partial = body[: min(len(body) // 3, length - 1)]
        self._headers(200, length)
        self.wfile.write(partial)
        self.wfile.flush()
        deadline = time.monotonic() + float(params.get("max_seconds", 120))
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            if self._client_gone(0.25):
                break
        self.close_connection = True

    def _drip(self, action: str, params: dict):
        body = self._success(action, ok_values())
        interval = float(params.get("interval", 2.0))
        deadline = time.monotonic() + float(params.get("max_seconds", 120))
        self._headers(200, len(body))
        for index in range(len(body)):
            if time.monotonic() >= deadline or self.server.stopping.is_set():
                break
            self.wfile.write(body[index:index + 1])
            self.wfile.flush()
            if self._client_gone(interval):
                break
        self.close_connection = True
