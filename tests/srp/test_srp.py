"""authpool.srp: RFC 5054 vectors, recorded pycognito vectors, live pycognito exchanges.

pycognito (an independent implementation of Cognito's SRP) plays the client against our
server side, and our client side is checked against its signatures byte for byte.
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import hashlib
import itertools
import json
import secrets
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

import authpool.srp as srp
from authpool.srp import hazmat

VECTORS = Path(__file__).parent.parent / "vectors"
RFC = json.loads((VECTORS / "srp_rfc5054.json").read_text(encoding="utf-8"))
COGNITO = json.loads((VECTORS / "srp_cognito.json").read_text(encoding="utf-8"))
USER_CASES = [case for case in COGNITO["cases"] if case["kind"] == "user"]
DEVICE_CASES = [case for case in COGNITO["cases"] if case["kind"] == "device"]

POOL_ID = "us-east-1_AbCdEf123"
POOL_NAME = "AbCdEf123"
CLIENT_ID = "1example23456789abcdefghij"
WHEN = dt.datetime(2026, 11, 3, 2, 26, 55, tzinfo=dt.UTC)

# No example database: these properties are cheap to rerun and the tree stays clean.
few = settings(database=None, deadline=None, max_examples=12)
many = settings(database=None, deadline=None, max_examples=200)
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def rfc(name: str) -> int:
    return int("".join(RFC[name].split()), 16)


def cases(items: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", items, ids=[case["name"] for case in items])


def counter_bytes(seed: bytes) -> Callable[[int], bytes]:
    """A deterministic token_bytes: SHA-256 in counter mode."""
    stream = (
        byte
        for counter in itertools.count()
        for byte in hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
    )
    return lambda size: bytes(itertools.islice(stream, size))


def frozen_pycognito_clock(monkeypatch: pytest.MonkeyPatch, when: dt.datetime) -> None:
    """pycognito reads datetime.datetime.utcnow(); hand it a fixed naive UTC time."""
    naive = when.astimezone(dt.UTC).replace(tzinfo=None)

    class Frozen(dt.datetime):
        @classmethod
        def utcnow(cls) -> dt.datetime:
            return naive

    monkeypatch.setattr(aws_srp, "datetime", types.SimpleNamespace(datetime=Frozen))


def pycognito_client(a: int | None = None, **kwargs: Any) -> AWSSRP:
    client = AWSSRP(pool_id=POOL_ID, client_id=CLIENT_ID, client=object(), **kwargs)
    if a is not None:
        client.small_a_value = a
        client.large_a_value = client.calculate_a()
    return client


# -- the package's shape -----------------------------------------------------------------


def test_exports_are_sorted_and_present() -> None:
    def isort_style(name: str) -> tuple[int, str]:  # ruff's RUF022 order
        if name.isupper() and len(name) > 1:
            return 0, name
        return (1 if name[0].isupper() else 2), name

    assert srp.__all__ == sorted(srp.__all__, key=isort_style)
    assert hazmat.__all__ == sorted(hazmat.__all__, key=isort_style)
    assert all(hasattr(srp, name) for name in srp.__all__)
    assert all(hasattr(hazmat, name) for name in hazmat.__all__)


def test_srp_imports_nothing_else_of_ours() -> None:
    allowed = set(sys.stdlib_module_names) | {"gmpy2", "cryptography", "authpool"}
    for path in Path(srp.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, (path.name, name)
                if name.startswith("authpool"):
                    assert name == "authpool.srp", (path.name, name)


def test_hazmat_says_it_is_dangerous() -> None:
    assert hazmat.__doc__ is not None
    assert "dangerous raw math" in hazmat.__doc__
    assert ":mod:`authpool.srp`" in hazmat.__doc__


def test_group_constants() -> None:
    assert int(aws_srp.N_HEX, 16) == srp.N
    assert int(aws_srp.G_HEX, 16) == srp.G == 2
    assert srp.N.bit_length() == 3072
    assert pycognito_client(username="u", password="p").val_k == srp.K


# -- RFC 5054 Appendix B, through hazmat ---------------------------------------------------


def rfc_group() -> hazmat.Group:
    assert RFC["H"] == "sha1"
    N = rfc("N")
    return hazmat.Group(
        N=N,
        g=int(RFC["g"], 16),
        hash=lambda data: hashlib.sha1(data).digest(),
        pad=hazmat.fixed_pad((N.bit_length() + 7) // 8),
    )


def test_rfc5054_appendix_b() -> None:
    group = rfc_group()
    salt = bytes.fromhex("".join(RFC["s"].split()))
    k = hazmat.compute_k(group)
    x = hazmat.compute_x(group, salt, RFC["I"].encode(), RFC["P"].encode())
    v = hazmat.compute_verifier(group, x)
    A = hazmat.client_public(group, rfc("a"))
    B = hazmat.server_public(group, k, v, rfc("b"))
    u = hazmat.compute_u(group, A, B)
    assert (k, x, v, A, B, u) == (rfc("k"), rfc("x"), rfc("v"), rfc("A"), rfc("B"), rfc("u"))
    assert hazmat.server_premaster(group, A, v, u, rfc("b")) == rfc("S")
    assert hazmat.client_premaster(group, k, B, x, rfc("a"), u) == rfc("S")


# -- padding and hex ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "padded"),
    [
        (0, "00"),
        (0x1, "01"),
        (0x7F, "7f"),
        (0x80, "0080"),
        (0xFF, "00ff"),
        (0xABC, "0abc"),  # odd length: one 0, even when the first digit is high
        (0x800, "0800"),
        (0x1234, "1234"),
        (0x8000, "008000"),
        (srp.N, "00" + aws_srp.N_HEX.lower()),
        (srp.G, "02"),
    ],
)
def test_aws_pad(value: int, padded: str) -> None:
    assert hazmat.aws_pad_hex(value) == padded
    assert hazmat.aws_pad(value) == bytes.fromhex(padded)


@many
@given(st.integers(min_value=0, max_value=2**3100))
def test_aws_pad_agrees_with_pycognito(value: int) -> None:
    assert hazmat.aws_pad_hex(value) == aws_srp.pad_hex(value)
    assert hazmat.aws_pad_hex(value) == aws_srp.pad_hex(aws_srp.long_to_hex(value))
    assert int.from_bytes(hazmat.aws_pad(value), "big") == value
    assert hazmat.aws_pad(value)[0] < 0x80  # never reads as negative


def test_aws_pad_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        hazmat.aws_pad_hex(-1)


def test_fixed_pad() -> None:
    assert hazmat.fixed_pad(4)(2) == b"\x00\x00\x00\x02"
    with pytest.raises(OverflowError):
        hazmat.fixed_pad(1)(256)


@many
@given(st.integers(min_value=0, max_value=srp.N))
def test_hex_round_trip(value: int) -> None:
    text = srp.to_hex(value)
    assert text == aws_srp.long_to_hex(value)  # what Cognito and pycognito send
    assert srp.from_hex(text) == value
    assert srp.from_hex(text.upper()) == value
    assert srp.from_hex("00" + text) == value


@pytest.mark.parametrize(
    "text",
    ["", "0x1f", "0X1F", " 1f", "1f ", "1f\n", "+1f", "-1f", "1_f", "g", "١٢", "ｆ", "f" * 1025],
)
def test_from_hex_refuses(text: str) -> None:
    with pytest.raises(srp.SrpError):
        srp.from_hex(text)


def test_from_hex_length_limit() -> None:
    assert srp.from_hex("0" * (srp.MAX_HEX_DIGITS - 1) + "1") == 1


def test_to_hex_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        srp.to_hex(-5)


@pytest.mark.parametrize(
    ("pool_id", "name"),
    [("us-east-1_AbCdEf123", "AbCdEf123"), ("eu-central-1_Z", "Z"), ("local_x1", "x1")],
)
def test_pool_name_of(pool_id: str, name: str) -> None:
    assert srp.pool_name_of(pool_id) == name
    assert name == pool_id.split("_")[1]  # what every AWS client library computes


@pytest.mark.parametrize("pool_id", ["", "AbCdEf123", "us-east-1_", "_AbCdEf123", "a_b_c", "_"])
def test_pool_name_of_refuses(pool_id: str) -> None:
    with pytest.raises(ValueError, match="not a user pool id"):
        srp.pool_name_of(pool_id)


# -- timestamps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (dt.datetime(2026, 11, 3, 2, 26, 55, tzinfo=dt.UTC), "Tue Nov 3 02:26:55 UTC 2026"),
        (dt.datetime(2026, 1, 13, 9, 5, 7, tzinfo=dt.UTC), "Tue Jan 13 09:05:07 UTC 2026"),
        (dt.datetime(2027, 2, 28, 0, 0, 0, tzinfo=dt.UTC), "Sun Feb 28 00:00:00 UTC 2027"),
        (dt.datetime(2028, 2, 29, 23, 59, 59, tzinfo=dt.UTC), "Tue Feb 29 23:59:59 UTC 2028"),
        # another zone is converted: 20:30 on the 2nd at -06:00 is 02:30 on the 3rd UTC
        (
            dt.datetime(2026, 11, 2, 20, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6))),
            "Tue Nov 3 02:30:00 UTC 2026",
        ),
    ],
)
def test_format_timestamp(when: dt.datetime, text: str) -> None:
    assert srp.format_timestamp(when) == text
    assert srp.parse_timestamp(text) == when


def test_format_timestamp_refuses_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        srp.format_timestamp(dt.datetime(2026, 11, 3, 2, 26, 55))


@many
@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_timestamp_agrees_with_pycognito(naive: dt.datetime) -> None:
    when = naive.replace(microsecond=0, tzinfo=dt.UTC)
    text = srp.format_timestamp(when)
    assert text == AWSSRP.get_cognito_formatted_timestamp(naive)
    assert srp.parse_timestamp(text) == when


@pytest.mark.parametrize(
    "text",
    [
        "Tue Nov 03 02:26:55 UTC 2026",  # zero-padded day
        "Tue Nov 3 2:26:55 UTC 2026",  # unpadded hour
        "Wed Nov 3 02:26:55 UTC 2026",  # wrong weekday
        "Tue Feb 30 02:26:55 UTC 2026",  # no such date
        "Tue Nov 3 24:00:00 UTC 2026",
        "Tue Nov 3 02:26:55 GMT 2026",
        "tue nov 3 02:26:55 UTC 2026",
        "Tue Nov 3 02:26:55 UTC 2026\n",
        "Tue Nov 3 02:26:55 UTC 0000",
        "Tue Nov ٣ 02:26:55 UTC 2026",
        "",
    ],
)
def test_parse_timestamp_refuses(text: str) -> None:
    with pytest.raises(srp.SrpError):
        srp.parse_timestamp(text)


# -- randomness --------------------------------------------------------------------------


def test_random_values_have_the_documented_sizes() -> None:
    draws: list[int] = []

    def token_bytes(size: int) -> bytes:
        draws.append(size)
        return b"\xff" * size

    assert srp.new_salt(token_bytes) == 2**128 - 1
    assert srp.new_server_secret(token_bytes) == 2**256 - 1
    assert srp.new_client_secret(token_bytes) == 2**1024 - 1
    assert draws == [16, 32, 128]


def test_random_values_default_to_secrets() -> None:
    assert 0 < srp.new_salt() < 2**128
    assert 0 < srp.new_server_secret() < 2**256
    assert 0 < srp.new_client_secret() < 2**1024
    assert len({srp.new_server_secret() for _ in range(8)}) == 8


@pytest.mark.parametrize("draw", [srp.new_salt, srp.new_server_secret, srp.new_client_secret])
def test_broken_randomness_is_refused(draw: Callable[..., int]) -> None:
    with pytest.raises(ValueError, match="returned 3 bytes"):
        draw(lambda size: b"abc")
    with pytest.raises(ValueError, match="only zero bytes"):
        draw(bytes)


# -- server side: checks ---------------------------------------------------------------------


@pytest.mark.parametrize("A", [0, 1, srp.N - 1, srp.N, srp.N + 1, 2 * srp.N, -1, -srp.N, srp.N**2])
def test_check_client_public_refuses(A: int) -> None:
    with pytest.raises(srp.SrpError, match="SRP_A"):
        srp.check_client_public(A)


def test_check_client_public_accepts() -> None:
    srp.check_client_public(2)
    srp.check_client_public(srp.N - 2)
    srp.check_client_public(srp.client_public(srp.new_client_secret()))


@pytest.mark.parametrize("A", [0, srp.N, 3 * srp.N])
def test_verify_refuses_a_zero_A(A: int) -> None:
    with pytest.raises(srp.SrpError, match="SRP_A"):
        srp.verify_password_claim(
            pool_name=POOL_NAME,
            user_id="alice",
            verifier=srp.make_verifier(POOL_NAME, "alice", "pw", 1),
            b=srp.new_server_secret(),
            A=A,
            secret_block=b"block",
            timestamp="Tue Nov 3 02:26:55 UTC 2026",
            signature=bytes(32),
        )


def test_zero_A_would_fix_the_secret() -> None:
    """Why A ≡ 0 is refused: the server's S would be 0 whatever the password."""
    group = hazmat.Group(
        N=srp.N, g=srp.G, hash=lambda d: hashlib.sha256(d).digest(), pad=hazmat.aws_pad
    )
    v = srp.make_verifier(POOL_NAME, "alice", "unknown to the attacker", 99)
    assert hazmat.server_premaster(group, srp.N, v, 12345, srp.new_server_secret()) == 0


