"""A TLS front: terminates TLS with one certificate and relays plain HTTP to an upstream (the
STS gate), counting every TCP connection (= handshake attempted) and each handshake's outcome.

    front = TLSFront(cert_pem, key_pem, upstream="http://127.0.0.1:GATEPORT", name="good").start()
    front.port                       # 127.0.0.1:port, TLS
    front.reset()                    # forget counts (per test)
    front.wait_idle()                # let handshakes in progress finish being recorded
    front.accepted                   # TCP connections accepted (each one is a handshake attempt)
    front.handshakes                 # [{"ok": bool, "error": "TLSV1_ALERT_UNKNOWN_CA"|None, "sni": ...}]
    front.requests                   # [{"method", "path", "host", "status"}] relayed upstream
    front.stop()

The request's Host header is passed upstream unchanged (SigV4 signs it). Hop-by-hop headers are
dropped both ways; the answer is re-framed with Content-Length. A chunked request body gets 501.
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
              "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, fmt, *args):  # quiet: the front's own records are the log
        pass

    def _relay(self):
        front = self.server.front
        record = {"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                  "status": None}
        with front._lock:
            front.requests.append(record)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            record["status"] = 501
            self.send_error(501, "tlsnet front: chunked request bodies are not relayed")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        conn = http.client.HTTPConnection(front.upstream_host, front.upstream_port, timeout=30)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    conn.putheader(k, v)
            if body or self.command in ("POST", "PUT"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            # The upstream dropped the request (e.g. the gate's "reset" fault): drop ours too.
            record["status"] = "upstream-failed"
            self.close_connection = True
            return
        finally:
            conn.close()
        record["status"] = resp.status
        self.send_response_only(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, front: "TLSFront"):
        self.front = front
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        with self.front._lock:
            self.front.accepted += 1
            self.front._in_flight += 1
        return sock, addr

    def finish_request(self, request, client_address):
        front = self.front
        record = {"ok": False, "error": None, "sni": None}
        tls = None
        try:
            request.settimeout(10)
            try:
                tls = front.context.wrap_socket(request, server_side=True)
                record["ok"] = True
            except ssl.SSLError as e:
                record["error"] = e.reason or str(e)
            except OSError as e:
                record["error"] = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        finally:
            with front._lock:
                record["sni"] = front._last_sni     # tests run one client at a time
                front.handshakes.append(record)
                front._in_flight -= 1
        if tls is None:
            return
        try:
            tls.settimeout(30)
            _Handler(tls, client_address, self)
        except OSError:
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def shutdown_request(self, request):
        # The TLS socket took over the descriptor (wrap_socket detaches it); close what is left.
        try:
            request.close()
        except OSError:
            pass

    def handle_error(self, request, client_address):  # no tracebacks on stderr
        pass


class TLSFront:
    def __init__(self, cert: str, key: str, upstream: str, name: str = "front"):
        self.name = name
        self.cert, self.key = cert, key
        u = urllib.parse.urlsplit(upstream)
        if u.scheme != "http" or not u.port:
            raise ValueError(f"upstream must be http://host:port, not {upstream!r}")
        self.upstream_host, self.upstream_port = u.hostname, u.port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.load_cert_chain(cert, key)
        self.context.sni_callback = self._sni
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._in_flight = 0
        self._last_sni = None
        self.accepted = 0
        self.handshakes: list[dict] = []
        self.requests: list[dict] = []

    def _sni(self, sslobj, server_name, context):
        with self._lock:
            self._last_sni = server_name
        return None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "TLSFront":
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"tlsfront-{self.name}", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "front not started"
        return self._server.server_address[1]

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    # ------------------------------------------------------------------ records
    def reset(self):
        self.wait_idle()
        with self._lock:
            self.accepted = 0
            self.handshakes = []
            self.requests = []
            self._last_sni = None

    def wait_idle(self, timeout: float = 3.0) -> bool:
        """Waits until no accepted connection is still in its handshake (so `handshakes` is
        complete for every connection accepted so far). False on timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                if self._in_flight == 0 and len(self.handshakes) == self.accepted:
                    return True
            time.sleep(0.01)
        return False

    def failed_handshakes(self) -> list[dict]:
        with self._lock:
            return [h for h in self.handshakes if not h["ok"]]

    def summary(self) -> str:
        with self._lock:
            return (f"front {self.name!r} on 127.0.0.1:{self.port}: {self.accepted} connection(s), "
                    f"handshakes {self.handshakes}, requests {self.requests}")


def tcp_ready(host: str, port: int, timeout: float = 5.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False
