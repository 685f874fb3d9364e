"""The trigger runtime on its own: targets, the ARN map, what a pool may name, Python and
webhook invocation, the time limit, throttling, and every way an invocation fails."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.triggers import handlers
from tests.triggers.conftest import ACCOUNT, HANDLER, WEBHOOK_SECRET, arn
from tests.triggers.webhook_server import Received, WebhookReceiver

from authpool.config import Secret, from_env
from authpool.domain.hooks.protocol import BadAnswer, HandlerError, HandlerTimeout, Unavailable
from authpool.triggers import TargetError, TargetMap, TriggerRunner, TriggerSettings
from authpool.triggers.targets import PythonTarget, WebhookTarget, parse

EVENT = {"version": "1", "triggerSource": "PreSignUp_SignUp", "userPoolId": "us-east-1_Unit"}


def runner(**settings: Any) -> TriggerRunner:
    defaults: dict[str, Any] = {
        "python_modules": ("tests.triggers",),
        "webhook_secret": WEBHOOK_SECRET,
        "account_id": ACCOUNT,
    }
    defaults.update(settings)
    return TriggerRunner(TriggerSettings(**defaults), now=lambda: datetime.now(UTC))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def pool_script() -> Iterator[str]:
    pool_id = f"us-east-1_Unit{time.monotonic_ns()}"
    yield pool_id
    handlers.SCRIPT.forget(pool_id)


def event_for(pool_id: str) -> dict[str, Any]:
    return {**EVENT, "userPoolId": pool_id, "request": {"userAttributes": {}}, "response": {}}


# targets ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python:pkg.mod:handler", PythonTarget("pkg.mod", "handler")),
        ("python:app:Handlers.pre_sign_up", PythonTarget("app", "Handlers.pre_sign_up")),
        ("https://hooks.example.com/pre", WebhookTarget("https://hooks.example.com/pre")),
        ("http://127.0.0.1:8080/x", WebhookTarget("http://127.0.0.1:8080/x")),
        ("http://localhost/x", WebhookTarget("http://localhost/x")),
        ("http://[::1]:9000/x", WebhookTarget("http://[::1]:9000/x")),
    ],
)
def test_targets_that_parse(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("python:pkg.mod", "python:package.module:function"),
        ("python::handler", "python:package.module:function"),
        ("python:pkg-x:handler", "python:package.module:function"),
        ("python:pkg:handler()", "python:package.module:function"),
        ("http://hooks.example.com/x", "https://"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("ftp://hooks.example.com/x", "a target is"),
        ("lambda:pre-sign-up", "a target is"),
    ],
)
def test_targets_refused(text: str, why: str) -> None:
    with pytest.raises(TargetError, match=why.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_the_operator_map_may_name_plain_http_hosts() -> None:
    table = TargetMap({"fn": "http://triggers.internal:8080/pre"})
    assert table.resolve(arn("fn")) == "http://triggers.internal:8080/pre"


def test_arn_map_resolution_order() -> None:
    table = TargetMap(
        {
            arn("exact"): "python:a:exact",
            "by-name": "python:a:by_name",
            "arn:aws:lambda:*:*:function:shop-*": "python:a:pattern",
            arn("shop-special"): "python:a:special",
        }
    )
    assert table.resolve(arn("exact")) == "python:a:exact"
    assert table.resolve(arn("exact") + ":live") == "python:a:exact"  # qualifier ignored
    assert table.resolve(arn("by-name", region="eu-west-1")) == "python:a:by_name"
    assert table.resolve(arn("by-name") + ":7") == "python:a:by_name"
    assert table.resolve(arn("shop-orders", region="ap-south-1")) == "python:a:pattern"
    assert table.resolve(arn("shop-special")) == "python:a:special"  # exact beats pattern
    assert table.resolve(arn("unknown")) is None
    assert len(table) == 4


def test_a_bad_map_entry_is_refused_at_start_up() -> None:
    with pytest.raises(TargetError, match="'fn'"):
        TargetMap({"fn": "ftp://x"})
    with pytest.raises(TargetError):
        runner(targets={arn("x"): "python:nodots"})


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        TriggerSettings(timeout=0)
    with pytest.raises(ValueError, match="16 characters"):
        TriggerSettings(webhook_secret="short")
    assert WEBHOOK_SECRET not in repr(TriggerSettings(webhook_secret=WEBHOOK_SECRET))


# what a pool may name ----------------------------------------------------------------------------
def test_problems_of_targets_a_pool_names() -> None:
    run = runner()
    assert run.problem(HANDLER) is None
    assert run.problem(arn("never-mapped")) is None  # stored, as Cognito stores any ARN
    assert run.problem("arn:aws:iam::123456789012:role/x") == "not a Lambda function ARN"
    assert "AUTHPOOL_TRIGGER_PYTHON_MODULES" in str(run.problem("python:os:system"))
    assert "Unable to import module" in str(run.problem("python:tests.triggers.nope:handler"))
    assert "missing on module" in str(run.problem("python:tests.triggers.handlers:absent"))
    assert "missing on module" in str(run.problem("python:tests.triggers.handlers:not_callable"))
    assert run.problem("https://hooks.example.com/pre") is None
    assert "webhook secret" in str(runner(webhook_secret=None).problem("https://h.example/x"))
    assert runner(python_modules=("*",)).problem("python:json:dumps") is None
    # a prefix allows its package and the modules below, not a look-alike
    assert runner(python_modules=("tests.trig",)).problem(HANDLER) is not None


# Python handlers ---------------------------------------------------------------------------------
def test_python_handler_gets_a_copy_of_the_event_and_a_lambda_context(pool_script: str) -> None:
    def behave(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["request"]["userAttributes"]["changed"] = "yes"
        event["response"]["autoConfirmUser"] = True
        return event

    handlers.SCRIPT.on(pool_script, "PreSignUp", behave)
    run = runner(targets={arn("pre-sign-up"): HANDLER}, timeout=3.0)
    event = event_for(pool_script)
    answer = run.invoke(arn("pre-sign-up"), event, trigger="PreSignUp")
    assert answer["response"] == {"autoConfirmUser": True}
    assert event["request"]["userAttributes"] == {}  # the caller's event is untouched
    [context] = handlers.SCRIPT.contexts(pool_script, "PreSignUp")
    assert context["function_name"] == "pre-sign-up"
    assert context["invoked_function_arn"] == arn("pre-sign-up")
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == "128"
    assert 0 < context["remaining_ms"] <= 3000
    assert len(context["aws_request_id"]) == 36


def test_direct_python_target_has_a_synthetic_arn(pool_script: str) -> None:
    runner().invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")
    [context] = handlers.SCRIPT.contexts(pool_script, "PreSignUp")
    assert context["function_name"] == "tests-triggers-handlers-handler"
    assert context["invoked_function_arn"] == (
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:tests-triggers-handlers-handler"
    )


def test_async_handlers_are_awaited(pool_script: str) -> None:
    answer = runner().invoke(
        "python:tests.triggers.handlers:async_handler", event_for(pool_script), trigger="X"
    )
    assert answer["userPoolId"] == pool_script


def test_a_raising_handler_is_a_handler_error(pool_script: str) -> None:
    def refuse(event: dict[str, Any], context: Any) -> Any:
        raise ValueError("Email domain not allowed")

    handlers.SCRIPT.on(pool_script, "PreSignUp", refuse)
    with pytest.raises(HandlerError) as info:
        runner().invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")
    assert info.value.message == "Email domain not allowed"


@pytest.mark.parametrize("answer", [{1, 2}, object(), float("nan"), {"response": b"bytes"}])
def test_an_answer_json_cannot_carry_is_a_bad_answer(pool_script: str, answer: Any) -> None:
    handlers.SCRIPT.on(pool_script, "PreSignUp", lambda event, context: answer)
    with pytest.raises(BadAnswer, match="Invalid lambda function output : Invalid JSON"):
        runner().invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")


def test_exiting_the_runtime_is_an_invocation_failure(pool_script: str) -> None:
    def leave(event: dict[str, Any], context: Any) -> Any:
        raise SystemExit(3)

    handlers.SCRIPT.on(pool_script, "PreSignUp", leave)
    with pytest.raises(Unavailable, match="Runtime.ExitError"):
        runner().invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")


def test_a_handler_past_the_time_limit_times_out_and_holds_its_slot(pool_script: str) -> None:
    release = threading.Event()

    def hang(event: dict[str, Any], context: Any) -> Any:
        release.wait(30)
        return event

    handlers.SCRIPT.on(pool_script, "PreSignUp", hang)
    run = runner(timeout=0.2, max_concurrency=1)
    try:
        with pytest.raises(HandlerTimeout):
            run.invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")
        # The overrunning handler still runs: the only slot is taken, so Lambda-style
        # throttling refuses the next invocation at once.
        with pytest.raises(Unavailable, match="TooManyRequestsException"):
            run.invoke(HANDLER, event_for(pool_script), trigger="PostConfirmation")
    finally:
        release.set()
    handlers.SCRIPT.on(pool_script, "PreSignUp", lambda event, context: event)
    pause = threading.Event()
    for _ in range(500):  # the slot comes back when the handler returns
        try:
            run.invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")
            break
        except Unavailable:
            pause.wait(0.01)
    else:
        pytest.fail("the slot never came back")


def test_unmapped_arns_and_disallowed_targets_cannot_run(pool_script: str) -> None:
    with pytest.raises(Unavailable, match="ResourceNotFoundException"):
        runner().invoke(arn("never-mapped"), event_for(pool_script), trigger="PreSignUp")
    with pytest.raises(Unavailable, match="AccessDeniedException"):
        runner(python_modules=()).invoke(HANDLER, event_for(pool_script), trigger="PreSignUp")
    with pytest.raises(Unavailable, match="InvalidParameterValueException"):
        runner().invoke("ftp://x", event_for(pool_script), trigger="PreSignUp")


def test_a_mapped_module_that_does_not_import_is_a_handler_error(pool_script: str) -> None:
    run = runner(targets={arn("broken"): "python:tests.triggers.missing_module:handler"})
    with pytest.raises(HandlerError, match="Unable to import module"):
        run.invoke(arn("broken"), event_for(pool_script), trigger="PreSignUp")


# webhooks -----------------------------------------------------------------------------------
def test_webhook_gets_the_event_signed_and_its_answer_is_the_result(
    receiver: WebhookReceiver,
) -> None:
    def answer(got: Received) -> tuple[int, bytes]:
        event = got.event
        event["response"]["autoConfirmUser"] = True
        return 200, json.dumps(event).encode()

    receiver.answer = answer
    event = {**event_for("us-east-1_Hook"), "request": {"userAttributes": {"name": "Zoë"}}}
    result = runner(timeout=3.0).invoke(receiver.url + "/pre", event, trigger="PreSignUp")
    assert result["response"] == {"autoConfirmUser": True}
    [got] = receiver.received
    assert got.signature_ok
    assert got.path == "/pre"
    assert got.event == event
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Authpool-Trigger"] == "PreSignUp"
    assert len(got.headers["X-Authpool-Request-Id"]) == 36
    deadline_ms = int(got.headers["X-Authpool-Deadline-Ms"])
    now_ms = datetime.now(UTC).timestamp() * 1000
    assert now_ms - 1000 < deadline_ms <= now_ms + 3000
    assert got.headers["User-Agent"] == "authpool-trigger/1"


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (400, b'{"errorMessage": "Not on the list", "errorType": "Error"}', HandlerError, "list"),
        (200, b"<html>ok</html>", BadAnswer, "Invalid JSON"),
        (500, b"internal", Unavailable, "HTTP 500"),
        (502, b'{"message": "bad gateway"}', Unavailable, "HTTP 502"),
    ],
)
def test_webhook_answers_that_are_not_results(
    receiver: WebhookReceiver, status: int, body: bytes, error: type[Exception], text: str
) -> None:
    receiver.answer = lambda got: (status, body)
    with pytest.raises(error, match=text) as info:
        runner().invoke(receiver.url, event_for("us-east-1_Hook"), trigger="PreSignUp")
    if error is HandlerError:
        assert info.value.message == "Not on the list"  # type: ignore[attr-defined]


def test_a_webhook_that_does_not_trust_our_signature_fails_the_invocation(
    receiver: WebhookReceiver,
) -> None:
    other = runner(webhook_secret="another-secret-entirely-0123")
    with pytest.raises(Unavailable, match="HTTP 401"):
        other.invoke(receiver.url, event_for("us-east-1_Hook"), trigger="PreSignUp")
    assert [r.signature_ok for r in receiver.received] == [False]


def test_a_webhook_past_the_time_limit_times_out(receiver: WebhookReceiver) -> None:
    release = threading.Event()

    def slow(got: Received) -> tuple[int, bytes]:
        release.wait(30)
        return 200, got.body

    receiver.answer = slow
    try:
        with pytest.raises(HandlerTimeout):
            runner(timeout=0.3).invoke(receiver.url, event_for("x"), trigger="PreSignUp")
    finally:
        release.set()


def test_unreachable_webhooks_and_missing_secret() -> None:
    probe = WebhookReceiver(WEBHOOK_SECRET).start()
    url = probe.url
    probe.stop()  # nothing listens there now
    with pytest.raises(Unavailable, match="ConnectionError"):
        runner(timeout=3.0).invoke(url, event_for("x"), trigger="PreSignUp")
    with pytest.raises(Unavailable, match="AccessDeniedException"):
        runner(webhook_secret=None).invoke(url, event_for("x"), trigger="PreSignUp")


# server configuration ---------------------------------------------------------------------------
def test_trigger_settings_from_the_environment(tmp_path: Path) -> None:
    mapping = {arn("pre"): HANDLER}
    settings = from_env(
        {
            "AUTHPOOL_TRIGGER_MAP": json.dumps(mapping),
            "AUTHPOOL_TRIGGER_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "AUTHPOOL_TRIGGER_PYTHON_MODULES": "tests.triggers, examples.triggers",
            "AUTHPOOL_TRIGGER_TIMEOUT": "2.5",
        }
    ).triggers
    assert settings.targets == mapping
    assert settings.webhook_secret == Secret(WEBHOOK_SECRET)
    assert WEBHOOK_SECRET not in repr(settings)
    assert settings.python_modules == ("tests.triggers", "examples.triggers")
    assert settings.timeout == 2.5
    file = tmp_path / "triggers.json"
    file.write_text(json.dumps(mapping))
    assert from_env({"AUTHPOOL_TRIGGER_MAP_FILE": str(file)}).triggers.targets == mapping
    defaults = from_env({}).triggers
    assert (defaults.targets, defaults.webhook_secret, defaults.timeout) == ({}, None, 5.0)
    with pytest.raises(ValueError, match="JSON object"):
        from_env({"AUTHPOOL_TRIGGER_MAP": '["not", "an", "object"]'})
