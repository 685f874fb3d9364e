"""Test support for authpool.client.

- :class:`ValidatingTransport` / :class:`AsyncValidatingTransport` wrap the real transport of
  every client the tests make (live or replayed) and check each request the client builds
  against botocore's Cognito model (``authpool.wire.validation.validate``): a request real
  Cognito would refuse as malformed fails the test that made it. :data:`SEEN` records the
  operations checked.
- :class:`Blocking` runs an ``AsyncAuth`` through the same calls as an ``Auth``, so that one
  test body covers both drivers.
- :class:`ReplayedCognito` is a scripted stand-in for the service, for the parts of the API
  the authpool server does not implement yet. Its answers are Cognito's documented responses
  (the API reference of InitiateAuth, RespondToAuthChallenge and the operation in question),
  REPLAYED, not produced by a server.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from authpool.client.wire import TARGET_PREFIX
from authpool.wire import validation

SEEN: set[str] = set()


def check_request(request: httpx.Request) -> tuple[str, dict[str, Any]]:
    target = request.headers.get("x-amz-target", "")
    assert target.startswith(TARGET_PREFIX), target
    assert request.headers["content-type"] == "application/x-amz-json-1.1"
    assert "authorization" not in request.headers  # public calls: never signed
    operation = target[len(TARGET_PREFIX) :]
    body = json.loads(request.content)
    validation.validate(operation, body)  # raises ValidationFailed: the request is malformed
    SEEN.add(operation)
    return operation, body


class ValidatingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        check_request(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncValidatingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        check_request(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Blocking:
    """An ``AsyncAuth`` whose coroutine methods run to completion on a private loop."""

    def __init__(self, auth: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._auth = auth
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._auth, name)
        if inspect.iscoroutinefunction(value):

            def call(*args: Any, **kwargs: Any) -> Any:
                return self._loop.run_until_complete(value(*args, **kwargs))

            return call
        return value

    def close(self) -> None:
        self._loop.run_until_complete(self._auth.aclose())


class OffsetClock:
    """The real time plus an offset the test moves: the client's clock, injected."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def require_server(*operations: str, challenge: str | None = None, flow: str | None = None) -> None:
    """Skip unless the authpool server in this tree implements ``operations`` (and the sign-in
    ``challenge`` or ``flow``): for the parts other issues are still building."""
    from authpool.domain.flows import sign_in
    from authpool.wire import handlers
    from authpool.wire.protocol import OPERATIONS

    handlers.load()
    missing = [op for op in operations if op not in OPERATIONS]
    if challenge is not None and challenge not in sign_in.CHALLENGES:
        missing.append(f"the {challenge} challenge")
    if flow is not None and flow not in sign_in.FLOWS:
        missing.append(f"the {flow} flow")
    if missing:
        pytest.skip(f"the authpool server does not implement {', '.join(missing)} yet")


# -- replayed Cognito ---------------------------------------------------------------------------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_jwt(claims: Mapping[str, Any]) -> str:
    """A JWT-shaped token (the client decodes, never verifies, what the service sends)."""
    header = _b64url(json.dumps({"alg": "RS256", "kid": "replayed"}).encode())
    payload = _b64url(json.dumps(dict(claims)).encode())
    return f"{header}.{payload}.{_b64url(secrets.token_bytes(32))}"


POOL_ID = "us-east-1_Replayed1"
CLIENT_ID = "replayedclient0123456789ab"


def authentication_result(
    username: str = "ada",
    *,
    sub: str = "d5a1c6b0-0000-4000-8000-000000000001",
    now: datetime | None = None,
    lifetime: int = 3600,
    refresh: str | None = "replayed-refresh-token",
    new_device: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An AuthenticationResult as Cognito returns it (tokens' claims as Cognito sets them)."""
    issued = int((now or datetime.now(UTC)).timestamp())
    common = {"sub": sub, "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"}
    access = {
        **common,
        "client_id": CLIENT_ID,
        "origin_jti": secrets.token_hex(8),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": issued,
        "iat": issued,
        "exp": issued + lifetime,
        "username": username,
    }
    ident = {
        **common,
        "aud": CLIENT_ID,
        "token_use": "id",
        "cognito:username": username,
        "auth_time": issued,
        "iat": issued,
        "exp": issued + lifetime,
    }
    result: dict[str, Any] = {
        "AccessToken": fake_jwt(access),
        "IdToken": fake_jwt(ident),
        "ExpiresIn": lifetime,
        "TokenType": "Bearer",
    }
    if refresh:
        result["RefreshToken"] = refresh
    if new_device:
        result["NewDeviceMetadata"] = dict(new_device)
    return result


Answer = Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]]


