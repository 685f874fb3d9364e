"""The SRP steps of sign-in: PASSWORD_VERIFIER, the remembered-device pair DEVICE_SRP_AUTH /
DEVICE_PASSWORD_VERIFIER, and ConfirmDevice for a device the service just met. The math is
:mod:`authpool.srp`'s; this module only moves its values in and out of the wire format."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from authpool import srp
from authpool.client.errors import (
    AuthException,
    DeviceNotTrackedException,
    ResourceNotFoundException,
)
from authpool.client.flows import Flow
from authpool.client.flows.context import Context
from authpool.client.models import DeviceMetadata
from authpool.client.wire import Request

__all__ = [
    "DEVICE_GONE",
    "confirm_device",
    "device_srp",
    "new_exponent",
    "password_verifier",
    "send_with_device",
]

DEVICE_GONE = "Device does not exist."


def new_exponent(ctx: Context) -> tuple[int, str]:
    """A fresh client secret ``a`` and the SRP_A text that goes with it."""
    a = srp.new_client_secret(ctx.token_bytes)
    return a, srp.to_hex(srp.client_public(a))


def _claim(
    ctx: Context,
    params: Mapping[str, str],
    *,
    pool_name: str,
    user_id: str,
    password: str,
    a: int,
) -> tuple[str, str]:
    """``(TIMESTAMP, PASSWORD_CLAIM_SIGNATURE)`` for a verifier challenge's parameters."""
    timestamp = srp.format_timestamp(ctx.now())
    try:
        signature = srp.client_password_claim(
            pool_name=pool_name,
            user_id=user_id,
            password=password,
            salt=srp.from_hex(params["SALT"]),
            a=a,
            B=srp.from_hex(params["SRP_B"]),
            secret_block=base64.b64decode(params["SECRET_BLOCK"], validate=True),
            timestamp=timestamp,
        )
    except (KeyError, binascii.Error, srp.SrpError) as exc:
        raise AuthException(
            "The service sent an unusable SRP challenge.",
            recovery_suggestion="Check that the endpoint is a Cognito-compatible service.",
            underlying=exc,
        ) from exc
    return timestamp, base64.b64encode(signature).decode()


def send_with_device(
    ctx: Context, username: str, build: Callable[[DeviceMetadata | None], Request]
) -> Flow[dict[str, Any]]:
    """Send ``build(device)``; if the service has forgotten the device, forget it too and
    send ``build(None)`` once more (Amplify's retryOnResourceNotFoundException)."""
    device = ctx.store.device(username)
    try:
        return (yield build(device))
    except ResourceNotFoundException as exc:
        if device is None or DEVICE_GONE not in exc.message:
            raise
    ctx.store.clear_device(username)
    return (yield build(None))


def password_verifier(
    ctx: Context,
    params: Mapping[str, str],
    session: str | None,
    *,
    password: str,
    a: int,
    client_metadata: Mapping[str, str] | None,
) -> Flow[dict[str, Any]]:
    """Answer PASSWORD_VERIFIER: the claim over USER_ID_FOR_SRP, the pool name and the block."""
    user_id = params.get("USER_ID_FOR_SRP")
    if not user_id:
        raise AuthException("USER_ID_FOR_SRP was not found in the challenge parameters.")
    timestamp, signature = _claim(
        ctx,
        params,
        pool_name=srp.pool_name_of(ctx.config.user_pool_id),
        user_id=user_id,
        password=password,
        a=a,
    )

    def build(device: DeviceMetadata | None) -> Request:
        responses = {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        }
        if device is not None:
            responses["DEVICE_KEY"] = device.device_key
        return ctx.respond("PASSWORD_VERIFIER", responses, session, client_metadata)

    return (yield from send_with_device(ctx, user_id, build))


def device_srp(
    ctx: Context,
    username: str,
    session: str | None,
    client_metadata: Mapping[str, str] | None,
) -> Flow[dict[str, Any]]:
    """DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER: the device proves its own secret, with
    the device group key in the pool name's place and the device key in the user id's."""
    device = ctx.store.device(username)
    if device is None:
        raise DeviceNotTrackedException(
            "The service asked for the remembered device's proof, but no device key is stored."
        )
    a, srp_a = new_exponent(ctx)
    responses = {"USERNAME": username, "SRP_A": srp_a, "DEVICE_KEY": device.device_key}
    challenge = yield ctx.respond("DEVICE_SRP_AUTH", responses, session, client_metadata)
    params: Mapping[str, str] = challenge.get("ChallengeParameters") or {}
    timestamp, signature = _claim(
        ctx,
        params,
        pool_name=device.device_group_key,
        user_id=device.device_key,
        password=device.device_password,
        a=a,
    )
    responses = {
        "USERNAME": params.get("USERNAME") or username,
        "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
        "TIMESTAMP": timestamp,
        "PASSWORD_CLAIM_SIGNATURE": signature,
        "DEVICE_KEY": device.device_key,
    }
    return (
        yield ctx.respond(
            "DEVICE_PASSWORD_VERIFIER", responses, challenge.get("Session"), client_metadata
        )
    )


def confirm_device(
    ctx: Context, access_token: str, new_device: Mapping[str, Any]
) -> Flow[DeviceMetadata | None]:
    """ConfirmDevice for the NewDeviceMetadata of a sign-in: a fresh device secret, its
    verifier sent, the secret kept. As in Amplify, a failure here only means the device is
    not tracked: the sign-in itself has succeeded."""
    device_key = new_device.get("DeviceKey")
    group_key = new_device.get("DeviceGroupKey")
    if not isinstance(device_key, str) or not isinstance(group_key, str):
        return None
    verifier = srp.new_device_verifier(group_key, device_key, ctx.token_bytes)
    try:
        yield Request(
            "ConfirmDevice",
            {
                "AccessToken": access_token,
                "DeviceKey": device_key,
                "DeviceName": ctx.device_name,
                "DeviceSecretVerifierConfig": {
                    "PasswordVerifier": verifier.password_verifier_b64,
                    "Salt": verifier.salt_b64,
                },
            },
        )
    except AuthException:
        return None
    return DeviceMetadata(device_key, group_key, verifier.password)
