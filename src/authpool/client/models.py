"""Results and next steps, named as Amplify names them.

Step names follow the Flutter guide the seed is written against
(``CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE``, ``CONFIRM_SIGN_IN_WITH_NEW_PASSWORD``, …); the names
Amplify JS v6 uses for the same steps are aliases of the same members: in
``AuthSignInStep``, ``CONFIRM_SIGN_IN_WITH_SMS_CODE is CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlencode

from authpool.client.errors import AuthException, AuthValidationException

__all__ = [
    "JWT",
    "AuthDevice",
    "AuthFlowType",
    "AuthResetPasswordStep",
    "AuthSession",
    "AuthSignInStep",
    "AuthSignUpStep",
    "AuthTokens",
    "AuthUpdateAttributeStep",
    "AuthUser",
    "CodeDeliveryDetails",
    "DeviceMetadata",
    "MfaPreference",
    "MfaType",
    "ResetPasswordNextStep",
    "ResetPasswordResult",
    "SignInDetails",
    "SignInNextStep",
    "SignInResult",
    "SignOutResult",
    "SignUpNextStep",
    "SignUpResult",
    "TotpSetupDetails",
    "UpdateUserAttributeNextStep",
    "UpdateUserAttributeResult",
    "UserMfaPreference",
]


class _AliasedEnum(StrEnum):
    """Looks members up by value, and by name (so that aliases parse too)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            return cls.__members__.get(value.upper())
        return None


class AuthFlowType(_AliasedEnum):
    """``sign_in(auth_flow_type=…)``: the seed's runtime switch."""

    USER_SRP_AUTH = "USER_SRP_AUTH"
    USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
    CUSTOM_AUTH_WITH_SRP = "CUSTOM_AUTH_WITH_SRP"
    CUSTOM_AUTH_WITHOUT_SRP = "CUSTOM_AUTH_WITHOUT_SRP"
    # Amplify JS v6's names, and Gen 1 files' CUSTOM_AUTH (custom auth without SRP)
    CUSTOM_WITH_SRP = "CUSTOM_AUTH_WITH_SRP"
    CUSTOM_WITHOUT_SRP = "CUSTOM_AUTH_WITHOUT_SRP"
    CUSTOM_AUTH = "CUSTOM_AUTH_WITHOUT_SRP"

    @classmethod
    def parse(cls, value: str | AuthFlowType) -> AuthFlowType:
        try:
            return cls(value)
        except ValueError:
            raise AuthValidationException(
                f"Unknown auth flow type {value!r}.",
                recovery_suggestion="Use one of " + ", ".join(m.value for m in cls) + ".",
            ) from None


class AuthSignInStep(_AliasedEnum):
    CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE = "CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE"
    CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE = "CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE"
    CONFIRM_SIGN_IN_WITH_OTP_CODE = "CONFIRM_SIGN_IN_WITH_OTP_CODE"
    CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE = "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    CONFIRM_SIGN_IN_WITH_NEW_PASSWORD = "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD"
    CONTINUE_SIGN_IN_WITH_MFA_SELECTION = "CONTINUE_SIGN_IN_WITH_MFA_SELECTION"
    CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION = "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION"
    CONTINUE_SIGN_IN_WITH_TOTP_SETUP = "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP = "CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP"
    RESET_PASSWORD = "RESET_PASSWORD"
    CONFIRM_SIGN_UP = "CONFIRM_SIGN_UP"
    DONE = "DONE"
    # Amplify JS v6's names for the same steps
    CONFIRM_SIGN_IN_WITH_SMS_CODE = "CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE"
    CONFIRM_SIGN_IN_WITH_TOTP_CODE = "CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE"
    CONFIRM_SIGN_IN_WITH_EMAIL_CODE = "CONFIRM_SIGN_IN_WITH_OTP_CODE"
    CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED = "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD"
    CONTINUE_SIGN_IN_WITH_EMAIL_SETUP = "CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP"


class AuthSignUpStep(_AliasedEnum):
    CONFIRM_SIGN_UP = "CONFIRM_SIGN_UP"
    COMPLETE_AUTO_SIGN_IN = "COMPLETE_AUTO_SIGN_IN"
    DONE = "DONE"


class AuthResetPasswordStep(_AliasedEnum):
    CONFIRM_RESET_PASSWORD_WITH_CODE = "CONFIRM_RESET_PASSWORD_WITH_CODE"
    DONE = "DONE"


class AuthUpdateAttributeStep(_AliasedEnum):
    CONFIRM_ATTRIBUTE_WITH_CODE = "CONFIRM_ATTRIBUTE_WITH_CODE"
    DONE = "DONE"


class MfaType(_AliasedEnum):
    SMS = "SMS"
    TOTP = "TOTP"
    EMAIL = "EMAIL"

    @property
    def wire_name(self) -> str:
        """The service's name: SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP."""
        return _MFA_WIRE[self]

    @classmethod
    def from_wire(cls, name: str) -> MfaType | None:
        for member, wire in _MFA_WIRE.items():
            if wire == name:
                return member
        return None


_MFA_WIRE = {MfaType.SMS: "SMS_MFA", MfaType.TOTP: "SOFTWARE_TOKEN_MFA", MfaType.EMAIL: "EMAIL_OTP"}


