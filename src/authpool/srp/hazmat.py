"""Raw SRP-6a arithmetic, parameterised by group, hash and padding.

.. danger::

   This is dangerous raw math. Nothing in this module checks that a public value lies
   in the group, that ``A mod N`` or ``B mod N`` is non-zero, that ``u`` is non-zero, or
   that a secret exponent is large and random; it will compute a "shared" secret that an
   attacker can predict if asked to. Flows must use the safe wrapper, :mod:`authpool.srp`,
   which makes every one of those checks. This module exists so that the very arithmetic
   the wrapper runs can be checked against RFC 5054 Appendix B (1024-bit group, SHA-1,
   fixed-width padding) as well as against Cognito's variant (3072-bit group, SHA-256,
   the AWS client libraries' hex padding).

Notation follows RFC 5054: ``N`` the safe prime, ``g`` the generator, ``k`` the
multiplier, ``x`` the private key, ``v`` the verifier, ``a``/``b`` the secret exponents,
``A``/``B`` the public values, ``u`` the scrambler and ``S`` the premaster secret.

Secret exponents go through GMP's ``mpz_powm_sec``, whose running time does not depend on
the exponent's bits; public exponents (``u``) through the faster ``mpz_powm``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import gmpy2

__all__ = [
    "HKDF_INFO",
    "KEY_LENGTH",
    "Group",
    "Hash",
    "Pad",
    "aws_pad",
    "aws_pad_hex",
    "client_premaster",
    "client_public",
    "cognito_claim",
    "cognito_hkdf",
    "compute_k",
    "compute_u",
    "compute_verifier",
    "compute_x",
    "fixed_pad",
    "hash_to_int",
    "secret_powmod",
    "server_premaster",
    "server_public",
]

Hash = Callable[[bytes], bytes]
"""A hash function: message bytes in, digest bytes out."""

Pad = Callable[[int], bytes]
"""How a group element or scrambler is turned into bytes before it is hashed."""

HKDF_INFO = b"Caldera Derived Key"
"""The HKDF ``info`` every Cognito client library uses."""

KEY_LENGTH = 16
"""Bytes of HKDF output Cognito keys its claim HMAC with."""

_HIGH_NIBBLES = frozenset("89abcdef")


@dataclass(frozen=True)
class Group:
    """An SRP group with the hash and the padding rule a protocol variant uses."""

    N: int
    g: int
    hash: Hash
    pad: Pad


def aws_pad_hex(value: int) -> str:
    """The AWS client libraries' padHex: lowercase hex, even length, no sign bit set.

    A ``0`` goes in front of odd-length hex; otherwise ``00`` goes in front when the first
    digit is 8-f, so the bytes read as a positive two's-complement number (Java's
    ``BigInteger.toByteArray``). This is not RFC 5054's fixed-width PAD().
    """
    if value < 0:
        raise ValueError("SRP values are never negative")
    text = f"{value:x}"
    if len(text) % 2:
        return "0" + text
    if text[0] in _HIGH_NIBBLES:
        return "00" + text
    return text


def aws_pad(value: int) -> bytes:
    """The bytes of :func:`aws_pad_hex`: what Cognito feeds its hashes and its HKDF."""
    return bytes.fromhex(aws_pad_hex(value))


def fixed_pad(width: int) -> Pad:
    """RFC 5054's PAD(): big-endian, left-padded with zero bytes to ``width`` bytes."""

    def pad(value: int) -> bytes:
        return value.to_bytes(width, "big")

    return pad


def hash_to_int(group: Group, data: bytes) -> int:
    """The group's hash of ``data``, read as a big-endian unsigned integer."""
    return int.from_bytes(group.hash(data), "big")


def secret_powmod(base: int, exponent: int, modulus: int) -> int:
    """``base ** exponent % modulus`` in time independent of the exponent's bits.

    ``mpz_powm_sec`` needs an odd modulus (every SRP prime is odd) and a positive
    exponent; a zero or negative exponent can only come from hand-made inputs and takes
    the ordinary path.
    """
    if exponent < 1:
        return int(gmpy2.powmod(base, exponent, modulus))
    return int(gmpy2.powmod_sec(base, exponent, modulus))


def compute_k(group: Group) -> int:
    """k = H(pad(N) | pad(g))."""
    return hash_to_int(group, group.pad(group.N) + group.pad(group.g))


def compute_x(group: Group, salt: bytes, identity: bytes, password: bytes) -> int:
    """x = H(salt | H(identity | ":" | password)).

    ``salt`` is given as the exact bytes that are hashed: Cognito hashes ``aws_pad(salt)``,
    RFC 5054 the salt's own bytes. Cognito's ``identity`` is the pool name (or device
    group key) followed directly by the user id (or device key).
    """
    return hash_to_int(group, salt + group.hash(identity + b":" + password))


def compute_verifier(group: Group, x: int) -> int:
    """v = g^x mod N."""
    return secret_powmod(group.g, x, group.N)


def compute_u(group: Group, A: int, B: int) -> int:
    """u = H(pad(A) | pad(B))."""
    return hash_to_int(group, group.pad(A) + group.pad(B))


def client_public(group: Group, a: int) -> int:
    """A = g^a mod N."""
    return secret_powmod(group.g, a, group.N)


def server_public(group: Group, k: int, v: int, b: int) -> int:
    """B = (k*v + g^b) mod N."""
    return (k * v + secret_powmod(group.g, b, group.N)) % group.N


def server_premaster(group: Group, A: int, v: int, u: int, b: int) -> int:
    """The server's S = (A * v^u)^b mod N."""
    base = A * gmpy2.powmod(v, u, group.N) % group.N
    return secret_powmod(base, b, group.N)


def client_premaster(group: Group, k: int, B: int, x: int, a: int, u: int) -> int:
    """The client's S = (B - k * g^x)^(a + u*x) mod N."""
    base = (B - k * secret_powmod(group.g, x, group.N)) % group.N
    return secret_powmod(base, a + u * x, group.N)


def cognito_hkdf(ikm: bytes, salt: bytes) -> bytes:
    """Cognito's key derivation: HKDF-SHA256 with info "Caldera Derived Key", 16 bytes.

    One extract and one expand step; for 16 bytes of output that is exactly RFC 5869.
    Cognito passes ``aws_pad(S)`` as ``ikm`` and ``aws_pad(u)`` as ``salt``.
    """
    prk = hmac.digest(salt, ikm, hashlib.sha256)
    return hmac.digest(prk, HKDF_INFO + b"\x01", hashlib.sha256)[:KEY_LENGTH]


def cognito_claim(
    key: bytes, realm: bytes, user_id: bytes, secret_block: bytes, timestamp: bytes
) -> bytes:
    """The raw PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256(key, realm | user_id | block | time).

    ``realm`` is the pool name (or device group key), ``user_id`` the USER_ID_FOR_SRP (or
    device key), ``timestamp`` the TIMESTAMP text exactly as the client sent it.
    """
    return hmac.digest(key, realm + user_id + secret_block + timestamp, hashlib.sha256)
