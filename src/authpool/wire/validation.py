"""Request validation against the official Cognito API model.

:func:`validate` checks a decoded JSON request body against the operation's input shape,
recursively: JSON types, required members, string lengths, patterns, enums, numeric
ranges, list and map sizes, map keys and values. Unknown members are ignored, as AWS
ignores them. A failure raises :class:`ValidationFailed`, whose message is worded as
Cognito words it::

    2 validation errors detected: Value null at 'clientId' failed to satisfy constraint:
    Member must not be null; Value at 'password' failed to satisfy constraint: Member
    must have length greater than or equal to 6

How AWS writes these messages (Coral's validator), and what this module does alike:

- ``N validation error(s) detected: `` then the violations joined by ``; ``. At most
  ten violations are listed and N counts the listed ones: AWS stops at ten.
- One violation: ``Value '<value>' at '<path>' failed to satisfy constraint: <rule>``.
  The value is left out (``Value at '<path>'``) when its shape is sensitive in the model
  (passwords, usernames, client ids, …) or holds a sensitive part; a missing or null
  value is written ``Value null``. Blob values are never echoed either.
- Paths: member names with the first letter lowered (``userPoolId``), ``.`` between
  levels (``policies.passwordPolicy.minimumLength``), list items as ``.<n>.member``
  counting from 1 (``userAttributes.1.member.value``). A map is judged as a whole, at
  the map's own path: one ``Map keys must satisfy constraint: [<every rule of the key
  shape>]`` when any key breaks a rule, then one ``Map value must satisfy constraint:
  [...]`` likewise for values. Values that are structures or lists are walked into as
  ``<map>.<key>.member``.
- Rules of one member in this order: maximum length or value, minimum, pattern, enum.
  AWS orders members by a hash; we follow the model's member order.

A value of the wrong JSON type is a deserialization error on AWS (SerializationException,
reported alone, before any constraint). authpool answers InvalidParameterException for
every validation failure, so it raises :class:`ValidationFailed` at once, naming the
member and the expected type.

Patterns in the model are Java regular expressions;
:func:`authpool.wire.model.compile_java_pattern` translates them to Python's ``re``. Everything is
compiled once per process: a checker tree per shape, shared between operations, built on
the first request of each operation, or up front by :func:`precompile`.
"""

from __future__ import annotations

import binascii
import functools
import math
from collections.abc import Sequence

from botocore.model import Shape

from authpool.wire import model

__all__ = [
    "MAX_LISTED_ERRORS",
    "ValidationFailed",
    "precompile",
    "validate",
]

MAX_LISTED_ERRORS = 10

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


class ValidationFailed(Exception):
    """The request does not fit the operation's input shape; wire/ answers it as
    ``InvalidParameterException`` with :attr:`message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate(operation: str, params: object) -> None:
    """Check the decoded JSON body ``params`` of a request to ``operation``.

    Raises :class:`ValidationFailed` if it does not fit the input shape, and
    :class:`authpool.wire.model.UnknownOperation` for an operation not in the model.
    """
    checker = _operation_checker(operation)
    if not isinstance(params, dict):
        raise ValidationFailed(f"The request body must be a JSON object, not {_json_type(params)}")
    errors = _Errors()
    checker.check(params, "", errors)
    if errors.listed:
        raise ValidationFailed(errors.message())


def precompile() -> None:
    """Build the checkers of every operation now rather than on first use (server start)."""
    for operation in model.operation_names():
        _operation_checker(operation)


# --------------------------------------------------------------------------------------
# Violations and messages


class _Errors:
    __slots__ = ("listed",)

    def __init__(self) -> None:
        self.listed: list[str] = []

    def add(self, path: str, value: object, rule: str, redact: bool) -> None:
        if len(self.listed) >= MAX_LISTED_ERRORS:
            return
        if value is None:
            shown = "Value null"
        elif redact:
            shown = "Value"
        else:
            shown = f"Value '{_render(value)}'"
        self.listed.append(f"{shown} at '{path}' failed to satisfy constraint: {rule}")

    def message(self) -> str:
        count = len(self.listed)
        noun = "error" if count == 1 else "errors"
        return f"{count} validation {noun} detected: " + "; ".join(self.listed)


def _render(value: object) -> str:
    """A value as Java's ``toString`` would print it in Coral's message."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_render(item)}" for key, item in value.items()) + "}"
    if value is None:
        return "null"
    return str(value)


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (str, "a string"),
    (int, "a number"),
    (float, "a number"),
    (list, "a list"),
    (dict, "an object"),
)


