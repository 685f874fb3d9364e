"""The store's unit of work (``atomic``): the calls inside one write transaction, committed
together or not at all, on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tests.store.test_store import T0, new_client, new_pool, new_user, refresh_record

from authpool.store import SqlStore, open_store


def commits(store: SqlStore, call: Any) -> int:
    count = 0

    def seen(_: Any) -> None:
        nonlocal count
        count += 1

    sa.event.listen(store.engine, "commit", seen)
    try:
        call()
    finally:
        sa.event.remove(store.engine, "commit", seen)
    return count


def test_a_unit_commits_its_calls_together(store: SqlStore, database_url: str) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id)
    token = refresh_record(user, client.id)
    marker = secrets.token_bytes(32)
    other = open_store(database_url)  # another worker: sees nothing before the commit
    try:

        def unit() -> None:
            with store.atomic():
                store.insert_refresh_token(token)
                assert store.use_session(marker, expires_at=T0 + timedelta(hours=1), now=T0)
                assert store.get_refresh_token(token.digest) is not None  # its own writes
                assert other.get_refresh_token(token.digest) is None
                assert not other.session_used(marker, now=T0)

        assert commits(store, unit) == 1
        assert other.get_refresh_token(token.digest) is not None
        assert other.session_used(marker, now=T0)
    finally:
        other.dispose()


def test_a_unit_that_raises_stores_nothing(store: SqlStore) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id)
    token = refresh_record(user, client.id)
    marker = secrets.token_bytes(32)

    def half_way() -> None:
        with store.atomic():
            store.insert_refresh_token(token)
            with store.atomic():  # an inner unit joins the outer one
                store.use_session(marker, expires_at=T0 + timedelta(hours=1), now=T0)
            raise RuntimeError("half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        half_way()
    assert store.get_refresh_token(token.digest) is None
    assert not store.session_used(marker, now=T0)
    # A replayed marker inside a unit is refused as outside one, and the unit goes on.
    with store.atomic():
        assert store.use_session(marker, expires_at=T0 + timedelta(hours=1), now=T0)
        assert not store.use_session(marker, expires_at=T0 + timedelta(hours=1), now=T0)
        store.insert_refresh_token(token)
    assert store.get_refresh_token(token.digest) is not None
