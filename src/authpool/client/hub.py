"""Hub events, as Amplify's ``Hub.listen('auth', …)``: one hub per client object.

Events: ``signedIn`` (data: the :class:`~authpool.client.models.AuthUser`), ``signedOut``,
``tokenRefresh``, ``tokenRefresh_failure`` (data: ``{"error": exception}``). Listeners run
synchronously, in the order they were added, on the thread (or task) that caused the event;
a listener that raises is logged and does not stop the others or the call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["AuthHubEvent", "Hub", "HubEvent", "Listener"]

log = logging.getLogger("authpool.client")


class AuthHubEvent(StrEnum):
    SIGNED_IN = "signedIn"
    SIGNED_OUT = "signedOut"
    TOKEN_REFRESH = "tokenRefresh"
    TOKEN_REFRESH_FAILURE = "tokenRefresh_failure"


@dataclass(frozen=True)
class HubEvent:
    event: AuthHubEvent
    data: Any = None
    channel: str = "auth"


Listener = Callable[[HubEvent], object]


class Hub:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add ``listener``; returns the function that removes it again."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def dispatch(self, event: AuthHubEvent, data: Any = None) -> None:
        with self._lock:
            listeners = list(self._listeners)
        message = HubEvent(event, data)
        for listener in listeners:
            try:
                listener(message)
            except Exception:
                log.exception("auth hub listener %r failed on %s", listener, event.value)
