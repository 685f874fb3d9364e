"""User-existence protection (PreventUserExistenceErrors=ENABLED): a name nobody holds costs
what a user with a wrong password costs — the same verifier computations, the same SRP proof
check, the same number of committed writes — besides getting the same answer (the answers
themselves are tested in tests/flows/test_sign_in.py and test_codes.py).

Time itself is measured by ``bench/existence_timing.py`` (no timed tests here: a loaded
machine makes any threshold flaky); these tests pin down the work that makes the time equal,
and fail if a path skips or adds an expensive step.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
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
WRITES = (
    "put_failures",
    "clear_failures",
    "use_session",
    "insert_auth_event",
    "update_auth_event",
    "update_user",
)
EXPENSIVE = ("make_verifier", "server_public", "verify_password_claim")


@pytest.fixture
def work(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the server's SRP exponentiations and store writes while a test runs."""
    seen: Counter[str] = Counter()

    def counting(owner: Any, name: str) -> None:
        real = getattr(owner, name)

        def count(*args: Any, **kwargs: Any) -> Any:
            seen[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, count)

    for name in EXPENSIVE:
        counting(srp, name)
    for name in WRITES:
        counting(server.svc.store, name)
    return seen


def _measure(work: Counter[str], call: Any) -> tuple[tuple[str, str] | None, Counter[str]]:
    work.clear()
    result = call()
    return result, Counter(work)


def _summary(seen: Counter[str]) -> tuple[dict[str, int], int]:
    return {k: seen[k] for k in EXPENSIVE}, sum(seen[k] for k in WRITES)


@pytest.fixture
def hiding(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, dict[str, Any]]:
    return password_pool(pool, app_client, PreventUserExistenceErrors="ENABLED")


def test_password_sign_in_costs_the_same_for_an_unknown_name(
    idp: Any, anon_client: Any, work: Counter[str], hiding: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = hiding
    known = user(idp, pool_id)
    nobody = new_name("nobody")
    try_password(anon_client, client, known, BAD)  # warm: the first call loads caches
    got_known, known_work = _measure(work, lambda: try_password(anon_client, client, known, BAD))
    got_unknown, unknown_work = _measure(
        work, lambda: try_password(anon_client, client, nobody, BAD)
    )
    assert got_known == got_unknown == WRONG
    assert _summary(known_work) == _summary(unknown_work)
    assert known_work["make_verifier"] == 1


def test_srp_costs_the_same_for_an_unknown_name(
    idp: Any, anon_client: Any, work: Counter[str], hiding: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = hiding
    known = user(idp, pool_id)
    nobody = new_name("nobody")

    def srp_wrong(name: str) -> tuple[str, str] | None:
        return outcome(lambda: srp_sign_in(anon_client, pool_id, client, name, BAD))

    got_known, known_work = _measure(work, lambda: srp_wrong(known))
    got_unknown, unknown_work = _measure(work, lambda: srp_wrong(nobody))
    assert got_known == got_unknown == WRONG
    assert _summary(known_work) == _summary(unknown_work)
    assert known_work["verify_password_claim"] == 1
    assert known_work["make_verifier"] == 0  # neither side computes a verifier at sign-in


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
