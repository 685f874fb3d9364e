"""A pool migration is all or nothing: a failure in the middle of it, or a pool or user changed
while it was being planned, leaves the pool and every user as they were; and reading the users
page by page always ends."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from psycopg import sql
from tests.support.postgres import PgServer
from tests.support.server import LiveServer

from authpool.cli import plan
from authpool.cli.remote import RemoteError
from authpool.domain import pool_migration
from authpool.domain.errors import AliasExistsException, ConcurrentModificationException
from authpool.domain.records import PoolRecord, SigningKeyRecord, UserRecord
from authpool.store.sql.store import open_store

from .helpers import cli
from .test_migration import project_with_pool, push, user

NICKNAMES = pool_migration.Change(alias_attributes=("preferred_username",))
AliasKey = Callable[[str], str]


def shop(server: LiveServer) -> str:
    """A pool signing in by username, with alice (ally), bob (bobby) and carol (no nickname)."""
    idp = server.client()
    pool_id: str = idp.create_user_pool(PoolName=f"p-{secrets.token_hex(4)}")["UserPool"]["Id"]
    user(server, pool_id, "alice", preferred_username="ally")
    user(server, pool_id, "bob", preferred_username="bobby")
    user(server, pool_id, "carol")
    return pool_id


def snapshot(server: LiveServer, pool_id: str) -> dict[str, Any]:
    """Everything a migration may write: the pool's settings and each user with its aliases."""
    store = server.svc.store
    pool = store.get_pool(pool_id)
    assert pool is not None
    people = {u.username: u for u in store.list_users(pool_id, after=None, limit=60)}
    keys = ("preferred_username:ally", "preferred_username:bobby")
    return {
        "config": pool.config,
        "updated_at": pool.updated_at,
        "users": people,
        "aliases": {
            k: getattr(store.get_user_by_alias(pool_id, k), "username", None) for k in keys
        },
    }


@pytest.fixture
def after_planning(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], None]], None]:
    """``after_planning(step)``: run ``step`` once, between the migration's reading of the
    users and its writing, as another request could."""

    def install(step: Callable[[], None]) -> None:
        analyse = pool_migration._analyse
        steps = [step]

        def analyse_then_step(*args: Any) -> Any:
            found = analyse(*args)
            while steps:
                steps.pop()()
            return found

        monkeypatch.setattr(pool_migration, "_analyse", analyse_then_step)

    return install


def test_a_failure_half_way_through_writes_nothing_and_a_new_try_succeeds(
    server: LiveServer, after_planning: Callable[[Callable[[], None]], None]
) -> None:
    pool_id = shop(server)
    store = server.svc.store
    carol = store.get_user(pool_id, "carol")
    assert carol is not None
    # Between the check and the write, carol gets the nickname bob is about to get as a
    # sign-in name: the migration fails at bob's alias, after the pool's settings and alice.
    after_planning(
        lambda: store.update_user(
            carol.sub, add_aliases=("preferred_username:bobby",), updated_at=carol.updated_at
        )
    )
    before = snapshot(server, pool_id)
    with pytest.raises(AliasExistsException):
        pool_migration.apply(server.svc, pool_id, NICKNAMES)
    after = snapshot(server, pool_id)
    assert after["config"] == before["config"]
    assert after["aliases"] == {
        "preferred_username:ally": None,
        "preferred_username:bobby": "carol",
    }
    assert after["users"] == before["users"]
    assert after["updated_at"] == before["updated_at"]

    # Once the name is free again, the same migration goes through in full.
    store.update_user(
        carol.sub, remove_aliases=("preferred_username:bobby",), updated_at=carol.updated_at
    )
    pool_migration.apply(server.svc, pool_id, NICKNAMES)
    done = snapshot(server, pool_id)
    assert done["config"]["alias_attributes"] == ["preferred_username"]
    assert done["aliases"] == {
        "preferred_username:ally": "alice",
        "preferred_username:bobby": "bob",
    }


def test_a_user_changed_after_the_check_stops_the_migration(
    server: LiveServer, after_planning: Callable[[Callable[[], None]], None]
) -> None:
    pool_id = shop(server)
    idp = server.client()
    after_planning(
        lambda: idp.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username="bob",
            UserAttributes=[{"Name": "preferred_username", "Value": "robert"}],
        )
    )
    before = snapshot(server, pool_id)
    with pytest.raises(ConcurrentModificationException):
        pool_migration.apply(server.svc, pool_id, NICKNAMES)
    after = snapshot(server, pool_id)
    assert after["config"] == before["config"]
    assert after["users"]["alice"] == before["users"]["alice"]  # written first, rolled back
    assert after["aliases"] == before["aliases"]


