"""The hot queries use their indexes, on SQLite and on PostgreSQL.

Each case calls a real store method and captures the statements it sends (SQLAlchemy's
``before_cursor_execute``), then asks the database for the plan of each, with the same
parameters: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL with sequential
scans priced out (``SET LOCAL enable_seqscan = off``), so that a plan without an index scan
means no index can serve the query, whatever the table's size. The plan must search each
table through the index on the expected columns (on PostgreSQL, that index by name). A pool
of a thousand users and one of a million differ only in how deep these B-trees are.

The queries: a user by name, by sign-in alias and by sub; a refresh token by its hash and
the revocation check by origin; a code's redemption (the guarded DELETE, and the attempt
count that follows a wrong code); a session marker's insertion with its sweep, and its check;
the lockout counter's compare-and-set.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from authpool.domain.records import (
    CodeRecord,
    FailureRecord,
    PoolRecord,
    RefreshTokenRecord,
    SigningKeyRecord,
    UserRecord,
)
from authpool.store import SqlStore

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(store: SqlStore) -> dict[str, Any]:
    """A pool with a user (and an alias), a refresh token and a code."""
    pool_id = f"us-east-1_{secrets.token_hex(4)}X"
    key = SigningKeyRecord(secrets.token_hex(16), pool_id, b"k", T0)
    store.insert_pool(PoolRecord(pool_id, "p", {}, T0, T0), key)
    name = f"user-{secrets.token_hex(4)}"
    user = UserRecord(
        sub=str(uuid.uuid4()),
        pool_id=pool_id,
        username=name,
        username_key=name,
        status="CONFIRMED",
        enabled=True,
        attributes={"email": f"{name}@example.com"},
        created_at=T0,
        updated_at=T0,
    )
    store.insert_user(user, aliases=(f"email:{name}@example.com",))
    token = RefreshTokenRecord(
        digest=secrets.token_bytes(32),
        pool_id=pool_id,
        client_id="c",
        user_sub=user.sub,
        origin_jti=str(uuid.uuid4()),
        created_at=T0,
        expires_at=T0 + timedelta(days=30),
        auth_time=T0,
    )
    store.insert_refresh_token(token)
    code = CodeRecord(
        user_sub=user.sub,
        purpose="SIGN_UP",
        pool_id=pool_id,
        code_digest=b"d" * 32,
        destination="e",
        attempts=0,
        created_at=T0,
        expires_at=T0 + timedelta(days=1),
    )
    store.put_code(code)
    return {"pool": pool_id, "user": user, "name": name, "token": token}


def failures() -> FailureRecord:
    return FailureRecord(
        key=secrets.token_bytes(32),
        failures=1,
        last_failure_at=T0,
        locked_until=None,
        hour_start=T0,
        hour_failures=1,
        version=1,
    )


# name -> (the store call, the index searches its plan must show). A search is a table (and
# the alias it is read under, if any) and the condition SQLite prints for it; its columns
# name the index PostgreSQL must use.
Search = tuple[str, str]
CASES: dict[str, tuple[Callable[[SqlStore, dict[str, Any]], object], tuple[Search, ...]]] = {
    "user by name": (
        lambda s, w: s.get_user(w["pool"], w["name"]),
        (("users", "pool_id=? AND username_key=?"),),
    ),
    "user by alias": (
        lambda s, w: s.get_user_by_alias(w["pool"], f"email:{w['name']}@example.com"),
        (("user_aliases", "pool_id=? AND alias_key=?"), ("users", "sub=?")),
    ),
    "user by sub": (lambda s, w: s.get_user_by_sub(w["user"].sub), (("users", "sub=?"),)),
    "refresh token by hash": (
        lambda s, w: s.get_refresh_token(w["token"].digest),
        (("refresh_tokens", "digest=?"),),
    ),
    "refresh token by hash with its family's revocation": (
        lambda s, w: s.get_refresh_token_and_family_revoked(w["token"].digest),
        (("refresh_tokens", "digest=?"), ("refresh_tokens family", "origin_jti=?")),
    ),
    "user by sub with the token family's revocation": (
        lambda s, w: s.get_user_and_origin_revoked(w["user"].sub, w["token"].origin_jti),
        (("users", "sub=?"), ("refresh_tokens family", "origin_jti=?")),
    ),
    "code redemption, right code": (
        lambda s, w: s.redeem_code(w["user"].sub, "SIGN_UP", b"d" * 32, now=T0, max_attempts=5),
        (("codes", "user_sub=? AND purpose=?"),),
    ),
    "code redemption, wrong code": (
        lambda s, w: s.redeem_code(w["user"].sub, "SIGN_UP", b"x" * 32, now=T0, max_attempts=5),
        (("codes", "user_sub=? AND purpose=?"),),
    ),
    "session marker and its sweep": (
        lambda s, w: s.use_session(secrets.token_bytes(32), expires_at=T0, now=T0),
        (("used_sessions", "digest=?"), ("used_sessions", "expires_at<?")),
    ),
    "session marker check": (
        lambda s, w: s.session_used(secrets.token_bytes(32), now=T0),
        (("used_sessions", "digest=?"),),
    ),
    "lockout counter update": (
        lambda s, w: s.put_failures(failures(), expected=1),
        (("sign_in_failures", "key=?"),),
    ),
}


def captured(store: SqlStore, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The statements (with their parameters) that ``call`` sends to the database."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    return seen


def explained(store: SqlStore, statement: str, parameters: Any) -> str:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(r[-1]) for r in rows)
        # Price sequential scans out, for this transaction only: a table of a few rows may
        # rightly be read whole, but a plan that still scans has no index it could use.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        plan = "\n".join(str(r[0]) for r in rows)
        conn.rollback()
        return plan


def planned(statement: str) -> bool:
    """Statements with a search to plan (not BEGIN, SAVEPOINT, a plain INSERT ...)."""
    head = statement.lstrip().split(None, 1)[0].upper()
    return head in ("SELECT", "UPDATE", "DELETE") or " WHERE " in statement.upper()


def index_on(store: SqlStore, table: str, columns: list[str]) -> str:
    """The name of the index (primary key and unique constraints included) whose columns
    are exactly ``columns``, in that order."""
    inspector = sa.inspect(store.engine)
    pk = inspector.get_pk_constraint(table)
    found = [(pk["name"], pk["constrained_columns"])]
    found += [(u["name"], u["column_names"]) for u in inspector.get_unique_constraints(table)]
    found += [(i["name"], i["column_names"]) for i in inspector.get_indexes(table)]
    names = {name for name, cols in found if list(cols) == columns and name}
    assert len(names) >= 1, f"no index on {table}({', '.join(columns)})"
    return sorted(names)[0]


@pytest.mark.parametrize("case", list(CASES))
def test_hot_queries_use_indexes(store: SqlStore, world: dict[str, Any], case: str) -> None:
    call, searches = CASES[case]
    statements = [(s, p) for s, p in captured(store, lambda: call(store, world)) if planned(s)]
    assert statements, "the call sent no query"
    plans = []
    for statement, parameters in statements:
        plan = explained(store, statement, parameters)
        plans.append(plan)
        if store.dialect == "sqlite":
            scans = [line for line in plan.splitlines() if line.startswith("SCAN ")]
            assert scans == [], f"{statement}\n{plan}"
        else:
            assert "Seq Scan" not in plan, f"{statement}\n{plan}"
    every = "\n".join(plans)
    for named, condition in searches:
        table, _, alias = named.partition(" ")  # "table alias": the table read under an alias
        if store.dialect == "sqlite":
            pattern = (
                rf"SEARCH {alias or table} USING (COVERING |PRIMARY KEY |)INDEX "
                rf".*\({re.escape(condition)}\)"
            )
            assert re.search(pattern, every), f"{table} ({condition}) not searched:\n{every}"
        else:
            name = index_on(store, table, re.findall(r"(\w+)[=<>]", condition))
            pattern = rf"Index (Only )?Scan using {name} on {table}\b"
            assert re.search(pattern, every), f"{table} not searched with {name}:\n{every}"
