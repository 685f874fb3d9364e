"""A Cognito-like token issuer for the tests of authpool.verify: RSA keys, a JWKS served
through a mock transport (counting fetches, able to go down), tokens signed here."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

POOL = "eu-central-1_VerifyTst"
CLIENT = "verifyclient0123456789abcd"
ISSUER = f"https://cognito-idp.eu-central-1.amazonaws.com/{POOL}"
JWKS_URI = f"{ISSUER}/.well-known/jwks.json"


class Issuer:
    """A Cognito-like issuer: RSA keys, a JWKS served through a mock transport, tokens."""

    def __init__(self) -> None:
        self.keys = [self._key()]
        self.fetches = 0
        self.down = False

    @staticmethod
    def _key() -> tuple[str, rsa.RSAPrivateKey]:
        return secrets.token_hex(8), rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def rotate(self) -> None:
        self.keys.append(self._key())

    def retire_oldest(self) -> None:
        self.keys.pop(0)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URI
        self.fetches += 1
        if self.down:
            return httpx.Response(503, text="unavailable")
        return httpx.Response(200, json=self.jwks())

    def token(self, now: float, *, key: int = -1, headers: dict[str, Any] | None = None,
              **claims: Any) -> str:  # fmt: skip
        kid, private = self.keys[key]
        payload = {
            "sub": "sub-1",
            "iss": ISSUER,
            "client_id": CLIENT,
            "token_use": "access",
            "scope": "orders/read orders/write",
            "iat": int(now),
            "exp": int(now) + 3600,
            "username": "ada",
            "cognito:groups": ["admin"],
        }
        payload.update(claims)
        for name in [k for k, v in payload.items() if v is None]:
            del payload[name]
        return jwt.encode(
            payload, private, algorithm="RS256", headers={"kid": kid, **(headers or {})}
        )
