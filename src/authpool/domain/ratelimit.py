"""Request rate limits, counted in the store so that every worker shares them.

Three limits, each a number of requests a second:

- per operation category and pool, with Cognito's default quotas (developer guide, "Quotas
  in Amazon Cognito": UserAuthentication 120 RPS, UserCreation 50, …). Cognito counts a
  quota over every pool of an AWS account; authpool has no accounts, so a pool is the unit.
  A category over its quota answers TooManyRequestsException, as Cognito does;
- per source IP address, over every operation that needs no signature (off unless
  configured: behind a proxy every request comes from the proxy's address, unless the
  proxy passes the client's on and the server trusts it);
- per user (the name an operation acts on, or the token it presents), answered with
  LimitExceededException.

A limit is kept over a *sliding* second, estimated from two fixed one-second windows: the
requests of the current window, plus those of the window before weighted by how much of it
the last second still covers (at 0.3 s into a window, 70% of the previous one's). A fixed
window alone lets a burst of twice the limit through across a window boundary; the estimate
does not. A refused request is taken back off the counts, so a client that keeps sending
over the limit still gets the limit through, as with fixed windows, and is not shut out.

The keys are keyed hashes (an address or a name never reaches the database); each window of
a key is one row, counted by one atomic upsert, and read as "the window before" while the
next one runs.

A worker does not write every request to the store. It counts a key's requests in memory
and adds them to the shared row (reading back everyone's count) when it has counted a
sixteenth of the limit since, when :data:`SYNC_AFTER` has passed, or when a new window
begins; in between it judges by the shared count it last read plus its own. A limit under
32 is therefore counted exactly, request by request, across every worker; a larger one may
be passed by what the other workers have counted but not yet shared (at most a sixteenth of
the limit each, or :data:`SYNC_AFTER` of their traffic) — the price of not writing to the
database on every request. Cognito's own quotas are approximate in the same way.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from authpool.domain.context import Services
from authpool.domain.errors import LimitExceededException, TooManyRequestsException

# Cognito's default request-rate quotas, in requests per second per category. The matching
# RespondToAuthChallenge calls have a quota of their own, three times UserAuthentication's.
DEFAULT_QUOTAS: dict[str, int] = {
    "UserAuthentication": 120,
    "UserAuthenticationChallenge": 360,
    "UserCreation": 50,
    "UserFederation": 25,
    "UserAccountRecovery": 30,
    "UserRead": 120,
    "UserUpdate": 25,
    "UserResourceRead": 50,
    "UserResourceUpdate": 25,
    "UserList": 30,
    "UserToken": 120,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolCreate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientCreate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolResourceCreate": 15,
    "UserPoolResourceDelete": 15,
}
TOO_MANY = "Too many requests"
USER_LIMIT = "Attempt limit exceeded, please try after some time."
WINDOW_SECONDS = 1
# A worker shares its counts with the others (through the store) at least this often while
# it counts, and whenever it has counted a SHARE_DIVISOR-th of a limit since it last did.
SYNC_AFTER = timedelta(milliseconds=50)
SHARE_DIVISOR = 16


@dataclass(frozen=True)
class RateLimits:
    """The limits a server runs with (0 turns a limit off)."""

    quotas: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    per_ip: int = 0
    per_user: int = 0
    enabled: bool = True

    @classmethod
    def off(cls) -> RateLimits:
        return cls(quotas={}, enabled=False)

    def with_quotas(self, overrides: Mapping[str, int]) -> RateLimits:
        return RateLimits({**self.quotas, **overrides}, self.per_ip, self.per_user, self.enabled)


@dataclass(frozen=True)
class Request:
    """What a request is counted by (any of them may be missing)."""

    category: str | None
    pool: str | None  # a pool id, or the client id when the request names no pool
    ip: str | None = None  # None for a signed (admin) request
    user: str | None = None  # a user name within the pool, or a token's digest


def _key(svc: Services, *parts: str) -> bytes:
    return svc.vault.digest("\x00".join(parts), purpose="rate-limit")


def _window_key(key: bytes, period: int) -> bytes:
    """The row of ``key``'s counts in window ``period`` (``key`` is already a keyed hash)."""
    return hashlib.sha256(key + period.to_bytes(8, "big", signed=True)).digest()


def estimate(current: int, previous: int, elapsed: float) -> float:
    """The requests of the last second: the current window's, and the previous window's
    weighted by the share of it still within a second (``elapsed``: how far into the current
    window we are, in windows, 0 <= elapsed < 1)."""
    return current + previous * (1.0 - elapsed)


@dataclass
class _Counter:
    """One key's count as this worker knows it: the store's count of window ``period`` when
    last read (``shared``, this worker's earlier hits included), the hits counted here since
    (``pending``), and the store's count of the window before."""

    period: int
    shared: int = 0
    pending: int = 0
    previous: int = 0
    synced_at: datetime | None = None


