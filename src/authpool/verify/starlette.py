"""Bearer-token protection for Starlette and FastAPI.

FastAPI: a dependency (FastAPI recognises the ``Request`` parameter and renders the
``HTTPException`` with its headers)::

    verifier = AsyncTokenVerifier(POOL_ID, client_id=CLIENT_ID, token_use="access")
    require_user = BearerAuth(verifier)
    require_admin = BearerAuth(verifier, groups=["admin"])

    @app.get("/me")
    async def me(claims: Claims = Depends(require_user)) -> dict[str, str]:
        return {"sub": claims.sub}

Starlette: decorate an endpoint; the claims are at ``request.state.claims``::

    @require_user.protect
    async def me(request: Request) -> Response: ...

Refusals follow RFC 6750: 401 with ``WWW-Authenticate: Bearer`` (``error="invalid_token"``
when a token was sent), 403 with ``error="insufficient_scope"``, 503 when the pool's keys
cannot be fetched.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar, cast

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from authpool.verify.core import AuthorizationError, Claims, JwksError, TokenError, TokenUse
from authpool.verify.verifiers import AsyncTokenVerifier, TokenVerifier

__all__ = ["BearerAuth", "bearer_token", "challenge"]

Endpoint = TypeVar("Endpoint", bound=Callable[[Request], Awaitable[Response]])


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def challenge(error: TokenError | None, realm: str | None = None) -> tuple[int, dict[str, str]]:
    """The status and headers of a refusal (``error`` None: no token was sent)."""
    params = [f'realm="{_quoted(realm)}"'] if realm else []
    if error is None:
        status = 401
    elif isinstance(error, JwksError):
        return 503, {"Retry-After": "30"}
    elif isinstance(error, AuthorizationError):
        status = 403
        params += ['error="insufficient_scope"', f'error_description="{_quoted(str(error))}"']
    else:
        status = 401
        params += ['error="invalid_token"', f'error_description="{_quoted(str(error))}"']
    value = "Bearer" + (" " + ", ".join(params) if params else "")
    return status, {"WWW-Authenticate": value}


class BearerAuth:
    """Checks the request's bearer token with ``verifier``; usable as a FastAPI dependency
    (an instance is a callable taking the request) and as a Starlette decorator."""

    def __init__(
        self,
        verifier: AsyncTokenVerifier | TokenVerifier,
        *,
        token_use: TokenUse | None = None,
        groups: str | Collection[str] | None = None,
        scopes: str | Collection[str] | None = None,
        realm: str | None = None,
    ) -> None:
        self.verifier = verifier
        self.token_use = token_use
        self.groups = groups
        self.scopes = scopes
        self.realm = realm

    async def _verify(self, token: str) -> Claims:
        if isinstance(self.verifier, AsyncTokenVerifier):
            return await self.verifier.verify(
                token, token_use=self.token_use, groups=self.groups, scopes=self.scopes
            )
        verify = functools.partial(
            self.verifier.verify,
            token,
            token_use=self.token_use,
            groups=self.groups,
            scopes=self.scopes,
        )
        return await run_in_threadpool(verify)

    async def __call__(self, request: Request) -> Claims:
        token = bearer_token(request.headers.get("authorization"))
        error: TokenError | None = None
        if token is not None:
            try:
                claims = await self._verify(token)
            except TokenError as exc:
                error = exc
            else:
                request.state.claims = claims
                return claims
        status, headers = challenge(error, self.realm)
        detail = str(error) if error else "A bearer token is required."
        raise HTTPException(status_code=status, detail=detail, headers=headers)

    def protect(self, endpoint: Endpoint) -> Endpoint:
        """Decorate a Starlette endpoint: it runs only for a verified token."""

        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            await self(request)
            return await endpoint(request)

        return cast(Endpoint, guarded)
