"""Reading the single-use markers that :meth:`SecretTables.use_session` writes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase
from authpool.store.sql.types import UtcDateTime


class MarkerTables(SqlBase):
    def session_used(self, digest: bytes, *, now: datetime) -> bool:
        """Whether the marker ``digest`` is set and has not expired."""
        with self._read() as conn:
            row = conn.execute(_USED, {"digest": digest, "now": now}).first()
        return row is not None


# Built once: building a statement costs about as much as running it.
_USED = (
    sa.select(t.used_sessions.c.digest)
    .where(t.used_sessions.c.digest == sa.bindparam("digest"))
    .where(t.used_sessions.c.expires_at > sa.bindparam("now", type_=UtcDateTime()))
)
