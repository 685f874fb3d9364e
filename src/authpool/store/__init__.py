"""Storage: one SQLAlchemy implementation of the domain's storage protocols, for SQLite (the
embedded default) and PostgreSQL (scale-out), with Alembic migrations."""

from authpool.store.sql.store import SqlStore, open_store

__all__ = ["SqlStore", "open_store"]
