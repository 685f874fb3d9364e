"""Helpers shared by the tests of the challenges after a password (new password, MFA, MFA
set-up), of password resets and of AdminCreateUser: users made ready for a scenario, sign-in
calls through boto3, codes read from the outbox, TOTP codes at the server's time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from tests.support.server import LiveServer

PASSWORD = "Corr3ct-horse!"
NEW_PASSWORD = "N3w-battery-staple!"
SNS_ROLE = "arn:aws:iam::123456789012:role/authpool-sms"
SMS_CONFIG = {
    "SmsAuthenticationMessage": "Your sign-in code is {####}",
    "SmsConfiguration": {"SnsCallerArn": SNS_ROLE, "ExternalId": "authpool"},
}
EMAIL_CONFIG = {"Message": "Sign-in code: {####}", "Subject": "Your sign-in code"}
INVALID_FOR_USER = ("NotAuthorizedException", "Invalid session for the user.")
PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]


def error(call: Callable[[], object]) -> tuple[str, str]:
    """(Code, Message) of the ClientError ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def wrong(code: str) -> str:
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def attributes(**values: str) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in values.items()]


# pools and users --------------------------------------------------------------------------------
def mfa_pool(
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
    mode: str,
    *,
    sms: bool = False,
    totp: bool = False,
    email: bool = False,
    client: dict[str, Any] | None = None,
    **pool_settings: Any,
) -> tuple[str, dict[str, Any]]:
    """A pool with MfaConfiguration ``mode`` and the factors asked for, and an app client
    that allows the password flows (``client`` overrides its settings)."""
    pool_id = pool(**pool_settings)
    config: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": mode}
    if sms:
        config["SmsMfaConfiguration"] = SMS_CONFIG
    if totp:
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if email:
        config["EmailMfaConfiguration"] = EMAIL_CONFIG
    idp.set_user_pool_mfa_config(**config)
    settings: dict[str, Any] = {
        "ExplicitAuthFlows": [
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ]
    }
    settings.update(client or {})
    return pool_id, app_client(pool_id, **settings)


def make_user(
    idp: Any,
    pool_id: str,
    username: str | None = None,
    *,
    password: str = PASSWORD,
    verified: bool = True,
    **attrs: str,
) -> str:
    """A CONFIRMED user with ``password`` and ``attrs`` (e-mail and phone verified unless
    ``verified`` is false); returns the username."""
    username = username or new_name()
    values = dict(attrs)
    for attribute, flag in (("email", "email_verified"), ("phone_number", "phone_number_verified")):
        if attribute in values and verified:
            values.setdefault(flag, "true")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attributes(**values),
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    return username


# sign-in ------------------------------------------------------------------------------------------
def password_sign_in(
    anon: Any, client: dict[str, Any], username: str, password: str = PASSWORD
) -> dict[str, Any]:
    params = {"USERNAME": username, "PASSWORD": password}
    if client.get("ClientSecret"):
        params["SECRET_HASH"] = secret_hash(client["ClientSecret"], username, client["ClientId"])
    result: dict[str, Any] = anon.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
    )
    return result


def respond(
    anon: Any,
    client: dict[str, Any],
    challenge: dict[str, Any],
    username: str,
    **answers: str,
) -> dict[str, Any]:
    """Answer ``challenge`` (a previous response) for ``username`` with ``answers``."""
    responses = {"USERNAME": username, **answers}
    if client.get("ClientSecret"):
        responses["SECRET_HASH"] = secret_hash(client["ClientSecret"], username, client["ClientId"])
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName=challenge["ChallengeName"],
        Session=challenge["Session"],
        ChallengeResponses=responses,
    )
    return result


def signed_in(result: dict[str, Any]) -> dict[str, Any]:
    """The AuthenticationResult of a finished sign-in (fails on a challenge)."""
    assert "ChallengeName" not in result, result.get("ChallengeName")
    tokens: dict[str, Any] = result["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(tokens)
    return tokens


# codes --------------------------------------------------------------------------------------------
def last_message(
    server: LiveServer, pool_id: str, username: str, purpose: str | None = None
) -> Any:
    messages = [
        m
        for m in server.outbox(pool_id=pool_id, username=username)
        if purpose is None or m.purpose == purpose
    ]
    assert messages, f"no {purpose or ''} message for {username}"
    return messages[-1]


def last_code(server: LiveServer, pool_id: str, username: str, purpose: str | None = None) -> str:
    code: str | None = last_message(server, pool_id, username, purpose).code
    assert code is not None
    return code


def totp_now(server: LiveServer, secret: str, *, steps: int = 0) -> str:
    """The TOTP code of ``secret`` at the server's time, ``steps`` 30-second steps away."""
    when = server.clock.now() + timedelta(seconds=30 * steps)
    return pyotp.TOTP(secret).at(when)


def next_step(server: LiveServer) -> None:
    """Move the server's clock to the next TOTP step, so a fresh code is due."""
    server.clock.advance(30)


def srp_sign_in(
    anon: Any, pool_id: str, client: dict[str, Any], username: str, password: str = PASSWORD
) -> dict[str, Any]:
    """USER_SRP_AUTH up to the answer to PASSWORD_VERIFIER, pycognito doing the client's
    math (modules using it filter pycognito's ``datetime.utcnow`` deprecation warning)."""
    from pycognito.aws_srp import AWSSRP

    aws = AWSSRP(
        username=username,
        password=password,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=anon,
        client_secret=client.get("ClientSecret"),
    )
    params = aws.get_auth_params()
    first = anon.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    answers = aws.process_challenge(first["ChallengeParameters"], params)
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    return result