@pytest.mark.parametrize("verifier", [0, 1, srp.N - 1, srp.N])
def test_server_public_refuses_bad_verifier(verifier: int) -> None:
    with pytest.raises(srp.SrpError, match="verifier"):
        srp.server_public(verifier, srp.new_server_secret())


@pytest.mark.parametrize("b", [0, -1, srp.N])
def test_server_public_refuses_bad_b(b: int) -> None:
    with pytest.raises(ValueError, match="new_server_secret"):
        srp.server_public(12345, b)


def test_server_public_refuses_a_B_of_zero() -> None:
    b = srp.new_server_secret()
    # the one verifier for which k*v cancels g^b
    verifier = -pow(srp.G, b, srp.N) * pow(srp.K, -1, srp.N) % srp.N
    with pytest.raises(srp.SrpError, match="SRP_B"):
        srp.server_public(verifier, b)


def test_u_of_zero_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hazmat, "compute_u", lambda group, A, B: 0)
    a, b = srp.new_client_secret(), srp.new_server_secret()
    verifier = srp.make_verifier(POOL_NAME, "alice", "pw", 7)
    B = srp.server_public(verifier, b)
    with pytest.raises(srp.SrpError, match="u is zero"):
        srp.verify_password_claim(
            pool_name=POOL_NAME,
            user_id="alice",
            verifier=verifier,
            b=b,
            A=srp.client_public(a),
            secret_block=b"block",
            timestamp="Tue Nov 3 02:26:55 UTC 2026",
            signature=bytes(32),
        )
    with pytest.raises(srp.SrpError, match="u is zero"):
        srp.client_password_claim(
            pool_name=POOL_NAME,
            user_id="alice",
            password="pw",
            salt=7,
            a=a,
            B=B,
            secret_block=b"block",
            timestamp="Tue Nov 3 02:26:55 UTC 2026",
        )


