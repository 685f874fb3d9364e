"""The official Cognito user-pool API model, as shipped inside botocore.

The model (``botocore/data/cognito-idp/2016-04-18/service-2.json.gz``) is loaded once per
process, on first use, and is the single source of truth for operation names, request and
response shapes, constraints and error names. Nothing here knows a wire key by heart.

botocore rebuilds a ``Shape`` object on every ``shape_for`` call; callers that run per
request (validation, conversion) compile what they need from a shape once and cache the
result by shape name. Shape names are unique in the model and no member reference carries
a constraint of its own (a test keeps that true), so a name identifies the constraints.

The model's ``pattern`` constraints are Java regular expressions; :func:`compile_java_pattern`
turns one into a Python ``re`` pattern with Java's meaning, once per pattern.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, StructureShape

__all__ = [
    "JavaPattern",
    "UnknownOperation",
    "UnsupportedJavaPattern",
    "compile_java_pattern",
    "error_names",
    "input_shape",
    "operation_model",
    "operation_names",
    "output_shape",
    "service_model",
    "translate_java_pattern",
]

SERVICE_NAME = "cognito-idp"


class UnknownOperation(LookupError):
    """The operation is not part of the Cognito user-pool API."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"unknown Cognito operation: {operation!r}")
        self.operation = operation


@functools.cache
def service_model() -> ServiceModel:
    """The botocore model of the Cognito user-pool API (loaded once per process)."""
    description = Loader().load_service_model(SERVICE_NAME, "service-2")
    return ServiceModel(description, service_name=SERVICE_NAME)


@functools.cache
def operation_names() -> frozenset[str]:
    """Every operation of the API, spelled as in ``X-Amz-Target`` (``SignUp``, …)."""
    return frozenset(service_model().operation_names)


@functools.cache
def operation_model(operation: str) -> OperationModel:
    """The botocore operation model; :class:`UnknownOperation` if there is none."""
    if operation not in operation_names():
        raise UnknownOperation(operation)
    return service_model().operation_model(operation)


def input_shape(operation: str) -> StructureShape:
    """The request shape of ``operation`` (every Cognito operation has one)."""
    return operation_model(operation).input_shape


def output_shape(operation: str) -> StructureShape | None:
    """The response shape of ``operation``, or None when it answers an empty object."""
    return operation_model(operation).output_shape


@functools.cache
def error_names() -> frozenset[str]:
    """Every error shape of the model (``InvalidParameterException``, …)."""
    model = service_model()
    return frozenset(
        name for name in model.shape_names if model.shape_for(name).metadata.get("exception", False)
    )


# --------------------------------------------------------------------------------------
# Java regular expressions


class UnsupportedJavaPattern(ValueError):
    """A model pattern uses a Java regex construct that has no translation here."""


