"""Multi-factor authentication: which factors a pool offers, which a user has, and what a
sign-in must therefore ask for; the user's settings (SetUserMFAPreference, the legacy
SetUserSettings, their Admin forms) and software-token registration with an access token.

The factors carry Cognito's names: ``SMS_MFA``, ``SOFTWARE_TOKEN_MFA``, ``EMAIL_OTP``. A
user's settings live in the user's ``mfa`` column::

    {"enabled": ["SMS_MFA", ...], "preferred": "SOFTWARE_TOKEN_MFA",
     "totp": {"secret": <sealed>, "name": "phone"}, "totp_pending": <sealed>}

``totp`` is a verified authenticator; ``totp_pending`` one associated but not verified yet.

What a sign-in asks for (:func:`requirement`), as Cognito decides it:

* MfaConfiguration OFF: nothing.
* The factors the user enabled and can receive (a phone number for SMS, an e-mail address
  for e-mail, a verified authenticator for TOTP; SMS and e-mail only while the pool offers
  them, an authenticator even after the pool stops offering TOTP): the preferred one if it
  is among them, else all of them — one is asked for directly, several are offered to
  choose from (SELECT_MFA_TYPE).
* None of those and MfaConfiguration ON: SMS to the user's phone number when the pool offers
  SMS (Cognito sends to an unverified number and marks it verified once the code comes back),
  otherwise the user must set a factor up (MFA_SETUP) from those the pool offers.
* None of those and OPTIONAL: nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from authpool.domain import grants, totp, users
from authpool.domain.context import Services
from authpool.domain.errors import (
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    SoftwareTokenMFANotFoundException,
    TooManyRequestsException,
    UserNotFoundException,
)
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord

SMS = "SMS_MFA"
TOTP = "SOFTWARE_TOKEN_MFA"
EMAIL = "EMAIL_OTP"
FACTORS = (SMS, TOTP, EMAIL)  # the order Cognito lists them in

TOTP_NOT_ENABLED = "Software Token MFA has not been enabled by the userPool."
NOT_ASSOCIATED = "User has not associated a software token."
TOTP_NOT_SET_UP = "User has not set up software token mfa"
CODE_MISMATCH = "Code mismatch and fail enable Software Token MFA"
# Cognito's answer to turning a factor on for a user who cannot receive it (quoted for SMS and
# TOTP in public reports of real responses; the e-mail wording follows the same pattern).
NO_DELIVERY = "User does not have delivery config set to turn on {factor}"


# settings --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """A user's MFA settings, read from and written to the user's ``mfa`` column."""

    enabled: tuple[str, ...] = ()
    preferred: str | None = None
    totp_secret: str | None = None  # sealed
    totp_name: str | None = None
    totp_pending: str | None = None  # sealed
    extra: dict[str, Any] = field(default_factory=dict)  # keys this module does not own

    @classmethod
    def of(cls, user: UserRecord) -> Settings:
        mfa = dict(user.mfa)
        listed = mfa.pop("enabled", None) or []
        enabled = tuple(f for f in FACTORS if f in listed)
        token = mfa.pop("totp", None) or {}
        return cls(
            enabled=enabled,
            preferred=mfa.pop("preferred", None),
            totp_secret=token.get("secret"),
            totp_name=token.get("name"),
            totp_pending=mfa.pop("totp_pending", None),
            extra=mfa,
        )

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.extra, "enabled": list(self.enabled)}
        if self.preferred:
            out["preferred"] = self.preferred
        if self.totp_secret:
            out["totp"] = {"secret": self.totp_secret, "name": self.totp_name}
        if self.totp_pending:
            out["totp_pending"] = self.totp_pending
        return out

    def enable(self, factor: str, *, on: bool = True) -> Settings:
        enabled = {*self.enabled, factor} if on else set(self.enabled) - {factor}
        preferred = self.preferred if self.preferred in enabled else None
        return replace(self, enabled=tuple(f for f in FACTORS if f in enabled), preferred=preferred)


# How many times a settings change is recomputed when another change of the same user's
# settings lands between its read and its write; past that the caller is told to retry.
UPDATE_ATTEMPTS = 20
BUSY = "Too many concurrent changes to the user's MFA settings; please retry."


def update(
    svc: Services, user: UserRecord, change: Callable[[UserRecord, Settings], Settings]
) -> UserRecord:
    """Apply ``change`` to the user's settings atomically: the new settings are written only
    if nobody changed them since they were read (compare-and-set on ``mfa_version``); else
    the user is read again and ``change`` — checks included — runs on what is there now.
    So two concurrent SetUserMFAPreference calls both take effect, never one over the other."""
    for _ in range(UPDATE_ATTEMPTS):
        settings = change(user, Settings.of(user))
        updated = svc.store.update_user_mfa(
            user.sub,
            settings.as_json(),
            expected_version=user.mfa_version,
            updated_at=svc.clock.now(),
        )
        if updated is not None:
            return updated
        fresh = svc.store.get_user_by_sub(user.sub)
        if fresh is None:
            raise UserNotFoundException("User does not exist.")
        user = fresh
    raise TooManyRequestsException(BUSY)


def user_settings(user: UserRecord) -> dict[str, Any]:
    """UserMFASettingList, PreferredMfaSetting and the legacy MFAOptions, as GetUser and
    AdminGetUser report them."""
    settings = Settings.of(user)
    out: dict[str, Any] = {}
    if settings.enabled:
        out["user_mfa_setting_list"] = list(settings.enabled)
    if settings.preferred:
        out["preferred_mfa_setting"] = settings.preferred
    if SMS in settings.enabled:
        out["mfa_options"] = [{"delivery_medium": "SMS", "attribute_name": "phone_number"}]
    return out


# what the pool offers, what the user can receive ------------------------------------------------
def pool_factors(pool: Pool) -> tuple[str, ...]:
    cfg = pool.config
    offered = {  # SMS and e-mail: the block's presence (an empty one too) is the switch
        SMS: cfg.get("sms_mfa_configuration") is not None,
        TOTP: bool((cfg.get("software_token_mfa_configuration") or {}).get("enabled")),
        EMAIL: cfg.get("email_mfa_configuration") is not None,
    }
    return tuple(f for f in FACTORS if offered[f])


Reachable = Callable[[Pool, UserRecord, Settings], bool]
REACHABLE: dict[str, Reachable] = {
    SMS: lambda pool, user, s: (
        SMS in pool_factors(pool) and bool(user.attributes.get("phone_number"))
    ),
    TOTP: lambda pool, user, s: s.totp_secret is not None,
    EMAIL: lambda pool, user, s: EMAIL in pool_factors(pool) and bool(user.attributes.get("email")),
}


@dataclass(frozen=True)
class Requirement:
    """What a sign-in must ask for: one of ``choices``, or (when there are none) that the
    user set up one of ``setup``."""

    choices: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()


def requirement(pool: Pool, user: UserRecord) -> Requirement | None:
    mode = pool.mfa_configuration
    if mode == "OFF":
        return None
    settings = Settings.of(user)
    usable = tuple(f for f in settings.enabled if REACHABLE[f](pool, user, settings))
    if settings.preferred in usable:
        return Requirement(choices=(str(settings.preferred),))
    if usable:
        return Requirement(choices=usable)
    if mode != "ON":
        return None
    if REACHABLE[SMS](pool, user, settings):
        return Requirement(choices=(SMS,))
    return Requirement(setup=pool_factors(pool))


# preferences ------------------------------------------------------------------------------------
# SetUserMFAPreference's settings, by the factor each one is about.
PREFERENCE_KEYS = {
    "sms_mfa_settings": SMS,
    "software_token_mfa_settings": TOTP,
    "email_mfa_settings": EMAIL,
}


def _can_enable_sms(pool: Pool, user: UserRecord, settings: Settings) -> None:
    if not user.attributes.get("phone_number"):
        raise InvalidParameterException(NO_DELIVERY.format(factor=SMS))


def _can_enable_totp(pool: Pool, user: UserRecord, settings: Settings) -> None:
    if settings.totp_secret is None:
        raise InvalidParameterException(NO_DELIVERY.format(factor=TOTP))


def _can_enable_email(pool: Pool, user: UserRecord, settings: Settings) -> None:
    if EMAIL not in pool_factors(pool):
        raise InvalidParameterException("Email MFA is not enabled for the user pool.")
    if not user.attributes.get("email"):
        raise InvalidParameterException(NO_DELIVERY.format(factor=EMAIL))


CAN_ENABLE: dict[str, Callable[[Pool, UserRecord, Settings], None]] = {
    SMS: _can_enable_sms,
    TOTP: _can_enable_totp,
    EMAIL: _can_enable_email,
}


def _apply(
    pool: Pool, user: UserRecord, settings: Settings, factor: str, given: Mapping[str, Any]
) -> Settings:
    preferred = given.get("preferred_mfa")
    on = given.get("enabled")
    if on is None:
        on = factor in settings.enabled or bool(preferred)
    if preferred and not on:
        raise InvalidParameterException("A disabled MFA type cannot be the preferred one.")
    if on and factor not in settings.enabled:
        CAN_ENABLE[factor](pool, user, settings)
    settings = settings.enable(factor, on=bool(on))
    if preferred:
        return replace(settings, preferred=factor)
    if preferred is False and settings.preferred == factor:
        return replace(settings, preferred=None)
    return settings


def set_preference(svc: Services, pool: Pool, user: UserRecord, params: Mapping[str, Any]) -> None:
    """Apply SetUserMFAPreference's settings (snake_case) to ``user``."""
    given = {f: params[k] for k, f in PREFERENCE_KEYS.items() if params.get(k) is not None}
    if sum(1 for g in given.values() if g.get("preferred_mfa")) > 1:
        raise InvalidParameterException("Only one MFA type can be set as preferred.")

    def change(user: UserRecord, settings: Settings) -> Settings:
        for factor, setting in given.items():
            settings = _apply(pool, user, settings, factor, setting)
        return settings

    update(svc, user, change)


