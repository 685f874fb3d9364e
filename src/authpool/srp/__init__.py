"""SRP-6a exactly as Amazon Cognito runs it: the safe API for flows and for the client.

Cognito's variant: RFC 5054's 3072-bit group, g = 2, SHA-256, every hashed number padded
by the AWS client libraries' rule (:func:`authpool.srp.hazmat.aws_pad_hex`), the session
key from HKDF-SHA256 ("Caldera Derived Key", 16 bytes), and a PASSWORD_CLAIM_SIGNATURE
that is an HMAC over pool name, user id, secret block and timestamp.

Server side of USER_SRP_AUTH::

    salt = new_salt()                                            # sign-up, password change
    verifier = make_verifier(pool_name_of(pool_id), user_id, password, salt)

    check_client_public(A)                                       # InitiateAuth (SRP_A)
    b = new_server_secret()
    B = server_public(verifier, b)                               # -> SALT, SRP_B

    ok = verify_password_claim(pool_name=..., user_id=..., verifier=verifier, b=b, A=A,
                               secret_block=..., timestamp=..., signature=...)

DEVICE_SRP_AUTH is the same arithmetic with the device group key where the pool name
goes and the device key where the user id goes; :func:`new_device_verifier` is what a
client computes for ConfirmDevice and :func:`parse_device_verifier_config` what the
server makes of it.

Numbers are Python ints, bytes are bytes; nothing here knows a wire key. Randomness is
passed in (``token_bytes``, default :func:`secrets.token_bytes`) and so is time.

Errors: :class:`SrpError` means the peer sent something unusable (a bad SRP_A, SRP_B,
hex text, timestamp or device config); a flow answers it exactly as it answers a
``False`` from :func:`verify_password_claim`, with the one opaque NotAuthorized error.
A plain :class:`ValueError` means the caller broke a precondition (a naive datetime, a
negative number, a broken ``token_bytes``) and should not be caught.

The arithmetic itself lives in :mod:`authpool.srp.hazmat`; do not call it from flows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from authpool.srp import hazmat

__all__ = [
    "CLIENT_SECRET_BYTES",
    "DEVICE_PASSWORD_BYTES",
    "MAX_HEX_DIGITS",
    "SALT_BYTES",
    "SERVER_SECRET_BYTES",
    "DeviceVerifier",
    "G",
    "K",
    "N",
    "SrpError",
    "TokenBytes",
    "check_client_public",
    "client_password_claim",
    "client_public",
    "format_timestamp",
    "from_hex",
    "make_verifier",
    "new_client_secret",
    "new_device_verifier",
    "new_salt",
    "new_server_secret",
    "parse_device_verifier_config",
    "parse_timestamp",
    "pool_name_of",
    "server_public",
    "to_hex",
    "verify_password_claim",
]

TokenBytes = Callable[[int], bytes]
"""A source of randomness shaped like :func:`secrets.token_bytes`."""

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
"""The RFC 5054 (= RFC 3526) 3072-bit safe prime."""

G = 2
"""The generator that goes with :data:`N`."""

SALT_BYTES = 16
"""Cognito's salts, and Amplify's device salts, are 128 random bits."""

SERVER_SECRET_BYTES = 32
"""256 bits of server exponent b: the group's 128-bit security level, twice over."""

CLIENT_SECRET_BYTES = 128
"""Amplify and pycognito draw the client exponent a from 128 random bytes."""

DEVICE_PASSWORD_BYTES = 40
"""Amplify's device password is the base64 text of 40 random bytes."""

MAX_HEX_DIGITS = 1024
"""Longest hex text :func:`from_hex` reads; a value below N needs at most 768 digits."""

_GROUP = hazmat.Group(
    N=N,
    g=G,
    hash=lambda data: hashlib.sha256(data).digest(),
    pad=hazmat.aws_pad,
)

K = hazmat.compute_k(_GROUP)
"""The SRP-6a multiplier k = H(pad(N) | pad(g))."""

_HEX = re.compile(r"[0-9a-fA-F]+")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP = re.compile(
    rf"({'|'.join(_DAY_NAMES)}) ({'|'.join(_MONTH_NAMES)}) ([1-9]|[12][0-9]|3[01])"
    r" ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]) UTC ([0-9]{4})"
)
_MAX_B64_CHARS = 1024


class SrpError(ValueError):
    """The peer sent an SRP value that must be refused."""


# -- encodings ---------------------------------------------------------------------------


def pool_name_of(pool_id: str) -> str:
    """The part of a pool id after its underscore: ``"AbCdEf123"`` for ``"us-east-1_AbCdEf123"``.

    Every AWS client library takes ``pool_id.split("_")[1]``; an id with no underscore,
    more than one, or an empty side is refused rather than guessed at.
    """
    parts = pool_id.split("_")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"not a user pool id: {pool_id!r}")
    return parts[1]


def to_hex(value: int) -> str:
    """Wire form of SRP_A, SRP_B and SALT: lowercase hex, no padding, as Cognito sends."""
    if value < 0:
        raise ValueError("SRP values are never negative")
    return f"{value:x}"


