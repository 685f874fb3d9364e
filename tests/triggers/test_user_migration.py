"""UserMigration's answer applied as Cognito applies it: the legacy password kept whatever
the pool's policy, enableSMSMFA needing a phone number, forceAliasCreation, and
messageAction / desiredDeliveryMediums checked as AdminCreateUser checks them."""

from __future__ import annotations

from typing import Any

from tests.support.server import LiveServer
from tests.triggers.conftest import HANDLER
from tests.triggers.handlers import Script
from tests.triggers.support import Env, error, new_name

LEGACY_PASSWORD = "hunter2"  # far below the pools' policy, as old directories allowed


def migrate(**response: Any) -> Any:
    """A handler that knows every user, with LEGACY_PASSWORD, and answers ``response``."""

    def behave(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["request"].get("password", LEGACY_PASSWORD) != LEGACY_PASSWORD:
            raise RuntimeError("Bad password")
        event["response"].update(response)
        return event

    return behave


def legacy_env(server: LiveServer, **pool: Any) -> Env:
    return Env.make(
        server,
        LambdaConfig={"UserMigration": HANDLER},
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        **pool,
    )


def test_the_legacy_password_is_kept_whatever_the_policy(
    tserver: LiveServer, script: Script
) -> None:
    env = legacy_env(tserver)
    name = new_name("legacy")
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(userAttributes={"email": f"{name}@example.com"}, messageAction="SUPPRESS"),
    )
    assert "AuthenticationResult" in env.password_sign_in(name, password=LEGACY_PASSWORD)
    assert env.user(name)["UserStatus"] == "CONFIRMED"
    env.password_sign_in(name, password=LEGACY_PASSWORD)  # now a user of the pool
    assert len(script.events(env.pool_id, "UserMigration")) == 1


def test_sms_mfa_needs_a_phone_number(tserver: LiveServer, script: Script) -> None:
    env = legacy_env(tserver)
    name = new_name("legacy")
    email = {"email": f"{name}@example.com"}
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(userAttributes=email, enableSMSMFA=True, messageAction="SUPPRESS"),
    )
    code, _ = error(lambda: env.password_sign_in(name, password=LEGACY_PASSWORD))
    assert code == "InvalidLambdaResponseException"
    assert not env.exists(name)
    phone = {**email, "phone_number": "+14155550111"}
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(userAttributes=phone, enableSMSMFA=True, messageAction="SUPPRESS"),
    )
    env.password_sign_in(name, password=LEGACY_PASSWORD)
    assert env.user(name)["PreferredMfaSetting"] == "SMS_MFA"


def test_delivery_mediums_need_their_attribute_unless_suppressed(
    tserver: LiveServer, script: Script
) -> None:
    env = legacy_env(tserver)
    name = new_name("legacy")
    phone_only = {"phone_number": "+14155550112"}
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(userAttributes=phone_only, desiredDeliveryMediums=["EMAIL"]),
    )
    assert error(lambda: env.password_sign_in(name, password=LEGACY_PASSWORD)) == (
        "InvalidParameterException",
        "No email provided but desired delivery medium was Email",
    )
    assert not env.exists(name)
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(
            userAttributes=phone_only, desiredDeliveryMediums=["EMAIL"], messageAction="SUPPRESS"
        ),
    )
    env.password_sign_in(name, password=LEGACY_PASSWORD)
    assert env.exists(name)
    other = new_name("legacy")  # by default: SMS to a phone number, else e-mail, else nothing
    script.on(env.pool_id, "UserMigration", migrate(userAttributes={"name": "No Contact"}))
    env.password_sign_in(other, password=LEGACY_PASSWORD)
    assert env.exists(other)


def test_answers_that_are_not_message_settings(tserver: LiveServer, script: Script) -> None:
    env = legacy_env(tserver)
    name = new_name("legacy")
    attrs = {"email": f"{name}@example.com"}
    for bad in (
        {"messageAction": "SHOUT"},
        {"desiredDeliveryMediums": ["PIGEON"]},
        {"desiredDeliveryMediums": "EMAIL"},
    ):
        script.on(env.pool_id, "UserMigration", migrate(userAttributes=attrs, **bad))
        assert error(lambda: env.password_sign_in(name, password=LEGACY_PASSWORD)) == (
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output",
        ), bad
    assert not env.exists(name)


def test_force_alias_creation_takes_the_alias_over(tserver: LiveServer, script: Script) -> None:
    env = legacy_env(tserver, AliasAttributes=["email"])
    holder = new_name("holder")
    shared = f"{holder}@example.com"
    env.idp.admin_create_user(
        UserPoolId=env.pool_id,
        Username=holder,
        UserAttributes=[
            {"Name": "email", "Value": shared},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    name = new_name("legacy")
    attrs = {"email": shared, "email_verified": "true"}
    script.on(env.pool_id, "UserMigration", migrate(userAttributes=attrs, messageAction="SUPPRESS"))
    code, _ = error(lambda: env.password_sign_in(name, password=LEGACY_PASSWORD))
    assert code == "AliasExistsException"
    assert not env.exists(name)
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(userAttributes=attrs, messageAction="SUPPRESS", forceAliasCreation=True),
    )
    env.password_sign_in(name, password=LEGACY_PASSWORD)
    assert env.attributes(name)["email"] == shared
    assert env.attributes(holder)["email_verified"] == "false"
