"""PreSignUp and PostConfirmation.

PreSignUp runs after the request is checked (attributes, password policy) and before the
user is stored, so a refusal leaves nothing behind. Its answer can confirm the user at once
(``autoConfirmUser``: no code is sent, and PostConfirmation runs straight away) and mark
the e-mail address or phone number verified (``autoVerifyEmail``/``autoVerifyPhone``; an
alias another user holds then moves to the new user, as ForceAliasCreation would move it).
For AdminCreateUser (``PreSignUp_AdminCreateUser``) Cognito ignores all three flags.

PostConfirmation runs after ConfirmSignUp, AdminConfirmSignUp, ConfirmForgotPassword and an
auto-confirmed sign-up. When it fails at ConfirmSignUp the user stays confirmed and the
caller gets the error, as on Cognito; when it fails during SignUp itself the new user is
removed again, so that the sign-up can simply be repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from authpool.domain import auth_events, users
from authpool.domain.context import Services
from authpool.domain.errors import AliasExistsException, CognitoError, InvalidParameterException
from authpool.domain.hooks.invoke import (
    call,
    configured,
    event,
    flag,
    user_attributes,
    with_metadata,
)
from authpool.domain.pools import Pool
from authpool.domain.records import AuthEventRecord, UserRecord

log = logging.getLogger("authpool.triggers")

SIGN_UP = "PreSignUp_SignUp"
ADMIN_CREATE_USER = "PreSignUp_AdminCreateUser"
CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
CONFIRM_FORGOT_PASSWORD = "PostConfirmation_ConfirmForgotPassword"


@dataclass(frozen=True)
class SignUpDecision:
    """What PreSignUp answered (all false when there is no trigger)."""

    confirm: bool = False
    verify_email: bool = False
    verify_phone: bool = False

    def apply(self, attrs: Mapping[str, str]) -> dict[str, str]:
        """The new user's attributes with the auto-verified ones marked verified."""
        out = dict(attrs)
        if self.verify_email:
            out["email_verified"] = "true"
        if self.verify_phone:
            out["phone_number_verified"] = "true"
        return out

    def status(self) -> str:
        return users.CONFIRMED if self.confirm else users.UNCONFIRMED

    def take_over(self, pool: Pool, attrs: Mapping[str, str]) -> tuple[str, ...]:
        """Alias keys the new user takes from whoever holds them (auto-verified alias
        attributes of a pool with AliasAttributes)."""
        verified = [
            a for a, on in (("email", self.verify_email), ("phone_number", self.verify_phone)) if on
        ]
        return tuple(
            users.alias_key(pool, a, attrs[a])
            for a in verified
            if a in pool.alias_attributes and attrs.get(a)
        )


def pre_sign_up(
    svc: Services,
    pool: Pool,
    *,
    client_id: str | None,
    username: str,
    attributes: Mapping[str, str],
    validation_data: Mapping[str, str] | None,
    client_metadata: Mapping[str, str] | None,
    source: str = SIGN_UP,
) -> SignUpDecision:
    """Run PreSignUp for a user about to be created; a refusal raises
    UserLambdaValidationException."""
    name = "PreSignUp"
    if not configured(pool, name):
        return SignUpDecision()
    request = with_metadata(
        {"userAttributes": dict(attributes), "validationData": dict(validation_data or {}) or None},
        "clientMetadata",
        client_metadata,
    )
    response = call(
        svc,
        pool,
        name,
        event(
            svc,
            pool,
            source=source,
            user_name=username,
            client_id=client_id,
            request=request,
            response={"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        ),
    )
    if source == ADMIN_CREATE_USER:
        return SignUpDecision()
    decision = SignUpDecision(
        confirm=flag(response, "autoConfirmUser", name=name, pool=pool),
        verify_email=flag(response, "autoVerifyEmail", name=name, pool=pool),
        verify_phone=flag(response, "autoVerifyPhone", name=name, pool=pool),
    )
    for wanted, attribute in (
        (decision.verify_email, "email"),
        (decision.verify_phone, "phone_number"),
    ):
        if wanted and not attributes.get(attribute):
            raise InvalidParameterException(
                f"{name} asked to verify {attribute} but the user has no {attribute}."
            )
    return decision


def insert_user(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    aliases: tuple[str, ...],
    *,
    take_over: tuple[str, ...] = (),
    event: AuthEventRecord | None = None,
) -> None:
    """Store a new user; aliases in ``take_over`` move from another holder to this user
    (whose attribute then counts as unverified), as Cognito moves an auto-verified alias.
    ``event`` (the user's first history event) is stored in the same transaction."""
    try:
        _insert(svc, user, aliases, event)
    except AliasExistsException:
        moved = [key for key in take_over if _release(svc, pool, key, keep=user.sub)]
        if not moved:
            raise
        _insert(svc, user, aliases, event)


def _insert(
    svc: Services, user: UserRecord, aliases: tuple[str, ...], event: AuthEventRecord | None
) -> None:
    if event is None:
        svc.store.insert_user(user, aliases)
        return
    try:
        with svc.store.atomic():
            svc.store.insert_user(user, aliases)
            auth_events.store(svc, event)
    except CognitoError:  # the name or an alias is taken: the user's answer, not the history's
        raise
    except Exception:  # the history is best effort: the user without it (raises if not at fault)
        svc.store.insert_user(user, aliases)
        auth_events.log.exception("could not record the SignUp event of %s", user.sub)


def _release(svc: Services, pool: Pool, key: str, *, keep: str) -> bool:
    holder = svc.store.get_user_by_alias(pool.id, key)
    if holder is None or holder.sub == keep:
        return False
    attrs = dict(holder.attributes)
    flag_name = users.VERIFIED_FLAG.get(key.split(":", 1)[0])
    if flag_name:
        attrs[flag_name] = "false"
    svc.store.update_user(
        holder.sub, attributes=attrs, updated_at=svc.clock.now(), remove_aliases=(key,)
    )
    return True


def post_confirmation(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    *,
    client_id: str | None,
    client_metadata: Mapping[str, str] | None,
    source: str = CONFIRM_SIGN_UP,
) -> None:
    """Run PostConfirmation for a user just confirmed (its answer carries nothing)."""
    name = "PostConfirmation"
    if not configured(pool, name):
        return
    request = with_metadata(
        {"userAttributes": user_attributes(pool, user)}, "clientMetadata", client_metadata
    )
    call(
        svc,
        pool,
        name,
        event(
            svc,
            pool,
            source=source,
            user_name=user.username,
            client_id=client_id,
            request=request,
            response={},
        ),
    )


def confirmed_at_sign_up(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    *,
    client_id: str,
    client_metadata: Mapping[str, str] | None,
) -> None:
    """PostConfirmation for a user PreSignUp confirmed; if it fails, the user is removed
    again (nothing half-written) and the error goes to the caller."""
    try:
        post_confirmation(svc, pool, user, client_id=client_id, client_metadata=client_metadata)
    except CognitoError:
        svc.store.delete_user(user.sub)
        raise
