"""Every way a trigger can fail, through boto3 against a live server, with Cognito's errors:
an exception, a time-out, an answer that is not JSON or not the right shape, a target that
cannot run; and the pool settings refused before any of that can happen. No failure leaves
a half-written user."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.server import LiveServer
from tests.triggers.conftest import HANDLER, MAPPED, arn, trigger_config, trigger_server
from tests.triggers.handlers import Script
from tests.triggers.support import Env, error, new_name

TIMED_OUT = "Socket timeout while invoking Lambda function"


def email(name: str) -> list[dict[str, str]]:
    return [{"Name": "email", "Value": f"{name}@example.com"}]


@pytest.fixture(scope="module")
def slow_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Handlers get half a second here; only the hanging handlers below run on it."""
    yield from trigger_server(request, tmp_path_factory, "sqlite", trigger_config(timeout=0.5))


@pytest.fixture
def hang(script: Script) -> Iterator[Any]:
    """A behaviour that blocks until the test ends."""
    release = threading.Event()

    def blocked(event: dict[str, Any], context: Any) -> dict[str, Any]:
        release.wait(60)
        return event

    yield blocked
    release.set()


# time-outs --------------------------------------------------------------------------------------
def test_a_pre_sign_up_past_the_time_limit(
    slow_server: LiveServer, script: Script, hang: Any
) -> None:
    env = Env.make(slow_server, LambdaConfig={"PreSignUp": HANDLER})
    script.on(env.pool_id, "PreSignUp", hang)
    name = new_name()
    assert error(lambda: env.sign_up(name, UserAttributes=email(name))) == (
        "UnexpectedLambdaException",
        f"PreSignUp invocation failed due to error {TIMED_OUT}.",
    )
    assert not env.exists(name)


def test_a_define_auth_challenge_past_the_time_limit(
    slow_server: LiveServer, script: Script, hang: Any
) -> None:
    env = Env.make(slow_server, LambdaConfig={"DefineAuthChallenge": HANDLER})
    name = new_name()
    env.confirmed_user(name)
    script.on(env.pool_id, "DefineAuthChallenge", hang)
    assert error(
        lambda: env.anon.initiate_auth(
            ClientId=env.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name}
        )
    ) == (
        "UnexpectedLambdaException",
        f"DefineAuthChallenge invocation failed due to error {TIMED_OUT}.",
    )


# answers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("OK", "Unrecognizable lambda output"),
        (None, "Unrecognizable lambda output"),  # a handler that forgot to return the event
        ({"response": "confirmed"}, "Unrecognizable lambda output"),
        ({"response": {"autoConfirmUser": "maybe"}}, "Unrecognizable lambda output"),
        ({"response": {"autoConfirmUser": [True]}}, "Unrecognizable lambda output"),
        ({"response": {"big": float("inf")}}, "Invalid lambda function output : Invalid JSON"),
        ({1, 2}, "Invalid lambda function output : Invalid JSON"),
    ],
)
def test_answers_cognito_cannot_read(
    tserver: LiveServer, script: Script, answer: Any, expected: str
) -> None:
    env = Env.make(tserver, AutoVerifiedAttributes=["email"], LambdaConfig={"PreSignUp": HANDLER})
    script.on(env.pool_id, "PreSignUp", lambda event, context: answer)
    name = new_name()
    assert error(lambda: env.sign_up(name, UserAttributes=email(name))) == (
        "InvalidLambdaResponseException",
        expected,
    )
    assert not env.exists(name)
    assert env.outbox() == []


def test_answers_jackson_would_read(tserver: LiveServer, script: Script) -> None:
    """Cognito reads "true" as a boolean, and an answer without a response as no change."""
    env = Env.make(tserver, LambdaConfig={"PreSignUp": HANDLER})
    name = new_name()
    script.on(env.pool_id, "PreSignUp", lambda e, c: {**e, "response": {"autoConfirmUser": "true"}})
    assert env.sign_up(name, UserAttributes=email(name))["UserConfirmed"] is True
    other = new_name()
    script.on(env.pool_id, "PreSignUp", lambda e, c: {"response": None})
    assert env.sign_up(other, UserAttributes=email(other))["UserConfirmed"] is False


