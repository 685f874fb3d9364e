"""A pool migration (:mod:`authpool.domain.pool_migration`) written in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from authpool.domain.errors import ConcurrentModificationException, UsernameExistsException
from authpool.domain.records import PoolRecord, UserRekeyRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase, is_unique_violation
from authpool.store.sql.search_index import INDEXED_FIELDS, reindex_user
from authpool.store.sql.users import _USER_FIELDS, UserTables, _user

CHANGED = "The user pool or its users changed while the change was being made; nothing was changed."


class PoolMigrationTables(SqlBase):
    def migrate_pool(
        self,
        pool: PoolRecord,
        *,
        seen_updated_at: datetime,
        user_count: int,
        users: Sequence[UserRekeyRecord],
    ) -> None:
        """Store the pool's new configuration and change its users, all or nothing: first every
        user's fields and dropped aliases (in the order given), then every user's new aliases.

        Nothing is written, and ConcurrentModificationException is raised, when the pool was
        updated since ``seen_updated_at``, a user since its ``seen_updated_at``, or the pool no
        longer has ``user_count`` users. A taken username raises UsernameExistsException and a
        taken alias AliasExistsException, with nothing written either."""
        for user in users:
            unknown = set(user.changes) - _USER_FIELDS
            if unknown:
                raise TypeError(f"not user fields: {sorted(unknown)}")
        with self._write() as conn:
            updated = conn.execute(
                t.user_pools.update()
                .where(t.user_pools.c.id == pool.id, t.user_pools.c.updated_at == seen_updated_at)
                .values(config=pool.config, updated_at=pool.updated_at)
            )
            count = conn.execute(
                sa.select(sa.func.count()).select_from(t.users).where(t.users.c.pool_id == pool.id)
            ).scalar_one()
            if updated.rowcount != 1 or count != user_count:
                raise ConcurrentModificationException(CHANGED)
            for user in users:
                self._change_user(conn, pool.id, user)
            for user in users:
                UserTables._add_aliases(conn, pool.id, user.sub, user.add_aliases)

    @staticmethod
    def _change_user(conn: sa.Connection, pool_id: str, user: UserRekeyRecord) -> None:
        query = (
            t.users.update()
            .where(
                t.users.c.sub == user.sub,
                t.users.c.pool_id == pool_id,
                t.users.c.updated_at == user.seen_updated_at,
            )
            .values(**user.changes)
            .returning(t.users)
        )
        try:
            with conn.begin_nested():
                row = conn.execute(query).first()
        except sa.exc.IntegrityError as exc:
            if is_unique_violation(exc):
                raise UsernameExistsException() from exc
            raise
        if row is None:
            raise ConcurrentModificationException(CHANGED)
        if user.remove_aliases:
            conn.execute(
                t.user_aliases.delete()
                .where(t.user_aliases.c.user_sub == user.sub)
                .where(t.user_aliases.c.alias_key.in_(user.remove_aliases))
            )
        if INDEXED_FIELDS & user.changes.keys():
            reindex_user(conn, _user(row))
