"""Account calls' request bodies and result mapping where the live server cannot show every
case, REPLAYED with Cognito's documented responses: each MFA preference's settings, every
MFA factor's name, a TOTP verification answered ``ERROR``, attribute updates split between
done and waiting for a code."""

from __future__ import annotations

from typing import Any

import pytest
from tests.client.conftest import PASSWORD
from tests.client.support import ReplayedCognito, authentication_result

from authpool.client import (
    AuthUpdateAttributeStep,
    EnableSoftwareTokenMFAException,
    MfaPreference,
    MfaType,
)


@pytest.fixture
def auth(replayed: Any, cognito: ReplayedCognito) -> Any:
    client = replayed(auth_flow_type="USER_PASSWORD_AUTH")
    cognito.expect("InitiateAuth", {"AuthenticationResult": authentication_result()})
    client.sign_in("ada", PASSWORD)
    return client


@pytest.mark.parametrize(
    ("preference", "settings"),
    [
        (MfaPreference.ENABLED, {"Enabled": True}),
        (MfaPreference.DISABLED, {"Enabled": False}),
        (MfaPreference.PREFERRED, {"Enabled": True, "PreferredMfa": True}),
        (MfaPreference.NOT_PREFERRED, {"Enabled": True, "PreferredMfa": False}),
        ("PREFERRED", {"Enabled": True, "PreferredMfa": True}),
    ],
)
def test_update_mfa_preference_bodies(
    auth: Any, cognito: ReplayedCognito, preference: Any, settings: dict[str, bool]
) -> None:
    def check(body: dict[str, Any]) -> None:
        assert body["SMSMfaSettings"] == settings
        assert body["EmailMfaSettings"] == {"Enabled": False}
        assert "SoftwareTokenMfaSettings" not in body  # left as it is

    cognito.expect("SetUserMFAPreference", {}, check=check)
    auth.update_mfa_preference(sms=preference, email=MfaPreference.DISABLED)


def test_fetch_mfa_preference_names_every_factor(auth: Any, cognito: ReplayedCognito) -> None:
    cognito.expect(
        "GetUser",
        {
            "Username": "ada",
            "UserAttributes": [],
            "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "WEB_AUTHN"],
            "PreferredMfaSetting": "EMAIL_OTP",
        },
    )
    preference = auth.fetch_mfa_preference()
    assert preference.enabled == (MfaType.SMS, MfaType.TOTP, MfaType.EMAIL)
    assert preference.preferred is MfaType.EMAIL


def test_verify_totp_setup_answered_error(auth: Any, cognito: ReplayedCognito) -> None:
    cognito.expect("VerifySoftwareToken", {"Status": "ERROR"})
    with pytest.raises(EnableSoftwareTokenMFAException):
        auth.verify_totp_setup("123456")


def test_set_up_totp_without_a_secret_is_an_error(auth: Any, cognito: ReplayedCognito) -> None:
    cognito.expect("AssociateSoftwareToken", {})
    with pytest.raises(EnableSoftwareTokenMFAException):
        auth.set_up_totp()


def test_update_user_attributes_splits_done_from_waiting(
    auth: Any, cognito: ReplayedCognito
) -> None:
    def check(body: dict[str, Any]) -> None:
        assert body["UserAttributes"] == [
            {"Name": "email", "Value": "new@example.com"},
            {"Name": "phone_number", "Value": "+15555550100"},
            {"Name": "name", "Value": "Ada"},
        ]
        assert body["ClientMetadata"] == {"source": "settings-page"}

    cognito.expect(
        "UpdateUserAttributes",
        {
            "CodeDeliveryDetailsList": [
                {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"},
                {
                    "Destination": "+*******0100",
                    "DeliveryMedium": "SMS",
                    "AttributeName": "phone_number",
                },
            ]
        },  # fmt: skip
        check=check,
    )
    results = auth.update_user_attributes(
        {"email": "new@example.com", "phone_number": "+15555550100", "name": "Ada"},
        client_metadata={"source": "settings-page"},
    )
    assert results["name"].is_updated
    assert results["name"].next_step.update_attribute_step is AuthUpdateAttributeStep.DONE
    for name, medium in (("email", "EMAIL"), ("phone_number", "SMS")):
        step = results[name].next_step
        assert results[name].is_updated is False
        assert step.update_attribute_step is AuthUpdateAttributeStep.CONFIRM_ATTRIBUTE_WITH_CODE
        assert step.code_delivery_details is not None
        assert step.code_delivery_details.delivery_medium == medium