# -- client side: checks ---------------------------------------------------------------------


@pytest.mark.parametrize("B", [0, 1, srp.N - 1, srp.N, 2 * srp.N, srp.N + 5, -3])
def test_client_refuses_bad_B(B: int) -> None:
    with pytest.raises(srp.SrpError, match="SRP_B"):
        srp.client_password_claim(
            pool_name=POOL_NAME,
            user_id="alice",
            password="pw",
            salt=7,
            a=srp.new_client_secret(),
            B=B,
            secret_block=b"block",
            timestamp="Tue Nov 3 02:26:55 UTC 2026",
        )


@pytest.mark.parametrize("a", [0, -1, srp.N])
def test_client_public_refuses_bad_a(a: int) -> None:
    with pytest.raises(ValueError, match="new_client_secret"):
        srp.client_public(a)


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(srp.SrpError, match="Unicode"):
        srp.make_verifier(POOL_NAME, "alice", "pass\ud800word", 7)


def test_negative_salt_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        srp.make_verifier(POOL_NAME, "alice", "pw", -7)


# -- one whole exchange, our client against our server ------------------------------------


class Exchange:
    """One sign-in with fixed randomness: sign-up, challenge, claim."""

    def __init__(self, password: str = "Correct-Horse-7", *, seed: bytes = b"exchange") -> None:
        token_bytes = counter_bytes(seed)
        self.user_id = "5f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
        self.salt = srp.new_salt(token_bytes)
        self.verifier = srp.make_verifier(POOL_NAME, self.user_id, "Correct-Horse-7", self.salt)
        self.a = srp.new_client_secret(token_bytes)
        self.A = srp.client_public(self.a)
        self.b = srp.new_server_secret(token_bytes)
        self.B = srp.server_public(self.verifier, self.b)
        self.secret_block = token_bytes(1132)
        self.timestamp = srp.format_timestamp(WHEN)
        self.signature = srp.client_password_claim(
            pool_name=POOL_NAME,
            user_id=self.user_id,
            password=password,
            salt=self.salt,
            a=self.a,
            B=self.B,
            secret_block=self.secret_block,
            timestamp=self.timestamp,
        )

    def verify(self, **changes: Any) -> bool:
        arguments: dict[str, Any] = {
            "pool_name": POOL_NAME,
            "user_id": self.user_id,
            "verifier": self.verifier,
            "b": self.b,
            "A": self.A,
            "secret_block": self.secret_block,
            "timestamp": self.timestamp,
            "signature": self.signature,
        }
        return srp.verify_password_claim(**(arguments | changes))


