"""NEW_PASSWORD_REQUIRED through boto3 and pycognito's SRP, on SQLite and PostgreSQL: the
temporary password really checked and limited in time, the new one held to the policy,
required attributes asked for and supplied, and the sign-in going on to MFA afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.flows.challenge_support import (
    NEW_PASSWORD,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    attributes,
    error,
    last_code,
    mfa_pool,
    new_name,
    password_sign_in,
    respond,
    signed_in,
    srp_sign_in,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

TEMPORARY = "Temp0rary-pass!"
WRONG = ("NotAuthorizedException", "Incorrect username or password.")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def invited(idp: Any, pool_id: str, username: str | None = None, **attrs: str) -> str:
    username = username or new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=TEMPORARY,
        UserAttributes=attributes(**attrs),
        MessageAction="SUPPRESS",
    )
    return username


def status(server: LiveServer, pool_id: str, username: str) -> str:
    user = server.svc.store.get_user(pool_id, username)
    assert user is not None
    return user.status


def test_the_temporary_password_leads_to_a_new_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = invited(idp, pool_id, email="ada@example.com", email_verified="true")
    assert error(lambda: password_sign_in(anon, client, username, "Wr0ng-pass!")) == WRONG

    challenge = password_sign_in(anon, client, username, TEMPORARY)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    params = challenge["ChallengeParameters"]
    assert set(params) == {"USER_ID_FOR_SRP", "requiredAttributes", "userAttributes"}
    assert params["USER_ID_FOR_SRP"] == username
    assert params["requiredAttributes"] == "[]"
    assert json.loads(params["userAttributes"]) == {
        "email": "ada@example.com",
        "email_verified": "true",
    }
    tokens = signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD))
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == username
    assert status(server, pool_id, username) == "CONFIRMED"
    assert error(lambda: password_sign_in(anon, client, username, TEMPORARY)) == WRONG
    signed_in(password_sign_in(anon, client, username, NEW_PASSWORD))
    # The challenge session was used up.
    assert error(lambda: respond(anon, client, challenge, username, NEW_PASSWORD=PASSWORD)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )


def test_srp_with_the_temporary_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = invited(idp, pool_id)
    assert error(lambda: srp_sign_in(anon, pool_id, client, username, "Wr0ng-pass!")) == WRONG
    challenge = srp_sign_in(anon, pool_id, client, username, TEMPORARY)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD))
    signed_in(srp_sign_in(anon, pool_id, client, username, NEW_PASSWORD))


def test_the_new_password_must_meet_the_policy_and_may_be_retried(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = invited(idp, pool_id)
    challenge = password_sign_in(anon, client, username, TEMPORARY)
    assert error(lambda: respond(anon, client, challenge, username, NEW_PASSWORD="short")) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    assert error(lambda: respond(anon, client, challenge, username)) == (
        "InvalidParameterException",
        "Invalid attributes given, new password should be given with key NEW_PASSWORD.",
    )
    signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD))


def test_required_attributes_are_asked_for_and_must_be_given(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    schema = [
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
        {"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True},
    ]
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", Schema=schema)
    username = invited(idp, pool_id, email="ada@example.com")
    challenge = password_sign_in(anon, client, username, TEMPORARY)
    params = challenge["ChallengeParameters"]
    assert json.loads(params["requiredAttributes"]) == ["userAttributes.name"]
    assert error(lambda: respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD)) == (
        "InvalidParameterException",
        "Invalid attributes given, name is missing",
    )
    already = {"userAttributes.email": "eve@example.com", "userAttributes.name": "Ada"}
    assert error(
        lambda: respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD, **already)
    ) == ("NotAuthorizedException", "Cannot modify an already provided email")
    answers = {"userAttributes.name": "Ada Lovelace", "userAttributes.locale": "en-GB"}
    tokens = signed_in(
        respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD, **answers)
    )
    attrs = anon.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]
    assert {"Name": "name", "Value": "Ada Lovelace"} in attrs
    assert {"Name": "locale", "Value": "en-GB"} in attrs
    assert {"Name": "email", "Value": "ada@example.com"} in attrs


def test_the_temporary_password_expires(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    policy = {"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 1}}
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", Policies=policy)
    username = invited(idp, pool_id)
    server.clock.advance(86_400 - 60)
    assert password_sign_in(anon, client, username, TEMPORARY)["ChallengeName"] == (
        "NEW_PASSWORD_REQUIRED"
    )
    server.clock.advance(61)
    assert error(lambda: password_sign_in(anon, client, username, TEMPORARY)) == (
        "NotAuthorizedException",
        "User account has expired, it must be reset by an administrator.",
    )
    # A wrong password is still just wrong.
    assert error(lambda: password_sign_in(anon, client, username, "Wr0ng-pass!")) == WRONG


def test_the_new_password_is_followed_by_mfa(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", sms=True)
    username = invited(idp, pool_id, phone_number="+14155550123")
    challenge = password_sign_in(anon, client, username, TEMPORARY)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    sms = respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD)
    assert sms["ChallengeName"] == "SMS_MFA"
    code = last_code(server, pool_id, username, "AUTHENTICATION")
    signed_in(respond(anon, client, sms, username, SMS_MFA_CODE=code))


def test_admin_flow_and_admin_respond(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = invited(idp, pool_id)
    challenge = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": TEMPORARY},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    result = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client["ClientId"],
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
    )
    signed_in(result)


def test_a_temporary_password_set_by_an_admin_is_a_new_password_challenge(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = invited(idp, pool_id)
    challenge = password_sign_in(anon, client, username, TEMPORARY)
    signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=PASSWORD))
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=NEW_PASSWORD, Permanent=False
    )
    assert status(server, pool_id, username) == "FORCE_CHANGE_PASSWORD"
    assert error(lambda: password_sign_in(anon, client, username, PASSWORD)) == WRONG
    assert password_sign_in(anon, client, username, NEW_PASSWORD)["ChallengeName"] == (
        "NEW_PASSWORD_REQUIRED"
    )
