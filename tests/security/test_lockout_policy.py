"""The lockout's arithmetic and its store, on SQLite and PostgreSQL, with a frozen clock: the
schedule, the hourly cap, compare-and-set between racing workers, and how many guesses an
attacker who times every attempt perfectly gets at one account in an hour (the figure the
issue asks for)."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.services import frozen_clock, frozen_services

from authpool.domain import lockout
from authpool.domain.context import Services
from authpool.domain.errors import NotAuthorizedException
from authpool.store import SqlStore

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def svc(store: SqlStore) -> Services:
    return frozen_services(store, START)


def allowed(svc: Services, key: bytes, policy: lockout.Policy = lockout.POLICY) -> bool:
    """One guess: True if it was let through (and counted), False if refused."""
    try:
        lockout.attempt(svc, key, factor=lockout.PASSWORD, policy=policy)
    except NotAuthorizedException as exc:
        if exc.message != lockout.EXCEEDED:
            raise
        return False
    return True


def test_cognitos_schedule() -> None:
    policy = lockout.POLICY
    assert [policy.lock_for(n).total_seconds() for n in range(1, 17)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900,
    ]  # fmt: skip
    assert policy.lock_for(10_000) == timedelta(minutes=15)


def test_an_attacker_gets_at_most_thirty_guesses_an_hour(svc: Services) -> None:
    """Guess the moment each lockout ends, for an hour: Cognito's schedule lets 30 through
    (five free, ten spaced 1 s … 15 min apart, then the quiet reset and again)."""
    key = secrets.token_bytes(32)
    clock = frozen_clock(svc)
    end = START + timedelta(hours=1)
    let_through = 0
    while clock.now() < end:
        if allowed(svc, key):
            let_through += 1
            continue
        record = svc.store.get_failures(key)
        assert record is not None
        until = lockout.locked_until(record, clock.now(), lockout.POLICY)
        assert until is not None
        clock.set(until)
    assert let_through == 30
    assert let_through <= lockout.POLICY.hourly_cap


def test_the_hourly_cap_holds_whatever_the_schedule(svc: Services) -> None:
    """With no doubling at all, the cap alone stops the 101st failure of the hour."""
    policy = lockout.Policy(free_failures=10**6, hourly_cap=100)
    key = secrets.token_bytes(32)
    clock = frozen_clock(svc)
    for _ in range(100):
        assert allowed(svc, key, policy)
        clock.advance(1)
    assert not allowed(svc, key, policy)
    clock.set(START + timedelta(hours=1) - timedelta(seconds=1))
    assert not allowed(svc, key, policy)
    clock.set(START + timedelta(hours=1))
    assert allowed(svc, key, policy)


def test_a_right_answer_clears_the_count(svc: Services) -> None:
    key = secrets.token_bytes(32)
    for _ in range(4):
        assert allowed(svc, key)
    lockout.passed(svc, key)
    assert svc.store.get_failures(key) is None
    for _ in range(5):
        assert allowed(svc, key)
    assert not allowed(svc, key)


def test_refuse_if_locked_counts_nothing(svc: Services) -> None:
    key = secrets.token_bytes(32)
    for _ in range(5):
        assert allowed(svc, key)
    with pytest.raises(NotAuthorizedException):
        lockout.refuse_if_locked(svc, key)
    before = svc.store.get_failures(key)
    frozen_clock(svc).advance(1)
    lockout.refuse_if_locked(svc, key)
    assert svc.store.get_failures(key) == before


def test_racing_workers_count_every_attempt(svc: Services, store: SqlStore) -> None:
    """Thirty workers at once (each its own connection): exactly five get through."""
    key = secrets.token_bytes(32)
    start = threading.Barrier(30)

    def one(_: int) -> bool:
        start.wait(timeout=60)
        return allowed(svc, key)

    with ThreadPoolExecutor(max_workers=30) as workers:
        results = list(workers.map(one, range(30)))
    assert results.count(True) == 5
    record = store.get_failures(key)
    assert record is not None
    assert record.failures == 5


def test_keys_are_keyed_hashes_of_user_or_name(svc: Services) -> None:
    from authpool.domain.pools import Pool
    from authpool.domain.records import PoolRecord

    config = {"username_configuration": {"case_sensitive": False}}
    pool = Pool(PoolRecord("us-east-1_Test", "t", config, START, START))
    by_name = lockout.key_for(svc, lockout.PASSWORD, pool, None, "Alice")
    assert by_name == lockout.key_for(svc, lockout.PASSWORD, pool, None, "alice")
    assert by_name != lockout.key_for(svc, lockout.MFA, pool, None, "alice")
    assert b"alice" not in by_name
    assert len(by_name) == 32
