"""Regenerate srp_cognito.json from pycognito, an implementation independent of ours.

    .venv/bin/python tests/vectors/srp_cognito_generate.py

Uses pycognito and the standard library only, never authpool. Client values (k, x, A,
the HKDF key, the TIMESTAMP text and the PASSWORD_CLAIM_SIGNATURE) come out of
pycognito's own code: ``AWSSRP.get_password_authentication_key``,
``AWSSRP.process_challenge``, ``process_device_challenge`` and ``generate_hash_device``,
with its clock and ``os.urandom`` replaced by fixed values. The server-only values (B and
the server's S) are the textbook SRP-6a formulas over pycognito's N, g and k; the script
asserts the server's S equals the client's and that the HKDF of it is pycognito's key.

The exponents are fixed, derived from SHA-256 of a label; for some cases the script
steps b until u or S has a shape that exercises a particular padding rule.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib.metadata
import itertools
import json
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pycognito import aws_srp
from pycognito.aws_srp import (
    AWSSRP,
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    generate_hash_device,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

OUT = Path(__file__).with_name("srp_cognito.json")
N = hex_to_long(N_HEX)
G = hex_to_long(G_HEX)
POOL_ID = "us-east-1_AbCdEf123"
CLIENT_ID = "1example23456789abcdefghij"


def stream(label: str) -> Iterator[int]:
    """An endless deterministic byte stream: SHA-256 in counter mode over ``label``."""
    for counter in itertools.count():
        yield from hashlib.sha256(f"{label}/{counter}".encode()).digest()


def take(label: str, size: int) -> bytes:
    return bytes(itertools.islice(stream(label), size))


def number(label: str, size: int) -> int:
    return int.from_bytes(take(label, size), "big")


class _FakeBoto:
    """AWSSRP wants a boto3 client; these vectors never call one."""


def _frozen_clock(when: datetime.datetime) -> types.SimpleNamespace:
    class Frozen(datetime.datetime):
        @classmethod
        def utcnow(cls) -> datetime.datetime:
            return when

    return types.SimpleNamespace(datetime=Frozen)


def _helper(a: int, **kwargs: Any) -> AWSSRP:
    srp = AWSSRP(pool_id=POOL_ID, client_id=CLIENT_ID, client=_FakeBoto(), **kwargs)
    srp.small_a_value = a
    srp.large_a_value = srp.calculate_a()
    return srp


def _exchange(
    *, realm: str, user_id: str, password: str, salt_hex: str, a: int, b: int
) -> dict[str, Any]:
    """The arithmetic of one exchange, as pycognito does it (plus textbook B and server S)."""
    srp = _helper(a, username=user_id, password=password)
    k = srp.val_k
    x = hex_to_long(
        hex_hash(pad_hex(salt_hex) + hash_sha256(f"{realm}{user_id}:{password}".encode()))
    )
    v = pow(G, x, N)
    A = srp.large_a_value
    B = (k * v + pow(G, b, N)) % N
    u = calculate_u(A, B)
    S = pow(B - k * pow(G, x, N), a + u * x, N)
    assert pow(A * pow(v, u, N), b, N) == S, "client and server disagree on S"
    key = compute_hkdf(bytearray.fromhex(pad_hex(S)), bytearray.fromhex(pad_hex(long_to_hex(u))))
    return {"k": k, "x": x, "v": v, "A": A, "B": B, "u": u, "S": S, "key": bytes(key)}


def _pick_b(label: str, accept: Callable[[dict[str, Any]], bool], **inputs: Any) -> int:
    for step in itertools.count():
        b = number(f"{label}/b/{step}", 32)
        if accept(_exchange(b=b, **inputs)):
            return b
    raise AssertionError("unreachable")


def _hexes(values: dict[str, Any]) -> dict[str, str]:
    return {name: long_to_hex(values[name]) for name in ("k", "x", "v", "A", "B", "u", "S")}


def user_case(
    name: str,
    *,
    note: str,
    user_id: str,
    password: str,
    salt: int,
    when: datetime.datetime,
    accept: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> dict[str, Any]:
    realm = POOL_ID.split("_")[1]
    a = number(f"{name}/a", 128) % N  # AWSSRP.generate_random_small_a draws 128 bytes mod N
    salt_hex = long_to_hex(salt)  # Cognito's SALT: hex without padding
    inputs = {"realm": realm, "user_id": user_id, "password": password, "salt_hex": salt_hex}
    b = _pick_b(name, accept, a=a, **inputs)
    values = _exchange(a=a, b=b, **inputs)
    secret_block = take(f"{name}/secret-block", 1132)

    srp = _helper(a, username=user_id, password=password)
    assert (
        srp.get_password_authentication_key(user_id, password, values["B"], salt_hex)
        == values["key"]
    )
    challenge = {
        "USERNAME": user_id,
        "USER_ID_FOR_SRP": user_id,
        "SALT": salt_hex,
        "SRP_B": long_to_hex(values["B"]),
        "SECRET_BLOCK": base64.standard_b64encode(secret_block).decode(),
    }
    aws_srp.datetime = _frozen_clock(when)
    try:
        response = srp.process_challenge(challenge, {"USERNAME": user_id})
    finally:
        aws_srp.datetime = datetime
    return {
        "name": name,
        "kind": "user",
        "note": note,
        "pool_id": POOL_ID,
        "pool_name": realm,
        "user_id": user_id,
        "password": password,
        "salt": salt_hex,
        "a": long_to_hex(a),
        "b": long_to_hex(b),
        "secret_block": challenge["SECRET_BLOCK"],
        "now": when.replace(tzinfo=datetime.UTC).isoformat(),
        **_hexes(values),
        "SRP_A": srp.get_auth_params()["SRP_A"],
        "key": values["key"].hex(),
        "TIMESTAMP": response["TIMESTAMP"],
        "PASSWORD_CLAIM_SIGNATURE": response["PASSWORD_CLAIM_SIGNATURE"],
    }


def device_case(name: str, *, note: str, when: datetime.datetime) -> dict[str, Any]:
    device_group_key = "-AbCdEfGhI"
    device_key = "us-east-1_0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    randomness = take(f"{name}/urandom", 40 + 16)  # generate_hash_device: 40 bytes, then 16
    pending = iter([randomness[:40], randomness[40:]])
    aws_srp.os = types.SimpleNamespace(urandom=lambda size: next(pending))
    try:
        device_password, config = generate_hash_device(device_group_key, device_key)
    finally:
        aws_srp.os = __import__("os")
    salt_hex = long_to_hex(int.from_bytes(base64.b64decode(config["Salt"]), "big"))

    a = number(f"{name}/a", 128) % N
    b = number(f"{name}/b", 32)
    values = _exchange(
        realm=device_group_key,
        user_id=device_key,
        password=device_password,
        salt_hex=salt_hex,
        a=a,
        b=b,
    )
    assert values["v"] == int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    srp = _helper(
        a,
        username="someone",
        password="unused",
        device_key=device_key,
        device_group_key=device_group_key,
        device_password=device_password,
    )
    key = srp.get_device_authentication_key(
        device_group_key, device_key, device_password, values["B"], salt_hex
    )
    assert key == values["key"]
    secret_block = take(f"{name}/secret-block", 1132)
    challenge = {
        "USERNAME": "someone",
        "SALT": salt_hex,
        "SRP_B": long_to_hex(values["B"]),
        "SECRET_BLOCK": base64.standard_b64encode(secret_block).decode(),
    }
    aws_srp.datetime = _frozen_clock(when)
    try:
        response = srp.process_device_challenge(challenge)
    finally:
        aws_srp.datetime = datetime
    return {
        "name": name,
        "kind": "device",
        "note": note,
        "pool_id": POOL_ID,
        "device_group_key": device_group_key,
        "device_key": device_key,
        "device_randomness": randomness.hex(),
        "device_password": device_password,
        "PasswordVerifier": config["PasswordVerifier"],
        "Salt": config["Salt"],
        "salt": salt_hex,
        "a": long_to_hex(a),
        "b": long_to_hex(b),
        "secret_block": challenge["SECRET_BLOCK"],
        "now": when.replace(tzinfo=datetime.UTC).isoformat(),
        **_hexes(values),
        "SRP_A": long_to_hex(values["A"]),
        "key": values["key"].hex(),
        "TIMESTAMP": response["TIMESTAMP"],
        "PASSWORD_CLAIM_SIGNATURE": response["PASSWORD_CLAIM_SIGNATURE"],
    }


def _odd(value: int) -> bool:
    return len(long_to_hex(value)) % 2 == 1


def _high(value: int) -> bool:
    text = long_to_hex(value)
    return len(text) % 2 == 0 and text[0] in "89abcdef"


def main() -> None:
    cases = [
        user_case(
            "ascii-high-salt",
            note="salt's first hex digit is 8-f, so pad(salt) gains 00; day 3",
            user_id="5f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            password="Correct-Horse-7",
            salt=number("ascii-high-salt/salt", 16) | (1 << 127),
            when=datetime.datetime(2026, 11, 3, 2, 26, 55),
        ),
        user_case(
            "odd-u",
            note="u has odd-length hex, so pad(u) gains a single 0; day 13",
            user_id="alice",
            password="p@ssw0rd!",
            salt=number("odd-u/salt", 16) & ~(1 << 127),
            when=datetime.datetime(2026, 1, 13, 9, 5, 7),
            accept=lambda values: _odd(values["u"]),
        ),
        user_case(
            "odd-S-high-u",
            note="S has odd-length hex and u starts with 8-f (gains 00)",
            user_id="bob",
            password="hunter2hunter2",
            salt=number("odd-S-high-u/salt", 16),
            when=datetime.datetime(2027, 2, 28, 23, 59, 59),
            accept=lambda values: _odd(values["S"]) and _high(values["u"]),
        ),
        user_case(
            "unicode-odd-salt",
            note="non-ASCII user id and password (UTF-8); salt has odd-length hex",
            user_id="zoë-用户",
            password="pässwörd🔑 with spaces",
            salt=(number("unicode-odd-salt/salt", 16) >> 4) | (1 << 120),
            when=datetime.datetime(2028, 2, 29, 0, 0, 1),
        ),
        device_case(
            "device",
            note="DEVICE_SRP_AUTH: device group key as realm, device key as user id",
            when=datetime.datetime(2026, 7, 4, 12, 0, 0),
        ),
    ]
    document = {
        "description": (
            "Cognito SRP exchanges computed by pycognito, recorded with fixed exponents, "
            "salts, secret blocks and clocks. Numbers are lowercase hex without padding. "
            "Regenerate with tests/vectors/srp_cognito_generate.py."
        ),
        "generator": f"pycognito {importlib.metadata.version('pycognito')}",
        "N": N_HEX.lower(),
        "g": G_HEX,
        "cases": cases,
    }
    OUT.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