class MfaPreference(_AliasedEnum):
    """``update_mfa_preference(sms=…, totp=…, email=…)``."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    PREFERRED = "PREFERRED"
    NOT_PREFERRED = "NOT_PREFERRED"

    def settings(self) -> dict[str, bool]:
        """The service's ``*MfaSettings`` structure for this preference."""
        if self is MfaPreference.DISABLED:
            return {"Enabled": False}
        if self is MfaPreference.PREFERRED:
            return {"Enabled": True, "PreferredMfa": True}
        if self is MfaPreference.NOT_PREFERRED:
            return {"Enabled": True, "PreferredMfa": False}
        return {"Enabled": True}


# -- tokens -------------------------------------------------------------------------------------
def _b64url_json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise AuthException("The service returned a token that is not a JWT.") from exc
    if not isinstance(value, dict):
        raise AuthException("The service returned a token that is not a JWT.")
    return value


@dataclass(frozen=True)
class JWT:
    """A token as the client holds it: decoded, not verified (the service just issued it;
    a backend checks tokens with :mod:`authpool.verify`). ``str(jwt)`` is the token."""

    raw: str = field(repr=False)
    header: Mapping[str, Any] = field(repr=False)
    payload: Mapping[str, Any]

    @classmethod
    def decode(cls, raw: str) -> JWT:
        parts = raw.split(".")
        if len(parts) != 3:
            raise AuthException("The service returned a token that is not a JWT.")
        return cls(raw=raw, header=_b64url_json(parts[0]), payload=_b64url_json(parts[1]))

    def __str__(self) -> str:
        return self.raw

    def _time(self, claim: str) -> datetime | None:
        value = self.payload.get(claim)
        return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int | float) else None

    @property
    def expires_at(self) -> datetime | None:
        return self._time("exp")

    @property
    def issued_at(self) -> datetime | None:
        return self._time("iat")


@dataclass(frozen=True)
class AuthTokens:
    access_token: JWT
    id_token: JWT | None = None
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AuthSession:
    """``fetch_auth_session()``: the user pool tokens, or none when signed out."""

    tokens: AuthTokens | None = None
    user_sub: str | None = None

    @property
    def is_signed_in(self) -> bool:
        return self.tokens is not None


@dataclass(frozen=True)
class SignInDetails:
    login_id: str
    auth_flow_type: AuthFlowType


@dataclass(frozen=True)
class AuthUser:
    username: str
    user_id: str
    sign_in_details: SignInDetails | None = None


@dataclass(frozen=True)
class DeviceMetadata:
    """A remembered device's keys, kept with the tokens: the secret never leaves the store."""

    device_key: str
    device_group_key: str
    device_password: str = field(repr=False)


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeDeliveryDetails:
    destination: str | None = None
    delivery_medium: str | None = None
    attribute_name: str | None = None

    @classmethod
    def from_wire(cls, details: Mapping[str, Any] | None) -> CodeDeliveryDetails:
        details = details or {}
        return cls(
            destination=details.get("Destination"),
            delivery_medium=details.get("DeliveryMedium"),
            attribute_name=details.get("AttributeName"),
        )


@dataclass(frozen=True)
class SignUpNextStep:
    sign_up_step: AuthSignUpStep
    code_delivery_details: CodeDeliveryDetails | None = None


@dataclass(frozen=True)
class SignUpResult:
    is_sign_up_complete: bool
    next_step: SignUpNextStep
    user_id: str | None = None


@dataclass(frozen=True)
class TotpSetupDetails:
    shared_secret: str = field(repr=False)
    username: str

    def get_setup_uri(self, app_name: str, account_name: str | None = None) -> str:
        """The ``otpauth://`` URI an authenticator app reads (usually from a QR code)."""
        label = quote(f"{app_name}:{account_name or self.username}", safe=":@")
        query = urlencode({"secret": self.shared_secret, "issuer": app_name}, quote_via=quote)
        return f"otpauth://totp/{label}?{query}"


@dataclass(frozen=True)
class SignInNextStep:
    sign_in_step: AuthSignInStep
    code_delivery_details: CodeDeliveryDetails | None = None
    additional_info: Mapping[str, str] = field(default_factory=dict)
    missing_attributes: tuple[str, ...] = ()
    allowed_mfa_types: tuple[MfaType, ...] = ()
    totp_setup_details: TotpSetupDetails | None = None


@dataclass(frozen=True)
class SignInResult:
    is_signed_in: bool
    next_step: SignInNextStep


@dataclass(frozen=True)
class SignOutResult:
    """``sign_out()`` always clears the local session; these say what the service refused."""

    revoke_token_error: AuthException | None = None
    global_sign_out_error: AuthException | None = None

    @property
    def is_complete(self) -> bool:
        return self.revoke_token_error is None and self.global_sign_out_error is None


@dataclass(frozen=True)
class ResetPasswordNextStep:
    reset_password_step: AuthResetPasswordStep
    code_delivery_details: CodeDeliveryDetails | None = None


@dataclass(frozen=True)
class ResetPasswordResult:
    is_password_reset: bool
    next_step: ResetPasswordNextStep


@dataclass(frozen=True)
class UpdateUserAttributeNextStep:
    update_attribute_step: AuthUpdateAttributeStep
    code_delivery_details: CodeDeliveryDetails | None = None


@dataclass(frozen=True)
class UpdateUserAttributeResult:
    is_updated: bool
    next_step: UpdateUserAttributeNextStep


@dataclass(frozen=True)
class UserMfaPreference:
    """``fetch_mfa_preference()``: the enabled methods and the preferred one."""

    enabled: tuple[MfaType, ...] = ()
    preferred: MfaType | None = None


@dataclass(frozen=True)
class AuthDevice:
    id: str
    name: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    create_date: datetime | None = None
    last_modified_date: datetime | None = None
    last_authenticated_date: datetime | None = None
