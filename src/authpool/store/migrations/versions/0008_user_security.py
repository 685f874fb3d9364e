"""Per-user security state for MFA and passwords:

* ``users.mfa_version``: bumped by every change of the ``mfa`` settings, so that two
  concurrent changes (SetUserMFAPreference, SetUserSettings, their Admin forms, software
  token registration) cannot lose one another — a writer that read an older version retries;
* ``users.totp_last_step``: the last RFC 6238 time step a software-token code was accepted
  for; a code of that step or an earlier one is refused (RFC 6238 §5.2), atomically;
* ``users.password_history``: the SRP salts and sealed verifiers of the user's previous
  passwords, for the pool's PasswordHistorySize (never a password in any other form).

Revision ID: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authpool.store.sql.types import Json

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("mfa_version", sa.Integer, nullable=False, server_default="0"))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger, nullable=True))
    op.add_column("users", sa.Column("password_history", Json, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("authpool migrations only go forward")
