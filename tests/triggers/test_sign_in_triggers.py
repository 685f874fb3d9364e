"""PreAuthentication, PostAuthentication, PreTokenGeneration (V1_0 and V2_0), UserMigration and
the custom sender triggers through boto3 against a live server, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP
from tests.support.server import LiveServer
from tests.triggers.conftest import HANDLER, MAPPED, arn
from tests.triggers.handlers import Script
from tests.triggers.support import PASSWORD, Env, check_common, claims, error, new_name

# pycognito stamps its proof with datetime.utcnow(), deprecated from Python 3.12 on.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

AUTH = {"PreAuthentication": HANDLER, "PostAuthentication": MAPPED, "PreTokenGeneration": HANDLER}


def answer(**response: Any) -> Any:
    def behave(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["response"].update(response)
        return event

    return behave


def refuse(message: str) -> Any:
    def behave(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError(message)

    return behave


def seen(env: Env, sub: str, name: str) -> dict[str, str]:
    """The attributes triggers see of the test's user (as stored, with its status)."""
    attributes = env.seen_attributes(name)
    assert attributes["sub"] == sub
    assert attributes["email"] == f"{name}@example.com"
    assert attributes["cognito:user_status"] == "CONFIRMED"
    return attributes


def srp_sign_in(env: Env, name: str, **respond: Any) -> dict[str, Any]:
    aws = AWSSRP(
        username=name,
        password=PASSWORD,
        pool_id=env.pool_id,
        client_id=env.client_id,
        client=env.anon,
    )
    params = aws.get_auth_params()
    challenge = env.anon.initiate_auth(
        ClientId=env.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=params,
        ClientMetadata={"at": "initiate"},
    )
    result: dict[str, Any] = env.anon.respond_to_auth_challenge(
        ClientId=env.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=aws.process_challenge(challenge["ChallengeParameters"], params),
        **respond,
    )
    return result


