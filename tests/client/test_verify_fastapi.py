"""authpool.verify's bearer dependency in a real FastAPI app (``Depends``), with an async and a
blocking verifier: a good token, an expired one, one for another app client, an ID token
where an access token is wanted, none at all, and a missing group."""

import asyncio
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from tests.client.support import OffsetClock
from tests.client.test_verify_integrations import AppClient
from tests.client.verify_support import CLIENT, POOL, Issuer

from authpool.verify import AsyncTokenVerifier, Claims, TokenVerifier
from authpool.verify.starlette import BearerAuth


def _app(verifier: AsyncTokenVerifier | TokenVerifier) -> FastAPI:
    app = FastAPI()
    require_user = BearerAuth(verifier, token_use="access")
    require_admin = BearerAuth(verifier, groups=["admin"], realm="shop")
    require_id = BearerAuth(verifier, token_use="id")

    @app.get("/me")
    async def me(claims: Annotated[Claims, Depends(require_user)]) -> dict[str, Any]:
        return {"sub": claims.sub, "username": claims.username, "scopes": sorted(claims.scopes)}

    @app.get("/admin")
    def admin(claims: Claims = Depends(require_admin)) -> dict[str, Any]:  # noqa: B008
        return {"groups": list(claims.groups)}

    @app.get("/profile")
    async def profile(claims: Annotated[Claims, Depends(require_id)]) -> dict[str, Any]:
        return {"email": claims.get("email")}

    return app


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture(params=["async", "sync"])
def client(request: pytest.FixtureRequest, issuer: Issuer, clock: OffsetClock) -> Iterator[Any]:
    transport = httpx.MockTransport(issuer.handler)
    verifier: Any
    if request.param == "async":
        verifier = AsyncTokenVerifier(POOL, client_id=CLIENT, clock=clock, transport=transport)
    else:
        verifier = TokenVerifier(POOL, client_id=CLIENT, clock=clock, transport=transport)
    yield AppClient(_app(verifier))  # type: ignore[arg-type]
    if request.param == "sync":
        verifier.close()
    else:
        asyncio.run(verifier.aclose())


def bearer(issuer: Issuer, clock: OffsetClock, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(clock.now().timestamp(), **claims)}"}


def test_a_valid_token_reaches_the_route(client: Any, issuer: Issuer, clock: OffsetClock) -> None:
    answer = client.get("/me", headers=bearer(issuer, clock))
    assert answer.status_code == 200
    assert answer.json() == {
        "sub": "sub-1",
        "username": "ada",
        "scopes": ["orders/read", "orders/write"],
    }
    assert client.get("/admin", headers=bearer(issuer, clock)).json() == {"groups": ["admin"]}
    ident = bearer(issuer, clock, token_use="id", client_id=None, aud=CLIENT, email="a@b.c")
    assert client.get("/profile", headers=ident).json() == {"email": "a@b.c"}


def test_no_token_is_a_401_with_a_bearer_challenge(client: Any) -> None:
    answer = client.get("/me")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {"detail": "A bearer token is required."}
    assert client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


def test_an_expired_token_is_refused(client: Any, issuer: Issuer, clock: OffsetClock) -> None:
    token = bearer(issuer, clock)
    assert client.get("/me", headers=token).status_code == 200
    clock.advance(3600 + 1)  # the token lives an hour
    answer = client.get("/me", headers=token)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "expired" in answer.json()["detail"]


def test_a_token_for_another_app_client_is_refused(
    client: Any, issuer: Issuer, clock: OffsetClock
) -> None:
    other = "otherclient0123456789abcde"
    access = client.get("/me", headers=bearer(issuer, clock, client_id=other))
    assert access.status_code == 401
    assert access.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    ident = bearer(issuer, clock, token_use="id", client_id=None, aud=other)
    assert client.get("/profile", headers=ident).status_code == 401
    # An ID token where an access token is wanted, and the other way round.
    ident = bearer(issuer, clock, token_use="id", client_id=None, aud=CLIENT)
    assert client.get("/me", headers=ident).status_code == 401
    assert client.get("/profile", headers=bearer(issuer, clock)).status_code == 401


def test_a_missing_group_is_a_403(client: Any, issuer: Issuer, clock: OffsetClock) -> None:
    answer = client.get("/admin", headers=bearer(issuer, clock, **{"cognito:groups": ["staff"]}))
    assert answer.status_code == 403
    assert answer.headers["www-authenticate"].startswith(
        'Bearer realm="shop", error="insufficient_scope"'
    )


def test_the_keys_unavailable_is_a_503(client: Any, issuer: Issuer, clock: OffsetClock) -> None:
    issuer.down = True
    answer = client.get("/me", headers=bearer(issuer, clock))
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "30"
