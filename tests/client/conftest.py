"""Fixtures of the client tests.

``make_auth(**Auth kwargs)`` makes an ``Auth`` (param ``sync``) or an ``AsyncAuth`` driven
through :class:`~tests.client.support.Blocking` (param ``async``): every test that uses it
runs with both drivers. Its transport validates every request against botocore's model.
``live`` is a pool and app client on the live server, with helpers to read codes.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.client.support import (
    CLIENT_ID,
    POOL_ID,
    AsyncValidatingTransport,
    Blocking,
    OffsetClock,
    ReplayedCognito,
    ValidatingTransport,
)
from tests.support.server import LiveServer

from authpool.client import AsyncAuth, Auth

PASSWORD = "Seed-Passw0rd!"
ALL_FLOWS = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sleeps() -> list[float]:
    """The waits of the clients ``make_auth`` made (between retries), in seconds; nobody
    sleeps."""
    return []


@pytest.fixture
def make_auth(driver: str, sleeps: list[float]) -> Iterator[Callable[..., Any]]:
    """``make_auth(transport=None, **kwargs)``: a client of the test's driver; the live HTTP
    transport unless ``transport`` (a MockTransport) is given. Its waits between retries go
    to ``sleeps`` instead of the clock."""
    made: list[Any] = []
    loop = asyncio.new_event_loop() if driver == "async" else None

    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def make(*args: Any, transport: httpx.MockTransport | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("sleep", sleeps.append if loop is None else async_sleep)
        if loop is None:
            auth: Any = Auth(
                *args,
                transport=ValidatingTransport(transport or httpx.HTTPTransport()),
                **kwargs,
            )
        else:
            inner = transport or httpx.AsyncHTTPTransport()
            auth = Blocking(
                AsyncAuth(*args, transport=AsyncValidatingTransport(inner), **kwargs), loop
            )
        made.append(auth)
        return auth

    try:
        yield make
    finally:
        for auth in made:
            auth.close()
        if loop is not None:
            loop.close()


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@dataclass
class LivePool:
    server: LiveServer
    pool_id: str
    client: dict[str, Any]
    make_auth: Callable[..., Any]

    @property
    def client_id(self) -> str:
        return str(self.client["ClientId"])

    def auth(self, **kwargs: Any) -> Any:
        kwargs.setdefault("user_pool_id", self.pool_id)
        kwargs.setdefault("user_pool_client_id", self.client_id)
        kwargs.setdefault("endpoint", self.server.url)
        if self.client.get("ClientSecret"):
            kwargs.setdefault("client_secret", self.client["ClientSecret"])
        return self.make_auth(**kwargs)

    def code(self, username: str) -> str:
        """The latest code the server sent to ``username``."""
        messages = self.server.outbox(pool_id=self.pool_id, username=username)
        assert messages, f"no message was sent to {username}"
        code = messages[-1].code
        assert code is not None
        return code

    def messages(self, username: str) -> int:
        return len(self.server.outbox(pool_id=self.pool_id, username=username))

    def new_user(self, auth: Any, *, password: str = PASSWORD, **attributes: str) -> str:
        """A confirmed user signed up through ``auth``; returns the username."""
        username = f"u{secrets.token_hex(4)}"
        attributes.setdefault("email", f"{username}@example.com")
        auth.sign_up(username, password, user_attributes=attributes)
        auth.confirm_sign_up(username, self.code(username))
        return username


@pytest.fixture
def live(
    server: LiveServer,
    pool: Callable[..., str],
    app_client: Callable[..., dict[str, Any]],
    make_auth: Callable[..., Any],
) -> LivePool:
    """A pool that e-mails sign-up codes, and a client allowing every sign-in flow."""
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client = app_client(pool_id, ExplicitAuthFlows=ALL_FLOWS)
    return LivePool(server, pool_id, client, make_auth)


@pytest.fixture
def cognito() -> Iterator[ReplayedCognito]:
    replayed = ReplayedCognito()
    yield replayed
    replayed.done()


@pytest.fixture
def replayed(make_auth: Callable[..., Any], cognito: ReplayedCognito) -> Callable[..., Any]:
    """``replayed(**kwargs)``: a client of the test's driver talking to the REPLAYED service."""

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("user_pool_id", POOL_ID)
        kwargs.setdefault("user_pool_client_id", CLIENT_ID)
        return make_auth(transport=cognito.transport(), **kwargs)

    return make
