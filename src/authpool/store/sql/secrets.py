"""One-time codes, single-use session markers, refresh tokens and the development outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from authpool.domain.messages import OutgoingMessage
from authpool.domain.records import CodeRecord, OutboxRecord, RefreshTokenRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase
from authpool.store.sql.types import UtcDateTime


class RedeemResult:
    """What :meth:`SecretTables.redeem_code` found (plain strings, compared by the domain)."""

    OK = "ok"
    MISMATCH = "mismatch"
    EXPIRED = "expired"
    MISSING = "missing"
    EXHAUSTED = "exhausted"


# Read by every refresh and every access-token check: built once (see users.py).
_REFRESH_BY_DIGEST = t.refresh_tokens.select().where(
    t.refresh_tokens.c.digest == sa.bindparam("digest")
)
_INSERT_REFRESH = t.refresh_tokens.insert()
# A marker is set by one insert that does nothing (and returns no row) when it is set
# already: no savepoint, no error to catch.
_USE_SESSION = {
    name: insert(t.used_sessions)
    .values(digest=sa.bindparam("digest"), expires_at=sa.bindparam("expires_at"))
    .on_conflict_do_nothing(index_elements=[t.used_sessions.c.digest])
    .returning(t.used_sessions.c.digest)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_SWEEP_SESSIONS = t.used_sessions.delete().where(
    t.used_sessions.c.digest.in_(
        sa.select(t.used_sessions.c.digest)
        .where(t.used_sessions.c.expires_at < sa.bindparam("now", type_=UtcDateTime()))
        .limit(16)
        .scalar_subquery()
    )
)


FAMILY_REVOKED = "authpool_family_revoked"


def family_revoked(origin_jti: sa.ColumnElement[Any]) -> sa.Label[bool]:
    """Whether the refresh-token family ``origin_jti`` (every token rotated from one sign-in,
    which keeps the origin) has a revoked member: RevokeToken of one ends them all, and the
    access tokens issued from them. A column to select with a token or a user."""
    family = t.refresh_tokens.alias("family")
    return (
        sa.exists()
        .where(family.c.origin_jti == origin_jti)
        .where(family.c.revoked_at.is_not(None))
        .label(FAMILY_REVOKED)
    )


# A refresh token and, in the same statement, whether its family is revoked.
_REFRESH_WITH_FAMILY = sa.select(
    t.refresh_tokens, family_revoked(t.refresh_tokens.c.origin_jti)
).where(t.refresh_tokens.c.digest == sa.bindparam("digest"))


def _refresh(row: sa.Row[Any]) -> RefreshTokenRecord:
    return RefreshTokenRecord(**row._mapping)


class SecretTables(SqlBase):
    # one-time codes ------------------------------------------------------------------------
    def put_code(self, code: CodeRecord) -> None:
        """Store ``code``, replacing any earlier code of the same user and purpose."""
        with self._write() as conn:
            conn.execute(
                t.codes.delete()
                .where(t.codes.c.user_sub == code.user_sub)
                .where(t.codes.c.purpose == code.purpose)
            )
            conn.execute(
                t.codes.insert().values(
                    user_sub=code.user_sub,
                    purpose=code.purpose,
                    pool_id=code.pool_id,
                    code_digest=code.code_digest,
                    destination=code.destination,
                    attempts=code.attempts,
                    created_at=code.created_at,
                    expires_at=code.expires_at,
                )
            )

    def get_code(self, user_sub: str, purpose: str) -> CodeRecord | None:
        with self._read() as conn:
            row = conn.execute(
                t.codes.select()
                .where(t.codes.c.user_sub == user_sub)
                .where(t.codes.c.purpose == purpose)
            ).first()
        return CodeRecord(**row._mapping) if row else None

    def redeem_code(
        self, user_sub: str, purpose: str, digest: bytes, *, now: datetime, max_attempts: int
    ) -> tuple[str, str]:
        """Use up the code if ``digest`` matches, atomically: of any number of racing calls
        with the right code exactly one gets ``ok``. Returns (result, destination)."""
        key = (t.codes.c.user_sub == user_sub) & (t.codes.c.purpose == purpose)
        with self._write() as conn:
            won = conn.execute(
                t.codes.delete()
                .where(key)
                .where(t.codes.c.code_digest == digest)
                .where(t.codes.c.expires_at > now)
                .where(t.codes.c.attempts < max_attempts)
                .returning(t.codes.c.destination)
            ).first()
            if won is not None:
                return RedeemResult.OK, won.destination
            row = conn.execute(
                t.codes.update()
                .where(key)
                .values(attempts=t.codes.c.attempts + 1)
                .returning(t.codes.c.attempts, t.codes.c.expires_at, t.codes.c.destination)
            ).first()
        if row is None:
            return RedeemResult.MISSING, ""
        if row.expires_at <= now:
            return RedeemResult.EXPIRED, row.destination
        if row.attempts > max_attempts:
            return RedeemResult.EXHAUSTED, row.destination
        return RedeemResult.MISMATCH, row.destination

    def delete_codes(self, user_sub: str, purposes: Sequence[str] | None = None) -> None:
        with self._write() as conn:
            query = t.codes.delete().where(t.codes.c.user_sub == user_sub)
            if purposes is not None:
                query = query.where(t.codes.c.purpose.in_(purposes))
            conn.execute(query)

    # single-use sessions -------------------------------------------------------------------
    def use_session(self, digest: bytes, *, expires_at: datetime, now: datetime) -> bool:
        """Mark a sealed session as used. False if it was used already."""
        with self._write() as conn:
            marked = conn.execute(
                _USE_SESSION[self.dialect], {"digest": digest, "expires_at": expires_at}
            ).first()
            if marked is None:
                return False
            # Keep the table small: drop a few markers that can no longer matter. (At every
            # use, so that every SRP answer costs the same: see domain/existence.py.)
            conn.execute(_SWEEP_SESSIONS, {"now": now})
            return True

    # refresh tokens ------------------------------------------------------------------------
    def insert_refresh_token(self, token: RefreshTokenRecord) -> None:
        with self._write() as conn:
            conn.execute(
                _INSERT_REFRESH,
                {
                    "digest": token.digest,
                    "pool_id": token.pool_id,
                    "client_id": token.client_id,
                    "user_sub": token.user_sub,
                    "origin_jti": token.origin_jti,
                    "auth_time": token.auth_time,
                    "created_at": token.created_at,
                    "expires_at": token.expires_at,
                    "revoked_at": token.revoked_at,
                    "replaced_at": token.replaced_at,
                    "device_key": token.device_key,
                },
            )

    def get_refresh_token(self, digest: bytes) -> RefreshTokenRecord | None:
        with self._read() as conn:
            row = conn.execute(_REFRESH_BY_DIGEST, {"digest": digest}).first()
        return _refresh(row) if row else None

    def get_refresh_token_and_family_revoked(
        self, digest: bytes
    ) -> tuple[RefreshTokenRecord | None, bool]:
        """:meth:`get_refresh_token`, and whether a token of its family is revoked
        (:func:`family_revoked`), in one statement."""
        with self._read() as conn:
            row = conn.execute(_REFRESH_WITH_FAMILY, {"digest": digest}).first()
        if row is None:
            return None, False
        fields = dict(row._mapping)
        revoked = bool(fields.pop(FAMILY_REVOKED))
        return RefreshTokenRecord(**fields), revoked

    def replace_refresh_token(
        self, old_digest: bytes, new: RefreshTokenRecord, *, at: datetime
    ) -> bool:
        """Rotation: retire ``old_digest`` and store ``new`` atomically; False if the old one
        was already retired or revoked (a replay)."""
        with self._write() as conn:
            res = conn.execute(
                t.refresh_tokens.update()
                .where(t.refresh_tokens.c.digest == old_digest)
                .where(t.refresh_tokens.c.replaced_at.is_(None))
                .where(t.refresh_tokens.c.revoked_at.is_(None))
                .values(replaced_at=at)
            )
            if res.rowcount != 1:
                return False
            conn.execute(
                t.refresh_tokens.insert().values(
                    digest=new.digest,
                    pool_id=new.pool_id,
                    client_id=new.client_id,
                    user_sub=new.user_sub,
                    origin_jti=new.origin_jti,
                    auth_time=new.auth_time,
                    created_at=new.created_at,
                    expires_at=new.expires_at,
                    device_key=new.device_key,
                )
            )
            return True

    def revoke_refresh_token(self, digest: bytes, *, at: datetime) -> RefreshTokenRecord | None:
        with self._write() as conn:
            row = conn.execute(
                t.refresh_tokens.update()
                .where(t.refresh_tokens.c.digest == digest)
                .values(
                    revoked_at=sa.func.coalesce(
                        t.refresh_tokens.c.revoked_at, sa.literal(at, UtcDateTime())
                    )
                )
                .returning(t.refresh_tokens)
            ).first()
        return _refresh(row) if row else None

    def sign_out_user(self, sub: str, *, at: datetime) -> None:
        """Global sign-out: every refresh token revoked, every earlier token refused."""
        with self._write() as conn:
            conn.execute(
                t.refresh_tokens.update()
                .where(t.refresh_tokens.c.user_sub == sub)
                .where(t.refresh_tokens.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            conn.execute(t.users.update().where(t.users.c.sub == sub).values(tokens_valid_after=at))

    # outbox --------------------------------------------------------------------------------
    def record_outbox(
        self, message: OutgoingMessage, *, sent_at: datetime, not_before: datetime | None = None
    ) -> None:
        """Keep ``message``; with ``not_before``, delete the messages sent before it: the
        pool's at once (an index range), every pool's at about one message in 64."""
        with self._write() as conn:
            added = conn.execute(
                t.outbox.insert().values(
                    pool_id=message.pool_id,
                    username=message.username,
                    destination=message.destination,
                    medium=str(message.medium),
                    purpose=str(message.purpose),
                    code=message.code,
                    subject=message.subject,
                    body=message.body,
                    sent_at=sent_at,
                )
            )
            if not_before is None:
                return
            old = t.outbox.c.sent_at < not_before
            key = added.inserted_primary_key
            if key is not None and int(key[0]) % 64 == 0:
                conn.execute(t.outbox.delete().where(old))
            else:
                conn.execute(t.outbox.delete().where(t.outbox.c.pool_id == message.pool_id, old))

    def list_outbox(
        self,
        *,
        pool_id: str | None = None,
        username: str | None = None,
        since: datetime | None = None,
        after_id: int | None = None,
        limit: int = 1000,
    ) -> list[OutboxRecord]:
        query = t.outbox.select().order_by(t.outbox.c.id).limit(limit)
        if pool_id is not None:
            query = query.where(t.outbox.c.pool_id == pool_id)
        if username is not None:
            query = query.where(t.outbox.c.username == username)
        if since is not None:
            query = query.where(t.outbox.c.sent_at >= since)
        if after_id is not None:
            query = query.where(t.outbox.c.id > after_id)
        with self._read() as conn:
            return [OutboxRecord(**r._mapping) for r in conn.execute(query)]
