"""REFRESH_TOKEN_AUTH / REFRESH_TOKEN in InitiateAuth, and GetTokensFromRefreshToken."""

from __future__ import annotations

from typing import Any

from authpool.domain import grants
from authpool.domain.clients import get_client
from authpool.domain.context import Services
from authpool.domain.errors import InvalidParameterException, NotAuthorizedException
from authpool.domain.flows.sign_in import SignIn, flow
from authpool.domain.pools import get_pool

ROTATING = (
    "Refresh token rotation is enabled for this client: refresh with GetTokensFromRefreshToken."
)


def _refresh(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    token = auth.get("REFRESH_TOKEN")
    if not token:
        raise InvalidParameterException("Missing required parameter REFRESH_TOKEN")
    if ctx.client.refresh_rotation:
        # Cognito: rotation is done with GetTokensFromRefreshToken only; REFRESH_TOKEN_AUTH
        # would hand out tokens without retiring the refresh token.
        raise InvalidParameterException(ROTATING)
    if ctx.client.has_secret:
        record = ctx.svc.store.get_refresh_token(grants._refresh_digest(ctx.svc, token))
        user = ctx.svc.store.get_user_by_sub(record.user_sub) if record else None
        if user is None:
            raise NotAuthorizedException("Invalid Refresh Token")
        ctx.check_secret_hash(auth.get("SECRET_HASH"), user.username)
    result = grants.refresh(
        ctx.svc, ctx.pool, ctx.client, token, rotate=False, device_key=auth.get("DEVICE_KEY")
    )
    return {"challenge_parameters": {}, "authentication_result": result}


@flow("REFRESH_TOKEN_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
def refresh_token_auth(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    return _refresh(ctx, auth)


@flow("REFRESH_TOKEN", "ALLOW_REFRESH_TOKEN_AUTH")
def refresh_token(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    return _refresh(ctx, auth)


def get_tokens_from_refresh_token(svc: Services, params: dict[str, Any]) -> dict[str, Any]:
    """The refresh call of current Amplify JS and Flutter; rotates the refresh token when
    the client enables rotation."""
    client = get_client(svc, params["client_id"])
    client.require_secret(svc, params.get("client_secret"))
    # A rotating client needs no ALLOW_REFRESH_TOKEN_AUTH (Cognito asks to turn it off).
    if not client.refresh_rotation and "ALLOW_REFRESH_TOKEN_AUTH" not in client.auth_flows:
        raise NotAuthorizedException("Refresh Token auth flow is not enabled for this client")
    pool = get_pool(svc, client.pool_id)
    result = grants.refresh(
        svc,
        pool,
        client,
        params["refresh_token"],
        rotate=client.refresh_rotation,
        client_metadata=params.get("client_metadata"),
        device_key=params.get("device_key"),
    )
    return {"authentication_result": result}
