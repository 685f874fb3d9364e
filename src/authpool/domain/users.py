"""Users: finding them by name or alias, and their attributes (validation, visibility)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from authpool.domain import audit
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

# Cognito's user statuses.
UNCONFIRMED = "UNCONFIRMED"
CONFIRMED = "CONFIRMED"
FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
RESET_REQUIRED = "RESET_REQUIRED"
EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"

VERIFIED_FLAG = {"email": "email_verified", "phone_number": "phone_number_verified"}
_INTEGER = re.compile(r"-?[0-9]+")
READ_ONLY = frozenset({"sub", "identities"})


def username_key(pool: Pool, name: str) -> str:
    """The form a name is looked up by: case-folded in a case-insensitive pool."""
    return name.casefold() if not pool.case_sensitive else name


def alias_key(pool: Pool, attribute: str, value: str) -> str:
    """Alias keys are unique per pool; e-mail addresses always compare case-insensitively
    (as Cognito does for e-mail sign-in), others by the pool's case rule."""
    if attribute == "email":
        value = value.casefold()
    elif attribute == "preferred_username":
        value = username_key(pool, value)
    return f"{attribute}:{value}"


def find_user(svc: Services, pool: Pool, name: str) -> UserRecord | None:
    """The user a client means by ``name``: its username, or (where the pool allows it) an
    e-mail, phone number or preferred_username that is a sign-in alias."""
    user = svc.store.get_user(pool.id, username_key(pool, name))
    if user is not None:
        audit.saw_user(user)
        return user
    for attribute in pool.username_attributes or pool.alias_attributes:
        user = svc.store.get_user_by_alias(pool.id, alias_key(pool, attribute, name))
        if user is not None:
            audit.saw_user(user)
            return user
    return None


def require_user(svc: Services, pool: Pool, name: str) -> UserRecord:
    """The user an admin call names: by username, alias, or (as Cognito allows) ``sub``."""
    user = find_user(svc, pool, name)
    if user is None and _looks_like_sub(name):
        by_sub = svc.store.get_user_by_sub(name.lower())
        user = by_sub if by_sub is not None and by_sub.pool_id == pool.id else None
    if user is None:
        raise UserNotFoundException("User does not exist.")
    return user


def _looks_like_sub(name: str) -> bool:
    return len(name) == 36 and name.count("-") == 4


def sign_in_aliases(
    pool: Pool, attributes: Mapping[str, str], *, verified_only: bool
) -> tuple[str, ...]:
    """The alias keys a user with ``attributes`` holds. In a pool that signs in by e-mail or
    phone (UsernameAttributes) they are held from sign-up on; alias attributes
    (AliasAttributes) count once verified, preferred_username at once."""
    keys: list[str] = []
    if pool.username_attributes:
        for attribute in pool.username_attributes:
            if attributes.get(attribute):
                keys.append(alias_key(pool, attribute, attributes[attribute]))
        return tuple(keys)
    for attribute in pool.alias_attributes:
        value = attributes.get(attribute)
        if not value:
            continue
        flag = VERIFIED_FLAG.get(attribute)
        if flag and verified_only and attributes.get(flag) != "true":
            continue
        keys.append(alias_key(pool, attribute, value))
    return tuple(keys)


