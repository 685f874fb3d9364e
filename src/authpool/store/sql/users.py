"""Users and their sign-in aliases."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.errors import AliasExistsException, UsernameExistsException
from authpool.domain.records import UserRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase, is_unique_violation
from authpool.store.sql.search_index import INDEXED_FIELDS, index_user, reindex_user, unindex_user
from authpool.store.sql.secrets import FAMILY_REVOKED, family_revoked

_USER_FIELDS = frozenset(
    {
        "username",
        "username_key",
        "status",
        "enabled",
        "attributes",
        "salt",
        "verifier_sealed",
        "mfa",
        "updated_at",
        "password_changed_at",
        "temp_password_expires_at",
        "tokens_valid_after",
        "password_history",
    }
)


def _user(row: sa.Row[Any]) -> UserRecord:
    m = row._mapping
    return UserRecord(
        sub=m["sub"],
        pool_id=m["pool_id"],
        username=m["username"],
        username_key=m["username_key"],
        status=m["status"],
        enabled=bool(m["enabled"]),
        attributes=dict(m["attributes"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        salt=m["salt"],
        verifier_sealed=m["verifier_sealed"],
        mfa=dict(m["mfa"]),
        password_changed_at=m["password_changed_at"],
        temp_password_expires_at=m["temp_password_expires_at"],
        tokens_valid_after=m["tokens_valid_after"],
        mfa_version=m["mfa_version"],
        password_history=tuple(
            (h["salt"], base64.b64decode(h["verifier"])) for h in m["password_history"] or ()
        ),
    )


def _history_json(history: tuple[tuple[str, bytes], ...]) -> list[dict[str, str]]:
    return [{"salt": salt, "verifier": base64.b64encode(v).decode()} for salt, v in history]


# The lookups of every sign-in, built once: building a statement and its cache key costs
# about as much as running it.
_BY_NAME = t.users.select().where(
    t.users.c.pool_id == sa.bindparam("pool_id"), t.users.c.username_key == sa.bindparam("key")
)
_BY_SUB = t.users.select().where(t.users.c.sub == sa.bindparam("sub"))
# An access token's checks in one statement: its user, and whether the refresh token family
# it came from (its origin_jti) has a revoked member.
_BY_SUB_WITH_ORIGIN = sa.select(
    t.users, family_revoked(sa.bindparam("origin", type_=sa.String()))
).where(t.users.c.sub == sa.bindparam("sub"))
_BY_ALIAS = (
    sa.select(t.users)
    .select_from(t.users.join(t.user_aliases, t.user_aliases.c.user_sub == t.users.c.sub))
    .where(
        t.user_aliases.c.pool_id == sa.bindparam("pool_id"),
        t.user_aliases.c.alias_key == sa.bindparam("key"),
    )
)


class UserTables(SqlBase):
    def insert_user(self, user: UserRecord, aliases: tuple[str, ...] = ()) -> None:
        """Create ``user`` with its alias keys, atomically; a taken name raises
        UsernameExistsException and a taken alias AliasExistsException."""
        with self._write() as conn:
            try:
                conn.execute(
                    t.users.insert().values(
                        sub=user.sub,
                        pool_id=user.pool_id,
                        username=user.username,
                        username_key=user.username_key,
                        status=user.status,
                        enabled=user.enabled,
                        attributes=user.attributes,
                        salt=user.salt,
                        verifier_sealed=user.verifier_sealed,
                        mfa=user.mfa,
                        created_at=user.created_at,
                        updated_at=user.updated_at,
                        password_changed_at=user.password_changed_at,
                        temp_password_expires_at=user.temp_password_expires_at,
                        tokens_valid_after=user.tokens_valid_after,
                    )
                )
            except sa.exc.IntegrityError as exc:
                if is_unique_violation(exc):
                    raise UsernameExistsException() from exc
                raise
            self._add_aliases(conn, user.pool_id, user.sub, aliases)
            index_user(conn, user)

    @staticmethod
    def _add_aliases(conn: sa.Connection, pool_id: str, sub: str, aliases: tuple[str, ...]) -> None:
        for alias in aliases:
            try:
                with conn.begin_nested():
                    conn.execute(
                        t.user_aliases.insert().values(
                            pool_id=pool_id, alias_key=alias, user_sub=sub
                        )
                    )
            except sa.exc.IntegrityError as exc:
                raise AliasExistsException() from exc

    def get_user(self, pool_id: str, username_key: str) -> UserRecord | None:
        with self._read() as conn:
            row = conn.execute(_BY_NAME, {"pool_id": pool_id, "key": username_key}).first()
        return _user(row) if row else None

    def get_user_by_sub(self, sub: str) -> UserRecord | None:
        with self._read() as conn:
            row = conn.execute(_BY_SUB, {"sub": sub}).first()
        return _user(row) if row else None

    def get_user_and_origin_revoked(
        self, sub: str, origin_jti: str
    ) -> tuple[UserRecord | None, bool]:
        """:meth:`get_user_by_sub`, and whether a refresh token of the family ``origin_jti``
        is revoked (False when there is no such user), in one statement."""
        with self._read() as conn:
            row = conn.execute(_BY_SUB_WITH_ORIGIN, {"sub": sub, "origin": origin_jti}).first()
        if row is None:
            return None, False
        return _user(row), bool(row._mapping[FAMILY_REVOKED])

    def get_user_by_alias(self, pool_id: str, alias_key: str) -> UserRecord | None:
        with self._read() as conn:
            row = conn.execute(_BY_ALIAS, {"pool_id": pool_id, "key": alias_key}).first()
        return _user(row) if row else None

    def update_user(
        self,
        sub: str,
        *,
        add_aliases: tuple[str, ...] = (),
        remove_aliases: tuple[str, ...] = (),
        **changes: Any,
    ) -> UserRecord | None:
        unknown = set(changes) - _USER_FIELDS
        if unknown:
            raise TypeError(f"not user fields: {sorted(unknown)}")
        if "password_history" in changes:
            changes["password_history"] = _history_json(changes["password_history"])
        # Aliases alone change no column: read the row instead of an UPDATE with no SET.
        statement = (
            t.users.update().where(t.users.c.sub == sub).values(**changes).returning(t.users)
            if changes
            else t.users.select().where(t.users.c.sub == sub)
        )
        with self._write() as conn:
            row = conn.execute(statement).first()
            if row is None:
                return None
            if remove_aliases:
                conn.execute(
                    t.user_aliases.delete()
                    .where(t.user_aliases.c.user_sub == sub)
                    .where(t.user_aliases.c.alias_key.in_(remove_aliases))
                )
            self._add_aliases(conn, row.pool_id, sub, add_aliases)
            if INDEXED_FIELDS & changes.keys():
                reindex_user(conn, _user(row))
            return _user(row)

    def update_user_mfa(
        self, sub: str, mfa: dict[str, Any], *, expected_version: int, updated_at: datetime
    ) -> UserRecord | None:
        """Replace the user's MFA settings if they are still at ``expected_version`` (and
        bump it); None when another change came first (or the user is gone)."""
        with self._write() as conn:
            row = conn.execute(
                t.users.update()
                .where(t.users.c.sub == sub, t.users.c.mfa_version == expected_version)
                .values(mfa=mfa, mfa_version=t.users.c.mfa_version + 1, updated_at=updated_at)
                .returning(t.users)
            ).first()
        return _user(row) if row else None

    def advance_totp_step(self, sub: str, step: int) -> bool:
        """Record ``step`` as the user's last accepted TOTP time step if it is later than the
        one recorded; False (nothing changed) when it is not — the code is a replay."""
        with self._write() as conn:
            result = conn.execute(
                t.users.update()
                .where(
                    t.users.c.sub == sub,
                    sa.or_(t.users.c.totp_last_step.is_(None), t.users.c.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
            return result.rowcount == 1

    def delete_user(self, sub: str) -> bool:
        with self._write() as conn:
            for table in (t.codes, t.refresh_tokens, t.user_aliases, t.group_members,
                          t.auth_events, t.pending_attributes, t.devices):  # fmt: skip
                conn.execute(table.delete().where(table.c.user_sub == sub))
            unindex_user(conn, sub)
            return conn.execute(t.users.delete().where(t.users.c.sub == sub)).rowcount == 1

    def count_users(self, pool_id: str) -> int:
        with self._read() as conn:
            n = conn.execute(
                sa.select(sa.func.count()).select_from(t.users).where(t.users.c.pool_id == pool_id)
            ).scalar_one()
            return int(n)
