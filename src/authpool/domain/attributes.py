"""The attribute schema of a pool: Cognito's standard attributes and custom ones."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from authpool.domain.errors import InvalidParameterException

Schema = list[dict[str, Any]]


def _string(
    name: str, *, required: bool = False, mutable: bool = True, lo: int = 0, hi: int = 2048
) -> dict[str, Any]:
    return {
        "name": name,
        "attribute_data_type": "String",
        "developer_only_attribute": False,
        "mutable": mutable,
        "required": required,
        "string_attribute_constraints": {"min_length": str(lo), "max_length": str(hi)},
    }


def _boolean(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "attribute_data_type": "Boolean",
        "developer_only_attribute": False,
        "mutable": True,
        "required": False,
    }


STANDARD_SCHEMA: Schema = [
    _string("sub", required=True, mutable=False, lo=1),
    _string("name"),
    _string("given_name"),
    _string("family_name"),
    _string("middle_name"),
    _string("nickname"),
    _string("preferred_username"),
    _string("profile"),
    _string("picture"),
    _string("website"),
    _string("email"),
    _boolean("email_verified"),
    _string("gender"),
    _string("birthdate", lo=10, hi=10),
    _string("zoneinfo"),
    _string("locale"),
    _string("phone_number"),
    _boolean("phone_number_verified"),
    _string("address"),
    {
        "name": "updated_at",
        "attribute_data_type": "Number",
        "developer_only_attribute": False,
        "mutable": True,
        "required": False,
        "number_attribute_constraints": {"min_value": "0"},
    },
    _string("identities"),
]
STANDARD_NAMES = frozenset(a["name"] for a in STANDARD_SCHEMA)
MAX_CUSTOM_ATTRIBUTES = 50


def build_schema(requested: list[dict[str, Any]] | None) -> Schema:
    """The pool schema for CreateUserPool's ``Schema``: the standard attributes, with the
    requested changes to them, followed by the requested custom attributes."""
    schema = deepcopy(STANDARD_SCHEMA)
    by_name = {a["name"]: a for a in schema}
    customs: Schema = []
    for attr in requested or []:
        name = attr.get("name", "")
        if name in by_name:
            _override_standard(by_name[name], attr)
        else:
            customs.append(custom_attribute(attr))
    _check_custom_names(customs, existing=[])
    return schema + customs


def _override_standard(current: dict[str, Any], attr: dict[str, Any]) -> None:
    if current["name"] == "sub":
        raise InvalidParameterException("sub attribute cannot be modified.")
    for key in ("required", "mutable"):
        if key in attr:
            current[key] = bool(attr[key])
    for key in ("string_attribute_constraints", "number_attribute_constraints"):
        if key in attr and key in current:
            current[key] = {**current[key], **attr[key]}
    if (
        "attribute_data_type" in attr
        and attr["attribute_data_type"] != current["attribute_data_type"]
    ):
        raise InvalidParameterException(
            f"Invalid AttributeDataType input, consider using the provided AttributeDataType "
            f"enum for {current['name']}."
        )


def custom_attribute(attr: dict[str, Any]) -> dict[str, Any]:
    """A custom attribute as stored: ``custom:`` (or ``dev:custom:``) prefix added."""
    raw = attr.get("name")
    if not raw:
        raise InvalidParameterException("Custom attribute name must not be empty.")
    if attr.get("required"):
        raise InvalidParameterException("Required custom attributes are not supported currently.")
    dtype = attr.get("attribute_data_type", "String")
    developer_only = bool(attr.get("developer_only_attribute", False))
    name = f"dev:custom:{raw}" if developer_only else f"custom:{raw}"
    out: dict[str, Any] = {
        "name": name,
        "attribute_data_type": dtype,
        "developer_only_attribute": developer_only,
        "mutable": bool(attr.get("mutable", True)),
        "required": False,
    }
    if dtype == "String":
        sc = attr.get("string_attribute_constraints") or {}
        out["string_attribute_constraints"] = {
            k: v for k, v in sc.items() if k in ("min_length", "max_length")
        } or {}
        _check_range(out["string_attribute_constraints"], "min_length", "max_length", raw)
    elif dtype == "Number":
        nc = attr.get("number_attribute_constraints") or {}
        out["number_attribute_constraints"] = {
            k: v for k, v in nc.items() if k in ("min_value", "max_value")
        }
        _check_range(out["number_attribute_constraints"], "min_value", "max_value", raw)
    return out


def _check_range(constraints: dict[str, Any], lo_key: str, hi_key: str, name: str) -> None:
    try:
        lo = int(constraints[lo_key]) if lo_key in constraints else None
        hi = int(constraints[hi_key]) if hi_key in constraints else None
    except (TypeError, ValueError) as exc:
        raise InvalidParameterException(
            f"Invalid constraints for attribute {name}: must be whole numbers."
        ) from exc
    if lo_key == "min_length" and hi is not None and hi > 2048:
        raise InvalidParameterException(f"Max length of attribute {name} cannot exceed 2048.")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidParameterException(
            f"Min constraint cannot be greater than max constraint for attribute {name}."
        )


def _check_custom_names(new: Schema, existing: Schema) -> None:
    seen = {a["name"] for a in existing}
    for attr in new:
        bare = attr["name"].split(":")[-1]
        if len(bare) > 20:
            raise InvalidParameterException(
                f"Custom attribute name {bare} must be 20 characters or fewer."
            )
        if attr["name"] in seen or f"custom:{bare}" in seen or f"dev:custom:{bare}" in seen:
            raise InvalidParameterException(f"Existing attribute already has name {attr['name']}.")
        seen.add(attr["name"])
    if sum(1 for a in existing + new if ":" in a["name"]) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidParameterException(
            f"A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )


def add_custom_attributes(schema: Schema, attrs: list[dict[str, Any]]) -> Schema:
    customs = [custom_attribute(a) for a in attrs]
    _check_custom_names(customs, existing=schema)
    return schema + customs


def schema_names(schema: Schema) -> frozenset[str]:
    return frozenset(a["name"] for a in schema)
