"""Remembered devices (Cognito's device tracking): the pool's DeviceConfiguration, the device
a sign-in gets, ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus and ForgetDevice,
each by access token and in its Admin form.

A pool tracks devices when its DeviceConfiguration has any setting (Cognito's rule);
``ChallengeRequiredOnNewDevice`` lets a remembered device stand in for the MFA code,
``DeviceOnlyRememberedOnUserPrompt`` leaves a confirmed device not remembered until the
user says so (UpdateDeviceStatus).

Life of a device
    1. A sign-in completes in a tracking pool without proving a device: it gets a new one,
       a pending row with a DeviceKey (``{region}_{uuid}``) and a DeviceGroupKey, sent as
       NewDeviceMetadata. Its tokens are bound to it: the access token's ``device_key``
       claim, the refresh token's device.
    2. ConfirmDevice gives the device's SRP verifier and salt (DeviceSecretVerifierConfig),
       made by the client from a random device password that never leaves the device; the
       verifier is stored sealed with the master key. A device not confirmed within the
       access token's lifetime lapses (its pending row is purged at the user's next one).
    3. Later sign-ins on it send DEVICE_KEY: after the password (and MFA, unless the device
       is remembered and the pool lets that skip it) the device proves its password with
       DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER (:mod:`authpool.domain.flows.device_srp`),
       and the new tokens are bound to it again; no NewDeviceMetadata.
    4. A refresh token bound to a device refreshes only when the request names the device
       and it is still the user's and confirmed (:func:`authpool.domain.grants.refresh`).
       ForgetDevice (or deleting the user) ends that.

What each operation sees, as on Cognito (its own SDK integration tests show it): the
user's GetDevice and ListDevices only remembered devices; the Admin forms every confirmed
device with its ``dev:device_remembered_status``. Pending devices are seen by none. A key
that names no device the caller may see is ResourceNotFoundException ``Device does not
exist.``, the message Amplify recognises to drop a device it keeps and sign in afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authpool import srp
from authpool.domain import grants, ids, paging, users
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import (
    DeviceKeyExistsException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import DeviceRecord, UserRecord

REMEMBERED, NOT_REMEMBERED = "remembered", "not_remembered"
VERIFIER_PURPOSE = "device-verifier"
GONE = "Device does not exist."
ALREADY_CONFIRMED = "Device has already been confirmed."
BAD_VERIFIER = "Invalid DeviceSecretVerifierConfig: PasswordVerifier and Salt are required."
MAX_SALT_BYTES = 64  # Amplify, pycognito and the mobile SDKs send 16 or 17
MAX_IP_CHARS = 64


@dataclass(frozen=True)
class Tracking:
    """A pool's DeviceConfiguration, when it tracks devices."""

    challenge_required_on_new_device: bool
    only_remembered_on_user_prompt: bool


def tracking(pool: Pool) -> Tracking | None:
    """The pool's device tracking; None when it does not track devices."""
    cfg = pool.config.get("device_configuration")
    if not cfg:
        return None
    return Tracking(
        bool(cfg.get("challenge_required_on_new_device")),
        bool(cfg.get("device_only_remembered_on_user_prompt")),
    )


# finding ---------------------------------------------------------------------------------------
def owned(svc: Services, user: UserRecord, device_key: str) -> DeviceRecord | None:
    """The user's confirmed device ``device_key``, if there is one."""
    device = svc.store.get_device(device_key)
    if device is None or device.user_sub != user.sub or not device.confirmed:
        return None
    return device


def require(svc: Services, user: UserRecord, device_key: str) -> DeviceRecord:
    device = owned(svc, user, device_key)
    if device is None:
        raise ResourceNotFoundException(GONE)
    return device


def verifier_of(svc: Services, device: DeviceRecord) -> int:
    """The device's SRP verifier, unsealed (only a confirmed device has one)."""
    assert device.verifier_sealed is not None
    return int.from_bytes(svc.vault.open(device.verifier_sealed, purpose=VERIFIER_PURPOSE), "big")


