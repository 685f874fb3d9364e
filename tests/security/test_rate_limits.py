"""Request rate limits, on SQLite and PostgreSQL, with two servers (two workers) on one
database: per operation category and pool (TooManyRequestsException), per source address
(TooManyRequestsException), per user (LimitExceededException); the counts are shared, so
alternating between the servers does not double anyone's allowance. A limit holds over a sliding
second (a burst across a window boundary is refused; refused requests do not count). The
servers' clocks stand still while a test counts, so time moves only when a test moves it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.security.support import (
    FLOWS,
    new_name,
    outcome,
    try_password,
)
from tests.support.postgres import PgServer
from tests.support.server import LiveServer, start_server

from authpool.clock import FrozenClock
from authpool.config import RateLimitConfig
from authpool.domain.ratelimit import DEFAULT_QUOTAS
from authpool.wire.ratelimit import CATEGORIES, CATEGORY_OF

LIMITS = RateLimitConfig(
    quotas={"UserAuthentication": 4, "UserCreation": 1000, "UserPoolCreate": 1000},
    per_ip=0,
    per_user=3,
)
TOO_MANY = ("TooManyRequestsException", "Too many requests")
USER_LIMIT = ("LimitExceededException", "Attempt limit exceeded, please try after some time.")


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers, one database and one master key: two workers of one deployment."""
    data_dir = tmp_path_factory.mktemp("rate-limits")
    url = None
    pg: PgServer | None = None
    if request.param == "pg":
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database()
    else:
        url = f"sqlite:///{data_dir / 'authpool.db'}"
    first = start_server(data_dir, database_url=url, rate_limits=LIMITS)
    second = start_server(data_dir, database_url=url, rate_limits=LIMITS)
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()
        if pg is not None:
            pg.drop_database(url)


@pytest.fixture
def still(workers: tuple[LiveServer, LiveServer]) -> Iterator[FrozenClock]:
    """Both servers at one frozen instant, the start of a second."""
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FrozenClock(now)
    saved = [w.svc.clock for w in workers]
    for w in workers:
        w.svc.clock = clock
    try:
        yield clock
    finally:
        for w, running in zip(workers, saved, strict=True):
            w.svc.clock = running