# Pre- and PostAuthentication ---------------------------------------------------------------------
def test_password_sign_in_runs_pre_auth_post_auth_and_token_generation(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig=AUTH)
    name = new_name()
    sub = env.confirmed_user(name)
    env.password_sign_in(name, ClientMetadata={"device": "kiosk"})
    assert script.triggers(env.pool_id) == [
        "PreAuthentication",
        "PostAuthentication",
        "PreTokenGeneration",
    ]
    pre, post = script.events(env.pool_id, "PreAuthentication") + script.events(
        env.pool_id, "PostAuthentication"
    )
    check_common(
        pre,
        source="PreAuthentication_Authentication",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert pre["request"] == {
        "userAttributes": seen(env, sub, name),
        "validationData": {"device": "kiosk"},
    }
    assert pre["response"] == {}
    check_common(
        post,
        source="PostAuthentication_Authentication",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    # Cognito leaves InitiateAuth's ClientMetadata out of PostAuthentication.
    assert post["request"] == {"userAttributes": seen(env, sub, name), "newDeviceUsed": False}
    assert post["response"] == {}


def test_srp_sign_in_runs_pre_auth_at_initiate_and_post_auth_at_the_proof(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig=AUTH)
    name = new_name()
    sub = env.confirmed_user(name)
    srp_sign_in(env, name, ClientMetadata={"at": "respond"})
    [pre] = script.events(env.pool_id, "PreAuthentication")
    assert pre["request"]["validationData"] == {"at": "initiate"}
    [post] = script.events(env.pool_id, "PostAuthentication")
    assert post["request"] == {
        "userAttributes": seen(env, sub, name),
        "newDeviceUsed": False,
        "clientMetadata": {"at": "respond"},
    }
    [tokens] = script.events(env.pool_id, "PreTokenGeneration")
    assert tokens["request"]["clientMetadata"] == {"at": "respond"}


def test_pre_authentication_refuses_before_the_password_is_checked(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig=AUTH)
    name = new_name()
    env.confirmed_user(name)
    script.on(env.pool_id, "PreAuthentication", refuse("account locked by policy"))
    for password in (PASSWORD, "Wrong-passw0rd!"):
        assert error(lambda p=password: env.password_sign_in(name, password=p)) == (
            "UserLambdaValidationException",
            "PreAuthentication failed with error account locked by policy.",
        )
    assert script.triggers(env.pool_id) == ["PreAuthentication", "PreAuthentication"]


def test_pre_authentication_for_an_unknown_user_only_when_existence_is_hidden(
    tserver: LiveServer, script: Script
) -> None:
    hidden = Env.make(tserver, client={"PreventUserExistenceErrors": "ENABLED"}, LambdaConfig=AUTH)
    ghost = new_name("ghost")
    code, _ = error(lambda: hidden.password_sign_in(ghost))
    assert code == "NotAuthorizedException"
    [event] = script.events(hidden.pool_id, "PreAuthentication")
    check_common(
        event,
        source="PreAuthentication_Authentication",
        pool_id=hidden.pool_id,
        user_name=ghost,
        client_id=hidden.client_id,
    )
    assert event["request"] == {"userAttributes": {}, "userNotFound": True}
    name = new_name()
    hidden.confirmed_user(name)
    hidden.password_sign_in(name)
    assert (
        script.events(hidden.pool_id, "PreAuthentication")[-1]["request"]["userNotFound"] is False
    )
    legacy = Env.make(tserver, client={"PreventUserExistenceErrors": "LEGACY"}, LambdaConfig=AUTH)
    assert error(lambda: legacy.password_sign_in(ghost))[0] == "UserNotFoundException"
    assert script.events(legacy.pool_id) == []


def test_a_refusing_post_authentication_ends_the_sign_in_without_tokens(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig=AUTH)
    name = new_name()
    env.confirmed_user(name)
    script.on(env.pool_id, "PostAuthentication", refuse("audit log unavailable"))
    assert error(lambda: env.password_sign_in(name)) == (
        "UserLambdaValidationException",
        "PostAuthentication failed with error audit log unavailable.",
    )
    assert "PreTokenGeneration" not in script.triggers(env.pool_id)


# PreTokenGeneration ------------------------------------------------------------------------------
def test_pre_token_generation_v1_changes_the_id_token(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"PreTokenGeneration": HANDLER})
    name = new_name()
    sub = env.confirmed_user(name, given_name="Ada")
    details = {
        "claimsToAddOrOverride": {
            "tier": "gold",
            "given_name": "Ada L.",
            "sub": "forged",
            "iss": "https://evil.example",
        },
        "claimsToSuppress": ["email", "token_use"],
        "groupOverrideDetails": {
            "groupsToOverride": ["admins", "staff"],
            "iamRolesToOverride": ["arn:aws:iam::123456789012:role/admin"],
            "preferredRole": "arn:aws:iam::123456789012:role/admin",
        },
    }
    script.on(env.pool_id, "PreTokenGeneration", answer(claimsOverrideDetails=details))
    result = env.password_sign_in(name)["AuthenticationResult"]
    [event] = script.events(env.pool_id, "PreTokenGeneration")
    check_common(
        event,
        source="TokenGeneration_Authentication",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"] == {
        "userAttributes": seen(env, sub, name),
        "groupConfiguration": {
            "groupsToOverride": [],
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
    }
    assert event["response"] == {"claimsOverrideDetails": None}
    id_token, access = claims(result["IdToken"]), claims(result["AccessToken"])
    assert id_token["tier"] == "gold"
    assert id_token["given_name"] == "Ada L."
    assert "email" not in id_token
    assert (id_token["sub"], id_token["token_use"]) == (sub, "id")  # reserved: unchanged
    assert id_token["iss"] == f"{tserver.url}/{env.pool_id}"
    assert id_token["cognito:groups"] == ["admins", "staff"]
    assert id_token["cognito:roles"] == ["arn:aws:iam::123456789012:role/admin"]
    assert id_token["cognito:preferred_role"] == "arn:aws:iam::123456789012:role/admin"
    assert access["cognito:groups"] == ["admins", "staff"]
    assert "tier" not in access  # V1_0 customises the ID token only
    assert env.anon.get_user(AccessToken=result["AccessToken"])["Username"] == name


def test_pre_token_generation_sees_the_users_groups(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"PreTokenGeneration": HANDLER})
    name = new_name()
    env.confirmed_user(name)
    env.idp.create_group(
        UserPoolId=env.pool_id, GroupName="readers", RoleArn="arn:aws:iam::123456789012:role/reader"
    )
    env.idp.admin_add_user_to_group(UserPoolId=env.pool_id, Username=name, GroupName="readers")
    script.on(
        env.pool_id,
        "PreTokenGeneration",
        answer(claimsOverrideDetails={"groupOverrideDetails": {"groupsToOverride": []}}),
    )
    result = env.password_sign_in(name)["AuthenticationResult"]
    [event] = script.events(env.pool_id, "PreTokenGeneration")
    groups = event["request"]["groupConfiguration"]
    assert groups["groupsToOverride"] == ["readers"]
    assert groups["iamRolesToOverride"] == ["arn:aws:iam::123456789012:role/reader"]
    assert "cognito:groups" not in claims(result["IdToken"])  # overridden to none
    assert "cognito:groups" not in claims(result["AccessToken"])


def test_pre_token_generation_v2_changes_both_tokens_and_the_scopes(
    tserver: LiveServer, script: Script
) -> None:
    config = {"LambdaArn": MAPPED, "LambdaVersion": "V2_0"}
    env = Env.make(tserver, LambdaConfig={"PreTokenGenerationConfig": config})
    lambda_config = env.idp.describe_user_pool(UserPoolId=env.pool_id)["UserPool"]["LambdaConfig"]
    assert lambda_config == {"PreTokenGenerationConfig": config, "PreTokenGeneration": MAPPED}
    name = new_name()
    env.confirmed_user(name)
    details = {
        "idTokenGeneration": {
            "claimsToAddOrOverride": {"plan": {"name": "pro", "seats": 5}, "beta": True},
            "claimsToSuppress": ["email"],
        },
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "acme", "client_id": "forged"},
            "claimsToSuppress": ["username"],
            "scopesToAdd": ["orders/read", "orders/write"],
            "scopesToSuppress": ["aws.cognito.signin.user.admin"],
        },
    }
    script.on(env.pool_id, "PreTokenGeneration", answer(claimsAndScopeOverrideDetails=details))
    result = env.password_sign_in(name)["AuthenticationResult"]
    [event] = script.events(env.pool_id, "PreTokenGeneration")
    check_common(
        event,
        source="TokenGeneration_Authentication",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
        version="2",
    )
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}
    id_token, access = claims(result["IdToken"]), claims(result["AccessToken"])
    assert id_token["plan"] == {"name": "pro", "seats": 5}
    assert id_token["beta"] is True
    assert "email" not in id_token
    assert access["tenant"] == "acme"
    assert access["client_id"] == env.client_id  # reserved
    assert access["username"] == name  # reserved: cannot be suppressed
    assert access["scope"] == "orders/read orders/write"


