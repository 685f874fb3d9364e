"""Every request the client builds validates against botocore's Cognito model, so real
Cognito accepts it. Every test in tests/client checks each request it makes (the transports
of tests.client.support validate them); this module makes sure each operation the client
can call is among them, with every optional member the client can send filled in.
Answers here are REPLAYED."""

from __future__ import annotations

import httpx
import pytest
from tests.client import support
from tests.client.support import (
    CLIENT_ID,
    POOL_ID,
    ReplayedCognito,
    ValidatingTransport,
    authentication_result,
)

from authpool.client import Auth, DeviceMetadata, MemoryStorage, MfaPreference
from authpool.client.storage import TokenStore
from authpool.client.wire import OPERATIONS
from authpool.wire.validation import ValidationFailed

SECRET = "replayedclientsecret0123456789abcdefghijklmnopqrstu"
DEVICE_KEY = "us-east-1_0f5b6a1e-7d9a-4f3e-9e1c-2a4b6c8d0e1f"
SESSION = "replayed-session-" + "x" * 40
META = {"app": "seed"}


def _script(cognito: ReplayedCognito) -> None:
    tokens = {"AuthenticationResult": authentication_result()}
    delivery = {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    for operation, answer in [
        ("SignUp", {"UserConfirmed": False, "UserSub": "sub", "CodeDeliveryDetails": delivery}),
        ("ResendConfirmationCode", {"CodeDeliveryDetails": delivery}),
        ("ConfirmSignUp", {}),
        ("InitiateAuth", {"ChallengeName": "CUSTOM_CHALLENGE", "Session": SESSION,
                          "ChallengeParameters": {"USERNAME": "ada", "q": "?"}}),
        ("RespondToAuthChallenge", tokens),
        ("GetTokensFromRefreshToken", tokens),
        ("GetUser", {"Username": "ada", "UserAttributes": [{"Name": "sub", "Value": "s"}]}),
        ("UpdateUserAttributes", {"CodeDeliveryDetailsList": [delivery]}),
        ("DeleteUserAttributes", {}),
        ("GetUserAttributeVerificationCode", {"CodeDeliveryDetails": delivery}),
        ("VerifyUserAttribute", {}),
        ("ChangePassword", {}),
        ("AssociateSoftwareToken", {"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}),
        ("VerifySoftwareToken", {"Status": "SUCCESS"}),
        ("SetUserMFAPreference", {}),
        ("UpdateDeviceStatus", {}),
        ("ListDevices", {"Devices": []}),
        ("ForgetDevice", {}),
        ("GlobalSignOut", {}),
        ("ForgotPassword", {"CodeDeliveryDetails": delivery}),
        ("ConfirmForgotPassword", {}),
        ("InitiateAuth", {"AuthenticationResult": authentication_result(
            new_device={"DeviceKey": DEVICE_KEY, "DeviceGroupKey": "-group"})}),
        ("ConfirmDevice", {"UserConfirmationNecessary": False}),
        ("RevokeToken", {}),
        ("InitiateAuth", tokens),
        ("DeleteUser", {}),
    ]:  # fmt: skip
        cognito.expect(operation, answer)


def test_every_operation_the_client_calls_is_valid_on_cognito(cognito: ReplayedCognito) -> None:
    support.SEEN.clear()
    _script(cognito)
    storage = MemoryStorage()
    auth = Auth(
        user_pool_id=POOL_ID,
        user_pool_client_id=CLIENT_ID,
        client_secret=SECRET,
        storage=storage,
        device_name="laptop",
        transport=ValidatingTransport(cognito.transport()),
    )
    with auth:
        auth.sign_up("ada", "Passw0rd!", user_attributes={"email": "a@b.co"},
                     validation_data={"k": "v"}, client_metadata=META)  # fmt: skip
        auth.resend_sign_up_code("ada", client_metadata=META)
        auth.confirm_sign_up("ada", "123456", force_alias_creation=True, client_metadata=META)
        TokenStore(storage, CLIENT_ID).save_device(
            "ada", DeviceMetadata(DEVICE_KEY, "-group", "device-secret")
        )
        auth.sign_in("ada", auth_flow_type="CUSTOM_AUTH_WITHOUT_SRP", client_metadata=META)
        auth.confirm_sign_in("42", client_metadata=META)
        auth.fetch_auth_session(force_refresh=True)
        auth.fetch_user_attributes()
        auth.update_user_attributes({"email": "new@b.co"}, client_metadata=META)
        auth.delete_user_attributes(["nickname"])
        auth.send_user_attribute_verification_code("email", client_metadata=META)
        auth.confirm_user_attribute("email", "123456")
        auth.update_password("Passw0rd!", "N3w-Passw0rd!")
        auth.set_up_totp()
        auth.verify_totp_setup("123456", friendly_device_name="phone")
        auth.update_mfa_preference(sms=MfaPreference.DISABLED, totp=MfaPreference.PREFERRED,
                                   email=MfaPreference.ENABLED)  # fmt: skip
        auth.remember_device()
        auth.fetch_devices()
        auth.forget_device()
        auth.sign_out(global_sign_out=True)
        auth.reset_password("ada", client_metadata=META)
        auth.confirm_reset_password("ada", "N3w-Passw0rd!", "123456", client_metadata=META)
        auth.sign_in("ada", "N3w-Passw0rd!", auth_flow_type="USER_PASSWORD_AUTH")  # new device
        auth.sign_out()
        auth.sign_in("ada", "N3w-Passw0rd!", auth_flow_type="USER_PASSWORD_AUTH")
        auth.delete_user()
    assert support.SEEN == OPERATIONS
    bodies = dict(cognito.calls)
    assert bodies["SignUp"]["SecretHash"]
    assert bodies["RevokeToken"]["ClientSecret"] == SECRET
    assert bodies["GetTokensFromRefreshToken"]["ClientSecret"] == SECRET


def test_the_check_refuses_what_cognito_refuses() -> None:
    """The validation is real: a body Cognito would refuse fails the test that sends it."""
    request = httpx.Request(
        "POST",
        "https://cognito-idp.us-east-1.amazonaws.com/",
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ConfirmSignUp",
            "Content-Type": "application/x-amz-json-1.1",
        },
        json={"ClientId": CLIENT_ID, "Username": "ada", "ConfirmationCode": "x" * 2049},
    )
    with pytest.raises(ValidationFailed, match="confirmationCode"):
        support.check_request(request)