def _json_type(value: object) -> str:
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _type_error(path: str, expected: str, value: object) -> ValidationFailed:
    where = f"at '{path}'" if path else "in the request body"
    return ValidationFailed(
        f"Invalid value type {where}: expected {expected}, got {_json_type(value)}"
    )


def _join(path: str, segment: str) -> str:
    return f"{path}.{segment}" if path else segment


# --------------------------------------------------------------------------------------
# Checkers: one per shape, built once


class _Checker:
    """Checks one non-null value of a shape; ``redact`` hides the value in messages."""

    __slots__ = ("redact", "rules")

    def __init__(self, redact: bool) -> None:
        self.redact = redact
        # Every rule of the shape, as listed in "Map keys must satisfy constraint: [...]".
        self.rules: tuple[str, ...] = ()

    def check(self, value: object, path: str, errors: _Errors) -> None:
        for rule in self.violations(value, path):
            errors.add(path, value, rule, self.redact)

    def violations(self, value: object, path: str) -> Sequence[str]:
        """The rules ``value`` breaks; a wrong JSON type raises at once."""
        raise NotImplementedError  # pragma: no cover - every scalar checker overrides


def _length_rules(shape: Shape) -> tuple[int | None, int | None, list[str]]:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    rules = []
    if high is not None:
        rules.append(f"Member must have length less than or equal to {high}")
    if low is not None:
        rules.append(f"Member must have length greater than or equal to {low}")
    return low, high, rules


# Shapes whose model pattern Cognito does not apply as written. PasswordType says [\S]+, yet
# Cognito accepts spaces inside a password (its policy counts the space as a symbol) and
# refuses only leading and trailing white space; the message still quotes the model.
PATTERN_OVERRIDES: dict[str, str] = {"PasswordType": r"[\S]+(?:.*[\S]+)?"}


class _String(_Checker):
    __slots__ = ("enum", "high", "low", "pattern", "pattern_text")

    def __init__(self, shape: Shape) -> None:
        super().__init__(bool(shape.metadata.get("sensitive")))
        self.low, self.high, rules = _length_rules(shape)
        text = shape.metadata.get("pattern")
        matcher = PATTERN_OVERRIDES.get(shape.name, text)
        self.pattern = None if matcher is None else model.compile_java_pattern(matcher)
        self.pattern_text = text
        if text is not None:
            rules.append(f"Member must satisfy regular expression pattern: {text}")
        values = shape.metadata.get("enum")
        self.enum = None if values is None else frozenset(values)
        if values is not None:
            rules.append(f"Member must satisfy enum value set: [{', '.join(values)}]")
        self.rules = tuple(rules)

    def violations(self, value: object, path: str) -> Sequence[str]:
        if not isinstance(value, str):
            raise _type_error(path, "a string", value)
        broken: list[str] = []
        size = len(value)  # code points, as AWS counts
        if self.high is not None and size > self.high:
            broken.append(f"Member must have length less than or equal to {self.high}")
        if self.low is not None and size < self.low:
            broken.append(f"Member must have length greater than or equal to {self.low}")
        if self.pattern is not None and self.pattern.fullmatch(value) is None:
            broken.append(f"Member must satisfy regular expression pattern: {self.pattern_text}")
        if self.enum is not None and value not in self.enum:
            broken.append(self.rules[-1])
        return broken