def from_hex(text: str) -> int:
    """Read SRP_A, SRP_B or SALT hex text (either case, leading zeros allowed).

    Only ASCII hex digits, 1 to :data:`MAX_HEX_DIGITS` of them: no sign, no ``0x``, no
    spaces or underscores, all of which Python's ``int(text, 16)`` would let through.
    """
    if len(text) > MAX_HEX_DIGITS or _HEX.fullmatch(text) is None:
        raise SrpError("not a hex number")
    return int(text, 16)


def format_timestamp(when: datetime) -> str:
    """The TIMESTAMP text for ``when``: ``"Tue Nov 3 02:26:55 UTC 2026"``.

    English names, day of month not zero-padded, time zero-padded, always UTC (an aware
    datetime in another zone is converted). A naive datetime is refused.
    """
    if when.utcoffset() is None:
        raise ValueError("format_timestamp needs a timezone-aware datetime")
    t = when.astimezone(UTC)
    return (
        f"{_DAY_NAMES[t.weekday()]} {_MONTH_NAMES[t.month - 1]} {t.day}"
        f" {t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year}"
    )


def parse_timestamp(text: str) -> datetime:
    """The aware UTC datetime a TIMESTAMP names, for a flow that bounds clock skew.

    Strictly the form :func:`format_timestamp` writes (and Amplify, pycognito and the AWS
    mobile SDKs send): a zero-padded day, a wrong weekday or an impossible date is refused.
    The claim itself is always checked against the text as sent, never a re-rendering.
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise SrpError("malformed TIMESTAMP")
    day_name, month_name, day, hour, minute, second, year = match.groups()
    try:
        when = datetime(
            int(year),
            _MONTH_NAMES.index(month_name) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        raise SrpError("TIMESTAMP names a date that does not exist") from None
    if _DAY_NAMES[when.weekday()] != day_name:
        raise SrpError("TIMESTAMP weekday does not match its date")
    return when


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON can carry
        raise SrpError("text is not valid Unicode") from None


def _random_bytes(token_bytes: TokenBytes, size: int) -> bytes:
    data = token_bytes(size)
    if len(data) != size:
        raise ValueError(f"token_bytes({size}) returned {len(data)} bytes")
    return data


def _random_int(token_bytes: TokenBytes, size: int) -> int:
    value = int.from_bytes(_random_bytes(token_bytes, size), "big")
    if value == 0:  # odds of 2**-128 or less: the source is broken
        raise ValueError(f"token_bytes({size}) returned only zero bytes")
    return value


def _check_element(value: int, name: str) -> None:
    # 0 (and so every multiple of N) makes S predictable; 1 and N-1 generate subgroups of
    # order 1 and 2. An honest peer never sends any of them.
    if not 1 < value < N - 1:
        raise SrpError(f"{name} is out of range")


# -- verifiers ---------------------------------------------------------------------------


def new_salt(token_bytes: TokenBytes = secrets.token_bytes) -> int:
    """A fresh 128-bit salt."""
    return _random_int(token_bytes, SALT_BYTES)


def _x(pool_name: str, user_id: str, password: str, salt: int) -> int:
    identity = _utf8(pool_name) + _utf8(user_id)
    return hazmat.compute_x(_GROUP, hazmat.aws_pad(salt), identity, _utf8(password))


def make_verifier(pool_name: str, user_id: str, password: str, salt: int) -> int:
    """v = g^x mod N, x = H(pad(salt) | H(pool_name | user_id | ":" | password)).

    ``user_id`` is the USER_ID_FOR_SRP the challenge will name. For a device, pass the
    device group key as ``pool_name``, the device key as ``user_id``.
    """
    return hazmat.compute_verifier(_GROUP, _x(pool_name, user_id, password, salt))


@dataclass(frozen=True)
class DeviceVerifier:
    """A device's SRP secret: ``password`` stays on the device, the rest goes to ConfirmDevice."""

    password: str = field(repr=False)
    salt: int
    verifier: int

    @property
    def salt_b64(self) -> str:
        """DeviceSecretVerifierConfig.Salt: base64 of the padded salt bytes."""
        return base64.b64encode(hazmat.aws_pad(self.salt)).decode("ascii")

    @property
    def password_verifier_b64(self) -> str:
        """DeviceSecretVerifierConfig.PasswordVerifier: base64 of the padded verifier bytes."""
        return base64.b64encode(hazmat.aws_pad(self.verifier)).decode("ascii")


def new_device_verifier(
    device_group_key: str, device_key: str, token_bytes: TokenBytes = secrets.token_bytes
) -> DeviceVerifier:
    """What Amplify (``generateHashDevice``) and pycognito compute for ConfirmDevice.

    The password is the base64 text of 40 random bytes, the salt 16 random bytes, drawn in
    that order; the verifier is :func:`make_verifier` with the device group key as the
    pool name and the device key as the user id.
    """
    password = base64.b64encode(_random_bytes(token_bytes, DEVICE_PASSWORD_BYTES)).decode()
    salt = new_salt(token_bytes)
    verifier = make_verifier(device_group_key, device_key, password, salt)
    return DeviceVerifier(password=password, salt=salt, verifier=verifier)


