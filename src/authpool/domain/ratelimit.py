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
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


def check(svc: Services, limits: RateLimits, request: Request) -> None:
    """Count ``request`` and refuse it when a limit is passed."""
    if not limits.enabled:
        return
    now = svc.clock.now()
    position = now.timestamp() / WINDOW_SECONDS
    period = math.floor(position)
    expires = datetime.fromtimestamp((period + 2) * WINDOW_SECONDS, tz=UTC)
    checks: list[tuple[bytes, int, type[Exception], str]] = []
    quota = limits.quotas.get(request.category or "", 0)
    if quota > 0 and request.category:
        where = request.pool or "-"
        checks.append((_key(svc, "category", request.category, where), quota,
                       TooManyRequestsException, TOO_MANY))  # fmt: skip
    if limits.per_ip > 0 and request.ip:
        checks.append((_key(svc, "ip", request.ip), limits.per_ip,
                       TooManyRequestsException, TOO_MANY))  # fmt: skip
    if limits.per_user > 0 and request.user:
        checks.append((_key(svc, "user", request.pool or "-", request.user), limits.per_user,
                       LimitExceededException, USER_LIMIT))  # fmt: skip
    if not checks:
        return
    current = [_window_key(key, period) for key, *_ in checks]
    counts, before = svc.store.count_sliding_hits(
        [(key, period, expires) for key in current],
        previous=[_window_key(key, period - 1) for key, *_ in checks],
        now=now,
    )
    elapsed = position - period
    for (_, limit, error, message), count, previous in zip(checks, counts, before, strict=True):
        if estimate(count, previous, elapsed) > limit:
            svc.store.release_hits(current)
            raise error(message)
