"""AdminCreateUser: an administrator creates a user with a temporary password and (unless
told not to) sends the invitation.

The user starts in FORCE_CHANGE_PASSWORD; the temporary password — the one given, which must
meet the pool's policy, or a generated one — signs in until the pool's
TemporaryPasswordValidityDays run out, and only to choose a new password
(NEW_PASSWORD_REQUIRED). The invitation uses the pool's InviteMessageTemplate (``{username}``,
and ``{####}`` for the temporary password; a template without ``{####}`` is not sent, as in
Cognito) over the DesiredDeliveryMediums: by default SMS to the phone number, else e-mail;
a medium asked for explicitly needs its attribute. ``MessageAction`` SUPPRESS sends nothing;
RESEND gives an existing FORCE_CHANGE_PASSWORD user a new temporary password, a new validity
period and the invitation again. Attributes are the admin's to set, ``email_verified`` and
``phone_number_verified`` included (which make the address a sign-in alias where the pool has
alias attributes; ForceAliasCreation takes one over from another user). Required attributes
may be left for the user to give at their first sign-in.
"""

from __future__ import annotations

from typing import Any

from authpool.domain import codes, credentials, ids, passwords, templates, users
from authpool.domain.context import Services
from authpool.domain.errors import (
    AliasExistsException,
    CognitoError,
    InvalidParameterException,
    UnsupportedUserStateException,
    UsernameExistsException,
    UserNotFoundException,
)
from authpool.domain.hooks import sign_up as signup_hooks
from authpool.domain.messages import Purpose
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord

EXISTS = "User account already exists"
CHANNELS = {"EMAIL": ("email", "Email"), "SMS": ("phone_number", "SMS")}


# the user ---------------------------------------------------------------------------------------
def _name_and_attributes(
    pool: Pool, name: str, given: dict[str, str]
) -> tuple[str | None, dict[str, str]]:
    """The username to store (None: the sub, in a pool that signs in by e-mail or phone) and
    the attributes, with the e-mail or phone number the name stands for."""
    if not pool.username_attributes:
        if ("email" in pool.alias_attributes and "@" in name) or (
            "phone_number" in pool.alias_attributes and name.startswith("+")
        ):
            raise InvalidParameterException(
                "Username cannot be of email format, since user pool is configured for email alias."
            )
        return name, given
    if "email" in pool.username_attributes and "@" in name:
        return None, {**given, "email": given.get("email", name)}
    if "phone_number" in pool.username_attributes and name.startswith("+"):
        return None, {**given, "phone_number": given.get("phone_number", name)}
    kinds = " or ".join(
        "email" if a == "email" else "phone number" for a in pool.username_attributes
    )
    raise InvalidParameterException(f"Username should be either an {kinds}.")


def _check_verified_flags(attrs: dict[str, str]) -> None:
    for attribute, flag in users.VERIFIED_FLAG.items():
        if attrs.get(flag) == "true" and not attrs.get(attribute):
            raise InvalidParameterException(
                f"{flag} cannot be true without a value for {attribute}."
            )


def _take_alias(svc: Services, pool: Pool, key: str, *, force: bool) -> None:
    """Make ``key`` free for a new user: refuse, or (ForceAliasCreation) move it, the old
    holder's attribute no longer verified."""
    holder = svc.store.get_user_by_alias(pool.id, key)
    if holder is None:
        return
    attribute = key.split(":", 1)[0]
    label = "email" if attribute == "email" else "phone number"
    if pool.username_attributes:
        raise UsernameExistsException(f"An account with the given {label} already exists.")
    if not force:
        raise AliasExistsException(f"An account with the given {label} already exists.")
    attrs = dict(holder.attributes)
    flag = users.VERIFIED_FLAG.get(attribute)
    if flag:
        attrs[flag] = "false"
    svc.store.update_user(
        holder.sub, attributes=attrs, updated_at=svc.clock.now(), remove_aliases=(key,)
    )


def describe(user: UserRecord) -> dict[str, Any]:
    """The ``User`` of AdminCreateUser's answer."""
    return {
        "username": user.username,
        "attributes": users.as_list({"sub": user.sub, **user.attributes}),
        "user_create_date": user.created_at,
        "user_last_modified_date": user.updated_at,
        "enabled": user.enabled,
        "user_status": user.status,
    }


# the invitation -----------------------------------------------------------------------------------
def invitation_mediums(pool: Pool, attrs: dict[str, str], desired: list[str] | None) -> list[str]:
    """The mediums to invite by. Given explicitly, each needs its attribute; by default SMS to
    a phone number, else e-mail to an address, else none."""
    if desired is None:
        return next(([m] for m in ("SMS", "EMAIL") if attrs.get(CHANNELS[m][0])), [])
    for medium in desired:
        attribute, label = CHANNELS[medium]
        if not attrs.get(attribute):
            raise InvalidParameterException(
                f"No {attribute} provided but desired delivery medium was {label}"
            )
    return list(dict.fromkeys(desired))


