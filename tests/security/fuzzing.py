"""Malformed requests for every implemented operation, built from the botocore model, and the
rule every answer must keep. Shared by the hypothesis test (tests/security/test_fuzz.py) and
the long run (bench/fuzz.py), which draws from the same generators with a seeded ``Random``.

A request starts from a valid body of its operation (every member, or only the required
ones) and takes a few faults: a member removed, a member given a value of any JSON type (huge
strings, unicode edge cases, deep nesting, big numbers), an unknown member added; or the body
is replaced by bytes that are not a JSON object (broken, truncated, not UTF-8, lone surrogate
escapes, deeply nested, over the size limit).
"""

from __future__ import annotations

import copy
import json
import random  # noqa: TID251  (reproducible fuzzing, nothing secret)
from typing import Any

from authpool.wire import model

EDGE_STRINGS = [
    "",
    " ",
    "\x00",
    "\u2028",
    "\ufeff",
    "\ud7ff",
    "\U0001d518" * 64,  # astral characters: two UTF-16 units each
    "e\u0301",  # a combining accent
    "\uff21\uff22",  # fullwidth letters (NFKC would fold them)
    "a" * 4097,
    "x" * 70_000,
    "${jndi:ldap://example.invalid/a}",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%s%n%x",
    "\\",
    '"',
    "null",
    "NaN",
    "us-east-1_AbCdEf123",
    "AKIAAAAAAAAAAAAAAAAA",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
]
RAW_BODIES = [
    b"",
    b"{",
    b"}",
    b"[]",
    b"null",
    b'"a string"',
    b"12345",
    b"{'single': 'quotes'}",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": "\\ud800"}',
    b'{"a": "\\udc00\\ud800"}',
    b"\xff\xfe\x00\x00",
    b'{"a": 1e999}',
    b'{"a": 1' + b"0" * 5000 + b"}",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'{"ClientId": "x", "ClientId": "y"}',
]
NOT_JSON_TYPE = "text/plain"
# Error names the server may answer with besides the model's own.
WIRE_ERRORS = frozenset(
    {
        "UnknownOperationException",
        "UnsupportedOperationException",
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "UnrecognizedClientException",
    }
)


def known_errors() -> frozenset[str]:
    return model.error_names() | WIRE_ERRORS


def _leaf(rng: random.Random) -> Any:
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**31, -(2**63), 2**64, 10**30])
    if kind == 3:
        return rng.choice([0.5, -1.5, 1e308, 5e-324])
    if kind == 4:
        return rng.choice(EDGE_STRINGS)
    if kind == 5:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 40)))
    if kind == 6:
        return "".join(chr(rng.randrange(0xE000, 0x10FFFF)) for _ in range(rng.randrange(1, 8)))
    if kind == 7:
        return [_leaf(rng) for _ in range(rng.randrange(4))]
    return {rng.choice(EDGE_STRINGS[:10] + ["k", "Name"]): _leaf(rng) for _ in range(3)}


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _paths(body: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if len(prefix) >= 8:  # not into the deep values a fault put there
        return found
    if isinstance(body, dict):
        for key, value in body.items():
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(body, list):
        for index, value in enumerate(body[:2]):
            found.append((*prefix, index))
            found.extend(_paths(value, (*prefix, index)))
    return found


def _mutate(body: dict[str, Any], rng: random.Random) -> None:
    paths = _paths(body)
    choice = rng.randrange(5)
    if choice == 0 or not paths:  # an unknown member
        body[rng.choice(["Extra", "__type", "constructor", "ClientId ", "x" * 300])] = _leaf(rng)
        return
    path = rng.choice(paths)
    holder: Any = body
    for step in path[:-1]:
        holder = holder[step]
    last = path[-1]
    if choice == 1 and isinstance(holder, dict):
        del holder[last]
    elif choice == 2:
        holder[last] = _deep(rng.choice([50, 500]))
    else:
        holder[last] = _leaf(rng)


def request(operation: str, rng: random.Random, base: dict[str, Any]) -> bytes:
    """A malformed body for ``operation`` from its valid ``base`` body."""
    if rng.random() < 0.15:
        return rng.choice(RAW_BODIES)
    body = copy.deepcopy(base)
    for _ in range(rng.randrange(1, 4)):
        _mutate(body, rng)
    text = json.dumps(body, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.1:
        return text.encode()[: rng.randrange(max(len(text), 1))]  # cut short
    return text.encode("utf-8", "surrogatepass")


def problem(status: int, headers: Any, content: bytes, errors: frozenset[str]) -> str | None:
    """What is wrong with an answer, or None: a JSON 2xx, or a JSON 4xx naming a known
    Cognito error in its body and its x-amzn-ErrorType header; never a 5xx."""
    if status >= 500:
        return f"server error {status}: {content[:200]!r}"
    try:
        body = json.loads(content)
    except ValueError:
        return f"not JSON ({status}): {content[:200]!r}"
    if status < 300:
        return None if isinstance(body, dict) else f"2xx that is not an object: {content[:200]!r}"
    if not 400 <= status < 500:
        return f"status {status}"
    name = body.get("__type") if isinstance(body, dict) else None
    if name not in errors:
        return f"unknown error name {name!r}"
    if headers.get("x-amzn-errortype") != name:
        return f"x-amzn-ErrorType {headers.get('x-amzn-errortype')!r} for {name}"
    if not isinstance(body.get("message"), str):
        return "no message"
    return None
