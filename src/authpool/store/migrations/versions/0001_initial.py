"""Initial schema: access keys, pools, signing keys, clients, users, aliases, codes, used
sessions, refresh tokens, outbox.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authpool.store.sql.types import Json, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(32), primary_key=True),
        sa.Column("secret_sealed", sa.LargeBinary, nullable=False),
        sa.Column("description", sa.String(256), nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "user_pools",
        sa.Column("id", sa.String(55), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("config", Json, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column(
            "pool_id",
            sa.String(55),
            sa.ForeignKey("user_pools.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("private_sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("retired_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_signing_keys_pool", "signing_keys", ["pool_id"])
    op.create_table(
        "pool_clients",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column(
            "pool_id",
            sa.String(55),
            sa.ForeignKey("user_pools.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary, nullable=True),
        sa.Column("config", Json, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_pool_clients_pool", "pool_clients", ["pool_id", "id"])
    op.create_table(
        "users",
        sa.Column("sub", sa.String(36), primary_key=True),
        sa.Column(
            "pool_id",
            sa.String(55),
            sa.ForeignKey("user_pools.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("username_key", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("attributes", Json, nullable=False),
        sa.Column("salt", sa.String(64), nullable=True),
        sa.Column("verifier_sealed", sa.LargeBinary, nullable=True),
        sa.Column("mfa", Json, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("password_changed_at", UtcDateTime, nullable=True),
        sa.Column("temp_password_expires_at", UtcDateTime, nullable=True),
        sa.Column("tokens_valid_after", UtcDateTime, nullable=True),
        sa.UniqueConstraint("pool_id", "username_key", name="uq_users_pool_username"),
    )
    op.create_table(
        "user_aliases",
        sa.Column("pool_id", sa.String(55), primary_key=True),
        sa.Column("alias_key", sa.String(300), primary_key=True),
        sa.Column(
            "user_sub",
            sa.String(36),
            sa.ForeignKey("users.sub", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_user_aliases_user", "user_aliases", ["user_sub"])
    op.create_table(
        "codes",
        sa.Column(
            "user_sub",
            sa.String(36),
            sa.ForeignKey("users.sub", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("purpose", sa.String(32), primary_key=True),
        sa.Column("pool_id", sa.String(55), nullable=False),
        sa.Column("code_digest", sa.LargeBinary, nullable=False),
        sa.Column("destination", sa.String(320), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "used_sessions",
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_used_sessions_expiry", "used_sessions", ["expires_at"])
    op.create_table(
        "refresh_tokens",
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("pool_id", sa.String(55), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column(
            "user_sub",
            sa.String(36),
            sa.ForeignKey("users.sub", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("origin_jti", sa.String(64), nullable=False),
        sa.Column("auth_time", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
        sa.Column("replaced_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_refresh_tokens_user", "refresh_tokens", ["user_sub"])
    op.create_index("ix_refresh_tokens_origin", "refresh_tokens", ["origin_jti"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pool_id", sa.String(55), nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("destination", sa.String(320), nullable=False),
        sa.Column("medium", sa.String(8), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(512), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_outbox_pool_sent", "outbox", ["pool_id", "sent_at"])


def downgrade() -> None:
    raise NotImplementedError("authpool migrations only go forward")
