"""Results and steps: Amplify's names (Flutter's and JS's for the same step), TOTP set-up
URIs, tokens as the client holds them, and the package's exported names."""

from __future__ import annotations

import pytest
from tests.client.support import authentication_result

import authpool.client
from authpool.client import (
    JWT,
    AuthException,
    AuthSession,
    AuthSignInStep,
    MfaPreference,
    MfaType,
    TotpSetupDetails,
)


def test_js_step_names_are_aliases_of_the_seeds() -> None:
    pairs = [
        ("CONFIRM_SIGN_IN_WITH_SMS_CODE", "CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE"),
        ("CONFIRM_SIGN_IN_WITH_TOTP_CODE", "CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE"),
        ("CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "CONFIRM_SIGN_IN_WITH_OTP_CODE"),
        ("CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED", "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD"),
        ("CONTINUE_SIGN_IN_WITH_EMAIL_SETUP", "CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP"),
    ]
    for js, seed in pairs:
        assert AuthSignInStep[js] is AuthSignInStep[seed]
        assert AuthSignInStep(js) is AuthSignInStep[seed]  # parsed from either name
    assert len(AuthSignInStep) == 12  # aliases do not add steps
    assert AuthSignInStep.DONE == "DONE"


def test_mfa_names() -> None:
    assert [t.wire_name for t in MfaType] == ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert MfaType.from_wire("SOFTWARE_TOKEN_MFA") is MfaType.TOTP
    assert MfaType.from_wire("WEB_AUTHN") is None
    assert MfaType("totp") is MfaType.TOTP
    assert MfaPreference("not_preferred").settings() == {"Enabled": True, "PreferredMfa": False}


def test_totp_setup_uri_is_escaped() -> None:
    details = TotpSetupDetails(shared_secret="JBSWY3DPEHPK3PXP", username="ada lovelace")
    assert details.get_setup_uri("My App") == (
        "otpauth://totp/My%20App:ada%20lovelace?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
    )
    assert details.get_setup_uri("Seed", "ada@example.com") == (
        "otpauth://totp/Seed:ada@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Seed"
    )
    assert "JBSWY3DPEHPK3PXP" not in repr(details)


def test_tokens() -> None:
    raw = authentication_result("ada")["AccessToken"]
    token = JWT.decode(raw)
    assert str(token) == raw
    assert raw not in repr(token)
    assert token.payload["username"] == "ada"
    assert token.expires_at is not None
    assert token.issued_at is not None
    assert (token.expires_at - token.issued_at).total_seconds() == 3600
    for bad in ("a.b", "!!!.e30.x", "e30.W10.x"):  # not three parts, not base64, not an object
        with pytest.raises(AuthException):
            JWT.decode(bad)
    assert AuthSession().is_signed_in is False


def test_the_package_exports_are_sorted_and_importable() -> None:
    names = authpool.client.__all__

    def isort_style(name: str) -> tuple[int, str]:  # ruff's RUF022 order
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert names == sorted(names, key=isort_style)
    for name in names:
        assert getattr(authpool.client, name) is not None
    assert {"Auth", "AsyncAuth", "AuthSignInStep", "NotAuthorizedException"} <= set(names)
