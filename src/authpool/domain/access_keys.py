"""Access keys for signed (SigV4) admin calls. The secret is shown once at creation and
kept sealed under the master key, because verifying a signature needs it back."""

from __future__ import annotations

from dataclasses import dataclass

from authpool.domain import ids
from authpool.domain.context import Services
from authpool.domain.errors import ResourceNotFoundException
from authpool.domain.records import AccessKeyRecord
from authpool.vault import VaultError

ACCESS_KEY_PURPOSE = "access-key-secret"


@dataclass(frozen=True)
class NewAccessKey:
    access_key_id: str
    secret_access_key: str
    description: str


def create(svc: Services, description: str = "") -> NewAccessKey:
    key_id = ids.access_key_id(svc.token_bytes)
    secret = ids.secret_access_key(svc.token_bytes)
    svc.store.insert_access_key(
        AccessKeyRecord(
            access_key_id=key_id,
            secret_sealed=svc.vault.seal(secret.encode(), purpose=ACCESS_KEY_PURPOSE),
            description=description,
            created_at=svc.clock.now(),
        )
    )
    return NewAccessKey(key_id, secret, description)


def list_keys(svc: Services) -> list[AccessKeyRecord]:
    return svc.store.list_access_keys()


def revoke(svc: Services, access_key_id: str) -> None:
    if not svc.store.revoke_access_key(access_key_id, svc.clock.now()):
        raise ResourceNotFoundException(f"No active access key {access_key_id}.")


def secret_for(svc: Services, access_key_id: str) -> str | None:
    """The secret of an active key, or None (unknown, revoked, or sealed under another
    master key)."""
    record = svc.store.get_access_key(access_key_id)
    if record is None or record.revoked_at is not None:
        return None
    try:
        return svc.vault.open(record.secret_sealed, purpose=ACCESS_KEY_PURPOSE).decode()
    except VaultError:
        return None
