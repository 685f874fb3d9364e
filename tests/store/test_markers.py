"""Reading single-use markers (``session_used``), on SQLite and PostgreSQL: a marker counts
once written and until it expires."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from authpool.store import SqlStore

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_a_marker_is_seen_once_written_and_until_it_expires(store: SqlStore) -> None:
    digest = secrets.token_bytes(32)
    expires = T0 + timedelta(minutes=3)
    assert store.session_used(digest, now=T0) is False
    assert store.use_session(digest, expires_at=expires, now=T0) is True
    assert store.session_used(digest, now=T0) is True
    assert store.session_used(digest, now=expires - timedelta(microseconds=1)) is True
    assert store.session_used(digest, now=expires) is False
    assert store.session_used(secrets.token_bytes(32), now=T0) is False
