"""The sealed challenge state of :mod:`authpool.domain.sessions`, on a real store (SQLite
and PostgreSQL): sealing, tampering, expiry, binding to client and challenge, single use."""

from __future__ import annotations

import base64
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.support.services import frozen_services

from authpool.clock import FrozenClock
from authpool.domain import sessions
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import NotAuthorizedException
from authpool.domain.records import ClientRecord
from authpool.store import SqlStore
from authpool.vault import Vault

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POOL = "us-east-1_SessTest1"


@pytest.fixture
def svc(store: SqlStore) -> Services:
    return frozen_services(store, START)


def make_client(pool_id: str = POOL, client_id: str | None = None, **config: Any) -> Client:
    config.setdefault("auth_session_validity", 3)
    return Client(
        ClientRecord(
            id=client_id or secrets.token_hex(13),
            pool_id=pool_id,
            name="test",
            secret_sealed=None,
            config=config,
            created_at=START,
            updated_at=START,
        )
    )


def new_session(
    svc: Services, client: Client, challenge: str = "SMS_MFA", **kwargs: Any
) -> tuple[sessions.ChallengeState, str]:
    kwargs.setdefault("sub", "8d3e2f6a-0000-4000-8000-000000000001")
    kwargs.setdefault("user_id", "alice")
    state = sessions.new_state(svc, client, challenge=challenge, **kwargs)
    return state, sessions.seal(svc, state)


def refusal(call: Any) -> str:
    with pytest.raises(NotAuthorizedException) as info:
        call()
    return info.value.message


def refused_open(
    svc: Services, token: str | None, client: Client, challenge: str = "SMS_MFA"
) -> str:
    """The message open_state refuses ``token`` with."""
    return refusal(lambda: sessions.open_state(svc, token, client, challenge=challenge))


def advance(svc: Services, seconds: float) -> None:
    clock = svc.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(seconds)


# sealing -------------------------------------------------------------------------------------
def test_a_sealed_state_opens_to_itself(svc: Services) -> None:
    client = make_client()
    auth_time = START - timedelta(seconds=30)
    state, token = new_session(
        svc, client, "NEW_PASSWORD_REQUIRED", auth_time=auth_time, data={"k": [1, "two"]}
    )
    opened = sessions.open_state(svc, token, client, challenge="NEW_PASSWORD_REQUIRED")
    assert opened == state
    assert opened.pool_id == POOL
    assert opened.client_id == client.id
    assert opened.user_id == "alice"
    assert opened.auth_time == int(auth_time.timestamp())
    assert opened.data == {"k": [1, "two"]}
    assert opened.expires_at == int((START + timedelta(minutes=3)).timestamp())


def test_a_sealed_state_cannot_be_read(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client, user_id="alice-the-user", data={"secret": "s3cr3t"})
    raw = base64.b64decode(token)
    for visible in (b"alice-the-user", b"s3cr3t", client.id.encode(), b"SMS_MFA"):
        assert visible not in raw


def test_two_seals_of_one_state_differ(svc: Services) -> None:
    state, token = new_session(svc, make_client())
    assert sessions.seal(svc, state) != token


def test_a_simulated_state_has_no_user(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client, sub=None, user_id="ghost")
    opened = sessions.open_state(svc, token, client, challenge="SMS_MFA")
    assert opened.sub is None
    assert opened.user_id == "ghost"


# tampering -----------------------------------------------------------------------------------
def test_every_flipped_byte_is_refused(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client)
    raw = base64.b64decode(token)
    for i in range(len(raw)):
        forged = base64.b64encode(raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1 :]).decode()
        message = refused_open(svc, forged, client)
        assert message == sessions.INVALID


@pytest.mark.parametrize(
    "token",
    [None, "", "not base64!", "AAAA", base64.b64encode(b"\x01" * 64).decode()],
    ids=["none", "empty", "not-base64", "too-short", "junk"],
)
def test_a_malformed_session_is_refused(svc: Services, token: str | None) -> None:
    client = make_client()
    assert refused_open(svc, token, client) == (sessions.INVALID)


def test_truncated_and_extended_sessions_are_refused(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client)
    raw = base64.b64decode(token)
    for forged in (raw[:-1], raw + b"\x00", raw[:20]):
        text = base64.b64encode(forged).decode()
        assert refused_open(svc, text, client) == (sessions.INVALID)


