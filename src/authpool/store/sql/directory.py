"""ListUsers from indexes, the bulk import path, and attribute values awaiting verification.

Every query here is a B-tree range on a primary key or an index, ordered as the index is,
with keyset pagination: a page costs the same on a pool of a thousand users as on a pool of
a million. :func:`search_statement` is exposed so that a test can ask each database for its
plan (``EXPLAIN``) and see the index used.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.records import PendingAttributeRecord, UserRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase
from authpool.store.sql.search_index import index_rows
from authpool.store.sql.users import _user

BULK_BATCH = 2000
_MAX_CHAR = sys.maxunicode
_SURROGATES = range(0xD800, 0xE000)


# queries ---------------------------------------------------------------------------------
def successor(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix`` in code-point
    order (None when there is none): ``prefix`` with its last character incremented."""
    chars = list(prefix)
    while chars:
        last = ord(chars.pop()) + 1
        if last in _SURROGATES:
            last = _SURROGATES.stop
        if last <= _MAX_CHAR:
            return "".join(chars) + chr(last)
    return None


def search_statement(
    pool_id: str,
    attribute: str,
    value: str,
    *,
    prefix: bool,
    after: tuple[str, str] | None,
    limit: int,
) -> sa.Select[Any]:
    """Users whose index ``value`` of ``attribute`` equals (or starts with) ``value``, in
    (value, sub) order, after the position ``after``."""
    s = t.user_search.c
    query = (
        sa.select(s.value.label("search_value"), t.users)
        .select_from(t.user_search.join(t.users, t.users.c.sub == s.user_sub))
        .where(s.pool_id == pool_id, s.attribute == attribute)
        .order_by(s.value, s.user_sub)
        .limit(limit)
    )
    if not prefix:
        query = query.where(s.value == value)
        return query.where(s.user_sub > after[1]) if after else query
    if after is not None:
        query = query.where(sa.tuple_(s.value, s.user_sub) > sa.tuple_(after[0], after[1]))
    elif value:
        query = query.where(s.value >= value)
    upper = successor(value)
    return query.where(s.value < upper) if upper is not None else query


def list_statement(pool_id: str, *, after: str | None, limit: int) -> sa.Select[Any]:
    """The pool's users in ``username_key`` order (the order of its unique index)."""
    query = (
        t.users.select()
        .where(t.users.c.pool_id == pool_id)
        .order_by(t.users.c.username_key)
        .limit(limit)
    )
    return query.where(t.users.c.username_key > after) if after is not None else query


class DirectoryTables(SqlBase):
    def list_users(self, pool_id: str, *, after: str | None, limit: int) -> list[UserRecord]:
        """The pool's users in ``username_key`` order; see :func:`list_statement`."""
        with self._read() as conn:
            return [
                _user(r) for r in conn.execute(list_statement(pool_id, after=after, limit=limit))
            ]

    def search_users(
        self,
        pool_id: str,
        attribute: str,
        value: str,
        *,
        prefix: bool,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[tuple[str, UserRecord]]:
        """(index value, user) pairs; see :func:`search_statement`."""
        query = search_statement(pool_id, attribute, value, prefix=prefix, after=after, limit=limit)
        with self._read() as conn:
            return [(r.search_value, _user(r)) for r in conn.execute(query)]

    def bulk_insert_users(self, batch: Sequence[tuple[UserRecord, tuple[str, ...]]]) -> None:
        """Insert many users with their aliases and index rows in one transaction: the import
        path (and the benchmark's). A taken name or alias fails the whole batch."""
        with self._write() as conn:
            for start in range(0, len(batch), BULK_BATCH):
                chunk = batch[start : start + BULK_BATCH]
                conn.execute(t.users.insert(), [_user_row(user) for user, _ in chunk])
                aliases = [
                    {"pool_id": user.pool_id, "alias_key": alias, "user_sub": user.sub}
                    for user, keys in chunk
                    for alias in keys
                ]
                if aliases:
                    conn.execute(t.user_aliases.insert(), aliases)
                rows = [row for user, _ in chunk for row in index_rows(user)]
                if rows:
                    conn.execute(t.user_search.insert(), rows)

    # attribute values awaiting verification ------------------------------------------------
    def put_pending_attribute(self, pending: PendingAttributeRecord) -> None:
        p = t.pending_attributes
        with self._write() as conn:
            conn.execute(
                p.delete().where(
                    p.c.user_sub == pending.user_sub, p.c.attribute == pending.attribute
                )
            )
            conn.execute(
                p.insert().values(
                    user_sub=pending.user_sub,
                    attribute=pending.attribute,
                    value=pending.value,
                    created_at=pending.created_at,
                    expires_at=pending.expires_at,
                )
            )

    def get_pending_attribute(
        self, user_sub: str, attribute: str, *, now: datetime
    ) -> PendingAttributeRecord | None:
        p = t.pending_attributes
        with self._read() as conn:
            row = conn.execute(
                p.select().where(
                    p.c.user_sub == user_sub, p.c.attribute == attribute, p.c.expires_at > now
                )
            ).first()
        return PendingAttributeRecord(**row._mapping) if row else None

    def delete_pending_attributes(
        self, user_sub: str, attributes: Sequence[str] | None = None
    ) -> None:
        p = t.pending_attributes
        query = p.delete().where(p.c.user_sub == user_sub)
        if attributes is not None:
            query = query.where(p.c.attribute.in_(list(attributes)))
        with self._write() as conn:
            conn.execute(query)


def _user_row(user: UserRecord) -> dict[str, Any]:
    return {
        "sub": user.sub,
        "pool_id": user.pool_id,
        "username": user.username,
        "username_key": user.username_key,
        "status": user.status,
        "enabled": user.enabled,
        "attributes": user.attributes,
        "salt": user.salt,
        "verifier_sealed": user.verifier_sealed,
        "mfa": user.mfa,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "password_changed_at": user.password_changed_at,
        "temp_password_expires_at": user.temp_password_expires_at,
        "tokens_valid_after": user.tokens_valid_after,
    }
