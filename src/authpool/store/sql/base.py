"""Transactions shared by every part of :class:`~authpool.store.sql.store.SqlStore`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa

# The transaction of the unit of work (:meth:`SqlBase.atomic`) open in this context, if any,
# with the engine it belongs to.
_UNIT: ContextVar[tuple[sa.Engine, sa.Connection] | None] = ContextVar(
    "authpool_store_unit", default=None
)


class SqlBase:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _unit(self) -> sa.Connection | None:
        unit = _UNIT.get()
        return unit[1] if unit is not None and unit[0] is self.engine else None

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        joined = self._unit()
        if joined is not None:
            yield joined
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sa.Connection]:
        """A write transaction (or the open unit's). ``durable=False``: its commit does not
        wait for the disk — SQLite: synchronous=NORMAL for this transaction (WAL keeps the
        file consistent, and the next durable commit flushes it too); PostgreSQL:
        synchronous_commit off for it. A crash of the machine, not of the process, may lose
        it; for state that may be lost so (counters), never for what a caller is told."""
        joined = self._unit()
        if joined is not None:
            yield joined
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(authpool_write=True)
            if durable or self.dialect != "sqlite":
                with conn.begin():
                    if not durable:  # PostgreSQL
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    yield conn
                return
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA synchronous=NORMAL")  # for this transaction only
            try:
                with conn.begin():
                    yield conn
            finally:
                raw.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def atomic(self, *, durable: bool = True) -> Iterator[None]:
        """A unit of work: the store calls made inside it (in this thread or task) run in one
        write transaction, committed when it ends, rolled back if it raises. One commit, so
        one flush to disk on SQLite, instead of one per call. Inside an open unit it simply
        joins it. Keep it short: on SQLite it holds the database's write lock throughout.
        ``durable=False``: see :meth:`_write`."""
        if self._unit() is not None:
            yield
            return
        with self._write(durable=durable) as conn:
            token = _UNIT.set((self.engine, conn))
            try:
                yield
            finally:
                _UNIT.reset(token)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def is_unique_violation(exc: sa.exc.IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text or "primary key" in text
