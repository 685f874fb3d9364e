"""Password policy and password storage.

A password is never stored: only the SRP salt and verifier (v = g^x mod N), the verifier
sealed under the master key. A password sign-in recomputes the verifier and compares.

The verifier is made from the password exactly as given, never Unicode-normalised: in an SRP
sign-in the client hashes the UTF-8 bytes it has (as real Cognito's clients do), so a
verifier of any other spelling would refuse the right password.
"""

from __future__ import annotations

import hmac
import string
from dataclasses import dataclass
from typing import Any

from authpool import srp
from authpool.domain.context import Services
from authpool.domain.errors import InvalidPasswordException

VERIFIER_PURPOSE = "srp-verifier"
MAX_PASSWORD_LENGTH = 256
# The character classes of Cognito's policy (developer guide, "Adding user pool password
# requirements"): upper- and lowercase Basic Latin letters, numbers, and these special
# characters, the space among them. Any other character (é, ², €) is allowed but counts
# towards no class.
UPPERCASE = frozenset(string.ascii_uppercase)
LOWERCASE = frozenset(string.ascii_lowercase)
DIGITS = frozenset(string.digits)
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def check_policy(policy: dict[str, Any], password: str) -> None:
    """Raise InvalidPasswordException with Cognito's wording for the first rule broken."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidPasswordException("Password did not conform with policy: Password is too long")
    if password != password.strip():
        raise InvalidPasswordException(
            "Password did not conform with policy: Password must not begin or end with a space"
        )
    if len(password) < int(policy.get("minimum_length", 8)):
        raise InvalidPasswordException(
            "Password did not conform with policy: Password not long enough"
        )
    rules = (
        ("require_uppercase", UPPERCASE, "Password must have uppercase characters"),
        ("require_lowercase", LOWERCASE, "Password must have lowercase characters"),
        ("require_numbers", DIGITS, "Password must have numeric characters"),
        ("require_symbols", SYMBOLS, "Password must have symbol characters"),
    )
    for key, members, message in rules:
        if policy.get(key, True) and members.isdisjoint(password):
            raise InvalidPasswordException(f"Password did not conform with policy: {message}")


@dataclass(frozen=True)
class StoredPassword:
    salt: str  # hex, as the SRP challenge's SALT
    verifier_sealed: bytes


def store(svc: Services, *, pool_name: str, user_id: str, password: str) -> StoredPassword:
    salt = srp.new_salt(svc.token_bytes)
    verifier = srp.make_verifier(pool_name, user_id, password, salt)
    return StoredPassword(
        salt=srp.to_hex(salt),
        verifier_sealed=svc.vault.seal(_int_bytes(verifier), purpose=VERIFIER_PURPOSE),
    )


def verifier_of(svc: Services, sealed: bytes) -> int:
    return int.from_bytes(svc.vault.open(sealed, purpose=VERIFIER_PURPOSE), "big")


def matches(
    svc: Services, *, pool_name: str, user_id: str, password: str, salt: str, sealed: bytes
) -> bool:
    """Whether ``password`` is the stored one; constant-time compare of the verifiers."""
    candidate = srp.make_verifier(pool_name, user_id, password, srp.from_hex(salt))
    return hmac.compare_digest(_int_bytes(candidate), _int_bytes(verifier_of(svc, sealed)))


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(384, "big")