def test_our_client_and_server_agree() -> None:
    exchange = Exchange()
    assert len(exchange.signature) == 32
    assert exchange.verify()


def test_wrong_password_is_refused() -> None:
    assert not Exchange("correct-horse-7").verify()
    assert not Exchange("").verify()


@pytest.mark.parametrize(
    "change",
    [
        {"pool_name": "AbCdEf124"},
        {"user_id": "5f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1"},
        {"timestamp": "Tue Nov 3 02:26:56 UTC 2026"},
        {"secret_block": b"another block"},
        {"b": 12345},
    ],
    ids=lambda change: next(iter(change)),
)
def test_any_other_input_is_refused(change: dict[str, Any]) -> None:
    assert not Exchange().verify(**change)


def test_wrong_A_or_verifier_is_refused() -> None:
    exchange = Exchange()
    assert not exchange.verify(A=srp.client_public(exchange.a + 1))
    other = srp.make_verifier(POOL_NAME, exchange.user_id, "Correct-Horse-8", exchange.salt)
    assert not exchange.verify(verifier=other)


@pytest.mark.parametrize("cut", [0, 1, 16, 31])
def test_wrong_signature_length_is_false(cut: int) -> None:
    exchange = Exchange()
    assert not exchange.verify(signature=exchange.signature[:cut])
    assert not exchange.verify(signature=exchange.signature + bytes(cut + 1))


