"""RS256 JSON Web Tokens: issue with one key, verify against any listed key.

Signing and verification work on the JWS compact form directly with loaded
``cryptography`` key objects: the header segment is encoded once per signer, and a token
costs one RSA operation plus JSON. (Against PyJWT with the same preloaded key objects:
signing costs the same, the RSA private operation being nearly all of it; verifying takes
about half the time of ``jwt.decode``.)

The verifier trusts nothing in the header but ``kid``, and only to pick among keys it
was given: ``alg`` must be exactly RS256, so ``none`` and HS256-with-the-public-key
forgeries are refused before any key is touched. The payload is parsed only after the
signature checks out. Time is an argument; nothing here reads the clock.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from authpool.tokens.keys import KEY_SIZE, SigningKey, b64url

__all__ = [
    "ALGORITHM",
    "MAX_TOKEN_LENGTH",
    "REQUIRED_CLAIMS",
    "InvalidToken",
    "TokenSigner",
    "TokenVerifier",
]

ALGORITHM: Final = "RS256"
REQUIRED_CLAIMS: Final = ("exp", "iat", "iss", "token_use")
MAX_TOKEN_LENGTH: Final = 64 * 1024
"""Longer strings are refused unread. Cognito's largest tokens (many groups) are a few KiB."""

_PADDING: Final = padding.PKCS1v15()
_HASH: Final = hashes.SHA256()
_COMPACT: Final = (",", ":")


class InvalidToken(Exception):
    """A token was refused. ``reason`` says why in a few words, for logs, not for callers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenSigner:
    """Signs claims with one key. The header is ``{"kid": ..., "alg": "RS256"}``, as Cognito's."""

    __slots__ = ("_header", "_private_key", "kid")

    def __init__(self, key: SigningKey) -> None:
        self.kid = key.kid
        self._private_key = key.private_key
        header = json.dumps({"kid": key.kid, "alg": ALGORITHM}, separators=_COMPACT)
        self._header = b64url(header.encode("ascii")) + "."

    def sign(self, claims: Mapping[str, Any]) -> str:
        """The compact JWS of ``claims``: compact JSON, keys in the order given, non-ASCII
        escaped."""
        payload = json.dumps(dict(claims), separators=_COMPACT).encode("ascii")
        signing_input = (self._header + b64url(payload)).encode("ascii")
        signature = self._private_key.sign(signing_input, _PADDING, _HASH)
        return signing_input.decode("ascii") + "." + b64url(signature)

    def __repr__(self) -> str:
        return f"TokenSigner(kid={self.kid!r})"


def _b64decode(segment: str) -> bytes:
    """Strict base64url: the URL-safe alphabet, no padding, and the canonical encoding only,
    so one token has exactly one spelling."""
    try:
        raw = base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise InvalidToken("malformed token") from None
    if b64url(raw) != segment:
        raise InvalidToken("malformed token")
    return raw


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidToken("malformed token") from None
    if not isinstance(value, dict):
        raise InvalidToken("malformed token")
    return value


def _numeric_date(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"malformed claim: {name}")
    return float(value)


class TokenVerifier:
    """Verifies RS256 tokens against a set of public keys, any of which may have signed.

    Give it every key listed in the pool's JWKS (the newest signs, older ones stay until
    their tokens have expired); a token naming any other kid is refused.
    """

    __slots__ = ("_keys",)

    def __init__(self, public_keys: Mapping[str, rsa.RSAPublicKey] | Iterable[SigningKey]) -> None:
        pairs: Iterable[tuple[str, object]]
        if isinstance(public_keys, Mapping):
            pairs = public_keys.items()
        else:
            pairs = ((key.kid, key.public_key) for key in public_keys)
        keys: dict[str, rsa.RSAPublicKey] = {}
        for kid, public_key in pairs:
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise TypeError(f"key {kid!r} is not an RSA public key")
            if public_key.key_size < KEY_SIZE:
                raise ValueError(f"key {kid!r} is shorter than {KEY_SIZE} bits")
            if keys.setdefault(kid, public_key) != public_key:
                raise ValueError(f"two different keys share the kid {kid!r}")
        self._keys = keys

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def verify(
        self,
        token: str,
        *,
        now: datetime,
        issuer: str,
        token_use: str | None = None,
        leeway: int = 0,
    ) -> dict[str, Any]:
        """The claims of ``token`` if it is valid at ``now``; raises :class:`InvalidToken`.

        Checks, in order: shape, ``alg`` is RS256, ``kid`` is known, the signature, the
        required claims (``exp``, ``iat``, ``iss``, ``token_use``), ``exp`` has not passed,
        ``iat`` and ``nbf`` (if present) are not in the future, ``iss`` equals ``issuer``,
        and ``token_use`` equals the one asked for. ``leeway`` (seconds) widens the time
        checks. Audience, client and revocation are the caller's business.
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("verify needs a timezone-aware datetime")
        if leeway < 0:
            raise ValueError("leeway cannot be negative")
        claims = self._verified_claims(token)

        for name in REQUIRED_CLAIMS:
            if name not in claims:
                raise InvalidToken(f"missing claim: {name}")
        timestamp = now.timestamp()
        if _numeric_date(claims, "exp") <= timestamp - leeway:
            raise InvalidToken("token expired")
        if _numeric_date(claims, "iat") > timestamp + leeway:
            raise InvalidToken("token issued in the future")
        if "nbf" in claims and _numeric_date(claims, "nbf") > timestamp + leeway:
            raise InvalidToken("token not yet valid")
        if claims["iss"] != issuer:
            raise InvalidToken("wrong issuer")
        if not isinstance(claims["token_use"], str):
            raise InvalidToken("malformed claim: token_use")
        if token_use is not None and claims["token_use"] != token_use:
            raise InvalidToken("wrong token_use")
        return claims

    def _verified_claims(self, token: str) -> dict[str, Any]:
        """The payload of a well-formed RS256 token whose signature one of our keys made."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise InvalidToken("malformed token")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken("malformed token")
        header_segment, payload_segment, signature_segment = parts

        header = _json_object(_b64decode(header_segment))
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unsupported alg")
        if "crit" in header:
            raise InvalidToken("unsupported header: crit")
        kid = header.get("kid")
        public_key = self._keys.get(kid) if isinstance(kid, str) else None
        if public_key is None:
            raise InvalidToken("unknown kid")

        payload = _b64decode(payload_segment)
        signature = _b64decode(signature_segment)
        signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
        try:
            public_key.verify(signature, signing_input, _PADDING, _HASH)
        except InvalidSignature:
            raise InvalidToken("bad signature") from None
        return _json_object(payload)

    def __repr__(self) -> str:
        return f"TokenVerifier(kids={sorted(self._keys)!r})"
