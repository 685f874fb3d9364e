"""Throw-away PostgreSQL databases for the tests.

The tests create their databases (``authpool_<random hex>``) on the server named by
``AUTHPOOL_TEST_PG_URL`` or, by default, on ``postgresql://postgres@127.0.0.1:5432/postgres``
(the CI machine's server: trust authentication), and drop them when the session ends.
The URL names a *maintenance* database; its user must be allowed to create databases.

When the server cannot be reached the tests that need it are skipped with a message saying
what to install, except under ``CI=true``, where they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import secrets
import threading
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ENV_VAR = "AUTHPOOL_TEST_PG_URL"
HINT = (
    f"PostgreSQL is needed for the tests on PostgreSQL: install it and let it listen on "
    f"127.0.0.1:5432 with trust authentication for the user postgres, or set {ENV_VAR} to "
    "a postgresql:// URL whose user may create databases"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test, or fail it under ``CI=true``."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _with_database(url: str, database: str) -> str:
    """``url`` with its path (the database name) replaced."""
    head, sep, query = url.partition("?")
    scheme, rest = head.split("://", 1)
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{database}{sep}{query}"


class PgServer:
    """A PostgreSQL server on which the tests create and drop their own databases."""

    def __init__(self, maintenance_url: str) -> None:
        self.maintenance_url = maintenance_url
        self._created: list[str] = []
        self._lock = threading.Lock()

    @classmethod
    def find(cls) -> PgServer | str:
        """The server to use, or the reason there is none."""
        url = os.environ.get(ENV_VAR) or DEFAULT_URL
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"{HINT} (connecting to {_redact(url)} failed: {first})"
        return cls(url)

    def create_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"authpool_{secrets.token_hex(6)}"
        with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with self._lock:
            self._created.append(name)
        return _with_database(self.maintenance_url, name)

    def drop_database(self, url: str) -> None:
        name = url.partition("?")[0].rsplit("/", 1)[1]
        with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        with self._lock:
            if name in self._created:
                self._created.remove(name)

    def drop_all(self) -> None:
        for name in list(self._created):
            self.drop_database(_with_database(self.maintenance_url, name))


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}{':***' if ':' in creds else ''}@{host}"
