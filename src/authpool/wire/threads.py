"""Running the blocking part of a request (store calls, cryptography) off the event loop.

One thread pool per process, as Starlette's ``run_in_threadpool`` has (40 threads, anyio's
default), but handed work through ``loop.run_in_executor`` directly: that costs about
35 µs of CPU a call against anyio's 57 µs (``bench``-style measurement on the 2-core VM),
which on a GetUser is a few per cent of the whole request.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREADS = 40


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="authpool")


async def in_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread, with the caller's context variables."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)
