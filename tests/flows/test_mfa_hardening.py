"""MFA edge cases that need the store to decide, on SQLite and PostgreSQL: a software-token
code older than one already accepted (RFC 6238 §5.2), concurrent changes of a user's MFA
settings, and SetUserPoolMfaConfig replacing the pool's whole MFA configuration."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.flows.challenge_support import (
    ClientFactory,
    PoolFactory,
    error,
    last_code,
    make_user,
    mfa_pool,
    next_step,
    password_sign_in,
    respond,
    signed_in,
    totp_now,
)
from tests.flows.test_mfa import totp_user
from tests.support.server import LiveServer

from authpool.domain import mfa

PHONE = "+14155550123"
EMAIL = "ada@example.com"
USED_TOTP = ("ExpiredCodeException", "Your software token has already been used once.")
ALL = ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def mfa_list(idp: Any, pool_id: str, username: str) -> list[str]:
    found: list[str] = idp.admin_get_user(UserPoolId=pool_id, Username=username).get(
        "UserMFASettingList", []
    )
    return found


# TOTP: no code older than the last one accepted ------------------------------------------------
def test_an_older_code_in_the_drift_window_is_refused_after_a_newer_one(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username, secret = totp_user(server, idp, anon, pool_id, client)
    next_step(server)  # the step before this one is unused too
    ahead = password_sign_in(anon, client, username)
    code = totp_now(server, secret, steps=1)  # an authenticator whose clock runs ahead
    signed_in(respond(anon, client, ahead, username, SOFTWARE_TOKEN_MFA_CODE=code))
    # The current step's code and the previous one are in the drift window and unused, but
    # older than the step just accepted: both are refused.
    for steps in (0, -1):
        challenge = password_sign_in(anon, client, username)
        older = totp_now(server, secret, steps=steps)
        assert (
            error(
                lambda c=challenge, o=older: respond(
                    anon, client, c, username, SOFTWARE_TOKEN_MFA_CODE=o
                )
            )
            == USED_TOTP
        )
    # Once the clock passes the accepted step, the next code signs in.
    next_step(server)
    next_step(server)
    challenge = password_sign_in(anon, client, username)
    signed_in(
        respond(anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=totp_now(server, secret))
    )


def test_racing_uses_of_one_totp_code_sign_in_once(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    username, secret = totp_user(server, idp, anon, pool_id, client)
    # Five racers: each answer is counted toward the MFA lockout before it is checked, and
    # a sixth could meet the lockout the fifth starts (if the winner has not yet taken the
    # count back) and be refused for that instead: a race of the lockout, not of the code.
    challenges = [password_sign_in(anon, client, username) for _ in range(5)]
    code = totp_now(server, secret)
    start = threading.Barrier(len(challenges))
    clients = [server.anon_client() for _ in challenges]

    def answer(i: int) -> tuple[str, str] | None:
        start.wait(timeout=60)
        try:
            respond(clients[i], client, challenges[i], username, SOFTWARE_TOKEN_MFA_CODE=code)
        except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
            err = exc.response["Error"]  # type: ignore[attr-defined]
            return err["Code"], err["Message"]
        return None

    with ThreadPoolExecutor(max_workers=len(challenges)) as workers:
        outcomes = list(workers.map(answer, range(len(challenges))))
    assert outcomes.count(None) == 1
    assert [o for o in outcomes if o is not None] == [USED_TOTP] * (len(challenges) - 1)


# concurrent changes of a user's MFA settings ---------------------------------------------------
def _three_factor_user(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> tuple[str, str, str]:
    """A pool offering SMS, TOTP and e-mail; a user who can use all three, none on.
    (pool id, username, access token)."""
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True, totp=True, email=True)
    username, secret = totp_user(
        server, idp, anon, pool_id, client, phone_number=PHONE, email=EMAIL
    )
    challenge = password_sign_in(anon, client, username)
    access = signed_in(
        respond(anon, client, challenge, username, SOFTWARE_TOKEN_MFA_CODE=totp_now(server, secret))
    )["AccessToken"]
    _all_off(idp, pool_id, username)
    return pool_id, username, access


def _all_off(idp: Any, pool_id: str, username: str) -> None:
    off = {"Enabled": False, "PreferredMfa": False}
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username=username,
        SMSMfaSettings=off,
        SoftwareTokenMfaSettings=off,
        EmailMfaSettings=off,
    )
    assert mfa_list(idp, pool_id, username) == []


def test_a_change_landing_between_read_and_write_is_not_lost(
    server: LiveServer,
    idp: Any,
    anon: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AdminSetUserMFAPreference and AdminSetUserSettings read the user; another change of the
    same user's settings commits before they write. Both changes must survive."""
    pool_id, username, _ = _three_factor_user(server, idp, anon, pool, app_client)
    store = server.svc.store
    read = store.get_user

    def interleave(other: Callable[[], None]) -> None:
        fired = False

        def get_user(pool_id_: str, key: str) -> Any:
            nonlocal fired
            user = read(pool_id_, key)
            if not fired and user is not None and user.username == username:
                fired = True
                other()  # commits now; ``user`` is what the caller had read before it
            return user

        monkeypatch.setattr(store, "get_user", get_user)

    interleave(
        lambda: mfa.admin_set_user_mfa_preference(
            server.svc, pool_id, username, {"email_mfa_settings": {"enabled": True}}
        )
    )
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=username, SMSMfaSettings={"Enabled": True}
    )
    assert mfa_list(idp, pool_id, username) == ["SMS_MFA", "EMAIL_OTP"]

    interleave(
        lambda: mfa.admin_set_user_mfa_preference(
            server.svc, pool_id, username, {"software_token_mfa_settings": {"enabled": True}}
        )
    )
    idp.admin_set_user_settings(UserPoolId=pool_id, Username=username, MFAOptions=[])
    assert mfa_list(idp, pool_id, username) == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]


