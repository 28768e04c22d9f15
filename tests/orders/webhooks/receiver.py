"""A real HTTP receiver on 127.0.0.1 for webhook tests and the throughput benchmark."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orders.webhooks.delivery import EVENT_ID_HEADER


def free_port() -> int:
    """A port nothing listens on (connections to it are refused until a receiver starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """Answers POSTs according to `mode`: "ok" (200, the event counts as accepted), "fail"
    (500) or "slow" (answers only after `release` is set or 5 s pass, beyond the sender's
    timeout). Records every request as (mode, event id, body)."""

    def __init__(self, port: int = 0) -> None:
        self.mode = "ok"
        self.body = b"ok"
        self.requests: list[tuple[str, str, str]] = []
        self.hosts: list[str] = []
        self.arrived = threading.Condition()
        self.release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                mode = receiver.mode
                with receiver._lock:
                    receiver.requests.append((mode, self.headers.get(EVENT_ID_HEADER), body))
                    receiver.hosts.append(self.headers.get("Host"))
                if mode == "slow":
                    receiver.release.wait(5)
                status = 500 if mode == "fail" else 200
                self.send_response(status)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)
                with receiver.arrived:
                    receiver.arrived.notify_all()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/packdesk"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_until(self, condition, timeout: float) -> bool:
        """Wait until `condition(self)` holds (checked after each request), at most
        `timeout` seconds; returns whether it does."""
        with self.arrived:
            return self.arrived.wait_for(lambda: condition(self), timeout)

    def accepted(self) -> list[str]:
        """Event ids of the requests answered 200 in time."""
        return [event_id for mode, event_id, _ in self.requests if mode == "ok"]

    def bodies(self) -> list[str]:
        return [body for mode, _, body in self.requests if mode == "ok"]
