"""Security state every worker shares: sign-in failure counters (compare-and-set on a version),
request counters (one atomic upsert per key), and re-sealing every sealed column after a
master-key rotation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from authpool.domain.records import FailureRecord
from authpool.store.sql import tables as t
from authpool.store.sql.base import SqlBase
from authpool.store.sql.types import UtcDateTime

# Rows of failure counters this old can no longer matter (the lockout forgets after 15
# quiet minutes, the hourly cap after an hour); some are swept at one new key in SWEEP.
FAILURES_KEPT = timedelta(hours=2)
SWEEP = 16

# The sealed columns a master-key rotation re-seals: name -> (table, key column, column).
SEALED_COLUMNS: dict[str, tuple[sa.Table, str, str]] = {
    "access_keys.secret_sealed": (t.access_keys, "access_key_id", "secret_sealed"),
    "signing_keys.private_sealed": (t.signing_keys, "kid", "private_sealed"),
    "pool_clients.secret_sealed": (t.pool_clients, "id", "secret_sealed"),
    "users.verifier_sealed": (t.users, "sub", "verifier_sealed"),
    "users.mfa": (t.users, "sub", "mfa"),
    "devices.verifier_sealed": (t.devices, "device_key", "verifier_sealed"),
    "users.password_history": (t.users, "sub", "password_history"),
}
# Sealed columns whose changes are guarded by a version column (compare-and-set).
VERSIONED = {"users.mfa": "mfa_version"}


# Built once: building a statement costs about as much as running it.


def _hit_upsert(insert: Callable[[sa.Table], Any], *, previous: bool = False) -> sa.Executable:
    """``add`` hits at a key in a period: a new row at ``add``, the same period's row +
    ``add``, or an older period's row restarted at ``add``; returns the hits counted (and
    with ``previous``, the hits of the row at key ``previous``, NULL for none: the window
    before, read in the same statement instead of a query of its own)."""
    table = t.rate_counters
    statement = insert(table).values(
        key=sa.bindparam("key"),
        period=sa.bindparam("period"),
        hits=sa.bindparam("add"),
        expires_at=sa.bindparam("expires_at"),
    )
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "hits": sa.case(
                (
                    table.c.period == statement.excluded.period,
                    table.c.hits + statement.excluded.hits,
                ),
                else_=statement.excluded.hits,
            ),
            "period": statement.excluded.period,
            "expires_at": statement.excluded.expires_at,
        },
    )
    if not previous:
        done: sa.Executable = upsert.returning(table.c.hits)
        return done
    before = table.alias("before")
    hits_before = (
        sa.select(before.c.hits).where(before.c.key == sa.bindparam("previous")).scalar_subquery()
    )
    done = upsert.returning(table.c.hits, hits_before)
    return done


_HIT = {"postgresql": _hit_upsert(postgresql.insert), "sqlite": _hit_upsert(sqlite.insert)}
_HIT_AFTER = {
    "postgresql": _hit_upsert(postgresql.insert, previous=True),
    "sqlite": _hit_upsert(sqlite.insert, previous=True),
}


_F = t.sign_in_failures.c
_FAILURES_AT = t.sign_in_failures.select().where(_F.key == sa.bindparam("key"))
_FAILURE_COLUMNS = (
    "key", "failures", "last_failure_at", "locked_until", "hour_start", "hour_failures", "version",
)  # fmt: skip
# Parameters named b_<column>: a parameter may not take a column's own name in a SET clause.
_FAILURE_VALUES: dict[str, Any] = {name: sa.bindparam(f"b_{name}") for name in _FAILURE_COLUMNS}
_UPDATE_FAILURES = (
    t.sign_in_failures.update()
    .where(_F.key == sa.bindparam("b_key"), _F.version == sa.bindparam("expected"))
    .values({k: v for k, v in _FAILURE_VALUES.items() if k != "key"})
)
_INSERT_FAILURES = {
    name: insert(t.sign_in_failures)
    .values(_FAILURE_VALUES)
    .on_conflict_do_nothing(index_elements=[_F.key])
    .returning(_F.key)  # a row when inserted (rowcount is not reliable here on psycopg)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_SWEEP_FAILURES = t.sign_in_failures.delete().where(
    _F.key.in_(
        sa.select(_F.key)
        .where(_F.last_failure_at < sa.bindparam("before", type_=UtcDateTime()))
        .limit(4 * SWEEP)  # four times what the rows it sweeps for could have made
        .scalar_subquery()
    )
)
_CLEAR_FAILURES = t.sign_in_failures.delete().where(_F.key == sa.bindparam("key"))


def _failure(row: sa.Row[Any]) -> FailureRecord:
    return FailureRecord(**row._mapping)


class SecurityTables(SqlBase):
    # sign-in failures (lockout) -------------------------------------------------------------
    def get_failures(self, key: bytes) -> FailureRecord | None:
        with self._read() as conn:
            row = conn.execute(_FAILURES_AT, {"key": key}).first()
        return _failure(row) if row else None

    def put_failures(self, record: FailureRecord, *, expected: int | None) -> bool:
        """Write ``record`` if the stored row is still at version ``expected`` (None: if
        there is no row yet). False when another worker got there first: read again."""
        values = {f"b_{name}": getattr(record, name) for name in _FAILURE_COLUMNS}
        with self._write() as conn:
            if expected is not None:
                done = conn.execute(_UPDATE_FAILURES, {**values, "expected": expected})
                return done.rowcount == 1
            # A row inserted meanwhile by another worker: nothing written, read again.
            if conn.execute(_INSERT_FAILURES[self.dialect], values).first() is None:
                return False
            # Now and then (a key is a keyed hash: about one new key in SWEEP), drop a few
            # rows too old to matter.
            if (record.key[0] + int(record.last_failure_at.timestamp())) % SWEEP == 0:
                conn.execute(_SWEEP_FAILURES, {"before": record.last_failure_at - FAILURES_KEPT})
            return True

    def clear_failures(self, key: bytes) -> None:
        """Forget ``key``'s failures (a right answer). The commit does not wait for the disk
        (``_write(durable=False)``): a crash of the machine may undo it, which only leaves
        the count standing, so the lockout errs on the strict side; and the next durable
        commit flushes it anyway. Inside a unit (usually), part of the unit."""
        with self._write(durable=False) as conn:
            conn.execute(_CLEAR_FAILURES, {"key": key})

    # request counters (rate limits) -------------------------------------------------------
    def count_hits(
        self,
        keys: Sequence[tuple[bytes, int, datetime]],
        *,
        now: datetime,
        add: Sequence[int] | None = None,
    ) -> list[int]:
        """Count one hit (or ``add[i]`` hits) at each (key, period, expiry) and return each
        key's hits in its period, atomically: racing workers each get a distinct count."""
        adds = add if add is not None else [1] * len(keys)
        with self._write(durable=False) as conn:
            counts = [
                int(conn.execute(_HIT[self.dialect], {"key": key, "period": period,
                                 "expires_at": expires_at, "add": n}).scalar_one())
                for (key, period, expires_at), n in zip(keys, adds, strict=True)
            ]  # fmt: skip
            self._sweep(conn, keys, now)
        return counts

    def count_sliding_hits(
        self,
        keys: Sequence[tuple[bytes, int, datetime]],
        *,
        previous: Sequence[bytes],
        now: datetime,
        add: Sequence[int] | None = None,
    ) -> tuple[list[int], list[int]]:
        """:meth:`count_hits`, and with each key's count the hits counted so far at the
        matching key of ``previous`` (the same counter's row of the period before; 0 for
        none), read by the same statement."""
        adds = add if add is not None else [1] * len(keys)
        counts: list[int] = []
        before: list[int] = []
        with self._write(durable=False) as conn:
            for (key, period, expires_at), earlier, n in zip(keys, previous, adds, strict=True):
                hits, hits_before = conn.execute(
                    _HIT_AFTER[self.dialect],
                    {"key": key, "period": period, "expires_at": expires_at,
                     "previous": earlier, "add": n},
                ).one()  # fmt: skip
                counts.append(int(hits))
                before.append(int(hits_before or 0))
            self._sweep(conn, keys, now)
        return counts, before

    def release_hits(self, keys: Sequence[bytes]) -> None:
        """Take back one hit at each key (a request counted, then refused), key by key in
        the order given — the order they were counted in, so that two transactions never
        wait for each other's rows in opposite orders."""
        table = t.rate_counters
        with self._write(durable=False) as conn:
            for key in keys:
                conn.execute(
                    table.update()
                    .where(table.c.key == key, table.c.hits > 0)
                    .values(hits=table.c.hits - 1)
                )

    def _sweep(
        self, conn: sa.Connection, keys: Sequence[tuple[bytes, int, datetime]], now: datetime
    ) -> None:
        """Now and then (about one call in SWEEP), delete a few expired counters."""
        table = t.rate_counters
        last_key, last_period = (keys[-1][0], keys[-1][1]) if keys else (b"\x00", 0)
        if (last_key[0] + last_period) % SWEEP == 0:  # about one call in SWEEP: keys are hashes
            stale = (
                sa.select(table.c.key)
                .where(table.c.expires_at < now)
                .limit(4 * SWEEP)
                .scalar_subquery()
            )
            conn.execute(table.delete().where(table.c.key.in_(stale)))

    # signing-key rotation -----------------------------------------------------------------
    def retire_signing_keys(self, pool_id: str, *, keep: str, at: datetime) -> int:
        """Schedule every key of ``pool_id`` but ``keep`` (and those already scheduled) to
        retire at ``at``."""
        table = t.signing_keys
        with self._write() as conn:
            done = conn.execute(
                table.update()
                .where(table.c.pool_id == pool_id)
                .where(table.c.kid != keep)
                .where(table.c.retired_at.is_(None))
                .values(retired_at=at)
            )
        return int(done.rowcount)

    # master-key rotation ------------------------------------------------------------------
    def reseal(self, column: str, change: Callable[[Any], Any], *, batch: int = 200) -> int:
        """Run ``change`` over every non-null value of a sealed ``column`` (a name of
        :data:`SEALED_COLUMNS`) and store what it returns where it differs, one batch of
        rows per transaction, each row locked while it changes. Returns rows changed."""
        table, key_name, value_name = SEALED_COLUMNS[column]
        key_col, value_col = table.c[key_name], table.c[value_name]
        changed, after = 0, None
        while True:
            query = (
                sa.select(key_col, value_col)
                .where(value_col.is_not(None))
                .order_by(key_col)
                .limit(batch)
            )
            if after is not None:
                query = query.where(key_col > after)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            with self._write() as conn:
                rows = conn.execute(query).all()
                for key, value in rows:
                    new = change(value)
                    if new != value:
                        values: dict[str, Any] = {value_name: new}
                        if column in VERSIONED:  # a concurrent compare-and-set must notice
                            version = VERSIONED[column]
                            values[version] = table.c[version] + 1
                        conn.execute(table.update().where(key_col == key).values(values))
                        changed += 1
            if len(rows) < batch:
                return changed
            after = rows[-1][0]
