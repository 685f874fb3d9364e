"""The signed-in user's own operations (attributes, password, MFA, devices) and the
password reset of a signed-out one, as flows. Each takes the tokens the driver has made
sure are fresh, exactly as Amplify fetches the session before each of these calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from authpool.client.core import require
from authpool.client.errors import DeviceNotTrackedException, EnableSoftwareTokenMFAException
from authpool.client.flows import Flow
from authpool.client.flows.context import Context, wire_attributes
from authpool.client.models import (
    AuthDevice,
    AuthResetPasswordStep,
    AuthUpdateAttributeStep,
    CodeDeliveryDetails,
    MfaPreference,
    MfaType,
    ResetPasswordNextStep,
    ResetPasswordResult,
    TotpSetupDetails,
    UpdateUserAttributeNextStep,
    UpdateUserAttributeResult,
    UserMfaPreference,
)
from authpool.client.storage import StoredTokens
from authpool.client.wire import Request

__all__ = [
    "confirm_reset_password",
    "confirm_user_attribute",
    "delete_user_attributes",
    "fetch_devices",
    "fetch_mfa_preference",
    "fetch_user_attributes",
    "forget_device",
    "remember_device",
    "reset_password",
    "send_user_attribute_verification_code",
    "set_up_totp",
    "update_mfa_preference",
    "update_password",
    "update_user_attributes",
    "verify_totp_setup",
]

MAX_DEVICES = 60


def _metadata(client_metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    return dict(client_metadata) if client_metadata else None


# -- attributes ---------------------------------------------------------------------------------
def fetch_user_attributes(ctx: Context, tokens: StoredTokens) -> Flow[dict[str, str]]:
    response = yield Request("GetUser", {"AccessToken": tokens.access_token.raw})
    return {
        str(a["Name"]): str(a.get("Value", ""))
        for a in response.get("UserAttributes") or []
        if isinstance(a, Mapping) and "Name" in a
    }


def update_user_attributes(
    ctx: Context,
    tokens: StoredTokens,
    user_attributes: Mapping[str, str],
    client_metadata: Mapping[str, str] | None,
) -> Flow[dict[str, UpdateUserAttributeResult]]:
    require(
        user_attributes,
        "userAttributes are required to updateUserAttributes",
        "Pass the attributes to update.",
    )
    response = yield Request(
        "UpdateUserAttributes",
        {
            "AccessToken": tokens.access_token.raw,
            "UserAttributes": wire_attributes(user_attributes),
            "ClientMetadata": _metadata(client_metadata),
        },
    )
    done = UpdateUserAttributeResult(
        True, UpdateUserAttributeNextStep(AuthUpdateAttributeStep.DONE)
    )
    results = dict.fromkeys(user_attributes, done)
    for details in response.get("CodeDeliveryDetailsList") or []:
        name = details.get("AttributeName")
        if name:
            step = UpdateUserAttributeNextStep(
                AuthUpdateAttributeStep.CONFIRM_ATTRIBUTE_WITH_CODE,
                CodeDeliveryDetails.from_wire(details),
            )
            results[name] = UpdateUserAttributeResult(False, step)
    return results


def delete_user_attributes(
    ctx: Context, tokens: StoredTokens, attribute_keys: Sequence[str]
) -> Flow[None]:
    require(
        attribute_keys,
        "userAttributeKeys are required to deleteUserAttributes",
        "Pass the names of the attributes to delete.",
    )
    yield Request(
        "DeleteUserAttributes",
        {"AccessToken": tokens.access_token.raw, "UserAttributeNames": list(attribute_keys)},
    )


def send_user_attribute_verification_code(
    ctx: Context,
    tokens: StoredTokens,
    attribute_key: str,
    client_metadata: Mapping[str, str] | None,
) -> Flow[CodeDeliveryDetails]:
    require(
        attribute_key,
        "userAttributeKey is required to sendUserAttributeVerificationCode",
        "Pass the attribute to verify (email or phone_number).",
    )
    response = yield Request(
        "GetUserAttributeVerificationCode",
        {
            "AccessToken": tokens.access_token.raw,
            "AttributeName": attribute_key,
            "ClientMetadata": _metadata(client_metadata),
        },
    )
    return CodeDeliveryDetails.from_wire(response.get("CodeDeliveryDetails"))


def confirm_user_attribute(
    ctx: Context, tokens: StoredTokens, attribute_key: str, confirmation_code: str
) -> Flow[None]:
    require(
        attribute_key,
        "userAttributeKey is required to confirmUserAttribute",
        "Pass the attribute being verified.",
    )
    require(
        confirmation_code,
        "confirmation code is required to confirmUserAttribute",
        "Pass the code that was sent.",
    )
    yield Request(
        "VerifyUserAttribute",
        {
            "AccessToken": tokens.access_token.raw,
            "AttributeName": attribute_key,
            "Code": confirmation_code,
        },
    )


# -- passwords ----------------------------------------------------------------------------------
def reset_password(
    ctx: Context, username: str, client_metadata: Mapping[str, str] | None
) -> Flow[ResetPasswordResult]:
    require(username, "username is required to resetPassword", "Make sure a username is provided.")
    response = yield Request(
        "ForgotPassword",
        {
            "ClientId": ctx.client_id,
            "SecretHash": ctx.config.secret_hash(username),
            "Username": username,
            "ClientMetadata": _metadata(client_metadata),
        },
    )
    step = ResetPasswordNextStep(
        AuthResetPasswordStep.CONFIRM_RESET_PASSWORD_WITH_CODE,
        CodeDeliveryDetails.from_wire(response.get("CodeDeliveryDetails")),
    )
    return ResetPasswordResult(False, step)


def confirm_reset_password(
    ctx: Context,
    username: str,
    new_password: str,
    confirmation_code: str,
    client_metadata: Mapping[str, str] | None,
) -> Flow[None]:
    require(
        username,
        "username is required to confirmResetPassword",
        "Make sure a username is provided.",
    )
    require(
        new_password,
        "newPassword is required to confirmResetPassword",
        "Make sure a new password is provided.",
    )
    require(
        confirmation_code,
        "confirmationCode is required to confirmResetPassword",
        "Make sure the code that was sent is provided.",
    )
    yield Request(
        "ConfirmForgotPassword",
        {
            "ClientId": ctx.client_id,
            "SecretHash": ctx.config.secret_hash(username),
            "Username": username,
            "ConfirmationCode": confirmation_code,
            "Password": new_password,
            "ClientMetadata": _metadata(client_metadata),
        },
    )


def update_password(
    ctx: Context, tokens: StoredTokens, old_password: str, new_password: str
) -> Flow[None]:
    require(
        old_password and new_password,
        "oldPassword and newPassword are required to updatePassword",
        "Provide the current password and the new one.",
    )
    yield Request(
        "ChangePassword",
        {
            "AccessToken": tokens.access_token.raw,
            "PreviousPassword": old_password,
            "ProposedPassword": new_password,
        },
    )


# -- multi-factor -------------------------------------------------------------------------------
def _username(tokens: StoredTokens) -> str:
    claims = tokens.id_token.payload if tokens.id_token else tokens.access_token.payload
    return str(claims.get("cognito:username") or claims.get("username") or tokens.username)


def set_up_totp(ctx: Context, tokens: StoredTokens) -> Flow[TotpSetupDetails]:
    response = yield Request("AssociateSoftwareToken", {"AccessToken": tokens.access_token.raw})
    secret = response.get("SecretCode")
    if not secret:
        raise EnableSoftwareTokenMFAException("Failed to set up TOTP: the service sent no secret.")
    return TotpSetupDetails(shared_secret=str(secret), username=_username(tokens))


def verify_totp_setup(
    ctx: Context, tokens: StoredTokens, code: str, friendly_device_name: str | None
) -> Flow[None]:
    require(code, "code is required to verifyTotpSetup", "Pass the code the app shows.")
    response = yield Request(
        "VerifySoftwareToken",
        {
            "AccessToken": tokens.access_token.raw,
            "UserCode": code,
            "FriendlyDeviceName": friendly_device_name,
        },
    )
    if response.get("Status") == "ERROR":
        raise EnableSoftwareTokenMFAException("The TOTP code did not verify.")


def update_mfa_preference(
    ctx: Context,
    tokens: StoredTokens,
    *,
    sms: MfaPreference | str | None,
    totp: MfaPreference | str | None,
    email: MfaPreference | str | None,
) -> Flow[None]:
    def settings(value: MfaPreference | str | None) -> dict[str, bool] | None:
        return MfaPreference(value).settings() if value is not None else None

    yield Request(
        "SetUserMFAPreference",
        {
            "AccessToken": tokens.access_token.raw,
            "SMSMfaSettings": settings(sms),
            "SoftwareTokenMfaSettings": settings(totp),
            "EmailMfaSettings": settings(email),
        },
    )


def fetch_mfa_preference(ctx: Context, tokens: StoredTokens) -> Flow[UserMfaPreference]:
    response = yield Request("GetUser", {"AccessToken": tokens.access_token.raw})
    enabled = (MfaType.from_wire(str(n)) for n in response.get("UserMFASettingList") or [])
    preferred = response.get("PreferredMfaSetting")
    return UserMfaPreference(
        enabled=tuple(t for t in enabled if t is not None),
        preferred=MfaType.from_wire(str(preferred)) if preferred else None,
    )


# -- devices ------------------------------------------------------------------------------------
def remember_device(ctx: Context, tokens: StoredTokens) -> Flow[None]:
    device = ctx.store.device(tokens.username)
    if device is None:
        raise DeviceNotTrackedException("This device is not tracked.")
    yield Request(
        "UpdateDeviceStatus",
        {
            "AccessToken": tokens.access_token.raw,
            "DeviceKey": device.device_key,
            "DeviceRememberedStatus": "remembered",
        },
    )


def forget_device(ctx: Context, tokens: StoredTokens, device_id: str | None) -> Flow[None]:
    current = ctx.store.device(tokens.username)
    if device_id is None and current is None:
        raise DeviceNotTrackedException("This device is not tracked.")
    key = device_id or (current.device_key if current else "")
    yield Request("ForgetDevice", {"AccessToken": tokens.access_token.raw, "DeviceKey": key})
    if current is not None and key == current.device_key:
        ctx.store.clear_device(tokens.username)


def _when(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int | float) else None


def _device(raw: Mapping[str, Any]) -> AuthDevice:
    attributes = {
        str(a["Name"]): str(a["Value"])
        for a in raw.get("DeviceAttributes") or []
        if a.get("Name") and a.get("Value")
    }
    return AuthDevice(
        id=str(raw.get("DeviceKey", "")),
        name=attributes.get("device_name"),
        attributes=attributes,
        create_date=_when(raw.get("DeviceCreateDate")),
        last_modified_date=_when(raw.get("DeviceLastModifiedDate")),
        last_authenticated_date=_when(raw.get("DeviceLastAuthenticatedDate")),
    )


def fetch_devices(ctx: Context, tokens: StoredTokens) -> Flow[list[AuthDevice]]:
    """Every device of the user, page after page (Amplify stops at the first 60)."""
    devices: list[AuthDevice] = []
    token: str | None = None
    while True:
        response = yield Request(
            "ListDevices",
            {
                "AccessToken": tokens.access_token.raw,
                "Limit": MAX_DEVICES,
                "PaginationToken": token,
            },
        )
        devices.extend(_device(d) for d in response.get("Devices") or [])
        token = response.get("PaginationToken")
        if not token:
            return devices
