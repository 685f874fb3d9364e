"""MFA_SETUP through boto3, on SQLite and PostgreSQL: a pool that requires MFA and a user with
no factor; an authenticator registered with the challenge session (AssociateSoftwareToken →
VerifySoftwareToken → RespondToAuthChallenge), e-mail set up as current Amplify does it, and
every session step single use and bound to its stage."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from tests.flows.challenge_support import (
    ClientFactory,
    PoolFactory,
    error,
    last_message,
    make_user,
    mfa_pool,
    next_step,
    password_sign_in,
    respond,
    signed_in,
    totp_now,
    wrong,
)
from tests.support.server import LiveServer

USED = ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")
INVALID = ("NotAuthorizedException", "Invalid session provided")
NOT_SET_UP = ("InvalidParameterException", "User has not set up software token mfa")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def test_a_user_without_a_factor_sets_up_an_authenticator_while_signing_in(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True)
    username = make_user(idp, pool_id)
    setup = password_sign_in(anon, client, username)
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert setup["ChallengeParameters"] == {
        "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
        "USER_ID_FOR_SRP": username,
    }
    associated = anon.associate_software_token(Session=setup["Session"])
    secret = associated["SecretCode"]
    assert len(secret) == 52
    assert len(base64.b32decode(secret + "====")) == 32

    bad = wrong(totp_now(server, secret))
    assert error(
        lambda: anon.verify_software_token(Session=associated["Session"], UserCode=bad)
    ) == ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
    verified = anon.verify_software_token(
        Session=associated["Session"], UserCode=totp_now(server, secret), FriendlyDeviceName="app"
    )
    assert verified["Status"] == "SUCCESS"
    done = respond(anon, client, {**setup, "Session": verified["Session"]}, username)
    tokens = signed_in(done)
    user = anon.get_user(AccessToken=tokens["AccessToken"])
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    # From now on the authenticator is asked for.
    next_step(server)
    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "app"
    code = totp_now(server, secret)
    signed_in(respond(anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=code))


def test_each_setup_session_is_single_use_and_good_for_its_stage_only(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True)
    username = make_user(idp, pool_id)
    setup = password_sign_in(anon, client, username)
    start = setup["Session"]
    # Not set up yet: the challenge cannot be answered, and nothing to verify.
    assert error(lambda: respond(anon, client, setup, username)) == NOT_SET_UP
    assert error(lambda: anon.verify_software_token(Session=start, UserCode="123456")) == INVALID

    associated = anon.associate_software_token(Session=start)
    assert error(lambda: anon.associate_software_token(Session=start)) == USED
    middle = associated["Session"]
    assert error(lambda: anon.associate_software_token(Session=middle)) == INVALID
    assert error(lambda: respond(anon, client, {**setup, "Session": middle}, username)) == (
        NOT_SET_UP
    )
    code = totp_now(server, associated["SecretCode"])
    verified = anon.verify_software_token(Session=middle, UserCode=code)
    assert error(lambda: anon.verify_software_token(Session=middle, UserCode=code)) == USED
    last = {**setup, "Session": verified["Session"]}
    signed_in(respond(anon, client, last, username))
    assert error(lambda: respond(anon, client, last, username)) == USED


def test_the_setup_session_expires(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True)
    username = make_user(idp, pool_id)
    setup = password_sign_in(anon, client, username)
    server.clock.advance(3 * 60 + 1)
    assert error(lambda: anon.associate_software_token(Session=setup["Session"])) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_the_setup_session_is_bound_to_its_user(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True)
    username, someone = make_user(idp, pool_id), make_user(idp, pool_id)
    setup = password_sign_in(anon, client, username)
    associated = anon.associate_software_token(Session=setup["Session"])
    verified = anon.verify_software_token(
        Session=associated["Session"], UserCode=totp_now(server, associated["SecretCode"])
    )
    last = {**setup, "Session": verified["Session"]}
    assert error(lambda: respond(anon, client, last, someone)) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )
    signed_in(respond(anon, client, last, username))


def test_the_setup_lists_every_factor_the_pool_offers(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", sms=True, totp=True, email=True)
    username = make_user(idp, pool_id)  # no phone number, no e-mail
    setup = password_sign_in(anon, client, username)
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert setup["ChallengeParameters"]["MFAS_CAN_SETUP"] == (
        '["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'
    )


def test_email_mfa_set_up_while_signing_in(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True, email=True)
    username = make_user(idp, pool_id)
    setup = password_sign_in(anon, client, username)
    assert setup["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'
    assert error(lambda: respond(anon, client, setup, username, EMAIL="not-an-address")) == (
        "InvalidParameterException",
        "Invalid email address format.",
    )
    challenge = respond(anon, client, setup, username, EMAIL="grace@example.com")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "g***@e***"
    message = last_message(server, pool_id, username)
    assert message.destination == "grace@example.com"
    tokens = signed_in(respond(anon, client, challenge, username, EMAIL_OTP_CODE=message.code))
    user = anon.get_user(AccessToken=tokens["AccessToken"])
    assert user["UserMFASettingList"] == ["EMAIL_OTP"]
    assert {"Name": "email", "Value": "grace@example.com"} in user["UserAttributes"]
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    # The next sign-in asks for an e-mail code.
    assert password_sign_in(anon, client, username)["ChallengeName"] == "EMAIL_OTP"


def test_email_setup_cannot_replace_an_address(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", email=True, totp=True)
    username = make_user(idp, pool_id, email="ada@example.com")
    setup = password_sign_in(anon, client, username)
    assert error(lambda: respond(anon, client, setup, username, EMAIL="eve@example.com")) == (
        "NotAuthorizedException",
        "Cannot modify an already provided email",
    )
    challenge = respond(anon, client, setup, username, EMAIL="ada@example.com")
    assert challenge["ChallengeName"] == "EMAIL_OTP"


def test_email_setup_needs_the_pool_to_offer_email(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True)
    username = make_user(idp, pool_id)
    setup = password_sign_in(anon, client, username)
    assert error(lambda: respond(anon, client, setup, username, EMAIL="ada@example.com")) == (
        "InvalidParameterException",
        "Email MFA cannot be set up in this user pool.",
    )