def test_refreshed_tokens_run_token_generation_again(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"PreTokenGeneration": HANDLER})
    name = new_name()
    env.confirmed_user(name)
    script.on(
        env.pool_id,
        "PreTokenGeneration",
        answer(claimsOverrideDetails={"claimsToAddOrOverride": {"fresh": "yes"}}),
    )
    refresh = env.password_sign_in(name)["AuthenticationResult"]["RefreshToken"]
    renewed = env.anon.get_tokens_from_refresh_token(
        ClientId=env.client_id, RefreshToken=refresh, ClientMetadata={"why": "refresh"}
    )["AuthenticationResult"]
    assert claims(renewed["IdToken"])["fresh"] == "yes"
    first, again = script.events(env.pool_id, "PreTokenGeneration")
    assert first["triggerSource"] == "TokenGeneration_Authentication"
    assert again["triggerSource"] == "TokenGeneration_RefreshTokens"
    assert again["request"]["clientMetadata"] == {"why": "refresh"}


def test_a_v1_claim_that_is_not_text_is_an_unrecognizable_answer(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig={"PreTokenGeneration": HANDLER})
    name = new_name()
    env.confirmed_user(name)
    script.on(
        env.pool_id,
        "PreTokenGeneration",
        answer(claimsOverrideDetails={"claimsToAddOrOverride": {"plan": {"a": 1}}}),
    )
    assert error(lambda: env.password_sign_in(name)) == (
        "InvalidLambdaResponseException",
        "Unrecognizable lambda output",
    )


