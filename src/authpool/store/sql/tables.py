"""The schema as SQLAlchemy Core tables. Migrations (``store/migrations``) create it; this
module only describes it for queries. Keep the two in step: a test compares them."""

from __future__ import annotations

import sqlalchemy as sa

from authpool.store.sql.types import Json, UtcDateTime

metadata = sa.MetaData()

access_keys = sa.Table(
    "access_keys",
    metadata,
    sa.Column("access_key_id", sa.String(32), primary_key=True),
    sa.Column("secret_sealed", sa.LargeBinary, nullable=False),
    sa.Column("description", sa.String(256), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

user_pools = sa.Table(
    "user_pools",
    metadata,
    sa.Column("id", sa.String(55), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("config", Json, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column(
        "pool_id", sa.String(55), sa.ForeignKey("user_pools.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("private_sealed", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("retired_at", UtcDateTime, nullable=True),
    sa.Index("ix_signing_keys_pool", "pool_id"),
)

pool_clients = sa.Table(
    "pool_clients",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column(
        "pool_id", sa.String(55), sa.ForeignKey("user_pools.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("secret_sealed", sa.LargeBinary, nullable=True),
    sa.Column("config", Json, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_pool_clients_pool", "pool_id", "id"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("sub", sa.String(36), primary_key=True),
    sa.Column(
        "pool_id", sa.String(55), sa.ForeignKey("user_pools.id", ondelete="CASCADE"), nullable=False
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
    sa.Column("mfa_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.Column("password_history", Json, nullable=True),
    sa.UniqueConstraint("pool_id", "username_key", name="uq_users_pool_username"),
)

user_aliases = sa.Table(
    "user_aliases",
    metadata,
    sa.Column("pool_id", sa.String(55), primary_key=True),
    sa.Column("alias_key", sa.String(300), primary_key=True),
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), nullable=False
    ),
    sa.Index("ix_user_aliases_user", "user_sub"),
)

codes = sa.Table(
    "codes",
    metadata,
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("purpose", sa.String(32), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("code_digest", sa.LargeBinary, nullable=False),
    sa.Column("destination", sa.String(320), nullable=False, server_default=""),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

used_sessions = sa.Table(
    "used_sessions",
    metadata,
    sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_used_sessions_expiry", "expires_at"),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column("client_id", sa.String(128), nullable=False),
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("origin_jti", sa.String(64), nullable=False),
    sa.Column("auth_time", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("replaced_at", UtcDateTime, nullable=True),
    sa.Column("device_key", sa.String(55), nullable=True),  # migration 0005
    sa.Index("ix_refresh_tokens_user", "user_sub"),
    sa.Index("ix_refresh_tokens_origin", "origin_jti"),
)

outbox = sa.Table(
    "outbox",
    metadata,
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
    sa.Index("ix_outbox_pool_sent", "pool_id", "sent_at"),
)

# the user directory (migration 0002) ----------------------------------------------------------
# ListUsers' search index: one row per searchable value of a user. The value column compares
# by code point on both databases (SQLite's BINARY collation; "C" on PostgreSQL), so that a
# prefix is a B-tree range.
SEARCH_VALUE_CHARS = 256
SearchValue = sa.String(SEARCH_VALUE_CHARS).with_variant(
    sa.String(SEARCH_VALUE_CHARS, collation="C"), "postgresql"
)
# A 64-bit sequence on PostgreSQL; SQLite's rowid is one only as INTEGER PRIMARY KEY.
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

user_search = sa.Table(
    "user_search",
    metadata,
    sa.Column("pool_id", sa.String(55), primary_key=True),
    sa.Column("attribute", sa.String(32), primary_key=True),
    sa.Column("value", SearchValue, primary_key=True),
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), primary_key=True
    ),
    sa.Index("ix_user_search_user", "user_sub"),
)

user_groups = sa.Table(
    "user_groups",
    metadata,
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

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("pool_id", sa.String(55), primary_key=True),
    sa.Column("group_name", sa.String(128), primary_key=True),
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("added_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["pool_id", "group_name"],
        ["user_groups.pool_id", "user_groups.name"],
        ondelete="CASCADE",
    ),
    sa.Index("ix_group_members_user", "user_sub", "group_name"),
)

auth_events = sa.Table(
    "auth_events",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("response", sa.String(16), nullable=False),
    sa.Column("challenges", Json, nullable=False),
    sa.Column("client_id", sa.String(128), nullable=True),
    sa.Column("ip_address", sa.String(64), nullable=True),
    sa.Column("device_name", sa.String(256), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("feedback_value", sa.String(16), nullable=True),
    sa.Column("feedback_provider", sa.String(64), nullable=True),
    sa.Column("feedback_at", UtcDateTime, nullable=True),
    sa.Index("ix_auth_events_user", "user_sub", "seq"),
)

pending_attributes = sa.Table(
    "pending_attributes",
    metadata,
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("attribute", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(2048), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

# tracked devices (migration 0005) ---------------------------------------------------------------
devices = sa.Table(
    "devices",
    metadata,
    sa.Column("device_key", sa.String(55), primary_key=True),
    sa.Column("pool_id", sa.String(55), nullable=False),
    sa.Column(
        "user_sub", sa.String(36), sa.ForeignKey("users.sub", ondelete="CASCADE"), nullable=False
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
    sa.Index("ix_devices_user", "user_sub", "device_key"),
)

# security state (migration 0006) -----------------------------------------------------------------
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("key", sa.LargeBinary(32), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", UtcDateTime, nullable=False),
    sa.Column("locked_until", UtcDateTime, nullable=True),
    sa.Column("hour_start", UtcDateTime, nullable=False),
    sa.Column("hour_failures", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_sign_in_failures_last", "last_failure_at"),
)

rate_counters = sa.Table(
    "rate_counters",
    metadata,
    sa.Column("key", sa.LargeBinary(32), primary_key=True),
    sa.Column("period", sa.BigInteger, nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_rate_counters_expiry", "expires_at"),
)