def test_flipped_signature_bits_are_refused() -> None:
    exchange = Exchange()
    for index in (0, 15, 31):
        forged = bytearray(exchange.signature)
        forged[index] ^= 0x01
        assert not exchange.verify(signature=bytes(forged))


# -- recorded pycognito vectors ---------------------------------------------------------------


def test_cognito_vectors_cover_every_padding_rule() -> None:
    def rule(text: str) -> str:
        return "odd" if len(text) % 2 else "high" if text[0] in "89abcdef" else "plain"

    seen = {(name, rule(case[name])) for case in COGNITO["cases"] for name in ("salt", "u", "S")}
    for name in ("salt", "u", "S"):
        assert {rule for field, rule in seen if field == name} >= {"odd", "high"}, name
    assert ("salt", "plain") in seen
    assert COGNITO["N"] == srp.to_hex(srp.N)
    assert int(COGNITO["g"], 16) == srp.G


@cases(COGNITO["cases"])
def test_cognito_vector_math(case: dict[str, Any]) -> None:
    """Every intermediate value, through hazmat with Cognito's group."""
    group = hazmat.Group(
        N=srp.N, g=srp.G, hash=lambda data: hashlib.sha256(data).digest(), pad=hazmat.aws_pad
    )
    realm, user_id, password = (
        (case["pool_name"], case["user_id"], case["password"])
        if case["kind"] == "user"
        else (case["device_group_key"], case["device_key"], case["device_password"])
    )
    value = {
        name: int(case[name], 16) for name in ("salt", "a", "b", "k", "x", "v", "A", "B", "u", "S")
    }
    k = hazmat.compute_k(group)
    x = hazmat.compute_x(
        group, hazmat.aws_pad(value["salt"]), (realm + user_id).encode(), password.encode()
    )
    v = hazmat.compute_verifier(group, x)
    A = hazmat.client_public(group, value["a"])
    B = hazmat.server_public(group, k, v, value["b"])
    u = hazmat.compute_u(group, A, B)
    assert (k, x, v, A, B, u) == tuple(value[name] for name in ("k", "x", "v", "A", "B", "u"))
    assert hazmat.server_premaster(group, A, v, u, value["b"]) == value["S"]
    assert hazmat.client_premaster(group, k, B, x, value["a"], u) == value["S"]
    key = hazmat.cognito_hkdf(hazmat.aws_pad(value["S"]), hazmat.aws_pad(u))
    assert key.hex() == case["key"]


@cases(USER_CASES)
def test_cognito_user_vector_through_the_safe_api(case: dict[str, Any]) -> None:
    salt, a, b = srp.from_hex(case["salt"]), srp.from_hex(case["a"]), srp.from_hex(case["b"])
    pool_name = srp.pool_name_of(case["pool_id"])
    assert pool_name == case["pool_name"]
    verifier = srp.make_verifier(pool_name, case["user_id"], case["password"], salt)
    assert srp.to_hex(verifier) == case["v"]
    A = srp.client_public(a)
    assert srp.to_hex(A) == case["A"] == case["SRP_A"]
    srp.check_client_public(A)
    B = srp.server_public(verifier, b)
    assert srp.to_hex(B) == case["B"]
    when = dt.datetime.fromisoformat(case["now"])
    assert srp.format_timestamp(when) == case["TIMESTAMP"]
    assert srp.parse_timestamp(case["TIMESTAMP"]) == when
    block = base64.b64decode(case["secret_block"])
    signature = base64.b64decode(case["PASSWORD_CLAIM_SIGNATURE"])
    common = {"pool_name": pool_name, "user_id": case["user_id"], "secret_block": block}
    claim = srp.client_password_claim(
        **common, password=case["password"], salt=salt, a=a, B=B, timestamp=case["TIMESTAMP"]
    )
    assert claim == signature
    assert srp.verify_password_claim(
        **common, verifier=verifier, b=b, A=A, timestamp=case["TIMESTAMP"], signature=signature
    )


