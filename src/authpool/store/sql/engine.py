"""Engines for SQLite and PostgreSQL, and running the migrations."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

log = logging.getLogger("authpool.store")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_PG_MIGRATION_LOCK = 0x61757468706F6F6C  # "authpool"


class DatabaseUnavailable(Exception):
    """The database named by the URL cannot be reached or opened."""


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(url: str, *, pool_size: int = 5) -> sa.Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql+psycopg"):
        engine = sa.create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=1800,
            connect_args={"connect_timeout": 10, "application_name": "authpool"},
        )
        _ping_when_idle(engine)
        return engine
    raise DatabaseUnavailable(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


# A pooled connection used this recently is taken as alive; one idle for longer is pinged
# before use and replaced if the ping fails (a database restart, a dropped connection). As
# HikariCP's aliveBypassWindowMs: a busy worker skips the round trip that SQLAlchemy's
# pool_pre_ping would make on every checkout.
PING_AFTER_IDLE = 1.0  # seconds


def _ping_when_idle(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("authpool_used", 0.0) < PING_AFTER_IDLE:
            return
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:  # the pool discards the connection and takes another
            raise sa.exc.DisconnectionError() from exc

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["authpool_used"] = time.monotonic()


def _sqlite_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so that BEGIN is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # durable commits: an acknowledged write survives
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take the write lock up front so that a read-then-write transaction never
        # fails half-way on a lock upgrade; readers run concurrently under WAL. Sent to the
        # driver directly: through SQLAlchemy's execution (and its events) it cost a
        # one-statement read a fifth of its time.
        write = conn.get_execution_options().get("authpool_write", False)
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision. Safe to call from several workers at once."""
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
            try:
                if not _is_current(conn):
                    command.upgrade(_alembic_config(conn), "head")
                    conn.commit()
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK}
                    )
                    conn.commit()
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(_short(exc)) from exc


def _is_current(conn: sa.Connection) -> bool:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    current = MigrationContext.configure(conn).get_current_revision()
    conn.rollback()
    return bool(current == head)


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0] if text else type(exc).__name__