def set_user_mfa_preference(svc: Services, access_token: str, params: Mapping[str, Any]) -> None:
    bearer = grants.authenticate(svc, access_token)
    set_preference(svc, bearer.pool, bearer.user, params)


def admin_set_user_mfa_preference(
    svc: Services, pool_id: str, username: str, params: Mapping[str, Any]
) -> None:
    pool = get_pool(svc, pool_id)
    set_preference(svc, pool, users.require_user(svc, pool, username), params)


def set_options(
    svc: Services, pool: Pool, user: UserRecord, options: list[Mapping[str, Any]]
) -> None:
    """The legacy MFAOptions: an SMS option for ``phone_number`` turns SMS MFA on, an empty
    list turns it off; no other option exists any more."""
    for option in options:
        if option.get("delivery_medium") != "SMS":
            raise InvalidParameterException("Only SMS can be set as an MFA option.")
        if option.get("attribute_name", "phone_number") != "phone_number":
            raise InvalidParameterException("The SMS MFA option must use phone_number.")

    def change(user: UserRecord, settings: Settings) -> Settings:
        if options and SMS not in settings.enabled:
            _can_enable_sms(pool, user, settings)
        return settings.enable(SMS, on=bool(options))

    update(svc, user, change)


def set_user_settings(svc: Services, access_token: str, options: list[Mapping[str, Any]]) -> None:
    bearer = grants.authenticate(svc, access_token)
    set_options(svc, bearer.pool, bearer.user, options)


