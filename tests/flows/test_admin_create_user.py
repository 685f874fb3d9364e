"""AdminCreateUser through boto3, on SQLite and PostgreSQL: the user in FORCE_CHANGE_PASSWORD
with a temporary password (given or generated to the policy), the invitation over the chosen
mediums with the pool's template, MessageAction SUPPRESS and RESEND, aliases, and errors."""

from __future__ import annotations

from typing import Any

import pytest
from tests.flows.challenge_support import (
    NEW_PASSWORD,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    attributes,
    error,
    mfa_pool,
    new_name,
    password_sign_in,
    respond,
    signed_in,
)
from tests.support.server import LiveServer

from authpool.domain import admin_users
from authpool.domain.passwords import SYMBOLS

TEMPORARY = "Temp0rary-pass!"
WRONG = ("NotAuthorizedException", "Incorrect username or password.")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def invitations(server: LiveServer, pool_id: str, username: str) -> list[Any]:
    return [
        m
        for m in server.outbox(pool_id=pool_id, username=username)
        if m.purpose == "ADMIN_CREATE_USER"
    ]


def test_a_created_user_is_invited_by_email_and_must_choose_a_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = new_name()
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attributes(email="ada@example.com", name="Ada"),
        DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    assert user["Username"] == username
    assert user["Enabled"] is True
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    attrs = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attrs.keys() == {"sub", "email", "name"}
    assert user["UserCreateDate"] == user["UserLastModifiedDate"]

    [invite] = invitations(server, pool_id, username)
    temporary = invite.code
    assert (invite.medium, invite.destination) == ("EMAIL", "ada@example.com")
    assert invite.subject == "Your temporary password"
    assert invite.body == f"Your username is {username} and temporary password is {temporary}. "
    challenge = password_sign_in(anon, client, username, temporary)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD))
    got = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert got["UserStatus"] == "CONFIRMED"


def test_a_generated_temporary_password_meets_the_policy(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    policy = {"PasswordPolicy": {"MinimumLength": 20}}
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF", Policies=policy)
    seen = set()
    for _ in range(3):
        username = new_name()
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=attributes(phone_number="+14155550123"),
        )
        [invite] = invitations(server, pool_id, username)
        assert invite.medium == "SMS"  # the default medium
        temporary = invite.code
        assert len(temporary) >= 20
        assert any(c.isupper() for c in temporary)
        assert any(c.islower() for c in temporary)
        assert any(c.isdigit() for c in temporary)
        assert any(c in SYMBOLS for c in temporary)
        seen.add(temporary)
    assert len(seen) == 3


def test_a_given_temporary_password_must_meet_the_policy(
    idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF")
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id, Username=new_name(), TemporaryPassword="short"
        )
    ) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )


def test_suppress_sends_nothing_and_resend_gives_a_new_temporary_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=TEMPORARY,
        UserAttributes=attributes(email="ada@example.com"),
        MessageAction="SUPPRESS",
    )
    assert invitations(server, pool_id, username) == []
    resent = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="RESEND",
        DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    assert resent["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    [invite] = invitations(server, pool_id, username)
    assert invite.code != TEMPORARY
    assert error(lambda: password_sign_in(anon, client, username, TEMPORARY)) == WRONG
    challenge = password_sign_in(anon, client, username, invite.code)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD))
    assert error(
        lambda: idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="RESEND")
    ) == (
        "UnsupportedUserStateException",
        f"Resend not possible. {username} status is not FORCE_CHANGE_PASSWORD.",
    )
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id, Username=new_name(), MessageAction="RESEND"
        )
    )[0] == ("UserNotFoundException")


