"""Keeping ListUsers' search index in step with the users: called by the user writes of
:mod:`authpool.store.sql.users` inside their own transaction."""

from __future__ import annotations

import sqlalchemy as sa

from authpool.domain.records import UserRecord
from authpool.domain.search import index_entries
from authpool.store.sql import tables as t

# Fields of a user whose change can change its index rows.
INDEXED_FIELDS = frozenset({"username", "status", "enabled", "attributes"})


def index_user(conn: sa.Connection, user: UserRecord) -> None:
    """Write the search rows of a new ``user``."""
    rows = index_rows(user)
    if rows:
        conn.execute(t.user_search.insert(), rows)


def reindex_user(conn: sa.Connection, user: UserRecord) -> None:
    """Replace the search rows of ``user`` with those its current record calls for."""
    unindex_user(conn, user.sub)
    index_user(conn, user)


def unindex_user(conn: sa.Connection, sub: str) -> None:
    conn.execute(t.user_search.delete().where(t.user_search.c.user_sub == sub))


def index_rows(user: UserRecord) -> list[dict[str, str]]:
    return [
        {"pool_id": user.pool_id, "attribute": a, "value": v, "user_sub": user.sub}
        for a, v in index_entries(user)
    ]