@pytest.mark.parametrize("what", ["a new user", "a pool update"])
def test_a_new_user_or_a_pool_update_after_the_check_stops_the_migration(
    server: LiveServer, after_planning: Callable[[Callable[[], None]], None], what: str
) -> None:
    pool_id = shop(server)
    if what == "a new user":
        after_planning(lambda: user(server, pool_id, "dan", preferred_username="ally"))
    else:
        idp = server.client()
        after_planning(
            lambda: idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="ACTIVE")
        )
    before = snapshot(server, pool_id)["users"]
    with pytest.raises(ConcurrentModificationException):
        pool_migration.apply(server.svc, pool_id, NICKNAMES)
    after = snapshot(server, pool_id)
    assert not after["config"].get("alias_attributes")
    assert {k: v for k, v in after["users"].items() if k != "dan"} == before
    # Only the second change was kept: the migration did not write the pool from a stale copy.
    if what == "a pool update":
        assert after["config"]["deletion_protection"] == "ACTIVE"


# reading the users ------------------------------------------------------------------------------
def record(name: str, key: str | None = None) -> UserRecord:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return UserRecord(
        sub=f"sub-{name}",
        pool_id="us-east-1_Test",
        username=name,
        username_key=key or name,
        status="CONFIRMED",
        enabled=True,
        attributes={},
        created_at=now,
        updated_at=now,
    )


class PagingStore:
    """``list_users`` over ``pages``, a function of the ``after`` it is given."""

    def __init__(self, count: int, pages: Callable[[str | None], list[UserRecord]]) -> None:
        self.count, self.pages, self.calls = count, pages, 0

    def count_users(self, pool_id: str) -> int:
        return self.count

    def list_users(self, pool_id: str, *, after: str | None, limit: int) -> list[UserRecord]:
        self.calls += 1
        return self.pages(after)[:limit]


def read(store: Any, pool_id: str = "us-east-1_Test") -> Iterator[UserRecord]:
    return pool_migration.all_users(SimpleNamespace(store=store), pool_id)  # type: ignore[arg-type]


def test_paging_ends_even_when_the_store_ignores_where_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool_migration, "_PAGE", 2)
    stuck = PagingStore(3, lambda after: [record("kim"), record("lee")])
    with pytest.raises(ConcurrentModificationException):
        list(read(stuck))
    assert stuck.calls == 2  # the second page brought nobody new


def test_paging_ends_when_users_arrive_faster_than_they_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool_migration, "_PAGE", 2)
    # Always two more users after wherever the reading is: a pool that grows without end.
    endless = PagingStore(4, lambda after: [record(f"{after or ''}a"), record(f"{after or ''}b")])
    with pytest.raises(ConcurrentModificationException):
        list(read(endless))
    assert endless.calls == 2 * (4 // 2) + 2


def test_a_user_renamed_while_the_pages_are_read_is_checked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool_migration, "_PAGE", 2)
    keys = {"kim": "kim", "lee": "lee", "max": "max", "ned": "ned"}

    def pages(after: str | None) -> list[UserRecord]:
        page = sorted(
            (record(name, key) for name, key in keys.items() if after is None or key > after),
            key=lambda u: u.username_key,
        )
        keys["kim"] = "zed"  # kim is renamed once the first page is out
        return page

    users = PagingStore(4, pages)
    assert [u.username for u in read(users)] == ["kim", "lee", "max", "ned"]
    assert users.calls == 3