def test_a_failing_token_trigger_issues_no_tokens(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig={"PreTokenGeneration": HANDLER})
    name = new_name()
    env.confirmed_user(name)
    refresh = env.password_sign_in(name)["AuthenticationResult"]["RefreshToken"]

    def down(event: dict[str, Any], context: Any) -> Any:
        raise ConnectionError("claims service down")

    script.on(env.pool_id, "PreTokenGeneration", down)
    failed = (
        "UserLambdaValidationException",
        "PreTokenGeneration failed with error claims service down.",
    )
    assert error(lambda: env.password_sign_in(name)) == failed
    assert (
        error(
            lambda: env.anon.initiate_auth(
                ClientId=env.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh},
            )
        )
        == failed
    )


# targets that cannot run ------------------------------------------------------------------------
def test_an_unmapped_arn_is_stored_but_fails_when_it_fires(
    tserver: LiveServer, script: Script
) -> None:
    unmapped = arn("nobody-mapped-this")
    env = Env.make(tserver, LambdaConfig={"PreSignUp": unmapped})
    described = env.idp.describe_user_pool(UserPoolId=env.pool_id)["UserPool"]["LambdaConfig"]
    assert described == {"PreSignUp": unmapped}
    name = new_name()
    assert error(lambda: env.sign_up(name, UserAttributes=email(name))) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error ResourceNotFoundException.",
    )
    assert not env.exists(name)


def test_arns_map_by_function_name_across_accounts_and_qualifiers(
    tserver: LiveServer, script: Script
) -> None:
    amplify = "arn:aws:lambda:eu-west-1:999999999999:function:amplify-env-trigger:live"
    env = Env.make(tserver, LambdaConfig={"PreSignUp": amplify})
    name = new_name()
    env.sign_up(name, UserAttributes=email(name))
    [context] = script.contexts(env.pool_id, "PreSignUp")
    assert context["invoked_function_arn"] == amplify
    assert context["function_name"] == "amplify-env-trigger"


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("python:subprocess:getoutput", "AUTHPOOL_TRIGGER_PYTHON_MODULES"),
        ("python:tests.triggers.handlers:absent", "missing on module"),
        ("python:tests.triggers.no_such:handler", "Unable to import module"),
        ("http://hooks.example.com/pre-sign-up", "https://"),
        ("arn:aws:iam::123456789012:role/not-a-function", "not a Lambda function ARN"),
        ("lambda:pre-sign-up-plain-name", "regular expression pattern"),
    ],
)
def test_pool_settings_refuse_targets_that_cannot_run(
    tserver: LiveServer, target: str, why: str
) -> None:
    idp = tserver.client()
    code, message = error(
        lambda: idp.create_user_pool(PoolName=new_name("bad"), LambdaConfig={"PreSignUp": target})
    )
    assert code == "InvalidParameterException"
    assert why in message


def test_update_user_pool_checks_targets_too(tserver: LiveServer) -> None:
    env = Env.make(tserver, LambdaConfig={"PreSignUp": HANDLER})
    code, _ = error(
        lambda: env.idp.update_user_pool(
            UserPoolId=env.pool_id, LambdaConfig={"PostConfirmation": "python:subprocess:getoutput"}
        )
    )
    assert code == "InvalidParameterException"
    env.idp.update_user_pool(
        UserPoolId=env.pool_id,
        LambdaConfig={"PostConfirmation": MAPPED, "UserMigration": "https://hooks.example.com/m"},
    )
    described = env.idp.describe_user_pool(UserPoolId=env.pool_id)["UserPool"]["LambdaConfig"]
    assert described == {"PostConfirmation": MAPPED, "UserMigration": "https://hooks.example.com/m"}


def test_pre_token_generation_settings_must_agree(tserver: LiveServer) -> None:
    idp = tserver.client()
    code, _ = error(
        lambda: idp.create_user_pool(
            PoolName=new_name("bad"),
            LambdaConfig={
                "PreTokenGeneration": HANDLER,
                "PreTokenGenerationConfig": {"LambdaArn": MAPPED, "LambdaVersion": "V2_0"},
            },
        )
    )
    assert code == "InvalidParameterException"
