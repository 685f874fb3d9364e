"""Tokens: RS256 signing keys, JWT issue and verification, JWKS, the signing certificate.

Imports only the standard library and ``cryptography``; time is always an argument.
"""

from authpool.tokens.jwt import InvalidToken, TokenSigner, TokenVerifier
from authpool.tokens.keys import (
    SigningKey,
    generate_signing_key,
    jwks,
    load_signing_key,
    private_key_bytes,
    public_jwk,
    signing_certificate,
)

__all__ = [
    "InvalidToken",
    "SigningKey",
    "TokenSigner",
    "TokenVerifier",
    "generate_signing_key",
    "jwks",
    "load_signing_key",
    "private_key_bytes",
    "public_jwk",
    "signing_certificate",
]
