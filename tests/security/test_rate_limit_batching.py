"""How a worker shares its rate-limit counts (:class:`authpool.domain.ratelimit.Limiter`), on
SQLite and PostgreSQL: a limit under 32 is counted in the store at every request; a
larger one is counted in memory and added to the store every sixteenth of the limit, every
SYNC_AFTER, and at a new window, so that the store is not written at every request. Two
limiters on one store are two workers; the clock stands still unless a test moves it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.services import frozen_clock, frozen_services

from authpool.domain.context import Services
from authpool.domain.errors import LimitExceededException, TooManyRequestsException
from authpool.domain.ratelimit import (
    SHARE_DIVISOR,
    SYNC_AFTER,
    Limiter,
    RateLimits,
    Request,
    _key,
    _window_key,
)
from authpool.store import SqlStore

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the start of a window
AUTH = Request(category="UserAuthentication", pool="us-east-1_Limits1")


@pytest.fixture
def svc(store: SqlStore) -> Services:
    return frozen_services(store, START)


def _limits(quota: int, **other: int) -> RateLimits:
    return RateLimits({"UserAuthentication": quota}, **other)


def _stored(svc: Services, request: Request = AUTH, *, period: int | None = None) -> int:
    """The count of ``request``'s category in the store, for the clock's window."""
    if period is None:
        period = int(svc.clock.now().timestamp())
    key = _window_key(_key(svc, "category", request.category or "", request.pool or "-"), period)
    [count] = svc.store.count_hits([(key, period, START)], now=START, add=[0])
    return count


def _allowed(limiter: Limiter, svc: Services, n: int, request: Request = AUTH) -> int:
    allowed = 0
    for _ in range(n):
        try:
            limiter.check(svc, request)
            allowed += 1
        except (TooManyRequestsException, LimitExceededException):
            pass
    return allowed


def test_a_small_limit_is_in_the_store_at_every_request(svc: Services) -> None:
    limiter = Limiter(_limits(SHARE_DIVISOR - 1))
    for expected in range(1, 6):
        limiter.check(svc, AUTH)
        assert _stored(svc) == expected


def test_a_large_limit_is_shared_every_sixteenth_of_it(svc: Services) -> None:
    quota = 16 * SHARE_DIVISOR  # shared every 16 requests
    limiter = Limiter(_limits(quota))
    limiter.check(svc, AUTH)
    assert _stored(svc) == 1  # the first request of a window reads the shared count
    for _ in range(15):
        limiter.check(svc, AUTH)
    assert _stored(svc) == 1  # fifteen counted here only
    limiter.check(svc, AUTH)
    assert _stored(svc) == 17  # the sixteenth since: all of them go to the store


def test_a_count_is_shared_after_sync_after_at_the_latest(svc: Services) -> None:
    limiter = Limiter(_limits(10_000))
    limiter.check(svc, AUTH)
    limiter.check(svc, AUTH)
    assert _stored(svc) == 1
    frozen_clock(svc).advance(SYNC_AFTER)
    limiter.check(svc, AUTH)
    assert _stored(svc) == 3


def test_two_workers_together_keep_near_a_large_limit(svc: Services) -> None:
    """Each worker judges by the shared count it last read plus its own; what the other has
    not shared yet is at most a sixteenth of the limit."""
    quota = 10 * SHARE_DIVISOR
    one, two = Limiter(_limits(quota)), Limiter(_limits(quota))
    allowed = 0
    for _ in range(150):  # 300 requests in one window, alternating workers
        allowed += _allowed(one, svc, 1) + _allowed(two, svc, 1)
    slack = quota // SHARE_DIVISOR
    assert quota - slack <= allowed <= quota + slack
    # Refused requests were not counted: the store holds what was let through, give or take
    # what each worker still holds back.
    assert allowed - 2 * slack <= _stored(svc) <= allowed


def test_a_worker_sees_the_others_counts_when_it_shares(svc: Services) -> None:
    quota = 4 * SHARE_DIVISOR
    one, two = Limiter(_limits(quota)), Limiter(_limits(quota))
    assert _allowed(one, svc, quota) == quota  # one worker uses up the second
    frozen_clock(svc).advance(SYNC_AFTER)
    assert _allowed(one, svc, 1) == 0  # its count is shared now
    assert _allowed(two, svc, 5) == 0  # the first request reads it: nothing left


def test_counts_left_in_a_past_window_reach_the_store(svc: Services) -> None:
    """Hits counted but not shared when a window ends are added to that window's row at the
    next request: the others weigh them as the window before."""
    limiter = Limiter(_limits(16 * SHARE_DIVISOR))
    for _ in range(10):
        limiter.check(svc, AUTH)
    period = int(START.timestamp())
    assert _stored(svc, period=period) == 1
    frozen_clock(svc).advance(1.0)
    limiter.check(svc, AUTH)
    assert _stored(svc, period=period) == 10
    assert _stored(svc, period=period + 1) == 1


def test_the_window_before_weighs_on_a_large_limit(svc: Services) -> None:
    quota = 4 * SHARE_DIVISOR
    one, two = Limiter(_limits(quota)), Limiter(_limits(quota))
    frozen_clock(svc).advance(0.9)
    assert _allowed(one, svc, quota) == quota
    frozen_clock(svc).advance(0.2)  # 0.1 s into the next window: 90 % of the last one still counts
    allowed = _allowed(two, svc, quota)
    assert allowed <= quota // 10 + quota // SHARE_DIVISOR


def test_a_refused_request_is_taken_back_here_or_in_the_store(svc: Services) -> None:
    limiter = Limiter(_limits(2 * SHARE_DIVISOR))
    assert _allowed(limiter, svc, 2 * SHARE_DIVISOR + 5) == 2 * SHARE_DIVISOR
    frozen_clock(svc).advance(SYNC_AFTER)
    assert _allowed(limiter, svc, 1) == 0
    assert _stored(svc) == 2 * SHARE_DIVISOR


def test_per_user_limits_count_each_user(svc: Services) -> None:
    limiter = Limiter(RateLimits({}, per_user=3))
    alice = Request(category=None, pool="p", user="name:alice")
    bob = Request(category=None, pool="p", user="name:bob")
    assert _allowed(limiter, svc, 5, alice) == 3
    assert _allowed(limiter, svc, 5, bob) == 3
    with pytest.raises(LimitExceededException):
        limiter.check(svc, alice)


def test_old_counters_are_forgotten(svc: Services) -> None:
    limiter = Limiter(RateLimits({}, per_user=100))
    for i in range(50):
        limiter.check(svc, Request(category=None, pool="p", user=f"name:u{i}"))
    assert len(limiter._counters) == 50
    frozen_clock(svc).advance(timedelta(seconds=2))
    limiter.check(svc, Request(category=None, pool="p", user="name:u0"))
    assert len(limiter._counters) == 1


def test_one_worker_counts_exactly_from_many_threads(svc: Services) -> None:
    """Requests of one worker run in many threads at once: its own count is exact, so it lets
    exactly the limit through in a window however the threads interleave."""
    quota = 64 * SHARE_DIVISOR
    limiter = Limiter(_limits(quota))
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(lambda _: _allowed(limiter, svc, 200), range(8)))
    assert allowed == quota
    frozen_clock(svc).advance(SYNC_AFTER)
    assert _allowed(limiter, svc, 1) == 0
    assert _stored(svc) == quota