class JavaPattern:
    """A compiled model pattern: ``text`` as written in the model, ``regex`` for Python."""

    __slots__ = ("fullmatch", "regex", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.regex = re.compile(translate_java_pattern(text), re.ASCII)
        self.fullmatch = self.regex.fullmatch


@functools.cache
def compile_java_pattern(text: str) -> JavaPattern:
    """Compile a model pattern (Java syntax) once; match with ``.fullmatch(value)``.

    Java's ``String.matches`` semantics: the whole value must match. Constructs:

    - ``\\p{X}`` (X a Unicode general category, major such as ``L`` or minor such as
      ``Lu``): a character class listing the code points of that category, taken from
      ``unicodedata`` once per process; ``\\P{X}`` likewise negated (outside classes).
    - ``\\w \\W \\s \\S \\d \\D``: ASCII-only in Java (no UNICODE_CHARACTER_CLASS), so the
      pattern is compiled with ``re.ASCII``; Java's ``\\s`` is ``[ \\t\\n\\x0B\\f\\r]``,
      exactly Python's ASCII ``\\s``.
    - ``.``: in Java it excludes every line terminator (``\\n \\r \\u0085 \\u2028
      \\u2029``), in Python only ``\\n``; translated to a class, unless ``(?s)`` (a
      leading DOTALL flag, the only inline flag accepted) is in force.
    - ``\\xhh``, ``\\uhhhh``, ``\\t \\n \\r \\f``, escaped punctuation, ``[...]`` and
      ``[^...]`` with ranges, ``{m,n}`` quantifiers, ``(...)``, ``(?:...)``,
      lookaround ``(?=`` ``(?!`` ``(?<=`` ``(?<!``, ``|``, ``^``, ``$``: the same in
      both; copied. ``&``, ``|`` and ``~`` inside a class are escaped so that Python
      never reads them as set operations.
    - Anything else (nested classes, ``&&`` intersections, named groups, ``\\Q…\\E``,
      other flags, unknown escapes) raises :class:`UnsupportedJavaPattern`.
    """
    return JavaPattern(text)


def translate_java_pattern(text: str) -> str:
    """The Python ``re`` source (for ``re.ASCII``) equivalent to Java pattern ``text``."""
    return _Translator(text).run()


_JAVA_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"
_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_PROPERTY = re.compile(r"\\([pP])\{([A-Z][a-z]?)\}")
_HEX = {"x": re.compile(r"\\x[0-9a-fA-F]{2}"), "u": re.compile(r"\\u[0-9a-fA-F]{4}")}


class _Translator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.at = 0
        self.in_class = False
        self.dotall = False

    def fail(self, what: str) -> UnsupportedJavaPattern:
        return UnsupportedJavaPattern(f"{what} at {self.at} in Java pattern {self.text!r}")

    def run(self) -> str:
        if self.text.startswith("(?s)"):
            self.dotall = True
            self.out.append("(?s)")
            self.at = 4
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "\\":
                self.escape()
            elif self.in_class:
                self.class_char(char)
            else:
                self.plain_char(char)
        if self.in_class:
            raise self.fail("unterminated character class")
        return "".join(self.out)

    def escape(self) -> None:
        text, at = self.text, self.at
        follower = text[at + 1 : at + 2]
        if follower in ("p", "P"):
            self.property()
        elif follower in _HEX:
            found = _HEX[follower].match(text, at)
            if found is None:
                raise self.fail("malformed hex escape")
            self.emit(found.group(), found.end())
        elif follower and (follower in "wWsSdDtnrf" or not follower.isalnum()):
            self.emit(text[at : at + 2], at + 2)
        else:
            raise self.fail(f"escape \\{follower}")

    def property(self) -> None:
        found = _PROPERTY.match(self.text, self.at)
        if found is None or found.group(2) not in _category_ranges():
            raise self.fail("Unicode property")
        negated = found.group(1) == "P"
        body = _category_class(found.group(2))
        if self.in_class:
            if negated:
                raise self.fail("negated property inside a class")
            self.emit(body, found.end())
        else:
            self.emit(f"[{'^' if negated else ''}{body}]", found.end())

    def class_char(self, char: str) -> None:
        following = self.text[self.at + 1 : self.at + 2]
        if char == "[":
            raise self.fail("nested character class")
        if char in "&|~-" and following == char:
            raise self.fail(f"doubled {char!r} inside a class")
        if char == "]":
            self.in_class = False
        self.emit("\\" + char if char in "&|~" else char, self.at + 1)

    def plain_char(self, char: str) -> None:
        text, at = self.text, self.at
        if char == "[":
            self.in_class = True
            start = at + 2 if text.startswith("[^", at) else at + 1
            if text[start : start + 1] == "]":
                raise self.fail("']' first in a class")
            self.emit(text[at:start], start)
        elif char == ".":
            self.emit("." if self.dotall else _JAVA_DOT, at + 1)
        elif char == "(" and text.startswith("(?", at):
            opener = next((o for o in _GROUP_OPENERS if text.startswith(o, at)), None)
            if opener is None:
                raise self.fail("group construct")
            self.emit(opener, at + len(opener))
        elif char == "{":
            found = _QUANTIFIER.match(text, at)
            if found is None:
                raise self.fail("unescaped '{'")
            self.emit(found.group(), found.end())
        else:
            self.emit(char, at + 1)

    def emit(self, piece: str, end: int) -> None:
        self.out.append(piece)
        self.at = end


@functools.cache
def _category_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """Code point ranges of every Unicode general category, major (``L``) and minor
    (``Lu``), from this Python's ``unicodedata``. One pass over all code points, about
    0.2 s, done once per process and only if a pattern uses ``\\p{…}``."""
    ranges: dict[str, list[tuple[int, int]]] = {}

    def add(name: str, start: int, end: int) -> None:
        found = ranges.setdefault(name, [])
        if found and found[-1][1] == start - 1:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))

    category = unicodedata.category
    current = category("\x00")
    start = 0
    for point in range(1, 0x110000):
        name = category(chr(point))
        if name != current:
            add(current, start, point - 1)
            add(current[0], start, point - 1)
            current, start = name, point
    add(current, start, 0x10FFFF)
    add(current[0], start, 0x10FFFF)
    return {name: tuple(found) for name, found in ranges.items()}


@functools.cache
def _category_class(name: str) -> str:
    """The inside of a character class (no brackets) matching category ``name``."""
    pieces = []
    for start, end in _category_ranges()[name]:
        pieces.append(f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}")
    return "".join(pieces)
