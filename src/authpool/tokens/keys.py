"""RS256 signing keys: generation, storage form, JWKS and the signing certificate.

A :class:`SigningKey` holds a loaded ``cryptography`` private key and everything derived
from its public half (the public key object and the JWK members), computed once when the
key is built. Nothing here parses a key per call.

Storage form is :func:`private_key_bytes` (unencrypted PKCS#8 DER); the caller seals it
with the server master key and hands it back to :func:`load_signing_key`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

__all__ = [
    "CERTIFICATE_VALIDITY_YEARS",
    "KEY_SIZE",
    "PUBLIC_EXPONENT",
    "SigningKey",
    "b64url",
    "generate_signing_key",
    "jwks",
    "key_id",
    "load_signing_key",
    "private_key_bytes",
    "public_jwk",
    "signing_certificate",
]

KEY_SIZE = 2048
PUBLIC_EXPONENT = 65537
CERTIFICATE_VALIDITY_YEARS = 10


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint_b64url(value: int) -> str:
    """An unsigned big-endian integer as JWK wants it: shortest bytes, base64url."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _public_der(public_key: rsa.RSAPublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """The kid for a key: standard base64 of SHA-256 over its SubjectPublicKeyInfo DER.

    44 characters ending in ``=``, the shape of the kids in Cognito's jwks.json.
    """
    return base64.b64encode(hashlib.sha256(_public_der(public_key)).digest()).decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key and its kid, with the public half cached.

    Two signing keys are equal when their kids and public keys are equal. The repr shows
    the kid only.
    """

    kid: str
    private_key: rsa.RSAPrivateKey = field(compare=False, repr=False)
    public_key: rsa.RSAPublicKey = field(init=False, compare=False, repr=False)
    n: str = field(init=False, repr=False)
    """The modulus, base64url without padding, as in the JWK."""
    e: str = field(init=False, repr=False)
    """The public exponent, base64url without padding, as in the JWK."""

    def __post_init__(self) -> None:
        if not isinstance(self.private_key, rsa.RSAPrivateKey):
            raise TypeError("a signing key must be an RSA private key")
        if self.private_key.key_size < KEY_SIZE:
            raise ValueError(f"a signing key needs at least {KEY_SIZE} bits")
        if not self.kid:
            raise ValueError("a signing key needs a kid")
        public_key = self.private_key.public_key()
        numbers = public_key.public_numbers()
        object.__setattr__(self, "public_key", public_key)
        object.__setattr__(self, "n", _uint_b64url(numbers.n))
        object.__setattr__(self, "e", _uint_b64url(numbers.e))


def generate_signing_key() -> SigningKey:
    """A fresh RSA-2048 key (e = 65537) with its kid derived from the public key."""
    private_key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_SIZE)
    return SigningKey(key_id(private_key.public_key()), private_key)


def private_key_bytes(key: SigningKey) -> bytes:
    """The private key as unencrypted PKCS#8 DER. Seal it before it touches storage."""
    return key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signing_key(kid: str, der: bytes) -> SigningKey:
    """Load a key written by :func:`private_key_bytes`.

    Raises ValueError for bytes that are not an unencrypted DER private key, TypeError for
    a key that is not RSA.
    """
    private_key = serialization.load_der_private_key(der, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise TypeError("a signing key must be an RSA private key")
    return SigningKey(kid, private_key)


def public_jwk(key: SigningKey) -> dict[str, str]:
    """The public JWK, with the members and member order of Cognito's jwks.json."""
    return {"alg": "RS256", "e": key.e, "kid": key.kid, "kty": "RSA", "n": key.n, "use": "sig"}


def jwks(keys: Iterable[SigningKey]) -> dict[str, list[dict[str, str]]]:
    """The document served at ``/{poolId}/.well-known/jwks.json``."""
    return {"keys": [public_jwk(key) for key in keys]}


def _years_later(when: datetime, years: int) -> datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February into a year that has none
        return when.replace(year=when.year + years, day=28)


def signing_certificate(key: SigningKey, *, common_name: str, now: datetime) -> str:
    """Base64 DER of a self-signed X.509 certificate for the key, as GetSigningCertificate
    returns it: subject and issuer ``CN=<common_name>``, valid from ``now`` (whole seconds)
    for ten years, signed with SHA-256.

    The same key, name and time give the same certificate: the serial number is derived
    from the public key and the start of validity, and PKCS#1 v1.5 signatures are
    deterministic.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("signing_certificate needs a timezone-aware datetime")
    not_before = now.replace(microsecond=0)
    not_after = _years_later(not_before, CERTIFICATE_VALIDITY_YEARS)
    seed = hashlib.sha256(
        _public_der(key.public_key) + int(not_before.timestamp()).to_bytes(8, "big", signed=True)
    ).digest()
    # RFC 5280: a positive serial of at most 20 octets; 159 bits keeps it positive and short.
    serial = (int.from_bytes(seed[:20], "big") >> 1) or 1
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key), critical=False)
        .sign(key.private_key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
