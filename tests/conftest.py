"""Fixtures shared by the whole suite.

Databases
    ``database_url`` runs a test on SQLite and on PostgreSQL (ids ``sqlite`` and ``pg``): a
    fresh SQLite file per test, and one PostgreSQL database per session (tests keep apart by
    using their own random ids). ``empty_database_url`` is a database nobody migrated yet.
    Without PostgreSQL the ``pg`` tests skip, saying what to install; under ``CI=true`` they
    fail instead.

Servers
    ``server`` is a real server (uvicorn in a background thread, not in dev mode) shared by
    the tests of one module, on SQLite and on PostgreSQL; ``sqlite_server`` is the SQLite one
    alone, for tests of the wire layer that the database cannot change; ``dev_server`` runs
    with ``--dev``. Each test starts with the server clock at the real time: a test that
    calls ``server.clock.advance(...)`` affects only itself.

Pools and clients
    ``pool(**CreateUserPool kwargs)`` creates a pool through boto3 and returns its id;
    ``app_client(pool_id, **CreateUserPoolClient kwargs)`` creates an app client and returns
    the ``UserPoolClient`` dict.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.postgres import PgServer, unavailable
from tests.support.server import LiveServer, start_server

from authpool.store import SqlStore, open_store

DATABASES = [pytest.param("sqlite", id="sqlite"), pytest.param("pg", id="pg")]


def pytest_configure(config: pytest.Config) -> None:
    # Keep the developer's AWS configuration out of boto3, botocore and the AWS CLI.
    root = Path(str(config.rootpath))
    os.environ["AWS_CONFIG_FILE"] = str(root / "tests" / "support" / "aws-config-none")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(root / "tests" / "support" / "aws-creds-none")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    for name in list(os.environ):
        if name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN") or (
            name.startswith("AWS_ENDPOINT_URL")
        ):
            del os.environ[name]


# databases -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    found = PgServer.find()
    if isinstance(found, str):
        unavailable(found)
    try:
        yield found
    finally:
        found.drop_all()


@pytest.fixture(scope="session")
def pg_database_url(pg_server: PgServer) -> str:
    """One PostgreSQL database for the session's store tests."""
    return pg_server.create_database()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'authpool.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    """The store itself, migrated, on SQLite and on PostgreSQL (no server in front)."""
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


def _new_pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new PostgreSQL database for one test, dropped afterwards."""
    pg: PgServer = request.getfixturevalue("pg_server")
    url = pg.create_database()
    try:
        yield url
    finally:
        pg.drop_database(url)


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """For a server run as its own process: None on SQLite (the server keeps its database in
    its data directory) or the URL of a new PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    yield from _new_pg_database(request)


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no migration has touched (SQLite file or a new PostgreSQL database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield from _new_pg_database(request)


# servers -------------------------------------------------------------------------------------
def _module_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    database: str,
    *,
    dev: bool = False,
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp(f"server-{database}")
    url = None
    pg: PgServer | None = None
    if database == "pg":
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database()
    live = start_server(data_dir, database_url=url, dev=dev)
    try:
        yield live
    finally:
        live.stop()
        if pg is not None and url is not None:
            pg.drop_database(url)


@pytest.fixture(scope="module", params=DATABASES)
def _server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from _module_server(request, tmp_path_factory, request.param)


@pytest.fixture(scope="module")
def _sqlite_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from _module_server(request, tmp_path_factory, "sqlite")


@pytest.fixture(scope="module")
def _dev_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from _module_server(request, tmp_path_factory, "sqlite", dev=True)


@pytest.fixture
def server(_server: LiveServer) -> Iterator[LiveServer]:
    """A running server, on SQLite and on PostgreSQL."""
    _server.clock.reset()
    yield _server
    _server.clock.reset()


@pytest.fixture
def sqlite_server(_sqlite_server: LiveServer) -> Iterator[LiveServer]:
    """A running server on SQLite only, for behaviour the database cannot change."""
    _sqlite_server.clock.reset()
    yield _sqlite_server
    _sqlite_server.clock.reset()


@pytest.fixture
def dev_server(_dev_server: LiveServer) -> Iterator[LiveServer]:
    """A running server in development mode (``--dev``): admin calls need no signature."""
    _dev_server.clock.reset()
    yield _dev_server
    _dev_server.clock.reset()


# pools and clients ---------------------------------------------------------------------------
def unique_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@pytest.fixture
def idp(server: LiveServer) -> Any:
    """A boto3 ``cognito-idp`` client signed with the server's admin key."""
    return server.client()


@pytest.fixture
def pool(idp: Any) -> Callable[..., str]:
    """``pool(**CreateUserPool kwargs) -> pool id`` (a random PoolName unless given)."""

    def create(**kwargs: Any) -> str:
        kwargs.setdefault("PoolName", unique_name("pool"))
        pool_id: str = idp.create_user_pool(**kwargs)["UserPool"]["Id"]
        return pool_id

    return create


@pytest.fixture
def app_client(idp: Any) -> Callable[..., dict[str, Any]]:
    """``app_client(pool_id, **CreateUserPoolClient kwargs) -> UserPoolClient dict``."""

    def create(pool_id: str, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("ClientName", unique_name("client"))
        client: dict[str, Any] = idp.create_user_pool_client(UserPoolId=pool_id, **kwargs)[
            "UserPoolClient"
        ]
        return client

    return create
