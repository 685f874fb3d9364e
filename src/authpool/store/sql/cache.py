"""A short-lived, per-process cache of the reads almost every request makes: a user pool, an
app client, a pool's signing keys.

Those rows change rarely (an admin updates a pool or a client, rotates a key) and are read
by nearly every call, each read a transaction of its own. The cache keeps them for
``ttl`` seconds, so:

- in this process a change is seen at once: any statement that writes ``user_pools``,
  ``pool_clients`` or ``signing_keys`` through this store's engine empties the cache when its
  transaction ends (whichever store method or migration wrote it);
- another worker or host sees a change after at most ``ttl`` seconds. Until then it may
  still use a client that was deleted or a setting that was changed, and sign with a key
  that was just replaced. Nothing that revokes anything is cached: users, tokens, sessions,
  codes, lockouts, access keys are always read from the database.

Entries are kept pickled and unpickled on each hit, so no caller can change another's copy.
A ``ttl`` of 0 turns the cache off.
"""

from __future__ import annotations

import pickle
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from authpool.domain.records import ClientRecord, PoolRecord, SigningKeyRecord
from authpool.store.sql.pools import PoolTables

CONFIG_CACHE_SECONDS = 5.0
_WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|ALTER|DROP|CREATE|TRUNCATE)\b.*?"
    r"\b(user_pools|pool_clients|signing_keys)\b",
    re.IGNORECASE | re.DOTALL,
)
_DIRTY = "authpool_config_written"
# Whether a statement's text writes a cached table, by text: the same few statements run
# over and over, and the pattern scans a whole INSERT (~12 us for the rate-limit upsert).
_VERDICTS: dict[str, bool] = {}
_VERDICTS_KEPT = 4096  # forgets all at this many (statements with IN lists vary)
T = TypeVar("T")


class ConfigCache:
    """Values by key for ``ttl`` seconds. :meth:`invalidate` empties it and makes any load
    that began before it not be kept (a generation count), so a value read while a change
    was being committed never outlives the change."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, bytes]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], load: Callable[[], T]) -> T:
        if self.ttl <= 0:
            return load()
        entry = self._entries.get(key)
        now = self._clock()
        if entry is not None and entry[0] > now:
            value: T = pickle.loads(entry[1])  # noqa: S301 (our own bytes, never foreign)
            return value
        generation = self._generation
        loaded = load()
        if loaded is not None and loaded != []:
            blob = pickle.dumps(loaded)
            with self._lock:
                if generation == self._generation:
                    self._entries[key] = (now + self.ttl, blob)
        return loaded

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def _writes_config(statement: str) -> bool:
    verdict = _VERDICTS.get(statement)
    if verdict is None:
        verdict = _WRITES.match(statement) is not None
        if len(_VERDICTS) >= _VERDICTS_KEPT:
            _VERDICTS.clear()
        _VERDICTS[statement] = verdict
    return verdict


def watch(engine: sa.Engine, cache: ConfigCache) -> None:
    """Empty ``cache`` after any transaction on ``engine`` that wrote a cached table: once
    when it commits, and again when its connection goes back to the pool (after the commit
    has happened), so that no read in between can keep the old row."""

    def executing(conn: sa.Connection, cursor: Any, statement: str, *_: Any) -> None:
        if _writes_config(statement):
            conn.info[_DIRTY] = True
            cache.invalidate()

    def ended(conn: sa.Connection) -> None:
        if conn.info.get(_DIRTY):
            cache.invalidate()

    def checkin(dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_DIRTY, False):
            cache.invalidate()

    sa.event.listen(engine, "before_cursor_execute", executing)
    sa.event.listen(engine, "commit", ended)
    sa.event.listen(engine, "rollback", ended)
    sa.event.listen(engine, "checkin", checkin)


class CachedConfigTables(PoolTables):
    """:class:`PoolTables` with pools, clients and signing keys read through a
    :class:`ConfigCache` (see the module's docstring for what that allows)."""

    def __init__(
        self, engine: sa.Engine, *, config_cache_seconds: float = CONFIG_CACHE_SECONDS
    ) -> None:
        super().__init__(engine)
        self.config_cache = ConfigCache(config_cache_seconds)
        if config_cache_seconds > 0:
            watch(engine, self.config_cache)

    def get_pool(self, pool_id: str) -> PoolRecord | None:
        return self.config_cache.get(
            ("pool", pool_id), lambda: super(CachedConfigTables, self).get_pool(pool_id)
        )

    def get_client(self, client_id: str) -> ClientRecord | None:
        return self.config_cache.get(
            ("client", client_id), lambda: super(CachedConfigTables, self).get_client(client_id)
        )

    def signing_keys(self, pool_id: str) -> list[SigningKeyRecord]:
        return self.config_cache.get(
            ("keys", pool_id), lambda: super(CachedConfigTables, self).signing_keys(pool_id)
        )
