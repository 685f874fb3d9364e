"""Helpers of the security tests: a pool with a client for every password flow, users, and
sign-in attempts that report their outcome instead of raising."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError
from tests.flows.challenge_support import PASSWORD, make_user, new_name, password_sign_in
from tests.support.server import LiveServer

from authpool.clock import FrozenClock

WRONG = ("NotAuthorizedException", "Incorrect username or password.")
EXCEEDED = ("NotAuthorizedException", "Password attempts exceeded")
FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]

__all__ = [
    "EXCEEDED",
    "FLOWS",
    "PASSWORD",
    "WRONG",
    "ClientFactory",
    "frozen",
    "PoolFactory",
    "new_name",
    "outcome",
    "password_pool",
    "try_password",
    "user",
]


def password_pool(
    pool: PoolFactory, app_client: ClientFactory, **client: Any
) -> tuple[str, dict[str, Any]]:
    """A pool, and a client allowing every password flow (``client`` overrides)."""
    pool_id = pool()
    settings: dict[str, Any] = {"ExplicitAuthFlows": FLOWS, **client}
    return pool_id, app_client(pool_id, **settings)


def user(idp: Any, pool_id: str, **attrs: str) -> str:
    return make_user(idp, pool_id, **attrs)


def outcome(call: Callable[[], object]) -> tuple[str, str] | None:
    """None when ``call`` succeeds, else (code, message) of its ClientError."""
    try:
        call()
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


def try_password(
    anon: Any, client: dict[str, Any], username: str, password: str = PASSWORD
) -> tuple[str, str] | None:
    """One USER_PASSWORD_AUTH sign-in: None when it gives tokens (or a challenge)."""
    return outcome(lambda: password_sign_in(anon, client, username, password))


@contextmanager
def frozen(server: LiveServer) -> Iterator[FrozenClock]:
    """The server's time stands still (at its current time) until the block ends, so that
    work spread over real seconds by a loaded machine all happens at one instant."""
    clock = FrozenClock(server.svc.clock.now())
    running = server.svc.clock
    server.svc.clock = clock
    try:
        yield clock
    finally:
        server.svc.clock = running
