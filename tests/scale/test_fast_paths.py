"""The shortcuts taken for speed keep the behaviour: the per-process cache of pools, clients
and signing keys (fresh at once in its own process, within its time-to-live elsewhere, never
shared between callers); the SRP_B kept in the sealed SECRET_BLOCK instead of recomputed;
and pooled PostgreSQL connections pinged only after they sat idle.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from tests.scale.support import PASSWORD, Api, srp_answer, srp_start
from tests.support.postgres import PgServer
from tests.support.server import LiveServer

from authpool import srp
from authpool.cli import runtime
from authpool.config import from_env
from authpool.domain.flows import user_srp
from authpool.domain.records import PoolRecord, SigningKeyRecord
from authpool.store import SqlStore, open_store
from authpool.store.sql import engine as engine_module
from authpool.store.sql import tables as t
from authpool.store.sql.cache import ConfigCache

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def new_pool(store: SqlStore, **config: Any) -> PoolRecord:
    pool = PoolRecord(f"us-east-1_{secrets.token_hex(4)}C", "p", dict(config), T0, T0)
    store.insert_pool(pool, SigningKeyRecord(secrets.token_hex(8), pool.id, b"k", T0))
    return pool


def statements(store: SqlStore, call: Any) -> int:
    """How many statements ``call()`` sends to the database."""
    count = 0

    def seen(*_: Any) -> None:
        nonlocal count
        count += 1

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    return count


# the config cache ------------------------------------------------------------------------------
def test_pools_clients_and_keys_are_read_once_then_served_from_memory(store: SqlStore) -> None:
    pool = new_pool(store, mfa_configuration="OFF")
    assert statements(store, lambda: store.get_pool(pool.id)) > 0
    assert statements(store, lambda: store.get_pool(pool.id)) == 0
    assert statements(store, lambda: store.signing_keys(pool.id)) > 0
    assert statements(store, lambda: store.signing_keys(pool.id)) == 0
    assert store.get_pool(pool.id) == pool
    # Nothing unknown is remembered: a pool created later is found at once.
    missing = f"us-east-1_{secrets.token_hex(4)}M"
    assert store.get_pool(missing) is None
    assert statements(store, lambda: store.get_pool(missing)) > 0


def test_a_write_in_this_process_is_seen_at_once(store: SqlStore) -> None:
    pool = new_pool(store, mfa_configuration="OFF")
    store.get_pool(pool.id)
    changed = replace(pool, config={"mfa_configuration": "ON"})
    assert store.update_pool(changed)
    assert store.get_pool(pool.id) == changed
    # Any statement writing the table counts, whoever sends it on this engine.
    with store.engine.begin() as conn:
        conn.execute(t.user_pools.update().where(t.user_pools.c.id == pool.id).values(name="q"))
    found = store.get_pool(pool.id)
    assert found is not None
    assert found.name == "q"
    store.delete_pool(pool.id)
    assert store.get_pool(pool.id) is None


def test_a_write_by_another_worker_is_seen_within_the_time_to_live(database_url: str) -> None:
    clock = FakeClock()
    here, there = open_store(database_url), open_store(database_url)  # two workers
    here.config_cache = ConfigCache(5.0, clock=clock)
    try:
        pool = new_pool(there, mfa_configuration="OFF")
        assert here.get_pool(pool.id) == pool
        there.update_pool(replace(pool, name="renamed"))
        clock.now += 4.9
        assert here.get_pool(pool.id) == pool  # stale, as documented
        clock.now += 0.2
        assert here.get_pool(pool.id) == replace(pool, name="renamed")
    finally:
        here.dispose()
        there.dispose()


def test_callers_never_share_a_cached_object(store: SqlStore) -> None:
    pool = new_pool(store, schema=[{"name": "email"}])
    first = store.get_pool(pool.id)
    assert first is not None
    first.config["schema"].append({"name": "tampered"})
    assert store.get_pool(pool.id) == pool


def test_a_value_loaded_during_a_change_is_not_kept() -> None:
    clock = FakeClock()
    cache = ConfigCache(5.0, clock=clock)
    loads = []

    def load_while_someone_writes() -> str:
        loads.append(1)
        cache.invalidate()  # a commit lands while this load runs
        return "old"

    assert cache.get(("pool", "p"), load_while_someone_writes) == "old"
    assert cache.get(("pool", "p"), lambda: "new") == "new"
    assert cache.get(("pool", "p"), lambda: "newer") == "new"  # now it is kept
    off = ConfigCache(0.0, clock=clock)
    assert off.get(("pool", "p"), lambda: "a") == "a"
    assert off.get(("pool", "p"), lambda: "b") == "b"


# SRP: B kept in the sealed block -------------------------------------------------------------
def test_the_password_claim_checks_out_with_a_kept_b() -> None:
    salt = srp.new_salt()
    verifier = srp.make_verifier("Pool1", "alice", PASSWORD, salt)
    a, b = srp.new_client_secret(), srp.new_server_secret()
    b_public = srp.server_public(verifier, b)
    stamp = "Tue Nov 3 02:26:55 UTC 2026"
    claim = srp.client_password_claim(
        pool_name="Pool1",
        user_id="alice",
        password=PASSWORD,
        salt=salt,
        a=a,
        B=b_public,
        secret_block=b"block",
        timestamp=stamp,
    )
    check = {
        "pool_name": "Pool1",
        "user_id": "alice",
        "verifier": verifier,
        "b": b,
        "A": srp.client_public(a),
        "secret_block": b"block",
        "timestamp": stamp,
    }
    assert srp.verify_password_claim(**check, signature=claim, B=b_public)
    assert srp.verify_password_claim(**check, signature=claim)  # recomputed: the same answer
    assert not srp.verify_password_claim(**check, signature=claim, B=b_public + 1)
    with pytest.raises(srp.SrpError):
        srp.verify_password_claim(**check, signature=claim, B=srp.N)


def test_the_secret_block_carries_b_and_older_blocks_still_work(
    sqlite_server: LiveServer, idp: Any
) -> None:
    server = sqlite_server
    pool_id = idp.create_user_pool(PoolName="kept-b")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="bob", Password=PASSWORD, Permanent=True
    )
    api = Api(server.url, (server.admin_key.access_key_id, server.admin_key.secret_access_key))

    a, challenge = srp_start(api, client_id, "bob")
    params = challenge["ChallengeParameters"]
    raw = base64.b64decode(params["SECRET_BLOCK"])
    state = json.loads(server.svc.vault.open(raw, purpose=user_srp.BLOCK_PURPOSE))
    assert srp.from_hex(state["d"]["B"]) == srp.from_hex(params["SRP_B"])
    api.call("RespondToAuthChallenge", srp_answer(pool_id, client_id, a, challenge))

    # A block sealed before B was kept (a sign-in in flight across an upgrade) still works.
    a, challenge = srp_start(api, client_id, "bob")
    raw = base64.b64decode(challenge["ChallengeParameters"]["SECRET_BLOCK"])
    state = json.loads(server.svc.vault.open(raw, purpose=user_srp.BLOCK_PURPOSE))
    del state["d"]["B"]
    old = server.svc.vault.seal(json.dumps(state).encode(), purpose=user_srp.BLOCK_PURPOSE)
    challenge["ChallengeParameters"]["SECRET_BLOCK"] = base64.b64encode(old).decode()
    answer = api.call("RespondToAuthChallenge", srp_answer(pool_id, client_id, a, challenge))
    assert "AccessToken" in answer["AuthenticationResult"]


@pytest.fixture
def idp(sqlite_server: LiveServer) -> Any:
    return sqlite_server.client()


# PostgreSQL: ping after idle -------------------------------------------------------------------
def _terminate_backends(store: SqlStore) -> None:
    """Drop every connection the store's pool holds, from a connection of its own."""
    url = store.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (store.engine.url.database,),
        )


