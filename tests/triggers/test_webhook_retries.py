"""Webhook triggers are tried again when they give no answer, as Cognito retries a Lambda
trigger (three attempts): no connection, no answer in time, a 5xx status. A refusal, a 4xx
and an answer that is not JSON are final. Against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.triggers.conftest import WEBHOOK_SECRET
from tests.triggers.webhook_server import DROP, Answer, Received, WebhookReceiver

from authpool.domain.hooks.protocol import BadAnswer, HandlerError, HandlerTimeout, Unavailable
from authpool.triggers import TriggerRunner, TriggerSettings

EVENT = {
    "version": "1",
    "triggerSource": "PreSignUp_SignUp",
    "userPoolId": "us-east-1_Retry",
    "request": {"userAttributes": {}},
    "response": {},
}


def runner(**settings: Any) -> TriggerRunner:
    settings.setdefault("webhook_secret", WEBHOOK_SECRET)
    return TriggerRunner(TriggerSettings(**settings), now=lambda: datetime.now(UTC))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(WEBHOOK_SECRET).start()
    yield server
    server.stop()


def failing_first(times: int, failure: Answer | None) -> Callable[[Received], Answer]:
    """An answer that fails the first ``times`` attempts (``failure``, or by answering too
    late when it is None), then confirms the user."""
    seen = 0
    release = threading.Event()

    def answer(got: Received) -> Answer:
        nonlocal seen
        seen += 1
        if seen <= times:
            if failure is None:
                release.wait(10)  # past the attempt's time limit
                return 200, got.body
            return failure
        event = got.event
        event["response"]["autoConfirmUser"] = True
        return 200, json.dumps(event).encode()

    answer.release = release  # type: ignore[attr-defined]
    return answer


@pytest.mark.parametrize(
    "failure",
    [(503, b"maintenance"), (500, b'{"message": "oops"}'), (DROP, b"")],
    ids=["503", "500-not-lambda-shaped", "hang-up"],
)
def test_a_failed_attempt_is_made_again(receiver: WebhookReceiver, failure: Answer) -> None:
    receiver.answer = failing_first(2, failure)
    result = runner().invoke(receiver.url + "/pre", EVENT, trigger="PreSignUp")
    assert result["response"] == {"autoConfirmUser": True}
    assert len(receiver.received) == 3
    assert all(r.signature_ok for r in receiver.received)
    assert len({r.headers["X-Authpool-Request-Id"] for r in receiver.received}) == 1


def test_an_attempt_past_its_time_limit_is_made_again(receiver: WebhookReceiver) -> None:
    answer = failing_first(1, None)
    receiver.answer = answer
    try:
        result = runner(timeout=0.5).invoke(receiver.url, EVENT, trigger="PreSignUp")
    finally:
        answer.release.set()  # type: ignore[attr-defined]
    assert result["response"] == {"autoConfirmUser": True}
    assert len(receiver.received) == 2


def test_every_attempt_failing_reports_the_last_failure(receiver: WebhookReceiver) -> None:
    receiver.answer = lambda got: (503, b"down")
    with pytest.raises(Unavailable, match="HTTP 503"):
        runner().invoke(receiver.url, EVENT, trigger="PreSignUp")
    assert len(receiver.received) == 3
    receiver.received.clear()
    with pytest.raises(Unavailable, match="HTTP 503"):
        runner(attempts=1).invoke(receiver.url, EVENT, trigger="PreSignUp")
    assert len(receiver.received) == 1


def test_every_attempt_too_slow_times_out_within_the_bound(receiver: WebhookReceiver) -> None:
    answer = failing_first(99, None)
    receiver.answer = answer
    try:
        with pytest.raises(HandlerTimeout):
            runner(timeout=0.3).invoke(receiver.url, EVENT, trigger="PreSignUp")
    finally:
        answer.release.set()  # type: ignore[attr-defined]
    assert len(receiver.received) == 3


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, b'{"errorMessage": "Not on the list", "errorType": "Error"}', HandlerError),
        (500, b'{"errorMessage": "Not on the list", "errorType": "Error"}', HandlerError),
        (429, b'{"message": "slow down"}', Unavailable),
        (404, b"not found", Unavailable),
        (200, b"<html>", BadAnswer),
    ],
)
def test_answers_that_are_final(
    receiver: WebhookReceiver, status: int, body: bytes, error: type[Exception]
) -> None:
    receiver.answer = lambda got: (status, body)
    with pytest.raises(error):
        runner().invoke(receiver.url, EVENT, trigger="PreSignUp")
    assert len(receiver.received) == 1


def test_attempts_setting_is_bounded() -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        TriggerSettings(attempts=0)
    with pytest.raises(ValueError, match="1 to 5"):
        TriggerSettings(attempts=6)


def test_attempts_from_the_environment() -> None:
    from authpool.config import from_env

    assert from_env({}).triggers.attempts == 3
    assert from_env({"AUTHPOOL_TRIGGER_ATTEMPTS": "1"}).triggers.attempts == 1
