"""What a password change does beyond the password, on SQLite and PostgreSQL: no password
operation signs the user out (as in Cognito), and the pool's PasswordHistorySize refuses a
password among the user's last ones with PasswordHistoryPolicyViolationException on
ChangePassword, ConfirmForgotPassword, AdminSetUserPassword and NEW_PASSWORD_REQUIRED."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.flows.challenge_support import (
    NEW_PASSWORD,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    error,
    make_user,
    mfa_pool,
    password_sign_in,
    respond,
    signed_in,
)
from tests.flows.test_new_password import TEMPORARY, invited
from tests.flows.test_passwords import confirm, forgot, reset_code
from tests.support.server import LiveServer

REUSED = "PasswordHistoryPolicyViolationException"
SECOND = "S3cond-battery!"
THIRD = "Th1rd-battery!"
FOURTH = "F0urth-battery!"


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def history_pool(
    idp: Any, pool: PoolFactory, app_client: ClientFactory, size: int
) -> tuple[str, dict[str, Any]]:
    policy = {"PasswordPolicy": {"MinimumLength": 8, "PasswordHistorySize": size}}
    return mfa_pool(idp, pool, app_client, "OFF", Policies=policy)


def refresh(anon: Any, client: dict[str, Any], refresh_token: str) -> dict[str, Any]:
    result: dict[str, Any] = anon.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return result["AuthenticationResult"]


# no password operation revokes tokens --------------------------------------------------------
def test_no_password_operation_signs_the_user_out(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    """Cognito revokes refresh tokens with RevokeToken, GlobalSignOut, AdminUserGlobalSignOut
    and by disabling the user; a password change, reset or new password is none of these."""
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")

    def change(username: str, access: str) -> None:
        anon.change_password(
            AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD
        )

    def forgot_and_confirm(username: str, access: str) -> None:
        forgot(anon, client, username)
        confirm(anon, client, username, reset_code(server, pool_id, username))

    def admin_set(username: str, access: str) -> None:
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=NEW_PASSWORD, Permanent=True
        )

    def admin_reset(username: str, access: str) -> None:
        idp.admin_reset_user_password(UserPoolId=pool_id, Username=username)

    operations: list[Callable[[str, str], None]] = [
        change,
        forgot_and_confirm,
        admin_set,
        admin_reset,
    ]
    for operation in operations:
        username = make_user(idp, pool_id, email="ada@example.com")
        tokens = signed_in(password_sign_in(anon, client, username))
        operation(username, tokens["AccessToken"])
        assert "AccessToken" in refresh(anon, client, tokens["RefreshToken"]), operation
        assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == username
        # What does sign a user out still does.
        idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=username)
        assert error(lambda t=tokens: refresh(anon, client, t["RefreshToken"]))[0] == (
            "NotAuthorizedException"
        )


# PasswordHistorySize --------------------------------------------------------------------------
def test_change_password_refuses_the_last_passwords(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = history_pool(idp, pool, app_client, 3)
    policy = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert policy["PasswordHistorySize"] == 3
    username = make_user(idp, pool_id)
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]
    current = PASSWORD

    def change(proposed: str) -> None:
        nonlocal current
        anon.change_password(
            AccessToken=access, PreviousPassword=current, ProposedPassword=proposed
        )
        current = proposed

    assert error(lambda: change(PASSWORD))[0] == REUSED  # the current one counts
    change(SECOND)
    change(THIRD)
    assert error(lambda: change(PASSWORD))[0] == REUSED  # one of the last three
    assert error(lambda: change(SECOND))[0] == REUSED
    change(FOURTH)  # the last three: FOURTH, THIRD, SECOND
    change(PASSWORD)
    signed_in(password_sign_in(anon, client, username, PASSWORD))

    # Only verifiers are kept: the two before the current one, each with its own salt.
    user = server.svc.store.get_user(pool_id, username)
    assert user is not None
    assert len(user.password_history) == 2
    salts = {salt for salt, _ in user.password_history} | {user.salt}
    assert len(salts) == 3
    for _, sealed in user.password_history:
        for password in (PASSWORD, SECOND, THIRD, FOURTH):
            assert password.encode() not in sealed


def test_admin_set_user_password_and_reset_refuse_the_last_passwords(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = history_pool(idp, pool, app_client, 2)
    username = make_user(idp, pool_id, email="ada@example.com")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=SECOND, Permanent=True
    )
    for permanent in (True, False):
        assert (
            error(
                lambda p=permanent: idp.admin_set_user_password(
                    UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=p
                )
            )[0]
            == REUSED
        )
    # ConfirmForgotPassword: the refusal leaves the code usable for another password.
    forgot(anon, client, username)
    code = reset_code(server, pool_id, username)
    assert error(lambda: confirm(anon, client, username, code, SECOND))[0] == REUSED
    confirm(anon, client, username, code, THIRD)
    signed_in(password_sign_in(anon, client, username, THIRD))
    # A wrong code is a wrong code, whatever the password: the history is not an oracle.
    forgot(anon, client, username)
    code = reset_code(server, pool_id, username)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    assert error(lambda: confirm(anon, client, username, wrong_code, THIRD))[0] == (
        "CodeMismatchException"
    )


def test_new_password_required_refuses_the_temporary_one(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = history_pool(idp, pool, app_client, 1)
    username = invited(idp, pool_id)
    challenge = password_sign_in(anon, client, username, TEMPORARY)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert (
        error(lambda: respond(anon, client, challenge, username, NEW_PASSWORD=TEMPORARY))[0]
        == REUSED
    )
    # The same session still takes another password.
    signed_in(respond(anon, client, challenge, username, NEW_PASSWORD=NEW_PASSWORD))


def test_without_a_history_a_password_may_be_reused(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = history_pool(idp, pool, app_client, 0)
    policy = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert "PasswordHistorySize" not in policy
    username = make_user(idp, pool_id)
    access = signed_in(password_sign_in(anon, client, username))["AccessToken"]
    anon.change_password(AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword=PASSWORD)
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    user = server.svc.store.get_user(pool_id, username)
    assert user is not None
    assert user.password_history == ()