def test_a_session_sealed_under_another_master_key_is_refused(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client)
    other = Services(
        store=svc.store,
        vault=Vault(secrets.token_bytes(32)),
        clock=svc.clock,
        sender=svc.sender,
        public_url=svc.public_url,
    )
    assert refused_open(other, token, client) == (sessions.INVALID)


def test_a_value_sealed_for_another_purpose_is_not_a_session(svc: Services) -> None:
    """An SRP SECRET_BLOCK (the same state, sealed for its own purpose) is no Session."""
    client = make_client()
    state, _ = new_session(svc, client, "PASSWORD_VERIFIER")
    block = base64.b64encode(svc.vault.seal(state.as_json(), purpose="srp-secret-block")).decode()
    assert refused_open(svc, block, client, "PASSWORD_VERIFIER") == sessions.INVALID


# expiry --------------------------------------------------------------------------------------
def test_a_session_expires_after_the_auth_session_validity(svc: Services) -> None:
    client = make_client()  # 3 minutes
    _, token = new_session(svc, client)
    advance(svc, 3 * 60 - 1)
    sessions.open_state(svc, token, client, challenge="SMS_MFA")
    advance(svc, 1)
    assert refused_open(svc, token, client) == (sessions.EXPIRED)


def test_the_validity_is_the_clients(svc: Services) -> None:
    client = make_client(auth_session_validity=15)
    _, token = new_session(svc, client)
    advance(svc, 14 * 60)
    sessions.open_state(svc, token, client, challenge="SMS_MFA")
    advance(svc, 60)
    assert refused_open(svc, token, client) == (sessions.EXPIRED)


# binding -------------------------------------------------------------------------------------
def test_a_session_is_bound_to_its_client(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client)
    for other in (
        make_client(),  # another client of the pool
        make_client(pool_id="us-east-1_OtherPool", client_id=client.id),  # same id, other pool
    ):
        assert refused_open(svc, token, other) == sessions.INVALID


def test_a_session_is_bound_to_its_challenge(svc: Services) -> None:
    client = make_client()
    _, token = new_session(svc, client, "SMS_MFA")
    for challenge in ("SOFTWARE_TOKEN_MFA", "NEW_PASSWORD_REQUIRED", "PASSWORD_VERIFIER"):
        assert refused_open(svc, token, client, challenge) == sessions.INVALID
    sessions.open_state(svc, token, client, challenge="SMS_MFA")


# single use ----------------------------------------------------------------------------------
def test_a_session_is_single_use(svc: Services) -> None:
    client = make_client()
    state, token = new_session(svc, client)
    sessions.use(svc, token, state)
    assert refusal(lambda: sessions.use(svc, token, state)) == sessions.USED
    # Another session of the same user and challenge is its own.
    other_state, other_token = new_session(svc, client)
    sessions.use(svc, other_token, other_state)


def test_a_used_session_cannot_be_used_under_another_base64_spelling(svc: Services) -> None:
    client = make_client()
    # A seal whose base64 text has padding, hence spare bits: its length follows the
    # user id's, so one of three consecutive lengths gives one.
    for length in (5, 6, 7):
        state, token = new_session(svc, client, user_id="a" * length)
        if token.endswith("="):
            break
    sessions.use(svc, token, state)
    body = token.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = body[:-1] + alphabet[alphabet.index(body[-1]) ^ 1] + token[len(body) :]
    assert twin != token
    assert base64.b64decode(twin) == base64.b64decode(token)
    assert sessions.open_state(svc, twin, client, challenge="SMS_MFA") == state
    assert refusal(lambda: sessions.use(svc, twin, state)) == sessions.USED


def test_racing_uses_of_one_session_let_exactly_one_through(svc: Services) -> None:
    client = make_client()
    state, token = new_session(svc, client)
    racers = 8
    start = threading.Barrier(racers)
    results: list[str] = []
    lock = threading.Lock()

    def race() -> None:
        start.wait(timeout=60)
        try:
            sessions.use(svc, token, state)
            outcome = "ok"
        except NotAuthorizedException as exc:
            outcome = exc.message
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == racers
    assert results.count("ok") == 1
    assert set(results) == {"ok", sessions.USED}
