"""PreSignUp, PostConfirmation and CustomMessage through boto3 against a live server, on SQLite
and PostgreSQL: each fires at its moment with Cognito's event (compared field by field) and
its answer is applied; a refusal leaves no user behind."""

from __future__ import annotations

from typing import Any

from tests.support.server import LiveServer
from tests.triggers.conftest import HANDLER, MAPPED
from tests.triggers.handlers import Script
from tests.triggers.support import NO_CLIENT, Env, check_common, error, new_name

from authpool.domain.hooks.invoke import TRIGGERS

ALL_SIGN_UP = {"PreSignUp": MAPPED, "PostConfirmation": HANDLER, "CustomMessage": HANDLER}


def attrs(**values: str) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in values.items()]


def answer(**response: Any) -> Any:
    def behave(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["response"].update(response)
        return event

    return behave


def refuse(message: str) -> Any:
    def behave(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError(message)

    return behave


# PreSignUp -------------------------------------------------------------------------------------
def test_pre_sign_up_gets_the_new_user_before_it_is_stored(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    name = new_name()
    seen: list[bool] = []
    script.on(env.pool_id, "PreSignUp", lambda e, c: seen.append(env.exists(name)) or e)
    result = env.sign_up(
        name,
        UserAttributes=attrs(email=f"{name}@example.com", given_name="Zoë"),
        ValidationData=attrs(captcha="ok"),
        ClientMetadata={"campaign": "spring"},
    )
    assert seen == [False]  # the user did not exist yet when the trigger ran
    [event] = script.events(env.pool_id, "PreSignUp")
    check_common(
        event,
        source="PreSignUp_SignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"] == {
        "userAttributes": {"email": f"{name}@example.com", "given_name": "Zoë"},
        "validationData": {"captcha": "ok"},
        "clientMetadata": {"campaign": "spring"},
    }
    assert event["response"] == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }
    assert result["UserConfirmed"] is False
    assert env.user(name)["UserStatus"] == "UNCONFIRMED"
    assert len(env.outbox(name)) == 1


def test_pre_sign_up_without_validation_data_or_metadata(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig={"PreSignUp": HANDLER})
    name = new_name()
    env.sign_up(name, UserAttributes=attrs(email=f"{name}@example.com"))
    [event] = script.events(env.pool_id, "PreSignUp")
    assert event["request"] == {
        "userAttributes": {"email": f"{name}@example.com"},
        "validationData": None,
    }


def test_auto_confirm_and_verify_skip_the_code_and_run_post_confirmation(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    script.on(
        env.pool_id,
        "PreSignUp",
        answer(autoConfirmUser=True, autoVerifyEmail=True, autoVerifyPhone=True),
    )
    name = new_name()
    phone = "+14155550123"
    result = env.sign_up(
        name,
        UserAttributes=attrs(email=f"{name}@example.com", phone_number=phone),
        ClientMetadata={"k": "v"},
    )
    assert result["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in result
    assert env.outbox(name) == []
    assert script.triggers(env.pool_id) == ["PreSignUp", "PostConfirmation"]
    user = env.user(name)
    assert user["UserStatus"] == "CONFIRMED"
    got = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert got["email_verified"] == "true"
    assert got["phone_number_verified"] == "true"
    [confirmed] = script.events(env.pool_id, "PostConfirmation")
    check_common(
        confirmed,
        source="PostConfirmation_ConfirmSignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert confirmed["request"] == {
        "userAttributes": env.seen_attributes(name),
        "clientMetadata": {"k": "v"},
    }
    assert confirmed["request"]["userAttributes"]["sub"] == result["UserSub"]
    assert confirmed["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert confirmed["response"] == {}
    env.password_sign_in(name)  # confirmed: signs in at once


def test_auto_verify_without_the_attribute_is_refused(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"PreSignUp": HANDLER})
    script.on(env.pool_id, "PreSignUp", answer(autoConfirmUser=True, autoVerifyPhone=True))
    name = new_name()
    code, message = error(lambda: env.sign_up(name, UserAttributes=attrs(email="a@example.com")))
    assert code == "InvalidParameterException"
    assert "phone_number" in message
    assert not env.exists(name)


def test_auto_verified_alias_moves_to_the_new_user(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, AliasAttributes=["email"], LambdaConfig={"PreSignUp": HANDLER})
    first, second = new_name(), new_name()
    email = f"{first}@example.com"
    env.confirmed_user(first, email=email)
    env.idp.admin_update_user_attributes(
        UserPoolId=env.pool_id, Username=first, UserAttributes=attrs(email_verified="true")
    )
    script.on(env.pool_id, "PreSignUp", answer(autoConfirmUser=True, autoVerifyEmail=True))
    env.sign_up(second, UserAttributes=attrs(email=email))
    assert env.attributes(first)["email_verified"] == "false"
    assert env.attributes(second)["email_verified"] == "true"
    tokens = env.password_sign_in(email)["AuthenticationResult"]  # the alias is the new user's
    assert env.anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == second


def test_a_refusing_pre_sign_up_leaves_no_user(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    script.on(env.pool_id, "PreSignUp", refuse("Registration from this domain is not allowed."))
    name = new_name()
    code, message = error(
        lambda: env.sign_up(name, UserAttributes=attrs(email=f"{name}@example.com"))
    )
    assert code == "UserLambdaValidationException"
    assert message == "PreSignUp failed with error Registration from this domain is not allowed.."
    assert not env.exists(name)
    assert env.outbox() == []
    assert script.triggers(env.pool_id) == ["PreSignUp"]


def test_admin_create_user_runs_pre_sign_up_but_ignores_its_flags(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig=ALL_SIGN_UP)
    script.on(env.pool_id, "PreSignUp", answer(autoConfirmUser=True, autoVerifyEmail=True))
    name = new_name()
    env.idp.admin_create_user(
        UserPoolId=env.pool_id,
        Username=name,
        UserAttributes=attrs(email=f"{name}@example.com"),
        ValidationData=attrs(source="import"),
        ClientMetadata={"by": "admin"},
    )
    [event] = script.events(env.pool_id, "PreSignUp")
    check_common(
        event,
        source="PreSignUp_AdminCreateUser",
        pool_id=env.pool_id,
        user_name=name,
        client_id=NO_CLIENT,
    )
    assert event["request"] == {
        "userAttributes": {"email": f"{name}@example.com"},
        "validationData": {"source": "import"},
        "clientMetadata": {"by": "admin"},
    }
    assert env.user(name)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert "email_verified" not in env.attributes(name)
    [invite] = script.events(env.pool_id, "CustomMessage")
    check_common(
        invite,
        source="CustomMessage_AdminCreateUser",
        pool_id=env.pool_id,
        user_name=name,
        client_id=NO_CLIENT,
    )
    assert invite["request"]["usernameParameter"] == "{username}"
    assert invite["request"]["clientMetadata"] == {"by": "admin"}


def test_admin_create_user_refused_by_pre_sign_up(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"PreSignUp": HANDLER})
    script.on(env.pool_id, "PreSignUp", refuse("no imports today"))
    name = new_name()
    code, message = error(lambda: env.idp.admin_create_user(UserPoolId=env.pool_id, Username=name))
    assert (code, message) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error no imports today.",
    )
    assert not env.exists(name)


# PostConfirmation -------------------------------------------------------------------------------
def test_post_confirmation_after_confirm_sign_up(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    name = new_name()
    sub = env.sign_up(name, UserAttributes=attrs(email=f"{name}@example.com"))["UserSub"]
    assert script.events(env.pool_id, "PostConfirmation") == []
    [message] = env.outbox(name)
    env.anon.confirm_sign_up(
        ClientId=env.client_id,
        Username=name,
        ConfirmationCode=message.code,
        ClientMetadata={"step": "confirm"},
    )
    [event] = script.events(env.pool_id, "PostConfirmation")
    check_common(
        event,
        source="PostConfirmation_ConfirmSignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"] == {
        "userAttributes": env.seen_attributes(name),
        "clientMetadata": {"step": "confirm"},
    }
    seen = event["request"]["userAttributes"]
    assert (seen["sub"], seen["email"], seen["email_verified"]) == (
        sub,
        f"{name}@example.com",
        "true",
    )


def test_post_confirmation_after_admin_confirm_sign_up(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, UsernameAttributes=["email"], LambdaConfig={"PostConfirmation": MAPPED})
    email = f"{new_name()}@example.com"
    sub = env.sign_up(email)["UserSub"]
    env.idp.admin_confirm_sign_up(
        UserPoolId=env.pool_id, Username=email, ClientMetadata={"who": "ops"}
    )
    [event] = script.events(env.pool_id, "PostConfirmation")
    # In a pool that signs in by e-mail the username is the sub, the e-mail an alias.
    check_common(
        event,
        source="PostConfirmation_ConfirmSignUp",
        pool_id=env.pool_id,
        user_name=sub,
        client_id=NO_CLIENT,
    )
    assert event["request"] == {
        "userAttributes": env.seen_attributes(email, **{"cognito:email_alias": email}),
        "clientMetadata": {"who": "ops"},
    }
    assert event["request"]["userAttributes"]["sub"] == sub
    [context] = script.contexts(env.pool_id, "PostConfirmation")
    assert context["invoked_function_arn"] == MAPPED
    assert context["function_name"] == "recorded-trigger"


def test_a_failing_post_confirmation_keeps_the_user_confirmed(
    tserver: LiveServer, script: Script
) -> None:
    """As on Cognito: ConfirmSignUp answers the trigger's error, the confirmation stands."""
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    script.on(env.pool_id, "PostConfirmation", refuse("welcome mail failed"))
    name = new_name()
    env.sign_up(name, UserAttributes=attrs(email=f"{name}@example.com"))
    [message] = env.outbox(name)
    code, text = error(
        lambda: env.anon.confirm_sign_up(
            ClientId=env.client_id, Username=name, ConfirmationCode=message.code
        )
    )
    assert (code, text) == (
        "UserLambdaValidationException",
        "PostConfirmation failed with error welcome mail failed.",
    )
    assert env.user(name)["UserStatus"] == "CONFIRMED"


def test_a_failing_post_confirmation_at_auto_confirmed_sign_up_removes_the_user(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig=ALL_SIGN_UP)
    script.on(env.pool_id, "PreSignUp", answer(autoConfirmUser=True))
    script.on(env.pool_id, "PostConfirmation", refuse("crm down"))
    name = new_name()
    code, _ = error(lambda: env.sign_up(name, UserAttributes=attrs(email="x@example.com")))
    assert code == "UserLambdaValidationException"
    assert not env.exists(name)
    script.on(env.pool_id, "PostConfirmation", answer())
    assert env.sign_up(name, UserAttributes=attrs(email="x@example.com"))["UserConfirmed"]


def test_post_confirmation_after_confirm_forgot_password(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, LambdaConfig={"PostConfirmation": HANDLER, "CustomMessage": HANDLER})
    name = new_name()
    sub = env.confirmed_user(name, email=f"{name}@example.com")
    env.idp.admin_update_user_attributes(
        UserPoolId=env.pool_id, Username=name, UserAttributes=attrs(email_verified="true")
    )
    env.anon.forgot_password(ClientId=env.client_id, Username=name, ClientMetadata={"a": "1"})
    [reset] = script.events(env.pool_id, "CustomMessage")
    check_common(
        reset,
        source="CustomMessage_ForgotPassword",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert reset["request"]["clientMetadata"] == {"a": "1"}
    code = env.outbox(name)[-1].code
    env.anon.confirm_forgot_password(
        ClientId=env.client_id,
        Username=name,
        ConfirmationCode=code,
        Password="N3w-passw0rd!",
        ClientMetadata={"b": "2"},
    )
    event = script.events(env.pool_id, "PostConfirmation")[-1]
    check_common(
        event,
        source="PostConfirmation_ConfirmForgotPassword",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"]["userAttributes"]["sub"] == sub
    assert event["request"]["clientMetadata"] == {"b": "2"}


# CustomMessage ---------------------------------------------------------------------------------
def test_custom_message_rewrites_the_sign_up_code_message(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    script.on(
        env.pool_id,
        "CustomMessage",
        answer(emailMessage="Welcome! Your code: {####}", emailSubject="Hello there"),
    )
    name = new_name()
    sub = env.sign_up(
        name, UserAttributes=attrs(email=f"{name}@example.com"), ClientMetadata={"lang": "en"}
    )["UserSub"]
    [event] = script.events(env.pool_id, "CustomMessage")
    check_common(
        event,
        source="CustomMessage_SignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert event["request"] == {
        "userAttributes": env.seen_attributes(name),
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": None,
        "clientMetadata": {"lang": "en"},
    }
    assert event["response"] == {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    assert event["request"]["userAttributes"]["sub"] == sub
    assert event["request"]["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"
    [message] = env.outbox(name)
    assert message.body == f"Welcome! Your code: {message.code}"
    assert message.subject == "Hello there"


def test_custom_message_for_resent_codes_and_sms(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["phone_number"], LambdaConfig=ALL_SIGN_UP)
    name = new_name()
    env.sign_up(name, UserAttributes=attrs(phone_number="+14155550100"))
    script.on(env.pool_id, "CustomMessage", answer(smsMessage="Code {####} (again)"))
    env.anon.resend_confirmation_code(ClientId=env.client_id, Username=name)
    sources = [e["triggerSource"] for e in script.events(env.pool_id, "CustomMessage")]
    assert sources == ["CustomMessage_SignUp", "CustomMessage_ResendCode"]
    first, again = env.outbox(name)
    assert first.body == f"Your verification code is {first.code}. "  # the pool's template
    assert again.body == f"Code {again.code} (again)"
    assert again.medium == "SMS"


def test_a_custom_message_without_the_code_is_refused_and_nothing_is_left(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig=ALL_SIGN_UP)
    script.on(env.pool_id, "CustomMessage", answer(emailMessage="no code here"))
    name = new_name()
    code, message = error(
        lambda: env.sign_up(name, UserAttributes=attrs(email=f"{name}@example.com"))
    )
    assert code == "InvalidParameterException"
    assert "emailMessage" in message
    assert not env.exists(name)
    script.on(env.pool_id, "CustomMessage", answer(emailSubject="Bcc: evil@example.com\nHi"))
    code, _ = error(lambda: env.sign_up(name, UserAttributes=attrs(email=f"{name}@example.com")))
    assert code == "InvalidParameterException"
    assert not env.exists(name)
    assert env.outbox() == []


def test_every_trigger_name_is_known() -> None:
    assert sorted(TRIGGERS) == sorted(
        [
            "PreSignUp",
            "CustomMessage",
            "PostConfirmation",
            "PreAuthentication",
            "PostAuthentication",
            "DefineAuthChallenge",
            "CreateAuthChallenge",
            "VerifyAuthChallengeResponse",
            "PreTokenGeneration",
            "UserMigration",
            "CustomSMSSender",
            "CustomEmailSender",
        ]
    )


def test_custom_message_for_attribute_changes_and_verification(
    tserver: LiveServer, script: Script
) -> None:
    env = Env.make(
        tserver, AutoVerifiedAttributes=["email"], LambdaConfig={"CustomMessage": HANDLER}
    )
    name = new_name()
    env.confirmed_user(name)
    token = env.password_sign_in(name)["AuthenticationResult"]["AccessToken"]
    env.anon.update_user_attributes(
        AccessToken=token,
        UserAttributes=attrs(email=f"{name}@new.example"),
        ClientMetadata={"screen": "profile"},
    )
    env.anon.get_user_attribute_verification_code(
        AccessToken=token, AttributeName="email", ClientMetadata={"screen": "verify"}
    )
    signed_up, update, again = script.events(env.pool_id, "CustomMessage")
    assert signed_up["triggerSource"] == "CustomMessage_SignUp"
    check_common(
        update,
        source="CustomMessage_UpdateUserAttribute",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert update["request"]["clientMetadata"] == {"screen": "profile"}
    check_common(
        again,
        source="CustomMessage_VerifyUserAttribute",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert again["request"]["clientMetadata"] == {"screen": "verify"}
    assert [m.destination for m in env.outbox(name)][-2:] == [f"{name}@new.example"] * 2
