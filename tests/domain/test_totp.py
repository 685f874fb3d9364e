"""TOTP codes against RFC 6238's published test vectors (Appendix B, SHA-1), and the drift
window; single use is tested against a live server in tests/flows/test_mfa.py."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from authpool.domain import totp

# RFC 6238 Appendix B: the SHA-1 seed, and (time, 8-digit TOTP) pairs. Six-digit codes are
# the same value taken mod 10^6: its last six digits.
SEED = base64.b32encode(b"12345678901234567890").decode()
VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.mark.parametrize(("seconds", "code"), VECTORS)
def test_rfc_6238_vectors(seconds: int, code: str) -> None:
    assert totp.matching_step(SEED, code[-6:], at(seconds)) == seconds // 30


@pytest.mark.parametrize(("seconds", "code"), VECTORS)
def test_one_step_of_drift_either_way_and_no_more(seconds: int, code: str) -> None:
    step = seconds // 30
    assert totp.matching_step(SEED, code[-6:], at(seconds + 30)) == step
    assert totp.matching_step(SEED, code[-6:], at(seconds - 30)) == step
    assert totp.matching_step(SEED, code[-6:], at(seconds + 60)) is None
    assert totp.matching_step(SEED, code[-6:], at(seconds - 60)) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", "１２３４５６", " 94287"])
def test_malformed_codes_never_match(code: str) -> None:
    assert totp.matching_step(SEED, code, at(59)) is None


def test_a_secret_is_32_random_bytes_in_base32() -> None:
    class Svc:
        @staticmethod
        def token_bytes(n: int) -> bytes:
            return bytes(range(n))

    secret = totp.new_secret(Svc)  # type: ignore[arg-type]
    assert len(secret) == 52
    assert "=" not in secret
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == bytes(range(32))
