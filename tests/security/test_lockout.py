"""Brute-force lockout as Cognito's, on SQLite and PostgreSQL: five free failures, then
2^(n-5) seconds doubling to fifteen minutes; attempts during a lockout refused with "Password
attempts exceeded" and not counted; the count forgotten after a success or fifteen quiet
minutes; the same for SRP and for MFA codes; parallel guesses bounded; a name nobody holds
locked like a user when user existence errors are prevented. The server's clock moves
instead of the test sleeping."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.flows.challenge_support import (
    last_code,
    mfa_pool,
    respond,
    signed_in,
    srp_sign_in,
    wrong,
)
from tests.security.support import (
    EXCEEDED,
    PASSWORD,
    WRONG,
    ClientFactory,
    PoolFactory,
    frozen,
    new_name,
    outcome,
    password_pool,
    try_password,
    user,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

BAD = "Wr0ng-password!"
PHONE = "+14155550123"


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


@pytest.fixture
def setup(idp: Any, pool: PoolFactory, app_client: ClientFactory) -> tuple[str, dict[str, Any]]:
    return password_pool(pool, app_client)


def fail(anon: Any, client: dict[str, Any], name: str, times: int) -> None:
    for _ in range(times):
        assert try_password(anon, client, name, BAD) == WRONG


def test_five_failures_are_free_then_one_second_of_lockout(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)
    fail(anon, client, name, 5)
    # Locked out for one second: even the right password is refused, and not counted.
    assert try_password(anon, client, name) == EXCEEDED
    assert try_password(anon, client, name, BAD) == EXCEEDED
    server.clock.advance(1)
    assert try_password(anon, client, name) is None


def test_the_lockout_doubles_up_to_fifteen_minutes(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)
    fail(anon, client, name, 4)
    for n in range(5, 16):  # 1, 2, 4, … 512 seconds, then 900 (not 1,024)
        assert try_password(anon, client, name, BAD) == WRONG, n
        lock = min(2 ** (n - 5), 900)
        if lock > 1:
            server.clock.advance(lock - 1)
            # Still locked: refused, and the refusal does not make the lockout longer.
            assert try_password(anon, client, name, BAD) == EXCEEDED, n
        server.clock.advance(1)
    # Fifteen minutes of lockout are fifteen quiet minutes: the count starts over.
    fail(anon, client, name, 5)
    assert try_password(anon, client, name) == EXCEEDED
    server.clock.advance(1)
    assert try_password(anon, client, name) is None


def test_attempts_during_a_lockout_do_not_extend_it(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)
    fail(anon, client, name, 5)
    server.clock.advance(1)
    fail(anon, client, name, 1)
    server.clock.advance(2)
    fail(anon, client, name, 1)  # the seventh failure locks for four seconds
    for _ in range(3):
        server.clock.advance(1)
        assert try_password(anon, client, name, BAD) == EXCEEDED
    server.clock.advance(1)
    assert try_password(anon, client, name) is None


def test_a_success_starts_the_count_over(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)
    fail(anon, client, name, 4)
    assert try_password(anon, client, name) is None
    fail(anon, client, name, 5)  # five free failures again
    assert try_password(anon, client, name, BAD) == EXCEEDED


def test_fifteen_quiet_minutes_start_the_count_over(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)
    fail(anon, client, name, 4)
    server.clock.advance(15 * 60 - 1)
    assert try_password(anon, client, name, BAD) == WRONG  # the fifth: locks for a second
    server.clock.advance(1)
    fail(anon, client, name, 1)  # the sixth: locks for two seconds
    assert try_password(anon, client, name, BAD) == EXCEEDED
    server.clock.advance(15 * 60)
    fail(anon, client, name, 4)  # forgotten: four free failures, no lockout
    assert try_password(anon, client, name) is None


def test_srp_failures_lock_out_password_sign_in_too(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)
    for _ in range(5):
        assert outcome(lambda: srp_sign_in(anon, pool_id, client, name, BAD)) == WRONG
    assert outcome(lambda: srp_sign_in(anon, pool_id, client, name)) == EXCEEDED
    assert try_password(anon, client, name) == EXCEEDED
    server.clock.advance(1)
    assert outcome(lambda: srp_sign_in(anon, pool_id, client, name)) is None


def test_a_replayed_srp_answer_counts_for_nothing(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    """A PASSWORD_VERIFIER answer is refused as a used session when it comes again, before
    the lockout counts it: replaying a captured answer cannot lock its user out."""
    from pycognito.aws_srp import AWSSRP

    pool_id, client = setup
    name = user(idp, pool_id)
    aws = AWSSRP(
        username=name, password=PASSWORD, pool_id=pool_id, client_id=client["ClientId"],
        client=anon,
    )  # fmt: skip
    params = aws.get_auth_params()
    first = anon.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    answers = aws.process_challenge(first["ChallengeParameters"], params)

    def answer() -> object:
        return anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answers,
        )

    assert outcome(answer) is None
    for _ in range(6):
        replayed = outcome(answer)
        assert replayed is not None
        assert replayed[0] == "NotAuthorizedException"
        assert replayed != EXCEEDED
    assert outcome(lambda: srp_sign_in(anon, pool_id, client, name)) is None
    assert try_password(anon, client, name) is None


def test_admin_password_sign_in_counts_too(
    server: LiveServer, idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    name = user(idp, pool_id)

    def admin(password: str) -> tuple[str, str] | None:
        return outcome(
            lambda: idp.admin_initiate_auth(
                UserPoolId=pool_id,
                ClientId=client["ClientId"],
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": password},
            )
        )

    for _ in range(5):
        assert admin(BAD) == WRONG
    assert admin(PASSWORD) == EXCEEDED


def test_racing_guesses_cannot_pass_the_lockout(
    server: LiveServer, idp: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    """Twenty wrong guesses at once (the server's time standing still): the store counts
    each before it is checked, so exactly five are checked and fifteen meet the lockout the
    fifth began; the right password, next, meets it too."""
    pool_id, client = setup
    name = user(idp, pool_id)
    clients = [server.anon_client() for _ in range(20)]
    start = threading.Barrier(len(clients))

    def guess(i: int) -> tuple[str, str] | None:
        start.wait(timeout=60)
        return try_password(clients[i], client, name, f"{BAD}{i}")

    with frozen(server), ThreadPoolExecutor(max_workers=len(clients)) as workers:
        results = list(workers.map(guess, range(len(clients))))
        assert try_password(clients[0], client, name) == EXCEEDED
    assert results.count(WRONG) == 5, results
    assert results.count(EXCEEDED) == 15


def test_an_unknown_name_is_locked_like_a_user_when_existence_errors_are_prevented(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    _, client = password_pool(pool, app_client, PreventUserExistenceErrors="ENABLED")
    nobody = new_name("nobody")
    fail(anon, client, nobody, 5)
    assert try_password(anon, client, nobody, BAD) == EXCEEDED
    server.clock.advance(1)
    assert try_password(anon, client, nobody, BAD) == WRONG


def test_legacy_errors_say_the_user_does_not_exist_and_lock_nothing(
    anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    _, client = password_pool(pool, app_client, PreventUserExistenceErrors="LEGACY")
    nobody = new_name("nobody")
    for _ in range(7):
        assert try_password(anon, client, nobody, BAD) == (
            "UserNotFoundException",
            "User does not exist.",
        )


def test_one_users_lockout_leaves_other_users_alone(
    idp: Any, anon: Any, setup: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = setup
    victim, other = user(idp, pool_id), user(idp, pool_id)
    fail(anon, client, victim, 5)
    assert try_password(anon, client, victim) == EXCEEDED
    assert try_password(anon, client, other) is None


# MFA codes ------------------------------------------------------------------------------------
def test_wrong_mfa_codes_lock_out_the_mfa_step(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    name = user(idp, pool_id, phone_number=PHONE)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=name, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    mismatch = ("CodeMismatchException", "Invalid code or auth state for the user.")
    # Five wrong codes over three sign-ins (the password is right each time).
    for answers in (2, 2, 1):
        challenge = signed_in_until_mfa(anon, client, name)
        code = last_code(server, pool_id, name)
        for _ in range(answers):
            assert (
                outcome(
                    lambda c=challenge, k=code: respond(
                        anon, client, c, name, SMS_MFA_CODE=wrong(k)
                    )
                )
                == mismatch
            )
    # The sixth answer, right this time, meets the lockout; a second later it goes through.
    challenge = signed_in_until_mfa(anon, client, name)
    code = last_code(server, pool_id, name)
    assert outcome(lambda: respond(anon, client, challenge, name, SMS_MFA_CODE=code)) == EXCEEDED
    server.clock.advance(1)
    signed_in(respond(anon, client, challenge, name, SMS_MFA_CODE=code))


def signed_in_until_mfa(anon: Any, client: dict[str, Any], name: str) -> dict[str, Any]:
    from tests.flows.challenge_support import password_sign_in

    challenge = password_sign_in(anon, client, name)
    assert challenge["ChallengeName"] == "SMS_MFA"
    return challenge