@cases(DEVICE_CASES)
def test_cognito_device_vector_through_the_safe_api(case: dict[str, Any]) -> None:
    group_key, device_key = case["device_group_key"], case["device_key"]
    randomness = bytes.fromhex(case["device_randomness"])
    device = srp.new_device_verifier(group_key, device_key, counter_stream(randomness))
    assert device.password == case["device_password"]
    assert device.salt_b64 == case["Salt"]
    assert device.password_verifier_b64 == case["PasswordVerifier"]
    assert case["device_password"] not in repr(device)

    verifier, salt = srp.parse_device_verifier_config(
        password_verifier=case["PasswordVerifier"], salt=case["Salt"]
    )
    assert (verifier, salt) == (device.verifier, device.salt)
    assert srp.to_hex(salt) == case["salt"]
    a, b = srp.from_hex(case["a"]), srp.from_hex(case["b"])
    B = srp.server_public(verifier, b)
    assert srp.to_hex(B) == case["B"]
    block = base64.b64decode(case["secret_block"])
    signature = base64.b64decode(case["PASSWORD_CLAIM_SIGNATURE"])
    common = {"pool_name": group_key, "user_id": device_key, "secret_block": block}
    claim = srp.client_password_claim(
        **common, password=device.password, salt=salt, a=a, B=B, timestamp=case["TIMESTAMP"]
    )
    assert claim == signature
    assert srp.verify_password_claim(
        **common,
        verifier=verifier,
        b=b,
        A=srp.client_public(a),
        timestamp=case["TIMESTAMP"],
        signature=signature,
    )


def counter_stream(data: bytes) -> Callable[[int], bytes]:
    """A token_bytes that hands out ``data`` in order and then fails loudly."""
    remaining = iter(data)

    def token_bytes(size: int) -> bytes:
        chunk = bytes(itertools.islice(remaining, size))
        assert len(chunk) == size, "the vector's randomness ran out"
        return chunk

    return token_bytes


# -- device verifier configs ---------------------------------------------------------------------


def test_new_device_verifier_matches_pycognito(monkeypatch: pytest.MonkeyPatch) -> None:
    randomness = secrets.token_bytes(56)
    chunks = iter([randomness[:40], randomness[40:]])
    monkeypatch.setattr(aws_srp, "os", types.SimpleNamespace(urandom=lambda size: next(chunks)))
    password, config = aws_srp.generate_hash_device("-GroupKey1", "us-east-1_device-key")
    device = srp.new_device_verifier(
        "-GroupKey1", "us-east-1_device-key", counter_stream(randomness)
    )
    assert device.password == password
    assert {"PasswordVerifier": device.password_verifier_b64, "Salt": device.salt_b64} == config


def test_new_device_verifier_defaults_to_secrets() -> None:
    first, second = (srp.new_device_verifier("-G", "us-east-1_d") for _ in range(2))
    assert first.password != second.password
    assert len(base64.b64decode(first.password)) == 40
    assert first.verifier == srp.make_verifier("-G", "us-east-1_d", first.password, first.salt)


@pytest.mark.parametrize(
    ("password_verifier", "salt", "message"),
    [
        ("not base64!", "AAE=", "PasswordVerifier is not base64"),
        ("AAE", "AAE=", "PasswordVerifier is not base64"),
        ("AAE=", "AAE=", "PasswordVerifier is out of range"),  # v = 1
        ("", "AAE=", "PasswordVerifier is empty"),
        ("A" * 1028, "AAE=", "PasswordVerifier is too long"),
        ("ÀÁ==", "AAE=", "PasswordVerifier is not base64"),
        (base64.b64encode(hazmat.aws_pad(srp.N)).decode(), "AAE=", "out of range"),
        ("AAI=", "", "Salt is empty"),
        ("AAI=", "%%%%", "Salt is not base64"),
    ],
)
def test_parse_device_verifier_config_refuses(
    password_verifier: str, salt: str, message: str
) -> None:
    with pytest.raises(srp.SrpError, match=message):
        srp.parse_device_verifier_config(password_verifier=password_verifier, salt=salt)


# -- HKDF and claim against independent code ---------------------------------------------------


@many
@given(st.binary(min_size=1, max_size=400), st.binary(min_size=1, max_size=40))
def test_hkdf_agrees_with_pycognito_and_rfc5869(ikm: bytes, salt: bytes) -> None:
    ours = hazmat.cognito_hkdf(ikm, salt)
    assert ours == aws_srp.compute_hkdf(bytearray(ikm), bytearray(salt))
    rfc5869 = HKDF(algorithm=hashes.SHA256(), length=16, salt=salt, info=b"Caldera Derived Key")
    assert ours == rfc5869.derive(ikm)