def test_resend_restarts_the_validity_of_the_temporary_password(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    policy = {"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 1}}
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", Policies=policy)
    username = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS"
    )
    stored = server.svc.store.get_user(pool_id, username)
    assert stored is not None
    assert stored.temp_password_expires_at is not None
    server.clock.advance(3600)
    # An hour on, a signed call would be refused as signed too long ago: call the domain.
    admin_users.admin_create_user(
        server.svc,
        {
            "user_pool_id": pool_id,
            "username": username,
            "message_action": "RESEND",
            "temporary_password": PASSWORD,
        },
    )
    server.clock.advance(86_400 - 1800)  # past the first password's day, not the second's
    assert password_sign_in(anon, client, username, PASSWORD)["ChallengeName"] == (
        "NEW_PASSWORD_REQUIRED"
    )


def test_the_invitation_uses_the_pools_template(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    config = {
        "InviteMessageTemplate": {
            "SMSMessage": "Hi {username}, your code is {####}",
            "EmailMessage": "Welcome {username}! Password: {####}",
            "EmailSubject": "Welcome aboard",
        }
    }
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF", AdminCreateUserConfig=config)
    username = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attributes(email="ada@example.com", phone_number="+14155550123"),
        DesiredDeliveryMediums=["EMAIL", "SMS"],
    )
    email, sms = sorted(invitations(server, pool_id, username), key=lambda m: m.medium)
    assert email.subject == "Welcome aboard"
    assert email.body == f"Welcome {username}! Password: {email.code}"
    assert sms.body == f"Hi {username}, your code is {sms.code}"
    assert sms.subject is None


def test_an_invitation_that_cannot_carry_the_password_is_not_sent(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    config = {"InviteMessageTemplate": {"EmailMessage": "Welcome {username}!"}}
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF", AdminCreateUserConfig=config)
    username = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attributes(email="ada@example.com"),
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert invitations(server, pool_id, username) == []


def test_delivery_mediums(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF")
    email_only = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id, Username=email_only, UserAttributes=attributes(email="e@example.com")
    )
    assert [m.medium for m in invitations(server, pool_id, email_only)] == ["EMAIL"]
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id,
            Username=new_name(),
            UserAttributes=attributes(phone_number="+14155550123"),
            DesiredDeliveryMediums=["EMAIL"],
        )
    ) == ("InvalidParameterException", "No email provided but desired delivery medium was Email")
    nothing = new_name()
    idp.admin_create_user(UserPoolId=pool_id, Username=nothing)
    assert invitations(server, pool_id, nothing) == []


def test_username_taken_and_bad_attributes(
    idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF")
    username = new_name()
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS"
        )
    ) == ("UsernameExistsException", "User account already exists")
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id,
            Username=new_name(),
            UserAttributes=attributes(email_verified="true"),
            MessageAction="SUPPRESS",
        )
    )[0] == ("InvalidParameterException")
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id,
            Username=new_name(),
            UserAttributes=attributes(email="not-an-address"),
            MessageAction="SUPPRESS",
        )
    ) == ("InvalidParameterException", "Invalid email address format.")
    assert error(
        lambda: idp.admin_create_user(UserPoolId="us-east-1_NoSuchPool", Username=new_name())
    )[0] == ("ResourceNotFoundException")


def test_in_an_email_pool_the_name_is_the_address_and_the_username_the_sub(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", UsernameAttributes=["email"])
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="ada@example.com",
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
    )["User"]
    attrs = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert user["Username"] == attrs["sub"]
    assert attrs["email"] == "ada@example.com"
    challenge = password_sign_in(anon, client, "ada@example.com", TEMPORARY)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == attrs["sub"]
    signed_in(respond(anon, client, challenge, "ada@example.com", NEW_PASSWORD=NEW_PASSWORD))
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id, Username="ada@example.com", MessageAction="SUPPRESS"
        )
    ) == ("UsernameExistsException", "An account with the given email already exists.")
    assert error(
        lambda: idp.admin_create_user(UserPoolId=pool_id, Username="ada", MessageAction="SUPPRESS")
    ) == ("InvalidParameterException", "Username should be either an email.")


def test_a_verified_alias_is_unique_unless_forced(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", AliasAttributes=["email"])
    verified = attributes(email="ada@example.com", email_verified="true")
    first, second = new_name(), new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=first,
        UserAttributes=verified,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
    )
    challenge = password_sign_in(anon, client, "ada@example.com", TEMPORARY)
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == first
    assert error(
        lambda: idp.admin_create_user(
            UserPoolId=pool_id, Username=second, UserAttributes=verified, MessageAction="SUPPRESS"
        )
    ) == ("AliasExistsException", "An account with the given email already exists.")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=second,
        UserAttributes=verified,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
        ForceAliasCreation=True,
    )
    challenge = password_sign_in(anon, client, "ada@example.com", TEMPORARY)
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == second
    old = {
        a["Name"]: a["Value"]
        for a in idp.admin_get_user(UserPoolId=pool_id, Username=first)["UserAttributes"]
    }
    assert old["email_verified"] == "false"


def test_admin_create_user_needs_a_signature(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, idp: Any
) -> None:
    pool_id, _ = mfa_pool(idp, pool, app_client, "OFF")
    response = server.call(
        "AdminCreateUser", {"UserPoolId": pool_id, "Username": new_name()}, signed=False
    )
    assert response.status_code >= 400
    assert response.json()["__type"] != "UsernameExistsException"
