"""The storage suite: every SqlStore method, on SQLite and on PostgreSQL, including the atomic
ones under real concurrency (threads racing on one database; the database decides)."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from authpool.domain.errors import (
    AliasExistsException,
    ConcurrentModificationException,
    UsernameExistsException,
)
from authpool.domain.messages import Medium, OutgoingMessage, Purpose
from authpool.domain.records import (
    AccessKeyRecord,
    ClientRecord,
    CodeRecord,
    PoolRecord,
    RefreshTokenRecord,
    SigningKeyRecord,
    UserRecord,
)
from authpool.store import SqlStore, open_store

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
RACERS = 16
R = TypeVar("R")


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    opened = open_store(database_url, pool_size=RACERS)
    try:
        yield opened
    finally:
        opened.dispose()


# builders ------------------------------------------------------------------------------------
def token(n: int = 8) -> str:
    return secrets.token_hex(n)


def new_pool(store: SqlStore, **config: Any) -> PoolRecord:
    pool_id = f"us-east-1_{token(4)}X"
    record = PoolRecord(pool_id, f"pool-{token(2)}", {"mfa_configuration": "OFF", **config}, T0, T0)
    store.insert_pool(record, new_key(pool_id))
    return record


def new_key(pool_id: str, at: datetime = T0) -> SigningKeyRecord:
    return SigningKeyRecord(kid=token(16), pool_id=pool_id, private_sealed=b"sealed", created_at=at)


def new_client(store: SqlStore, pool_id: str, *, secret: bytes | None = None) -> ClientRecord:
    record = ClientRecord(
        id=token(13), pool_id=pool_id, name="app", secret_sealed=secret,
        config={"explicit_auth_flows": ["ALLOW_USER_SRP_AUTH"]}, created_at=T0, updated_at=T0,
    )  # fmt: skip
    store.insert_client(record)
    return record


def user_record(pool_id: str, name: str | None = None, **changes: Any) -> UserRecord:
    name = name or f"user-{token(4)}"
    record = UserRecord(
        sub=str(uuid.uuid4()), pool_id=pool_id, username=name, username_key=name.lower(),
        status="CONFIRMED", enabled=True, attributes={"email": f"{name}@example.com"},
        created_at=T0, updated_at=T0,
    )  # fmt: skip
    return replace(record, **changes)


def new_user(store: SqlStore, pool_id: str, *aliases: str, **changes: Any) -> UserRecord:
    record = user_record(pool_id, **changes)
    store.insert_user(record, tuple(aliases))
    return record


def code_record(user: UserRecord, digest: bytes, **changes: Any) -> CodeRecord:
    record = CodeRecord(
        pool_id=user.pool_id, user_sub=user.sub, purpose="SIGN_UP", code_digest=digest,
        destination="a***@e***", created_at=T0, expires_at=T0 + timedelta(hours=24),
    )  # fmt: skip
    return replace(record, **changes)


def refresh_record(user: UserRecord, client_id: str, **changes: Any) -> RefreshTokenRecord:
    record = RefreshTokenRecord(
        digest=secrets.token_bytes(32), pool_id=user.pool_id, client_id=client_id,
        user_sub=user.sub, origin_jti=str(uuid.uuid4()), created_at=T0,
        expires_at=T0 + timedelta(days=30), auth_time=T0,
    )  # fmt: skip
    return replace(record, **changes)


def race(n: int, work: Callable[[int], R]) -> list[R | BaseException]:
    """Run ``work(i)`` in ``n`` threads released together; results (or exceptions) in order."""
    barrier = threading.Barrier(n)
    results: list[R | BaseException] = [RuntimeError("did not run")] * n

    def run(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            results[i] = work(i)
        except BaseException as exc:  # collected and examined by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racing thread hung"
    return results


# access keys ---------------------------------------------------------------------------------
def test_access_keys(store: SqlStore) -> None:
    key_id = "AKIA" + token(8).upper()
    record = AccessKeyRecord(key_id, b"sealed-secret", "ci", T0)
    store.insert_access_key(record)
    assert store.get_access_key(key_id) == record
    assert store.get_access_key("AKIANOPE") is None
    assert record in store.list_access_keys()

    later = T0 + timedelta(hours=1)
    assert store.revoke_access_key(key_id, later) is True
    assert store.revoke_access_key(key_id, later + timedelta(hours=1)) is False
    revoked = store.get_access_key(key_id)
    assert revoked is not None
    assert revoked.revoked_at == later
    assert store.revoke_access_key("AKIANOPE", later) is False


# pools, signing keys, clients ------------------------------------------------------------------
def test_pool_round_trip_keeps_config_and_exact_times(store: SqlStore) -> None:
    config = {"policies": {"password_policy": {"minimum_length": 9}}, "tags": {"a": "ü"}}
    pool = new_pool(store, **config)
    got = store.get_pool(pool.id)
    assert got == pool
    assert got is not None
    assert got.created_at.tzinfo is not None
    assert got.created_at.microsecond == 123456
    assert store.get_pool("us-east-1_missing") is None


def test_update_pool(store: SqlStore) -> None:
    pool = new_pool(store)
    changed = replace(pool, name="renamed", config={"x": 1}, updated_at=T0 + timedelta(seconds=5))
    assert store.update_pool(changed) is True
    assert store.get_pool(pool.id) == changed
    assert store.update_pool(replace(changed, id="us-east-1_missing")) is False


def test_pool_id_collision(store: SqlStore) -> None:
    pool = new_pool(store)
    with pytest.raises(ConcurrentModificationException):
        store.insert_pool(replace(pool, name="other"), new_key(pool.id))
    assert store.get_pool(pool.id) == pool
    assert len(store.signing_keys(pool.id)) == 1


def test_list_pools_pages_in_id_order(store: SqlStore) -> None:
    made = {new_pool(store).id for _ in range(5)}
    seen: list[str] = []
    after: str | None = None
    while True:
        page = store.list_pools(after=after, limit=2)
        seen += [p.id for p in page]
        if len(page) < 2:
            break
        after = page[-1].id
    assert seen == sorted(seen)
    assert made <= set(seen)


def test_signing_keys_oldest_first(store: SqlStore) -> None:
    pool = new_pool(store)
    newer = new_key(pool.id, T0 + timedelta(days=1))
    store.insert_signing_key(newer)
    keys = store.signing_keys(pool.id)
    assert [k.created_at for k in keys] == [T0, newer.created_at]
    assert keys[-1] == newer
    assert store.signing_keys("us-east-1_missing") == []


def test_clients(store: SqlStore) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id, secret=b"sealed")
    assert store.get_client(client.id) == client
    changed = replace(client, name="renamed", config={}, updated_at=T0 + timedelta(minutes=1))
    assert store.update_client(changed) is True
    assert store.get_client(client.id) == changed
    others = [new_client(store, pool.id) for _ in range(3)]
    ids = sorted([client.id, *(o.id for o in others)])
    assert [c.id for c in store.list_clients(pool.id, after=None, limit=10)] == ids
    assert [c.id for c in store.list_clients(pool.id, after=ids[1], limit=1)] == [ids[2]]
    assert store.delete_client(client.id) is True
    assert store.delete_client(client.id) is False
    assert store.get_client(client.id) is None


def test_delete_pool_removes_everything_in_it(store: SqlStore) -> None:
    pool = new_pool(store)
    keep = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id, "alias-of-" + token())
    kept_user = new_user(store, keep.id)
    store.put_code(code_record(user, b"d" * 32))
    store.insert_refresh_token(refresh_record(user, client.id))
    store.record_outbox(_message(pool.id, user.username), sent_at=T0)

    assert store.delete_pool(pool.id) is True
    assert store.delete_pool(pool.id) is False
    assert store.get_pool(pool.id) is None
    assert store.get_client(client.id) is None
    assert store.get_user_by_sub(user.sub) is None
    assert store.signing_keys(pool.id) == []
    assert store.get_code(user.sub, "SIGN_UP") is None
    assert store.list_outbox(pool_id=pool.id) == []
    assert store.count_users(pool.id) == 0
    assert store.get_user_by_sub(kept_user.sub) == kept_user
    assert len(store.signing_keys(keep.id)) == 1


# users and aliases -----------------------------------------------------------------------------
def test_users(store: SqlStore) -> None:
    pool = new_pool(store)
    user = new_user(store, pool.id, "email:Alice@Example.com")
    assert store.get_user(pool.id, user.username_key) == user
    assert store.get_user_by_sub(user.sub) == user
    assert store.get_user_by_alias(pool.id, "email:Alice@Example.com") == user
    assert store.get_user_by_alias(pool.id, "email:nobody") is None
    assert store.get_user(pool.id, "nobody") is None
    assert store.count_users(pool.id) == 1
    # Same name in another pool is another user.
    other_pool = new_pool(store)
    store.insert_user(replace(user, sub=str(uuid.uuid4()), pool_id=other_pool.id))
    assert store.count_users(other_pool.id) == 1


def test_taken_username(store: SqlStore) -> None:
    pool = new_pool(store)
    user = new_user(store, pool.id)
    with pytest.raises(UsernameExistsException):
        store.insert_user(replace(user, sub=str(uuid.uuid4())))
    assert store.count_users(pool.id) == 1


def test_taken_alias_rolls_the_user_back(store: SqlStore) -> None:
    pool = new_pool(store)
    new_user(store, pool.id, "email:shared@example.com")
    loser = user_record(pool.id)
    with pytest.raises(AliasExistsException):
        store.insert_user(loser, ("email:shared@example.com",))
    assert store.get_user_by_sub(loser.sub) is None
    assert store.count_users(pool.id) == 1


def test_update_user(store: SqlStore) -> None:
    pool = new_pool(store)
    user = new_user(store, pool.id, "email:old@example.com")
    later = T0 + timedelta(minutes=3)
    updated = store.update_user(
        user.sub,
        add_aliases=("email:new@example.com",),
        remove_aliases=("email:old@example.com",),
        status="UNCONFIRMED",
        enabled=False,
        attributes={"email": "new@example.com", "custom:x": "ü"},
        mfa={"totp": True},
        updated_at=later,
        tokens_valid_after=later,
    )
    assert updated is not None
    assert (updated.status, updated.enabled, updated.updated_at) == ("UNCONFIRMED", False, later)
    assert updated.attributes == {"email": "new@example.com", "custom:x": "ü"}
    assert updated.mfa == {"totp": True}
    assert store.get_user_by_sub(user.sub) == updated
    assert store.get_user_by_alias(pool.id, "email:old@example.com") is None
    assert store.get_user_by_alias(pool.id, "email:new@example.com") == updated
    assert store.update_user(str(uuid.uuid4()), status="X") is None
    with pytest.raises(TypeError):
        store.update_user(user.sub, password="plain")


def test_update_user_to_a_taken_alias(store: SqlStore) -> None:
    pool = new_pool(store)
    new_user(store, pool.id, "email:taken@example.com")
    user = new_user(store, pool.id)
    with pytest.raises(AliasExistsException):
        store.update_user(user.sub, add_aliases=("email:taken@example.com",), status="CHANGED")
    assert store.get_user_by_sub(user.sub) == user


def test_update_user_aliases_only(store: SqlStore) -> None:
    pool = new_pool(store)
    user = new_user(store, pool.id, "email:old@example.com")
    updated = store.update_user(
        user.sub, add_aliases=("phone:+15550100",), remove_aliases=("email:old@example.com",)
    )
    assert updated == user
    assert store.get_user_by_alias(pool.id, "phone:+15550100") == user
    assert store.get_user_by_alias(pool.id, "email:old@example.com") is None
    assert store.update_user(str(uuid.uuid4()), add_aliases=("email:x@example.com",)) is None
    assert store.get_user_by_alias(pool.id, "email:x@example.com") is None


def test_delete_user(store: SqlStore) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id, "email:gone@example.com")
    store.put_code(code_record(user, b"c" * 32))
    store.insert_refresh_token(rt := refresh_record(user, client.id))
    assert store.delete_user(user.sub) is True
    assert store.delete_user(user.sub) is False
    assert store.get_user_by_sub(user.sub) is None
    assert store.get_user_by_alias(pool.id, "email:gone@example.com") is None
    assert store.get_code(user.sub, "SIGN_UP") is None
    assert store.get_refresh_token(rt.digest) is None
    # The name is free again.
    store.insert_user(replace(user, sub=str(uuid.uuid4())), ("email:gone@example.com",))


# one-time codes -------------------------------------------------------------------------------
def test_codes(store: SqlStore) -> None:
    pool = new_pool(store)
    user = new_user(store, pool.id)
    first = code_record(user, b"1" * 32)
    store.put_code(first)
    assert store.get_code(user.sub, "SIGN_UP") == first
    second = code_record(user, b"2" * 32, created_at=T0 + timedelta(minutes=1))
    store.put_code(second)  # replaces the first
    assert store.get_code(user.sub, "SIGN_UP") == second

    now = T0 + timedelta(minutes=2)
    assert store.redeem_code(user.sub, "SIGN_UP", b"1" * 32, now=now, max_attempts=5) == (
        "mismatch",
        second.destination,
    )
    stored = store.get_code(user.sub, "SIGN_UP")
    assert stored is not None
    assert stored.attempts == 1
    assert store.redeem_code(user.sub, "SIGN_UP", b"2" * 32, now=now, max_attempts=5) == (
        "ok",
        second.destination,
    )
    assert store.get_code(user.sub, "SIGN_UP") is None
    assert store.redeem_code(user.sub, "SIGN_UP", b"2" * 32, now=now, max_attempts=5)[0] == (
        "missing"
    )


def test_expired_code(store: SqlStore) -> None:
    user = new_user(store, new_pool(store).id)
    code = code_record(user, b"e" * 32)
    store.put_code(code)
    late = code.expires_at
    assert store.redeem_code(user.sub, "SIGN_UP", b"e" * 32, now=late, max_attempts=5)[0] == (
        "expired"
    )


def test_exhausted_code_refuses_even_the_right_value(store: SqlStore) -> None:
    user = new_user(store, new_pool(store).id)
    store.put_code(code_record(user, b"r" * 32))
    results = [
        store.redeem_code(user.sub, "SIGN_UP", b"w" * 32, now=T0, max_attempts=3)[0]
        for _ in range(4)
    ]
    assert results == ["mismatch", "mismatch", "mismatch", "exhausted"]
    assert store.redeem_code(user.sub, "SIGN_UP", b"r" * 32, now=T0, max_attempts=3)[0] == (
        "exhausted"
    )


def test_delete_codes(store: SqlStore) -> None:
    user = new_user(store, new_pool(store).id)
    for purpose in ("SIGN_UP", "FORGOT_PASSWORD", "VERIFY_ATTRIBUTE"):
        store.put_code(code_record(user, b"x" * 32, purpose=purpose))
    store.delete_codes(user.sub, ["SIGN_UP"])
    assert store.get_code(user.sub, "SIGN_UP") is None
    assert store.get_code(user.sub, "FORGOT_PASSWORD") is not None
    store.delete_codes(user.sub)
    assert store.get_code(user.sub, "FORGOT_PASSWORD") is None
    assert store.get_code(user.sub, "VERIFY_ATTRIBUTE") is None


# sessions ---------------------------------------------------------------------------------------
def test_session_is_single_use(store: SqlStore) -> None:
    digest = secrets.token_bytes(32)
    expires = T0 + timedelta(minutes=3)
    assert store.use_session(digest, expires_at=expires, now=T0) is True
    assert store.use_session(digest, expires_at=expires, now=T0) is False
    # Long after expiry, other sessions sweep old markers; a replay is still refused while
    # its marker lives, and stale markers do not pile up forever.
    for _ in range(3):
        assert store.use_session(secrets.token_bytes(32), expires_at=expires, now=T0)
    later = T0 + timedelta(hours=1)
    assert store.use_session(secrets.token_bytes(32), expires_at=later, now=later) is True


# refresh tokens ---------------------------------------------------------------------------------
def test_refresh_tokens(store: SqlStore) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id)
    first = refresh_record(user, client.id)
    store.insert_refresh_token(first)
    assert store.get_refresh_token(first.digest) == first
    assert store.get_refresh_token(b"\0" * 32) is None

    at = T0 + timedelta(hours=1)
    second = refresh_record(user, client.id, origin_jti=first.origin_jti, created_at=at)
    assert store.replace_refresh_token(first.digest, second, at=at) is True
    retired = store.get_refresh_token(first.digest)
    assert retired is not None
    assert retired.replaced_at == at
    assert store.get_refresh_token(second.digest) is not None
    # A replay of the retired token cannot rotate again.
    third = refresh_record(user, client.id)
    assert store.replace_refresh_token(first.digest, third, at=at) is False
    assert store.get_refresh_token(third.digest) is None

    assert store.get_refresh_token_and_family_revoked(first.digest)[1] is False
    revoked = store.revoke_refresh_token(second.digest, at=at + timedelta(minutes=1))
    assert revoked is not None
    assert revoked.revoked_at == at + timedelta(minutes=1)
    again = store.revoke_refresh_token(second.digest, at=at + timedelta(hours=5))
    assert again is not None
    assert again.revoked_at == at + timedelta(minutes=1), "revocation time must not move"
    assert store.get_refresh_token_and_family_revoked(first.digest)[1] is True  # its family
    assert store.revoke_refresh_token(b"\0" * 32, at=at) is None
    assert store.replace_refresh_token(second.digest, third, at=at) is False


def test_sign_out_user(store: SqlStore) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id)
    other = new_user(store, pool.id)
    mine = [refresh_record(user, client.id) for _ in range(2)]
    theirs = refresh_record(other, client.id)
    for record in (*mine, theirs):
        store.insert_refresh_token(record)
    at = T0 + timedelta(hours=2)
    store.sign_out_user(user.sub, at=at)
    for record in mine:
        got = store.get_refresh_token(record.digest)
        assert got is not None
        assert got.revoked_at == at
    got_theirs = store.get_refresh_token(theirs.digest)
    assert got_theirs is not None
    assert got_theirs.revoked_at is None
    signed_out = store.get_user_by_sub(user.sub)
    assert signed_out is not None
    assert signed_out.tokens_valid_after == at


# outbox -----------------------------------------------------------------------------------------
def _message(pool_id: str, username: str, code: str | None = "123456") -> OutgoingMessage:
    return OutgoingMessage(
        pool_id=pool_id, username=username, destination=f"{username}@example.com",
        medium=Medium.EMAIL, purpose=Purpose.SIGN_UP, body=f"Your code is {code}",
        subject="Your code", code=code,
    )  # fmt: skip


def test_outbox(store: SqlStore) -> None:
    pool = new_pool(store)
    other = new_pool(store)
    store.record_outbox(_message(pool.id, "alice"), sent_at=T0)
    store.record_outbox(_message(pool.id, "bob", None), sent_at=T0 + timedelta(seconds=1))
    store.record_outbox(_message(other.id, "alice"), sent_at=T0 + timedelta(seconds=2))

    mine = store.list_outbox(pool_id=pool.id)
    assert [(m.username, m.code) for m in mine] == [("alice", "123456"), ("bob", None)]
    assert mine[0].medium == "EMAIL"
    assert mine[0].purpose == "SIGN_UP"
    assert mine[0].sent_at == T0
    assert [
        m.pool_id for m in store.list_outbox(username="alice") if m.pool_id in (pool.id, other.id)
    ] == [
        pool.id,
        other.id,
    ]
    assert [
        m.username for m in store.list_outbox(pool_id=pool.id, since=T0 + timedelta(seconds=1))
    ] == ["bob"]
    assert [m.username for m in store.list_outbox(pool_id=pool.id, after_id=mine[0].id)] == ["bob"]
    assert len(store.list_outbox(pool_id=pool.id, limit=1)) == 1


# races ------------------------------------------------------------------------------------------
def test_sixteen_racing_redemptions_of_one_code_one_wins(store: SqlStore) -> None:
    user = new_user(store, new_pool(store).id)
    store.put_code(code_record(user, b"k" * 32))
    results = race(
        RACERS,
        lambda _: store.redeem_code(user.sub, "SIGN_UP", b"k" * 32, now=T0, max_attempts=5)[0],
    )
    assert results.count("ok") == 1, results
    assert all(r in ("ok", "missing") for r in results), results


def test_racing_wrong_codes_count_every_attempt(store: SqlStore) -> None:
    user = new_user(store, new_pool(store).id)
    store.put_code(code_record(user, b"k" * 32))
    results = race(
        RACERS,
        lambda _: store.redeem_code(user.sub, "SIGN_UP", b"?" * 32, now=T0, max_attempts=5)[0],
    )
    assert results.count("mismatch") == 5, results
    assert results.count("exhausted") == RACERS - 5, results
    stored = store.get_code(user.sub, "SIGN_UP")
    assert stored is not None
    assert stored.attempts == RACERS


def test_racing_uses_of_one_session_one_wins(store: SqlStore) -> None:
    digest = secrets.token_bytes(32)
    results = race(
        RACERS,
        lambda _: store.use_session(digest, expires_at=T0 + timedelta(minutes=3), now=T0),
    )
    assert results.count(True) == 1, results
    assert results.count(False) == RACERS - 1, results


def test_racing_sign_ups_of_one_name_one_wins(store: SqlStore) -> None:
    pool = new_pool(store)
    template = user_record(pool.id, "racer")

    def sign_up(i: int) -> str:
        store.insert_user(replace(template, sub=str(uuid.uuid4())))
        return "inserted"

    results = race(RACERS, sign_up)
    assert results.count("inserted") == 1, results
    assert all(r == "inserted" or isinstance(r, UsernameExistsException) for r in results), results
    assert store.count_users(pool.id) == 1


def test_racing_claims_of_one_alias_one_wins(store: SqlStore) -> None:
    pool = new_pool(store)

    def sign_up(i: int) -> str:
        store.insert_user(user_record(pool.id, f"racer{i}"), ("email:same@example.com",))
        return "inserted"

    results = race(RACERS, sign_up)
    assert results.count("inserted") == 1, results
    assert all(r == "inserted" or isinstance(r, AliasExistsException) for r in results), results
    assert store.count_users(pool.id) == 1


def test_racing_refresh_token_rotations_one_wins(store: SqlStore) -> None:
    pool = new_pool(store)
    client = new_client(store, pool.id)
    user = new_user(store, pool.id)
    old = refresh_record(user, client.id)
    store.insert_refresh_token(old)
    successors = [refresh_record(user, client.id, origin_jti=old.origin_jti) for _ in range(RACERS)]
    results = race(
        RACERS,
        lambda i: store.replace_refresh_token(old.digest, successors[i], at=T0 + timedelta(1)),
    )
    assert results.count(True) == 1, results
    assert results.count(False) == RACERS - 1, results
    stored = [store.get_refresh_token(s.digest) for s in successors]
    assert sum(s is not None for s in stored) == 1
    winner = results.index(True)
    assert stored[winner] is not None


# the PostgreSQL fixtures themselves -----------------------------------------------------------
@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_missing_postgres_skips_locally_and_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    from tests.support.postgres import ENV_VAR, PgServer, unavailable

    monkeypatch.setenv(ENV_VAR, "postgresql://nobody@127.0.0.1:1/postgres")
    monkeypatch.setenv("CI", ci)
    found = PgServer.find()
    assert isinstance(found, str)
    assert ENV_VAR in found
    assert "install" in found
    with pytest.raises(outcome):
        unavailable(found)