# -- live exchanges with pycognito ------------------------------------------------------------


class NotAuthorizedException(Exception):
    pass


class FakeCognito:
    """Stands in for boto3's cognito-idp client; the server side is authpool.srp."""

    def __init__(self, *, user_id: str, password: str) -> None:
        self.user_id = user_id
        self.salt = srp.new_salt()
        self.verifier = srp.make_verifier(POOL_NAME, user_id, password, self.salt)
        self.device: dict[str, Any] | None = None
        self.pending: dict[str, Any] = {}
        self.claims_checked = 0

    def remember_device(self, group_key: str, device_key: str, config: dict[str, str]) -> None:
        verifier, salt = srp.parse_device_verifier_config(
            password_verifier=config["PasswordVerifier"], salt=config["Salt"]
        )
        self.device = {
            "group_key": group_key,
            "key": device_key,
            "verifier": verifier,
            "salt": salt,
        }

    def _challenge(self, A_hex: str, verifier: int, salt: int, **extra: str) -> dict[str, str]:
        A = srp.from_hex(A_hex)
        srp.check_client_public(A)
        b = srp.new_server_secret()
        block = secrets.token_bytes(1132)
        self.pending = {"A": A, "b": b, "verifier": verifier, "block": block}
        return {
            "SALT": srp.to_hex(salt),
            "SRP_B": srp.to_hex(srp.server_public(verifier, b)),
            "SECRET_BLOCK": base64.b64encode(block).decode(),
            "USERNAME": self.user_id,
            **extra,
        }

    def _check_claim(self, responses: dict[str, str], realm: str, user_id: str) -> None:
        pending, self.pending = self.pending, {}
        assert base64.b64decode(responses["PASSWORD_CLAIM_SECRET_BLOCK"]) == pending["block"]
        srp.parse_timestamp(responses["TIMESTAMP"])
        self.claims_checked += 1
        if not srp.verify_password_claim(
            pool_name=realm,
            user_id=user_id,
            verifier=pending["verifier"],
            b=pending["b"],
            A=pending["A"],
            secret_block=pending["block"],
            timestamp=responses["TIMESTAMP"],
            signature=base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"]),
        ):
            raise NotAuthorizedException("Incorrect username or password.")

    def initiate_auth(self, *, AuthFlow: str, AuthParameters: dict[str, str], ClientId: str) -> Any:
        assert (AuthFlow, ClientId) == ("USER_SRP_AUTH", CLIENT_ID)
        parameters = self._challenge(
            AuthParameters["SRP_A"], self.verifier, self.salt, USER_ID_FOR_SRP=self.user_id
        )
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": parameters}

    def respond_to_auth_challenge(
        self, *, ClientId: str, ChallengeName: str, ChallengeResponses: dict[str, str], **_: Any
    ) -> Any:
        handlers = {
            "PASSWORD_VERIFIER": self._password_verifier,
            "DEVICE_SRP_AUTH": self._device_srp_auth,
            "DEVICE_PASSWORD_VERIFIER": self._device_password_verifier,
        }
        return handlers[ChallengeName](ChallengeResponses)

    def _password_verifier(self, responses: dict[str, str]) -> Any:
        self._check_claim(responses, POOL_NAME, self.user_id)
        if self.device is not None and responses.get("DEVICE_KEY") == self.device["key"]:
            return {"ChallengeName": "DEVICE_SRP_AUTH", "ChallengeParameters": {}}
        return {"AuthenticationResult": {"AccessToken": "user"}}

    def _device_srp_auth(self, responses: dict[str, str]) -> Any:
        assert self.device is not None
        assert responses["DEVICE_KEY"] == self.device["key"]
        parameters = self._challenge(
            responses["SRP_A"], self.device["verifier"], self.device["salt"]
        )
        return {"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ChallengeParameters": parameters}

    def _device_password_verifier(self, responses: dict[str, str]) -> Any:
        assert self.device is not None
        self._check_claim(responses, self.device["group_key"], self.device["key"])
        return {"AuthenticationResult": {"AccessToken": "device"}}


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen_pycognito_clock(monkeypatch, dt.datetime(2026, 3, 3, 4, 5, 6, tzinfo=dt.UTC))


