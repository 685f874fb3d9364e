"""Password reset and change through boto3, on SQLite and PostgreSQL: ForgotPassword and
ConfirmForgotPassword (the channel chosen by AccountRecoverySetting, Cognito's errors),
ChangePassword, AdminSetUserPassword and AdminResetUserPassword (none of which signs the user
out, as in Cognito)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.flows.challenge_support import (
    NEW_PASSWORD,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    error,
    last_message,
    make_user,
    mfa_pool,
    new_name,
    password_sign_in,
    secret_hash,
    signed_in,
    wrong,
)
from tests.support.server import LiveServer

WRONG = ("NotAuthorizedException", "Incorrect username or password.")
NO_CHANNEL = (
    "InvalidParameterException",
    "Cannot reset password for the user as there is no registered/verified email or phone_number",
)
WRONG_STATE = ("NotAuthorizedException", "User password cannot be reset in the current state.")
PHONE = "+447700900123"
EMAIL_FIRST = {
    "RecoveryMechanisms": [
        {"Priority": 1, "Name": "verified_email"},
        {"Priority": 2, "Name": "verified_phone_number"},
    ]
}


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def forgot(anon: Any, client: dict[str, Any], username: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"ClientId": client["ClientId"], "Username": username}
    if client.get("ClientSecret"):
        kwargs["SecretHash"] = secret_hash(client["ClientSecret"], username, client["ClientId"])
    details: dict[str, Any] = anon.forgot_password(**kwargs)["CodeDeliveryDetails"]
    return details


def confirm(
    anon: Any, client: dict[str, Any], username: str, code: str, password: str = NEW_PASSWORD
) -> None:
    anon.confirm_forgot_password(
        ClientId=client["ClientId"], Username=username, ConfirmationCode=code, Password=password
    )


def reset_code(server: LiveServer, pool_id: str, username: str) -> str:
    code: str = last_message(server, pool_id, username, "FORGOT_PASSWORD").code
    return code


def status(server: LiveServer, pool_id: str, username: str) -> str:
    user = server.svc.store.get_user(pool_id, username)
    assert user is not None
    return user.status


# ForgotPassword / ConfirmForgotPassword ----------------------------------------------------------
def test_forgot_password_sends_a_code_that_sets_a_new_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", AccountRecoverySetting=EMAIL_FIRST)
    username = make_user(idp, pool_id, email="ada@example.com")
    assert forgot(anon, client, username) == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    message = last_message(server, pool_id, username, "FORGOT_PASSWORD")
    assert (message.medium, message.destination) == ("EMAIL", "ada@example.com")
    assert message.subject == "Your verification code"
    assert message.body == f"Your password reset code is {message.code}"

    assert error(lambda: confirm(anon, client, username, wrong(message.code))) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
    assert error(lambda: confirm(anon, client, username, message.code, "weak")) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    confirm(anon, client, username, message.code)
    assert error(lambda: password_sign_in(anon, client, username, PASSWORD)) == WRONG
    signed_in(password_sign_in(anon, client, username, NEW_PASSWORD))
    assert error(lambda: confirm(anon, client, username, message.code, PASSWORD))[0] == (
        "ExpiredCodeException"  # used up
    )


def test_the_recovery_setting_chooses_the_channel(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    email_first, email_client = mfa_pool(
        idp, pool, app_client, "OFF", AccountRecoverySetting=EMAIL_FIRST
    )
    both = make_user(idp, email_first, email="ada@example.com", phone_number=PHONE)
    assert forgot(anon, email_client, both)["DeliveryMedium"] == "EMAIL"
    phone_only = make_user(idp, email_first, phone_number=PHONE)
    details = forgot(anon, email_client, phone_only)
    assert details == {
        "Destination": "+********0123",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    assert last_message(server, email_first, phone_only).medium == "SMS"
    # Unverified addresses do not count.
    unverified = make_user(
        idp, email_first, email="bob@example.com", phone_number=PHONE, verified=False
    )
    assert error(lambda: forgot(anon, email_client, unverified)) == NO_CHANNEL

    # Without the setting, Cognito's older rule: the phone first.
    legacy, legacy_client = mfa_pool(idp, pool, app_client, "OFF")
    user = make_user(idp, legacy, email="ada@example.com", phone_number=PHONE)
    assert forgot(anon, legacy_client, user)["DeliveryMedium"] == "SMS"

    admin_only = {"RecoveryMechanisms": [{"Priority": 1, "Name": "admin_only"}]}
    closed, closed_client = mfa_pool(
        idp, pool, app_client, "OFF", AccountRecoverySetting=admin_only
    )
    user = make_user(idp, closed, email="ada@example.com")
    assert error(lambda: forgot(anon, closed_client, user)) == WRONG_STATE


def test_forgot_password_for_users_who_cannot_reset(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    assert error(lambda: forgot(anon, client, new_name())) == (
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
    invited = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=invited,
        UserAttributes=[{"Name": "email", "Value": "x@example.com"}],
        MessageAction="SUPPRESS",
    )
    assert error(lambda: forgot(anon, client, invited)) == WRONG_STATE
    disabled = make_user(idp, pool_id, email="d@example.com")
    idp.admin_disable_user(UserPoolId=pool_id, Username=disabled)
    assert error(lambda: forgot(anon, client, disabled)) == (
        "NotAuthorizedException",
        "User is disabled.",
    )


def test_unknown_users_look_like_known_ones_when_the_client_says_so(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(
        idp, pool, app_client, "OFF", client={"PreventUserExistenceErrors": "ENABLED"}
    )
    details = forgot(anon, client, "nobody@example.com")
    assert details["DeliveryMedium"] == "EMAIL"
    assert details["Destination"] == "n***@e***"
    assert error(lambda: confirm(anon, client, "nobody@example.com", "123456"))[0] == (
        "CodeMismatchException"
    )


def test_the_reset_code_lasts_an_hour(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id, email="ada@example.com")
    forgot(anon, client, username)
    code = reset_code(server, pool_id, username)
    server.clock.advance(3601)
    assert error(lambda: confirm(anon, client, username, code)) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )


def test_reset_codes_are_limited_per_hour(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id, email="ada@example.com")
    for _ in range(5):
        forgot(anon, client, username)
    assert error(lambda: forgot(anon, client, username)) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )
    server.clock.advance(3600)
    forgot(anon, client, username)


def test_forgot_password_checks_the_secret_hash(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", client={"GenerateSecret": True})
    username = make_user(idp, pool_id, email="ada@example.com")
    assert error(lambda: anon.forgot_password(ClientId=client["ClientId"], Username=username))[
        0
    ] == ("NotAuthorizedException")
    assert forgot(anon, client, username)["DeliveryMedium"] == "EMAIL"


# ChangePassword ----------------------------------------------------------------------------------
def test_change_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id)
    tokens = signed_in(password_sign_in(anon, client, username))
    access = tokens["AccessToken"]

    def change(previous: str, proposed: str) -> None:
        anon.change_password(
            AccessToken=access, PreviousPassword=previous, ProposedPassword=proposed
        )

    assert error(lambda: change("Wr0ng-horse!", NEW_PASSWORD)) == WRONG
    assert error(lambda: change(PASSWORD, "weak")) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    change(PASSWORD, NEW_PASSWORD)
    assert error(lambda: password_sign_in(anon, client, username, PASSWORD)) == WRONG
    signed_in(password_sign_in(anon, client, username, NEW_PASSWORD))
    # As in Cognito, a password change does not sign the user out.
    assert anon.get_user(AccessToken=access)["Username"] == username
    anon.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )


def test_change_password_attempts_are_limited(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id)
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]

    def change(previous: str) -> None:
        anon.change_password(
            AccessToken=access, PreviousPassword=previous, ProposedPassword=NEW_PASSWORD
        )

    for _ in range(10):
        assert error(lambda: change("Wr0ng-horse!")) == WRONG
    assert error(lambda: change(PASSWORD)) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )
    server.clock.advance(15 * 60)
    change(PASSWORD)


# AdminSetUserPassword ----------------------------------------------------------------------------
def test_admin_set_user_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id)
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=NEW_PASSWORD, Permanent=True
    )
    assert status(server, pool_id, username) == "CONFIRMED"
    signed_in(password_sign_in(anon, client, username, NEW_PASSWORD))
    assert error(
        lambda: idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password="weak", Permanent=True
        )
    )[0] == ("InvalidPasswordException")
    assert error(
        lambda: idp.admin_set_user_password(
            UserPoolId=pool_id, Username=new_name(), Password=NEW_PASSWORD, Permanent=True
        )
    )[0] == ("UserNotFoundException")
    assert error(
        lambda: anon.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=NEW_PASSWORD, Permanent=True
        )
    )[0] != ("UserNotFoundException")  # refused unsigned, whatever the name


def test_a_permanent_password_confirms_an_unconfirmed_user(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = new_name()
    anon.sign_up(ClientId=client["ClientId"], Username=username, Password=PASSWORD)
    assert status(server, pool_id, username) == "UNCONFIRMED"
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=NEW_PASSWORD, Permanent=True
    )
    assert status(server, pool_id, username) == "CONFIRMED"
    signed_in(password_sign_in(anon, client, username, NEW_PASSWORD))


# AdminResetUserPassword --------------------------------------------------------------------------
def test_admin_reset_requires_a_reset_and_leaves_tokens_valid(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id, email="ada@example.com")
    tokens = signed_in(password_sign_in(anon, client, username))
    idp.admin_reset_user_password(UserPoolId=pool_id, Username=username)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == (
        "RESET_REQUIRED"
    )
    assert error(lambda: password_sign_in(anon, client, username)) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    # Cognito revokes no token on a reset (AdminUserGlobalSignOut does that).
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == username
    refreshed = anon.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]
    # The code it sent resets the password.
    confirm(anon, client, username, reset_code(server, pool_id, username))
    assert status(server, pool_id, username) == "CONFIRMED"
    signed_in(password_sign_in(anon, client, username, NEW_PASSWORD))


def test_admin_reset_errors(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF")
    no_channel = make_user(idp, pool_id, email="x@example.com", verified=False)
    assert (
        error(lambda: idp.admin_reset_user_password(UserPoolId=pool_id, Username=no_channel))
        == NO_CHANNEL
    )
    assert status(server, pool_id, no_channel) == "CONFIRMED"
    invited = new_name()
    idp.admin_create_user(UserPoolId=pool_id, Username=invited, MessageAction="SUPPRESS")
    assert (
        error(lambda: idp.admin_reset_user_password(UserPoolId=pool_id, Username=invited))
        == WRONG_STATE
    )
    assert error(lambda: idp.admin_reset_user_password(UserPoolId=pool_id, Username=new_name()))[
        0
    ] == ("UserNotFoundException")
