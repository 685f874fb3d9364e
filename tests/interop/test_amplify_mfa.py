"""MFA with the official Amplify JS v6 library against a live authpool server: every MFA next
step of signIn reached and completed through confirmSignIn — SMS and e-mail codes, TOTP set up
during sign-in and then asked for, the choice between factors, the choice of a factor to set
up — and setUpTOTP / verifyTOTPSetup / updateMFAPreference / fetchMFAPreference for a signed-in
user. Codes come from the server's outbox; TOTP codes are computed at the server's time."""

from __future__ import annotations

from typing import Any

import pytest
from tests.flows.challenge_support import (
    PASSWORD,
    ClientFactory,
    PoolFactory,
    last_code,
    make_user,
    mfa_pool,
    next_step,
    totp_now,
    wrong,
)
from tests.support.server import LiveServer

from .amplify import AmplifyNode, AmplifySession, step

pytestmark = pytest.mark.node

PHONE = "+14155550123"


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


def config(server: LiveServer, pool_id: str, client: dict[str, Any]) -> dict[str, Any]:
    return {
        "userPoolId": pool_id,
        "userPoolClientId": client["ClientId"],
        "userPoolEndpoint": server.url,
        "loginWith": {"username": True, "email": True},
    }


def sign_in(s: AmplifySession, username: str, password: str = PASSWORD) -> dict[str, Any]:
    value: dict[str, Any] = s.call("signIn", {"username": username, "password": password})
    return value


def confirm(s: AmplifySession, response: str, **options: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"challengeResponse": response}
    if options:
        args["options"] = options
    value: dict[str, Any] = s.call("confirmSignIn", args)
    return value


def failed(s: AmplifySession, op: str, args: Any) -> dict[str, Any]:
    [result] = s.run([step(op, args)])
    assert not result["ok"], result
    error: dict[str, Any] = result["error"]
    return error


def done(s: AmplifySession, result: dict[str, Any]) -> str:
    """Assert a finished sign-in; the user's sub from the session's tokens."""
    assert result["isSignedIn"] is True, result
    assert result["nextStep"]["signInStep"] == "DONE"
    tokens = s.call("fetchAuthSession")["tokens"]
    sub: str = tokens["accessTokenPayload"]["sub"]
    return sub


def test_sms_mfa_sign_in(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username=username,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    with amplify.session(config(server, pool_id, client)) as s:
        result = sign_in(s, username)
        assert result["isSignedIn"] is False
        assert result["nextStep"] == {
            "signInStep": "CONFIRM_SIGN_IN_WITH_SMS_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "SMS", "destination": "+*******0123"},
        }
        code = last_code(server, pool_id, username, "AUTHENTICATION")
        refused = failed(s, "confirmSignIn", {"challengeResponse": wrong(code)})
        assert refused["name"] == "CodeMismatchException"
        assert refused["message"] == "Invalid code or auth state for the user."
        done(s, confirm(s, code))
        assert s.call("fetchMFAPreference") == {"enabled": ["SMS"], "preferred": "SMS"}


def test_totp_set_up_during_sign_in_then_asked_for(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True)
    username = make_user(idp, pool_id)
    with amplify.session(config(server, pool_id, client)) as s:
        result = sign_in(s, username)
        step_ = result["nextStep"]
        assert step_["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
        secret = step_["totpSetupDetails"]["sharedSecret"]
        assert len(secret) == 52
        assert step_["totpSetupDetails"]["setupUri"].startswith("otpauth://totp/authpool:")
        bad = failed(s, "confirmSignIn", {"challengeResponse": wrong(totp_now(server, secret))})
        assert bad["name"] == "EnableSoftwareTokenMFAException"
        done(s, confirm(s, totp_now(server, secret), friendlyDeviceName="laptop"))
        assert s.call("fetchMFAPreference")["enabled"] == ["TOTP"]
        s.call("signOut")

        next_step(server)
        result = sign_in(s, username)
        assert result["nextStep"] == {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}
        done(s, confirm(s, totp_now(server, secret)))


def test_mfa_selection(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True, totp=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    with amplify.session(config(server, pool_id, client)) as s:
        done(s, sign_in(s, username))
        details = s.call("setUpTOTP")
        secret = details["sharedSecret"]
        s.call("verifyTOTPSetup", {"code": totp_now(server, secret)})
        s.call("updateMFAPreference", {"sms": "ENABLED", "totp": "ENABLED"})
        assert s.call("fetchMFAPreference") == {"enabled": ["SMS", "TOTP"]}
        s.call("signOut")

        next_step(server)
        result = sign_in(s, username)
        assert result["nextStep"] == {
            "signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SELECTION",
            "allowedMFATypes": ["SMS", "TOTP"],
        }
        result = confirm(s, "TOTP")
        assert result["nextStep"] == {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}
        done(s, confirm(s, totp_now(server, secret)))
        s.call("signOut")

        result = sign_in(s, username)
        assert result["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_MFA_SELECTION"
        result = confirm(s, "SMS")
        assert result["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_SMS_CODE"
        done(s, confirm(s, last_code(server, pool_id, username, "AUTHENTICATION")))


def test_email_code_sign_in(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", email=True)
    username = make_user(idp, pool_id, email="ada@example.com")
    with amplify.session(config(server, pool_id, client)) as s:
        done(s, sign_in(s, username))
        s.call("updateMFAPreference", {"email": "PREFERRED"})
        s.call("signOut")
        result = sign_in(s, username)
        assert result["nextStep"] == {
            "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": "a***@e***"},
        }
        done(s, confirm(s, last_code(server, pool_id, username, "AUTHENTICATION")))


def test_choosing_email_as_the_factor_to_set_up(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True, email=True)
    username = make_user(idp, pool_id)
    with amplify.session(config(server, pool_id, client)) as s:
        result = sign_in(s, username)
        assert result["nextStep"] == {
            "signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION",
            "allowedMFATypes": ["TOTP", "EMAIL"],
        }
        assert confirm(s, "EMAIL")["nextStep"] == {
            "signInStep": "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"
        }
        result = confirm(s, "grace@example.com")
        assert result["nextStep"] == {
            "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": "g***@e***"},
        }
        done(s, confirm(s, last_code(server, pool_id, username, "AUTHENTICATION")))
        assert s.call("fetchMFAPreference") == {"enabled": ["EMAIL"]}
        assert s.call("fetchUserAttributes")["email"] == "grace@example.com"


def test_choosing_totp_as_the_factor_to_set_up(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "ON", totp=True, email=True)
    username = make_user(idp, pool_id)
    with amplify.session(config(server, pool_id, client)) as s:
        assert sign_in(s, username)["nextStep"]["signInStep"] == (
            "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION"
        )
        result = confirm(s, "TOTP")
        assert result["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
        secret = result["nextStep"]["totpSetupDetails"]["sharedSecret"]
        done(s, confirm(s, totp_now(server, secret)))
