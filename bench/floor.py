"""The cryptography each operation cannot avoid, timed in this process: the floor that the
server's CPU time per operation is compared with.

``srp``       g^b, v^u and (A·v^u)^b mod N (3072-bit modulus, 256-bit exponents, the
              secret ones through GMP's constant-time ``powmod_sec``), u, HKDF and the claim's
              HMAC, and two RS256 signatures (access and ID token)
``password``  the verifier g^x, and two RS256 signatures
``signup``    the verifier g^x
``refresh``   two RS256 signatures
``getuser``   one RS256 verification

The AES-GCM sealing of the SRP state and of the verifier, the keyed hashes of sessions and
refresh tokens, and JSON are not counted: they are the server's overhead, not its floor.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

import gmpy2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from authpool import srp
from authpool.srp import hazmat
from authpool.tokens.keys import KEY_SIZE, PUBLIC_EXPONENT

_N = srp.N
_GROUP = hazmat.Group(N=_N, g=srp.G, hash=lambda d: hashlib.sha256(d).digest(), pad=hazmat.aws_pad)
_KEY = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_SIZE)  # the pools'
_CLAIMS = b'{"sub":"' + b"x" * 600 + b'"}'  # about the size of a header.payload to sign
_SIGNATURE = _KEY.sign(_CLAIMS, padding.PKCS1v15(), hashes.SHA256())


def _sign() -> None:
    _KEY.sign(_CLAIMS, padding.PKCS1v15(), hashes.SHA256())


def _verifier() -> int:
    x = int.from_bytes(secrets.token_bytes(32), "big")
    return int(gmpy2.powmod_sec(srp.G, x, _N))


_V = _verifier()
_A = srp.client_public(int.from_bytes(secrets.token_bytes(32), "big") | 1)


def srp_sign_in() -> None:
    b = srp.new_server_secret()
    B = hazmat.server_public(_GROUP, srp.K, _V, b)  # InitiateAuth
    u = hazmat.compute_u(_GROUP, _A, B)  # RespondToAuthChallenge
    S = hazmat.server_premaster(_GROUP, _A, _V, u, b)
    key = hazmat.cognito_hkdf(hazmat.aws_pad(S), hazmat.aws_pad(u))
    hazmat.cognito_claim(key, b"pool", b"user", b"block" * 100, b"Tue Nov 3 02:26:55 UTC 2026")
    _sign()
    _sign()


def password_sign_in() -> None:
    _verifier()
    _sign()
    _sign()


def sign_up() -> None:
    _verifier()


def refresh() -> None:
    _sign()
    _sign()


def get_user() -> None:
    _KEY.public_key().verify(_SIGNATURE, _CLAIMS, padding.PKCS1v15(), hashes.SHA256())


FLOORS: dict[str, Callable[[], None]] = {
    "signup": sign_up,
    "srp": srp_sign_in,
    "password": password_sign_in,
    "refresh": refresh,
    "getuser": get_user,
}


def cpu_ms(fn: Callable[[], None], *, runs: int = 200, repeats: int = 5) -> float:
    """The least CPU milliseconds per call over ``repeats`` batches of ``runs`` calls."""
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        for _ in range(runs):
            fn()
        best = min(best, (time.process_time() - began) / runs)
    return best * 1000


def floors(operations: list[str]) -> dict[str, float]:
    return {op: cpu_ms(FLOORS[op], runs=500 if op == "getuser" else 100) for op in operations}
