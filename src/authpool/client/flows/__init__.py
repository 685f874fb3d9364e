"""Sans-IO flows: generators that yield :class:`~authpool.client.wire.Request` values and
receive the decoded response bodies (or have the service's error thrown in at the ``yield``).

A driver runs them (:func:`run_sync`, :func:`run_async`); tests run them with a scripted
``send``. Nothing here does I/O but the token store's reads and writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from authpool.client.errors import AuthException
from authpool.client.wire import Request

__all__ = ["Flow", "run_async", "run_sync"]

T = TypeVar("T")

Flow = Generator[Request, dict[str, Any], T]
"""A flow that ends with a ``T``."""


def run_sync(flow: Flow[T], send: Callable[[Request], dict[str, Any]]) -> T:
    """Drive ``flow`` to its end, calling ``send`` for each request it yields."""
    try:
        request = next(flow)
        while True:
            try:
                response = send(request)
            except AuthException as exc:
                request = flow.throw(exc)
            else:
                request = flow.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        flow.close()


async def run_async(flow: Flow[T], send: Callable[[Request], Awaitable[dict[str, Any]]]) -> T:
    """:func:`run_sync` for an awaitable ``send``."""
    try:
        request = next(flow)
        while True:
            try:
                response = await send(request)
            except AuthException as exc:
                request = flow.throw(exc)
            else:
                request = flow.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        flow.close()
