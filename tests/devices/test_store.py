"""The devices' storage on SQLite and PostgreSQL: pending devices purged as they lapse,
confirmation won by exactly one of racing requests, listings in key order (remembered only
for the user's own view), changes only to confirmed devices, deletion with the user."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tests.store.test_store import race

from authpool.domain.records import DeviceRecord, PoolRecord, SigningKeyRecord, UserRecord
from authpool.store import SqlStore

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=2)


def new_user(store: SqlStore) -> UserRecord:
    pool_id = f"us-east-1_{secrets.token_hex(4)}D"
    key = SigningKeyRecord(kid=secrets.token_hex(16), pool_id=pool_id, private_sealed=b"k",
                           created_at=T0)  # fmt: skip
    store.insert_pool(PoolRecord(pool_id, "p", {}, T0, T0), key)
    name = f"user-{secrets.token_hex(4)}"
    user = UserRecord(sub=str(uuid.uuid4()), pool_id=pool_id, username=name, username_key=name,
                      status="CONFIRMED", enabled=True, attributes={}, created_at=T0,
                      updated_at=T0)  # fmt: skip
    store.insert_user(user)
    return user


def pending(user: UserRecord, key: str | None = None, **changes: object) -> DeviceRecord:
    device = DeviceRecord(
        device_key=key or f"us-east-1_{uuid.uuid4()}",
        pool_id=user.pool_id,
        user_sub=user.sub,
        group_key="-" + secrets.token_hex(4),
        created_at=T0,
        updated_at=T0,
        expires_at=T0 + timedelta(hours=1),
    )
    return replace(device, **changes)


def confirmed(store: SqlStore, user: UserRecord, key: str, remembered: str) -> DeviceRecord:
    store.insert_device(pending(user, key), purge_before=T0)
    done = store.confirm_device(key, user.sub, now=T0, salt="ab", verifier_sealed=b"v",
                                remembered=remembered, updated_at=T0)  # fmt: skip
    assert done is not None
    return done


def test_pending_devices_lapse_and_are_purged_at_the_next(store: SqlStore) -> None:
    user = new_user(store)
    old = pending(user)
    store.insert_device(old, purge_before=T0)
    assert store.get_device(old.device_key) == old
    kept = confirmed(store, user, f"us-east-1_{uuid.uuid4()}", "remembered")
    # confirming a lapsed device fails; the next new device purges it, not the confirmed one
    assert store.confirm_device(old.device_key, user.sub, now=LATER, updated_at=LATER) is None
    store.insert_device(pending(user), purge_before=LATER)
    assert store.get_device(old.device_key) is None
    assert store.get_device(kept.device_key) == kept


def test_confirmation_is_won_once(store: SqlStore) -> None:
    user = new_user(store)
    device = pending(user)
    store.insert_device(device, purge_before=T0)
    results = race(
        8,
        lambda i: store.confirm_device(
            device.device_key,
            user.sub,
            now=T0,
            name=f"n{i}",
            salt="ab",
            verifier_sealed=bytes([i]),
            remembered="remembered",
            updated_at=T0,
        ),
    )
    winners = [r for r in results if isinstance(r, DeviceRecord)]
    assert len(winners) == 1, results
    assert results.count(None) == 7
    stored = store.get_device(device.device_key)
    assert stored == winners[0]
    assert stored is not None
    assert stored.confirmed
    assert stored.expires_at is None


def test_only_the_owner_confirms_changes_and_deletes(store: SqlStore) -> None:
    alice, bob = new_user(store), new_user(store)
    device = pending(alice)
    store.insert_device(device, purge_before=T0)
    assert store.confirm_device(device.device_key, bob.sub, now=T0, updated_at=T0) is None
    # nothing but a confirmed device changes
    assert store.update_device(device.device_key, alice.sub, remembered="remembered") is None
    key = confirmed(store, alice, f"us-east-1_{uuid.uuid4()}", "not_remembered").device_key
    assert store.update_device(key, bob.sub, remembered="remembered") is None
    changed = store.update_device(key, alice.sub, remembered="remembered", updated_at=LATER)
    assert changed is not None
    assert (changed.remembered, changed.updated_at) == ("remembered", LATER)
    assert not store.delete_device(key, bob.sub)
    assert store.delete_device(key, alice.sub)
    assert store.delete_device(device.device_key, alice.sub)  # pending ones too
    with pytest.raises(TypeError):
        store.update_device(key, alice.sub, verifier_sealed=b"x")


def test_listing_in_key_order(store: SqlStore) -> None:
    user = new_user(store)
    keys = sorted(f"us-east-1_{uuid.uuid4()}" for _ in range(5))
    for n, key in enumerate(keys):
        confirmed(store, user, key, "remembered" if n % 2 == 0 else "not_remembered")
    store.insert_device(pending(user), purge_before=T0)  # never listed
    everyone = store.list_devices(user.sub, after=None, limit=10)
    assert [d.device_key for d in everyone] == keys
    page = store.list_devices(user.sub, after=keys[1], limit=2)
    assert [d.device_key for d in page] == keys[2:4]
    remembered = store.list_devices(user.sub, after=None, limit=10, remembered_only=True)
    assert [d.device_key for d in remembered] == keys[::2]


def test_devices_go_with_their_user_and_pool(store: SqlStore) -> None:
    user = new_user(store)
    key = confirmed(store, user, f"us-east-1_{uuid.uuid4()}", "remembered").device_key
    store.delete_user(user.sub)
    assert store.get_device(key) is None
    other = new_user(store)
    key = confirmed(store, other, f"us-east-1_{uuid.uuid4()}", "remembered").device_key
    assert store.delete_pool(other.pool_id)
    assert store.get_device(key) is None
