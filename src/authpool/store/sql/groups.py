"""User pool groups and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.errors import GroupExistsException, ResourceNotFoundException
from authpool.domain.records import GroupRecord, UserRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase, is_unique_violation
from authpool.store.sql.users import _user

_GROUP_FIELDS = frozenset({"description", "role_arn", "precedence", "updated_at"})


def _group(row: sa.Row[Any]) -> GroupRecord:
    m = row._mapping
    return GroupRecord(
        pool_id=m["pool_id"],
        name=m["name"],
        description=m["description"],
        role_arn=m["role_arn"],
        precedence=m["precedence"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _key(pool_id: str, name: str) -> sa.ColumnElement[bool]:
    return sa.and_(t.user_groups.c.pool_id == pool_id, t.user_groups.c.name == name)


class GroupTables(SqlBase):
    def insert_group(self, group: GroupRecord) -> None:
        """Create ``group``; a taken name raises GroupExistsException."""
        with self._write() as conn:
            try:
                conn.execute(
                    t.user_groups.insert().values(
                        pool_id=group.pool_id,
                        name=group.name,
                        description=group.description,
                        role_arn=group.role_arn,
                        precedence=group.precedence,
                        created_at=group.created_at,
                        updated_at=group.updated_at,
                    )
                )
            except sa.exc.IntegrityError as exc:
                if is_unique_violation(exc):
                    raise GroupExistsException("A group with the name already exists.") from exc
                raise

    def get_group(self, pool_id: str, name: str) -> GroupRecord | None:
        with self._read() as conn:
            row = conn.execute(t.user_groups.select().where(_key(pool_id, name))).first()
        return _group(row) if row else None

    def update_group(self, pool_id: str, name: str, **changes: Any) -> GroupRecord | None:
        unknown = set(changes) - _GROUP_FIELDS
        if unknown:
            raise TypeError(f"not group fields: {sorted(unknown)}")
        with self._write() as conn:
            row = conn.execute(
                t.user_groups.update()
                .where(_key(pool_id, name))
                .values(**changes)
                .returning(t.user_groups)
            ).first()
        return _group(row) if row else None

    def delete_group(self, pool_id: str, name: str) -> bool:
        m = t.group_members.c
        with self._write() as conn:
            conn.execute(t.group_members.delete().where(m.pool_id == pool_id, m.group_name == name))
            return conn.execute(t.user_groups.delete().where(_key(pool_id, name))).rowcount == 1

    def list_groups(self, pool_id: str, *, after: str | None, limit: int) -> list[GroupRecord]:
        g = t.user_groups.c
        query = t.user_groups.select().where(g.pool_id == pool_id).order_by(g.name).limit(limit)
        if after is not None:
            query = query.where(g.name > after)
        with self._read() as conn:
            return [_group(r) for r in conn.execute(query)]

    def count_groups(self, pool_id: str) -> int:
        with self._read() as conn:
            n = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.user_groups)
                .where(t.user_groups.c.pool_id == pool_id)
            ).scalar_one()
        return int(n)

    # members -------------------------------------------------------------------------------
    def add_group_member(self, pool_id: str, name: str, user_sub: str, *, at: datetime) -> bool:
        """Add the user to the group; False if it was a member already."""
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(
                        t.group_members.insert().values(
                            pool_id=pool_id, group_name=name, user_sub=user_sub, added_at=at
                        )
                    )
            except sa.exc.IntegrityError as exc:
                if is_unique_violation(exc):
                    return False
                # the group (or the user) was deleted meanwhile
                raise ResourceNotFoundException("Group not found.") from exc
            return True

    def remove_group_member(self, pool_id: str, name: str, user_sub: str) -> bool:
        m = t.group_members.c
        with self._write() as conn:
            res = conn.execute(
                t.group_members.delete().where(
                    m.pool_id == pool_id, m.group_name == name, m.user_sub == user_sub
                )
            )
            return res.rowcount == 1

    def groups_of_user(
        self, user_sub: str, *, after: str | None = None, limit: int | None = None
    ) -> list[GroupRecord]:
        """The user's groups in name order (all of them without ``limit``)."""
        query = _GROUPS_OF_USER
        if after is not None:
            query = query.where(t.group_members.c.group_name > after)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_group(r) for r in conn.execute(query, {"sub": user_sub})]

    def group_members(
        self, pool_id: str, name: str, *, after: str | None, limit: int
    ) -> list[UserRecord]:
        """The group's users in ``sub`` order."""
        m = t.group_members.c
        query = (
            sa.select(t.users)
            .select_from(t.group_members.join(t.users, t.users.c.sub == m.user_sub))
            .where(m.pool_id == pool_id, m.group_name == name)
            .order_by(m.user_sub)
            .limit(limit)
        )
        if after is not None:
            query = query.where(m.user_sub > after)
        with self._read() as conn:
            return [_user(r) for r in conn.execute(query)]


# Built once (every sign-in and refresh reads the user's groups for the token's claims):
# building a statement costs about as much as running it.
_GROUPS_OF_USER = (
    sa.select(t.user_groups)
    .select_from(
        t.group_members.join(
            t.user_groups,
            sa.and_(
                t.user_groups.c.pool_id == t.group_members.c.pool_id,
                t.user_groups.c.name == t.group_members.c.group_name,
            ),
        )
    )
    .where(t.group_members.c.user_sub == sa.bindparam("sub"))
    .order_by(t.group_members.c.group_name)
)
