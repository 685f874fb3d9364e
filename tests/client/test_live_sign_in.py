"""Every sign-in flow and next step of authpool.client against a live server, with both
drivers. Parts the server does not implement yet skip, saying which (see require_server)."""

from __future__ import annotations

import secrets
from typing import Any

import pyotp
import pytest
from tests.client.conftest import ALL_FLOWS, PASSWORD, LivePool
from tests.client.support import require_server

from authpool.client import (
    AuthFlowType,
    AuthSignInStep,
    CodeMismatchException,
    InvalidParameterException,
    MfaPreference,
    MfaType,
    NotAuthorizedException,
    SignInNotStartedException,
    UserAlreadyAuthenticatedException,
)

NEW_PASSWORD = "N3w-Seed-passw0rd!"
SMS_MFA = {
    "SmsAuthenticationMessage": "Your sign-in code is {####}",
    "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x"},
}


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _admin_user(live: LivePool, **attributes: str) -> str:
    """A confirmed user made by the admin API, e-mail and phone verified."""
    username = f"u{secrets.token_hex(4)}"
    idp = live.server.client()
    attributes.setdefault("email", f"{username}@example.com")
    values = dict(attributes)
    values["email_verified"] = "true"
    if "phone_number" in values:
        values["phone_number_verified"] = "true"
    idp.admin_create_user(
        UserPoolId=live.pool_id,
        Username=username,
        UserAttributes=[{"Name": k, "Value": v} for k, v in values.items()],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=live.pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    return username


def _mfa(live: LivePool, mode: str, *, sms: bool = False, totp: bool = False,
         email: bool = False) -> None:  # fmt: skip
    config: dict[str, Any] = {"UserPoolId": live.pool_id, "MfaConfiguration": mode}
    if sms:
        config["SmsMfaConfiguration"] = SMS_MFA
    if totp:
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if email:
        config["EmailMfaConfiguration"] = {"Message": "Code: {####}", "Subject": "Code"}
    live.server.client().set_user_pool_mfa_config(**config)


# -- flows ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("flow", [AuthFlowType.USER_SRP_AUTH, AuthFlowType.USER_PASSWORD_AUTH])
def test_sign_in_flows(live: LivePool, flow: AuthFlowType) -> None:
    auth = live.auth()
    username = live.new_user(auth)
    result = auth.sign_in(username, PASSWORD, auth_flow_type=flow)
    assert result.is_signed_in
    user = auth.get_current_user()
    assert user.sign_in_details is not None
    assert user.sign_in_details.auth_flow_type is flow
    auth.sign_out()
    with pytest.raises(NotAuthorizedException):
        auth.sign_in(username, "Wrong-Passw0rd!", auth_flow_type=flow)


def test_the_configured_flow_is_the_default(live: LivePool, app_client: Any) -> None:
    live.client = app_client(
        live.pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    username = live.new_user(live.auth())
    srp_client = live.auth()
    with pytest.raises(InvalidParameterException, match="not enabled"):
        srp_client.sign_in(username, PASSWORD)  # SRP by default, which this client refuses
    password_client = live.auth(auth_flow_type="USER_PASSWORD_AUTH")
    assert password_client.sign_in(username, PASSWORD).is_signed_in
    assert srp_client.sign_in(username, PASSWORD, auth_flow_type="USER_PASSWORD_AUTH")


def test_unconfirmed_user_is_sent_to_confirm_sign_up(live: LivePool) -> None:
    auth = live.auth()
    username = f"u{secrets.token_hex(4)}"
    auth.sign_up(username, PASSWORD, user_attributes={"email": f"{username}@example.com"})
    result = auth.sign_in(username, PASSWORD)
    assert result.is_signed_in is False
    assert result.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_UP
    auth.confirm_sign_up(username, live.code(username))
    assert auth.sign_in(username, PASSWORD).next_step.sign_in_step is AuthSignInStep.DONE


def test_reset_required_user_is_sent_to_reset_password(live: LivePool) -> None:
    require_server("AdminResetUserPassword", "ForgotPassword", "ConfirmForgotPassword")
    auth = live.auth()
    username = live.new_user(auth)
    live.server.client().admin_reset_user_password(UserPoolId=live.pool_id, Username=username)
    result = auth.sign_in(username, PASSWORD)
    assert result.next_step.sign_in_step is AuthSignInStep.RESET_PASSWORD
    auth.confirm_reset_password(username, NEW_PASSWORD, live.code(username))
    assert auth.sign_in(username, NEW_PASSWORD).is_signed_in


def test_one_user_at_a_time_and_no_confirm_without_sign_in(live: LivePool) -> None:
    auth = live.auth()
    username = live.new_user(auth)
    with pytest.raises(SignInNotStartedException) as not_started:
        auth.confirm_sign_in("123456")
    assert not_started.value.recovery_suggestion
    auth.sign_in(username, PASSWORD)
    with pytest.raises(UserAlreadyAuthenticatedException):
        auth.sign_in(username, PASSWORD)


def test_auto_sign_in_after_confirming(live: LivePool) -> None:
    auth = live.auth()
    username = f"u{secrets.token_hex(4)}"
    signed_up = auth.sign_up(
        username, PASSWORD, user_attributes={"email": f"{username}@example.com"},
        auto_sign_in=True,
    )  # fmt: skip
    assert signed_up.next_step.sign_up_step.value == "CONFIRM_SIGN_UP"
    confirmed = auth.confirm_sign_up(username, live.code(username))
    assert confirmed.next_step.sign_up_step.value == "COMPLETE_AUTO_SIGN_IN"
    assert auth.auto_sign_in().is_signed_in
    assert auth.get_current_user().username == username


# -- confidential clients -----------------------------------------------------------------------
def test_a_client_with_a_secret_signs_every_call(live: LivePool, app_client: Any) -> None:
    live.client = app_client(live.pool_id, GenerateSecret=True, ExplicitAuthFlows=ALL_FLOWS)
    auth = live.auth()
    username = f"u{secrets.token_hex(4)}"
    auth.sign_up(username, PASSWORD, user_attributes={"email": f"{username}@example.com"})
    auth.resend_sign_up_code(username)
    auth.confirm_sign_up(username, live.code(username))
    for flow in (AuthFlowType.USER_SRP_AUTH, AuthFlowType.USER_PASSWORD_AUTH):
        assert auth.sign_in(username, PASSWORD, auth_flow_type=flow).is_signed_in
        before = auth.fetch_auth_session().tokens
        after = auth.fetch_auth_session(force_refresh=True).tokens
        assert before is not None
        assert after is not None
        assert str(after.access_token) != str(before.access_token)
        assert auth.sign_out().is_complete  # RevokeToken with the client secret
    # without the secret the service refuses the same calls
    anonymous = live.auth(client_secret=None)
    assert anonymous.config.client_secret is None
    with pytest.raises(NotAuthorizedException, match="secret"):
        anonymous.sign_in(username, PASSWORD)


def test_email_alias_with_a_secret_hashes_the_internal_username(
    live: LivePool, pool: Any, app_client: Any
) -> None:
    live.pool_id = pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    live.client = app_client(live.pool_id, GenerateSecret=True, ExplicitAuthFlows=ALL_FLOWS)
    auth = live.auth()
    email = f"u{secrets.token_hex(4)}@example.com"
    signed_up = auth.sign_up(email, PASSWORD, user_attributes={"email": email})
    internal = live.server.client().admin_get_user(UserPoolId=live.pool_id, Username=email)
    auth.confirm_sign_up(email, live.code(internal["Username"]))
    for flow in (AuthFlowType.USER_SRP_AUTH, AuthFlowType.USER_PASSWORD_AUTH):
        assert auth.sign_in(email, PASSWORD, auth_flow_type=flow).is_signed_in
        user = auth.get_current_user()
        assert user.username == internal["Username"] != email
        assert user.user_id == signed_up.user_id
        assert auth.fetch_auth_session(force_refresh=True).is_signed_in
        auth.sign_out()


# -- challenges ---------------------------------------------------------------------------------
def test_new_password_required(live: LivePool) -> None:
    require_server("AdminCreateUser", challenge="NEW_PASSWORD_REQUIRED")
    username = f"u{secrets.token_hex(4)}"
    live.server.client().admin_create_user(
        UserPoolId=live.pool_id,
        Username=username,
        TemporaryPassword="Temp-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        MessageAction="SUPPRESS",
    )
    auth = live.auth()
    result = auth.sign_in(username, "Temp-Passw0rd!")
    assert result.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_NEW_PASSWORD
    assert (
        AuthSignInStep.CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED is result.next_step.sign_in_step
    )
    done = auth.confirm_sign_in(NEW_PASSWORD, user_attributes={"name": "Ada"})
    assert done.next_step.sign_in_step is AuthSignInStep.DONE
    assert auth.fetch_user_attributes()["name"] == "Ada"
    auth.sign_out()
    assert auth.sign_in(username, NEW_PASSWORD).is_signed_in


def test_sms_mfa(live: LivePool) -> None:
    require_server("SetUserPoolMfaConfig", challenge="SMS_MFA")
    _mfa(live, "ON", sms=True)
    username = _admin_user(live, phone_number="+15555551234")
    auth = live.auth()
    result = auth.sign_in(username, PASSWORD)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE
    assert step.code_delivery_details is not None
    assert step.code_delivery_details.delivery_medium == "SMS"
    assert step.code_delivery_details.destination == "+*******1234"
    code = live.code(username)
    with pytest.raises(CodeMismatchException):
        auth.confirm_sign_in(_wrong(code))
    assert auth.confirm_sign_in(code).next_step.sign_in_step is AuthSignInStep.DONE
    assert auth.get_current_user().username == username


def test_totp_set_up_during_sign_in_then_used(live: LivePool) -> None:
    require_server("AssociateSoftwareToken", "VerifySoftwareToken", challenge="MFA_SETUP")
    _mfa(live, "ON", totp=True)
    username = _admin_user(live)
    auth = live.auth()
    result = auth.sign_in(username, PASSWORD)
    assert result.next_step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_TOTP_SETUP
    setup = result.next_step.totp_setup_details
    assert setup is not None
    assert setup.username == username
    assert setup.get_setup_uri("Seed").startswith(f"otpauth://totp/Seed:{username}?secret=")
    totp = pyotp.TOTP(setup.shared_secret)
    done = auth.confirm_sign_in(totp.now(), friendly_device_name="phone")
    assert done.next_step.sign_in_step is AuthSignInStep.DONE
    assert auth.fetch_mfa_preference().enabled == (MfaType.TOTP,)
    auth.sign_out()

    live.server.clock.advance(30)  # a TOTP code is good once: the next one, at the server's time
    again = auth.sign_in(username, PASSWORD)
    assert again.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE
    assert auth.confirm_sign_in(totp.at(live.server.clock.now())).is_signed_in


def test_email_otp(live: LivePool) -> None:
    require_server("SetUserMFAPreference", challenge="EMAIL_OTP")
    _mfa(live, "OPTIONAL", email=True)
    auth = live.auth()
    username = live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    auth.update_mfa_preference(email=MfaPreference.PREFERRED)
    assert auth.fetch_mfa_preference().preferred is MfaType.EMAIL
    auth.sign_out()
    sent = live.messages(username)
    result = auth.sign_in(username, PASSWORD)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_OTP_CODE
    assert step.code_delivery_details is not None
    assert step.code_delivery_details.delivery_medium == "EMAIL"
    assert live.messages(username) == sent + 1
    assert auth.confirm_sign_in(live.code(username)).is_signed_in


def test_choosing_among_several_factors(live: LivePool) -> None:
    require_server("SetUserMFAPreference", challenge="SELECT_MFA_TYPE")
    _mfa(live, "ON", sms=True, email=True)
    username = _admin_user(live, phone_number="+15555550123")
    live.server.client().admin_set_user_mfa_preference(
        UserPoolId=live.pool_id,
        Username=username,
        SMSMfaSettings={"Enabled": True},
        EmailMfaSettings={"Enabled": True},
    )
    auth = live.auth()
    result = auth.sign_in(username, PASSWORD)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_MFA_SELECTION
    assert set(step.allowed_mfa_types) == {MfaType.SMS, MfaType.EMAIL}
    chosen = auth.confirm_sign_in("SMS")
    assert chosen.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE
    assert auth.confirm_sign_in(live.code(username)).is_signed_in


def test_mfa_setup_selection_then_email(live: LivePool) -> None:
    require_server(challenge="MFA_SETUP")
    _mfa(live, "ON", totp=True, email=True)
    auth = live.auth()
    username = live.new_user(auth)
    result = auth.sign_in(username, PASSWORD)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION
    assert set(step.allowed_mfa_types) == {MfaType.TOTP, MfaType.EMAIL}
    chosen = auth.confirm_sign_in("EMAIL")
    assert chosen.next_step.sign_in_step is AuthSignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP
    sent = auth.confirm_sign_in(f"{username}@example.com")
    assert sent.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_OTP_CODE
    assert auth.confirm_sign_in(live.code(username)).is_signed_in


def test_custom_auth_needs_the_pool_triggers(live: LivePool) -> None:
    auth = live.auth()
    username = live.new_user(auth)
    for flow in (AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP, AuthFlowType.CUSTOM_AUTH_WITH_SRP):
        with pytest.raises(NotAuthorizedException, match="Custom auth lambda trigger"):
            auth.sign_in(username, PASSWORD, auth_flow_type=flow)