def skips_mfa(svc: Services, pool: Pool, user: UserRecord, device_key: str | None) -> bool:
    """Whether ``device_key`` is the user's remembered device in a pool where that stands in
    for the MFA code (the device must still prove itself before tokens are issued)."""
    cfg = tracking(pool)
    if cfg is None or not cfg.challenge_required_on_new_device or device_key is None:
        return False
    device = owned(svc, user, device_key)
    return device is not None and device.remembered == REMEMBERED


# sign-in ----------------------------------------------------------------------------------------
def start(
    svc: Services, pool: Pool, client: Client, user: UserRecord, *, ip: str | None
) -> DeviceRecord:
    """A new pending device for a sign-in that proved none; it lapses unless confirmed
    while the sign-in's access token is valid."""
    now = svc.clock.now()
    device = DeviceRecord(
        device_key=ids.device_key(pool.id.split("_", 1)[0], svc.token_bytes),
        pool_id=pool.id,
        user_sub=user.sub,
        group_key=ids.device_group_key(svc.token_bytes),
        created_at=now,
        updated_at=now,
        last_ip=_ip(ip),
        last_authenticated_at=now,
        expires_at=now + client.validity("access_token"),
    )
    svc.store.insert_device(device, purge_before=now)
    return device


def metadata(device: DeviceRecord) -> dict[str, str]:
    """NewDeviceMetadata (snake_case)."""
    return {"device_key": device.device_key, "device_group_key": device.group_key}


def authenticated(svc: Services, device: DeviceRecord, *, ip: str | None) -> None:
    """The device proved itself in a sign-in."""
    changes: dict[str, Any] = {"last_authenticated_at": svc.clock.now()}
    if ip:
        changes["last_ip"] = _ip(ip)
    svc.store.update_device(device.device_key, device.user_sub, **changes)


def _ip(ip: str | None) -> str | None:
    return ip[:MAX_IP_CHARS] if ip else None


# the operations -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Owner:
    """The user a device operation is about, their pool, and whether an admin asks (who
    sees the devices that are not remembered too)."""

    pool: Pool
    user: UserRecord
    admin: bool = False

    def sees(self, device: DeviceRecord) -> bool:
        return self.admin or device.remembered == REMEMBERED


def by_token(svc: Services, access_token: str) -> Owner:
    """The signed-in user of ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus and
    ForgetDevice (the access token checked completely)."""
    bearer = grants.authenticate(svc, access_token)
    return Owner(bearer.pool, bearer.user)


def by_name(svc: Services, pool_id: str, username: str) -> Owner:
    """The user an Admin* device operation names (username, alias or sub)."""
    pool = get_pool(svc, pool_id)
    return Owner(pool, users.require_user(svc, pool, username), admin=True)


def _verifier(config: Mapping[str, Any] | None) -> tuple[int, int]:
    config = config or {}
    verifier, salt = config.get("password_verifier"), config.get("salt")
    if not verifier or not salt:
        raise InvalidParameterException(BAD_VERIFIER)
    try:
        parsed, salt_value = srp.parse_device_verifier_config(password_verifier=verifier, salt=salt)
    except srp.SrpError as exc:
        raise InvalidParameterException(f"Invalid DeviceSecretVerifierConfig: {exc}.") from exc
    if salt_value.bit_length() > 8 * MAX_SALT_BYTES:
        raise InvalidParameterException("Invalid DeviceSecretVerifierConfig: Salt is too long.")
    return parsed, salt_value


