"""Trigger handlers for the tests: one ``handler(event, context)`` for every trigger, which
records what it was given and does what the running test scripted for its pool.

Tests share a server per module but each makes its own pool, so scripts and records are
kept per user pool id (the event's ``userPoolId``).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]
Behaviour = Callable[[Event, Any], Any]

# triggerSource prefix -> the trigger's name, where they differ
_NAMES = {"TokenGeneration": "PreTokenGeneration"}


def trigger_of(event: Event) -> str:
    prefix = str(event["triggerSource"]).split("_", 1)[0]
    return _NAMES.get(prefix, prefix)


@dataclass
class Call:
    trigger: str
    event: Event
    context: dict[str, Any]


@dataclass
class Script:
    """Per pool: what each trigger does (by default: answers the event unchanged) and the
    calls it received."""

    behaviours: dict[tuple[str, str], Behaviour] = field(default_factory=dict)
    calls: dict[str, list[Call]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, pool_id: str, trigger: str, behaviour: Behaviour) -> None:
        self.behaviours[(pool_id, trigger)] = behaviour

    def events(self, pool_id: str, trigger: str | None = None) -> list[Event]:
        with self.lock:
            found = list(self.calls.get(pool_id, []))
        return [c.event for c in found if trigger is None or c.trigger == trigger]

    def triggers(self, pool_id: str) -> list[str]:
        with self.lock:
            return [c.trigger for c in self.calls.get(pool_id, [])]

    def contexts(self, pool_id: str, trigger: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c.context for c in self.calls.get(pool_id, []) if c.trigger == trigger]

    def forget(self, pool_id: str) -> None:
        with self.lock:
            self.calls.pop(pool_id, None)
            for key in [k for k in self.behaviours if k[0] == pool_id]:
                del self.behaviours[key]


SCRIPT = Script()


def handler(event: Event, context: Any) -> Any:
    trigger = trigger_of(event)
    pool_id = str(event["userPoolId"])
    seen = {
        "function_name": context.function_name,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "function_version": context.function_version,
    }
    with SCRIPT.lock:
        SCRIPT.calls.setdefault(pool_id, []).append(Call(trigger, copy.deepcopy(event), seen))
    behaviour = SCRIPT.behaviours.get((pool_id, trigger))
    if behaviour is None:
        return event
    return behaviour(event, context)


async def async_handler(event: Event, context: Any) -> Any:
    """The same, as an ``async def`` handler (Powertools-style async code)."""
    return handler(event, context)


not_callable = 42
