"""Reading the development outbox: every message the server sent, with its code.

The outbox keeps a message, in clear, for :data:`RETENTION` (the store deletes older ones as
new ones arrive, and a reader is never shown one): long enough for a sign-up code, which is
valid for a day; a code in a log or a table should not outlive its use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from authpool.domain.context import Services
from authpool.domain.errors import InvalidParameterException

RETENTION = timedelta(hours=24)


def parse_since(text: str | None) -> datetime | None:
    """``since`` as epoch seconds or ISO 8601."""
    if not text:
        return None
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidParameterException(f"since must be epoch seconds or ISO 8601: {text}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def list_messages(
    svc: Services,
    *,
    pool_id: str | None = None,
    username: str | None = None,
    since: str | None = None,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    kept_from = svc.clock.now() - RETENTION
    asked = parse_since(since)
    rows = svc.store.list_outbox(
        pool_id=pool_id,
        username=username,
        since=kept_from if asked is None else max(asked, kept_from),
        after_id=after_id,
    )
    return [
        {
            "id": r.id,
            "pool_id": r.pool_id,
            "username": r.username,
            "destination": r.destination,
            "medium": r.medium,
            "purpose": r.purpose,
            "code": r.code,
            "subject": r.subject,
            "body": r.body,
            "sent_at": r.sent_at.isoformat(),
        }
        for r in rows
    ]