def _pool_and_client(server: LiveServer) -> tuple[str, dict[str, Any]]:
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=new_name("pool"))["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]
    return pool_id, client


def test_a_category_over_its_quota_is_refused_across_workers(
    workers: tuple[LiveServer, LiveServer], still: FrozenClock
) -> None:
    first, second = workers
    _, client = _pool_and_client(first)
    anon = [first.anon_client(), second.anon_client()]
    # Four sign-ins this second (for four different names), alternating workers: allowed.
    results = [try_password(anon[i % 2], client, new_name(), "Passw0rd!") for i in range(4)]
    assert TOO_MANY not in results
    assert try_password(anon[0], client, new_name(), "Passw0rd!") == TOO_MANY
    assert try_password(anon[1], client, new_name(), "Passw0rd!") == TOO_MANY
    still.advance(1)  # a new window, but the last second still holds four
    assert try_password(anon[1], client, new_name(), "Passw0rd!") == TOO_MANY
    still.advance(0.5)  # half of them
    assert try_password(anon[1], client, new_name(), "Passw0rd!") != TOO_MANY


def test_a_burst_across_a_window_boundary_is_refused(
    workers: tuple[LiveServer, LiveServer], still: FrozenClock
) -> None:
    """Four at the end of one window and four at the start of the next are eight in a tenth
    of a second: a fixed window would let them all through."""
    first, second = workers
    _, client = _pool_and_client(first)
    anon = [first.anon_client(), second.anon_client()]

    def sign_in(i: int) -> tuple[str, str] | None:
        return try_password(anon[i % 2], client, new_name(), "Passw0rd!")

    still.advance(0.9)
    assert TOO_MANY not in [sign_in(i) for i in range(4)]
    still.advance(0.1)
    assert [sign_in(i) for i in range(4)] == [TOO_MANY] * 4
    still.advance(0.5)  # the last second: half of the four, and what this window lets by
    results = [sign_in(i) for i in range(3)]
    assert results[:2].count(TOO_MANY) == 0
    assert results[2] == TOO_MANY


def test_refused_requests_do_not_count(
    workers: tuple[LiveServer, LiveServer], still: FrozenClock
) -> None:
    """A client that keeps sending over the limit still gets the limit through."""
    first, _ = workers
    _, client = _pool_and_client(first)
    anon = first.anon_client()
    results = [try_password(anon, client, new_name(), "Passw0rd!") for _ in range(14)]
    assert results.count(TOO_MANY) == 10
    still.advance(1.5)  # had the ten refused counted, the last second would hold seven
    assert try_password(anon, client, new_name(), "Passw0rd!") != TOO_MANY


def test_each_pool_has_its_own_quota(
    workers: tuple[LiveServer, LiveServer], still: FrozenClock
) -> None:
    first, _ = workers
    _, busy = _pool_and_client(first)
    _, quiet = _pool_and_client(first)
    anon = first.anon_client()
    for _ in range(4):
        try_password(anon, busy, new_name(), "Passw0rd!")
    assert try_password(anon, busy, new_name(), "Passw0rd!") == TOO_MANY
    assert try_password(anon, quiet, new_name(), "Passw0rd!") != TOO_MANY


def test_a_user_over_the_per_user_limit_is_refused_across_workers(
    workers: tuple[LiveServer, LiveServer], still: FrozenClock
) -> None:
    first, second = workers
    _, client = _pool_and_client(first)
    name, other = new_name(), new_name()
    anon = [first.anon_client(), second.anon_client()]

    def forgot(i: int, who: str) -> tuple[str, str] | None:
        return outcome(
            lambda: anon[i % 2].forgot_password(ClientId=client["ClientId"], Username=who)
        )

    results = [forgot(i, name) for i in range(3)]
    assert USER_LIMIT not in results
    assert forgot(3, name) == USER_LIMIT
    assert forgot(4, other) != USER_LIMIT
    still.advance(1)
    assert forgot(5, name) == USER_LIMIT  # the last second still holds three
    still.advance(0.5)
    assert forgot(6, name) != USER_LIMIT


def test_per_address_limit(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Unsigned calls from one address are counted together (signed admin calls are not)."""
    data_dir = tmp_path_factory.mktemp("per-ip")
    server = start_server(data_dir, rate_limits=RateLimitConfig(per_ip=5))
    try:
        server.svc.clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
        idp = server.client()
        pool_id = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")
        client_id = client["UserPoolClient"]["ClientId"]
        for _ in range(10):  # signed: not counted by address
            idp.describe_user_pool(UserPoolId=pool_id)
        anon = server.anon_client()

        def forgot() -> tuple[str, str] | None:
            return outcome(lambda: anon.forgot_password(ClientId=client_id, Username=new_name()))

        results = [forgot() for _ in range(5)]
        assert TOO_MANY not in results
        assert forgot() == TOO_MANY
    finally:
        server.stop()


def test_every_category_has_cognitos_default_quota() -> None:
    assert set(CATEGORIES) <= set(DEFAULT_QUOTAS)
    assert DEFAULT_QUOTAS["UserAuthentication"] == 120
    assert DEFAULT_QUOTAS["UserCreation"] == 50
    assert DEFAULT_QUOTAS["UserAccountRecovery"] == 30
    assert CATEGORY_OF["InitiateAuth"] == "UserAuthentication"
    assert CATEGORY_OF["ForgotPassword"] == "UserAccountRecovery"
    assert CATEGORY_OF["ListUsers"] == "UserList"


def test_the_store_counts_per_key_and_period_and_sweeps(database_url: str) -> None:
    import secrets
    from datetime import timedelta

    from authpool.store import open_store

    store = open_store(database_url)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        one, two = secrets.token_bytes(32), secrets.token_bytes(32)
        assert store.count_hits([(one, 7, now), (two, 7, now)], now=now) == [1, 1]
        assert store.count_hits([(one, 7, now)], now=now) == [2]
        assert store.count_hits([(one, 8, now)], now=now) == [1]  # a new second
        later = now + timedelta(hours=1)
        for period in range(16):  # one of each sixteen calls sweeps (by key and period)
            key = bytes([(16 - period) % 16]) + secrets.token_bytes(31)
            store.count_hits([(key, period, later)], now=later)
        engine = store.engine
        import sqlalchemy as sa

        from authpool.store.sql import tables

        with engine.connect() as conn:
            left = conn.execute(
                sa.select(sa.func.count()).where(tables.rate_counters.c.expires_at <= now)
            ).scalar_one()
        assert left == 0
    finally:
        store.dispose()


def test_the_store_reads_the_window_before_and_takes_hits_back(database_url: str) -> None:
    import secrets

    from authpool.store import open_store

    store = open_store(database_url)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        before, current, other = (secrets.token_bytes(32) for _ in range(3))
        for _ in range(3):
            store.count_hits([(before, 6, now)], now=now)
        counts, previous = store.count_sliding_hits(
            [(current, 7, now), (other, 7, now)],
            previous=[before, secrets.token_bytes(32)],
            now=now,
        )
        assert (counts, previous) == ([1, 1], [3, 0])  # the window before; none: 0
        store.release_hits([current, before])
        counts, previous = store.count_sliding_hits([(current, 7, now)], previous=[before],
                                                    now=now, add=[5])  # fmt: skip
        assert (counts, previous) == ([5], [2])  # taken back one each; five hits at once
        with pytest.raises(ValueError, match="zip"):  # one window before for each counter
            store.count_sliding_hits([(current, 7, now)], previous=[], now=now)
    finally:
        store.dispose()