@pytest.mark.postgres
def test_an_idle_connection_the_database_dropped_is_replaced(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_server.create_database()  # its own: the test ends every connection to it
    store = open_store(url, pool_size=1, config_cache_seconds=0)
    try:
        pool = new_pool(store)
        _terminate_backends(store)  # as a database restart would
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE", 0.0)  # "idle long enough"
        assert store.get_pool(pool.id) == pool
        # Within the window the ping is skipped, so a dropped connection surfaces as an error:
        # the window is what keeps the round trip off busy workers.
        _terminate_backends(store)
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE", 3600.0)
        with pytest.raises(sa.exc.OperationalError):
            store.get_pool(pool.id)
        assert store.get_pool(pool.id) == pool  # and the pool recovers on the next call
    finally:
        store.dispose()
        pg_server.drop_database(url)


# settings ------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_each_worker_sizes_its_pool_and_cache_from_the_settings(
    pg_database_url: str, tmp_path: Path
) -> None:
    settings = from_env(
        {
            "AUTHPOOL_DATA_DIR": str(tmp_path),
            "AUTHPOOL_DATABASE_URL": pg_database_url,
            "AUTHPOOL_DB_POOL_SIZE": "3",
            "AUTHPOOL_CONFIG_CACHE_SECONDS": "0",
        }
    )
    svc = runtime.open_services(settings)
    store = svc.store
    assert isinstance(store, SqlStore)
    try:
        pool = store.engine.pool
        assert isinstance(pool, sa.QueuePool)
        assert pool.size() == 3
        assert pool._max_overflow == 3  # as many more for peaks, closed when returned
        assert store.config_cache.ttl == 0
        made = new_pool(store)
        store.get_pool(made.id)
        assert statements(store, lambda: store.get_pool(made.id)) > 0  # nothing kept
    finally:
        store.dispose()
    defaults = from_env({})
    assert (defaults.db_pool_size, defaults.config_cache_seconds) == (10, 5.0)
