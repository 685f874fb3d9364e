"""The seed's flow with authpool.client against a live server, with both drivers: sign up →
CONFIRM_SIGN_UP with the code delivery details → confirm with the code from the outbox →
sign in with SRP → DONE → the session, the user, the attributes → a wrong password refused
→ sign out (which revokes the session on the server)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from tests.client.conftest import PASSWORD, LivePool

from authpool.client import (
    AuthFlowType,
    AuthHubEvent,
    AuthSignInStep,
    AuthSignUpStep,
    CodeMismatchException,
    NotAuthorizedException,
    SignedOutException,
    UsernameExistsException,
)


def _sign_out_revokes(live: LivePool, auth: Any, access_token: str, events: list[Any]) -> None:
    outcome = auth.sign_out()
    assert outcome.is_complete
    assert [e.event for e in events][-1] is AuthHubEvent.SIGNED_OUT
    assert auth.fetch_auth_session().is_signed_in is False
    with pytest.raises(SignedOutException):
        auth.get_current_user()
    # sign-out revoked the session on the server: its access token is refused now
    refused = live.server.call("GetUser", {"AccessToken": access_token}, signed=False)
    assert refused.status_code == 400
    assert refused.json()["__type"] == "NotAuthorizedException"


def test_seed_flow(live: LivePool) -> None:
    auth = live.auth()
    events: list[Any] = []
    auth.hub.listen(events.append)
    username = f"seed{secrets.token_hex(3)}"

    signed_up = auth.sign_up(
        username, PASSWORD, user_attributes={"email": f"{username}@example.com"}
    )
    assert signed_up.is_sign_up_complete is False
    assert signed_up.next_step.sign_up_step is AuthSignUpStep.CONFIRM_SIGN_UP
    details = signed_up.next_step.code_delivery_details
    assert details is not None
    assert details.delivery_medium == "EMAIL"
    assert details.destination == f"{username[0]}***@e***"
    assert details.attribute_name == "email"
    assert signed_up.user_id

    confirmed = auth.confirm_sign_up(username, live.code(username))
    assert confirmed.is_sign_up_complete is True
    assert confirmed.next_step.sign_up_step is AuthSignUpStep.DONE

    result = auth.sign_in(username, PASSWORD)
    assert result.is_signed_in is True
    assert result.next_step.sign_in_step is AuthSignInStep.DONE
    assert [e.event for e in events] == [AuthHubEvent.SIGNED_IN]
    assert events[0].data.username == username

    session = auth.fetch_auth_session()
    assert session.is_signed_in
    assert session.tokens is not None
    assert session.tokens.id_token is not None
    assert session.user_sub == signed_up.user_id
    assert session.tokens.id_token.payload["email"] == f"{username}@example.com"
    assert session.tokens.access_token.payload["client_id"] == live.client_id

    user = auth.get_current_user()
    assert (user.username, user.user_id) == (username, signed_up.user_id)
    assert user.sign_in_details is not None
    assert user.sign_in_details.login_id == username
    assert user.sign_in_details.auth_flow_type is AuthFlowType.USER_SRP_AUTH

    attributes = auth.fetch_user_attributes()
    assert attributes["email"] == f"{username}@example.com"
    assert attributes["email_verified"] == "true"
    assert attributes["sub"] == signed_up.user_id

    _sign_out_revokes(live, auth, str(session.tokens.access_token), events)

    with pytest.raises(NotAuthorizedException) as wrong:
        auth.sign_in(username, "Wrong-Passw0rd!")
    assert wrong.value.message == "Incorrect username or password."
    assert wrong.value.recovery_suggestion


def test_sign_up_errors_are_typed(live: LivePool) -> None:
    auth = live.auth()
    username = live.new_user(auth)
    with pytest.raises(UsernameExistsException) as taken:
        auth.sign_up(username, PASSWORD, user_attributes={"email": "x@example.com"})
    assert taken.value.status_code == 400
    assert taken.value.request_id

    other = f"u{secrets.token_hex(4)}"
    auth.sign_up(other, PASSWORD, user_attributes={"email": f"{other}@example.com"})
    with pytest.raises(CodeMismatchException):
        auth.confirm_sign_up(other, "000000" if live.code(other) != "000000" else "111111")


def test_resend_sign_up_code(live: LivePool) -> None:
    auth = live.auth()
    username = f"u{secrets.token_hex(4)}"
    auth.sign_up(username, PASSWORD, user_attributes={"email": f"{username}@example.com"})
    first = live.code(username)
    details = auth.resend_sign_up_code(username)
    assert details.delivery_medium == "EMAIL"
    assert details.attribute_name == "email"
    assert details.destination == f"{username[0]}***@e***"
    assert live.messages(username) == 2
    latest = live.code(username)
    if latest != first:  # the old code stops working once a new one is sent
        with pytest.raises(CodeMismatchException):
            auth.confirm_sign_up(username, first)
    assert auth.confirm_sign_up(username, latest).is_sign_up_complete
