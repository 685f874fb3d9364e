"""The SQL store: the union of every storage protocol the domain declares."""

from __future__ import annotations

from authpool.store.sql.cache import CONFIG_CACHE_SECONDS, CachedConfigTables
from authpool.store.sql.devices import DeviceTables
from authpool.store.sql.directory import DirectoryTables
from authpool.store.sql.engine import create_engine, migrate
from authpool.store.sql.events import EventTables
from authpool.store.sql.groups import GroupTables
from authpool.store.sql.markers import MarkerTables
from authpool.store.sql.migration import PoolMigrationTables
from authpool.store.sql.secrets import SecretTables
from authpool.store.sql.security import SecurityTables
from authpool.store.sql.users import UserTables


class SqlStore(
    CachedConfigTables,  # PoolTables, with pools, clients and keys cached for a few seconds
    UserTables,
    PoolMigrationTables,
    SecretTables,
    DirectoryTables,
    GroupTables,
    EventTables,
    MarkerTables,
    DeviceTables,
    SecurityTables,
):
    """One object over one engine; every method is its own transaction."""


def open_store(
    url: str,
    *,
    migrate_schema: bool = True,
    pool_size: int = 5,
    config_cache_seconds: float = CONFIG_CACHE_SECONDS,
) -> SqlStore:
    """A store on ``url``: at most ``2 * pool_size`` connections (PostgreSQL), pools,
    clients and signing keys cached for ``config_cache_seconds`` (see ``cache.py``)."""
    engine = create_engine(url, pool_size=pool_size)
    if migrate_schema:
        migrate(engine)
    return SqlStore(engine, config_cache_seconds=config_cache_seconds)
