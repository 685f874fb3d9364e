"""Security state shared by every worker: sign-in failure counters (lockout) and request
counters (rate limits). Both are keyed by a keyed hash, never by a name or an address.

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authpool.store.sql.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.LargeBinary(32), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", UtcDateTime, nullable=False),
        sa.Column("locked_until", UtcDateTime, nullable=True),
        sa.Column("hour_start", UtcDateTime, nullable=False),
        sa.Column("hour_failures", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_sign_in_failures_last", "sign_in_failures", ["last_failure_at"])
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.LargeBinary(32), primary_key=True),
        sa.Column("period", sa.BigInteger, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_rate_counters_expiry", "rate_counters", ["expires_at"])


def downgrade() -> None:
    raise NotImplementedError("authpool migrations only go forward")
