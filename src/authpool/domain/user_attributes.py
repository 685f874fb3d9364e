"""Changing a user's attributes and verifying e-mail addresses and phone numbers:
UpdateUserAttributes, AdminUpdateUserAttributes, DeleteUserAttributes,
AdminDeleteUserAttributes, GetUserAttributeVerificationCode and VerifyUserAttribute.

What Cognito does, and so do we:

* A blank value deletes an attribute. Deleting ``email`` or ``phone_number`` deletes its
  ``*_verified`` flag too; a required attribute cannot be deleted.
* Writes obey the schema (known, mutable, typed, constrained), and a public call also the
  client's WriteAttributes; ``*_verified`` flags and ``dev:`` attributes are admin-only.
* A new e-mail address or phone number is unverified (``*_verified`` false) and, if the
  pool auto-verifies it, gets a code (UpdateUserAttributes reports where it went in
  CodeDeliveryDetailsList). An admin who sets ``*_verified`` to true in the same call
  skips the code.
* With the pool's AttributesRequireVerificationBeforeUpdate, a change to a *verified*
  address is held as pending: the old value stays in force (the user signs in and gets
  messages with it) until the code for the new one is given to VerifyUserAttribute (or an
  admin sets ``*_verified`` to true), and only then does the new value take its place. A
  user whose current value is not verified has nothing to keep, so the change applies at
  once.
* Sign-in aliases follow the attributes: a verified e-mail/phone (or any preferred_username)
  of an AliasAttributes pool, every e-mail/phone of a UsernameAttributes pool. Taking an
  alias another user holds is refused with AliasExistsException.

A live verification code always belongs to the current target value of its attribute:
any change of that value (new, pending, deleted) withdraws the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authpool.domain import codes, grants, users
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import (
    AliasExistsException,
    InvalidParameterException,
    NotAuthorizedException,
)
from authpool.domain.messages import Purpose
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import PendingAttributeRecord, UserRecord

VERIFIABLE = users.VERIFIED_FLAG  # attribute -> its *_verified flag
FLAGS = {flag: attribute for attribute, flag in VERIFIABLE.items()}
MEDIUM = {"email": "EMAIL", "phone_number": "SMS"}
CODE_PURPOSE = {"email": "VERIFY_EMAIL", "phone_number": "VERIFY_PHONE_NUMBER"}
UNAUTHORIZED = "A client attempted to write unauthorized attribute"


@dataclass
class Change:
    """What one update does to a user: the new attributes, values held as pending, and
    the attributes that need a code."""

    attributes: dict[str, str]
    pending: dict[str, str] = field(default_factory=dict)
    send_code: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # verifiable attributes whose target moved


def _keeps_original(pool: Pool, attribute: str) -> bool:
    settings = pool.config.get("user_attribute_update_settings") or {}
    return attribute in (settings.get("attributes_require_verification_before_update") or [])


# checking a request ------------------------------------------------------------------------
def check_deletable(pool: Pool, client: Client | None, names: list[str], *, admin: bool) -> None:
    """Refuse deleting attributes that do not exist, cannot change, are required, or that
    the caller may not write (the same rules as a write). Only the deleted attributes are
    held to the schema's Required: a user still missing one may change everything else."""
    schema = {a["name"]: a for a in pool.schema}
    for name in names:
        spec = schema.get(name)
        if spec is None:
            raise InvalidParameterException(
                f"Attributes did not conform to the schema: {name}: "
                "Attribute does not exist in the schema."
            )
        if name in users.READ_ONLY or not spec.get("mutable", True):
            raise InvalidParameterException(f"{name}: Attribute cannot be updated.")
        if spec.get("required"):
            raise InvalidParameterException(
                f"Attributes did not conform to the schema: {name}: "
                f"The attribute {name} is required"
            )
        if admin:
            continue
        writable = client.write_attributes if client is not None else None
        if (
            name.startswith("dev:")
            or name in FLAGS
            or (writable is not None and name not in writable)
        ):
            raise NotAuthorizedException(UNAUTHORIZED)