def _invite(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    password: str,
    mediums: list[str],
    client_metadata: dict[str, str] | None = None,
) -> None:
    template = (pool.config.get("admin_create_user_config") or {}).get("invite_message_template")
    template = template or {}
    for medium in mediums:
        attribute = CHANNELS[medium][0]
        if medium == "SMS":
            body, subject = template.get("sms_message") or templates.DEFAULT_INVITE_MESSAGE, None
        else:
            body = template.get("email_message") or templates.DEFAULT_INVITE_MESSAGE
            subject = template.get("email_subject") or templates.DEFAULT_INVITE_EMAIL_SUBJECT
        if templates.CODE_PLACEHOLDER not in body:
            continue  # Cognito does not deliver an invitation that cannot carry the password
        codes.deliver(
            svc,
            pool,
            user,
            users.Destination(attribute, medium, user.attributes[attribute]),
            purpose=Purpose.ADMIN_CREATE_USER,
            code=password,
            body_template=body,
            subject=subject,
            client_metadata=client_metadata,
        )


# the operation ----------------------------------------------------------------------------------
def _temporary_password(svc: Services, pool: Pool, given: str | None) -> str:
    if given:
        passwords.check_policy(pool.password_policy, given)
        return given
    return credentials.generate_temporary_password(svc, pool.password_policy)


def _new_user(svc: Services, pool: Pool, params: dict[str, Any], password: str) -> UserRecord:
    given = users.attribute_list(params.get("user_attributes"))
    name, given = _name_and_attributes(pool, params["username"], given)
    attrs = users.check_attributes(pool, None, given, creating=True, admin=True)
    _check_verified_flags(attrs)
    sub = ids.user_sub(svc.token_bytes)
    username = name if name is not None else sub
    stored = passwords.store(svc, pool_name=pool.pool_name, user_id=username, password=password)
    now = svc.clock.now()
    return UserRecord(
        sub=sub,
        pool_id=pool.id,
        username=username,
        username_key=users.username_key(pool, username),
        status=users.FORCE_CHANGE_PASSWORD,
        enabled=True,
        attributes=attrs,
        created_at=now,
        updated_at=now,
        salt=stored.salt,
        verifier_sealed=stored.verifier_sealed,
        password_changed_at=now,
        temp_password_expires_at=credentials.temporary_expiry(svc, pool),
    )


def _create(svc: Services, pool: Pool, params: dict[str, Any]) -> dict[str, Any]:
    password = _temporary_password(svc, pool, params.get("temporary_password"))
    user = _new_user(svc, pool, params, password)
    suppress = params.get("message_action") == "SUPPRESS"
    mediums = (
        []
        if suppress
        else invitation_mediums(pool, user.attributes, params.get("desired_delivery_mediums"))
    )
    if svc.store.get_user(pool.id, user.username_key) is not None:
        raise UsernameExistsException(EXISTS)
    signup_hooks.pre_sign_up(  # its answer's flags are ignored for AdminCreateUser
        svc,
        pool,
        client_id=None,
        username=user.username,
        attributes=user.attributes,
        validation_data=users.attribute_list(params.get("validation_data")),
        client_metadata=params.get("client_metadata"),
        source=signup_hooks.ADMIN_CREATE_USER,
    )
    aliases = users.sign_in_aliases(pool, user.attributes, verified_only=True)
    for key in aliases:
        _take_alias(svc, pool, key, force=bool(params.get("force_alias_creation")))
    try:
        svc.store.insert_user(user, aliases)
    except UsernameExistsException as exc:
        raise UsernameExistsException(EXISTS) from exc
    try:
        _invite(svc, pool, user, password, mediums, params.get("client_metadata"))
    except CognitoError:  # delivery, or a CustomMessage/custom sender trigger, failed
        svc.store.delete_user(user.sub)  # nothing half-written
        raise
    return {"user": describe(user)}


def _resend(svc: Services, pool: Pool, params: dict[str, Any]) -> dict[str, Any]:
    user = users.find_user(svc, pool, params["username"])
    if user is None:
        raise UserNotFoundException("User does not exist.")
    if user.status != users.FORCE_CHANGE_PASSWORD:
        raise UnsupportedUserStateException(
            f"Resend not possible. {user.username} status is not FORCE_CHANGE_PASSWORD."
        )
    password = _temporary_password(svc, pool, params.get("temporary_password"))
    mediums = invitation_mediums(pool, user.attributes, params.get("desired_delivery_mediums"))
    _invite(svc, pool, user, password, mediums, params.get("client_metadata"))
    user = credentials.set_password(svc, pool, user, password, temporary=True)
    return {"user": describe(user)}


ACTIONS = {None: _create, "SUPPRESS": _create, "RESEND": _resend}


def admin_create_user(svc: Services, params: dict[str, Any]) -> dict[str, Any]:
    pool = get_pool(svc, params["user_pool_id"])
    return ACTIONS[params.get("message_action")](svc, pool, params)