# UserMigration -----------------------------------------------------------------------------------
def migrate(status: str | None = "CONFIRMED", **attributes: str) -> Any:
    def behave(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["triggerSource"] == "UserMigration_Authentication":
            if event["request"]["password"] != PASSWORD:
                raise RuntimeError("Bad password")
            event["response"]["finalUserStatus"] = status
        event["response"]["userAttributes"] = dict(attributes)
        event["response"]["messageAction"] = "SUPPRESS"
        return event

    return behave


def test_user_migration_at_sign_in(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"UserMigration": HANDLER, "PostAuthentication": HANDLER})
    name = new_name("legacy")
    email = f"{name}@example.com"
    script.on(
        env.pool_id,
        "UserMigration",
        migrate(email=email, email_verified="true", name="Legacy User"),
    )
    assert error(lambda: env.password_sign_in(name, password="Wrong-passw0rd!"))[0] == (
        "UserNotFoundException"
    )
    assert not env.exists(name)
    tokens = env.password_sign_in(name, ClientMetadata={"from": "old-app"})["AuthenticationResult"]
    first, event = script.events(env.pool_id, "UserMigration")
    check_common(
        event,
        source="UserMigration_Authentication",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"] == {"password": PASSWORD, "validationData": {"from": "old-app"}}
    assert event["response"] == dict.fromkeys(
        [
            "userAttributes",
            "forceAliasCreation",
            "enableSMSMFA",
            "finalUserStatus",
            "messageAction",
            "desiredDeliveryMediums",
        ]
    )
    assert first["request"]["password"] == "Wrong-passw0rd!"
    user = env.user(name)
    assert user["UserStatus"] == "CONFIRMED"
    assert env.attributes(name) == {
        "sub": claims(tokens["IdToken"])["sub"],
        "email": email,
        "email_verified": "true",
        "name": "Legacy User",
    }
    assert claims(tokens["IdToken"])["email"] == email
    env.password_sign_in(name)  # migrated once: the trigger is not asked again
    assert len(script.events(env.pool_id, "UserMigration")) == 2
    assert len(script.events(env.pool_id, "PostAuthentication")) == 2


def test_migrated_user_must_reset_the_password(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"UserMigration": HANDLER})
    name = new_name("legacy")
    script.on(
        env.pool_id,
        "UserMigration",
        migrate("RESET_REQUIRED", email=f"{name}@example.com", email_verified="true"),
    )
    assert error(lambda: env.password_sign_in(name)) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    assert env.user(name)["UserStatus"] == "RESET_REQUIRED"


def test_srp_sign_in_does_not_migrate(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"UserMigration": HANDLER})
    script.on(env.pool_id, "UserMigration", migrate(email="x@example.com"))
    name = new_name("legacy")
    assert error(lambda: srp_sign_in(env, name))[0] == "UserNotFoundException"
    assert script.events(env.pool_id) == []


