"""SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authpool.domain import auth_events, breached, codes, ids, passwords, users
from authpool.domain.clients import Client, get_client
from authpool.domain.context import Services
from authpool.domain.errors import (
    AliasExistsException,
    CodeMismatchException,
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
    UsernameExistsException,
    UserNotFoundException,
)
from authpool.domain.hooks import sign_up as signup_hooks
from authpool.domain.messages import Purpose
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord


@dataclass(frozen=True)
class Caller:
    """The app client a public call comes through, its pool, and whether it proved the
    client secret for the name given."""

    pool: Pool
    client: Client


def caller(svc: Services, client_id: str, secret_hash: str | None, username: str) -> Caller:
    """Resolve the client and check SECRET_HASH (NotAuthorizedException as Cognito)."""
    client = get_client(svc, client_id)
    client.require_secret_hash(svc, secret_hash, username)
    return Caller(get_pool(svc, client.pool_id), client)


def sign_up(svc: Services, params: dict[str, Any]) -> dict[str, Any]:
    who = caller(svc, params["client_id"], params.get("secret_hash"), params["username"])
    pool, client = who.pool, who.client
    if pool.admin_only_sign_up:
        raise NotAuthorizedException("SignUp is not permitted for this user pool")
    given = users.attribute_list(params.get("user_attributes"))
    name = params["username"]
    if pool.username_attributes:
        name, given = _username_as_attribute(pool, name, given)
    else:
        _refuse_alias_shaped(pool, name)
    attrs = users.check_attributes(pool, client, given, creating=True)
    users.check_required(pool, attrs)
    for attribute, flag in users.VERIFIED_FLAG.items():
        if attrs.get(attribute):
            attrs.setdefault(flag, "false")  # as Cognito: unverified until a code says so
    password = params["password"]
    passwords.check_policy(pool.password_policy, password)
    breached.check(svc, pool, password, event=breached.SIGN_UP)
    sub = ids.user_sub(svc.token_bytes)
    username = sub if pool.username_attributes else name
    metadata = params.get("client_metadata")
    verified_flags = set(users.VERIFIED_FLAG.values())  # PreSignUp sees what was given
    decision = signup_hooks.pre_sign_up(
        svc,
        pool,
        client_id=client.id,
        username=username,
        attributes={k: v for k, v in attrs.items() if k in given or k not in verified_flags},
        validation_data=users.attribute_list(params.get("validation_data")),
        client_metadata=metadata,
    )
    attrs = decision.apply(attrs)
    stored = passwords.store(svc, pool_name=pool.pool_name, user_id=username, password=password)
    now = svc.clock.now()
    user = UserRecord(
        sub=sub,
        pool_id=pool.id,
        username=username,
        username_key=users.username_key(pool, username),
        status=decision.status(),
        enabled=True,
        attributes=attrs,
        created_at=now,
        updated_at=now,
        salt=stored.salt,
        verifier_sealed=stored.verifier_sealed,
        password_changed_at=now,
    )
    aliases = users.sign_in_aliases(pool, attrs, verified_only=True)
    # The user's SignUp event goes in with the user (one transaction); a sign-up that fails
    # later removes the user, and the event with it.
    origin = auth_events.Origin(params.get("source_ip"), params.get("user_agent"))
    event = auth_events.new_event(
        svc, user, event_type=auth_events.SIGN_UP, response=auth_events.PASS,
        client_id=client.id, origin=origin,
    )  # fmt: skip
    try:
        signup_hooks.insert_user(
            svc, pool, user, aliases, take_over=decision.take_over(pool, attrs), event=event
        )
    except AliasExistsException as exc:
        raise UsernameExistsException(
            f"An account with the given {_taken_attribute(svc, pool, attrs)} already exists."
        ) from exc
    if decision.confirm:  # PreSignUp confirmed the user: no code, PostConfirmation now
        signup_hooks.confirmed_at_sign_up(
            svc, pool, user, client_id=client.id, client_metadata=metadata
        )
        auth_events.announce(user, event)
        return {"user_confirmed": True, "user_sub": sub}
    destination = users.verification_destination(pool, attrs)
    result: dict[str, Any] = {"user_confirmed": False, "user_sub": sub}
    if destination is not None:
        try:
            result["code_delivery_details"] = _send_code(
                svc, pool, user, destination, Purpose.SIGN_UP, client.id, metadata
            )
        except CognitoError:  # delivery or a CustomMessage/custom sender trigger failed
            svc.store.delete_user(sub)  # nothing half-written
            raise
    auth_events.announce(user, event)
    return result


def _username_as_attribute(
    pool: Pool, name: str, given: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """In a pool that signs in by e-mail or phone, the name given *is* that attribute."""
    if "email" in pool.username_attributes and "@" in name:
        given = {**given, "email": given.get("email", name)}
    elif "phone_number" in pool.username_attributes and name.startswith("+"):
        given = {**given, "phone_number": given.get("phone_number", name)}
    else:
        raise InvalidParameterException(_USERNAME_SHOULD_BE[frozenset(pool.username_attributes)])
    return name, given


_USERNAME_SHOULD_BE = {
    frozenset({"email"}): "Username should be an email.",
    frozenset({"phone_number"}): "Username should be a phone number.",
    frozenset({"email", "phone_number"}): "Username should be either an email or a phone number.",
}


def _taken_attribute(svc: Services, pool: Pool, attrs: dict[str, str]) -> str:
    """Which sign-in attribute (``email`` or ``phone_number``) another user holds already."""
    for attribute in pool.username_attributes:
        value = attrs.get(attribute)
        key = users.alias_key(pool, attribute, value) if value else None
        if key and svc.store.get_user_by_alias(pool.id, key) is not None:
            return attribute
    return pool.username_attributes[0]


def _refuse_alias_shaped(pool: Pool, name: str) -> None:
    """An alias pool refuses a username that looks like one of its alias attributes."""
    looks_like = None
    if "email" in pool.alias_attributes and "@" in name:
        looks_like = "email"
    elif "phone_number" in pool.alias_attributes and name.startswith("+"):
        looks_like = "phone number"
    if looks_like:
        raise InvalidParameterException(
            f"Username cannot be of {looks_like} format, since user pool is configured for "
            f"{looks_like} alias."
        )


def _send_code(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    destination: users.Destination,
    purpose: Purpose,
    client_id: str | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> dict[str, str]:
    code = codes.issue(svc, user, "SIGN_UP", destination)
    body, subject = codes.verification_message(pool, destination.medium)
    return codes.deliver(
        svc,
        pool,
        user,
        destination,
        purpose=purpose,
        code=code,
        body_template=body,
        subject=subject,
        client_id=client_id,
        client_metadata=client_metadata,
    ).as_dict()


def confirm_sign_up(svc: Services, params: dict[str, Any]) -> None:
    who = caller(svc, params["client_id"], params.get("secret_hash"), params["username"])
    user = _user_or_refuse(svc, who, params["username"])
    if user.status != users.UNCONFIRMED:
        raise NotAuthorizedException(f"User cannot be confirmed. Current status is {user.status}")
    code = params["confirmation_code"]
    force_alias = bool(params.get("force_alias_creation"))
    if not force_alias:
        # A right code meeting a taken alias is refused without being spent, so that the
        # caller can repeat the call with ForceAliasCreation (a wrong code is a mismatch).
        pending = codes.peek(svc, user, "SIGN_UP", code)
        if pending is not None:
            _taken_aliases(svc, who.pool, user, _verifying(user, pending.destination), force=False)
    attribute = codes.redeem(svc, user, "SIGN_UP", code)
    confirmed = _confirm(svc, who.pool, user, verified=attribute, force_alias=force_alias)
    signup_hooks.post_confirmation(
        svc,
        who.pool,
        confirmed,
        client_id=who.client.id,
        client_metadata=params.get("client_metadata"),
    )


def _verifying(user: UserRecord, attribute: str | None) -> dict[str, str]:
    """``user``'s attributes once ``attribute`` (which received the code) is verified."""
    attrs = dict(user.attributes)
    if attribute in users.VERIFIED_FLAG:
        attrs[users.VERIFIED_FLAG[attribute]] = "true"
    return attrs