# attributes --------------------------------------------------------------------------------
def attribute_list(attrs: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``[{"name", "value"}]`` → dict, refusing duplicates."""
    out: dict[str, str] = {}
    for item in attrs or []:
        name = str(item.get("name", ""))
        if name in out:
            raise InvalidParameterException(f"Duplicate attribute name: {name}")
        out[name] = "" if item.get("value") is None else str(item["value"])
    return out


def check_attributes(
    pool: Pool,
    client: Client | None,
    attrs: Mapping[str, str],
    *,
    creating: bool,
    admin: bool = False,
) -> dict[str, str]:
    """Validate attributes a caller wants to write, returning them normalised.

    Unknown attributes, read-only ones, attributes the client may not write, and (after
    creation) immutable ones are refused; values are checked against their type and
    constraints; e-mail addresses with email-validator, phone numbers as E.164.
    """
    schema = {a["name"]: a for a in pool.schema}
    out: dict[str, str] = {}
    for name, value in attrs.items():
        spec = schema.get(name)
        if spec is None:
            raise InvalidParameterException(
                f"Attributes did not conform to the schema: {name}: "
                "Attribute does not exist in the schema."
            )
        if name in READ_ONLY:
            raise InvalidParameterException(f"{name}: Attribute cannot be updated.")
        if name.startswith("dev:") and not admin:
            raise NotAuthorizedException("A client attempted to write unauthorized attribute")
        if client is not None and not admin:
            writable = client.write_attributes
            if writable is not None and name not in writable:
                raise NotAuthorizedException("A client attempted to write unauthorized attribute")
            if name in VERIFIED_FLAG.values() and writable is None:
                raise NotAuthorizedException("A client attempted to write unauthorized attribute")
        if not creating and not spec.get("mutable", True):
            raise InvalidParameterException(
                f"{name}: Attribute cannot be updated. (changing an immutable attribute)"
            )
        out[name] = _check_value(spec, value)
    return out


def _check_value(spec: Mapping[str, Any], value: str) -> str:
    name = spec["name"]
    dtype = spec.get("attribute_data_type", "String")
    if name == "email" and value:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise InvalidParameterException("Invalid email address format.") from exc
        return value  # stored as written, as Cognito does; aliases compare case-folded
    if name == "phone_number" and value:
        return _check_phone(value)
    if dtype in ("Boolean",) or name in VERIFIED_FLAG.values():
        if value not in ("true", "false"):
            raise InvalidParameterException(f"{name}: Boolean attribute must be 'true' or 'false'.")
        return value
    if dtype == "Number":
        # ASCII digits only: int() would also take "5_000", " 5 " and "٥".
        if _INTEGER.fullmatch(value) is None:
            raise InvalidParameterException(f"{name}: Number attribute must be an integer.")
        number = int(value)
        limits = spec.get("number_attribute_constraints") or {}
        if "min_value" in limits and number < int(limits["min_value"]):
            raise InvalidParameterException(f"{name}: Number is less than the minimum value.")
        if "max_value" in limits and number > int(limits["max_value"]):
            raise InvalidParameterException(f"{name}: Number is greater than the maximum value.")
        return value
    if dtype == "DateTime" and value:
        return value
    limits = spec.get("string_attribute_constraints") or {}
    if "max_length" in limits and len(value) > int(limits["max_length"]):
        raise InvalidParameterException(f"{name}: String is too long.")
    if "min_length" in limits and value and len(value) < int(limits["min_length"]):
        raise InvalidParameterException(f"{name}: String is too short.")
    return value


def _check_phone(value: str) -> str:
    message = "Invalid phone number format."
    digits = value[1:]
    if not value.startswith("+") or not (digits.isascii() and digits.isdigit()):
        raise InvalidParameterException(message)
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidParameterException(message) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidParameterException(message)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_required(pool: Pool, attrs: Mapping[str, str]) -> None:
    for spec in pool.schema:
        name = spec["name"]
        if spec.get("required") and name != "sub" and not attrs.get(name):
            raise InvalidParameterException(
                "Attributes did not conform to the schema: "
                f"{name}: The attribute {name} is required"
            )


def visible_attributes(
    pool: Pool, client: Client | None, user: UserRecord, *, admin: bool = False
) -> dict[str, str]:
    """The attributes a caller may read: ``sub`` always, the rest filtered by the client's
    ReadAttributes; ``dev:`` attributes only for admin calls."""
    attrs = {"sub": user.sub, **user.attributes}
    readable = client.read_attributes if client is not None and not admin else None
    return {
        name: value
        for name, value in attrs.items()
        if (admin or not name.startswith("dev:"))
        and (readable is None or name == "sub" or name in readable)
    }


def as_list(attrs: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in attrs.items()]


@dataclass(frozen=True)
class Destination:
    """Where a code goes: the attribute, the medium, the address."""

    attribute: str
    medium: str
    address: str


def verification_destination(pool: Pool, attrs: Mapping[str, str]) -> Destination | None:
    """Where a sign-up code goes: the auto-verified attribute the user has; the phone when
    both are (as Cognito)."""
    auto = pool.auto_verified
    if "phone_number" in auto and attrs.get("phone_number"):
        return Destination("phone_number", "SMS", attrs["phone_number"])
    if "email" in auto and attrs.get("email"):
        return Destination("email", "EMAIL", attrs["email"])
    return None