def test_user_migration_at_forgot_password(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"UserMigration": HANDLER, "PostConfirmation": HANDLER})
    name = new_name("legacy")
    email = f"{name}@example.com"
    script.on(env.pool_id, "UserMigration", migrate(email=email, email_verified="true"))
    delivery = env.anon.forgot_password(
        ClientId=env.client_id, Username=name, ClientMetadata={"flow": "reset"}
    )
    assert delivery["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    [event] = script.events(env.pool_id, "UserMigration")
    check_common(
        event,
        source="UserMigration_ForgotPassword",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"] == {"clientMetadata": {"flow": "reset"}}
    assert env.user(name)["UserStatus"] == "RESET_REQUIRED"
    [message] = env.outbox(name)
    env.anon.confirm_forgot_password(
        ClientId=env.client_id, Username=name, ConfirmationCode=message.code, Password=PASSWORD
    )
    assert [e["triggerSource"] for e in script.events(env.pool_id, "PostConfirmation")] == [
        "PostConfirmation_ConfirmForgotPassword"
    ]
    env.password_sign_in(name)


def test_a_legacy_directory_that_does_not_know_the_user(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(
        tserver,
        client={"PreventUserExistenceErrors": "ENABLED"},
        LambdaConfig={"UserMigration": HANDLER},
    )
    script.on(env.pool_id, "UserMigration", refuse("no such user"))
    name = new_name()
    assert error(lambda: env.password_sign_in(name)) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    script.on(env.pool_id, "UserMigration", answer())  # an answer without attributes
    assert error(lambda: env.password_sign_in(name))[0] == "NotAuthorizedException"
    assert not env.exists(name)


# custom senders -----------------------------------------------------------------------------------
def test_custom_email_sender_takes_the_code_instead_of_the_outbox(
    tserver: LiveServer, script: Script
) -> None:
    sender = {"LambdaArn": HANDLER, "LambdaVersion": "V1_0"}
    env = Env.make(
        tserver,
        AutoVerifiedAttributes=["email"],
        LambdaConfig={
            "CustomEmailSender": sender,
            "CustomMessage": HANDLER,
            "KMSKeyID": arn("x").replace("lambda", "kms"),
        },
    )
    name = new_name()
    sub = env.sign_up(
        name,
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        ClientMetadata={"brand": "acme"},
    )["UserSub"]
    assert env.outbox() == []
    assert script.triggers(env.pool_id) == ["CustomEmailSender"]  # no CustomMessage either
    [event] = script.events(env.pool_id, "CustomEmailSender")
    check_common(
        event,
        source="CustomEmailSender_SignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    code = event["request"]["code"]
    assert event["request"] == {
        "type": "customEmailSenderRequestV1",
        "code": code,
        "clientMetadata": {"brand": "acme"},
        "userAttributes": env.seen_attributes(name),
    }
    assert event["request"]["userAttributes"]["sub"] == sub
    assert len(code) == 6
    assert code.isdigit()
    env.anon.confirm_sign_up(ClientId=env.client_id, Username=name, ConfirmationCode=code)
    assert env.user(name)["UserStatus"] == "CONFIRMED"


def test_custom_sms_sender_and_a_failing_sender(tserver: LiveServer, script: Script) -> None:
    sender = {"LambdaArn": MAPPED, "LambdaVersion": "V1_0"}
    env = Env.make(
        tserver, AutoVerifiedAttributes=["phone_number"], LambdaConfig={"CustomSMSSender": sender}
    )
    name = new_name()
    phone = [{"Name": "phone_number", "Value": "+14155550199"}]
    env.sign_up(name, UserAttributes=phone)
    [event] = script.events(env.pool_id, "CustomSMSSender")
    assert event["triggerSource"] == "CustomSMSSender_SignUp"
    assert event["request"]["type"] == "customSMSSenderRequestV1"
    # Cognito invokes senders asynchronously: a failing one does not fail the request.
    script.on(env.pool_id, "CustomSMSSender", refuse("gateway down"))
    resent = env.anon.resend_confirmation_code(ClientId=env.client_id, Username=name)
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    assert script.events(env.pool_id)[-1]["triggerSource"] == "CustomSMSSender_ResendCode"
    assert env.outbox() == []


def test_sms_mfa_code_message_and_triggers_after_the_challenge(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig={"CustomMessage": HANDLER, **AUTH})
    env.idp.set_user_pool_mfa_config(
        UserPoolId=env.pool_id,
        MfaConfiguration="ON",
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": "Sign-in code {####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"},
        },
    )
    name = new_name()
    env.idp.admin_create_user(
        UserPoolId=env.pool_id,
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "phone_number", "Value": "+14155550142"},
            {"Name": "phone_number_verified", "Value": "true"},
        ],
    )
    env.idp.admin_set_user_password(
        UserPoolId=env.pool_id, Username=name, Password=PASSWORD, Permanent=True
    )
    script.on(env.pool_id, "CustomMessage", answer(smsMessage="MFA {####} for you"))
    challenge = env.password_sign_in(name, ClientMetadata={"at": "initiate"})
    assert challenge["ChallengeName"] == "SMS_MFA"
    [event] = script.events(env.pool_id, "CustomMessage")
    assert "clientMetadata" not in event["request"]  # not InitiateAuth's, as on Cognito
    check_common(
        event,
        source="CustomMessage_Authentication",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    [message] = env.outbox(name)
    assert message.body == f"MFA {message.code} for you"
    assert "PostAuthentication" not in script.triggers(env.pool_id)  # not signed in yet
    env.anon.respond_to_auth_challenge(
        ClientId=env.client_id,
        ChallengeName="SMS_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": name, "SMS_MFA_CODE": message.code},
        ClientMetadata={"step": "mfa"},
    )
    [post] = script.events(env.pool_id, "PostAuthentication")
    assert post["request"]["clientMetadata"] == {"step": "mfa"}
    [tokens] = script.events(env.pool_id, "PreTokenGeneration")
    assert tokens["triggerSource"] == "TokenGeneration_Authentication"
    assert tokens["request"]["clientMetadata"] == {"step": "mfa"}


def test_tokens_after_a_new_password_are_made_for_that_challenge(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig={"PreTokenGeneration": HANDLER})
    name = new_name()
    env.idp.admin_create_user(
        UserPoolId=env.pool_id,
        Username=name,
        MessageAction="SUPPRESS",
        TemporaryPassword="Temp-passw0rd!",
    )
    challenge = env.password_sign_in(name, password="Temp-passw0rd!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    env.anon.respond_to_auth_challenge(
        ClientId=env.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": PASSWORD},
    )
    [event] = script.events(env.pool_id, "PreTokenGeneration")
    assert event["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
