"""The user directory: ListUsers' search index, groups and their members, the sign-in
history (auth events) and attribute values waiting for verification.

The search index is filled for the users that exist already, so that a server upgraded
in place finds them at once.

Revision ID: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from authpool.domain.records import UserRecord
from authpool.domain.search import index_entries
from authpool.store.sql.types import Json, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Code-point order on both databases: SQLite's default BINARY collation, "C" on PostgreSQL.
SEARCH_VALUE = sa.String(256).with_variant(sa.String(256, collation="C"), "postgresql")
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BACKFILL_BATCH = 1000


def _user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("users.sub", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "user_search",
        sa.Column("pool_id", sa.String(55), primary_key=True),
        sa.Column("attribute", sa.String(32), primary_key=True),
        sa.Column("value", SEARCH_VALUE, primary_key=True),
        sa.Column("user_sub", sa.String(36), _user_fk(), primary_key=True),
    )
    op.create_index("ix_user_search_user", "user_search", ["user_sub"])
    op.create_table(
        "user_groups",
        sa.Column(
            "pool_id",
            sa.String(55),
            sa.ForeignKey("user_pools.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("description", sa.String(2048), nullable=True),
        sa.Column("role_arn", sa.String(2048), nullable=True),
        sa.Column("precedence", sa.BigInteger, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "group_members",
        sa.Column("pool_id", sa.String(55), primary_key=True),
        sa.Column("group_name", sa.String(128), primary_key=True),
        sa.Column("user_sub", sa.String(36), _user_fk(), primary_key=True),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id", "group_name"],
            ["user_groups.pool_id", "user_groups.name"],
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_group_members_user", "group_members", ["user_sub", "group_name"])
    op.create_table(
        "auth_events",
        sa.Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("pool_id", sa.String(55), nullable=False),
        sa.Column("user_sub", sa.String(36), _user_fk(), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("response", sa.String(16), nullable=False),
        sa.Column("challenges", Json, nullable=False),
        sa.Column("client_id", sa.String(128), nullable=True),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.Column("device_name", sa.String(256), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_auth_events_user", "auth_events", ["user_sub", "seq"])
    op.create_table(
        "pending_attributes",
        sa.Column("user_sub", sa.String(36), _user_fk(), primary_key=True),
        sa.Column("attribute", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(2048), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    _backfill_search_index()


def _backfill_search_index() -> None:
    """Index the users already stored, a batch at a time (keyset on ``sub``)."""
    conn = op.get_bind()
    users = sa.table(
        "users",
        *(sa.column(n) for n in ("sub", "pool_id", "username", "username_key", "status")),
        sa.column("enabled", sa.Boolean),
        sa.column("attributes", Json),
    )
    search = sa.table(
        "user_search", *(sa.column(n) for n in ("pool_id", "attribute", "value", "user_sub"))
    )
    after = ""
    while True:
        rows = conn.execute(
            sa.select(users).where(users.c.sub > after).order_by(users.c.sub).limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        entries = [
            {"pool_id": row.pool_id, "attribute": attribute, "value": value, "user_sub": row.sub}
            for row in rows
            for attribute, value in index_entries(_record(row))
        ]
        if entries:
            conn.execute(search.insert(), entries)
        after = rows[-1].sub


def _record(row: sa.Row[object]) -> UserRecord:
    """The searchable part of a user (the index reads nothing else)."""
    zero = datetime.fromtimestamp(0, tz=UTC)
    return UserRecord(
        sub=row.sub,
        pool_id=row.pool_id,
        username=row.username,
        username_key=row.username_key,
        status=row.status,
        enabled=bool(row.enabled),
        attributes=dict(row.attributes or {}),
        created_at=zero,
        updated_at=zero,
    )


def downgrade() -> None:
    raise NotImplementedError("authpool migrations only go forward")