def confirm(
    svc: Services,
    owner: Owner,
    device_key: str,
    *,
    verifier_config: Mapping[str, Any] | None,
    name: str | None,
) -> dict[str, Any]:
    """ConfirmDevice: the device's SRP verifier stored (sealed), the device remembered
    unless the pool leaves that to the user (UserConfirmationNecessary)."""
    verifier, salt = _verifier(verifier_config)
    device = svc.store.get_device(device_key)
    if device is None or device.user_sub != owner.user.sub:
        raise ResourceNotFoundException(GONE)
    if device.confirmed:
        raise DeviceKeyExistsException(ALREADY_CONFIRMED)
    prompt = bool((cfg := tracking(owner.pool)) and cfg.only_remembered_on_user_prompt)
    now = svc.clock.now()
    sealed = svc.vault.seal(
        verifier.to_bytes((verifier.bit_length() + 7) // 8, "big"), purpose=VERIFIER_PURPOSE
    )
    confirmed = svc.store.confirm_device(
        device_key,
        owner.user.sub,
        now=now,
        name=name,
        salt=srp.to_hex(salt),
        verifier_sealed=sealed,
        remembered=NOT_REMEMBERED if prompt else REMEMBERED,
        updated_at=now,
    )
    if confirmed is None:  # lapsed, forgotten, or confirmed by a racing request
        latest = svc.store.get_device(device_key)
        if latest is not None and latest.confirmed:
            raise DeviceKeyExistsException(ALREADY_CONFIRMED)
        raise ResourceNotFoundException(GONE)
    return {"user_confirmation_necessary": prompt}


def describe(svc: Services, owner: Owner, device: DeviceRecord) -> dict[str, Any]:
    """DeviceType (snake_case), with the attributes Cognito reports."""
    owner_id = f"{owner.user.username}.{owner.pool.id}"
    arn = (
        f"arn:aws:cognito-idp:{svc.region}:{svc.account_id}:owner/{owner_id}"
        f"/device/{device.device_key}"
    )
    attributes = {
        "device_status": "valid",
        "device_name": device.name,
        "dev:device_arn": arn,
        "dev:device_owner": owner_id,
        "last_ip_used": device.last_ip,
        "dev:device_remembered_status": device.remembered,
    }
    return {
        "device_key": device.device_key,
        "device_attributes": users.as_list({k: v for k, v in attributes.items() if v}),
        "device_create_date": device.created_at,
        "device_last_modified_date": device.updated_at,
        "device_last_authenticated_date": device.last_authenticated_at,
    }


def get(svc: Services, owner: Owner, device_key: str) -> dict[str, Any]:
    """GetDevice / AdminGetDevice."""
    device = require(svc, owner.user, device_key)
    if not owner.sees(device):
        raise ResourceNotFoundException(GONE)
    return {"device": describe(svc, owner, device)}


def list_devices(
    svc: Services, owner: Owner, *, limit: int | None, token: str | None
) -> dict[str, Any]:
    """ListDevices / AdminListDevices: the devices the caller sees, a page at a time."""
    size = paging.page_size(limit)
    kind = f"devices:{owner.user.sub}"
    after = paging.decode(token, kind)
    if after is not None and not isinstance(after, str):
        raise InvalidParameterException(paging.INVALID)
    found, more = paging.page(
        svc.store.list_devices(
            owner.user.sub, after=after, limit=size + 1, remembered_only=not owner.admin
        ),
        size,
    )
    return {
        "devices": [describe(svc, owner, d) for d in found],
        "pagination_token": paging.encode(kind, found[-1].device_key) if more else None,
    }


def set_status(svc: Services, owner: Owner, device_key: str, status: str | None) -> None:
    """UpdateDeviceStatus / AdminUpdateDeviceStatus: remembered or not_remembered."""
    device = require(svc, owner.user, device_key)
    if status is None or status == device.remembered:
        return
    if status not in (REMEMBERED, NOT_REMEMBERED):
        raise InvalidParameterException(f"Invalid DeviceRememberedStatus: {status}")
    updated = svc.store.update_device(
        device_key, owner.user.sub, remembered=status, updated_at=svc.clock.now()
    )
    if updated is None:  # forgotten meanwhile
        raise ResourceNotFoundException(GONE)


def forget(svc: Services, owner: Owner, device_key: str) -> None:
    """ForgetDevice / AdminForgetDevice: the device and the refresh tokens bound to it."""
    if not svc.store.delete_device(device_key, owner.user.sub):
        raise ResourceNotFoundException(GONE)