@pytest.mark.postgres
def test_paging_follows_the_databases_collation_not_pythons(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a database whose default collation is not code-point order (ICU English here, as
    many PostgreSQL installations are), every user is read exactly once: the pages compare
    and sort in the database, never in Python."""
    name = f"authpool_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server.maintenance_url, autocommit=True) as conn:
        try:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' "
                    "LOCALE 'C.UTF-8'"
                ).format(sql.Identifier(name))
            )
        except psycopg.errors.FeatureNotSupported as exc:  # a server built without ICU
            pytest.skip(f"this PostgreSQL has no ICU collations: {exc}")
    url = pg_server.maintenance_url.rsplit("/", 1)[0] + "/" + name
    store = open_store(url)
    try:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        pool_id = "us-east-1_Collate1"
        store.insert_pool(
            PoolRecord(pool_id, "collate", {}, now, now),
            SigningKeyRecord("kid-collate", pool_id, b"not a key", now),
        )
        names = ["a-b", "ab", "Ab", "B", "b", "e", "\u00e9", "z", "Z", "_x", "x_", "10", "9"]
        store.bulk_insert_users(
            [(replace(record(n), sub=f"sub-{i}", pool_id=pool_id), ()) for i, n in enumerate(names)]
        )
        in_database = [u.username_key for u in store.list_users(pool_id, after=None, limit=100)]
        assert in_database != sorted(names)  # the database does not sort as Python does
        for page in (1, 2, 3, 500):
            monkeypatch.setattr(pool_migration, "_PAGE", page)
            assert [u.username for u in read(store, pool_id)] == in_database
    finally:
        store.dispose()
        with psycopg.connect(pg_server.maintenance_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# push ------------------------------------------------------------------------------------------
def test_a_push_that_fails_part_way_is_finished_by_pushing_again(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, pool_id = project_with_pool(server, tmp_path)
    user(server, pool_id, "eli", email="eli@example.com")
    flags = ("--required", "email", "--required", "given_name", "--group", "admins")
    cli("auth", "update", "--file", str(path), "--yes", *flags).ok()
    # The server fails the call after the migration (the groups come last).
    update_groups = plan._update_groups

    def fail_once(*args: Any) -> None:
        monkeypatch.setattr(plan, "_update_groups", update_groups)
        raise RemoteError("InternalErrorException", "the disk is full")

    monkeypatch.setattr(plan, "_update_groups", fail_once)
    remedy = ("--force", "--remedy", "missing-attribute=fill:Unknown")
    line = push(path, server, "--yes", *remedy).one_error_line()
    assert "pool shop: the update stopped part-way (InternalErrorException: the disk" in line
    assert "run `authpool push` again to finish the rest" in line
    # The migration happened whole (the settings and the remedy); the groups did not.
    idp = server.client()
    schema = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert {a["Name"]: a["Required"] for a in schema}["given_name"] is True
    eli = idp.admin_get_user(UserPoolId=pool_id, Username="eli")["UserAttributes"]
    assert {a["Name"]: a["Value"] for a in eli}["given_name"] == "Unknown"
    assert idp.list_groups(UserPoolId=pool_id)["Groups"] == []

    again = push(path, server, "--yes").ok()
    assert "+ groups.admins" in again.out
    assert "checked against the users" not in again.out  # nothing left of the migration
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]] == ["admins"]
    assert "No changes." in push(path, server, "--yes").ok().out


def test_a_forced_push_whose_migration_fails_changes_no_user(
    server: LiveServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    after_planning: Callable[[Callable[[], None]], None],
) -> None:
    path, pool_id = project_with_pool(server, tmp_path)
    user(server, pool_id, "alice", email="pat@example.com", email_verified="true")
    user(server, pool_id, "bob", email="PAT@example.com", email_verified="true")
    cli("auth", "update", "--file", str(path), "--yes", "--sign-in", "email").ok()
    # While the server carries the change out (after its check of the users), someone signs up.
    apply = pool_migration.apply

    def apply_while_someone_signs_up(*args: Any, **kwargs: Any) -> Any:
        after_planning(lambda: user(server, pool_id, "dan", email="dan@example.com"))
        return apply(*args, **kwargs)

    monkeypatch.setattr(pool_migration, "apply", apply_while_someone_signs_up)
    before = snapshot(server, pool_id)["users"]
    forced = ("--yes", "--force", "--remedy", "alias-collision=oldest-keeps")
    line = push(path, server, *forced).one_error_line()
    assert "the update stopped part-way (ConcurrentModificationException:" in line
    pool = server.client().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert not pool.get("UsernameAttributes")
    after = snapshot(server, pool_id)["users"]
    assert {k: v for k, v in after.items() if k != "dan"} == before
    assert server.svc.store.get_user_by_alias(pool_id, "email:pat@example.com") is None

    monkeypatch.setattr(pool_migration, "apply", apply)
    push(path, server, *forced).ok()
    pool = server.client().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    holder = server.svc.store.get_user_by_alias(pool_id, "email:pat@example.com")
    assert holder is not None
    assert holder.username == "alice"
