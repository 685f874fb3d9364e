"""Pinning each worker process to a CPU of its own (``authpool serve --pin-cpus``, or
``AUTHPOOL_PIN_CPUS=on``).

A worker runs its event loop in one thread and each request's work in another. Left to the
scheduler, the two (and the request threads) wander between cores, and every hand-off moves
the interpreter's working set from one core's caches to another's: on the 2-core benchmark
machine that cost a GetUser about a third of its CPU time (0.66 CPU-ms pinned against
1.01 unpinned; ``docs/performance.md``). Pinned, each worker keeps to one core and the
workers of a server spread over the cores the process may use.

Each worker takes the first free slot among the allowed CPUs by locking a file in
``<data dir>/cpus/`` (released by the kernel when the worker exits, so that a restarted
worker takes the slot again); with more workers than CPUs, the rest are not pinned. It is
off by default: two servers with different data directories on one host would pin to the
same cores, and a container's CPU quota may be better used unpinned.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import IO

log = logging.getLogger("authpool.cli")

_HELD: list[IO[bytes]] = []  # the slot this process holds, kept open while it lives


def pin(data_dir: Path) -> int | None:
    """Pin this process (every thread of it) to a free CPU; the CPU, or None if none was."""
    if not hasattr(os, "sched_setaffinity") or _HELD:
        return None
    import fcntl

    allowed = sorted(os.sched_getaffinity(0))
    slots = data_dir / "cpus"
    try:
        slots.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # an unwritable data directory: serve unpinned, say why
        log.warning("worker %d is not pinned: cannot use %s: %s", os.getpid(), slots, exc)
        return None
    for index, cpu in enumerate(allowed):
        try:
            handle = (slots / f"{index}.lock").open("ab")
        except OSError as exc:
            log.warning("worker %d is not pinned: cannot use %s: %s", os.getpid(), slots, exc)
            return None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _HELD.append(handle)
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):  # a thread that has ended meanwhile
                os.sched_setaffinity(int(task), {cpu})
        log.info("worker %d pinned to CPU %d", os.getpid(), cpu)
        return cpu
    log.warning("more workers than CPUs: worker %d is not pinned", os.getpid())
    return None
