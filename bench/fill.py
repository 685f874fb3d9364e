"""Growing a benchmark pool to a given size straight through the store's bulk path
(``bulk_insert_users``: users and their search-index rows in large batches), so that a pool
of a million users takes minutes rather than the hours a million SignUp calls would.

The filler users never sign in: their salt and sealed verifier are placeholders. What they
change is what a pool size changes: the size of the tables and indexes every lookup goes
through.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from authpool.domain.records import UserRecord
from authpool.store import open_store

BATCH = 10_000
NAMESPACE = uuid.UUID("0e7c5b0a-5d0e-4a51-9f3c-bd1a1b5e2c77")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def filler(pool_id: str, i: int) -> UserRecord:
    name = f"fill-{i:08d}"
    return UserRecord(
        sub=str(uuid.uuid5(NAMESPACE, f"{pool_id}/{i}")),
        pool_id=pool_id,
        username=name,
        username_key=name,
        status="CONFIRMED",
        enabled=True,
        attributes={"email": f"{name}@example.com", "email_verified": "true"},
        created_at=T0,
        updated_at=T0,
        salt="5a17",
        verifier_sealed=b"\x00" * 417,
    )


def fill_pool(database_url: str, pool_id: str, count: int) -> None:
    """Insert ``count`` filler users into ``pool_id``; prints its rate."""
    store = open_store(database_url, migrate_schema=False, pool_size=1)
    began = time.perf_counter()
    try:
        for first in range(0, count, BATCH):
            batch = [(filler(pool_id, i), ()) for i in range(first, min(first + BATCH, count))]
            store.bulk_insert_users(batch)
        if store.dialect == "postgresql":
            with store.engine.connect() as conn:  # what autovacuum would do after a bulk load
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
    finally:
        store.dispose()
    seconds = time.perf_counter() - began
    print(f"  {count:,} users inserted in {seconds:.0f} s ({count / seconds:,.0f}/s)", flush=True)
