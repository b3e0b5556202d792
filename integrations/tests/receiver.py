"""A real HTTP server on 127.0.0.1 (random port) that records the webhooks it is sent."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: Any  # http.server's headers: ``get`` ignores case
    body: bytes


@dataclass
class Receiver:
    """Answers the statuses in ``plan`` in turn, then ``then`` for every later request."""

    url: str
    plan: list[int] = field(default_factory=list)
    then: int = 200
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def next_status(self) -> int:
        return self.plan.pop(0) if self.plan else self.then

    def wait_for(self, count: int, *, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received)} of {count} webhooks arrived")
                self.arrived.wait(left)
        return list(self.received)


@contextmanager
def running_receiver(
    plan: list[int] | None = None, then: int = 200, tls: ssl.SSLContext | None = None
) -> Iterator[Receiver]:
    receiver: Receiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert receiver is not None
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.arrived:
                status = receiver.next_status()
                receiver.received.append(Received(self.path, self.headers, body))
                receiver.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver is down")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    receiver = Receiver(
        url=f"{scheme}://127.0.0.1:{server.server_address[1]}/hooks/lightsb",
        plan=list(plan or []),
    )
    receiver.then = then
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
