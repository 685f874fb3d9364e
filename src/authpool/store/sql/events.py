"""The sign-in history (AdminListUserAuthEvents), newest first, kept bounded per user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.records import AuthEventRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase


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
        e = t.auth_events.c
        with self._write() as conn:
            conn.execute(
                t.auth_events.insert().values(
                    event_id=event.event_id,
                    pool_id=event.pool_id,
                    user_sub=event.user_sub,
                    event_type=event.event_type,
                    response=event.response,
                    challenges=[list(c) for c in event.challenges],
                    client_id=event.client_id,
                    ip_address=event.ip_address,
                    device_name=event.device_name,
                    created_at=event.created_at,
                )
            )
            oldest_kept = conn.execute(
                sa.select(e.seq)
                .where(e.user_sub == event.user_sub)
                .order_by(e.seq.desc())
                .offset(keep - 1)
                .limit(1)
            ).scalar()
            stale = e.created_at < not_before
            if oldest_kept is not None:
                stale = sa.or_(stale, e.seq < oldest_kept)
            conn.execute(t.auth_events.delete().where(e.user_sub == event.user_sub, stale))

    def pad_auth_event(self, marker: bytes, *, now: datetime) -> None:
        """What :meth:`insert_auth_event` costs, spent where there is no user to record an
        event for (a sign-in failure for a name nobody holds): one write transaction of the
        same three statements — an insert, a select, a delete — on the single-use markers
        (whose rows need no user), leaving nothing behind. The statements are built per
        call, as :meth:`insert_auth_event` builds its own."""
        m = t.used_sessions.c
        with self._write() as conn:
            conn.execute(t.used_sessions.insert().values(digest=marker, expires_at=now))
            conn.execute(sa.select(m.digest).where(m.digest == marker).limit(1)).scalar()
            conn.execute(t.used_sessions.delete().where(m.digest == marker, m.expires_at <= now))

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
        e = t.auth_events.c
        query = (
            t.auth_events.select().where(e.user_sub == user_sub).order_by(e.seq.desc()).limit(limit)
        )
        if before is not None:
            query = query.where(e.seq < before)
        with self._read() as conn:
            return [_event(r) for r in conn.execute(query)]
