"""A real HTTP server for webhook triggers: it checks authpool's signature the way a
receiver should (``verify_signature``), records each request, and answers with whatever the
running test scripted (by default: the event, unchanged). A scripted status of
:data:`DROP` closes the connection without answering."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from authpool.delivery.sms_webhook import verify_signature

Answer = tuple[int, bytes]
DROP = 0  # the scripted status that hangs up without an answer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def event(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded


@dataclass
class WebhookReceiver:
    secret: str
    received: list[Received] = field(default_factory=list)
    answer: Callable[[Received], Answer] | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                ok = verify_signature(
                    receiver.secret,
                    self.headers.get("X-Authpool-Timestamp", ""),
                    body,
                    self.headers.get("X-Authpool-Signature", ""),
                    now=datetime.now(UTC),
                )
                got = Received(self.path, dict(self.headers.items()), body, ok)
                receiver.received.append(got)
                if not ok:
                    status, payload = 401, b'{"message": "bad signature"}'
                elif receiver.answer is not None:
                    status, payload = receiver.answer(got)
                else:
                    status, payload = 200, body
                if status == DROP:
                    self.close_connection = True
                    return
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # authpool stopped waiting (an answer past the time limit)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
