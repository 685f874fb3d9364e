"""Tracked devices: pending rows from sign-in, confirmed by ConfirmDevice, listed by key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from authpool.domain.records import DeviceRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase

_CONFIRM_FIELDS = frozenset({"name", "salt", "verifier_sealed", "remembered", "updated_at"})
REMEMBERED = "remembered"
_UPDATE_FIELDS = frozenset({"remembered", "last_ip", "last_authenticated_at", "updated_at"})
_d = t.devices.c


def _device(row: sa.Row[Any]) -> DeviceRecord:
    return DeviceRecord(**row._mapping)


def _owned(device_key: str, user_sub: str) -> sa.ColumnElement[bool]:
    return sa.and_(_d.device_key == device_key, _d.user_sub == user_sub)


def _check(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"not device fields: {sorted(unknown)}")


class DeviceTables(SqlBase):
    def insert_device(self, device: DeviceRecord, *, purge_before: datetime) -> None:
        """Store a new (pending) device; the user's pending devices that lapsed before
        ``purge_before`` go in the same transaction, so they never pile up."""
        with self._write() as conn:
            conn.execute(
                t.devices.delete()
                .where(_d.user_sub == device.user_sub)
                .where(_d.verifier_sealed.is_(None))
                .where(_d.expires_at <= purge_before)
            )
            conn.execute(
                t.devices.insert().values(
                    device_key=device.device_key,
                    pool_id=device.pool_id,
                    user_sub=device.user_sub,
                    group_key=device.group_key,
                    name=device.name,
                    salt=device.salt,
                    verifier_sealed=device.verifier_sealed,
                    remembered=device.remembered,
                    last_ip=device.last_ip,
                    created_at=device.created_at,
                    updated_at=device.updated_at,
                    last_authenticated_at=device.last_authenticated_at,
                    expires_at=device.expires_at,
                )
            )

    def get_device(self, device_key: str) -> DeviceRecord | None:
        with self._read() as conn:
            row = conn.execute(t.devices.select().where(_d.device_key == device_key)).first()
        return _device(row) if row else None

    def confirm_device(
        self, device_key: str, user_sub: str, *, now: datetime, **changes: Any
    ) -> DeviceRecord | None:
        """Confirm a pending, unlapsed device of ``user_sub`` with ``changes`` (its verifier,
        salt, name and remembered status), atomically: of racing confirmations exactly one
        wins; None for the others, and for a device that is not pending."""
        _check(changes, _CONFIRM_FIELDS)
        with self._write() as conn:
            row = conn.execute(
                t.devices.update()
                .where(_owned(device_key, user_sub))
                .where(_d.verifier_sealed.is_(None))
                .where(_d.expires_at > now)
                .values(**changes, expires_at=None)
                .returning(t.devices)
            ).first()
        return _device(row) if row else None

    def update_device(self, device_key: str, user_sub: str, **changes: Any) -> DeviceRecord | None:
        """Change a confirmed device of ``user_sub``; None if there is none."""
        _check(changes, _UPDATE_FIELDS)
        with self._write() as conn:
            row = conn.execute(
                t.devices.update()
                .where(_owned(device_key, user_sub))
                .where(_d.verifier_sealed.is_not(None))
                .values(**changes)
                .returning(t.devices)
            ).first()
        return _device(row) if row else None

    def list_devices(
        self, user_sub: str, *, after: str | None, limit: int, remembered_only: bool = False
    ) -> list[DeviceRecord]:
        """The user's confirmed devices (only the remembered ones with ``remembered_only``)
        in key order: a range of ``ix_devices_user``."""
        query = (
            t.devices.select()
            .where(_d.user_sub == user_sub)
            .where(_d.verifier_sealed.is_not(None))
            .order_by(_d.device_key)
            .limit(limit)
        )
        if after is not None:
            query = query.where(_d.device_key > after)
        if remembered_only:
            query = query.where(_d.remembered == REMEMBERED)
        with self._read() as conn:
            return [_device(r) for r in conn.execute(query)]

    def delete_device(self, device_key: str, user_sub: str) -> bool:
        """Forget a device of ``user_sub`` (pending or confirmed)."""
        with self._write() as conn:
            found = conn.execute(t.devices.delete().where(_owned(device_key, user_sub)))
            return found.rowcount == 1
