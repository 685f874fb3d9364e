"""Webhook triggers against a real local HTTP server that checks authpool's HMAC signature:
named directly in LambdaConfig, and standing in for a Lambda ARN through the server's map."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.server import LiveServer
from tests.triggers.conftest import WEBHOOK_SECRET, arn, trigger_config, trigger_server
from tests.triggers.support import Env, check_common, error, new_name
from tests.triggers.webhook_server import Received, WebhookReceiver

HOOKED = arn("post-confirmation-webhook")


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hook_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    receiver: WebhookReceiver,
) -> Iterator[LiveServer]:
    config = trigger_config(targets={HOOKED: receiver.url + "/mapped"})
    yield from trigger_server(request, tmp_path_factory, "sqlite", config)


@pytest.fixture
def hooks(receiver: WebhookReceiver) -> Iterator[WebhookReceiver]:
    receiver.received.clear()
    receiver.answer = None
    yield receiver
    receiver.answer = None


def confirm_everyone(got: Received) -> tuple[int, bytes]:
    event = got.event
    event["response"]["autoConfirmUser"] = True
    return 200, json.dumps(event).encode()


def test_pre_sign_up_webhook_is_signed_and_its_answer_applied(
    hook_server: LiveServer, hooks: WebhookReceiver
) -> None:
    env = Env.make(hook_server, LambdaConfig={"PreSignUp": hooks.url + "/pre-sign-up"})
    hooks.answer = confirm_everyone
    name = new_name()
    result = env.sign_up(name, UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    assert result["UserConfirmed"] is True
    assert env.user(name)["UserStatus"] == "CONFIRMED"
    [got] = hooks.received
    assert got.signature_ok
    assert got.path == "/pre-sign-up"
    # The receiver's check, spelled out: HMAC-SHA256 over "timestamp.body" with the secret.
    timestamp = got.headers["X-Authpool-Timestamp"]
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert got.headers["X-Authpool-Signature"] == f"v1={expected}"
    assert got.headers["X-Authpool-Trigger"] == "PreSignUp"
    check_common(
        got.event,
        source="PreSignUp_SignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id=env.client_id,
    )
    assert got.event["request"]["userAttributes"] == {"email": f"{name}@example.com"}


def test_a_webhook_refusal_is_the_handlers_error(
    hook_server: LiveServer, hooks: WebhookReceiver
) -> None:
    env = Env.make(hook_server, LambdaConfig={"PreSignUp": hooks.url + "/pre-sign-up"})
    body = {"errorMessage": "Invitation code required", "errorType": "ValidationError"}
    hooks.answer = lambda got: (400, json.dumps(body).encode())
    name = new_name()
    assert error(lambda: env.sign_up(name)) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error Invitation code required.",
    )
    assert not env.exists(name)
    hooks.answer = lambda got: (503, b"maintenance")
    assert error(lambda: env.sign_up(name)) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error HTTP 503.",
    )
    hooks.answer = lambda got: (200, b"<html>")
    assert error(lambda: env.sign_up(name)) == (
        "InvalidLambdaResponseException",
        "Invalid lambda function output : Invalid JSON",
    )
    assert not env.exists(name)


def test_a_lambda_arn_mapped_to_a_webhook(hook_server: LiveServer, hooks: WebhookReceiver) -> None:
    env = Env.make(hook_server, LambdaConfig={"PostConfirmation": HOOKED})
    name = new_name()
    sub = env.sign_up(name, UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])[
        "UserSub"
    ]
    env.idp.admin_confirm_sign_up(UserPoolId=env.pool_id, Username=name)
    [got] = hooks.received
    assert got.signature_ok
    assert got.path == "/mapped"
    event: dict[str, Any] = got.event
    check_common(
        event,
        source="PostConfirmation_ConfirmSignUp",
        pool_id=env.pool_id,
        user_name=name,
        client_id="CLIENT_ID_NOT_APPLICABLE",
    )
    assert event["request"]["userAttributes"]["sub"] == sub


def test_a_webhook_that_fails_once_is_tried_again(
    hook_server: LiveServer, hooks: WebhookReceiver
) -> None:
    """Cognito retries a trigger that gives no answer; the sign-up goes through once."""
    env = Env.make(hook_server, LambdaConfig={"PreSignUp": hooks.url + "/pre-sign-up"})
    answers = iter([(502, b"bad gateway")])
    hooks.answer = lambda got: next(answers, None) or confirm_everyone(got)
    name = new_name()
    result = env.sign_up(name, UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    assert result["UserConfirmed"] is True
    assert [r.signature_ok for r in hooks.received] == [True, True]
    first, second = hooks.received
    assert first.headers["X-Authpool-Request-Id"] == second.headers["X-Authpool-Request-Id"]
    assert env.user(name)["UserStatus"] == "CONFIRMED"
