"""Bearer-token protection for Flask (``pip install 'authpool[flask]'``)::

    verifier = TokenVerifier(POOL_ID, client_id=CLIENT_ID, token_use="access")

    @app.get("/me")
    @require_token(verifier)
    def me():
        return {"sub": current_claims().sub}

    @app.get("/admin")
    @require_token(verifier, groups=["admin"])
    def admin(): ...

Refusals are JSON (``{"error": ..., "error_description": ...}``) with the status and the
``WWW-Authenticate`` header of :func:`authpool.verify.starlette.challenge` (RFC 6750).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any, TypeVar, cast

from flask import g, jsonify, make_response, request
from flask.typing import ResponseReturnValue

from authpool.verify.core import (
    AuthorizationError,
    Claims,
    JwksError,
    TokenError,
    TokenUse,
)
from authpool.verify.verifiers import TokenVerifier

__all__ = ["current_claims", "require_token"]

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _refusal(error: TokenError | None) -> ResponseReturnValue:
    # the same answers as the Starlette integration, without importing Starlette
    if isinstance(error, JwksError):
        body = {"error": "temporarily_unavailable", "error_description": str(error)}
        return make_response(jsonify(body), 503, {"Retry-After": "30"})
    if error is None:
        body = {"error": "invalid_request", "error_description": "A bearer token is required."}
        return make_response(jsonify(body), 401, {"WWW-Authenticate": "Bearer"})
    code = "insufficient_scope" if isinstance(error, AuthorizationError) else "invalid_token"
    description = str(error).replace("\\", "\\\\").replace('"', '\\"')
    header = f'Bearer error="{code}", error_description="{description}"'
    body = {"error": code, "error_description": str(error)}
    return make_response(jsonify(body), error.status_code, {"WWW-Authenticate": header})


def require_token(
    verifier: TokenVerifier,
    *,
    token_use: TokenUse | None = None,
    groups: str | Collection[str] | None = None,
    scopes: str | Collection[str] | None = None,
) -> Callable[[View], View]:
    """Decorate a view: it runs only for a verified bearer token (see :func:`current_claims`)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            token = _bearer(request.headers.get("Authorization"))
            if token is None:
                return _refusal(None)
            try:
                claims = verifier.verify(token, token_use=token_use, groups=groups, scopes=scopes)
            except TokenError as exc:
                return _refusal(exc)
            g.authpool_claims = claims
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def current_claims() -> Claims:
    """The verified claims of the request a :func:`require_token` view is handling."""
    claims = g.get("authpool_claims")
    if not isinstance(claims, Claims):
        raise RuntimeError("current_claims() is only available inside a require_token view")
    return claims