def admin_set_user_settings(
    svc: Services, pool_id: str, username: str, options: list[Mapping[str, Any]]
) -> None:
    pool = get_pool(svc, pool_id)
    set_options(svc, pool, users.require_user(svc, pool, username), options)


# software tokens, registered with an access token -----------------------------------------------
def require_totp_offered(pool: Pool) -> None:
    if TOTP not in pool_factors(pool):
        raise SoftwareTokenMFANotFoundException(TOTP_NOT_ENABLED)


def associate_software_token(svc: Services, access_token: str) -> dict[str, Any]:
    """A new secret for the signed-in user. As in Cognito, associating drops the user's
    current authenticator at once: until the new one is verified, TOTP is off for them."""
    bearer = grants.authenticate(svc, access_token)
    require_totp_offered(bearer.pool)
    secret = totp.new_secret(svc)
    pending = totp.seal(svc, secret)
    update(
        svc,
        bearer.user,
        lambda user, settings: replace(
            settings.enable(TOTP, on=False),
            totp_secret=None,
            totp_name=None,
            totp_pending=pending,
        ),
    )
    return {"secret_code": secret}


def verify_software_token(
    svc: Services, access_token: str, code: str, friendly_name: str | None
) -> dict[str, Any]:
    """Register the associated authenticator once it produces a right code. The user still
    turns TOTP on with SetUserMFAPreference (as in Cognito)."""
    bearer = grants.authenticate(svc, access_token)
    require_totp_offered(bearer.pool)
    pending = Settings.of(bearer.user).totp_pending
    if pending is None:
        raise SoftwareTokenMFANotFoundException(NOT_ASSOCIATED)
    if not totp.accept(svc, bearer.user.sub, totp.unseal(svc, pending), code):
        raise EnableSoftwareTokenMFAException(CODE_MISMATCH)

    def register(user: UserRecord, settings: Settings) -> Settings:
        if settings.totp_pending != pending:  # associated anew meanwhile: that one waits
            raise SoftwareTokenMFANotFoundException(NOT_ASSOCIATED)
        return replace(settings, totp_secret=pending, totp_name=friendly_name, totp_pending=None)

    update(svc, bearer.user, register)
    return {"status": "SUCCESS"}
