"""A small webhook receiver on this machine: what an agency's intake does, for trying deliveries locally.

It verifies the signature, keeps every request, and de-duplicates by Idempotency-Key the way a real receiver
should. `portal receiver` runs it in the foreground; tests and bench/reliability.py drive its failure modes
(down, slow, 500, answering after the work was done but losing the reply, failing at random).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .signatures import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # a sender that died or gave up mid-request: normal here, and it will retry
        super().handle_error(request, client_address)


@dataclass
class Received:
    key: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class Behaviour:
    mode: str = "ok"  # ok | fail (500) | slow | lose (store, then drop the connection) | flaky
    delay: float = 0.0  # slow: seconds to wait after storing, before answering
    fail_rate: float = 0.5  # flaky: share of requests answered 500 (half of them after storing)


@dataclass
class Receiver:
    """Start with .start(); .url is where to send; .unique() is what an agency would keep after de-duplication."""

    secret: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    path: str = "/intake"
    behaviour: Behaviour = field(default_factory=Behaviour)
    received: list[Received] = field(default_factory=list)
    rejected: int = 0
    overlaps: int = 0  # times a key arrived while the same key was still being handled
    on_receive: Any = None  # called with each stored Received (tests: e.g. to kill a worker mid-delivery)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        server = _Server((self.host, self.port), Handler)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Go down (connections are refused until start() again, on the same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def unique(self) -> dict[str, Received]:
        with self._lock:
            return {r.key: r for r in self.received}

    def count(self, key: str) -> int:
        with self._lock:
            return sum(1 for r in self.received if r.key == key)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if self.secret is not None:
            try:
                verify(self.secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body)
            except SignatureError as exc:
                with self._lock:
                    self.rejected += 1
                self._reply(request, 401, {"error": str(exc)})
                return
        behaviour = self.behaviour
        mode = behaviour.mode
        if mode == "flaky" and random.random() < behaviour.fail_rate:
            mode = random.choice(["fail", "fail_after_store"])
        elif mode == "flaky":
            mode = "ok"
        if mode == "fail":
            self._reply(request, 500, {"error": "intake is having a bad day"})
            return
        with self._lock:
            if self._in_flight.get(key):
                self.overlaps += 1
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            try:
                document = json.loads(body)
            except ValueError:
                self._reply(request, 400, {"error": "not JSON"})
                return
            record = Received(key, document, dict(request.headers.items()), time.time())
            with self._lock:
                duplicate = any(r.key == key for r in self.received)
                self.received.append(record)
            if self.on_receive is not None:
                self.on_receive(record)
            if mode == "slow":
                time.sleep(behaviour.delay)
            if mode == "lose":
                request.close_connection = True
                request.connection.close()
                return
            if mode == "fail_after_store":
                self._reply(request, 500, {"error": "stored, then failed to answer"})
                return
            self._reply(request, 200, {"reference": key, "duplicate": duplicate})
        finally:
            with self._lock:
                self._in_flight[key] -= 1

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, document: dict[str, Any]) -> None:
        data = json.dumps(document).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:  # the sender gave up (timeout) or died: fine, it will retry
            pass
