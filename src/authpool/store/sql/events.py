"""The sign-in history (AdminListUserAuthEvents), newest first, kept bounded per user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.records import AuthEventRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase
from authpool.store.sql.types import UtcDateTime


def _event(row: sa.Row[Any]) -> AuthEventRecord:
    m = row._mapping
    return AuthEventRecord(
        event_id=m["event_id"],
        pool_id=m["pool_id"],
        user_sub=m["user_sub"],
        event_type=m["event_type"],
        response=m["response"],
        created_at=m["created_at"],
        challenges=tuple((str(c[0]), str(c[1])) for c in m["challenges"]),
        client_id=m["client_id"],
        ip_address=m["ip_address"],
        device_name=m["device_name"],
        seq=m["seq"],
        feedback_value=m["feedback_value"],
        feedback_provider=m["feedback_provider"],
        feedback_at=m["feedback_at"],
    )


class EventTables(SqlBase):
    def insert_auth_event(self, event: AuthEventRecord, *, keep: int, not_before: datetime) -> None:
        """Record ``event``; then drop the user's events older than ``not_before`` and all
        but the newest ``keep``, so that the history stays bounded."""
        with self._write() as conn:
            conn.execute(
                _INSERT_EVENT,
                {
                    "event_id": event.event_id,
                    "pool_id": event.pool_id,
                    "user_sub": event.user_sub,
                    "event_type": event.event_type,
                    "response": event.response,
                    "challenges": [list(c) for c in event.challenges],
                    "client_id": event.client_id,
                    "ip_address": event.ip_address,
                    "device_name": event.device_name,
                    "created_at": event.created_at,
                },
            )
            oldest_kept = conn.execute(_KEPT_FROM, {"sub": event.user_sub, "skip": keep - 1})
            conn.execute(
                _DROP_EVENTS,
                {"sub": event.user_sub, "not_before": not_before, "oldest": oldest_kept.scalar()},
            )

    def pad_auth_event(self, marker: bytes, *, now: datetime) -> None:
        """What :meth:`insert_auth_event` costs, spent where there is no user to record an
        event for (a sign-in failure for a name nobody holds): one write transaction of the
        same three statements — an insert, a select with an offset, a delete of what is too
        old — on the single-use markers (whose rows need no user), leaving nothing behind."""
        with self._write() as conn:
            conn.execute(_INSERT_MARKER, {"digest": marker, "expires_at": now})
            found = conn.execute(_MARKER_FROM, {"digest": marker, "skip": 0})
            conn.execute(_DROP_MARKER, {"digest": marker, "now": now, "oldest": found.scalar()})

    def set_auth_event_feedback(
        self, user_sub: str, event_id: str, *, value: str, provider: str, at: datetime
    ) -> bool:
        """Record feedback on one of the user's events; False if the user has no such event."""
        e = t.auth_events.c
        with self._write() as conn:
            res = conn.execute(
                t.auth_events.update()
                .where(e.user_sub == user_sub, e.event_id == event_id)
                .values(feedback_value=value, feedback_provider=provider, feedback_at=at)
            )
            return res.rowcount >= 1

    def update_auth_event(
        self, seq: int, *, response: str, challenges: tuple[tuple[str, str], ...]
    ) -> bool:
        """Settle an event in progress (a challenge answered)."""
        with self._write() as conn:
            res = conn.execute(
                t.auth_events.update()
                .where(t.auth_events.c.seq == seq)
                .values(response=response, challenges=[list(c) for c in challenges])
            )
            return res.rowcount == 1

    def list_auth_events(
        self, user_sub: str, *, before: int | None, limit: int
    ) -> list[AuthEventRecord]:
        query, params = _NEWEST, {"sub": user_sub, "limit": limit}
        if before is not None:
            query, params = _NEWEST_BEFORE, {**params, "before": before}
        with self._read() as conn:
            return [_event(r) for r in conn.execute(query, params)]


# Built once: building a statement costs about as much as running it. A sign-in failure
# writes either the first three (a user's) or the last three (a name nobody holds).
_E, _M = t.auth_events.c, t.used_sessions.c
_INSERT_EVENT = t.auth_events.insert()
_KEPT_FROM = (
    sa.select(_E.seq)
    .where(_E.user_sub == sa.bindparam("sub"))
    .order_by(_E.seq.desc())
    .offset(sa.bindparam("skip"))
    .limit(1)
)
_DROP_EVENTS = t.auth_events.delete().where(
    _E.user_sub == sa.bindparam("sub"),
    sa.or_(  # older than kept, or past the newest ``keep`` (``oldest`` NULL: none are)
        _E.created_at < sa.bindparam("not_before", type_=UtcDateTime()),
        _E.seq < sa.bindparam("oldest", type_=sa.Integer()),
    ),
)
# A user's events, newest first (read by every sign-in that ends: is one in progress?).
_NEWEST = (
    t.auth_events.select()
    .where(_E.user_sub == sa.bindparam("sub"))
    .order_by(_E.seq.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer()))
)
_NEWEST_BEFORE = _NEWEST.where(_E.seq < sa.bindparam("before", type_=sa.Integer()))
_INSERT_MARKER = t.used_sessions.insert()
_MARKER_FROM = (
    sa.select(_M.digest)
    .where(_M.digest == sa.bindparam("digest"))
    .order_by(_M.digest.desc())
    .offset(sa.bindparam("skip"))
    .limit(1)
)
_DROP_MARKER = t.used_sessions.delete().where(
    _M.digest == sa.bindparam("digest"),
    sa.or_(
        _M.expires_at <= sa.bindparam("now", type_=UtcDateTime()),
        _M.digest < sa.bindparam("oldest", type_=sa.LargeBinary()),
    ),
)