@dataclass
class Expected:
    operation: str
    answer: Answer | None
    error: tuple[str, str] | Exception | None
    check: Callable[[dict[str, Any]], object] | None


@dataclass
class ReplayedCognito:
    """Answers each call with the next scripted response, checking the call is the expected
    one. Unscripted calls fail the test. REPLAYED responses, not a server."""

    script: list[Expected] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def expect(
        self,
        operation: str,
        answer: Answer | None = None,
        *,
        error: tuple[str, str] | Exception | None = None,
        check: Callable[[dict[str, Any]], object] | None = None,
    ) -> ReplayedCognito:
        """Script the next call: ``answer`` (a body, or a function of the request body),
        or ``error`` (a service error's name and message, or an exception the transport
        raises, as a dropped connection does)."""
        self.script.append(Expected(operation, answer, error, check))
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        operation, body = check_request(request)
        self.calls.append((operation, body))
        assert self.script, f"unexpected call to {operation}"
        expected = self.script.pop(0)
        assert operation == expected.operation, f"called {operation}, expected {expected.operation}"
        if expected.check is not None:
            # a check asserts, or returns False for a body it refuses
            assert expected.check(body) is not False, f"{operation} body refused: {body}"
        if isinstance(expected.error, Exception):
            raise expected.error
        if expected.error is not None:
            name, message = expected.error
            return httpx.Response(
                400,
                json={"__type": name, "message": message},
                headers={"x-amzn-ErrorType": f"{name}:http://internal.amazon.com/coral/"},
            )
        answer = expected.answer(body) if callable(expected.answer) else expected.answer
        return httpx.Response(200, json=dict(answer or {}))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def done(self) -> None:
        assert not self.script, f"expected calls not made: {[e.operation for e in self.script]}"

    def last(self, operation: str) -> dict[str, Any]:
        for name, body in reversed(self.calls):
            if name == operation:
                return body
        raise AssertionError(f"{operation} was not called")


# -- SRP on the replayed side: real math, so a replay still proves the client's claims ----------
class SrpServer:
    """The service's half of an SRP exchange for one secret (a user's password, or a device's
    random password), built with authpool.srp's server functions."""

    def __init__(self, pool_name: str, user_id: str, password: str) -> None:
        from authpool import srp

        self.srp = srp
        self.pool_name, self.user_id = pool_name, user_id
        self.salt = srp.new_salt()
        self.verifier = srp.make_verifier(pool_name, user_id, password, self.salt)
        self.b = 0
        self.A = 0
        self.block = b""

    @classmethod
    def for_device(cls, group_key: str, device_key: str, password_verifier: str, salt: str) -> Any:
        from authpool import srp

        server = cls.__new__(cls)
        server.srp = srp
        server.pool_name, server.user_id = group_key, device_key
        server.verifier, server.salt = srp.parse_device_verifier_config(
            password_verifier=password_verifier, salt=salt
        )
        server.b, server.A, server.block = 0, 0, b""
        return server

    def challenge(self, srp_a: str, **extra: str) -> dict[str, str]:
        """SALT, SECRET_BLOCK, SRP_B (and ``extra``) for the client's SRP_A."""
        self.A = self.srp.from_hex(srp_a)
        self.srp.check_client_public(self.A)
        self.b = self.srp.new_server_secret()
        self.block = secrets.token_bytes(64)
        return {
            "SALT": self.srp.to_hex(self.salt),
            "SECRET_BLOCK": base64.b64encode(self.block).decode(),
            "SRP_B": self.srp.to_hex(self.srp.server_public(self.verifier, self.b)),
            **extra,
        }

    def proves(self, responses: Mapping[str, str]) -> bool:
        assert base64.b64decode(responses["PASSWORD_CLAIM_SECRET_BLOCK"]) == self.block
        return bool(
            self.srp.verify_password_claim(
                pool_name=self.pool_name,
                user_id=self.user_id,
                verifier=self.verifier,
                b=self.b,
                A=self.A,
                secret_block=self.block,
                timestamp=responses["TIMESTAMP"],
                signature=base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"]),
            )
        )
