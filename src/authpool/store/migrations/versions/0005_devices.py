"""Tracked devices (device tracking): one row per device a user signed in on, pending until
ConfirmDevice stores its sealed SRP verifier; and the device a refresh token is bound to.

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authpool.store.sql.types import UtcDateTime

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("device_key", sa.String(55), primary_key=True),
        sa.Column("pool_id", sa.String(55), nullable=False),
        sa.Column(
            "user_sub",
            sa.String(36),
            sa.ForeignKey("users.sub", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("group_key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(1024), nullable=True),
        sa.Column("salt", sa.String(256), nullable=True),
        sa.Column("verifier_sealed", sa.LargeBinary, nullable=True),
        sa.Column("remembered", sa.String(16), nullable=True),
        sa.Column("last_ip", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("last_authenticated_at", UtcDateTime, nullable=True),
        sa.Column("expires_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_devices_user", "devices", ["user_sub", "device_key"])
    # A nullable column with no default: a plain ALTER TABLE on both databases.
    op.add_column("refresh_tokens", sa.Column("device_key", sa.String(55), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("authpool migrations only go forward")
