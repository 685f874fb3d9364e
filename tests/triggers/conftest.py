"""Servers that run triggers: Python targets from ``tests.triggers`` and ``examples.triggers``
named directly, Lambda ARNs mapped to them, and a webhook secret."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import unique_name
from tests.support.postgres import PgServer
from tests.support.server import LiveServer, start_server
from tests.triggers.handlers import SCRIPT, Script

from authpool.config import Secret, TriggerConfig

HANDLER = "python:tests.triggers.handlers:handler"
WEBHOOK_SECRET = "trigger-webhook-secret-0123456789"
ACCOUNT = "123456789012"


def arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"


MAPPED = arn("recorded-trigger")  # the ARN tests put in LambdaConfig for the handler


def trigger_config(**overrides: Any) -> TriggerConfig:
    settings: dict[str, Any] = {
        "targets": {MAPPED: HANDLER, "amplify-env-trigger": HANDLER},
        "webhook_secret": Secret(WEBHOOK_SECRET),
        "python_modules": ("tests.triggers", "examples.triggers"),
        "timeout": 5.0,
    }
    settings.update(overrides)
    return TriggerConfig(**settings)


def trigger_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    database: str,
    config: TriggerConfig,
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp(f"triggers-{database}")
    url = None
    pg: PgServer | None = None
    if database == "pg":
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database()
    live = start_server(Path(data_dir), database_url=url, triggers=config)
    try:
        yield live
    finally:
        live.stop()
        if pg is not None and url is not None:
            pg.drop_database(url)


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def _trigger_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from trigger_server(request, tmp_path_factory, request.param, trigger_config())


@pytest.fixture(scope="module")
def _trigger_sqlite_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from trigger_server(request, tmp_path_factory, "sqlite", trigger_config())


@pytest.fixture
def tserver(_trigger_server: LiveServer) -> Iterator[LiveServer]:
    """A server running triggers, on SQLite and PostgreSQL."""
    _trigger_server.clock.reset()
    yield _trigger_server
    _trigger_server.clock.reset()


@pytest.fixture
def tserver_sqlite(_trigger_sqlite_server: LiveServer) -> Iterator[LiveServer]:
    """A server running triggers, on SQLite only."""
    _trigger_sqlite_server.clock.reset()
    yield _trigger_sqlite_server
    _trigger_sqlite_server.clock.reset()


@pytest.fixture
def script() -> Iterator[Script]:
    """The handlers' script; what a test set up for its pools is forgotten afterwards."""
    before = set(SCRIPT.calls) | {k[0] for k in SCRIPT.behaviours}
    yield SCRIPT
    for pool_id in (set(SCRIPT.calls) | {k[0] for k in SCRIPT.behaviours}) - before:
        SCRIPT.forget(pool_id)


def make_pool(server: LiveServer) -> Callable[..., str]:
    idp = server.client()

    def create(**kwargs: Any) -> str:
        kwargs.setdefault("PoolName", unique_name("trig"))
        pool_id: str = idp.create_user_pool(**kwargs)["UserPool"]["Id"]
        return pool_id

    return create


def make_client(server: LiveServer) -> Callable[..., dict[str, Any]]:
    idp = server.client()

    def create(pool_id: str, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("ClientName", unique_name("client"))
        kwargs.setdefault(
            "ExplicitAuthFlows",
            [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )
        client: dict[str, Any] = idp.create_user_pool_client(UserPoolId=pool_id, **kwargs)[
            "UserPoolClient"
        ]
        return client

    return create
