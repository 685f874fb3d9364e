"""Valid and invalid request bodies for every Cognito operation, built from the model.

``valid_input(op)`` is the smallest valid body: required members only, each with the
simplest value that fits its shape. ``full_input(op)`` adds every optional member too.
``bad_cases(op)`` derives invalid bodies from the full one, one fault each, at every
member location (lists and maps are entered through their first item):

- a required member missing, or null;
- a member of the wrong JSON type (and, for integers, a fraction and a boolean);
- a string one over its maximum length, one under its minimum, off its pattern, or off
  its enum; a number one past either end of its range;
- a list or map one over its maximum size or one under its minimum;
- a map key that breaks the key shape's rules.

Strings that fit a pattern are found by trying a few simple candidates; the patterns that
no candidate fits have hand-written samples in ``SAMPLES``, keyed by shape name.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any, NamedTuple

from botocore.model import Shape

from authpool.wire import model
from authpool.wire.model import compile_java_pattern

UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

SAMPLES: dict[str, list[str]] = {
    "ArnType": [
        "arn:aws:iam::123456789012:role/authpool-sms",
        "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up",
    ],
    "S3ArnType": ["arn:aws:s3:::authpool-logs", "arn:aws:s3:::authpool-logs/cognito"],
    "DeviceKeyType": [
        "us-east-1_3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "eu-west-1_0a1b2c3d",
    ],
    "EmailAddressType": ["alice@example.com", "bob@example.org"],
    "EmailMfaMessageType": ["Your code is {####}", "Code: {####}."],
    "EmailVerificationMessageType": ["Your code is {####}", "Verify with {####}"],
    "EmailVerificationMessageByLinkType": ["Click {##Verify Email##}", "{##here##} please"],
    "SmsVerificationMessageType": ["Your code is {####}", "Code {####}"],
    "LanguageIdType": ["cognito:default", "cognito:english", "cognito:french"],
    "ManagedLoginBrandingIdType": [UUID, "0a1b2c3d-0000-4000-8000-000000000001"],
    "TermsIdType": [UUID, "0a1b2c3d-0000-4000-b000-000000000002"],
    "TermsNameType": ["terms-of-use", "privacy-policy"],
    "ProviderNameTypeV2": ["Google", "MyOIDC", "SAML-Corp"],
    "UserImportJobIdType": ["import-AbC123", "import-x-1"],
    "UserPoolIdType": ["us-east-1_AbCdEf123", "eu-west-1_Z9y8X7"],
}

_BASES = ("a", "A", "1", "aA1", "a1", "A1")

# A value of another JSON type, per shape type, for the wrong-type cases.
_WRONG_TYPE: dict[str, list[tuple[str, object]]] = {
    "string": [("a number", 12345), ("a list", ["x"])],
    "integer": [("a string", "12"), ("a fraction", 1.5), ("a boolean", True)],
    "long": [("a string", "12"), ("a fraction", 1.5), ("a boolean", False)],
    "boolean": [("a string", "true"), ("a number", 1)],
    "timestamp": [("a string", "2026-01-01T00:00:00Z"), ("a boolean", True)],
    "blob": [("a number", 5), ("not base64", "@@@")],
    "list": [("a string", "x"), ("an object", {"a": 1})],
    "map": [("a list", ["x"]), ("a string", "x")],
    "structure": [("a list", ["x"]), ("a number", 7)],
}


class BadCase(NamedTuple):
    description: str
    body: dict[str, object]
    path: str  # where the validation message must point


def valid_strings(shape: Shape) -> list[str]:
    """Distinct strings that satisfy every rule of string ``shape`` (at least one)."""
    if shape.enum:
        return list(shape.enum)
    if shape.name in SAMPLES:
        return list(SAMPLES[shape.name])
    low = shape.metadata.get("min") or 0
    high = shape.metadata.get("max")
    text = shape.metadata.get("pattern")
    pattern = None if text is None else compile_java_pattern(text)
    found: list[str] = []
    for length in sorted({max(low, 1), max(low, 1) + 1, max(low, 1) + 3}):
        for base in _BASES:
            candidate = (base * length)[:length]
            fits = (high is None or length <= high) and candidate not in found
            if fits and (pattern is None or pattern.fullmatch(candidate)):
                found.append(candidate)
    if not found:
        raise LookupError(f"add a hand-written sample for {shape.name} ({text!r})")
    return found


def sample(shape: Shape, full: bool = False) -> object:
    """A valid value of ``shape``: required members only, or every member if ``full``."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if shape.is_document_type:
            return {"anything": ["goes", 1, True, None]} if full else {}
        required = set(shape.required_members)
        return {
            name: sample(member, full)
            for name, member in shape.members.items()
            if full or name in required
        }
    if kind == "list":
        size = max(meta.get("min", 0), 1 if full else 0)
        return [sample(shape.member, full) for _ in range(size)]
    if kind == "map":
        size = max(meta.get("min", 0), 1 if full else 0)
        keys = valid_strings(shape.key)[:size]
        return {key: sample(shape.value, full) for key in keys}
    if kind == "string":
        return valid_strings(shape)[0]
    if kind in ("integer", "long"):
        low, high = meta.get("min"), meta.get("max")
        return low if low is not None else (high if high is not None and high < 0 else 0)
    if kind == "blob":
        return base64.b64encode(b"x" * max(meta.get("min", 0), 1)).decode()
    if kind == "timestamp":
        return 1767225600
    assert kind == "boolean", kind
    return True


def valid_input(operation: str) -> dict[str, object]:
    """The smallest valid request body of ``operation``."""
    body = sample(model.input_shape(operation))
    assert isinstance(body, dict)
    return body


