"""Bounded attempts, counted in the store so that every worker sees the same count.

An attempt is a numbered slot: the n-th attempt at ``key`` inserts the single-use marker
``(key, n)`` (the store's used-session table, whose insert is atomic on both databases). The
first free slot is the attempt's number; when all ``limit`` slots are taken the attempt is
refused. Racing attempts get distinct numbers, so a burst of parallel guesses counts in full.
The markers expire with the thing they guard and the store sweeps them away.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from authpool.clock import epoch
from authpool.domain.context import Services

PURPOSE = "attempt-slot"


def claim(svc: Services, key: bytes | str, *, limit: int, until: datetime) -> int | None:
    """Take the next of ``limit`` attempts at ``key`` (kept until ``until``); its number
    (1-based), or None when every attempt is used."""
    raw = key.encode() if isinstance(key, str) else key
    now = svc.clock.now()
    for n in range(1, limit + 1):
        marker = svc.vault.digest(raw + b"\x00" + str(n).encode(), purpose=PURPOSE)
        if svc.store.use_session(marker, expires_at=until, now=now):
            return n
    return None


def window(svc: Services, length: timedelta) -> tuple[str, datetime]:
    """The current fixed window of ``length``: a label for keys, and when it ends."""
    seconds = int(length.total_seconds())
    index = epoch(svc.clock.now()) // seconds
    return str(index), datetime.fromtimestamp((index + 1) * seconds, tz=UTC)
