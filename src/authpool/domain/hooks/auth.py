"""PreAuthentication, PostAuthentication and UserMigration.

PreAuthentication runs when a sign-in starts (InitiateAuth and AdminInitiateAuth with a
password, SRP or custom flow), before any password is checked; ``validationData`` carries
the ClientMetadata of that call. For a user that does not exist it runs only when the app
client prevents user existence errors, with ``userNotFound: true``.

PostAuthentication runs once the sign-in has succeeded, before tokens are made; it receives
ClientMetadata only from RespondToAuthChallenge (Cognito leaves InitiateAuth's out).

UserMigration runs when a sign-in with a password (USER_PASSWORD_AUTH,
ADMIN_USER_PASSWORD_AUTH) or ForgotPassword names a user the pool does not have. A handler
that raises means "not in the legacy directory either": the caller gets the usual unknown
user answer. SRP sign-in cannot migrate (the server never sees the password), as on Cognito.
The migrated user is stored as the answer says, as Cognito does:

* the password just given, *not* checked against the pool's password policy (Cognito
  accepts it so that the migration goes through; a handler that wants the policy enforced
  answers ``finalUserStatus: RESET_REQUIRED``);
* ``finalUserStatus``: CONFIRMED (the default) or RESET_REQUIRED, which refuses this very
  sign-in with PasswordResetRequiredException; ForgotPassword, which has no password,
  always stores RESET_REQUIRED;
* ``userAttributes`` under the pool's schema; ``forceAliasCreation`` takes a sign-in alias
  over from the user who holds it (else AliasExistsException); ``enableSMSMFA`` turns SMS
  MFA on and needs a ``phone_number`` (without one the migration fails);
* ``messageAction`` (SUPPRESS or RESEND) and ``desiredDeliveryMediums`` (EMAIL, SMS) are
  AdminCreateUser's own settings, checked as AdminCreateUser checks them: a medium asked
  for needs its attribute unless the message is suppressed. Cognito then sends a welcome
  message that it does not document; authpool sends none, because its only counterpart,
  the invitation, carries a password — which for a migrated user would be the password the
  user just typed, in clear text in a mail, an SMS and the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from authpool.domain import admin_users, ids, passwords, users
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidLambdaResponseException,
    InvalidParameterException,
    UserLambdaValidationException,
    UsernameExistsException,
)
from authpool.domain.hooks.invoke import (
    call,
    configured,
    event,
    flag,
    string_list,
    string_map,
    text,
    unrecognizable,
    user_attributes,
    with_metadata,
)
from authpool.domain.hooks.sign_up import insert_user
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

log = logging.getLogger("authpool.triggers")

MIGRATE_AT_SIGN_IN = "UserMigration_Authentication"
MIGRATE_AT_FORGOT_PASSWORD = "UserMigration_ForgotPassword"
MIGRATION_ANSWER = (
    "userAttributes",
    "forceAliasCreation",
    "enableSMSMFA",
    "finalUserStatus",
    "messageAction",
    "desiredDeliveryMediums",
)
_MESSAGE_ACTIONS = (None, "SUPPRESS", "RESEND")
_FINAL_STATUS = {
    None: users.CONFIRMED,
    "CONFIRMED": users.CONFIRMED,
    "RESET_REQUIRED": users.RESET_REQUIRED,
}


def pre_authentication(
    svc: Services,
    pool: Pool,
    client: Client,
    *,
    name: str,
    user: UserRecord | None,
    validation_data: Mapping[str, str] | None,
) -> None:
    """Run PreAuthentication; a refusal raises UserLambdaValidationException."""
    trigger = "PreAuthentication"
    hide = client.prevent_user_existence_errors
    if not configured(pool, trigger) or (user is None and not hide):
        return
    request: dict[str, Any] = {"userAttributes": user_attributes(pool, user) if user else {}}
    with_metadata(request, "validationData", validation_data)
    if hide:
        request["userNotFound"] = user is None
    call(
        svc,
        pool,
        trigger,
        event(
            svc,
            pool,
            source="PreAuthentication_Authentication",
            user_name=user.username if user else name,
            client_id=client.id,
            request=request,
            response={},
        ),
    )


def post_authentication(
    svc: Services,
    pool: Pool,
    client: Client,
    user: UserRecord,
    *,
    client_metadata: Mapping[str, str] | None,
) -> None:
    """Run PostAuthentication; a failure ends the sign-in without tokens."""
    trigger = "PostAuthentication"
    if not configured(pool, trigger):
        return
    request = with_metadata(
        {"userAttributes": user_attributes(pool, user), "newDeviceUsed": False},
        "clientMetadata",
        client_metadata,
    )
    call(
        svc,
        pool,
        trigger,
        event(
            svc,
            pool,
            source="PostAuthentication_Authentication",
            user_name=user.username,
            client_id=client.id,
            request=request,
            response={},
        ),
    )


# user migration ------------------------------------------------------------------------------
def migrate_user(
    svc: Services,
    pool: Pool,
    client: Client,
    name: str,
    *,
    password: str | None,
    validation_data: Mapping[str, str] | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> UserRecord | None:
    """Ask UserMigration for a user the pool does not have; store and return it, or
    ``None`` when there is no trigger or the legacy directory does not know the user either.

    ``password`` is the password of a sign-in (``UserMigration_Authentication``); ``None``
    means ForgotPassword (``UserMigration_ForgotPassword``).
    """
    trigger = "UserMigration"
    if not configured(pool, trigger):
        return None
    source = MIGRATE_AT_SIGN_IN if password is not None else MIGRATE_AT_FORGOT_PASSWORD
    request: dict[str, Any] = {} if password is None else {"password": password}
    with_metadata(request, "validationData", validation_data)
    with_metadata(request, "clientMetadata", client_metadata)
    payload = event(
        svc,
        pool,
        source=source,
        user_name=name,
        client_id=client.id,
        request=request,
        response=dict.fromkeys(MIGRATION_ANSWER),
    )
    try:
        response = call(svc, pool, trigger, payload)
    except UserLambdaValidationException as exc:
        log.info("UserMigration of pool %s did not migrate %r: %s", pool.id, name, exc.message)
        return None
    attrs = string_map(response, "userAttributes", name=trigger, pool=pool)
    if not attrs:
        return None
    status = text(response, "finalUserStatus", name=trigger, pool=pool)
    if status not in _FINAL_STATUS:
        raise InvalidLambdaResponseException(f"Invalid finalUserStatus: {status}")
    return _store_migrated(
        svc,
        pool,
        name,
        attrs,
        password=password,
        status=_FINAL_STATUS[status] if password is not None else users.RESET_REQUIRED,
        force_alias=flag(response, "forceAliasCreation", name=trigger, pool=pool),
        sms_mfa=flag(response, "enableSMSMFA", name=trigger, pool=pool),
        message=_message_settings(pool, response),
    )


def _message_settings(pool: Pool, response: Mapping[str, Any]) -> tuple[bool, list[str] | None]:
    """Whether a welcome message is due, and its desired delivery mediums (None: the
    default, SMS to a phone number, else e-mail)."""
    trigger = "UserMigration"
    action = text(response, "messageAction", name=trigger, pool=pool)
    if action not in _MESSAGE_ACTIONS:
        raise unrecognizable(trigger, pool, f"messageAction {action!r}")
    desired = string_list(
        response.get("desiredDeliveryMediums"), "desiredDeliveryMediums", name=trigger, pool=pool
    )
    if desired is not None and not set(desired) <= set(admin_users.CHANNELS):
        raise unrecognizable(trigger, pool, f"desiredDeliveryMediums {desired!r}")
    return action != "SUPPRESS", desired or None


def _migrated_attributes(pool: Pool, name: str, given: dict[str, str]) -> dict[str, str]:
    attrs = {k: v for k, v in given.items() if k != "sub" and not k.startswith("cognito:")}
    if "email" in pool.username_attributes and "@" in name:
        attrs.setdefault("email", name)
    elif "phone_number" in pool.username_attributes and name.startswith("+"):
        attrs.setdefault("phone_number", name)
    try:
        return users.check_attributes(pool, None, attrs, creating=True, admin=True)
    except InvalidParameterException as exc:
        raise InvalidLambdaResponseException(
            f"UserMigration answered attributes the pool refuses: {exc.message}"
        ) from None


def _store_migrated(
    svc: Services,
    pool: Pool,
    name: str,
    given: dict[str, str],
    *,
    password: str | None,
    status: str,
    force_alias: bool,
    sms_mfa: bool,
    message: tuple[bool, list[str] | None],
) -> UserRecord:
    attrs = _migrated_attributes(pool, name, given)
    if sms_mfa and not attrs.get("phone_number"):
        raise InvalidLambdaResponseException(
            "UserMigration answered enableSMSMFA without a phone_number attribute"
        )
    due, desired = message
    if due:  # each medium asked for needs its attribute, as in AdminCreateUser
        admin_users.invitation_mediums(pool, attrs, desired)
    sub = ids.user_sub(svc.token_bytes)
    username = sub if pool.username_attributes else name
    stored = (
        passwords.store(svc, pool_name=pool.pool_name, user_id=username, password=password)
        if password is not None
        else None
    )
    now = svc.clock.now()
    user = UserRecord(
        sub=sub,
        pool_id=pool.id,
        username=username,
        username_key=users.username_key(pool, username),
        status=status,
        enabled=True,
        attributes=attrs,
        created_at=now,
        updated_at=now,
        salt=stored.salt if stored else None,
        verifier_sealed=stored.verifier_sealed if stored else None,
        mfa={"enabled": ["SMS_MFA"], "preferred": "SMS_MFA"} if sms_mfa else {},
        password_changed_at=now if stored else None,
    )
    aliases = users.sign_in_aliases(pool, attrs, verified_only=True)
    try:
        insert_user(svc, pool, user, aliases, take_over=aliases if force_alias else ())
    except UsernameExistsException:
        # Another request migrated the same user first: continue with that one.
        found = users.find_user(svc, pool, name)
        if found is None:
            raise
        return found
    log.info("UserMigration of pool %s migrated %r", pool.id, name)
    return user