def _taken_aliases(
    svc: Services, pool: Pool, user: UserRecord, attrs: dict[str, str], *, force: bool
) -> list[tuple[str, UserRecord]]:
    """The alias keys ``user`` gains with ``attrs`` that another user holds (with that
    user); unless ``force``, the first one raises AliasExistsException."""
    before = set(users.sign_in_aliases(pool, user.attributes, verified_only=True))
    after = set(users.sign_in_aliases(pool, attrs, verified_only=True))
    taken: list[tuple[str, UserRecord]] = []
    for key in sorted(after - before):
        holder = svc.store.get_user_by_alias(pool.id, key)
        if holder is not None and holder.sub != user.sub:
            if not force:
                attribute = key.split(":", 1)[0]
                raise AliasExistsException(f"An account with the given {attribute} already exists.")
            taken.append((key, holder))
    return taken


def _confirm(
    svc: Services, pool: Pool, user: UserRecord, *, verified: str | None, force_alias: bool
) -> UserRecord:
    attrs = _verifying(user, verified)
    before = set(users.sign_in_aliases(pool, user.attributes, verified_only=True))
    added = tuple(sorted(set(users.sign_in_aliases(pool, attrs, verified_only=True)) - before))
    for key, holder in _taken_aliases(svc, pool, user, attrs, force=force_alias):
        _drop_alias(svc, pool, holder, key)
    updated = svc.store.update_user(
        user.sub,
        status=users.CONFIRMED,
        attributes=attrs,
        updated_at=svc.clock.now(),
        add_aliases=added,
    )
    if updated is None:
        raise UserNotFoundException("User does not exist.")
    return updated


