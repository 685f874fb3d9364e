"""The directory's storage on SQLite and PostgreSQL: the search index kept in step with every
user write, keyset pages, the query plans (``EXPLAIN``: every listing is an index range, no
table scan, no sort), groups, the bounded sign-in history and pending attribute values."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from authpool.domain.errors import GroupExistsException, UsernameExistsException
from authpool.domain.records import (
    AuthEventRecord,
    GroupRecord,
    PendingAttributeRecord,
    PoolRecord,
    SigningKeyRecord,
    UserRecord,
)
from authpool.domain.search import INDEX_CHARS, index_entries
from authpool.store import SqlStore
from authpool.store.sql import tables as t
from authpool.store.sql.directory import list_statement, search_statement, successor
from authpool.store.sql.engine import _alembic_config, create_engine, migrate

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def new_pool(store: SqlStore) -> str:
    pool_id = f"us-east-1_{secrets.token_hex(4)}X"
    key = SigningKeyRecord(
        kid=secrets.token_hex(16), pool_id=pool_id, private_sealed=b"k", created_at=T0
    )
    store.insert_pool(PoolRecord(pool_id, "p", {}, T0, T0), key)
    return pool_id


def user(pool_id: str, username: str | None = None, **attributes: str) -> UserRecord:
    name = username or f"user-{secrets.token_hex(4)}"
    return UserRecord(
        sub=str(uuid.uuid4()),
        pool_id=pool_id,
        username=name,
        username_key=name.lower(),
        status="CONFIRMED",
        enabled=True,
        attributes=attributes,
        created_at=T0,
        updated_at=T0,
    )


def found(
    store: SqlStore, pool_id: str, attribute: str, value: str, *, prefix: bool = False
) -> set[str]:
    rows = store.search_users(pool_id, attribute, value, prefix=prefix, after=None, limit=1000)
    return {u.username for _, u in rows}


# the index ----------------------------------------------------------------------------------
def test_index_entries_fold_case_except_where_cognito_does_not() -> None:
    record = replace(
        user("p", "Bob", email="Bob@Example.COM", name="Bob B", **{"custom:x": "1"}),
        status="UNCONFIRMED",
        enabled=False,
        username_key="Bob",
    )
    entries = dict(index_entries(record))
    assert entries == {
        "username": "Bob",  # the pool's username_key, as stored
        "sub": record.sub,
        "cognito:user_status": "unconfirmed",
        "status": "Disabled",
        "email": "bob@example.com",
        "name": "bob b",
    }
    long = user("p", given_name="x" * (INDEX_CHARS + 10))
    assert dict(index_entries(long))["given_name"] == "x" * INDEX_CHARS


def test_every_user_write_keeps_the_index_in_step(store: SqlStore) -> None:
    pool_id = new_pool(store)
    alice = user(pool_id, "alice", email="alice@example.com")
    store.insert_user(alice)
    assert found(store, pool_id, "email", "alice@example.com") == {"alice"}
    store.update_user(alice.sub, attributes={"email": "ally@example.com"}, updated_at=T0)
    assert found(store, pool_id, "email", "alice@example.com") == set()
    assert found(store, pool_id, "email", "ally@example.com") == {"alice"}
    store.update_user(alice.sub, enabled=False, status="RESET_REQUIRED")
    assert found(store, pool_id, "status", "Disabled") == {"alice"}
    assert found(store, pool_id, "cognito:user_status", "reset_required") == {"alice"}
    store.update_user(alice.sub, tokens_valid_after=T0)  # not indexed: rows unchanged
    assert found(store, pool_id, "status", "Disabled") == {"alice"}
    store.delete_user(alice.sub)
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(t.user_search).where(t.user_search.c.user_sub == alice.sub))
        assert left.all() == []


def test_a_failed_insert_leaves_no_index_rows(store: SqlStore) -> None:
    pool_id = new_pool(store)
    store.insert_user(user(pool_id, "taken"))
    duplicate = user(pool_id, "taken", email="dup@example.com")
    with pytest.raises(UsernameExistsException):
        store.insert_user(duplicate)
    assert found(store, pool_id, "email", "dup@example.com") == set()


def test_pages_of_equal_values_follow_the_sub(store: SqlStore) -> None:
    pool_id = new_pool(store)
    smiths = [user(pool_id, family_name="smith") for _ in range(7)]
    store.bulk_insert_users([(u, ()) for u in smiths])
    seen: list[str] = []
    after = None
    while True:
        rows = store.search_users(
            pool_id, "family_name", "smith", prefix=False, after=after, limit=3
        )
        seen += [u.sub for _, u in rows]
        if len(rows) < 3:
            break
        after = (rows[-1][0], rows[-1][1].sub)
    assert seen == sorted(u.sub for u in smiths)


def test_prefix_ranges(store: SqlStore) -> None:
    pool_id = new_pool(store)
    names = {"zoe": "zoë", "zof": "zof", "zo": "zo", "z": "z\U0010ffff", "a": "a"}
    store.bulk_insert_users([(user(pool_id, n, given_name=v), ()) for n, v in names.items()])
    assert found(store, pool_id, "given_name", "zo", prefix=True) == {"zoe", "zof", "zo"}
    assert found(store, pool_id, "given_name", "zoë", prefix=True) == {"zoe"}
    assert found(store, pool_id, "given_name", "z", prefix=True) == {"zoe", "zof", "zo", "z"}
    assert found(store, pool_id, "given_name", "", prefix=True) == set(names)


def test_successor() -> None:
    assert successor("abc") == "abd"
    assert successor("a\U0010ffff") == "b"
    assert successor("\U0010ffff") is None
    assert successor("\ud7ff") == "\ue000"
    assert successor("") is None


def test_deleting_a_pool_deletes_its_directory(store: SqlStore) -> None:
    pool_id = new_pool(store)
    member = user(pool_id, "member", email="m@example.com")
    store.insert_user(member)
    store.insert_group(GroupRecord(pool_id, "g", None, None, None, T0, T0))
    store.add_group_member(pool_id, "g", member.sub, at=T0)
    store.insert_auth_event(event(member), keep=10, not_before=T0 - timedelta(days=1))
    store.delete_pool(pool_id)
    with store.engine.connect() as conn:
        for table in (t.user_search, t.user_groups, t.group_members, t.auth_events):
            rows = conn.execute(sa.select(table).where(table.c.pool_id == pool_id)).all()
            assert rows == [], table.name


# query plans ----------------------------------------------------------------------------------
STATEMENTS = {
    "equal": search_statement("p_1", "email", "a@b.c", prefix=False, after=None, limit=61),
    "equal, next page": search_statement(
        "p_1", "email", "a@b.c", prefix=False, after=("a@b.c", "s"), limit=61
    ),
    "prefix": search_statement("p_1", "email", "ab", prefix=True, after=None, limit=61),
    "prefix, next page": search_statement(
        "p_1", "email", "ab", prefix=True, after=("abc", "s"), limit=61
    ),
    "everyone, next page": list_statement("p_1", after="m", limit=61),
}


def _plan(store: SqlStore, statement: sa.Select[Any]) -> str:
    sql = str(
        statement.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True})
    )
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            return "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        # With sequential scans priced out, a plan without an index scan means that no index
        # can serve the query at all.
        conn.exec_driver_sql("SET enable_seqscan = off")
        return "\n".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql))


@pytest.mark.parametrize("which", list(STATEMENTS))
def test_listings_are_index_ranges_without_sorting(store: SqlStore, which: str) -> None:
    plan = _plan(store, STATEMENTS[which])
    table = "users" if which.startswith("everyone") else "user_search"
    if store.dialect == "sqlite":
        assert f"SEARCH {table} USING" in plan, plan
        assert "SCAN" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        if table == "user_search":
            assert "(pool_id=? AND attribute=? AND " in plan, plan
    else:
        assert "Index" in plan, plan
        assert "Seq Scan" not in plan, plan
        assert "Sort" not in plan, plan
        index = "uq_users_pool_username" if table == "users" else "user_search_pkey"
        assert f"using {index} on {table}" in plan, plan


# groups ---------------------------------------------------------------------------------------
def test_groups(store: SqlStore) -> None:
    pool_id = new_pool(store)
    group = GroupRecord(pool_id, "g", "d", None, 3, T0, T0)
    store.insert_group(group)
    with pytest.raises(GroupExistsException):
        store.insert_group(group)
    assert store.get_group(pool_id, "g") == group
    assert store.get_group(pool_id, "G") is None
    updated = store.update_group(pool_id, "g", precedence=None, updated_at=T0 + timedelta(1))
    assert updated is not None
    assert (updated.precedence, updated.description) == (None, "d")
    assert store.update_group(pool_id, "nope", precedence=1) is None
    assert store.count_groups(pool_id) == 1
    member = user(pool_id)
    store.insert_user(member)
    assert store.add_group_member(pool_id, "g", member.sub, at=T0) is True
    assert store.add_group_member(pool_id, "g", member.sub, at=T0) is False
    assert [g.name for g in store.groups_of_user(member.sub)] == ["g"]
    assert [u.sub for u in store.group_members(pool_id, "g", after=None, limit=10)] == [member.sub]
    assert store.remove_group_member(pool_id, "g", member.sub) is True
    assert store.remove_group_member(pool_id, "g", member.sub) is False
    store.add_group_member(pool_id, "g", member.sub, at=T0)
    assert store.delete_group(pool_id, "g") is True
    assert store.groups_of_user(member.sub) == []


# the sign-in history ------------------------------------------------------------------------
def event(member: UserRecord, at: datetime = T0, response: str = "Pass") -> AuthEventRecord:
    return AuthEventRecord(
        event_id=str(uuid.uuid4()),
        pool_id=member.pool_id,
        user_sub=member.sub,
        event_type="SignIn",
        response=response,
        created_at=at,
        challenges=(("Password", "Success"),),
        client_id="c",
        ip_address="192.0.2.1",
        device_name="agent",
    )


def test_auth_events_are_kept_bounded(store: SqlStore) -> None:
    pool_id = new_pool(store)
    member = user(pool_id)
    store.insert_user(member)
    old = event(member, T0 - timedelta(days=100))
    store.insert_auth_event(old, keep=100, not_before=T0 - timedelta(days=200))
    recent = [event(member, T0 + timedelta(seconds=i)) for i in range(5)]
    for item in recent:
        store.insert_auth_event(item, keep=3, not_before=T0 - timedelta(days=90))
    kept = store.list_auth_events(member.sub, before=None, limit=10)
    # Newest first; the old one aged out, and only the newest three are kept.
    assert [e.event_id for e in kept] == [e.event_id for e in reversed(recent[-3:])]
    assert kept[0].challenges == (("Password", "Success"),)
    assert kept[0].ip_address == "192.0.2.1"
    assert kept[0].seq is not None
    older = store.list_auth_events(member.sub, before=kept[0].seq, limit=10)
    assert [e.event_id for e in older] == [e.event_id for e in kept[1:]]
    store.delete_user(member.sub)
    assert store.list_auth_events(member.sub, before=None, limit=10) == []


def test_feedback_on_an_auth_event(store: SqlStore) -> None:
    pool_id = new_pool(store)
    member, other = user(pool_id), user(pool_id)
    store.insert_user(member)
    store.insert_user(other)
    first, second = event(member, T0), event(member, T0 + timedelta(seconds=1))
    for item in (first, second):
        store.insert_auth_event(item, keep=10, not_before=T0 - timedelta(days=90))
    at = T0 + timedelta(minutes=5)
    assert store.set_auth_event_feedback(
        member.sub, first.event_id, value="Invalid", provider="Admin", at=at
    )
    # Only the user's own event: another user, or an unknown id, finds nothing.
    assert not store.set_auth_event_feedback(
        other.sub, second.event_id, value="Valid", provider="Admin", at=at
    )
    assert not store.set_auth_event_feedback(
        member.sub, "no-such-event", value="Valid", provider="Admin", at=at
    )
    newest, oldest = store.list_auth_events(member.sub, before=None, limit=10)
    assert (oldest.feedback_value, oldest.feedback_provider, oldest.feedback_at) == (
        "Invalid",
        "Admin",
        at,
    )
    assert (newest.feedback_value, newest.feedback_provider, newest.feedback_at) == (
        None,
        None,
        None,
    )


# pending attribute values ---------------------------------------------------------------------
def test_pending_attributes(store: SqlStore) -> None:
    pool_id = new_pool(store)
    member = user(pool_id)
    store.insert_user(member)
    pending = PendingAttributeRecord(
        member.sub, "email", "new@example.com", T0, T0 + timedelta(hours=24)
    )
    store.put_pending_attribute(pending)
    assert store.get_pending_attribute(member.sub, "email", now=T0) == pending
    assert store.get_pending_attribute(member.sub, "email", now=T0 + timedelta(hours=25)) is None
    store.put_pending_attribute(replace(pending, value="newer@example.com"))
    got = store.get_pending_attribute(member.sub, "email", now=T0)
    assert got is not None
    assert got.value == "newer@example.com"
    store.delete_pending_attributes(member.sub, ["phone_number"])
    assert store.get_pending_attribute(member.sub, "email", now=T0) is not None
    store.delete_pending_attributes(member.sub)
    assert store.get_pending_attribute(member.sub, "email", now=T0) is None


# the migration ----------------------------------------------------------------------------------
def test_migration_indexes_the_users_already_stored(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            command.upgrade(_alembic_config(conn), "0001")
            conn.commit()
        old = SqlStore(engine)
        pool_id = new_pool(old)
        existing = user(pool_id, "Early", email="Early@Example.com")
        with engine.begin() as conn:  # a 0001 database: no index to write to yet
            conn.execute(
                sa.insert(t.users).values(
                    sub=existing.sub, pool_id=pool_id, username="Early", username_key="early",
                    status="CONFIRMED", enabled=True, attributes=existing.attributes, mfa={},
                    created_at=T0, updated_at=T0,
                )
            )  # fmt: skip
        migrate(engine)
        assert found(old, pool_id, "email", "early@example.com") == {"Early"}
        assert found(old, pool_id, "username", "early") == {"Early"}
    finally:
        engine.dispose()
