"""The development outbox: every message recorded and printed, so nobody needs an inbox
or a phone to read a code.

:class:`OutboxSender` hands each message to a ``record`` callable (the store keeps the
rows that ``authpool outbox`` and the dev-only HTTP endpoint read) and logs one line per
message on the ``authpool.outbox`` logger at INFO. The line carries the destination and
the code in clear: that is the point of the outbox, and the reason it belongs in
development deployments only.

:class:`TeeSender` delivers through a real channel *and* records in the outbox, for a
staging deployment that wants both. The outbox records a message even when the real
channel fails, so the code stays readable while SMTP or the SMS gateway is being set up;
the channel's error is still raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from authpool.domain.messages import DeliveryError, MessageSender, OutgoingMessage

LOGGER_NAME = "authpool.outbox"


class OutboxSender:
    """A :class:`~authpool.domain.messages.MessageSender` that records instead of sending.

    An exception from ``record`` propagates unchanged: a store that cannot write is a
    fault of the server, not a delivery failure to report to the client.
    """

    def __init__(
        self,
        record: Callable[[OutgoingMessage], None],
        logger: logging.Logger | None = None,
    ) -> None:
        self._record = record
        self._logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)

    def __repr__(self) -> str:
        return f"OutboxSender(logger={self._logger.name!r})"

    def send(self, message: OutgoingMessage) -> None:
        self._record(message)
        self._logger.info(
            "%s to %s for %s in %s (%s): %s",
            message.medium,
            _printable(message.destination),
            _printable(message.username),
            message.pool_id,
            message.purpose,
            f"code {_printable(message.code)}" if message.code is not None else "no code",
        )


class TeeSender:
    """Deliver through ``primary`` and record through ``outbox``, whatever ``primary`` does."""

    def __init__(self, primary: MessageSender, outbox: MessageSender) -> None:
        self._primary = primary
        self._outbox = outbox

    def __repr__(self) -> str:
        return f"TeeSender({self._primary!r}, {self._outbox!r})"

    def send(self, message: OutgoingMessage) -> None:
        try:
            self._primary.send(message)
        except DeliveryError:
            self._outbox.send(message)
            raise
        self._outbox.send(message)


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so one message is one log line."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
