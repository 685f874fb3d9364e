"""The session against a live server: tokens refreshed before they expire (the client's
clock is injected and moved, never slept on), forced refreshes, refresh-token rotation, a
refresh the server refuses, global sign-out, sign-out when the service cannot be reached,
tokens kept in an encrypted file across client objects, and deleting the user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.client.conftest import ALL_FLOWS, PASSWORD, LivePool
from tests.client.support import OffsetClock

from authpool.client import (
    AuthHubEvent,
    EncryptedFileStorage,
    NetworkException,
    NotAuthorizedException,
    SessionExpiredException,
    SignedOutException,
    StorageError,
    UserNotFoundException,
)

LIFETIME = 3600  # the server's default access and ID token lifetime


def _events(auth: Any) -> list[Any]:
    seen: list[Any] = []
    auth.hub.listen(seen.append)
    return seen


def test_tokens_are_refreshed_just_before_they_expire(live: LivePool, clock: OffsetClock) -> None:
    auth = live.auth(clock=clock)
    username = live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    events = _events(auth)
    first = auth.fetch_auth_session().tokens
    assert first is not None

    clock.advance(LIFETIME - 60)  # a minute before expiry: nothing to do
    same = auth.fetch_auth_session().tokens
    assert same is not None
    assert str(same.access_token) == str(first.access_token)
    assert events == []

    clock.advance(58)  # within Amplify's five-second tolerance: refreshed first
    renewed = auth.fetch_auth_session().tokens
    assert renewed is not None
    assert str(renewed.access_token) != str(first.access_token)
    assert str(renewed.id_token) != str(first.id_token)
    assert renewed.refresh_token == first.refresh_token  # no rotation on this client
    assert [e.event for e in events] == [AuthHubEvent.TOKEN_REFRESH]
    # the new tokens are good on the server, and fresh by the client's (moved) clock
    assert auth.fetch_user_attributes()["sub"] == renewed.access_token.payload["sub"]
    assert auth.get_current_user().username == username
    assert [e.event for e in events] == [AuthHubEvent.TOKEN_REFRESH]


def test_force_refresh(live: LivePool) -> None:
    auth = live.auth()
    auth.sign_in(live.new_user(auth), PASSWORD)
    events = _events(auth)
    before = auth.fetch_auth_session().tokens
    after = auth.fetch_auth_session(force_refresh=True).tokens
    assert before is not None
    assert after is not None
    assert str(after.access_token) != str(before.access_token)
    assert [e.event for e in events] == [AuthHubEvent.TOKEN_REFRESH]


def test_rotated_refresh_tokens_replace_the_old_one(live: LivePool, app_client: Any) -> None:
    live.client = app_client(
        live.pool_id,
        ExplicitAuthFlows=ALL_FLOWS,
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    auth = live.auth()
    auth.sign_in(live.new_user(auth), PASSWORD)
    first = auth.fetch_auth_session().tokens
    second = auth.fetch_auth_session(force_refresh=True).tokens
    third = auth.fetch_auth_session(force_refresh=True).tokens
    assert first is not None
    assert second is not None
    assert third is not None
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    reused = live.server.call(
        "GetTokensFromRefreshToken",
        {"ClientId": live.client_id, "RefreshToken": first.refresh_token},
        signed=False,
    )
    assert reused.json()["__type"] == "RefreshTokenReuseException"


def test_a_refused_refresh_ends_the_session(live: LivePool, clock: OffsetClock) -> None:
    auth = live.auth(clock=clock)
    username = live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    events = _events(auth)
    live.server.client().admin_user_global_sign_out(UserPoolId=live.pool_id, Username=username)
    clock.advance(LIFETIME)

    session = auth.fetch_auth_session()
    assert session.is_signed_in is False
    assert [e.event for e in events] == [AuthHubEvent.TOKEN_REFRESH_FAILURE]
    assert isinstance(events[0].data["error"], NotAuthorizedException)
    with pytest.raises(SessionExpiredException) as expired:
        auth.get_current_user()
    assert isinstance(expired.value.underlying, NotAuthorizedException)
    assert len(auth.storage) == 0  # tokens cleared (no device was remembered)
    assert auth.sign_in(username, PASSWORD).is_signed_in  # and a new sign-in is allowed


def test_global_sign_out_ends_every_session(live: LivePool) -> None:
    laptop, phone = live.auth(), live.auth()
    username = live.new_user(laptop)
    laptop.sign_in(username, PASSWORD)
    phone.sign_in(username, PASSWORD)
    assert phone.fetch_user_attributes()
    assert laptop.sign_out(global_sign_out=True).is_complete
    with pytest.raises(NotAuthorizedException):
        phone.fetch_user_attributes()
    # the phone's refresh token is dead too
    assert phone.fetch_auth_session(force_refresh=True).is_signed_in is False


def test_sign_out_forgets_the_session_even_when_the_service_is_unreachable(
    live: LivePool,
) -> None:
    auth = live.auth()
    auth.sign_in(live.new_user(auth), PASSWORD)
    tokens = auth.fetch_auth_session().tokens
    assert tokens is not None
    auth.configure(auth.config, endpoint="http://127.0.0.1:9/")  # nothing listens there
    assert auth.fetch_auth_session().is_signed_in  # same client id: the same stored session
    events = _events(auth)
    outcome = auth.sign_out()
    assert isinstance(outcome.revoke_token_error, NetworkException)
    assert outcome.is_complete is False
    assert [e.event for e in events] == [AuthHubEvent.SIGNED_OUT]
    assert auth.fetch_auth_session().is_signed_in is False
    # nothing was revoked: the refresh token still works on the server
    again = live.server.call(
        "GetTokensFromRefreshToken",
        {"ClientId": live.client_id, "RefreshToken": tokens.refresh_token},
        signed=False,
    )
    assert again.status_code == 200


def test_tokens_kept_in_an_encrypted_file(live: LivePool, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    auth = live.auth(storage=EncryptedFileStorage(path, passphrase="correct horse"))
    username = live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    tokens = auth.fetch_auth_session().tokens
    assert tokens is not None
    stored = path.read_text()
    assert str(tokens.access_token) not in stored
    assert username not in stored
    assert path.stat().st_mode & 0o777 == 0o600

    later = live.auth(storage=EncryptedFileStorage(path, passphrase="correct horse"))
    assert later.get_current_user().username == username
    assert later.fetch_user_attributes()["email"] == f"{username}@example.com"
    with pytest.raises(StorageError, match="wrong key or passphrase"):
        EncryptedFileStorage(path, passphrase="wrong horse")


def test_delete_user(live: LivePool) -> None:
    auth = live.auth()
    username = live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    events = _events(auth)
    auth.delete_user()
    assert [e.event for e in events] == [AuthHubEvent.SIGNED_OUT]
    with pytest.raises(SignedOutException):
        auth.fetch_user_attributes()
    with pytest.raises(UserNotFoundException):  # the client does not hide user existence
        auth.sign_in(username, PASSWORD)
