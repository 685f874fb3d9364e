"""Domain services over a real store, with a frozen clock and a fresh master key, for tests
that call the domain directly instead of through a server. Nothing sends a message."""

from __future__ import annotations

import secrets
from datetime import datetime

from authpool.clock import FrozenClock
from authpool.domain.context import Services
from authpool.domain.messages import OutgoingMessage
from authpool.domain.ports import Store
from authpool.vault import Vault


class NoMessages:
    def send(self, message: OutgoingMessage) -> None:
        raise AssertionError(f"nothing here sends messages, yet this was: {message!r}")


def frozen_services(store: Store, start: datetime) -> Services:
    return Services(
        store=store,
        vault=Vault(secrets.token_bytes(32)),
        clock=FrozenClock(start),
        sender=NoMessages(),
        public_url="http://authpool.test",
    )


def frozen_clock(svc: Services) -> FrozenClock:
    assert isinstance(svc.clock, FrozenClock)
    return svc.clock
