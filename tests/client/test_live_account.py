"""The signed-in user's own operations against a live server, with both drivers: attributes
and their verification, password reset and change, TOTP and MFA preferences, devices.
Parts the server does not implement yet skip, saying which."""

from __future__ import annotations

import secrets
from typing import Any

import pyotp
import pytest
from tests.client.conftest import PASSWORD, LivePool
from tests.client.support import require_server

from authpool.client import (
    AuthResetPasswordStep,
    AuthUpdateAttributeStep,
    CodeMismatchException,
    DeviceNotTrackedException,
    EnableSoftwareTokenMFAException,
    MfaPreference,
    MfaType,
    NotAuthorizedException,
    SignedOutException,
)

NEW_PASSWORD = "N3w-Seed-passw0rd!"


def _signed_in(live: LivePool, **kwargs: Any) -> tuple[Any, str]:
    auth = live.auth(**kwargs)
    username = live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    return auth, username


def test_every_account_call_needs_a_signed_in_user(live: LivePool) -> None:
    auth = live.auth()
    calls = [
        auth.get_current_user,
        auth.fetch_user_attributes,
        lambda: auth.update_user_attributes({"name": "x"}),
        lambda: auth.update_user_attribute("name", "x"),
        lambda: auth.delete_user_attributes(["name"]),
        lambda: auth.send_user_attribute_verification_code("email"),
        lambda: auth.confirm_user_attribute("email", "123456"),
        lambda: auth.update_password(PASSWORD, NEW_PASSWORD),
        auth.set_up_totp,
        lambda: auth.verify_totp_setup("123456"),
        lambda: auth.update_mfa_preference(totp=MfaPreference.ENABLED),
        auth.fetch_mfa_preference,
        auth.remember_device,
        auth.forget_device,
        auth.fetch_devices,
        auth.delete_user,
    ]
    for call in calls:
        with pytest.raises(SignedOutException, match="authenticated"):
            call()


def test_update_and_delete_attributes(live: LivePool) -> None:
    require_server("UpdateUserAttributes", "DeleteUserAttributes")
    auth, _username = _signed_in(live)
    results = auth.update_user_attributes({"name": "Ada", "family_name": "Lovelace"})
    assert set(results) == {"name", "family_name"}
    for result in results.values():
        assert result.is_updated
        assert result.next_step.update_attribute_step is AuthUpdateAttributeStep.DONE
    one = auth.update_user_attribute("given_name", "Augusta")
    assert one.is_updated
    attributes = auth.fetch_user_attributes()
    assert (attributes["name"], attributes["given_name"]) == ("Ada", "Augusta")
    auth.delete_user_attributes(["family_name", "given_name"])
    attributes = auth.fetch_user_attributes()
    assert "family_name" not in attributes
    assert "given_name" not in attributes


def test_changing_the_email_asks_for_a_code(live: LivePool) -> None:
    require_server("UpdateUserAttributes", "VerifyUserAttribute")
    auth, username = _signed_in(live)
    new_email = f"new-{username}@example.com"
    result = auth.update_user_attribute("email", new_email)
    assert result.is_updated is False
    assert result.next_step.update_attribute_step is (
        AuthUpdateAttributeStep.CONFIRM_ATTRIBUTE_WITH_CODE
    )
    details = result.next_step.code_delivery_details
    assert details is not None
    assert (details.attribute_name, details.delivery_medium) == ("email", "EMAIL")
    code = live.code(username)
    with pytest.raises(CodeMismatchException):
        auth.confirm_user_attribute("email", f"{(int(code) + 1) % 1_000_000:06d}")
    auth.confirm_user_attribute("email", code)
    attributes = auth.fetch_user_attributes()
    assert (attributes["email"], attributes["email_verified"]) == (new_email, "true")


def test_send_a_verification_code_again(live: LivePool) -> None:
    require_server("GetUserAttributeVerificationCode", "VerifyUserAttribute")
    auth, username = _signed_in(live)
    sent = live.messages(username)
    details = auth.send_user_attribute_verification_code("email")
    assert (details.attribute_name, details.delivery_medium) == ("email", "EMAIL")
    assert details.destination == f"{username[0]}***@e***"
    assert live.messages(username) == sent + 1
    auth.confirm_user_attribute("email", live.code(username))


