"""Sign-in logic the live tests cannot reach, REPLAYED: answers are Cognito's documented
InitiateAuth / RespondToAuthChallenge / AssociateSoftwareToken / VerifySoftwareToken
responses, not a server's. Covered here: the MFA set-up hand-over of sessions, the
selection steps and their validation, passwordless SMS_OTP, challenges this client does not
answer, malformed service answers, and SECRET_HASH over the internal username."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from tests.client.conftest import PASSWORD
from tests.client.support import (
    CLIENT_ID,
    ReplayedCognito,
    SrpServer,
    authentication_result,
)

from authpool.client import (
    AuthException,
    AuthSignInStep,
    AuthValidationException,
    MfaType,
    SignInNotStartedException,
)

S1, S2, S3 = ("replayed-session-" + c * 40 for c in "abc")
SECRET = "replayedclientsecret0123456789abcdefghijklmnopqrstu"


def _challenge(name: str, session: str = S1, **params: str) -> dict[str, Any]:
    return {
        "ChallengeName": name,
        "Session": session,
        "ChallengeParameters": {"USER_ID_FOR_SRP": "ada", **params},
    }


def _password_client(replayed: Any, **kwargs: Any) -> Any:
    return replayed(auth_flow_type="USER_PASSWORD_AUTH", **kwargs)


def _responses(name: str, session: str, **expected: str) -> Any:
    def check(body: dict[str, Any]) -> None:
        assert body["ChallengeName"] == name
        assert body["Session"] == session
        assert body["ClientId"] == CLIENT_ID
        for key, value in expected.items():
            assert body["ChallengeResponses"][key] == value, key

    return check


def test_totp_setup_hands_the_session_from_call_to_call(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = _password_client(replayed)
    cognito.expect("InitiateAuth", _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'))
    cognito.expect(
        "AssociateSoftwareToken",
        {"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "Session": S2},
        check=lambda body: body == {"Session": S1},
    )
    result = auth.sign_in("ada", PASSWORD)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_TOTP_SETUP
    assert step.totp_setup_details is not None
    assert step.totp_setup_details.shared_secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert "JBSWY3" not in repr(step)

    cognito.expect(
        "VerifySoftwareToken",
        {"Status": "SUCCESS", "Session": S3},
        check=lambda body: (
            body == {"UserCode": "123456", "Session": S2, "FriendlyDeviceName": "phone"}
        ),
    )
    cognito.expect(
        "RespondToAuthChallenge",
        {"AuthenticationResult": authentication_result()},
        check=_responses("MFA_SETUP", S3, USERNAME="ada"),
    )
    done = auth.confirm_sign_in("123456", friendly_device_name="phone")
    assert done.next_step.sign_in_step is AuthSignInStep.DONE
    with pytest.raises(SignInNotStartedException):
        auth.confirm_sign_in("123456")  # the sign-in is over


def test_mfa_setup_choices(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = _password_client(replayed)
    offered = '["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'
    cognito.expect("InitiateAuth", _challenge("MFA_SETUP", MFAS_CAN_SETUP=offered))
    result = auth.sign_in("ada", PASSWORD)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION
    assert step.allowed_mfa_types == (MfaType.TOTP, MfaType.EMAIL)  # SMS is not set up here

    with pytest.raises(AuthValidationException, match="MFA setup"):
        auth.confirm_sign_in("carrier pigeon")
    cognito.expect(
        "AssociateSoftwareToken",
        {"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "Session": S2},
        check=lambda body: body == {"Session": S1},
    )
    chosen = auth.confirm_sign_in("totp")  # a local choice, then the TOTP set-up
    assert chosen.next_step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_TOTP_SETUP


def test_mfa_setup_by_email(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = _password_client(replayed)
    cognito.expect("InitiateAuth", _challenge("MFA_SETUP", MFAS_CAN_SETUP='["EMAIL_OTP"]'))
    step = auth.sign_in("ada", PASSWORD).next_step
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_SETUP  # JS's name
    cognito.expect(
        "RespondToAuthChallenge",
        _challenge(
            "EMAIL_OTP",
            S2,
            CODE_DELIVERY_DELIVERY_MEDIUM="EMAIL",
            CODE_DELIVERY_DESTINATION="a***@e***",
        ),  # fmt: skip
        check=_responses("MFA_SETUP", S1, USERNAME="ada", EMAIL="ada@example.com"),
    )
    sent = auth.confirm_sign_in("ada@example.com")
    assert sent.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_OTP_CODE
    details = sent.next_step.code_delivery_details
    assert details is not None
    assert details.destination == "a***@e***"
    cognito.expect(
        "RespondToAuthChallenge",
        {"AuthenticationResult": authentication_result()},
        check=_responses("EMAIL_OTP", S2, EMAIL_OTP_CODE="246810"),
    )
    assert auth.confirm_sign_in("246810").is_signed_in


def test_mfa_setup_with_only_sms_offered_cannot_go_on(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = _password_client(replayed)
    cognito.expect("InitiateAuth", _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SMS_MFA"]'))
    with pytest.raises(AuthException, match="Cannot set up MFA"):
        auth.sign_in("ada", PASSWORD)


def test_select_mfa_type(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = _password_client(replayed)
    choices = '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'
    cognito.expect("InitiateAuth", _challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE=choices))
    step = auth.sign_in("ada", PASSWORD).next_step
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_MFA_SELECTION
    assert step.allowed_mfa_types == (MfaType.SMS, MfaType.TOTP)
    with pytest.raises(AuthValidationException, match="Incorrect MFA method"):
        auth.confirm_sign_in("PUSH")
    cognito.expect(
        "RespondToAuthChallenge",
        _challenge("SOFTWARE_TOKEN_MFA", S2, FRIENDLY_DEVICE_NAME="phone"),
        check=_responses("SELECT_MFA_TYPE", S1, ANSWER="SOFTWARE_TOKEN_MFA"),
    )
    chosen = auth.confirm_sign_in("TOTP")
    assert chosen.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE
    cognito.expect(
        "RespondToAuthChallenge",
        {"AuthenticationResult": authentication_result()},
        check=_responses("SOFTWARE_TOKEN_MFA", S2, SOFTWARE_TOKEN_MFA_CODE="135790"),
    )
    assert auth.confirm_sign_in("135790").is_signed_in


def test_passwordless_sms_otp_is_an_sms_code_step(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = _password_client(replayed)
    cognito.expect(
        "InitiateAuth",
        _challenge(
            "SMS_OTP", CODE_DELIVERY_DELIVERY_MEDIUM="SMS", CODE_DELIVERY_DESTINATION="+***1234"
        ),
    )
    step = auth.sign_in("ada", PASSWORD).next_step
    assert step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE
    cognito.expect(
        "RespondToAuthChallenge",
        {"AuthenticationResult": authentication_result()},
        check=_responses("SMS_OTP", S1, SMS_OTP_CODE="112233", USERNAME="ada"),
    )
    assert auth.confirm_sign_in("112233").is_signed_in


def test_new_password_with_required_attributes(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = _password_client(replayed)
    cognito.expect(
        "InitiateAuth",
        _challenge(
            "NEW_PASSWORD_REQUIRED",
            requiredAttributes='["userAttributes.name","userAttributes.custom:team"]',
            userAttributes='{"email":"ada@example.com"}',
        ),
    )
    step = auth.sign_in("ada", "Temp-Passw0rd!").next_step
    assert step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_NEW_PASSWORD
    assert step.missing_attributes == ("name", "custom:team")

    def check(body: dict[str, Any]) -> None:
        assert body["ChallengeResponses"] == {
            "NEW_PASSWORD": PASSWORD,
            "USERNAME": "ada",
            "userAttributes.name": "Ada",
            "userAttributes.custom:team": "engines",
        }

    cognito.expect("RespondToAuthChallenge", {"AuthenticationResult": authentication_result()},
                   check=check)  # fmt: skip
    done = auth.confirm_sign_in(
        PASSWORD, user_attributes={"name": "Ada", "custom:team": "engines", "nickname": ""}
    )
    assert done.is_signed_in


def test_a_challenge_the_client_does_not_answer(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = _password_client(replayed)
    cognito.expect("InitiateAuth", _challenge("WEB_AUTHN"))
    with pytest.raises(AuthException, match="WEB_AUTHN"):
        auth.sign_in("ada", PASSWORD)
    with pytest.raises(SignInNotStartedException):
        auth.confirm_sign_in("anything")


@pytest.mark.parametrize(
    "answer",
    [
        {},  # neither tokens nor a challenge
        {"AuthenticationResult": {"TokenType": "Bearer"}},  # tokens without an access token
        {"AuthenticationResult": {"AccessToken": "not-a-jwt"}},
    ],
)
def test_malformed_answers_are_errors(
    replayed: Any, cognito: ReplayedCognito, answer: dict[str, Any]
) -> None:
    auth = _password_client(replayed)
    cognito.expect("InitiateAuth", answer)
    with pytest.raises(AuthException):
        auth.sign_in("ada", PASSWORD)
    assert auth.fetch_auth_session().is_signed_in is False


@pytest.mark.parametrize(
    "params",
    [
        {"SALT": "ab", "SECRET_BLOCK": "AAAA", "SRP_B": "0"},  # SRP_B = 0 must be refused
        {"SALT": "ab", "SECRET_BLOCK": "%%%", "SRP_B": "abc"},  # not base64
        {"SALT": "zz", "SECRET_BLOCK": "AAAA", "SRP_B": "abc"},  # not hex
    ],
)
def test_an_unusable_srp_challenge_is_refused(
    replayed: Any, cognito: ReplayedCognito, params: dict[str, str]
) -> None:
    auth = replayed()
    cognito.expect(
        "InitiateAuth",
        {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {
            "USER_ID_FOR_SRP": "ada", **params}},
    )  # fmt: skip
    with pytest.raises(AuthException, match="unusable SRP challenge"):
        auth.sign_in("ada", PASSWORD)


def test_srp_without_user_id_is_refused(replayed: Any, cognito: ReplayedCognito) -> None:
    auth = replayed()
    cognito.expect(
        "InitiateAuth",
        {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {"SRP_B": "ab"}},
    )
    with pytest.raises(AuthException, match="USER_ID_FOR_SRP"):
        auth.sign_in("ada", PASSWORD)


def _hash(username: str) -> str:
    digest = hmac.new(SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def test_secret_hash_follows_the_username_each_call_sends(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    """Signing in with an alias: InitiateAuth hashes the alias; the answers hash the internal
    username the service returned (USER_ID_FOR_SRP), which they also send as USERNAME."""
    internal = "7d3c2b1a-0000-4000-8000-00000000abcd"
    user = SrpServer("Replayed1", internal, PASSWORD)
    auth = replayed(client_secret=SECRET)

    def challenge(body: dict[str, Any]) -> dict[str, Any]:
        params = body["AuthParameters"]
        assert params["USERNAME"] == "ada@example.com"
        assert params["SECRET_HASH"] == _hash("ada@example.com")
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": user.challenge(
                params["SRP_A"], USERNAME=internal, USER_ID_FOR_SRP=internal
            ),
        }

    def verify(body: dict[str, Any]) -> dict[str, Any]:
        responses = body["ChallengeResponses"]
        assert responses["USERNAME"] == internal
        assert responses["SECRET_HASH"] == _hash(internal)
        assert user.proves(responses)
        return _challenge("SMS_MFA", S2, USER_ID_FOR_SRP=internal)

    cognito.expect("InitiateAuth", challenge)
    cognito.expect("RespondToAuthChallenge", verify)
    auth.sign_in("ada@example.com", PASSWORD)
    cognito.expect(
        "RespondToAuthChallenge",
        {"AuthenticationResult": authentication_result(internal)},
        check=_responses("SMS_MFA", S2, USERNAME=internal, SECRET_HASH=_hash(internal)),
    )
    assert auth.confirm_sign_in("000111").is_signed_in
    assert auth.get_current_user().username == internal
    details = auth.get_current_user().sign_in_details
    assert details is not None
    assert details.login_id == "ada@example.com"


def test_arguments_are_checked_before_any_call(replayed: Any) -> None:
    auth = replayed()
    with pytest.raises(AuthValidationException, match="username"):
        auth.sign_in("", PASSWORD)
    with pytest.raises(AuthValidationException, match="password"):
        auth.sign_in("ada", None)
    with pytest.raises(AuthValidationException, match="password"):
        auth.sign_in("ada", None, auth_flow_type="USER_PASSWORD_AUTH")
    with pytest.raises(AuthValidationException, match="auth flow"):
        auth.sign_in("ada", PASSWORD, auth_flow_type="MAGIC_LINK")
    with pytest.raises(AuthValidationException):
        auth.sign_up("", PASSWORD)
    with pytest.raises(AuthValidationException):
        auth.confirm_sign_up("ada", "")
    with pytest.raises(AuthValidationException):
        auth.resend_sign_up_code("")
    with pytest.raises(AuthValidationException):
        auth.reset_password("")
    with pytest.raises(AuthValidationException):
        auth.confirm_reset_password("ada", "", "123456")
    with pytest.raises(AuthValidationException):
        auth.confirm_sign_in("")
