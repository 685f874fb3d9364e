"""Lockout counters that can no longer matter are swept now and then, not at every new key:
at about one new key in sixteen (keys are keyed hashes; the first byte and the second
decide)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from authpool.domain.records import FailureRecord
from authpool.store import SqlStore
from authpool.store.sql import tables as t

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)  # a whole second: its timestamp % 16 == 0


def failures(key: bytes, at: datetime) -> FailureRecord:
    return FailureRecord(key, 1, at, None, at, 1, version=1)


def present(store: SqlStore, table: sa.Table, column: str, keys: list[bytes]) -> int:
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).where(table.c[column].in_(keys)))
        return int(found.scalar_one())


def test_old_failure_counters_go_at_one_new_key_in_sixteen(store: SqlStore) -> None:
    stale = [secrets.token_bytes(32) for _ in range(5)]
    for key in stale:
        assert store.put_failures(failures(key, T0 - timedelta(hours=3)), expected=None)
    assert int(T0.timestamp()) % 16 == 0
    for first in range(1, 16):  # (first byte + second) % 16 != 0: these do not sweep
        key = bytes([first]) + secrets.token_bytes(31)
        assert store.put_failures(failures(key, T0), expected=None)
    assert present(store, t.sign_in_failures, "key", stale) == len(stale)
    sweeper = bytes([16]) + secrets.token_bytes(31)
    assert store.put_failures(failures(sweeper, T0), expected=None)
    assert present(store, t.sign_in_failures, "key", stale) == 0
    assert store.get_failures(sweeper) is not None
