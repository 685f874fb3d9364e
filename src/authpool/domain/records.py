"""Plain records the domain reads from and writes to its store.

They carry no behaviour and no wire names; the storage protocols in each domain module speak
in these types, and :mod:`authpool.store` builds them from rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessKeyRecord:
    access_key_id: str
    secret_sealed: bytes
    description: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PoolRecord:
    id: str
    name: str
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ClientRecord:
    id: str
    pool_id: str
    name: str
    secret_sealed: bytes | None
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    kid: str
    pool_id: str
    private_sealed: bytes
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    sub: str
    pool_id: str
    username: str
    username_key: str
    status: str
    enabled: bool
    attributes: dict[str, str]
    created_at: datetime
    updated_at: datetime
    salt: str | None = None
    verifier_sealed: bytes | None = None
    mfa: dict[str, Any] = field(default_factory=dict)
    password_changed_at: datetime | None = None
    temp_password_expires_at: datetime | None = None
    tokens_valid_after: datetime | None = None
    mfa_version: int = 0  # bumped by each change of ``mfa`` (compare-and-set)
    # (salt, sealed verifier) of earlier passwords, newest first (PasswordHistorySize)
    password_history: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class UserRekeyRecord:
    """One user's part of a pool migration: ``changes`` to its fields and the alias keys it
    drops, then (once every user has dropped theirs) the ones it gets. ``seen_updated_at`` is
    the user's ``updated_at`` when the migration read it: a user changed since stops it."""

    sub: str
    seen_updated_at: datetime
    changes: dict[str, Any] = field(default_factory=dict)
    remove_aliases: tuple[str, ...] = ()
    add_aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeRecord:
    pool_id: str
    user_sub: str
    purpose: str
    code_digest: bytes
    destination: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    digest: bytes
    pool_id: str
    client_id: str
    user_sub: str
    origin_jti: str
    created_at: datetime
    expires_at: datetime
    auth_time: datetime
    revoked_at: datetime | None = None
    replaced_at: datetime | None = None
    device_key: str | None = None  # device tracking: the device the token refreshes on


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    pool_id: str
    username: str
    destination: str
    medium: str
    purpose: str
    code: str | None
    subject: str | None
    body: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class GroupRecord:
    pool_id: str
    name: str
    description: str | None
    role_arn: str | None
    precedence: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AuthEventRecord:
    """One entry of a user's sign-in history. ``challenges`` holds (challenge, result)
    pairs such as ``("Password", "Success")``; ``seq`` is the store's ordering key."""

    event_id: str
    pool_id: str
    user_sub: str
    event_type: str
    response: str
    created_at: datetime
    challenges: tuple[tuple[str, str], ...] = ()
    client_id: str | None = None
    ip_address: str | None = None
    device_name: str | None = None
    seq: int | None = None
    feedback_value: str | None = None  # AdminUpdateAuthEventFeedback: Valid or Invalid
    feedback_provider: str | None = None
    feedback_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PendingAttributeRecord:
    """A new e-mail address or phone number waiting for its code before it takes effect
    (the pool's AttributesRequireVerificationBeforeUpdate)."""

    user_sub: str
    attribute: str
    value: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device a user signed in on, in a pool that tracks devices. It is pending until
    ConfirmDevice gives its SRP verifier (``verifier_sealed``, sealed with the master key)
    and lapses at ``expires_at`` if that never comes; ``remembered`` is
    ``"remembered"`` or ``"not_remembered"`` once confirmed."""

    device_key: str
    pool_id: str
    user_sub: str
    group_key: str
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    salt: str | None = None
    verifier_sealed: bytes | None = None
    remembered: str | None = None
    last_ip: str | None = None
    last_authenticated_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.verifier_sealed is not None


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """Failed sign-in attempts at one key (a user, or a name nobody holds, per factor):
    the lockout's state. ``version`` makes each update a compare-and-set."""

    key: bytes
    failures: int
    last_failure_at: datetime
    locked_until: datetime | None
    hour_start: datetime
    hour_failures: int
    version: int = 0
