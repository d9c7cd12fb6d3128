"""What the in-process HTTP peers share (the hostile STS, the fake federation endpoint): a
threaded server holding a lock, a request log and a stop event, served from a daemon thread, and
stopped by `stop`, by leaving a `with` block, or after `lifetime` seconds (stdlib only)."""
from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer


class PeerServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.log: list[dict] = []
        super().__init__(address, handler)


class Peer:
    """A running PeerServer; subclasses add what their tests ask of it."""

    def __init__(self, server: PeerServer, lifetime: float | None, name: str):
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=name, daemon=True)
        self._thread.start()
        self._timer = None
        if lifetime:
            self._timer = threading.Timer(lifetime, self.stop)
            self._timer.daemon = True
            self._timer.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def log(self) -> list[dict]:
        """Every request the peer logged, oldest first (copies)."""
        with self._server.lock:
            return [dict(entry) for entry in self._server.log]

    def reset(self) -> None:
        with self._server.lock:
            self._server.log.clear()

    def stop(self) -> None:
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()
        if self._timer:
            self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
