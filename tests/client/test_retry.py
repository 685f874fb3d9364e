"""Retries as Amplify makes them: a throttled call (429, TooManyRequestsException,
LimitExceededException), a server error (500, 502, 503, 504) or a call that could not reach
the service is sent again, at most three tries in all, after a jittered exponential wait;
any other 4xx is the answer at once. Both drivers; nobody sleeps (the waits are recorded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tests.client.support import CLIENT_ID, POOL_ID, authentication_result

from authpool.client import (
    NO_RETRY,
    AuthServiceException,
    InternalErrorException,
    LimitExceededException,
    NetworkException,
    NotAuthorizedException,
    RetryPolicy,
    TooManyRequestsException,
    UsernameExistsException,
)

SIGNED_UP = {
    "UserConfirmed": False,
    "UserSub": "4f1c2d3e-0000-4000-8000-000000000001",
    "CodeDeliveryDetails": {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    },
}
Answer = httpx.Response | Exception


def error(status: int, name: str, message: str = "refused") -> httpx.Response:
    return httpx.Response(
        status, json={"__type": name, "message": message}, headers={"x-amzn-ErrorType": name}
    )


class Service:
    """Answers the calls with ``answers`` in turn, recording each call's operation."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.headers["X-Amz-Target"].rsplit(".", 1)[-1])
        assert self.answers, "one call too many"
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        # a new response each time: the same answer may be given to several calls
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@pytest.fixture
def client(make_auth: Callable[..., Any]) -> Callable[..., Any]:
    """``client(service, **kwargs)``: a client of the test's driver talking to ``service``,
    with its jitter fixed at half the most."""

    def make(service: Service, **kwargs: Any) -> Any:
        kwargs.setdefault("retry", RetryPolicy(uniform=lambda: 0.5))
        return make_auth(
            transport=httpx.MockTransport(service.handler),
            user_pool_id=POOL_ID,
            user_pool_client_id=CLIENT_ID,
            **kwargs,
        )

    return make


def sign_up(auth: Any) -> Any:
    return auth.sign_up("ada", "Seed-Passw0rd!", user_attributes={"email": "ada@example.com"})


@pytest.mark.parametrize(
    "refusal",
    [
        error(400, "TooManyRequestsException", "Rate exceeded"),
        error(400, "LimitExceededException", "Attempt limit exceeded"),
        error(429, "SomethingNew"),
        error(500, "InternalErrorException"),
        error(502, "BadGateway"),
        httpx.Response(503, text="<html>unavailable</html>"),
        error(504, "GatewayTimeout"),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
    ],
    ids=lambda r: getattr(r, "status_code", type(r).__name__),
)
def test_a_passing_failure_is_tried_again_after_a_growing_wait(
    client: Callable[..., Any], sleeps: list[float], refusal: Answer
) -> None:
    service = Service(refusal, refusal, httpx.Response(200, json=SIGNED_UP))
    result = sign_up(client(service))
    assert result.user_id == SIGNED_UP["UserSub"]
    assert service.calls == ["SignUp", "SignUp", "SignUp"]
    # 2**n * 100 ms plus half of the 100 ms jitter, after try n.
    assert sleeps == [pytest.approx(0.25), pytest.approx(0.45)]


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (error(400, "TooManyRequestsException"), TooManyRequestsException),
        (error(400, "LimitExceededException"), LimitExceededException),
        (error(500, "InternalErrorException"), InternalErrorException),
        (httpx.ConnectError("connection refused"), NetworkException),
    ],
)
def test_after_three_tries_the_last_error_is_raised(
    client: Callable[..., Any], sleeps: list[float], answer: Answer, raised: type[Exception]
) -> None:
    service = Service(answer, answer, answer)
    with pytest.raises(raised):
        sign_up(client(service))
    assert len(service.calls) == 3
    assert len(sleeps) == 2  # no wait after the last try


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (error(400, "NotAuthorizedException", "Incorrect username"), NotAuthorizedException),
        (error(400, "UsernameExistsException", "User already exists"), UsernameExistsException),
        (error(403, "AccessDeniedException"), AuthServiceException),
        (error(501, "NotImplemented"), AuthServiceException),
        (httpx.UnsupportedProtocol("no such scheme"), NetworkException),
    ],
)
def test_any_other_error_is_the_answer_at_once(
    client: Callable[..., Any], sleeps: list[float], answer: Answer, raised: type[Exception]
) -> None:
    service = Service(answer)
    with pytest.raises(raised):
        sign_up(client(service))
    assert service.calls == ["SignUp"]
    assert sleeps == []


def test_a_flow_retries_each_of_its_calls(client: Callable[..., Any], sleeps: list[float]) -> None:
    """Inside a flow too (a sign-in): the retry sends the same request again."""
    unavailable = error(503, "ServiceUnavailable")
    signed_in = httpx.Response(200, json={"AuthenticationResult": authentication_result()})
    service = Service(unavailable, signed_in)
    bodies: list[bytes] = []
    handler = service.handler

    def recording(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return handler(request)

    service.handler = recording  # type: ignore[method-assign]
    auth = client(service, auth_flow_type="USER_PASSWORD_AUTH")
    assert auth.sign_in("ada", "Seed-Passw0rd!").is_signed_in
    assert service.calls == ["InitiateAuth", "InitiateAuth"]
    assert bodies[0] == bodies[1]
    assert sleeps == [pytest.approx(0.25)]


def test_no_retry_tries_once(client: Callable[..., Any], sleeps: list[float]) -> None:
    service = Service(error(400, "TooManyRequestsException"))
    with pytest.raises(TooManyRequestsException):
        sign_up(client(service, retry=NO_RETRY))
    assert service.calls == ["SignUp"]
    assert sleeps == []


def test_more_tries_wait_longer_up_to_the_ceiling(
    client: Callable[..., Any], sleeps: list[float]
) -> None:
    throttled = error(429, "TooManyRequestsException")
    policy = RetryPolicy(max_attempts=5, max_delay=1.0, uniform=lambda: 0.0)
    service = Service(
        throttled, throttled, throttled, throttled, httpx.Response(200, json=SIGNED_UP)
    )
    sign_up(client(service, retry=policy))
    assert sleeps == [pytest.approx(0.2), pytest.approx(0.4), pytest.approx(0.8), 1.0]


# the policy itself ----------------------------------------------------------------------------
def test_the_jitter_spans_a_tenth_of_a_second() -> None:
    assert RetryPolicy(uniform=lambda: 0.0).delay(1) == pytest.approx(0.2)
    assert RetryPolicy(uniform=lambda: 0.999).delay(1) == pytest.approx(0.2999)
    assert RetryPolicy().delay(30) == 300.0  # five minutes at most
    drawn = {RetryPolicy().delay(2) for _ in range(20)}
    assert all(0.4 <= d < 0.5 for d in drawn)
    assert len(drawn) > 1


def test_a_policy_needs_one_try_at_least() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_delay=-1)
