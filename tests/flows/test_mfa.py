"""MFA at sign-in through boto3, on SQLite and PostgreSQL: SMS_MFA, EMAIL_OTP and
SOFTWARE_TOKEN_MFA challenges with Cognito's parameters and errors, SELECT_MFA_TYPE, the
pool's OFF / OPTIONAL / ON modes, and the user's settings (SetUserMFAPreference, the legacy
SetUserSettings, their Admin forms, and what GetUser reports)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from tests.flows.challenge_support import (
    INVALID_FOR_USER,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    error,
    last_code,
    last_message,
    make_user,
    mfa_pool,
    new_name,
    next_step,
    password_sign_in,
    respond,
    signed_in,
    totp_now,
    wrong,
)
from tests.support.server import LiveServer

PHONE = "+14155550123"
SENT_MISMATCH = ("CodeMismatchException", "Invalid code or auth state for the user.")
TOTP_MISMATCH = ("CodeMismatchException", "Invalid code received for user")
USED_TOTP = ("ExpiredCodeException", "Your software token has already been used once.")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def enable(idp: Any, pool_id: str, username: str, **settings: dict[str, bool]) -> None:
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=username, **settings)


def register_totp(server: LiveServer, anon: Any, access_token: str) -> str:
    """Associate and verify an authenticator with an access token; its secret."""
    secret: str = anon.associate_software_token(AccessToken=access_token)["SecretCode"]
    answer = anon.verify_software_token(
        AccessToken=access_token, UserCode=totp_now(server, secret), FriendlyDeviceName="phone"
    )
    assert answer["Status"] == "SUCCESS"
    next_step(server)  # the code just used cannot sign in
    return secret


def totp_user(
    server: LiveServer, idp: Any, anon: Any, pool_id: str, client: dict[str, Any], **attrs: str
) -> tuple[str, str]:
    """A user with a verified authenticator, TOTP on; (username, secret)."""
    username = make_user(idp, pool_id, **attrs)
    tokens = signed_in(password_sign_in(anon, client, username))
    secret = register_totp(server, anon, tokens["AccessToken"])
    anon.set_user_mfa_preference(
        AccessToken=tokens["AccessToken"],
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    return username, secret


# SMS_MFA --------------------------------------------------------------------------------------
def test_sms_mfa_sends_the_code_with_the_pool_template_and_completes_the_sign_in(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE, verified=False)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})

    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert "AuthenticationResult" not in challenge
    assert challenge["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
        "CODE_DELIVERY_DESTINATION": "+*******0123",
        "USER_ID_FOR_SRP": username,
    }
    message = last_message(server, pool_id, username)
    assert (message.medium, message.purpose, message.destination) == (
        "SMS",
        "AUTHENTICATION",
        PHONE,
    )
    assert message.body == f"Your sign-in code is {message.code}"

    tokens = signed_in(respond(anon, client, challenge, username, SMS_MFA_CODE=message.code))
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == username
    # A code that came back from the phone proves the number.
    attrs = idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
    assert {"Name": "phone_number_verified", "Value": "true"} in attrs


def test_a_wrong_sms_code_can_be_retried_with_the_same_session(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    assert error(lambda: respond(anon, client, challenge, username, SMS_MFA_CODE=wrong(code))) == (
        SENT_MISMATCH
    )
    signed_in(respond(anon, client, challenge, username, SMS_MFA_CODE=code))
    # …and the session is then used up.
    assert error(lambda: respond(anon, client, challenge, username, SMS_MFA_CODE=code)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )


def test_after_five_answers_the_session_is_dead(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    for _ in range(5):
        assert error(
            lambda: respond(anon, client, challenge, username, SMS_MFA_CODE=wrong(code))
        ) == (SENT_MISMATCH)
    assert error(lambda: respond(anon, client, challenge, username, SMS_MFA_CODE=code)) == (
        INVALID_FOR_USER
    )
    # A new sign-in starts over, once the one-second lockout that five wrong codes start
    # (as Cognito's) is over.
    server.clock.advance(1)
    again = password_sign_in(anon, client, username)
    signed_in(
        respond(anon, client, again, username, SMS_MFA_CODE=last_code(server, pool_id, username))
    )


@pytest.mark.parametrize("factor", ["SMS_MFA", "EMAIL_OTP"])
def test_the_code_lasts_the_clients_auth_session_validity(
    server: LiveServer,
    idp: Any,
    anon: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
    factor: str,
) -> None:
    # Cognito: the code is valid for the app client's authentication flow session duration
    # (AuthSessionValidity), not a fixed three minutes.
    pool_id, client = mfa_pool(
        idp, pool, app_client, "OPTIONAL", sms=True, email=True, client={"AuthSessionValidity": 10}
    )
    username = make_user(idp, pool_id, phone_number=PHONE, email="ada@example.com")
    settings = {"Enabled": True, "PreferredMfa": True}
    key = "SMSMfaSettings" if factor == "SMS_MFA" else "EmailMfaSettings"
    enable(idp, pool_id, username, **{key: settings})
    answer_key = "SMS_MFA_CODE" if factor == "SMS_MFA" else "EMAIL_OTP_CODE"

    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == factor
    server.clock.advance(9 * 60 + 59)
    code = last_code(server, pool_id, username)
    signed_in(respond(anon, client, challenge, username, **{answer_key: code}))

    late = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    server.clock.advance(10 * 60 + 1)
    assert error(lambda: respond(anon, client, late, username, **{answer_key: code}))[0] == (
        "NotAuthorizedException"
    )


def test_the_session_expires_with_the_auth_session_validity(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    server.clock.advance(3 * 60 + 1)
    assert error(lambda: respond(anon, client, challenge, username, SMS_MFA_CODE=code)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_the_session_is_bound_to_its_client_its_user_and_its_challenge(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    other_client = app_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    username = make_user(idp, pool_id, phone_number=PHONE)
    someone = make_user(idp, pool_id)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)

    assert error(lambda: respond(anon, other_client, challenge, username, SMS_MFA_CODE=code)) == (
        "NotAuthorizedException",
        "Invalid session provided",
    )
    assert error(lambda: respond(anon, client, challenge, someone, SMS_MFA_CODE=code)) == (
        INVALID_FOR_USER
    )
    as_totp = {**challenge, "ChallengeName": "SOFTWARE_TOKEN_MFA"}
    assert error(
        lambda: respond(anon, client, as_totp, username, SOFTWARE_TOKEN_MFA_CODE=code)
    ) == ("NotAuthorizedException", "Invalid session provided")
    # None of these used the session up.
    signed_in(respond(anon, client, challenge, username, SMS_MFA_CODE=code))


def test_a_missing_username_or_code_is_an_invalid_parameter(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = password_sign_in(anon, client, username)

    def answer(**responses: str) -> Any:
        return anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="SMS_MFA",
            Session=challenge["Session"],
            ChallengeResponses=responses,
        )

    assert error(lambda: answer(SMS_MFA_CODE="123456")) == (
        "InvalidParameterException",
        "Missing required parameter USERNAME",
    )
    assert error(lambda: answer(USERNAME=username)) == (
        "InvalidParameterException",
        "Missing required parameter SMS_MFA_CODE",
    )


def test_mfa_on_sends_sms_to_the_phone_of_a_user_without_settings(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", sms=True, totp=True)
    username = make_user(idp, pool_id, phone_number=PHONE, verified=False)
    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    code = last_code(server, pool_id, username)
    signed_in(respond(anon, client, challenge, username, SMS_MFA_CODE=code))


def test_admin_initiate_and_respond_go_through_sms_mfa(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    assert challenge["ChallengeName"] == "SMS_MFA"
    result = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client["ClientId"],
        ChallengeName="SMS_MFA",
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": username,
            "SMS_MFA_CODE": last_code(server, pool_id, username),
        },
    )
    signed_in(result)


def test_mfa_answers_check_the_secret_hash(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(
        idp, pool, app_client, "OPTIONAL", sms=True, client={"GenerateSecret": True}
    )
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    no_secret = {"ClientId": client["ClientId"]}
    assert error(lambda: respond(anon, no_secret, challenge, username, SMS_MFA_CODE=code))[0] == (
        "NotAuthorizedException"
    )
    signed_in(respond(anon, client, challenge, username, SMS_MFA_CODE=code))


# EMAIL_OTP -------------------------------------------------------------------------------------
def test_email_otp_sign_in(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", email=True)
    username = make_user(idp, pool_id, email="ada@example.com", verified=False)
    tokens = signed_in(password_sign_in(anon, client, username))
    anon.set_user_mfa_preference(
        AccessToken=tokens["AccessToken"], EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "a***@e***",
        "USER_ID_FOR_SRP": username,
    }
    message = last_message(server, pool_id, username)
    assert (message.medium, message.subject) == ("EMAIL", "Your sign-in code")
    assert message.body == f"Sign-in code: {message.code}"
    assert error(
        lambda: respond(anon, client, challenge, username, EMAIL_OTP_CODE=wrong(message.code))
    ) == (SENT_MISMATCH)
    signed_in(respond(anon, client, challenge, username, EMAIL_OTP_CODE=message.code))
    attrs = idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
    assert {"Name": "email_verified", "Value": "true"} in attrs


# SOFTWARE_TOKEN_MFA ----------------------------------------------------------------------------
def test_totp_registration_and_sign_in(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username = make_user(idp, pool_id)
    tokens = signed_in(password_sign_in(anon, client, username))
    access = tokens["AccessToken"]
    secret = anon.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) == 52
    assert len(pyotp.TOTP(secret).byte_secret()) == 32
    # Verified, but not on until the user turns it on.
    assert (
        anon.verify_software_token(
            AccessToken=access, UserCode=totp_now(server, secret), FriendlyDeviceName="pixel"
        )["Status"]
        == "SUCCESS"
    )
    assert "UserMFASettingList" not in anon.get_user(AccessToken=access)
    signed_in(password_sign_in(anon, client, username))
    anon.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    user = anon.get_user(AccessToken=access)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"] == {
        "FRIENDLY_DEVICE_NAME": "pixel",
        "USER_ID_FOR_SRP": username,
    }
    # The code VerifySoftwareToken used is spent; the next one signs in, once.
    code = totp_now(server, secret)
    assert error(
        lambda: respond(anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=code)
    ) == (USED_TOTP)
    next_step(server)
    code = totp_now(server, secret)
    signed_in(respond(anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=code))
    again = password_sign_in(anon, client, username)
    assert error(lambda: respond(anon, client, again, username, SOFTWARE_TOKEN_MFA_CODE=code)) == (
        USED_TOTP
    )


def test_totp_allows_one_step_of_drift_and_no_more(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username, secret = totp_user(server, idp, anon, pool_id, client)
    next_step(server)  # so that the step before this one is unused too
    challenge = password_sign_in(anon, client, username)
    for steps in (2, -2):
        code = totp_now(server, secret, steps=steps)
        assert error(
            lambda code=code: respond(
                anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=code
            )
        ) == (TOTP_MISMATCH)
    signed_in(
        respond(
            anon,
            client,
            challenge,
            username,
            SOFTWARE_TOKEN_MFA_CODE=totp_now(server, secret, steps=-1),
        )
    )
    late = password_sign_in(anon, client, username)
    signed_in(
        respond(
            anon, client, late, username, SOFTWARE_TOKEN_MFA_CODE=totp_now(server, secret, steps=1)
        )
    )


def test_software_token_errors(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username = make_user(idp, pool_id)
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]
    assert error(lambda: anon.verify_software_token(AccessToken=access, UserCode="123456")) == (
        "SoftwareTokenMFANotFoundException",
        "User has not associated a software token.",
    )
    assert error(
        lambda: anon.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True}
        )
    ) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    )
    secret = anon.associate_software_token(AccessToken=access)["SecretCode"]
    bad = wrong(totp_now(server, secret))
    assert error(lambda: anon.verify_software_token(AccessToken=access, UserCode=bad)) == (
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    )
    assert error(lambda: anon.associate_software_token()) == (
        "InvalidParameterException",
        "Exactly one of AccessToken and Session must be given.",
    )
    off_pool, off_client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    other = make_user(idp, off_pool)
    other_access = signed_in(password_sign_in(anon, off_client, other))["AccessToken"]
    assert error(lambda: anon.associate_software_token(AccessToken=other_access)) == (
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been enabled by the userPool.",
    )


def test_associating_again_drops_the_old_authenticator(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username, secret = totp_user(server, idp, anon, pool_id, client)
    challenge = password_sign_in(anon, client, username)
    access = signed_in(
        respond(anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=totp_now(server, secret))
    )["AccessToken"]
    anon.associate_software_token(AccessToken=access)
    assert "UserMFASettingList" not in anon.get_user(AccessToken=access)
    signed_in(password_sign_in(anon, client, username))  # no MFA any more: OPTIONAL


def test_the_totp_secret_is_stored_sealed(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username, secret = totp_user(server, idp, anon, pool_id, client)
    stored = server.svc.store.get_user(pool_id, username)
    assert stored is not None
    assert secret not in repr(stored.mfa)
    assert "SOFTWARE_TOKEN_MFA" in stored.mfa["enabled"]


# SELECT_MFA_TYPE -------------------------------------------------------------------------------
def test_several_factors_and_none_preferred_ask_the_user_to_choose(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True, totp=True)
    username, secret = totp_user(server, idp, anon, pool_id, client, phone_number=PHONE)
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": False})

    select = password_sign_in(anon, client, username)
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    assert select["ChallengeParameters"] == {
        "MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]',
        "USER_ID_FOR_SRP": username,
    }
    assert error(lambda: respond(anon, client, select, username, ANSWER="EMAIL_OTP")) == (
        "MFAMethodNotFoundException",
        "The MFA type EMAIL_OTP is not available for the user.",
    )
    assert error(lambda: respond(anon, client, select, username, ANSWER="CARRIER_PIGEON"))[0] == (
        "InvalidParameterException"
    )
    totp = respond(anon, client, select, username, ANSWER="SOFTWARE_TOKEN_MFA")
    assert totp["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert error(lambda: respond(anon, client, select, username, ANSWER="SMS_MFA"))[0] == (
        "NotAuthorizedException"  # the selection session is used up
    )
    signed_in(
        respond(anon, client, totp, username, SOFTWARE_TOKEN_MFA_CODE=totp_now(server, secret))
    )

    select = password_sign_in(anon, client, username)
    sms = respond(anon, client, select, username, ANSWER="SMS_MFA")
    assert sms["ChallengeName"] == "SMS_MFA"
    assert sms["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0123"
    signed_in(
        respond(anon, client, sms, username, SMS_MFA_CODE=last_code(server, pool_id, username))
    )

    # A preference ends the choosing.
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert password_sign_in(anon, client, username)["ChallengeName"] == "SMS_MFA"


# modes and settings ----------------------------------------------------------------------------
def test_mfa_off_or_optional_without_settings_signs_in_at_once(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    signed_in(password_sign_in(anon, client, username))
    enable(idp, pool_id, username, SMSMfaSettings={"Enabled": True})
    assert password_sign_in(anon, client, username)["ChallengeName"] == "SMS_MFA"
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
    signed_in(password_sign_in(anon, client, username))


def test_get_user_reports_the_mfa_settings(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True, email=True)
    username = make_user(idp, pool_id, phone_number=PHONE, email="ada@example.com")
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]
    anon.set_user_mfa_preference(
        AccessToken=access,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    for user in (
        anon.get_user(AccessToken=access),
        idp.admin_get_user(UserPoolId=pool_id, Username=username),
    ):
        assert user["UserMFASettingList"] == ["SMS_MFA", "EMAIL_OTP"]
        assert user["PreferredMfaSetting"] == "EMAIL_OTP"
        assert user["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    # Turning the preferred factor off clears the preference.
    anon.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": False})
    user = anon.get_user(AccessToken=access)
    assert user["UserMFASettingList"] == ["SMS_MFA"]
    assert "PreferredMfaSetting" not in user


def test_preference_errors(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, email="ada@example.com")
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]
    cases = [
        (
            {"SMSMfaSettings": {"Enabled": True}},
            "User does not have delivery config set to turn on SMS_MFA",
        ),
        ({"EmailMfaSettings": {"Enabled": True}}, "Email MFA is not enabled for the user pool."),
        (
            {"SMSMfaSettings": {"Enabled": False, "PreferredMfa": True}},
            "A disabled MFA type cannot be the preferred one.",
        ),
    ]
    for settings, message in cases:
        code, text = error(lambda s=settings: anon.set_user_mfa_preference(AccessToken=access, **s))
        assert code == "InvalidParameterException"
        assert text.startswith(message)
    assert error(
        lambda: idp.admin_set_user_mfa_preference(
            UserPoolId=pool_id, Username=new_name(), SMSMfaSettings={"Enabled": False}
        )
    )[0] == ("UserNotFoundException")


def test_legacy_mfa_options_turn_sms_mfa_on_and_off(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]
    sms_option = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    anon.set_user_settings(AccessToken=access, MFAOptions=sms_option)
    assert anon.get_user(AccessToken=access)["MFAOptions"] == sms_option
    assert password_sign_in(anon, client, username)["ChallengeName"] == "SMS_MFA"
    idp.admin_set_user_settings(UserPoolId=pool_id, Username=username, MFAOptions=[])
    assert "MFAOptions" not in anon.get_user(AccessToken=access)
    signed_in(password_sign_in(anon, client, username))
    assert error(
        lambda: anon.set_user_settings(AccessToken=access, MFAOptions=[{"DeliveryMedium": "EMAIL"}])
    ) == ("InvalidParameterException", "Only SMS can be set as an MFA option.")


def test_the_email_mfa_template_must_hold_the_code(idp: Any, pool: PoolFactory) -> None:
    pool_id = pool()
    assert error(
        lambda: idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            EmailMfaConfiguration={"Message": "no code here", "Subject": "x"},
            MfaConfiguration="OPTIONAL",
        )
    )[0] == ("InvalidParameterException")