def test_reset_password(live: LivePool) -> None:
    require_server("ForgotPassword", "ConfirmForgotPassword")
    auth = live.auth()
    username = live.new_user(auth)
    result = auth.reset_password(username)
    assert result.is_password_reset is False
    step = result.next_step
    assert step.reset_password_step is AuthResetPasswordStep.CONFIRM_RESET_PASSWORD_WITH_CODE
    assert step.code_delivery_details is not None
    assert step.code_delivery_details.delivery_medium == "EMAIL"
    code = live.code(username)
    with pytest.raises(CodeMismatchException):
        auth.confirm_reset_password(username, NEW_PASSWORD, f"{(int(code) + 1) % 1_000_000:06d}")
    auth.confirm_reset_password(username, NEW_PASSWORD, code)
    with pytest.raises(NotAuthorizedException):
        auth.sign_in(username, PASSWORD)
    assert auth.sign_in(username, NEW_PASSWORD).is_signed_in


def test_reset_password_with_a_secret(live: LivePool, app_client: Any) -> None:
    require_server("ForgotPassword", "ConfirmForgotPassword")
    live.client = app_client(live.pool_id, GenerateSecret=True)
    auth = live.auth()
    username = live.new_user(auth)
    auth.reset_password(username)
    auth.confirm_reset_password(username, NEW_PASSWORD, live.code(username))
    assert auth.sign_in(username, NEW_PASSWORD).is_signed_in


def test_update_password(live: LivePool) -> None:
    require_server("ChangePassword")
    auth, username = _signed_in(live)
    with pytest.raises(NotAuthorizedException):
        auth.update_password("Wrong-Passw0rd!", NEW_PASSWORD)
    auth.update_password(PASSWORD, NEW_PASSWORD)
    auth.sign_out()
    assert auth.sign_in(username, NEW_PASSWORD).is_signed_in


def test_totp_setup_and_mfa_preferences(live: LivePool) -> None:
    require_server(
        "AssociateSoftwareToken", "VerifySoftwareToken", "SetUserMFAPreference", "GetUser"
    )
    live.server.client().set_user_pool_mfa_config(
        UserPoolId=live.pool_id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    auth, username = _signed_in(live)
    assert auth.fetch_mfa_preference().enabled == ()
    setup = auth.set_up_totp()
    assert setup.username == username
    totp = pyotp.TOTP(setup.shared_secret)
    with pytest.raises(EnableSoftwareTokenMFAException):
        auth.verify_totp_setup(f"{(int(totp.now()) + 1) % 1_000_000:06d}")
    auth.verify_totp_setup(totp.now(), friendly_device_name="phone")
    auth.update_mfa_preference(totp=MfaPreference.PREFERRED)
    preference = auth.fetch_mfa_preference()
    assert (preference.enabled, preference.preferred) == ((MfaType.TOTP,), MfaType.TOTP)
    auth.update_mfa_preference(totp=MfaPreference.DISABLED)
    assert auth.fetch_mfa_preference().enabled == ()


def test_devices(live: LivePool) -> None:
    require_server("ConfirmDevice", "UpdateDeviceStatus", "ListDevices", "ForgetDevice")
    live.server.client().update_user_pool(
        UserPoolId=live.pool_id,
        AutoVerifiedAttributes=["email"],
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": True,
        },
    )
    auth, username = _signed_in(live, device_name=f"laptop-{secrets.token_hex(2)}")
    auth.remember_device()
    [device] = auth.fetch_devices()
    assert device.name == auth.config.device_name
    auth.sign_out()
    # signing in again proves the remembered device (DEVICE_SRP_AUTH)
    assert auth.sign_in(username, PASSWORD).is_signed_in
    auth.forget_device()
    assert auth.fetch_devices() == []
    with pytest.raises(DeviceNotTrackedException):
        auth.remember_device()