def test_parallel_preference_changes_all_take_effect(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, username, access = _three_factor_user(server, idp, anon, pool, app_client)
    admin = [server.client() for _ in range(2)]
    user_client = server.anon_client()
    calls: list[Callable[[], object]] = [
        lambda: admin[0].admin_set_user_settings(
            UserPoolId=pool_id,
            Username=username,
            MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
        ),
        lambda: user_client.set_user_mfa_preference(
            AccessToken=access, EmailMfaSettings={"Enabled": True}
        ),
        lambda: admin[1].admin_set_user_mfa_preference(
            UserPoolId=pool_id, Username=username, SoftwareTokenMfaSettings={"Enabled": True}
        ),
    ]
    for _ in range(8):
        start = threading.Barrier(len(calls))

        def run(call: Callable[[], object], barrier: threading.Barrier = start) -> None:
            barrier.wait(timeout=60)
            call()

        with ThreadPoolExecutor(max_workers=len(calls)) as workers:
            list(workers.map(run, calls))
        assert mfa_list(idp, pool_id, username) == ALL
        _all_off(idp, pool_id, username)


# SetUserPoolMfaConfig replaces the whole configuration -------------------------------------------
OFF_WITH_FACTOR = (
    "InvalidParameterException",
    "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
)
WITHOUT_FACTOR = (
    "InvalidParameterException",
    "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled.",
)


def _mfa_config(idp: Any, pool_id: str) -> dict[str, Any]:
    got: dict[str, Any] = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    got.pop("ResponseMetadata", None)
    return got


def test_a_factor_left_out_is_no_longer_configured(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True, totp=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=username, SMSMfaSettings={"Enabled": True}
    )
    assert password_sign_in(anon, client, username)["ChallengeName"] == "SMS_MFA"
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    assert _mfa_config(idp, pool_id) == {
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "MfaConfiguration": "OPTIONAL",
    }
    # SMS is no longer offered: the user's SMS setting asks for nothing.
    signed_in(password_sign_in(anon, client, username))


def test_an_omitted_mfa_configuration_turns_mfa_off(idp: Any, pool: PoolFactory) -> None:
    pool_id = pool()
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
        MfaConfiguration="ON",
    )
    answer = idp.set_user_pool_mfa_config(UserPoolId=pool_id)
    answer.pop("ResponseMetadata")
    assert answer == {"MfaConfiguration": "OFF"}
    assert _mfa_config(idp, pool_id) == {"MfaConfiguration": "OFF"}


def test_off_with_a_factor_and_on_without_one_are_refused(idp: Any, pool: PoolFactory) -> None:
    pool_id = pool()
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    for factor in (
        {"SoftwareTokenMfaConfiguration": {"Enabled": False}},
        {"EmailMfaConfiguration": {"Message": "Code {####}", "Subject": "Code"}},
        {"SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}"}},
    ):
        for mode in ({"MfaConfiguration": "OFF"}, {}):
            assert error(
                lambda f=factor, m=mode: idp.set_user_pool_mfa_config(UserPoolId=pool_id, **f, **m)
            ) == (OFF_WITH_FACTOR)
    for mode in ("ON", "OPTIONAL"):
        assert error(
            lambda m=mode: idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration=m)
        ) == (WITHOUT_FACTOR)
        assert error(
            lambda m=mode: idp.set_user_pool_mfa_config(
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": False},
                MfaConfiguration=m,
            )
        ) == (WITHOUT_FACTOR)
    # Nothing refused changed anything.
    assert _mfa_config(idp, pool_id) == {
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "MfaConfiguration": "OPTIONAL",
    }


def test_an_empty_sms_block_turns_sms_mfa_on(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", totp=True)
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SmsMfaConfiguration={}, MfaConfiguration="OPTIONAL"
    )
    username = make_user(idp, pool_id, phone_number=PHONE)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=username, SMSMfaSettings={"Enabled": True}
    )
    challenge = password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    code = last_code(server, pool_id, username)
    signed_in(respond(anon, client, challenge, username, SMS_MFA_CODE=code))