class _Number(_Checker):
    __slots__ = ("bounds", "expected", "high", "integral", "low")

    def __init__(self, shape: Shape) -> None:
        super().__init__(bool(shape.metadata.get("sensitive")))
        self.low = shape.metadata.get("min")
        self.high = shape.metadata.get("max")
        self.integral = shape.type_name in ("integer", "long")
        self.bounds = _INT64 if shape.type_name == "long" else _INT32
        if self.integral:
            low, high = self.bounds
            self.expected = f"an integer between {low} and {high} (a JSON number without fraction)"
        else:
            self.expected = "a finite number"
        rules = []
        if self.high is not None:
            rules.append(f"Member must have value less than or equal to {self.high}")
        if self.low is not None:
            rules.append(f"Member must have value greater than or equal to {self.low}")
        self.rules = tuple(rules)

    def violations(self, value: object, path: str) -> Sequence[str]:
        if self.integral:
            if not isinstance(value, int) or isinstance(value, bool):
                raise _type_error(path, self.expected, value)
            if not self.bounds[0] <= value <= self.bounds[1]:
                raise _type_error(path, self.expected, value)
        elif (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise _type_error(path, self.expected, value)
        broken: list[str] = []
        if self.high is not None and value > self.high:
            broken.append(self.rules[0])
        if self.low is not None and value < self.low:
            broken.append(self.rules[-1])
        return broken


class _Boolean(_Checker):
    __slots__ = ()

    def violations(self, value: object, path: str) -> Sequence[str]:
        if not isinstance(value, bool):
            raise _type_error(path, "a boolean", value)
        return ()


class _Timestamp(_Checker):
    __slots__ = ()

    def violations(self, value: object, path: str) -> Sequence[str]:
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise _type_error(path, "a timestamp (seconds since the epoch, a number)", value)
        return ()


class _Blob(_Checker):
    __slots__ = ("high", "low")

    def __init__(self, shape: Shape) -> None:
        super().__init__(redact=True)  # never echo (up to a megabyte of) base64 back
        self.low, self.high, rules = _length_rules(shape)
        self.rules = tuple(rules)

    def violations(self, value: object, path: str) -> Sequence[str]:
        if not isinstance(value, str):
            raise _type_error(path, "a base64-encoded string", value)
        try:
            size = len(binascii.a2b_base64(value, strict_mode=True))
        except binascii.Error:
            raise ValidationFailed(f"Invalid base64 value at '{path}'") from None
        broken: list[str] = []
        if self.high is not None and size > self.high:
            broken.append(self.rules[0])
        if self.low is not None and size < self.low:
            broken.append(self.rules[-1])
        return broken


class _Document(_Checker):
    """A document member holds any JSON value."""

    __slots__ = ()

    def violations(self, value: object, path: str) -> Sequence[str]:
        return ()


class _List(_Checker):
    __slots__ = ("high", "low", "member")

    def __init__(self, shape: Shape, member: _Checker) -> None:
        super().__init__(bool(shape.metadata.get("sensitive")) or member.redact)
        self.member = member
        self.low, self.high, rules = _length_rules(shape)
        self.rules = tuple(rules)

    def check(self, value: object, path: str, errors: _Errors) -> None:
        if not isinstance(value, list):
            raise _type_error(path, "a list", value)
        size = len(value)
        if self.high is not None and size > self.high:
            errors.add(path, value, self.rules[0], self.redact)
        if self.low is not None and size < self.low:
            errors.add(path, value, self.rules[-1], self.redact)
        member = self.member
        for index, item in enumerate(value, 1):
            where = f"{path}.{index}.member"
            if item is None:
                errors.add(where, None, "Member must not be null", member.redact)
            else:
                member.check(item, where, errors)


class _Map(_Checker):
    __slots__ = ("high", "key", "key_rule", "low", "value", "value_rules", "walk_values")

    def __init__(self, shape: Shape, key: _Checker, value: _Checker) -> None:
        redact = bool(shape.metadata.get("sensitive")) or key.redact or value.redact
        super().__init__(redact)
        self.key = key
        self.value = value
        self.low, self.high, rules = _length_rules(shape)
        self.rules = tuple(rules)
        self.key_rule = f"Map keys must satisfy constraint: [{', '.join(key.rules)}]"
        self.value_rules = value.rules
        # Scalar values are judged together at the map's path; others are walked into.
        self.walk_values = isinstance(value, _List | _Map | _Structure)

    def check(self, value: object, path: str, errors: _Errors) -> None:
        if not isinstance(value, dict):
            raise _type_error(path, "an object", value)
        size = len(value)
        if self.high is not None and size > self.high:
            errors.add(path, value, self.rules[0], self.redact)
        if self.low is not None and size < self.low:
            errors.add(path, value, self.rules[-1], self.redact)
        if any(self.key.violations(key, path) for key in value):
            errors.add(path, value, self.key_rule, self.redact)
        if self.walk_values:
            for key, item in value.items():
                where = f"{path}.{key}.member"
                if item is None:
                    errors.add(where, None, "Member must not be null", self.value.redact)
                else:
                    self.value.check(item, where, errors)
            return
        self._check_scalar_values(value, path, errors)

    def _check_scalar_values(self, value: dict[str, object], path: str, errors: _Errors) -> None:
        broken = False
        null = False
        for key, item in value.items():
            if item is None:
                null = True
            elif self.value.violations(item, f"{path}.{key}"):
                broken = True
        if broken or null:
            rules = self.value_rules + (("Member must not be null",) if null else ())
            rule = f"Map value must satisfy constraint: [{', '.join(rules)}]"
            errors.add(path, value, rule, self.redact)


class _Structure(_Checker):
    __slots__ = ("members",)

    def __init__(self, shape: Shape) -> None:
        super().__init__(bool(shape.metadata.get("sensitive")))
        # (wire name, path segment, checker, required), filled in by _build
        self.members: tuple[tuple[str, str, _Checker, bool], ...] = ()

    def check(self, value: object, path: str, errors: _Errors) -> None:
        if not isinstance(value, dict):
            raise _type_error(path, "an object", value)
        for name, segment, checker, required in self.members:
            item = value.get(name)
            if item is not None:
                checker.check(item, _join(path, segment), errors)
            elif required:
                errors.add(_join(path, segment), None, "Member must not be null", False)


# LambdaConfig members name a trigger target: a Lambda ARN as in the model, or a target
# authpool runs itself (python:…, https://…, see authpool.triggers), which the domain checks.
_TRIGGER_SHAPES = frozenset(
    {
        "LambdaConfigType",
        "PreTokenGenerationVersionConfigType",
        "CustomSMSLambdaVersionConfigType",
        "CustomEmailLambdaVersionConfigType",
    }
)
_TARGET_PREFIXES = ("python:", "https://", "http://")


class _TriggerTarget(_String):
    __slots__ = ()

    def violations(self, value: object, path: str) -> Sequence[str]:
        if isinstance(value, str) and value.startswith(_TARGET_PREFIXES):
            if self.high is not None and len(value) > self.high:
                return [f"Member must have length less than or equal to {self.high}"]
            return ()
        return super().violations(value, path)


def _trigger_targets(
    shape: Shape, members: tuple[tuple[str, str, _Checker, bool], ...]
) -> tuple[tuple[str, str, _Checker, bool], ...]:
    return tuple(
        (name, segment, _TriggerTarget(shape.members[name]), required)
        if shape.members[name].name == "ArnType" and name != "KMSKeyID"
        else (name, segment, checker, required)
        for name, segment, checker, required in members
    )


_SCALARS: dict[str, type[_Checker]] = {
    "boolean": _Boolean,
    "timestamp": _Timestamp,
}


def _build(shape: Shape, built: dict[str, _Checker]) -> _Checker:
    """The checker of ``shape``; ``built`` memoizes by shape name (names are unique)."""
    done = built.get(shape.name)
    if done is not None:
        return done
    kind = shape.type_name
    checker: _Checker
    if kind == "structure" and shape.is_document_type:
        checker = _Document(redact=bool(shape.metadata.get("sensitive")))
    elif kind == "structure":
        structure = checker = built[shape.name] = _Structure(shape)
        required = set(shape.required_members)
        structure.members = tuple(
            (name, name[:1].lower() + name[1:], _build(member, built), name in required)
            for name, member in shape.members.items()
        )
        if shape.name in _TRIGGER_SHAPES:
            structure.members = _trigger_targets(shape, structure.members)
        structure.redact = structure.redact or any(m[2].redact for m in structure.members)
    elif kind == "list":
        checker = _List(shape, _build(shape.member, built))
    elif kind == "map":
        checker = _Map(shape, _build(shape.key, built), _build(shape.value, built))
    elif kind == "string":
        checker = _String(shape)
    elif kind in ("integer", "long", "double", "float"):
        checker = _Number(shape)
    elif kind == "blob":
        checker = _Blob(shape)
    else:
        checker = _SCALARS[kind](redact=bool(shape.metadata.get("sensitive")))
    built[shape.name] = checker
    return checker


# Complete checkers only, shared by every operation. A build works on a private copy and
# publishes when done, so a concurrent request never meets a half-filled structure.
_BUILT: dict[str, _Checker] = {}


@functools.cache
def _operation_checker(operation: str) -> _Checker:
    fresh = dict(_BUILT)
    checker = _build(model.input_shape(operation), fresh)
    _BUILT.update(fresh)
    return checker