def _drop_alias(svc: Services, pool: Pool, holder: UserRecord, key: str) -> None:
    """ForceAliasCreation: the alias moves; the old holder's attribute is no longer
    verified (as Cognito does)."""
    attribute = key.split(":", 1)[0]
    attrs = dict(holder.attributes)
    flag = users.VERIFIED_FLAG.get(attribute)
    if flag:
        attrs[flag] = "false"
    svc.store.update_user(
        holder.sub, attributes=attrs, updated_at=svc.clock.now(), remove_aliases=(key,)
    )


def _user_or_refuse(svc: Services, who: Caller, name: str) -> UserRecord:
    user = users.find_user(svc, who.pool, name)
    if user is None:
        if who.client.prevent_user_existence_errors:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        raise UserNotFoundException("Username/client id combination not found.")
    return user


def resend_confirmation_code(svc: Services, params: dict[str, Any]) -> dict[str, Any]:
    who = caller(svc, params["client_id"], params.get("secret_hash"), params["username"])
    user = users.find_user(svc, who.pool, params["username"])
    if user is None:
        if who.client.prevent_user_existence_errors:
            return {"code_delivery_details": simulated_delivery(who.pool, params["username"])}
        raise UserNotFoundException("Username/client id combination not found.")
    if user.status != users.UNCONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    destination = users.verification_destination(who.pool, user.attributes)
    if destination is None:
        raise InvalidParameterException(
            "Auto verification not turned on. Cannot send a confirmation code."
        )
    return {
        "code_delivery_details": _send_code(
            svc,
            who.pool,
            user,
            destination,
            Purpose.RESEND_CODE,
            who.client.id,
            params.get("client_metadata"),
        )
    }


def simulated_delivery(pool: Pool, name: str) -> dict[str, str]:
    """What a user that does not exist would have been told (PreventUserExistenceErrors)."""
    auto = pool.auto_verified
    if "@" in name or ("email" in auto and "phone_number" not in auto):
        destination = users.Destination(
            "email", "EMAIL", name if "@" in name else f"{name}@example.com"
        )
    else:
        destination = users.Destination("phone_number", "SMS", "+10000000000")
    return {
        "destination": codes.mask(destination),
        "delivery_medium": destination.medium,
        "attribute_name": destination.attribute,
    }


def admin_confirm_sign_up(
    svc: Services,
    pool_id: str,
    username: str,
    client_metadata: Mapping[str, str] | None = None,
) -> None:
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    if user.status == users.CONFIRMED:
        raise NotAuthorizedException("User cannot be confirmed. Current status is CONFIRMED")
    if user.status != users.UNCONFIRMED:
        raise NotAuthorizedException(f"User cannot be confirmed. Current status is {user.status}")
    with svc.store.atomic():  # one transaction: the code goes with the confirmation
        svc.store.delete_codes(user.sub, ["SIGN_UP"])
        confirmed = _confirm(svc, pool, user, verified=None, force_alias=False)
    signup_hooks.post_confirmation(
        svc, pool, confirmed, client_id=None, client_metadata=client_metadata
    )