def full_input(operation: str) -> dict[str, object]:
    """A valid request body of ``operation`` with every member set."""
    body = sample(model.input_shape(operation), full=True)
    assert isinstance(body, dict)
    return body


def bad_inputs(operation: str) -> Iterator[tuple[str, dict[str, object]]]:
    """(description, invalid body) pairs for ``operation``, one fault each."""
    for case in bad_cases(operation):
        yield case.description, case.body


def bad_cases(operation: str) -> Iterator[BadCase]:
    """Like :func:`bad_inputs`, with the path the validation message must name."""
    full = full_input(operation)
    for spot in _locations(model.input_shape(operation), full):
        for description, replacement, at in _faults(spot, _get(full, spot.steps)):
            body = copy.deepcopy(full)
            _put(body, spot.steps, replacement)
            yield BadCase(description, body, at)


_MISSING = object()


class _Spot(NamedTuple):
    """One member location: ``path`` names it in constraint messages and ``type_path``
    in wrong-type messages (they differ for map values, judged at the map's path)."""

    path: str
    type_path: str
    steps: tuple[str | int, ...]
    shape: Shape
    role: str  # "required", "optional", "item" (of a list) or "value" (of a map)


def _locations(shape: Shape, value: Any) -> Iterator[_Spot]:
    """Every member location inside ``value``, a full valid value of ``shape``."""

    def walk(shape: Shape, value: Any, path: str, steps: tuple[str | int, ...]) -> Iterator[_Spot]:
        kind = shape.type_name
        if kind == "structure" and not shape.is_document_type:
            required = set(shape.required_members)
            for name, member in shape.members.items():
                at = _join(path, name[:1].lower() + name[1:])
                role = "required" if name in required else "optional"
                yield _Spot(at, at, (*steps, name), member, role)
                yield from walk(member, value[name], at, (*steps, name))
        elif kind == "list" and value:
            at = f"{path}.1.member"
            yield _Spot(at, at, (*steps, 0), shape.member, "item")
            yield from walk(shape.member, value[0], at, (*steps, 0))
        elif kind == "map" and value:
            key = next(iter(value))
            entry = f"{path}.{key}"
            if _is_container(shape.value):
                at = f"{entry}.member"
                yield _Spot(at, at, (*steps, key), shape.value, "item")
            else:
                yield _Spot(path, entry, (*steps, key), shape.value, "value")
            yield from walk(shape.value, value[key], f"{entry}.member", (*steps, key))

    yield from walk(shape, value, "", ())


def _join(path: str, segment: str) -> str:
    return f"{path}.{segment}" if path else segment


def _is_container(shape: Shape) -> bool:
    return shape.type_name in ("list", "map") or (
        shape.type_name == "structure" and not shape.is_document_type
    )


def _faults(spot: _Spot, value: object) -> Iterator[tuple[str, object, str]]:
    """(description, replacement value, path in the message) for one location."""
    shape, path = spot.shape, spot.path
    if spot.role == "required":
        yield f"missing {path}", _MISSING, path
        yield f"null {path}", None, path
    elif spot.role in ("item", "value"):
        yield f"{spot.type_path}: null", None, path
    kind = shape.type_name
    if kind == "structure" and shape.is_document_type:
        return
    for what, wrong in _WRONG_TYPE[kind]:
        yield f"{spot.type_path}: {what} instead of a {kind}", wrong, spot.type_path
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    if kind == "string":
        yield from _string_faults(shape, path)
    elif kind in ("integer", "long"):
        if high is not None:
            yield f"{path}: {high + 1}, over maximum {high}", high + 1, path
        if low is not None:
            yield f"{path}: {low - 1}, under minimum {low}", low - 1, path
    elif kind in ("list", "map"):
        yield from _size_faults(shape, value, path)


def _string_faults(shape: Shape, path: str) -> Iterator[tuple[str, object, str]]:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    if high is not None:
        yield f"{path}: one over max length {high}", "a" * (high + 1), path
    if low:
        yield f"{path}: one under min length {low}", "a" * (low - 1), path
    if shape.enum:
        yield f"{path}: not in the enum", "NOT_AN_ENUM_VALUE", path
    text = meta.get("pattern")
    if text is not None:
        pattern = compile_java_pattern(text)
        for candidate in (" ", "\x00", "#", "a b", "\u2028"):
            if pattern.fullmatch(candidate) is None:
                yield f"{path}: {candidate!r} off pattern {text}", candidate, path
                break


def _size_faults(shape: Shape, value: Any, path: str) -> Iterator[tuple[str, object, str]]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if shape.type_name == "list":
        item = value[0]
        if high is not None:
            yield f"{path}: {high + 1} items, max {high}", [item] * (high + 1), path
        if low:
            yield f"{path}: {low - 1} items, min {low}", [item] * (low - 1), path
        return
    item = next(iter(value.values()))
    if high is not None:
        many = {f"k{index}": item for index in range(high + 1)}
        yield f"{path}: {high + 1} entries, max {high}", many, path
    if low:
        yield f"{path}: {low - 1} entries, min {low}", {}, path
    key = shape.key
    if key.metadata.get("min") or key.metadata.get("pattern") or key.enum:
        yield f"{path}: an empty map key", {"": item}, path


def _get(body: Any, steps: tuple[str | int, ...]) -> Any:
    for step in steps:
        body = body[step]
    return body


def _put(body: Any, steps: tuple[str | int, ...], replacement: object) -> None:
    *parents, last = steps
    for step in parents:
        body = body[step]
    if replacement is _MISSING:
        del body[last]
    else:
        body[last] = replacement
