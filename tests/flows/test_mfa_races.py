"""Racing answers to one MFA challenge, on SQLite and PostgreSQL: the store, not a worker's
memory, decides — exactly one right answer signs in, and parallel guesses get no more than
the session's bounded number of answers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.flows.challenge_support import (
    INVALID_FOR_USER,
    ClientFactory,
    PoolFactory,
    error,
    last_code,
    make_user,
    mfa_pool,
    password_sign_in,
    respond,
    wrong,
)
from tests.support.server import LiveServer

PHONE = "+14155550123"
SENT_MISMATCH = ("CodeMismatchException", "Invalid code or auth state for the user.")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def enable(idp: Any, pool_id: str, username: str) -> None:
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username=username,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )


def _answer_all(
    server: LiveServer,
    client: dict[str, Any],
    challenge: dict[str, Any],
    username: str,
    codes: list[str],
) -> list[tuple[str, str] | None]:
    """Answer ``challenge`` once per code, all at the same moment, each from its own client;
    None for a sign-in, else the error."""
    clients = [server.anon_client() for _ in codes]
    start = threading.Barrier(len(codes))

    def answer(i: int) -> tuple[str, str] | None:
        start.wait(timeout=60)
        try:
            respond(clients[i], client, challenge, username, SMS_MFA_CODE=codes[i])
        except ClientError as exc:
            return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
        return None

    with ThreadPoolExecutor(max_workers=len(codes)) as pool_:
        return list(pool_.map(answer, range(len(codes))))


def test_racing_right_answers_sign_in_exactly_once(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username)
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    outcomes = _answer_all(server, client, challenge, username, [code] * 8)
    assert outcomes.count(None) == 1
    assert {o[0] for o in outcomes if o is not None} <= {
        "NotAuthorizedException",
        "ExpiredCodeException",
    }


def test_racing_guesses_are_bounded_by_the_store(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    enable(idp, pool_id, username)
    challenge = password_sign_in(anon, client, username)
    code = last_code(server, pool_id, username)
    outcomes = _answer_all(server, client, challenge, username, [wrong(code)] * 12)
    assert outcomes.count(SENT_MISMATCH) == 5
    assert outcomes.count(INVALID_FOR_USER) == 7
    assert error(lambda: respond(anon, client, challenge, username, SMS_MFA_CODE=code)) == (
        INVALID_FOR_USER
    )