def _b64_int(text: str, name: str) -> int:
    if len(text) > _MAX_B64_CHARS:
        raise SrpError(f"{name} is too long")
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise SrpError(f"{name} is not base64") from None
    if not data:
        raise SrpError(f"{name} is empty")
    return int.from_bytes(data, "big")


def parse_device_verifier_config(*, password_verifier: str, salt: str) -> tuple[int, int]:
    """``(verifier, salt)`` from a ConfirmDevice DeviceSecretVerifierConfig, checked.

    The server then sends ``to_hex(salt)`` as the device challenge's SALT, which every
    client pads back to the bytes it hashed when it made the verifier.
    """
    verifier = _b64_int(password_verifier, "PasswordVerifier")
    _check_element(verifier, "PasswordVerifier")
    return verifier, _b64_int(salt, "Salt")


# -- server side -------------------------------------------------------------------------


def new_server_secret(token_bytes: TokenBytes = secrets.token_bytes) -> int:
    """A fresh server exponent b of 256 random bits."""
    return _random_int(token_bytes, SERVER_SECRET_BYTES)


def check_client_public(A: int) -> None:
    """Refuse an SRP_A that is 0 mod N, not below N, or a trivial element (1, N-1)."""
    _check_element(A, "SRP_A")


def server_public(verifier: int, b: int) -> int:
    """B = (k*v + g^b) mod N, the SRP_B of the challenge."""
    if not 0 < b < N:
        raise ValueError("b must come from new_server_secret")
    _check_element(verifier, "verifier")
    B = hazmat.server_public(_GROUP, K, verifier, b)
    _check_element(B, "SRP_B")  # only a verifier made to cancel g^b gets here
    return B


def _claim(
    *, S: int, u: int, pool_name: str, user_id: str, secret_block: bytes, timestamp: str
) -> bytes:
    key = hazmat.cognito_hkdf(hazmat.aws_pad(S), hazmat.aws_pad(u))
    return hazmat.cognito_claim(
        key, _utf8(pool_name), _utf8(user_id), secret_block, _utf8(timestamp)
    )


def verify_password_claim(
    *,
    pool_name: str,
    user_id: str,
    verifier: int,
    b: int,
    A: int,
    secret_block: bytes,
    timestamp: str,
    signature: bytes,
    B: int | None = None,
) -> bool:
    """Whether ``signature`` (the decoded PASSWORD_CLAIM_SIGNATURE) proves the password.

    ``timestamp`` is the TIMESTAMP text exactly as sent, ``secret_block`` the decoded
    PASSWORD_CLAIM_SECRET_BLOCK. The comparison is constant time; a signature of the
    wrong length is simply ``False``. Raises :class:`SrpError` for an unusable ``A`` or
    ``u = 0``.

    ``B`` is the SRP_B the challenge sent, when the server kept it (in state only it can
    have written, such as a sealed SECRET_BLOCK): that saves recomputing it, one of the
    three exponentiations. Without it, B is recomputed from ``verifier`` and ``b``.
    """
    check_client_public(A)
    if B is None:
        B = server_public(verifier, b)
    else:
        _check_element(B, "SRP_B")
    u = hazmat.compute_u(_GROUP, A, B)
    if u == 0:
        raise SrpError("u is zero")
    S = hazmat.server_premaster(_GROUP, A, verifier, u, b)
    expected = _claim(
        S=S,
        u=u,
        pool_name=pool_name,
        user_id=user_id,
        secret_block=secret_block,
        timestamp=timestamp,
    )
    return hmac.compare_digest(expected, signature)


# -- client side -------------------------------------------------------------------------


def new_client_secret(token_bytes: TokenBytes = secrets.token_bytes) -> int:
    """A fresh client exponent a from 128 random bytes, as Amplify and pycognito draw it."""
    return _random_int(token_bytes, CLIENT_SECRET_BYTES)


def client_public(a: int) -> int:
    """A = g^a mod N, the SRP_A a client sends."""
    if not 0 < a < N:
        raise ValueError("a must come from new_client_secret")
    return hazmat.client_public(_GROUP, a)


def client_password_claim(
    *,
    pool_name: str,
    user_id: str,
    password: str,
    salt: int,
    a: int,
    B: int,
    secret_block: bytes,
    timestamp: str,
) -> bytes:
    """The raw 32-byte PASSWORD_CLAIM_SIGNATURE; the caller base64-encodes it.

    ``user_id`` is the challenge's USER_ID_FOR_SRP. Raises :class:`SrpError` for an
    unusable SRP_B (0 mod N included) or ``u = 0``.
    """
    _check_element(B, "SRP_B")
    A = client_public(a)
    u = hazmat.compute_u(_GROUP, A, B)
    if u == 0:
        raise SrpError("u is zero")
    x = _x(pool_name, user_id, password, salt)
    S = hazmat.client_premaster(_GROUP, K, B, x, a, u)
    return _claim(
        S=S,
        u=u,
        pool_name=pool_name,
        user_id=user_id,
        secret_block=secret_block,
        timestamp=timestamp,
    )