@pytest.mark.usefixtures("frozen")
def test_pycognito_signs_in_against_our_server() -> None:
    cognito = FakeCognito(user_id="b4c3d2e1-0000-4000-8000-123456789abc", password="S3cret!pw")
    client = pycognito_client(username="alice", password="S3cret!pw")
    client.client = cognito
    assert client.authenticate_user() == {"AuthenticationResult": {"AccessToken": "user"}}
    assert cognito.claims_checked == 1


@pytest.mark.usefixtures("frozen")
def test_pycognito_with_a_wrong_password_is_refused() -> None:
    cognito = FakeCognito(user_id="alice", password="S3cret!pw")
    client = pycognito_client(username="alice", password="S3cret!pW")
    client.client = cognito
    with pytest.raises(NotAuthorizedException):
        client.authenticate_user()
    assert cognito.claims_checked == 1


@pytest.mark.usefixtures("frozen")
def test_pycognito_device_srp_against_our_server() -> None:
    cognito = FakeCognito(user_id="alice", password="S3cret!pw")
    group_key, device_key = "-xYz12345", "us-east-1_7d9c5a5e-1b0c-4a44-9d3a-1f2e3d4c5b6a"
    device_password, config = aws_srp.generate_hash_device(group_key, device_key)
    cognito.remember_device(group_key, device_key, config)

    client = pycognito_client(
        username="alice",
        password="S3cret!pw",
        device_key=device_key,
        device_group_key=group_key,
        device_password=device_password,
    )
    client.client = cognito
    assert client.authenticate_user() == {"AuthenticationResult": {"AccessToken": "device"}}
    assert cognito.claims_checked == 2

    client.device_password = device_password[:-2] + ("A=" if device_password[-2] != "A" else "B=")
    with pytest.raises(NotAuthorizedException):
        client.authenticate_user()


@pytest.mark.usefixtures("frozen")
def test_our_device_verifier_works_with_pycognito_device_srp() -> None:
    cognito = FakeCognito(user_id="alice", password="S3cret!pw")
    device = srp.new_device_verifier("-Grp", "us-east-1_dev")
    cognito.remember_device(
        "-Grp",
        "us-east-1_dev",
        {"PasswordVerifier": device.password_verifier_b64, "Salt": device.salt_b64},
    )
    client = pycognito_client(
        username="alice",
        password="S3cret!pw",
        device_key="us-east-1_dev",
        device_group_key="-Grp",
        device_password=device.password,
    )
    client.client = cognito
    assert client.authenticate_user() == {"AuthenticationResult": {"AccessToken": "device"}}


@few
@given(
    user_id=unicode_text,
    password=unicode_text,
    secret_block=st.binary(max_size=1200),
    when=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
def test_our_client_claim_equals_pycognitos(
    user_id: str, password: str, secret_block: bytes, when: dt.datetime
) -> None:
    """Same a, B, salt, secret block and clock: byte-identical signatures."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        aware = when.replace(tzinfo=dt.UTC)
        frozen_pycognito_clock(monkeypatch, aware)
        a, b, salt = srp.new_client_secret(), srp.new_server_secret(), srp.new_salt()
        verifier = srp.make_verifier(POOL_NAME, user_id, password, salt)
        B = srp.server_public(verifier, b)
        client = pycognito_client(a, username=user_id, password=password)
        response = client.process_challenge(
            {
                "USER_ID_FOR_SRP": user_id,
                "SALT": srp.to_hex(salt),
                "SRP_B": srp.to_hex(B),
                "SECRET_BLOCK": base64.b64encode(secret_block).decode(),
            },
            {"USERNAME": user_id},
        )
    timestamp = srp.format_timestamp(aware)
    assert response["TIMESTAMP"] == timestamp
    ours = srp.client_password_claim(
        pool_name=POOL_NAME,
        user_id=user_id,
        password=password,
        salt=salt,
        a=a,
        B=B,
        secret_block=secret_block,
        timestamp=timestamp,
    )
    assert base64.b64encode(ours).decode() == response["PASSWORD_CLAIM_SIGNATURE"]
    assert srp.verify_password_claim(
        pool_name=POOL_NAME,
        user_id=user_id,
        verifier=verifier,
        b=b,
        A=srp.client_public(a),
        secret_block=secret_block,
        timestamp=timestamp,
        signature=ours,
    )


# -- hazmat corners ------------------------------------------------------------------------


def test_secret_powmod() -> None:
    assert hazmat.secret_powmod(5, 3, 23) == pow(5, 3, 23)
    assert hazmat.secret_powmod(-5, 3, 23) == pow(-5, 3, 23)
    assert hazmat.secret_powmod(5, 0, 23) == 1  # mpz_powm_sec refuses exponent 0
    assert isinstance(hazmat.secret_powmod(5, 3, 23), int)
    assert isinstance(hazmat.secret_powmod(5, 0, 23), int)