def _split(given: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(attributes to write, attributes to delete: those given a blank value)."""
    writes = {k: v for k, v in given.items() if v != ""}
    return writes, [k for k, v in given.items() if v == ""]


# computing a change ------------------------------------------------------------------------
def plan(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    writes: Mapping[str, str],
    deletes: list[str],
    *,
    admin: bool,
) -> Change:
    """The effect of writing ``writes`` and deleting ``deletes`` (both already checked)."""
    change = Change(dict(user.attributes))
    attrs = change.attributes
    for name, value in writes.items():
        if name in VERIFIABLE:
            _new_address(pool, user, change, name, value, admin=admin, writes=writes)
        elif name in FLAGS:
            _set_flag(svc, user, change, name, value, writes=writes)
        else:
            attrs[name] = value
    for name in deletes:
        attrs.pop(name, None)
        if name in VERIFIABLE:
            attrs.pop(VERIFIABLE[name], None)
            change.touched.add(name)
    return change


def _new_address(
    pool: Pool,
    user: UserRecord,
    change: Change,
    name: str,
    value: str,
    *,
    admin: bool,
    writes: Mapping[str, str],
) -> None:
    attrs, flag = change.attributes, VERIFIABLE[name]
    if value == user.attributes.get(name):
        return  # unchanged: no code, the flag stays as it is
    change.touched.add(name)
    if admin and writes.get(flag) == "true":
        attrs[name], attrs[flag] = value, "true"
        return
    current_verified = bool(user.attributes.get(name)) and user.attributes.get(flag) == "true"
    if _keeps_original(pool, name) and current_verified:
        change.pending[name] = value
    else:
        attrs[name], attrs[flag] = value, "false"
    if name in pool.auto_verified:
        change.send_code.append(name)


def _set_flag(
    svc: Services,
    user: UserRecord,
    change: Change,
    flag: str,
    value: str,
    *,
    writes: Mapping[str, str],
) -> None:
    """An admin sets ``*_verified``; set to true while a new value is pending (and not
    written in the same call), it verifies that value."""
    attribute = FLAGS[flag]
    change.attributes[flag] = value
    if value != "true" or attribute in writes:
        return
    pending = svc.store.get_pending_attribute(user.sub, attribute, now=svc.clock.now())
    if pending is not None:
        change.attributes[attribute] = pending.value
        change.touched.add(attribute)


# applying a change -------------------------------------------------------------------------
def alias_changes(
    pool: Pool, before: Mapping[str, str], after: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(alias keys gained, alias keys lost)."""
    old = set(users.sign_in_aliases(pool, before, verified_only=True))
    new = set(users.sign_in_aliases(pool, after, verified_only=True))
    return tuple(sorted(new - old)), tuple(sorted(old - new))


def _refuse_taken(svc: Services, pool: Pool, user: UserRecord, keys: tuple[str, ...]) -> None:
    for key in keys:
        holder = svc.store.get_user_by_alias(pool.id, key)
        if holder is not None and holder.sub != user.sub:
            raise AliasExistsException(_taken_message(key))


def _taken_message(key: str) -> str:
    attribute = key.split(":", 1)[0]
    label = "phone number" if attribute == "phone_number" else attribute
    return f"An account with the given {label} already exists."


def _refuse_taken_pending(svc: Services, pool: Pool, user: UserRecord, change: Change) -> None:
    """In a pool that signs in by e-mail or phone the new address will be the sign-in name
    the moment it is verified: refuse one another user signs in with already."""
    for name, value in change.pending.items():
        if name in pool.username_attributes:
            _refuse_taken(svc, pool, user, (users.alias_key(pool, name, value),))


@dataclass(frozen=True)
class Sending:
    """How the codes of one request go out: the message's purpose and, for the message
    triggers, the app client and the request's ClientMetadata."""

    purpose: Purpose
    client_id: str | None = None
    client_metadata: Mapping[str, str] | None = None


def apply(
    svc: Services, pool: Pool, user: UserRecord, change: Change, sending: Sending
) -> tuple[UserRecord, list[dict[str, str]]]:
    """Store the change (attributes and aliases in one transaction), hold the pending
    values, withdraw stale codes and send the new ones. Returns the updated user and the
    CodeDeliveryDetails of the codes sent."""
    added, removed = alias_changes(pool, user.attributes, change.attributes)
    _refuse_taken(svc, pool, user, added)
    _refuse_taken_pending(svc, pool, user, change)
    try:
        updated = svc.store.update_user(
            user.sub,
            attributes=change.attributes,
            updated_at=svc.clock.now(),
            add_aliases=added,
            remove_aliases=removed,
        )
    except AliasExistsException as exc:  # taken meanwhile
        raise AliasExistsException(_taken_message(added[0] if added else "alias")) from exc
    if updated is None:
        raise NotAuthorizedException("User does not exist.")
    _settle_pending(svc, updated, change)
    return updated, [_send(svc, pool, updated, name, sending) for name in change.send_code]


def _settle_pending(svc: Services, user: UserRecord, change: Change) -> None:
    touched = sorted(change.touched)
    if touched:
        svc.store.delete_pending_attributes(user.sub, touched)
        svc.store.delete_codes(user.sub, [CODE_PURPOSE[a] for a in touched])
    now = svc.clock.now()
    for name, value in change.pending.items():
        svc.store.put_pending_attribute(
            PendingAttributeRecord(
                user_sub=user.sub,
                attribute=name,
                value=value,
                created_at=now,
                expires_at=now + codes.LIFETIME[CODE_PURPOSE[name]],
            )
        )


def target(svc: Services, user: UserRecord, attribute: str) -> str | None:
    """The value a code for ``attribute`` verifies: the pending one, else the current."""
    pending = svc.store.get_pending_attribute(user.sub, attribute, now=svc.clock.now())
    return pending.value if pending is not None else user.attributes.get(attribute) or None


def _send(
    svc: Services, pool: Pool, user: UserRecord, attribute: str, sending: Sending
) -> dict[str, str]:
    address = target(svc, user, attribute)
    if address is None:
        raise InvalidParameterException(f"The user has no {attribute} to verify.")
    destination = users.Destination(attribute, MEDIUM[attribute], address)
    code = codes.issue(svc, user, CODE_PURPOSE[attribute], destination)
    body, subject = codes.verification_message(pool, destination.medium)
    return codes.deliver(
        svc,
        pool,
        user,
        destination,
        purpose=sending.purpose,
        code=code,
        body_template=body,
        subject=subject,
        client_id=sending.client_id,
        client_metadata=sending.client_metadata,
    ).as_dict()


# the operations ----------------------------------------------------------------------------
Metadata = Mapping[str, str] | None


def update_user_attributes(
    svc: Services, access_token: str, attributes: list[dict[str, Any]], metadata: Metadata = None
) -> dict[str, Any]:
    bearer = grants.authenticate(svc, access_token)
    writes, deletes = _split(users.attribute_list(attributes))
    writes = users.check_attributes(bearer.pool, bearer.client, writes, creating=False)
    check_deletable(bearer.pool, bearer.client, deletes, admin=False)
    change = plan(svc, bearer.pool, bearer.user, writes, deletes, admin=False)
    sending = Sending(Purpose.UPDATE_ATTRIBUTE, bearer.client.id, metadata)
    _, sent = apply(svc, bearer.pool, bearer.user, change, sending)
    return {"code_delivery_details_list": sent}


def admin_update_user_attributes(
    svc: Services,
    pool_id: str,
    username: str,
    attributes: list[dict[str, Any]],
    metadata: Metadata = None,
) -> None:
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    writes, deletes = _split(users.attribute_list(attributes))
    writes = users.check_attributes(pool, None, writes, creating=False, admin=True)
    check_deletable(pool, None, deletes, admin=True)
    change = plan(svc, pool, user, writes, deletes, admin=True)
    apply(svc, pool, user, change, Sending(Purpose.UPDATE_ATTRIBUTE, None, metadata))


def delete_user_attributes(svc: Services, access_token: str, names: list[str]) -> None:
    bearer = grants.authenticate(svc, access_token)
    check_deletable(bearer.pool, bearer.client, names, admin=False)
    change = plan(svc, bearer.pool, bearer.user, {}, names, admin=False)
    apply(svc, bearer.pool, bearer.user, change, Sending(Purpose.UPDATE_ATTRIBUTE))


def admin_delete_user_attributes(
    svc: Services, pool_id: str, username: str, names: list[str]
) -> None:
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    check_deletable(pool, None, names, admin=True)
    change = plan(svc, pool, user, {}, names, admin=True)
    apply(svc, pool, user, change, Sending(Purpose.UPDATE_ATTRIBUTE))


def _verifiable(name: str) -> str:
    if name not in VERIFIABLE:
        raise InvalidParameterException(
            f"Invalid attribute name: {name} (only email and phone_number are verified)."
        )
    return name


def get_user_attribute_verification_code(
    svc: Services, access_token: str, attribute_name: str, metadata: Metadata = None
) -> dict[str, Any]:
    bearer = grants.authenticate(svc, access_token)
    attribute = _verifiable(attribute_name)
    sending = Sending(Purpose.VERIFY_ATTRIBUTE, bearer.client.id, metadata)
    return {"code_delivery_details": _send(svc, bearer.pool, bearer.user, attribute, sending)}


def verify_user_attribute(svc: Services, access_token: str, attribute_name: str, code: str) -> None:
    """The code makes the attribute's target value (a pending one, if any) the verified
    value. A right code that would take another user's alias is refused without being
    used up."""
    bearer = grants.authenticate(svc, access_token)
    pool, user = bearer.pool, bearer.user
    attribute = _verifiable(attribute_name)
    purpose = CODE_PURPOSE[attribute]
    value = target(svc, user, attribute)
    attrs = dict(user.attributes)
    if value is not None:
        attrs[attribute], attrs[VERIFIABLE[attribute]] = value, "true"
    added, _ = alias_changes(pool, user.attributes, attrs)
    if codes.peek(svc, user, purpose, code) is not None:
        _refuse_taken(svc, pool, user, added)
    codes.redeem(svc, user, purpose, code)
    change = Change(attrs, touched={attribute})
    apply(svc, pool, user, change, Sending(Purpose.VERIFY_ATTRIBUTE, bearer.client.id))
