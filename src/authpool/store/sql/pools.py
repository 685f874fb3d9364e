"""Access keys, user pools, their signing keys and app clients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.errors import ConcurrentModificationException
from authpool.domain.records import AccessKeyRecord, ClientRecord, PoolRecord, SigningKeyRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase, is_unique_violation


def _pool(row: sa.Row[Any]) -> PoolRecord:
    return PoolRecord(row.id, row.name, dict(row.config), row.created_at, row.updated_at)


def _client(row: sa.Row[Any]) -> ClientRecord:
    return ClientRecord(
        row.id,
        row.pool_id,
        row.name,
        row.secret_sealed,
        dict(row.config),
        row.created_at,
        row.updated_at,
    )


# Built once (every signed request reads its access key): building a statement costs about
# as much as running it.
_ACCESS_KEY = t.access_keys.select().where(t.access_keys.c.access_key_id == sa.bindparam("id"))


class PoolTables(SqlBase):
    # access keys ---------------------------------------------------------------------------
    def insert_access_key(self, key: AccessKeyRecord) -> None:
        with self._write() as conn:
            conn.execute(
                t.access_keys.insert().values(
                    access_key_id=key.access_key_id,
                    secret_sealed=key.secret_sealed,
                    description=key.description,
                    created_at=key.created_at,
                )
            )

    def get_access_key(self, access_key_id: str) -> AccessKeyRecord | None:
        with self._read() as conn:
            row = conn.execute(_ACCESS_KEY, {"id": access_key_id}).first()
        return AccessKeyRecord(**row._mapping) if row else None

    def list_access_keys(self) -> list[AccessKeyRecord]:
        with self._read() as conn:
            rows = conn.execute(t.access_keys.select().order_by(t.access_keys.c.created_at))
            return [AccessKeyRecord(**r._mapping) for r in rows]

    def revoke_access_key(self, access_key_id: str, at: datetime) -> bool:
        with self._write() as conn:
            res = conn.execute(
                t.access_keys.update()
                .where(t.access_keys.c.access_key_id == access_key_id)
                .where(t.access_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            return res.rowcount == 1

    # pools ---------------------------------------------------------------------------------
    def insert_pool(self, pool: PoolRecord, key: SigningKeyRecord) -> None:
        with self._write() as conn:
            try:
                conn.execute(
                    t.user_pools.insert().values(
                        id=pool.id,
                        name=pool.name,
                        config=pool.config,
                        created_at=pool.created_at,
                        updated_at=pool.updated_at,
                    )
                )
            except sa.exc.IntegrityError as exc:
                if is_unique_violation(exc):
                    raise ConcurrentModificationException("pool id collision; retry") from exc
                raise
            self._insert_signing_key(conn, key)

    def get_pool(self, pool_id: str) -> PoolRecord | None:
        with self._read() as conn:
            row = conn.execute(t.user_pools.select().where(t.user_pools.c.id == pool_id)).first()
        return _pool(row) if row else None

    def update_pool(self, pool: PoolRecord) -> bool:
        with self._write() as conn:
            res = conn.execute(
                t.user_pools.update()
                .where(t.user_pools.c.id == pool.id)
                .values(name=pool.name, config=pool.config, updated_at=pool.updated_at)
            )
            return res.rowcount == 1

    def delete_pool(self, pool_id: str) -> bool:
        with self._write() as conn:
            # Children first: SQLite enforces ON DELETE CASCADE only with foreign_keys=ON, and
            # some tables carry the pool id without a foreign key.
            for table in (t.outbox, t.codes, t.refresh_tokens, t.user_aliases, t.user_search,
                          t.group_members, t.auth_events, t.devices):  # fmt: skip
                conn.execute(table.delete().where(table.c.pool_id == pool_id))
            for table in (t.users, t.user_groups, t.pool_clients, t.signing_keys):
                conn.execute(table.delete().where(table.c.pool_id == pool_id))
            res = conn.execute(t.user_pools.delete().where(t.user_pools.c.id == pool_id))
            return res.rowcount == 1

    def list_pools(self, *, after: str | None, limit: int) -> list[PoolRecord]:
        query = t.user_pools.select().order_by(t.user_pools.c.id).limit(limit)
        if after is not None:
            query = query.where(t.user_pools.c.id > after)
        with self._read() as conn:
            return [_pool(r) for r in conn.execute(query)]

    # signing keys --------------------------------------------------------------------------
    @staticmethod
    def _insert_signing_key(conn: sa.Connection, key: SigningKeyRecord) -> None:
        conn.execute(
            t.signing_keys.insert().values(
                kid=key.kid,
                pool_id=key.pool_id,
                private_sealed=key.private_sealed,
                created_at=key.created_at,
                retired_at=key.retired_at,
            )
        )

    def insert_signing_key(self, key: SigningKeyRecord) -> None:
        with self._write() as conn:
            self._insert_signing_key(conn, key)

    def signing_keys(self, pool_id: str) -> list[SigningKeyRecord]:
        with self._read() as conn:
            rows = conn.execute(
                t.signing_keys.select()
                .where(t.signing_keys.c.pool_id == pool_id)
                .order_by(t.signing_keys.c.created_at)
            )
            return [SigningKeyRecord(**r._mapping) for r in rows]

    # clients -------------------------------------------------------------------------------
    def insert_client(self, client: ClientRecord) -> None:
        with self._write() as conn:
            conn.execute(
                t.pool_clients.insert().values(
                    id=client.id,
                    pool_id=client.pool_id,
                    name=client.name,
                    secret_sealed=client.secret_sealed,
                    config=client.config,
                    created_at=client.created_at,
                    updated_at=client.updated_at,
                )
            )

    def get_client(self, client_id: str) -> ClientRecord | None:
        with self._read() as conn:
            row = conn.execute(
                t.pool_clients.select().where(t.pool_clients.c.id == client_id)
            ).first()
        return _client(row) if row else None

    def update_client(self, client: ClientRecord) -> bool:
        with self._write() as conn:
            res = conn.execute(
                t.pool_clients.update()
                .where(t.pool_clients.c.id == client.id)
                .values(name=client.name, config=client.config, updated_at=client.updated_at)
            )
            return res.rowcount == 1

    def delete_client(self, client_id: str) -> bool:
        with self._write() as conn:
            res = conn.execute(t.pool_clients.delete().where(t.pool_clients.c.id == client_id))
            return res.rowcount == 1

    def list_clients(self, pool_id: str, *, after: str | None, limit: int) -> list[ClientRecord]:
        query = (
            t.pool_clients.select()
            .where(t.pool_clients.c.pool_id == pool_id)
            .order_by(t.pool_clients.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(t.pool_clients.c.id > after)
        with self._read() as conn:
            return [_client(r) for r in conn.execute(query)]
