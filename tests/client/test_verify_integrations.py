"""The backend integrations of authpool.verify: the Starlette/FastAPI dependency (run under
Starlette, through its test client) and the Flask decorator, with tokens from a Cognito-like
issuer (tests.client.verify_support). RFC 6750 answers: 401 with a Bearer challenge, 403
insufficient_scope, 503 when the keys cannot be fetched."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import flask
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.client.support import OffsetClock
from tests.client.verify_support import CLIENT, POOL, Issuer

from authpool.verify import AsyncTokenVerifier, Claims, TokenVerifier
from authpool.verify.flask import current_claims, require_token
from authpool.verify.starlette import BearerAuth, bearer_token


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def _token(issuer: Issuer, clock: OffsetClock, **claims: Any) -> str:
    return issuer.token(clock.now().timestamp(), **claims)


# -- Starlette / FastAPI ------------------------------------------------------------------------
def _starlette(verifier: AsyncTokenVerifier | TokenVerifier) -> Starlette:
    user = BearerAuth(verifier, token_use="access")
    admin = BearerAuth(verifier, groups=["admin"], realm="seed")
    reader = BearerAuth(verifier, scopes="orders/admin")

    @user.protect
    async def me(request: Request) -> Response:
        claims: Claims = request.state.claims
        return JSONResponse({"sub": claims.sub, "username": claims.username})

    async def admin_only(request: Request) -> Response:
        claims = await admin(request)  # the FastAPI way: the dependency returns the claims
        return JSONResponse({"groups": list(claims.groups)})

    @reader.protect
    async def orders(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/me", me), Route("/admin", admin_only), Route("/orders", orders)]
    )


class AppClient:
    """Requests to an ASGI app in process (httpx's ASGITransport), one event loop per call."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
                return await client.get(path, headers=headers)

        return asyncio.run(call())


@pytest.fixture(params=["async", "sync"])
def starlette_client(
    request: pytest.FixtureRequest, issuer: Issuer, clock: OffsetClock
) -> Iterator[AppClient]:
    """The app with an AsyncTokenVerifier, and with a blocking TokenVerifier (run in
    Starlette's thread pool)."""
    transport = httpx.MockTransport(issuer.handler)
    verifier: Any
    if request.param == "async":
        verifier = AsyncTokenVerifier(POOL, client_id=CLIENT, clock=clock, transport=transport)
    else:
        verifier = TokenVerifier(POOL, client_id=CLIENT, clock=clock, transport=transport)
    yield AppClient(_starlette(verifier))
    if request.param == "sync":
        verifier.close()
    else:
        asyncio.run(verifier.aclose())


def test_starlette_accepts_a_good_token(
    starlette_client: AppClient, issuer: Issuer, clock: OffsetClock
) -> None:
    headers = {"Authorization": f"Bearer {_token(issuer, clock)}"}
    response = starlette_client.get("/me", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"sub": "sub-1", "username": "ada"}
    assert starlette_client.get("/admin", headers=headers).json() == {"groups": ["admin"]}


def test_starlette_refusals(
    starlette_client: AppClient, issuer: Issuer, clock: OffsetClock
) -> None:
    missing = starlette_client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"

    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer a b"):
        assert starlette_client.get("/me", headers={"Authorization": header}).status_code == 401

    expired = _token(issuer, clock, exp=1)
    refused = starlette_client.get("/me", headers={"Authorization": f"Bearer {expired}"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "expired" in refused.headers["www-authenticate"]

    ident = _token(issuer, clock, token_use="id", client_id=None, aud=CLIENT)
    wrong_use = starlette_client.get("/me", headers={"Authorization": f"Bearer {ident}"})
    assert wrong_use.status_code == 401

    outsider = _token(issuer, clock, **{"cognito:groups": ["staff"]})
    forbidden = starlette_client.get("/admin", headers={"Authorization": f"Bearer {outsider}"})
    assert forbidden.status_code == 403
    assert forbidden.headers["www-authenticate"].startswith(
        'Bearer realm="seed", error="insufficient_scope"'
    )
    no_scope = starlette_client.get("/orders", headers={"Authorization": f"Bearer {outsider}"})
    assert no_scope.status_code == 403


def test_starlette_keys_unavailable(
    starlette_client: AppClient, issuer: Issuer, clock: OffsetClock
) -> None:
    issuer.down = True
    response = starlette_client.get(
        "/me", headers={"Authorization": f"Bearer {_token(issuer, clock)}"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer   abc") == "abc"
    assert bearer_token(None) is None
    assert bearer_token("Token abc") is None


# -- Flask --------------------------------------------------------------------------------------
@pytest.fixture
def flask_client(issuer: Issuer, clock: OffsetClock) -> Iterator[Any]:
    verifier = TokenVerifier(
        POOL, client_id=CLIENT, clock=clock, transport=httpx.MockTransport(issuer.handler)
    )
    app = flask.Flask(__name__)

    @app.get("/me")
    @require_token(verifier, token_use="access")
    def me() -> Any:
        return {"sub": current_claims().sub}

    @app.get("/admin")
    @require_token(verifier, groups=["admin"])
    def admin() -> Any:
        return {"groups": list(current_claims().groups)}

    @app.get("/open")
    def open_view() -> Any:
        try:
            current_claims()
        except RuntimeError as exc:
            return {"error": str(exc)}
        return {}

    yield app.test_client()
    verifier.close()


def test_flask(flask_client: Any, issuer: Issuer, clock: OffsetClock) -> None:
    good = {"Authorization": f"Bearer {_token(issuer, clock)}"}
    assert flask_client.get("/me", headers=good).json == {"sub": "sub-1"}
    assert flask_client.get("/admin", headers=good).json == {"groups": ["admin"]}

    missing = flask_client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json["error"] == "invalid_request"

    expired = flask_client.get(
        "/me", headers={"Authorization": f"Bearer {_token(issuer, clock, exp=1)}"}
    )
    assert expired.status_code == 401
    assert expired.json["error"] == "invalid_token"
    assert expired.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')

    outsider = _token(issuer, clock, **{"cognito:groups": []})
    forbidden = flask_client.get("/admin", headers={"Authorization": f"Bearer {outsider}"})
    assert forbidden.status_code == 403
    assert forbidden.json["error"] == "insufficient_scope"

    assert "require_token" in flask_client.get("/open").json["error"]

    issuer.down = True
    clock.advance(3600)
    later = {"Authorization": f"Bearer {_token(issuer, clock)}"}
    assert flask_client.get("/me", headers=later).status_code == 200  # cached keys still work
