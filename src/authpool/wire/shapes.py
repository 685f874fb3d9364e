"""Conversion between wire dicts and the domain's snake_case dicts, driven by the model.

Handlers never spell a wire key: a request body becomes ``{"user_pool_id": …,
"user_attributes": [{"name": …, "value": …}]}`` and a result written in snake_case becomes
the response body. The rules, per shape type:

========== ============================== ==================================================
shape      :func:`to_domain` (requests)   :func:`to_wire` (responses)
========== ============================== ==================================================
structure  member names → ``xform_name``; snake names → member names; ``None`` dropped;
           unknown and null members       an unknown name raises :class:`UnknownMember`
           dropped
map        keys untouched, values         keys untouched, values converted
           converted
list       element by element             element by element
blob       base64 text → ``bytes``        ``bytes`` → base64 text
timestamp  as given (epoch seconds)       aware ``datetime`` → epoch seconds (float);
                                          numbers as given
others     as given                       as given
========== ============================== ==================================================

Snake names come from ``botocore.xform_name`` (``MFAOptions`` → ``mfa_options``,
``SMSMfaSettings`` → ``sms_mfa_settings``); two members of one structure with the same
snake name would make the mapping ambiguous, so building a converter raises
:class:`NameCollision` (a test checks every structure of the model).

Converters are built once per shape name and cached, like the validation checkers.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping

from botocore import xform_name
from botocore.model import Shape

from authpool.wire import model

__all__ = [
    "NameCollision",
    "UnknownMember",
    "request_to_domain",
    "response_to_wire",
    "snake_names",
    "to_domain",
    "to_wire",
]


class UnknownMember(ValueError):
    """A result handed to :func:`to_wire` has a key that is not a member of its shape: a
    programming error in the handler that built it."""


class NameCollision(ValueError):
    """Two members of one structure share a snake_case name."""


def to_domain(shape: Shape, value: object) -> object:
    """The domain form of a (validated) wire ``value`` of ``shape``."""
    return _converter(shape).to_domain(value)


def to_wire(shape: Shape, value: object) -> object:
    """The wire form of a domain ``value`` of ``shape``."""
    return _converter(shape).to_wire(value)


def request_to_domain(operation: str, body: Mapping[str, object]) -> dict[str, object]:
    """The snake_case form of a validated request body of ``operation``."""
    converted = to_domain(model.input_shape(operation), body)
    assert isinstance(converted, dict)
    return converted


def response_to_wire(operation: str, result: Mapping[str, object] | None) -> dict[str, object]:
    """The response body of ``operation`` for the handler's snake_case ``result``.

    Operations without an output shape answer ``{}``; a non-empty result for them is an
    :class:`UnknownMember` error like any other stray key.
    """
    shape = model.output_shape(operation)
    if shape is None:
        if result:
            raise UnknownMember(f"{operation} has no output, got keys {sorted(result)}")
        return {}
    converted = to_wire(shape, result or {})
    assert isinstance(converted, dict)
    return converted


def snake_names(shape: Shape) -> Mapping[str, str]:
    """Member name → snake_case name, for every member of structure ``shape``."""
    converter = _converter(shape)
    if not isinstance(converter, _Structure):
        raise TypeError(f"{shape.name} is a {shape.type_name}, not a structure")
    return {wire: snake for wire, (snake, _) in converter.by_wire.items()}


# --------------------------------------------------------------------------------------
# Converters: one per shape name, built once


class _Converter:
    """Converts one shape's values; the base class leaves them as they are."""

    __slots__ = ()
    identity = True

    def to_domain(self, value: object) -> object:
        return value

    def to_wire(self, value: object) -> object:
        return value


_IDENTITY = _Converter()


class _Blob(_Converter):
    __slots__ = ()
    identity = False

    def to_domain(self, value: object) -> object:
        if not isinstance(value, str):
            raise TypeError(f"a blob arrives as base64 text, got {type(value).__name__}")
        return base64.b64decode(value, validate=True)

    def to_wire(self, value: object) -> object:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"a blob leaves as bytes, got {type(value).__name__}")
        return base64.b64encode(value).decode("ascii")


