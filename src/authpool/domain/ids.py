"""Identifiers shaped as Cognito's, from an injected source of randomness."""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits

TokenBytes = Callable[[int], bytes]


def _choose(token_bytes: TokenBytes, alphabet: str, n: int) -> str:
    """``n`` characters drawn uniformly from ``alphabet`` (rejection sampling, no bias)."""
    limit = 256 - 256 % len(alphabet)
    out: list[str] = []
    while len(out) < n:
        for byte in token_bytes(2 * n):
            if byte < limit:
                out.append(alphabet[byte % len(alphabet)])
                if len(out) == n:
                    break
    return "".join(out)


def pool_id(region: str, token_bytes: TokenBytes) -> str:
    """``us-east-1_AbCdEf123``: region, underscore, nine letters and digits."""
    return f"{region}_{_choose(token_bytes, _ALNUM, 9)}"


def client_id(token_bytes: TokenBytes) -> str:
    """26 lowercase letters and digits."""
    return _choose(token_bytes, _LOWER_ALNUM, 26)


def client_secret(token_bytes: TokenBytes) -> str:
    """51 lowercase letters and digits (about 263 bits)."""
    return _choose(token_bytes, _LOWER_ALNUM, 51)


def access_key_id(token_bytes: TokenBytes) -> str:
    """``AKIA`` and 16 upper-case letters and digits, as AWS access key ids look."""
    return "AKIA" + _choose(token_bytes, string.ascii_uppercase + "234567", 16)


def secret_access_key(token_bytes: TokenBytes) -> str:
    return _choose(token_bytes, _ALNUM + "+/", 40)


def user_sub(token_bytes: TokenBytes) -> str:
    """A random (version 4) UUID."""
    return str(uuid.UUID(bytes=token_bytes(16), version=4))


def numeric_code(token_bytes: TokenBytes, digits: int = 6) -> str:
    return _choose(token_bytes, string.digits, digits)


def device_key(region: str, token_bytes: TokenBytes) -> str:
    """``us-east-1_0f5b6a1e-…``: region, underscore, a random (version 4) UUID."""
    return f"{region}_{uuid.UUID(bytes=token_bytes(16), version=4)}"


def device_group_key(token_bytes: TokenBytes) -> str:
    """``-eFgHiJkLm``: a dash and nine letters and digits, as Cognito's group keys look."""
    return "-" + _choose(token_bytes, _ALNUM, 9)
