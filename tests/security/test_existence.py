"""User-existence protection (PreventUserExistenceErrors=ENABLED): a name nobody holds costs
what a user with a wrong password costs — the same verifier computations, the same SRP proof
check, the same SQL (transactions, commits, statements, in the same order), as many unsealed
verifiers and audit lines — besides getting the same answer (the answers themselves are
tested in tests/flows/test_sign_in.py and test_codes.py).

Time itself is measured by ``bench/existence_timing.py`` (no timed tests here: a loaded
machine makes any threshold flaky); these tests pin down the work that makes the time equal,
and fail if a path skips or adds a step.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from tests.flows.challenge_support import srp_sign_in
from tests.security.support import (
    WRONG,
    ClientFactory,
    PoolFactory,
    new_name,
    outcome,
    password_pool,
    try_password,
    user,
)
from tests.support.server import LiveServer

from authpool import srp

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

BAD = "Wr0ng-password!"
EXPENSIVE = ("make_verifier", "server_public", "verify_password_claim")


@dataclass
class Work:
    """What the server did while a call ran: exponentiations and proof checks, unsealed
    values, audit lines, and its SQL as a list of ``begin``/``begin-write``, statement verbs
    and ``commit``."""

    counts: Counter[str] = field(default_factory=Counter)
    sql: list[str] = field(default_factory=list)

    def measure(self, call: Callable[[], Any]) -> tuple[Any, Work]:
        self.counts.clear()
        self.sql.clear()
        result = call()
        return result, Work(Counter(self.counts), list(self.sql))

    def summary(self) -> dict[str, int]:
        return {k: self.counts[k] for k in (*EXPENSIVE, "unseal", "audit")}


class _AuditLines(logging.Handler):
    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(logging.INFO)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        self.counts["audit"] += 1


@pytest.fixture
def work(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Records the server's work while a test runs (see :class:`Work`)."""
    seen = Work()

    def counting(owner: Any, name: str, as_name: str) -> None:
        real = getattr(owner, name)

        def count(*args: Any, **kwargs: Any) -> Any:
            seen.counts[as_name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, count)

    for name in EXPENSIVE:
        counting(srp, name, name)
    counting(server.svc.vault, "open", "unseal")

    def begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("authpool_write")
        seen.sql.append("begin-write" if write else "begin")

    def statement(conn: sa.Connection, cursor: Any, text: str, *rest: Any) -> None:
        verb = text.split(None, 1)[0].upper()
        if verb not in ("BEGIN", "PRAGMA", "SET"):  # SQLite's BEGIN IMMEDIATE, a setting
            seen.sql.append(verb)

    def commit(conn: sa.Connection) -> None:
        seen.sql.append("commit")

    engine = server.svc.store.engine  # type: ignore[attr-defined]
    listeners = [("begin", begin), ("before_cursor_execute", statement), ("commit", commit)]
    for name, fn in listeners:
        sa.event.listen(engine, name, fn)
    audit_log = logging.getLogger("authpool.audit")
    handler, level = _AuditLines(seen.counts), audit_log.level
    audit_log.addHandler(handler)
    audit_log.setLevel(logging.INFO)
    try:
        yield seen
    finally:
        audit_log.removeHandler(handler)
        audit_log.setLevel(level)
        for name, fn in listeners:
            sa.event.remove(engine, name, fn)


@pytest.fixture
def hiding(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, dict[str, Any]]:
    return password_pool(pool, app_client, PreventUserExistenceErrors="ENABLED")


def test_password_sign_in_costs_the_same_for_an_unknown_name(
    idp: Any, anon_client: Any, work: Work, hiding: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = hiding
    known = user(idp, pool_id)
    nobody = new_name("nobody")
    for name in (known, nobody):  # warm: the first call loads caches and makes the lockout row
        try_password(anon_client, client, name, BAD)
    got_known, known_work = work.measure(lambda: try_password(anon_client, client, known, BAD))
    got_unknown, unknown_work = work.measure(lambda: try_password(anon_client, client, nobody, BAD))
    assert got_known == got_unknown == WRONG
    assert known_work.summary() == unknown_work.summary()
    assert known_work.counts["make_verifier"] == 1
    assert known_work.counts["unseal"] >= 1
    assert known_work.sql == unknown_work.sql
    assert known_work.sql.count("begin-write") == 2  # the lockout count, the history


def test_srp_costs_the_same_for_an_unknown_name(
    idp: Any, anon_client: Any, work: Work, hiding: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = hiding
    known = user(idp, pool_id)
    nobody = new_name("nobody")

    def srp_wrong(name: str) -> tuple[str, str] | None:
        return outcome(lambda: srp_sign_in(anon_client, pool_id, client, name, BAD))

    for name in (known, nobody):
        srp_wrong(name)
    got_known, known_work = work.measure(lambda: srp_wrong(known))
    got_unknown, unknown_work = work.measure(lambda: srp_wrong(nobody))
    assert got_known == got_unknown == WRONG
    summary = known_work.summary()
    # The simulated challenge derives its verifier by keyed hashes instead of unsealing one.
    summary.pop("unseal")
    assert summary == {k: v for k, v in unknown_work.summary().items() if k != "unseal"}
    assert known_work.counts["verify_password_claim"] == 1
    assert known_work.counts["make_verifier"] == 0  # neither side computes a verifier at sign-in
    assert known_work.sql == unknown_work.sql


def test_the_simulated_salt_is_stable_per_pool_and_name(
    anon_client: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    first_pool, first = password_pool(pool, app_client, PreventUserExistenceErrors="ENABLED")
    second_pool, second = password_pool(pool, app_client, PreventUserExistenceErrors="ENABLED")
    name = new_name("ghost")

    def salt(client: dict[str, Any], who: str) -> str:
        a = srp.new_client_secret()
        answer = anon_client.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": who, "SRP_A": srp.to_hex(srp.client_public(a))},
        )
        return str(answer["ChallengeParameters"]["SALT"])

    assert salt(first, name) == salt(first, name)
    assert salt(first, name) != salt(second, name)
    assert salt(first, name) != salt(first, name + "x")


@pytest.fixture
def anon_client(server: LiveServer) -> Any:
    return server.anon_client()
