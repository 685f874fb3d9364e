"""The challenges after a password and the password operations driven by pycognito (an
independent client: its own SRP, its own challenge handling, its own token checks against
the pool's JWKS), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import botocore
import pytest
from botocore.config import Config
from pycognito import Cognito
from pycognito.exceptions import (
    ForceChangePasswordException,
    SMSMFAChallengeException,
    SoftwareTokenMFAChallengeException,
)
from tests.flows.challenge_support import (
    NEW_PASSWORD,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    error,
    last_code,
    make_user,
    mfa_pool,
    new_name,
    next_step,
    totp_now,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

TEMPORARY = "Temp0rary-pass!"


def cognito(server: LiveServer, pool_id: str, client: dict[str, Any], username: str) -> Cognito:
    return Cognito(
        pool_id,
        client["ClientId"],
        username=username,
        client_secret=client.get("ClientSecret"),
        botocore_config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
        boto3_client_kwargs={"endpoint_url": server.url},
    )


def test_sms_mfa_with_pycognito(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", sms=True)
    username = make_user(idp, pool_id, phone_number="+14155550123")
    user = cognito(server, pool_id, client, username)
    with pytest.raises(SMSMFAChallengeException) as info:
        user.authenticate(PASSWORD)
    assert info.value.get_tokens()["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    user.respond_to_sms_mfa_challenge(last_code(server, pool_id, username, "AUTHENTICATION"))
    assert user.access_claims["username"] == username
    assert user.get_user().username == username


def test_totp_with_pycognito(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username = make_user(idp, pool_id)
    user = cognito(server, pool_id, client, username)
    user.authenticate(PASSWORD)
    secret = user.associate_software_token()
    assert user.verify_software_token(totp_now(server, secret), "pycognito") is True
    user.set_user_mfa_preference(False, True, preferred="SOFTWARE_TOKEN")

    again = cognito(server, pool_id, client, username)
    with pytest.raises(SoftwareTokenMFAChallengeException):
        again.authenticate(PASSWORD)
    next_step(server)
    again.respond_to_software_token_mfa_challenge(totp_now(server, secret))
    assert again.access_claims["username"] == username


def test_new_password_with_pycognito(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", client={"GenerateSecret": True})
    username = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS"
    )
    user = cognito(server, pool_id, client, username)
    with pytest.raises(ForceChangePasswordException):
        user.authenticate(TEMPORARY)
    user.new_password_challenge(TEMPORARY, NEW_PASSWORD)
    assert user.id_claims["cognito:username"] == username
    cognito(server, pool_id, client, username).authenticate(NEW_PASSWORD)


def test_password_reset_and_change_with_pycognito(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", client={"GenerateSecret": True})
    username = make_user(idp, pool_id, email="ada@example.com")
    user = cognito(server, pool_id, client, username)
    user.initiate_forgot_password()
    user.confirm_forgot_password(
        last_code(server, pool_id, username, "FORGOT_PASSWORD"), NEW_PASSWORD
    )
    user.authenticate(NEW_PASSWORD)
    user.change_password(NEW_PASSWORD, PASSWORD)
    assert error(lambda: cognito(server, pool_id, client, username).authenticate(NEW_PASSWORD)) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    cognito(server, pool_id, client, username).authenticate(PASSWORD)
