"""Session behaviour the live server cannot provoke, REPLAYED with Cognito's documented
answers: a refresh that meets a network failure or a throttle (tokens kept), an endpoint
without GetTokensFromRefreshToken (the older InitiateAuth refresh), concurrent refreshes made
once, sessions that cannot be revoked, hub listeners that fail, and auto sign-in's window."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from tests.client.conftest import PASSWORD
from tests.client.support import (
    CLIENT_ID,
    POOL_ID,
    AsyncValidatingTransport,
    OffsetClock,
    ReplayedCognito,
    authentication_result,
    check_request,
    fake_jwt,
)

from authpool.client import (
    AsyncAuth,
    AuthHubEvent,
    AuthSignUpStep,
    InvalidStateException,
    NetworkException,
    TooManyRequestsException,
)

SECRET = "replayedclientsecret0123456789abcdefghijklmnopqrstu"


def _signed_in(replayed: Any, cognito: ReplayedCognito, **kwargs: Any) -> Any:
    auth = replayed(auth_flow_type="USER_PASSWORD_AUTH", **kwargs)
    cognito.expect("InitiateAuth", {"AuthenticationResult": authentication_result()})
    auth.sign_in("ada", PASSWORD)
    return auth


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (httpx.ConnectError("connection refused"), NetworkException),
        (("TooManyRequestsException", "Rate exceeded"), TooManyRequestsException),
    ],
)
def test_a_refresh_that_fails_for_a_passing_reason_keeps_the_tokens(
    replayed: Any,
    cognito: ReplayedCognito,
    clock: OffsetClock,
    error: Any,
    raised: type[Exception],
) -> None:
    auth = _signed_in(replayed, cognito, clock=clock)
    events: list[Any] = []
    auth.hub.listen(events.append)
    clock.advance(3600)
    for _ in range(3):  # the first try and Amplify's two retries
        cognito.expect("GetTokensFromRefreshToken", error=error)
    with pytest.raises(raised):
        auth.fetch_auth_session()
    assert [e.event for e in events] == [AuthHubEvent.TOKEN_REFRESH_FAILURE]
    assert isinstance(events[0].data["error"], raised)
    cognito.expect(
        "GetTokensFromRefreshToken", {"AuthenticationResult": authentication_result(refresh=None)}
    )
    assert auth.fetch_auth_session().is_signed_in  # the next try refreshes
    assert events[-1].event is AuthHubEvent.TOKEN_REFRESH


def test_an_endpoint_without_get_tokens_from_refresh_token(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = _signed_in(replayed, cognito, client_secret=SECRET)
    cognito.expect(
        "GetTokensFromRefreshToken",
        error=("UnknownOperationException", "Unknown operation"),
        check=lambda body: body["ClientSecret"] == SECRET,
    )

    def check(body: dict[str, Any]) -> None:
        assert body["AuthFlow"] == "REFRESH_TOKEN_AUTH"
        params = body["AuthParameters"]
        assert params["REFRESH_TOKEN"] == "replayed-refresh-token"
        assert params["USERNAME"] == "ada"
        assert params["SECRET_HASH"]

    cognito.expect(
        "InitiateAuth", {"AuthenticationResult": authentication_result(refresh=None)}, check=check
    )
    renewed = auth.fetch_auth_session(force_refresh=True).tokens
    assert renewed is not None
    assert renewed.refresh_token == "replayed-refresh-token"


def test_a_session_without_origin_jti_is_not_revoked(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = replayed(auth_flow_type="USER_PASSWORD_AUTH")
    result = authentication_result()
    # an older token without origin_jti: Amplify does not call RevokeToken for it
    result["AccessToken"] = fake_jwt({"sub": "s", "username": "ada", "iat": 1, "exp": 2**40})
    cognito.expect("InitiateAuth", {"AuthenticationResult": result})
    auth.sign_in("ada", PASSWORD)
    outcome = auth.sign_out()  # no call scripted: none may be made
    assert outcome.is_complete
    assert auth.fetch_auth_session().is_signed_in is False


def test_global_sign_out_refused_still_signs_out_here(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = _signed_in(replayed, cognito)
    cognito.expect(
        "GlobalSignOut", error=("NotAuthorizedException", "Access Token has been revoked")
    )
    outcome = auth.sign_out(global_sign_out=True)
    assert outcome.global_sign_out_error is not None
    assert outcome.global_sign_out_error.name == "NotAuthorizedException"
    assert auth.fetch_auth_session().is_signed_in is False


def test_a_failing_hub_listener_is_logged_and_ignored(
    replayed: Any, cognito: ReplayedCognito, caplog: pytest.LogCaptureFixture
) -> None:
    auth = replayed(auth_flow_type="USER_PASSWORD_AUTH")
    seen: list[Any] = []

    def broken(event: Any) -> None:
        raise RuntimeError("listener bug")

    auth.hub.listen(broken)
    stop = auth.hub.listen(seen.append)
    cognito.expect("InitiateAuth", {"AuthenticationResult": authentication_result()})
    with caplog.at_level(logging.ERROR, logger="authpool.client"):
        assert auth.sign_in("ada", PASSWORD).is_signed_in
    assert [e.event for e in seen] == [AuthHubEvent.SIGNED_IN]
    assert "listener bug" in caplog.text
    stop()
    cognito.expect("RevokeToken", {})
    auth.sign_out()
    assert [e.event for e in seen] == [AuthHubEvent.SIGNED_IN]  # stopped listening


def test_auto_sign_in(replayed: Any, cognito: ReplayedCognito, clock: OffsetClock) -> None:
    auth = replayed(clock=clock, auth_flow_type="USER_PASSWORD_AUTH")
    # a pool that confirms at once (a PreSignUp trigger auto-confirming, say)
    cognito.expect("SignUp", {"UserConfirmed": True, "UserSub": "sub-1"})
    signed_up = auth.sign_up("ada", PASSWORD, auto_sign_in=True)
    assert signed_up.is_sign_up_complete
    assert signed_up.next_step.sign_up_step is AuthSignUpStep.COMPLETE_AUTO_SIGN_IN
    cognito.expect(
        "InitiateAuth",
        {"AuthenticationResult": authentication_result()},
        check=lambda body: body["AuthParameters"]["PASSWORD"] == PASSWORD,
    )
    assert auth.auto_sign_in().is_signed_in
    cognito.expect("RevokeToken", {})
    auth.sign_out()
    with pytest.raises(InvalidStateException):
        auth.auto_sign_in()  # used once

    # confirmed too late: the window (three minutes, as Amplify's) has closed
    cognito.expect("SignUp", {"UserConfirmed": False, "UserSub": "sub-2"})
    cognito.expect("ConfirmSignUp", {})
    auth.sign_up("bob", PASSWORD, auto_sign_in=True)
    clock.advance(181)
    confirmed = auth.confirm_sign_up("bob", "123456")
    assert confirmed.next_step.sign_up_step is AuthSignUpStep.DONE
    with pytest.raises(InvalidStateException):
        auth.auto_sign_in()

    # confirming another user than the one signed up does not start it
    cognito.expect("SignUp", {"UserConfirmed": False, "UserSub": "sub-3"})
    cognito.expect("ConfirmSignUp", {})
    auth.sign_up("cy", PASSWORD, auto_sign_in=True)
    assert auth.confirm_sign_up("dee", "123456").next_step.sign_up_step is AuthSignUpStep.DONE


def test_concurrent_refreshes_are_made_once() -> None:
    """Three tasks find the tokens expired at once: one refresh is made, the others wait for
    it and use its tokens (a second refresh with a rotated refresh token would fail)."""
    clock = OffsetClock()
    refreshes: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        operation, body = check_request(request)
        if operation == "InitiateAuth":
            return httpx.Response(200, json={"AuthenticationResult": authentication_result()})
        assert operation == "GetTokensFromRefreshToken"
        refreshes.append(body["RefreshToken"])
        for _ in range(5):
            await asyncio.sleep(0)  # let the other tasks run into the refresh
        result = authentication_result(refresh=f"rotated-{len(refreshes)}")
        return httpx.Response(200, json={"AuthenticationResult": result})

    async def scenario() -> list[Any]:
        auth = AsyncAuth(
            user_pool_id=POOL_ID,
            user_pool_client_id=CLIENT_ID,
            auth_flow_type="USER_PASSWORD_AUTH",
            transport=AsyncValidatingTransport(httpx.MockTransport(handler)),
            clock=clock,
        )
        async with auth:
            await auth.sign_in("ada", PASSWORD)
            clock.advance(3600)
            return list(await asyncio.gather(*(auth.fetch_auth_session() for _ in range(3))))

    sessions = asyncio.run(scenario())
    assert refreshes == ["replayed-refresh-token"]
    assert {s.tokens.refresh_token for s in sessions} == {"rotated-1"}
