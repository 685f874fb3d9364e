"""What a sign-in writes, and in how many transactions: the attempt is counted (and an SRP
block used up) in one transaction before the answer is checked; a right answer's count is
taken back in one more with the refresh token and the history event, before the answer
goes out (and on its own when what follows the right answer fails). A sign-up stores its
user and its SignUp event in one. The history stays best effort."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from tests.flows.challenge_support import srp_sign_in
from tests.security.support import (
    PASSWORD,
    WRONG,
    ClientFactory,
    PoolFactory,
    frozen,
    new_name,
    password_pool,
    try_password,
    user,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

Transaction = list[str]


@pytest.fixture
def transactions(server: LiveServer) -> Iterator[Callable[[Callable[[], Any]], list[Transaction]]]:
    """``transactions(call)``: the write transactions ``call()`` made on the server's
    database, each the list of its statements (their first three words)."""
    seen: list[Transaction] = []
    current: dict[int, Transaction] = {}

    def begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("authpool_write"):
            current[id(conn.connection.dbapi_connection)] = []

    def statement(conn: sa.Connection, cursor: Any, text: str, *rest: Any) -> None:
        found = current.get(id(conn.connection.dbapi_connection))
        if found is not None:
            found.append(" ".join(text.split()[:3]))

    def end(conn: sa.Connection) -> None:
        found = current.pop(id(conn.connection.dbapi_connection), None)
        if found is not None and any(s.split()[0] in ("INSERT", "UPDATE", "DELETE") for s in found):
            seen.append(found)

    engine = server.svc.store.engine  # type: ignore[attr-defined]
    listeners = [("begin", begin), ("before_cursor_execute", statement), ("commit", end)]
    for name, fn in listeners:
        sa.event.listen(engine, name, fn)

    def measure(call: Callable[[], Any]) -> list[Transaction]:
        seen.clear()
        call()
        return [t for t in seen if not any("rate_counters" in s for s in t)]

    try:
        yield measure
    finally:
        for name, fn in listeners:
            sa.event.remove(engine, name, fn)


@dataclass(frozen=True)
class Someone:
    """A confirmed user of a fresh pool whose client allows password and SRP sign-in."""

    pool_id: str
    client: dict[str, Any]
    name: str
    anon: Any  # an unsigned boto3 client of the server


@pytest.fixture
def someone(server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory) -> Someone:
    pool_id, client = password_pool(pool, app_client)
    return Someone(pool_id, client, user(idp, pool_id), server.anon_client())


def _holding(found: list[Transaction], table: str) -> list[Transaction]:
    return [t for t in found if any(table in s for s in t)]


def test_a_password_sign_in_writes_twice(
    server: LiveServer,
    someone: Someone,
    transactions: Callable[[Callable[[], Any]], list[Transaction]],
) -> None:
    anon, client, name = someone.anon, someone.client, someone.name
    assert try_password(anon, client, name) is None
    found = transactions(lambda: try_password(anon, client, name))
    assert len(found) == 2, found
    counted, succeeded = found
    assert _holding([counted], "sign_in_failures") == [counted]
    assert "DELETE FROM sign_in_failures" in succeeded
    assert _holding([succeeded], "INSERT INTO refresh_tokens") == [succeeded]
    if server.svc.store.dialect == "postgresql":  # type: ignore[attr-defined]
        # The count does not wait for the disk; the tokens, told to the caller, do.
        assert counted[0] == "SET LOCAL synchronous_commit"
        assert not any(s.startswith("SET LOCAL") for s in succeeded)
    assert _holding([succeeded], "INSERT INTO auth_events") == [succeeded]


def test_an_srp_sign_in_counts_with_its_block_used_up(
    someone: Someone,
    transactions: Callable[[Callable[[], Any]], list[Transaction]],
) -> None:
    anon, pool_id, client, name = someone.anon, someone.pool_id, someone.client, someone.name
    srp_sign_in(anon, pool_id, client, name, PASSWORD)
    found = transactions(lambda: srp_sign_in(anon, pool_id, client, name, PASSWORD))
    assert len(found) == 2, found
    counted, succeeded = found
    assert "DELETE FROM sign_in_failures" in succeeded
    assert any("used_sessions" in s for s in counted)
    assert any("sign_in_failures" in s for s in counted)
    assert _holding([succeeded], "INSERT INTO refresh_tokens") == [succeeded]
    assert _holding([succeeded], "INSERT INTO auth_events") == [succeeded]


def test_a_history_that_cannot_be_written_fails_nothing_else(
    server: LiveServer,
    someone: Someone,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The history event fails: the sign-in still answers with tokens, its refresh token
    works, and the right password still took the lockout count back."""
    anon, client, name = someone.anon, someone.client, someone.name

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the history is down")

    with frozen(server):
        for _ in range(4):
            assert try_password(anon, client, name, "Wr0ng-password!") == WRONG
        monkeypatch.setattr(server.svc.store, "insert_auth_event", broken)
        with caplog.at_level(logging.ERROR, logger="authpool.events"):
            tokens = anon.initiate_auth(
                ClientId=client["ClientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]
        assert "could not record" in caplog.text
        monkeypatch.undo()
        refreshed = anon.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
        assert refreshed["AuthenticationResult"]["AccessToken"]
        # Counted from zero again: four more wrong guesses are wrong, not locked out (had
        # the right answer stayed counted, the fifth failure would have locked the user).
        for _ in range(4):
            assert try_password(anon, client, name, "Wr0ng-password!") == WRONG


def test_a_right_password_is_taken_back_when_what_follows_it_fails(
    server: LiveServer,
    pool: PoolFactory,
    app_client: ClientFactory,
    transactions: Callable[[Callable[[], Any]], list[Transaction]],
) -> None:
    """An unconfirmed user's right password fails the sign-in (UserNotConfirmedException)
    but is still a right answer: its count is taken back, so it never adds to a lockout."""
    _, client = password_pool(pool, app_client)
    anon = server.anon_client()
    name = new_name("unconfirmed")
    anon.sign_up(ClientId=client["ClientId"], Username=name, Password=PASSWORD)
    not_confirmed = ("UserNotConfirmedException", "User is not confirmed.")
    with frozen(server):
        for _ in range(4):
            assert try_password(anon, client, name, "Wr0ng-password!") == WRONG
        found = transactions(lambda: try_password(anon, client, name))
        assert try_password(anon, client, name) == not_confirmed
        # (on PostgreSQL after SET LOCAL synchronous_commit: it need not wait for the disk)
        assert [s for s in found[-1] if not s.startswith("SET")] == ["DELETE FROM sign_in_failures"]
        # Counted from zero again: had the right answers stayed counted, the fifth failure
        # would have locked the name out.
        for _ in range(4):
            assert try_password(anon, client, name, "Wr0ng-password!") == WRONG


def test_a_sign_up_stores_its_event_with_the_user(
    server: LiveServer,
    pool: PoolFactory,
    app_client: ClientFactory,
    transactions: Callable[[Callable[[], Any]], list[Transaction]],
) -> None:
    pool_id, client = password_pool(pool, app_client)
    anon = server.anon_client()
    name = new_name("signup")
    found = transactions(
        lambda: anon.sign_up(ClientId=client["ClientId"], Username=name, Password=PASSWORD)
    )
    assert len(found) == 1, found
    assert _holding(found, "INSERT INTO users") == _holding(found, "INSERT INTO auth_events")


def test_a_sign_up_whose_event_cannot_be_written_still_signs_up(
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool_id, client = password_pool(pool, app_client)
    anon = server.anon_client()
    name = new_name("signup")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the history is down")

    monkeypatch.setattr(server.svc.store, "insert_auth_event", broken)
    with caplog.at_level(logging.ERROR, logger="authpool.events"):
        made = anon.sign_up(ClientId=client["ClientId"], Username=name, Password=PASSWORD)
    assert "could not record the SignUp event" in caplog.text
    monkeypatch.undo()
    found = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    assert {"Name": "sub", "Value": made["UserSub"]} in found["UserAttributes"]
    events = idp.admin_list_user_auth_events(UserPoolId=pool_id, Username=name)["AuthEvents"]
    assert events == []
