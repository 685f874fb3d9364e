"""Feedback on sign-in history events (AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback):
its value (Valid or Invalid), who gave it (Admin, User) and when.

Revision ID: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authpool.store.sql.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("auth_events", sa.Column("feedback_value", sa.String(16), nullable=True))
    op.add_column("auth_events", sa.Column("feedback_provider", sa.String(64), nullable=True))
    op.add_column("auth_events", sa.Column("feedback_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("authpool migrations only go forward")
