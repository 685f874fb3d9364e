"""Password reset by code: ForgotPassword and ConfirmForgotPassword (the user, through an app
client), and AdminResetUserPassword (an administrator).

The code (``FORGOT_PASSWORD`` purpose: six digits, one hour, five attempts) goes to a
*verified* e-mail address or phone number, chosen by the pool's AccountRecoverySetting: its
mechanisms in priority order, the first the user has verified. Without that setting Cognito's
older rule holds: the phone when verified, else the e-mail. ``admin_only`` leaves the user
no self-service reset. The message is the pool's code verification template, or Cognito's
password-reset text when the pool has none.

A user in RESET_REQUIRED (after AdminResetUserPassword) is refused at sign-in with
PasswordResetRequiredException until ConfirmForgotPassword sets a new password; so is a
sign-in with any other status that the reset does not cover (FORCE_CHANGE_PASSWORD users
have no password of their own to reset).

Neither a reset nor the new password it leads to ends the user's sessions, as in Cognito:
its ways of revoking refresh tokens are RevokeToken, the revocation endpoint, GlobalSignOut,
AdminUserGlobalSignOut and disabling the user (developer guide, "Ending user sessions with
token revocation"); AdminResetUserPassword and ConfirmForgotPassword are not among them, and
signing other sessions out after forgotPasswordSubmit is an open Amplify feature request
(aws-amplify/amplify-js#6559) whose answer is to call GlobalSignOut. An administrator who
wants the user signed out calls AdminUserGlobalSignOut.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from authpool.domain import (
    breached,
    codes,
    credentials,
    limits,
    passwords,
    templates,
    users,
)
from authpool.domain.context import Services
from authpool.domain.errors import (
    CodeMismatchException,
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    UserNotFoundException,
)
from authpool.domain.flows.sign_up import caller, simulated_delivery
from authpool.domain.hooks import auth as auth_hooks
from authpool.domain.hooks import sign_up as signup_hooks
from authpool.domain.messages import Purpose
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord

PURPOSE = "FORGOT_PASSWORD"
NOT_FOUND = "Username/client id combination not found."
NO_CHANNEL = (
    "Cannot reset password for the user as there is no registered/verified email or phone_number"
)
WRONG_STATE = "User password cannot be reset in the current state."
# Reset codes a user may be sent per window (each one is a message to their phone or inbox).
SENDS_PER_WINDOW = 5
SEND_WINDOW = timedelta(hours=1)

# A recovery mechanism's name → where its code goes.
MECHANISMS = {
    "verified_phone_number": ("phone_number", "SMS"),
    "verified_email": ("email", "EMAIL"),
}
LEGACY_ORDER = ("verified_phone_number", "verified_email")
# Statuses a reset cannot start from.
NOT_RESETTABLE = frozenset({users.FORCE_CHANGE_PASSWORD, users.UNCONFIRMED})


def recovery_order(pool: Pool) -> tuple[str, ...]:
    setting = pool.config.get("account_recovery_setting") or {}
    mechanisms = setting.get("recovery_mechanisms") or []
    if not mechanisms:
        return LEGACY_ORDER
    ranked = sorted(mechanisms, key=lambda m: int(m.get("priority", 0)))
    return tuple(str(m.get("name")) for m in ranked)


def destination(order: tuple[str, ...], user: UserRecord) -> users.Destination | None:
    """The first mechanism of ``order`` that ``user`` has verified, as a destination."""
    for name in order:
        channel = MECHANISMS.get(name)
        if channel is None:
            continue
        attribute, medium = channel
        value = user.attributes.get(attribute)
        if value and user.attributes.get(users.VERIFIED_FLAG[attribute]) == "true":
            return users.Destination(attribute, medium, value)
    return None


def _message(pool: Pool, medium: str) -> tuple[str, str | None]:
    template = pool.config.get("verification_message_template") or {}
    if medium == "SMS":
        return template.get("sms_message") or templates.DEFAULT_FORGOT_PASSWORD_MESSAGE, None
    return (
        template.get("email_message") or templates.DEFAULT_FORGOT_PASSWORD_MESSAGE,
        template.get("email_subject") or templates.DEFAULT_FORGOT_PASSWORD_SUBJECT,
    )


def send_code(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    where: users.Destination,
    *,
    client_id: str | None = None,
    client_metadata: dict[str, str] | None = None,
) -> dict[str, str]:
    """Issue and send a reset code (a bounded number per user and window)."""
    label, until = limits.window(svc, SEND_WINDOW)
    if (
        limits.claim(
            svc, f"reset-code\x00{user.sub}\x00{label}", limit=SENDS_PER_WINDOW, until=until
        )
        is None
    ):
        raise LimitExceededException(credentials.LIMIT)
    code = codes.issue(svc, user, PURPOSE, where)
    body, subject = _message(pool, where.medium)
    return codes.deliver(
        svc,
        pool,
        user,
        where,
        purpose=Purpose.FORGOT_PASSWORD,
        code=code,
        body_template=body,
        subject=subject,
        client_id=client_id,
        client_metadata=client_metadata,
    ).as_dict()


def _resettable(user: UserRecord) -> None:
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if user.status in NOT_RESETTABLE:
        raise NotAuthorizedException(WRONG_STATE)


def forgot_password(svc: Services, params: dict[str, Any]) -> dict[str, Any]:
    who = caller(svc, params["client_id"], params.get("secret_hash"), params["username"])
    metadata = params.get("client_metadata")
    user = users.find_user(svc, who.pool, params["username"])
    if user is None:  # UserMigration may bring the user over (RESET_REQUIRED, no password)
        user = auth_hooks.migrate_user(
            svc, who.pool, who.client, params["username"], password=None, client_metadata=metadata
        )
    if user is None:
        if who.client.prevent_user_existence_errors:
            return {"code_delivery_details": simulated_delivery(who.pool, params["username"])}
        raise UserNotFoundException(NOT_FOUND)
    _resettable(user)
    order = recovery_order(who.pool)
    if "admin_only" in order:
        raise NotAuthorizedException(WRONG_STATE)
    where = destination(order, user)
    if where is None:
        raise InvalidParameterException(NO_CHANNEL)
    return {
        "code_delivery_details": send_code(
            svc, who.pool, user, where, client_id=who.client.id, client_metadata=metadata
        )
    }


def confirm_forgot_password(svc: Services, params: dict[str, Any]) -> None:
    """The code proves the user; the new password (the pool's policy) takes effect and the
    user is CONFIRMED. As in Cognito, sessions already open stay open."""
    who = caller(svc, params["client_id"], params.get("secret_hash"), params["username"])
    user = users.find_user(svc, who.pool, params["username"])
    if user is None:
        if who.client.prevent_user_existence_errors:
            raise CodeMismatchException()
        raise UserNotFoundException(NOT_FOUND)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    passwords.check_policy(who.pool.password_policy, params["password"])
    breached.check(svc, who.pool, params["password"], event=breached.PASSWORD_CHANGE, user=user)
    # A password the history refuses must not use the code up; and it is checked only once
    # the code is known to be right, so that the refusal tells nothing to who lacks it.
    if codes.peek(svc, user, PURPOSE, params["confirmation_code"]) is not None:
        credentials.refuse_reuse(svc, who.pool, user, params["password"])
    codes.redeem(svc, user, PURPOSE, params["confirmation_code"])
    updated = credentials.set_password(svc, who.pool, user, params["password"])
    signup_hooks.post_confirmation(
        svc,
        who.pool,
        updated,
        client_id=who.client.id,
        client_metadata=params.get("client_metadata"),
        source=signup_hooks.CONFIRM_FORGOT_PASSWORD,
    )


def admin_reset_user_password(
    svc: Services, pool_id: str, username: str, client_metadata: dict[str, str] | None = None
) -> None:
    """RESET_REQUIRED and a reset code sent (as ForgotPassword would, whatever the recovery
    setting): the password no longer signs in. Tokens already issued stay valid."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    if user.status in NOT_RESETTABLE:
        raise NotAuthorizedException(WRONG_STATE)
    order = tuple(m for m in recovery_order(pool) if m in MECHANISMS) or LEGACY_ORDER
    where = destination(order, user)
    if where is None:
        raise InvalidParameterException(NO_CHANNEL)
    send_code(svc, pool, user, where, client_metadata=client_metadata)
    svc.store.update_user(user.sub, status=users.RESET_REQUIRED, updated_at=svc.clock.now())