class _Timestamp(_Converter):
    __slots__ = ()
    identity = False

    def to_wire(self, value: object) -> object:
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r}: give timestamps a time zone")
            return value.timestamp()
        return value


class _List(_Converter):
    __slots__ = ("member",)
    identity = False

    def __init__(self, member: _Converter) -> None:
        self.member = member

    def to_domain(self, value: object) -> object:
        return [self.member.to_domain(item) for item in _sequence(value)]

    def to_wire(self, value: object) -> object:
        return [self.member.to_wire(item) for item in _sequence(value)]


class _Map(_Converter):
    __slots__ = ("value",)
    identity = False

    def __init__(self, value: _Converter) -> None:
        self.value = value

    def to_domain(self, value: object) -> object:
        return {key: self.value.to_domain(item) for key, item in _mapping(value).items()}

    def to_wire(self, value: object) -> object:
        return {key: self.value.to_wire(item) for key, item in _mapping(value).items()}


class _Structure(_Converter):
    __slots__ = ("by_snake", "by_wire", "name")
    identity = False

    def __init__(self, name: str) -> None:
        self.name = name
        self.by_wire: dict[str, tuple[str, _Converter]] = {}
        self.by_snake: dict[str, tuple[str, _Converter]] = {}

    def add(self, wire: str, converter: _Converter) -> None:
        snake = xform_name(wire)
        if snake in self.by_snake:
            other = self.by_snake[snake][0]
            raise NameCollision(f"{self.name}: {other} and {wire} both become {snake}")
        self.by_wire[wire] = (snake, converter)
        self.by_snake[snake] = (wire, converter)

    def to_domain(self, value: object) -> object:
        out: dict[str, object] = {}
        members = self.by_wire
        for wire, item in _mapping(value).items():
            found = members.get(wire)
            if found is not None and item is not None:
                snake, converter = found
                out[snake] = item if converter.identity else converter.to_domain(item)
        return out

    def to_wire(self, value: object) -> object:
        out: dict[str, object] = {}
        members = self.by_snake
        for snake, item in _mapping(value).items():
            found = members.get(snake)
            if found is None:
                raise UnknownMember(f"{self.name} has no member for {snake!r}")
            if item is not None:
                wire, converter = found
                out[wire] = item if converter.identity else converter.to_wire(item)
        return out


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a mapping, got {type(value).__name__}")
    return value


def _sequence(value: object) -> list[object] | tuple[object, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


# Complete converters only. A build works on a private copy and publishes when done, so
# a concurrent request never meets a half-filled structure.
_BUILT: dict[str, _Converter] = {}


def _converter(shape: Shape) -> _Converter:
    """The converter of ``shape``, cached by shape name (names are unique in the model)."""
    done = _BUILT.get(shape.name)
    if done is None:
        fresh = dict(_BUILT)
        done = _build(shape, fresh)
        _BUILT.update(fresh)
    return done


def _build(shape: Shape, built: dict[str, _Converter]) -> _Converter:
    done = built.get(shape.name)
    if done is not None:
        return done
    kind = shape.type_name
    converter: _Converter
    if kind == "structure" and not shape.is_document_type:
        structure = built[shape.name] = _Structure(shape.name)  # first, should a shape recur
        for name, member in shape.members.items():
            structure.add(name, _build(member, built))
        return structure
    if kind == "list":
        member = _build(shape.member, built)
        converter = _IDENTITY if member.identity else _List(member)
    elif kind == "map":
        value = _build(shape.value, built)
        converter = _IDENTITY if value.identity else _Map(value)
    else:
        converter = _SCALARS.get(kind, _IDENTITY)
    built[shape.name] = converter
    return converter


_SCALARS: dict[str, _Converter] = {"blob": _Blob(), "timestamp": _Timestamp()}
