"""The storage the domain needs, stated as small protocols (one per consumer); ``Store`` is
their union. :class:`authpool.store.SqlStore` implements them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from authpool.domain.messages import OutgoingMessage
from authpool.domain.records import (
    AccessKeyRecord,
    AuthEventRecord,
    ClientRecord,
    CodeRecord,
    DeviceRecord,
    FailureRecord,
    GroupRecord,
    OutboxRecord,
    PendingAttributeRecord,
    PoolRecord,
    RefreshTokenRecord,
    SigningKeyRecord,
    UserRecord,
    UserRekeyRecord,
)


class UnitOfWork(Protocol):
    """Several store calls as one write transaction: ``with store.atomic(): ...`` commits
    them together at the end (one commit instead of one each), or none if the block raises.
    A unit inside a unit joins it. Keep a unit to store calls: no trigger, no delivery, no
    slow computation inside (on SQLite it holds the write lock)."""

    def atomic(self, *, durable: bool = True) -> AbstractContextManager[None]: ...


class AccessKeyStore(Protocol):
    def insert_access_key(self, key: AccessKeyRecord) -> None: ...
    def get_access_key(self, access_key_id: str) -> AccessKeyRecord | None: ...
    def list_access_keys(self) -> list[AccessKeyRecord]: ...
    def revoke_access_key(self, access_key_id: str, at: datetime) -> bool: ...


class PoolStore(Protocol):
    def insert_pool(self, pool: PoolRecord, key: SigningKeyRecord) -> None: ...
    def get_pool(self, pool_id: str) -> PoolRecord | None: ...
    def update_pool(self, pool: PoolRecord) -> bool: ...
    def delete_pool(self, pool_id: str) -> bool: ...
    def list_pools(self, *, after: str | None, limit: int) -> list[PoolRecord]: ...
    def insert_signing_key(self, key: SigningKeyRecord) -> None: ...
    def signing_keys(self, pool_id: str) -> list[SigningKeyRecord]: ...
    def count_users(self, pool_id: str) -> int: ...


class ClientStore(Protocol):
    def insert_client(self, client: ClientRecord) -> None: ...
    def get_client(self, client_id: str) -> ClientRecord | None: ...
    def update_client(self, client: ClientRecord) -> bool: ...
    def delete_client(self, client_id: str) -> bool: ...
    def list_clients(
        self, pool_id: str, *, after: str | None, limit: int
    ) -> list[ClientRecord]: ...


class UserStore(Protocol):
    def insert_user(self, user: UserRecord, aliases: tuple[str, ...] = ()) -> None: ...
    def get_user(self, pool_id: str, username_key: str) -> UserRecord | None: ...
    def get_user_by_sub(self, sub: str) -> UserRecord | None: ...
    def get_user_and_origin_revoked(
        self, sub: str, origin_jti: str
    ) -> tuple[UserRecord | None, bool]: ...
    def get_user_by_alias(self, pool_id: str, alias_key: str) -> UserRecord | None: ...
    def update_user(
        self,
        sub: str,
        *,
        add_aliases: tuple[str, ...] = (),
        remove_aliases: tuple[str, ...] = (),
        **changes: Any,
    ) -> UserRecord | None: ...
    def update_user_mfa(
        self, sub: str, mfa: dict[str, Any], *, expected_version: int, updated_at: datetime
    ) -> UserRecord | None: ...
    def advance_totp_step(self, sub: str, step: int) -> bool: ...
    def delete_user(self, sub: str) -> bool: ...


class PoolMigrationStore(Protocol):
    def migrate_pool(
        self,
        pool: PoolRecord,
        *,
        seen_updated_at: datetime,
        user_count: int,
        users: Sequence[UserRekeyRecord],
    ) -> None: ...


class CodeStore(Protocol):
    def put_code(self, code: CodeRecord) -> None: ...
    def get_code(self, user_sub: str, purpose: str) -> CodeRecord | None: ...
    def redeem_code(
        self, user_sub: str, purpose: str, digest: bytes, *, now: datetime, max_attempts: int
    ) -> tuple[str, str]: ...
    def delete_codes(self, user_sub: str, purposes: Sequence[str] | None = None) -> None: ...


class SessionStore(Protocol):
    def use_session(self, digest: bytes, *, expires_at: datetime, now: datetime) -> bool: ...
    def session_used(self, digest: bytes, *, now: datetime) -> bool: ...


class TokenStore(Protocol):
    def insert_refresh_token(self, token: RefreshTokenRecord) -> None: ...
    def get_refresh_token(self, digest: bytes) -> RefreshTokenRecord | None: ...
    def replace_refresh_token(
        self, old_digest: bytes, new: RefreshTokenRecord, *, at: datetime
    ) -> bool: ...
    def revoke_refresh_token(self, digest: bytes, *, at: datetime) -> RefreshTokenRecord | None: ...
    def get_refresh_token_and_family_revoked(
        self, digest: bytes
    ) -> tuple[RefreshTokenRecord | None, bool]: ...
    def sign_out_user(self, sub: str, *, at: datetime) -> None: ...


class OutboxStore(Protocol):
    def record_outbox(
        self, message: OutgoingMessage, *, sent_at: datetime, not_before: datetime | None = None
    ) -> None: ...
    def list_outbox(
        self,
        *,
        pool_id: str | None = None,
        username: str | None = None,
        since: datetime | None = None,
        after_id: int | None = None,
        limit: int = 1000,
    ) -> list[OutboxRecord]: ...


class DirectoryStore(Protocol):
    """ListUsers (served from indexes), bulk import, and values awaiting verification."""

    def list_users(self, pool_id: str, *, after: str | None, limit: int) -> list[UserRecord]: ...
    def search_users(
        self,
        pool_id: str,
        attribute: str,
        value: str,
        *,
        prefix: bool,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[tuple[str, UserRecord]]: ...
    def bulk_insert_users(self, batch: Sequence[tuple[UserRecord, tuple[str, ...]]]) -> None: ...
    def put_pending_attribute(self, pending: PendingAttributeRecord) -> None: ...
    def get_pending_attribute(
        self, user_sub: str, attribute: str, *, now: datetime
    ) -> PendingAttributeRecord | None: ...
    def delete_pending_attributes(
        self, user_sub: str, attributes: Sequence[str] | None = None
    ) -> None: ...


class GroupStore(Protocol):
    def insert_group(self, group: GroupRecord) -> None: ...
    def get_group(self, pool_id: str, name: str) -> GroupRecord | None: ...
    def update_group(self, pool_id: str, name: str, **changes: Any) -> GroupRecord | None: ...
    def delete_group(self, pool_id: str, name: str) -> bool: ...
    def list_groups(self, pool_id: str, *, after: str | None, limit: int) -> list[GroupRecord]: ...
    def count_groups(self, pool_id: str) -> int: ...
    def add_group_member(self, pool_id: str, name: str, user_sub: str, *, at: datetime) -> bool: ...
    def remove_group_member(self, pool_id: str, name: str, user_sub: str) -> bool: ...
    def groups_of_user(
        self, user_sub: str, *, after: str | None = None, limit: int | None = None
    ) -> list[GroupRecord]: ...
    def group_members(
        self, pool_id: str, name: str, *, after: str | None, limit: int
    ) -> list[UserRecord]: ...


class AuthEventStore(Protocol):
    def insert_auth_event(
        self, event: AuthEventRecord, *, keep: int, not_before: datetime
    ) -> None: ...
    def update_auth_event(
        self, seq: int, *, response: str, challenges: tuple[tuple[str, str], ...]
    ) -> bool: ...
    def list_auth_events(
        self, user_sub: str, *, before: int | None, limit: int
    ) -> list[AuthEventRecord]: ...
    def pad_auth_event(self, marker: bytes, *, now: datetime) -> None: ...
    def set_auth_event_feedback(
        self, user_sub: str, event_id: str, *, value: str, provider: str, at: datetime
    ) -> bool: ...


class DeviceStore(Protocol):
    """Tracked devices: pending until confirmed, listed by key."""

    def insert_device(self, device: DeviceRecord, *, purge_before: datetime) -> None: ...
    def get_device(self, device_key: str) -> DeviceRecord | None: ...
    def confirm_device(
        self, device_key: str, user_sub: str, *, now: datetime, **changes: Any
    ) -> DeviceRecord | None: ...
    def update_device(
        self, device_key: str, user_sub: str, **changes: Any
    ) -> DeviceRecord | None: ...
    def list_devices(
        self, user_sub: str, *, after: str | None, limit: int, remembered_only: bool = False
    ) -> list[DeviceRecord]: ...
    def delete_device(self, device_key: str, user_sub: str) -> bool: ...


class SecurityStore(Protocol):
    """Lockout counters (compare-and-set on ``version``), request counters (atomic per key)
    and re-sealing a sealed column after a master-key rotation (:mod:`.key_rotation`)."""

    def get_failures(self, key: bytes) -> FailureRecord | None: ...
    def put_failures(self, record: FailureRecord, *, expected: int | None) -> bool: ...
    def clear_failures(self, key: bytes) -> None: ...
    def count_hits(
        self,
        keys: Sequence[tuple[bytes, int, datetime]],
        *,
        now: datetime,
        add: Sequence[int] | None = None,
    ) -> list[int]: ...
    def count_sliding_hits(
        self,
        keys: Sequence[tuple[bytes, int, datetime]],
        *,
        previous: Sequence[bytes],
        now: datetime,
        add: Sequence[int] | None = None,
    ) -> tuple[list[int], list[int]]: ...
    def release_hits(self, keys: Sequence[bytes]) -> None: ...
    def retire_signing_keys(self, pool_id: str, *, keep: str, at: datetime) -> int: ...
    def reseal(self, column: str, change: Callable[[Any], Any], *, batch: int = 200) -> int: ...


class Store(
    UnitOfWork,
    AccessKeyStore,
    PoolStore,
    ClientStore,
    UserStore,
    PoolMigrationStore,
    CodeStore,
    SessionStore,
    TokenStore,
    OutboxStore,
    DirectoryStore,
    GroupStore,
    AuthEventStore,
    DeviceStore,
    SecurityStore,
    Protocol,
):
    """Everything the domain stores."""
