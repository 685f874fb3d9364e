"""ConfirmSignUp, ResendConfirmationCode and AdminConfirmSignUp through boto3 against a live
server, on SQLite and PostgreSQL; and how the codes are kept at rest."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from tests.flows.test_sign_up import attrs, error, name, secret_hash, sign_up, user_attributes
from tests.support.server import LiveServer

from authpool.store.sql import tables
from authpool.vault import Vault

PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]
MISMATCH = ("CodeMismatchException", "Invalid verification code provided, please try again.")
EXPIRED = ("ExpiredCodeException", "Invalid code provided, please request a code again.")
LIMIT = ("LimitExceededException", "Attempt limit exceeded, please try after some time.")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


@pytest.fixture
def email_pool(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, str]:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    return pool_id, app_client(pool_id)["ClientId"]


def last_code(server: LiveServer, pool_id: str, username: str) -> str:
    messages = server.outbox(pool_id=pool_id, username=username)
    assert messages, f"no message for {username}"
    code = messages[-1].code
    assert code is not None
    return code


def wrong(code: str) -> str:
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def signed_up(
    server: LiveServer, anon: Any, pool_id: str, client_id: str, **attributes: str
) -> tuple[str, str]:
    """Sign a new user up; (username, the code they were sent)."""
    username = name()
    sign_up(anon, client_id, username, UserAttributes=attrs(**attributes))
    return username, last_code(server, pool_id, username)


def confirm(anon: Any, client_id: str, username: str, code: str, **kwargs: Any) -> None:
    anon.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code, **kwargs)


def status(idp: Any, pool_id: str, username: str) -> str:
    result: str = idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"]
    return result


def stored_status(server: LiveServer, pool_id: str, username: str) -> str:
    """The status read from the store: for tests that moved the server clock, where a
    signed AdminGetUser would be refused as signed too long ago."""
    user = server.svc.store.get_user(pool_id, username)
    assert user is not None
    return user.status


# ConfirmSignUp -------------------------------------------------------------------------------
def test_the_right_code_confirms_and_verifies_the_email(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, code = signed_up(server, anon, pool_id, client_id, email="amy@example.com")
    # As Cognito: an address given at sign-up is stored as not verified.
    assert user_attributes(idp, pool_id, username)["email_verified"] == "false"

    assert error(lambda: confirm(anon, client_id, username, wrong(code))) == MISMATCH
    assert status(idp, pool_id, username) == "UNCONFIRMED"

    confirm(anon, client_id, username, code)
    assert status(idp, pool_id, username) == "CONFIRMED"
    stored = user_attributes(idp, pool_id, username)
    assert stored["email_verified"] == "true"
    assert "phone_number_verified" not in stored  # no phone number given


def test_a_code_sent_by_sms_verifies_the_phone_number_only(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email", "phone_number"])
    client_id = app_client(pool_id)["ClientId"]
    username, code = signed_up(
        server, anon, pool_id, client_id, email="ben@example.com", phone_number="+14155550100"
    )
    confirm(anon, client_id, username, code)

    stored = user_attributes(idp, pool_id, username)
    assert stored["phone_number_verified"] == "true"
    assert stored["email_verified"] == "false"


def test_the_code_expires_after_24_hours(
    server: LiveServer, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    early, early_code = signed_up(server, anon, pool_id, client_id, email="cal@example.com")
    late, late_code = signed_up(server, anon, pool_id, client_id, email="cat@example.com")

    server.clock.advance(timedelta(hours=23, minutes=59))
    confirm(anon, client_id, early, early_code)
    assert stored_status(server, pool_id, early) == "CONFIRMED"

    server.clock.advance(timedelta(minutes=1, seconds=1))
    assert error(lambda: confirm(anon, client_id, late, late_code)) == EXPIRED
    assert stored_status(server, pool_id, late) == "UNCONFIRMED"
    # Expired stays expired: the right code never works again.
    assert error(lambda: confirm(anon, client_id, late, late_code)) == EXPIRED


def test_wrong_attempts_are_limited_and_then_the_right_code_is_refused_too(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, code = signed_up(server, anon, pool_id, client_id, email="dan@example.com")

    for _ in range(5):
        assert error(lambda: confirm(anon, client_id, username, wrong(code))) == MISMATCH
    assert error(lambda: confirm(anon, client_id, username, code)) == LIMIT
    assert error(lambda: confirm(anon, client_id, username, code)) == LIMIT
    assert status(idp, pool_id, username) == "UNCONFIRMED"

    # A new code starts a new count.
    anon.resend_confirmation_code(ClientId=client_id, Username=username)
    fresh = last_code(server, pool_id, username)
    confirm(anon, client_id, username, fresh)
    assert status(idp, pool_id, username) == "CONFIRMED"


def test_four_wrong_attempts_still_leave_the_code_usable(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, code = signed_up(server, anon, pool_id, client_id, email="dee@example.com")
    for _ in range(4):
        assert error(lambda: confirm(anon, client_id, username, wrong(code))) == MISMATCH
    confirm(anon, client_id, username, code)
    assert status(idp, pool_id, username) == "CONFIRMED"


def test_a_user_cannot_be_confirmed_twice(
    server: LiveServer, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, code = signed_up(server, anon, pool_id, client_id, email="eli@example.com")
    confirm(anon, client_id, username, code)

    assert error(lambda: confirm(anon, client_id, username, code)) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_confirming_an_unknown_user(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    legacy = app_client(pool_id)["ClientId"]
    hiding = app_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]

    code, _ = error(lambda: confirm(anon, legacy, "nobody-here", "123456"))
    assert code == "UserNotFoundException"
    assert error(lambda: confirm(anon, hiding, "nobody-here", "123456")) == MISMATCH


def test_confirm_sign_up_checks_the_secret_hash(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client = app_client(pool_id, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    username = name()
    sign_up(
        anon,
        client_id,
        username,
        SecretHash=secret_hash(secret, username, client_id),
        UserAttributes=attrs(email="fay@example.com"),
    )
    code = last_code(server, pool_id, username)

    refused, _ = error(lambda: confirm(anon, client_id, username, code))
    assert refused == "NotAuthorizedException"
    assert status(idp, pool_id, username) == "UNCONFIRMED"
    confirm(anon, client_id, username, code, SecretHash=secret_hash(secret, username, client_id))
    assert status(idp, pool_id, username) == "CONFIRMED"


def test_racing_redemptions_of_one_code_confirm_exactly_once(
    server: LiveServer, idp: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    threads = 16
    clients = [server.anon_client() for _ in range(threads)]
    username, code = signed_up(server, clients[0], pool_id, client_id, email="gus@example.com")
    barrier = threading.Barrier(threads, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            confirm(clients[i], client_id, username, code)
            outcome = "ok"
        except ClientError as exc:
            outcome = exc.response["Error"]["Code"]
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert len(outcomes) == threads
    assert outcomes.count("ok") == 1, outcomes
    # The losers saw either the code already used or the user already confirmed.
    assert set(outcomes) - {"ok"} <= {"ExpiredCodeException", "NotAuthorizedException"}
    assert status(idp, pool_id, username) == "CONFIRMED"


# ForceAliasCreation --------------------------------------------------------------------------
def test_an_email_alias_held_by_another_user_needs_force_alias_creation(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id)["ClientId"]
    first, first_code = signed_up(server, anon, pool_id, client_id, email="hana@example.com")
    confirm(anon, client_id, first, first_code)
    # The confirmed e-mail is now a sign-in name for the first user.
    assert idp.admin_get_user(UserPoolId=pool_id, Username="hana@example.com")["Username"] == first

    second, second_code = signed_up(server, anon, pool_id, client_id, email="Hana@Example.com")
    assert error(lambda: confirm(anon, client_id, second, second_code)) == (
        "AliasExistsException",
        "An account with the given email already exists.",
    )
    assert status(idp, pool_id, second) == "UNCONFIRMED"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="hana@example.com")["Username"] == first

    # The same code, now with ForceAliasCreation: the alias moves to the second user.
    confirm(anon, client_id, second, second_code, ForceAliasCreation=True)
    assert status(idp, pool_id, second) == "CONFIRMED"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="hana@example.com")["Username"] == (
        second
    )
    assert user_attributes(idp, pool_id, second)["email_verified"] == "true"
    old = user_attributes(idp, pool_id, first)
    assert old["email"] == "hana@example.com"
    assert old["email_verified"] == "false"


def test_a_wrong_code_is_a_mismatch_even_when_the_alias_is_taken(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id)["ClientId"]
    first, first_code = signed_up(server, anon, pool_id, client_id, email="ida@example.com")
    confirm(anon, client_id, first, first_code)
    second, second_code = signed_up(server, anon, pool_id, client_id, email="ida@example.com")

    # Without the right code nobody learns that the address is taken.
    assert error(lambda: confirm(anon, client_id, second, wrong(second_code))) == MISMATCH


# ResendConfirmationCode ----------------------------------------------------------------------
def test_resend_sends_a_new_code_and_the_old_one_stops_working(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, old = signed_up(server, anon, pool_id, client_id, email="jan@example.com")

    out = anon.resend_confirmation_code(ClientId=client_id, Username=username)
    assert out["CodeDeliveryDetails"] == {
        "Destination": "j***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    messages = server.outbox(pool_id=pool_id, username=username)
    assert [m.purpose for m in messages] == ["SIGN_UP", "RESEND_CODE"]
    new = last_code(server, pool_id, username)
    if new == old:  # one chance in a million; ask again rather than test nothing
        anon.resend_confirmation_code(ClientId=client_id, Username=username)
        new = last_code(server, pool_id, username)
    assert new != old

    assert error(lambda: confirm(anon, client_id, username, old)) == MISMATCH
    confirm(anon, client_id, username, new)
    assert status(idp, pool_id, username) == "CONFIRMED"


def test_resend_restarts_the_24_hours(
    server: LiveServer, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, _ = signed_up(server, anon, pool_id, client_id, email="kai@example.com")
    server.clock.advance(timedelta(hours=20))
    anon.resend_confirmation_code(ClientId=client_id, Username=username)
    code = last_code(server, pool_id, username)
    server.clock.advance(timedelta(hours=20))
    confirm(anon, client_id, username, code)
    assert stored_status(server, pool_id, username) == "CONFIRMED"


def test_resend_to_a_confirmed_user_is_refused(
    server: LiveServer, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, code = signed_up(server, anon, pool_id, client_id, email="lou@example.com")
    confirm(anon, client_id, username, code)

    assert error(lambda: anon.resend_confirmation_code(ClientId=client_id, Username=username)) == (
        "InvalidParameterException",
        "User is already confirmed.",
    )
    assert len(server.outbox(pool_id=pool_id, username=username)) == 1


def test_resend_for_an_unknown_user_depends_on_prevent_user_existence_errors(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    legacy = app_client(pool_id, PreventUserExistenceErrors="LEGACY")["ClientId"]
    hiding = app_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]

    code, _ = error(lambda: anon.resend_confirmation_code(ClientId=legacy, Username="ghost"))
    assert code == "UserNotFoundException"

    out = anon.resend_confirmation_code(ClientId=hiding, Username="ghost@example.com")
    assert out["CodeDeliveryDetails"] == {
        "Destination": "g***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    out = anon.resend_confirmation_code(ClientId=hiding, Username="ghost")
    details = out["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL"
    assert details["AttributeName"] == "email"
    assert details["Destination"].startswith("g***@")
    assert server.outbox(pool_id=pool_id) == []  # nothing was really sent


def test_resend_is_refused_when_the_pool_verifies_nothing(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool()
    client_id = app_client(pool_id)["ClientId"]
    username = name()
    sign_up(anon, client_id, username, UserAttributes=attrs(email="mo@example.com"))

    code, _ = error(lambda: anon.resend_confirmation_code(ClientId=client_id, Username=username))
    assert code == "InvalidParameterException"
    assert server.outbox(pool_id=pool_id) == []


# AdminConfirmSignUp --------------------------------------------------------------------------
def test_admin_confirm_sign_up_needs_a_signature(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, _ = signed_up(server, anon, pool_id, client_id, email="ned@example.com")

    assert error(lambda: anon.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)) == (
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
    stranger = server.client(("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    code, _ = error(lambda: stranger.admin_confirm_sign_up(UserPoolId=pool_id, Username=username))
    assert code == "UnrecognizedClientException"
    assert status(idp, pool_id, username) == "UNCONFIRMED"

    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    assert status(idp, pool_id, username) == "CONFIRMED"
    # An administrator vouches for the account, not for the address.
    assert user_attributes(idp, pool_id, username)["email_verified"] == "false"


def test_admin_confirm_sign_up_refuses_a_confirmed_or_unknown_user(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username, code = signed_up(server, anon, pool_id, client_id, email="ola@example.com")
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)

    assert error(lambda: idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )
    code_name, _ = error(lambda: idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="nobody"))
    assert code_name == "UserNotFoundException"
    # The code sent at sign-up is gone with the confirmation.
    assert error(lambda: confirm(anon, client_id, username, code))[0] == "NotAuthorizedException"
    assert (
        server.svc.store.get_code(user_attributes(idp, pool_id, username)["sub"], "SIGN_UP") is None
    )


# codes at rest -------------------------------------------------------------------------------
def test_only_a_keyed_hash_of_the_code_is_stored(
    server: LiveServer, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username = name()
    sub = sign_up(anon, client_id, username, UserAttributes=attrs(email="pia@example.com"))[
        "UserSub"
    ]
    code = last_code(server, pool_id, username)
    assert len(code) == 6
    assert code.isdigit()

    with server.svc.store.engine.connect() as conn:
        rows = (
            conn.execute(sa.select(tables.codes).where(tables.codes.c.user_sub == sub))
            .mappings()
            .all()
        )
    [row] = rows
    assert row["purpose"] == "SIGN_UP"
    assert row["destination"] == "email"
    assert row["attempts"] == 0
    digest = bytes(row["code_digest"])
    assert len(digest) == 32
    # The code appears nowhere in the row, in text or as bytes.
    for value in row.values():
        text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
        assert code not in text
        assert code.encode().hex() not in text
    # Not a plain hash anyone could reverse by trying all million codes ...
    for plain in (code, f"{sub}{code}", f"{code}{sub}", f"SIGN_UP:{sub}:{code}"):
        assert digest != hashlib.sha256(plain.encode()).digest()
    # ... but a hash keyed by the server's master key: another key gives another digest.
    purpose = f"code:SIGN_UP:{sub}"
    assert digest == server.svc.vault.digest(code, purpose=purpose)
    assert digest != Vault(secrets.token_bytes(32)).digest(code, purpose=purpose)


def test_wrong_attempts_are_counted_in_the_store(
    server: LiveServer, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username = name()
    sub = sign_up(anon, client_id, username, UserAttributes=attrs(email="quin@example.com"))[
        "UserSub"
    ]
    code = last_code(server, pool_id, username)
    for _ in range(3):
        error(lambda: confirm(anon, client_id, username, wrong(code)))
    stored = server.svc.store.get_code(sub, "SIGN_UP")
    assert stored is not None
    assert stored.attempts == 3

    confirm(anon, client_id, username, code)
    assert server.svc.store.get_code(sub, "SIGN_UP") is None  # single use: gone once used
