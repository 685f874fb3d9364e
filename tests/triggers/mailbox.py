"""A real SMTP server (aiosmtpd) on a loopback port, for handlers that send e-mail (the
one-time-code example): it keeps every message that arrives."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


class Mailbox:
    """aiosmtpd handler keeping what arrives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def last_code(self, address: str) -> str:
        """The six-digit code in the last message to ``address``."""
        body = self.to(address)[-1].get_content()
        found = re.search(r"\b(\d{6})\b", body)
        assert found is not None, body
        return found.group(1)


class _Controller(Controller):
    """Listens on a socket bound before the server starts (no pick-a-port race)."""

    def __init__(self, handler: Mailbox) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        handler.port = self._sock.getsockname()[1]
        super().__init__(handler, hostname=LOOPBACK, port=handler.port, ready_timeout=30.0)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)

    def close(self) -> None:
        if self._thread is not None:
            self.stop()
        self._sock.close()


@contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = _Controller(box)
    controller.start()
    try:
        yield box
    finally:
        controller.close()
