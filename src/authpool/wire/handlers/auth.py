"""Sign-up and sign-in operations."""

from __future__ import annotations

from typing import Any

from authpool.domain import account
from authpool.domain.flows import refresh, sign_in, sign_up
from authpool.wire.protocol import Call, operation


@operation("SignUp")
def sign_up_op(call: Call) -> dict[str, Any]:
    return sign_up.sign_up(call.svc, _with_origin(call))


@operation("ConfirmSignUp")
def confirm_sign_up(call: Call) -> dict[str, Any]:
    sign_up.confirm_sign_up(call.svc, call.params)
    return {}


@operation("ResendConfirmationCode")
def resend_confirmation_code(call: Call) -> dict[str, Any]:
    return sign_up.resend_confirmation_code(call.svc, call.params)


@operation("AdminConfirmSignUp")
def admin_confirm_sign_up(call: Call) -> dict[str, Any]:
    p = call.params
    sign_up.admin_confirm_sign_up(
        call.svc, p["user_pool_id"], p["username"], p.get("client_metadata")
    )
    return {}


def _with_origin(call: Call) -> dict[str, Any]:
    """The request, plus where it came from (for the user's sign-in history)."""
    return {**call.params, "source_ip": call.source_ip, "user_agent": call.user_agent}


@operation("InitiateAuth")
def initiate_auth(call: Call) -> dict[str, Any]:
    return sign_in.initiate_auth(call.svc, _with_origin(call))


@operation("AdminInitiateAuth")
def admin_initiate_auth(call: Call) -> dict[str, Any]:
    return sign_in.initiate_auth(call.svc, _with_origin(call), admin=True)


@operation("RespondToAuthChallenge")
def respond_to_auth_challenge(call: Call) -> dict[str, Any]:
    return sign_in.respond_to_auth_challenge(call.svc, _with_origin(call))


@operation("AdminRespondToAuthChallenge")
def admin_respond_to_auth_challenge(call: Call) -> dict[str, Any]:
    return sign_in.respond_to_auth_challenge(call.svc, _with_origin(call), admin=True)


@operation("GetTokensFromRefreshToken")
def get_tokens_from_refresh_token(call: Call) -> dict[str, Any]:
    return refresh.get_tokens_from_refresh_token(call.svc, call.params)


@operation("RevokeToken")
def revoke_token(call: Call) -> dict[str, Any]:
    p = call.params
    account.revoke_token(call.svc, p["client_id"], p["token"], p.get("client_secret"))
    return {}