@dataclass(frozen=True)
class _Check:
    key: bytes
    limit: int
    error: type[Exception]
    message: str


class Limiter:
    """The rate limits of one worker process: ``check`` counts a request and refuses it when
    a limit is passed, sharing its counts with the other workers through the store as the
    module's documentation says. Thread-safe; one per process (per :class:`Services`)."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits if limits is not None else RateLimits()
        self._counters: dict[bytes, _Counter] = {}
        self._lock = threading.Lock()
        self._swept = 0

    def check(self, svc: Services, request: Request) -> None:
        """Count ``request`` and refuse it when a limit is passed."""
        checks = self._checks(svc, request)
        if not checks:
            return
        now = svc.clock.now()
        position = now.timestamp() / WINDOW_SECONDS
        period = math.floor(position)
        elapsed = position - period
        with self._lock:
            self._sweep(svc, period, now)
            counters = [self._counter(check.key, period) for check in checks]
            due = [
                check for check, counter in zip(checks, counters, strict=True)
                if self._due(check, counter, now)
            ]  # fmt: skip
            for counter in counters:
                counter.pending += 1
            if due:
                self._sync(svc, [c.key for c in due], period, now)
            for check, counter in zip(checks, counters, strict=True):
                if estimate(counter.shared + counter.pending, counter.previous, elapsed) > (
                    check.limit
                ):
                    self._take_back(svc, checks, counters, period)
                    raise check.error(check.message)

    def _checks(self, svc: Services, request: Request) -> list[_Check]:
        limits = self.limits
        if not limits.enabled:
            return []
        checks: list[_Check] = []
        quota = limits.quotas.get(request.category or "", 0)
        if quota > 0 and request.category:
            key = _key(svc, "category", request.category, request.pool or "-")
            checks.append(_Check(key, quota, TooManyRequestsException, TOO_MANY))
        if limits.per_ip > 0 and request.ip:
            key = _key(svc, "ip", request.ip)
            checks.append(_Check(key, limits.per_ip, TooManyRequestsException, TOO_MANY))
        if limits.per_user > 0 and request.user:
            key = _key(svc, "user", request.pool or "-", request.user)
            checks.append(_Check(key, limits.per_user, LimitExceededException, USER_LIMIT))
        return checks

    def _counter(self, key: bytes, period: int) -> _Counter:
        counter = self._counters.get(key)
        if counter is None or counter.period != period:
            counter = _Counter(period)
            self._counters[key] = counter
        return counter

    @staticmethod
    def _due(check: _Check, counter: _Counter, now: datetime) -> bool:
        """Whether this request's count must go to the store (and everyone's come back)."""
        return (
            counter.synced_at is None
            or counter.pending + 1 >= check.limit // SHARE_DIVISOR
            or now - counter.synced_at >= SYNC_AFTER
        )

    def _sync(self, svc: Services, keys: list[bytes], period: int, now: datetime) -> None:
        """Add the pending hits of ``keys`` to the store; read back every worker's counts."""
        expires = datetime.fromtimestamp((period + 2) * WINDOW_SECONDS, tz=UTC)
        counters = [self._counters[key] for key in keys]
        counts, before = svc.store.count_sliding_hits(
            [(_window_key(key, period), period, expires) for key in keys],
            previous=[_window_key(key, period - 1) for key in keys],
            now=now,
            add=[counter.pending for counter in counters],
        )
        for counter, count, previous in zip(counters, counts, before, strict=True):
            counter.shared, counter.pending, counter.previous = count, 0, previous
            counter.synced_at = now

    def _take_back(
        self, svc: Services, checks: list[_Check], counters: list[_Counter], period: int
    ) -> None:
        """A refused request counts for nothing: take its hit back, here or in the store."""
        shared: list[bytes] = []
        for check, counter in zip(checks, counters, strict=True):
            if counter.pending > 0:
                counter.pending -= 1
            else:
                counter.shared -= 1
                shared.append(_window_key(check.key, period))
        if shared:
            svc.store.release_hits(shared)

    def _sweep(self, svc: Services, period: int, now: datetime) -> None:
        """Once a window: hand the hits still pending from windows past to the store (they
        are the "window before" of the others' estimates) and forget the old counters."""
        if period == self._swept:
            return
        self._swept = period
        old = [(key, c) for key, c in self._counters.items() if c.period != period]
        late = [(key, c) for key, c in old if c.pending > 0]
        for key, _ in old:
            del self._counters[key]
        if late:
            svc.store.count_hits(
                [
                    (_window_key(key, c.period), c.period,
                     datetime.fromtimestamp((c.period + 2) * WINDOW_SECONDS, tz=UTC))
                    for key, c in late
                ],
                now=now,
                add=[c.pending for _, c in late],
            )  # fmt: skip
