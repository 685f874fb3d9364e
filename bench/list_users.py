"""ListUsers on a pool of 1,000 users and on the same pool grown to 100,000: a filtered page
costs the same, because every listing is a keyset range on an index (see
``src/authpool/store/sql/directory.py``), never a scan of the pool.

Two databases, one pool each: 1,000 users and 100,000. The users go in through the store's
bulk path (``bulk_insert_users``: users, aliases and search-index rows in large batches);
then each query runs through the domain's ListUsers (filter parsing, index range, UserType
rendering) on both pools in turn, so that both see the same machine load. The wire layer
adds the same constant either way and is left out.

Usage::

    python bench/list_users.py                          # two SQLite files in a temp dir
    python bench/list_users.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python bench/list_users.py --large 20000 --runs 50  # a quicker look

Not a test: the figures depend on the machine. What must hold anywhere is the ratio column,
which stays close to 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from authpool.clock import SystemClock
from authpool.domain import directory, paging, pools
from authpool.domain.context import Services
from authpool.domain.messages import OutgoingMessage
from authpool.domain.records import UserRecord
from authpool.store import SqlStore, open_store
from authpool.vault import Vault

FAMILIES = [f"Family{n:02d}" for n in range(10)]
GIVEN = [f"Given{n:02d}" for n in range(20)]
NAMESPACE = uuid.UUID("6f1c3c5e-2f5e-4f7a-9a57-0b1d9d1c0a11")
BATCH = 10_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class _NoMail:
    def send(self, message: OutgoingMessage) -> None:  # the benchmark sends nothing
        pass


def services(url: str) -> Services:
    return Services(
        store=open_store(url, pool_size=2),
        vault=Vault(os.urandom(32)),
        clock=SystemClock(),
        sender=_NoMail(),
        public_url="http://bench.invalid",
    )


def user(pool_id: str, i: int) -> UserRecord:
    """The i-th user, deterministic: 5 % unconfirmed, 10 % disabled, 10 family names."""
    name = f"user-{i:06d}"
    return UserRecord(
        sub=str(uuid.uuid5(NAMESPACE, f"{pool_id}/{i}")),
        pool_id=pool_id,
        username=name,
        username_key=name,
        status="UNCONFIRMED" if i % 20 == 0 else "CONFIRMED",
        enabled=i % 10 != 7,
        attributes={
            "email": f"{name}@example.com",
            "email_verified": "true",
            "given_name": GIVEN[i % len(GIVEN)],
            "family_name": FAMILIES[i % len(FAMILIES)],
            "name": f"{GIVEN[i % len(GIVEN)]} {FAMILIES[i % len(FAMILIES)]}",
            "phone_number": f"+1415{i:07d}",
        },
        created_at=T0,
        updated_at=T0,
    )


def fill(store: SqlStore, pool_id: str, start: int, stop: int) -> float:
    """Insert users ``start`` … ``stop - 1``; returns the seconds it took."""
    began = time.perf_counter()
    for first in range(start, stop, BATCH):
        batch = [(user(pool_id, i), ()) for i in range(first, min(first + BATCH, stop))]
        store.bulk_insert_users(batch)
    return time.perf_counter() - began


@dataclass(frozen=True)
class Query:
    label: str
    params: Callable[[int], dict[str, Any]]  # pool size -> ListUsers parameters


def _middle_status_token(size: int) -> str:
    """A token half-way through ``cognito:user_status = "CONFIRMED"`` (a deep page)."""
    flt = directory.parse_filter('cognito:user_status = "CONFIRMED"')
    assert flt is not None
    middle = user("x", size // 2 + 1)  # its sub differs, but any position is a position
    return paging.encode(f"users:{flt.fingerprint}", ["confirmed", middle.sub])


QUERIES = [
    Query("no filter, first page", lambda n: {}),
    Query(
        "no filter, page half-way",
        lambda n: {"pagination_token": paging.encode("users", f"user-{n // 2:06d}")},
    ),
    Query("username = (one user)", lambda n: {"filter": f'username = "user-{n // 3:06d}"'}),
    Query("email = (one user)", lambda n: {"filter": f'email = "USER-{n // 3:06d}@example.com"'}),
    Query("email ^= (100 users)", lambda n: {"filter": 'email ^= "user-0005"'}),
    Query("phone_number ^= (10 users)", lambda n: {"filter": 'phone_number ^= "+1415000012"'}),
    Query("family_name = (10 % of the pool)", lambda n: {"filter": 'family_name = "family07"'}),
    Query("given_name ^= (50 % of the pool)", lambda n: {"filter": 'given_name ^= "Given1"'}),
    Query("status = Disabled (10 %)", lambda n: {"filter": 'status = "Disabled"'}),
    Query(
        "cognito:user_status = CONFIRMED, page half-way",
        lambda n: {
            "filter": 'cognito:user_status = "CONFIRMED"',
            "pagination_token": _middle_status_token(n),
        },
    ),
]


def _time(svc: Services, pool_id: str, params: dict[str, Any]) -> float:
    began = time.perf_counter()
    directory.list_users(svc, pool_id, params)
    return time.perf_counter() - began


Side = tuple[Services, str, int]  # services, pool id, pool size


@dataclass(frozen=True)
class Result:
    median_ms: float
    best_ms: float
    users: int


def compare(small: Side, large: Side, query: Query, runs: int) -> tuple[Result, Result]:
    """``runs`` ListUsers calls (60 a page) on each pool, the two calls alternating so that
    both see the same machine load."""
    timings: tuple[list[float], list[float]] = ([], [])
    counts = []
    for svc, pool_id, size in (small, large):
        params = {"limit": 60, **query.params(size)}
        counts.append(len(directory.list_users(svc, pool_id, params)["users"]))  # warm
    for _ in range(runs):
        for side, (svc, pool_id, size) in enumerate((small, large)):
            timings[side].append(_time(svc, pool_id, {"limit": 60, **query.params(size)}))
    a, b = (
        Result(statistics.median(t) * 1000, min(t) * 1000, n)
        for t, n in zip(timings, counts, strict=True)
    )
    return a, b


def prepare(url: str, size: int) -> Side:
    svc = services(url)
    store = svc.store
    assert isinstance(store, SqlStore)
    pool = pools.create_pool(svc, f"bench-{uuid.uuid4().hex[:6]}", {})
    seconds = fill(store, pool.id, 0, size)
    rate = size / seconds
    print(f"  {store.dialect}: {size:,} users inserted in {seconds:.1f} s ({rate:,.0f} users/s)")
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:  # what autovacuum does after a bulk load
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return svc, pool.id, size


def run(small_url: str, large_url: str, small: int, large: int, runs: int) -> None:
    a = prepare(small_url, small)
    b = prepare(large_url, large)
    print(f"\n  {runs} ListUsers calls per pool, Limit 60, the two pools alternating (ms)")
    head = f"{'median':>16}{'':>9}{'best':>14}"
    print(f"  {'':<46}{head}")
    sizes = f"{small:>8,} {large:>8,} ratio"
    print(f"  {'query':<46}{sizes}  {sizes}  users/page")
    for query in QUERIES:
        x, y = compare(a, b, query, runs)
        med = f"{x.median_ms:>8.2f} {y.median_ms:>8.2f} {y.median_ms / x.median_ms:5.2f}"
        best = f"{x.best_ms:>8.2f} {y.best_ms:>8.2f} {y.best_ms / x.best_ms:5.2f}"
        print(f"  {query.label:<46}{med}  {best}  {x.users:>4} / {y.users:<4}")
    for svc, _, _ in (a, b):
        assert isinstance(svc.store, SqlStore)
        svc.store.dispose()


@contextlib.contextmanager
def databases(server_url: str | None) -> Iterator[tuple[str, str]]:
    """Two empty databases: SQLite files in a temp dir, or two new PostgreSQL databases on
    the server ``server_url`` names (dropped afterwards)."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="authpool-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'small.db'}", f"sqlite:///{Path(tmp) / 'large.db'}"
        return
    names = [f"authpool_bench_{uuid.uuid4().hex[:8]}_{n}" for n in ("small", "large")]
    base = server_url.rpartition("/")[0]
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (postgresql://user@host/maintenance-db) to create the two "
        "databases on; SQLite files by default",
    )
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with databases(args.postgres) as (small_url, large_url):
        run(small_url, large_url, args.small, args.large, args.runs)


if __name__ == "__main__":
    main()
