"""Passwords with the official Amplify JS v6 library against a live authpool server: the
new-password step of signIn (with a required attribute), resetPassword → confirmResetPassword,
the RESET_PASSWORD step after an administrator's reset, and updatePassword."""

from __future__ import annotations

from typing import Any

import pytest
from tests.flows.challenge_support import (
    NEW_PASSWORD,
    PASSWORD,
    ClientFactory,
    PoolFactory,
    attributes,
    last_code,
    make_user,
    mfa_pool,
    new_name,
)
from tests.support.server import LiveServer

from .amplify import AmplifyNode, step
from .test_amplify_mfa import config, confirm, done, failed, sign_in

pytestmark = pytest.mark.node

TEMPORARY = "Temp0rary-pass!"


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


def test_new_password_required(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    schema = [{"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True}]
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF", Schema=schema)
    username = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=TEMPORARY,
        UserAttributes=attributes(email="ada@example.com"),
        MessageAction="SUPPRESS",
    )
    with amplify.session(config(server, pool_id, client)) as s:
        result = sign_in(s, username, TEMPORARY)
        assert result["isSignedIn"] is False
        assert result["nextStep"] == {
            "signInStep": "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED",
            "missingAttributes": ["name"],
        }
        weak = failed(s, "confirmSignIn", {"challengeResponse": "weak"})
        assert weak["name"] == "InvalidPasswordException"
        done(s, confirm(s, NEW_PASSWORD, userAttributes={"name": "Ada Lovelace"}))
        assert s.call("fetchUserAttributes")["name"] == "Ada Lovelace"
        s.call("signOut")
        done(s, sign_in(s, username, NEW_PASSWORD))


def test_reset_password_then_confirm(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id, email="ada@example.com")
    with amplify.session(config(server, pool_id, client)) as s:
        result = s.call("resetPassword", {"username": username})
        assert result == {
            "isPasswordReset": False,
            "nextStep": {
                "resetPasswordStep": "CONFIRM_RESET_PASSWORD_WITH_CODE",
                "codeDeliveryDetails": {
                    "deliveryMedium": "EMAIL",
                    "destination": "a***@e***",
                    "attributeName": "email",
                },
            },
        }
        code = last_code(server, pool_id, username, "FORGOT_PASSWORD")
        wrong = failed(
            s,
            "confirmResetPassword",
            {
                "username": username,
                "confirmationCode": f"{(int(code) + 1) % 10**6:06d}",
                "newPassword": NEW_PASSWORD,
            },
        )
        assert wrong["name"] == "CodeMismatchException"
        s.call(
            "confirmResetPassword",
            {"username": username, "confirmationCode": code, "newPassword": NEW_PASSWORD},
        )
        refused = failed(s, "signIn", {"username": username, "password": PASSWORD})
        assert refused["name"] == "NotAuthorizedException"
        done(s, sign_in(s, username, NEW_PASSWORD))


def test_reset_password_step_after_an_admin_reset(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id, email="ada@example.com")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username=username)
    with amplify.session(config(server, pool_id, client)) as s:
        result = sign_in(s, username)
        assert result == {"isSignedIn": False, "nextStep": {"signInStep": "RESET_PASSWORD"}}
        code = last_code(server, pool_id, username, "FORGOT_PASSWORD")
        s.call(
            "confirmResetPassword",
            {"username": username, "confirmationCode": code, "newPassword": NEW_PASSWORD},
        )
        done(s, sign_in(s, username, NEW_PASSWORD))


def test_update_password(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OFF")
    username = make_user(idp, pool_id)
    with amplify.session(config(server, pool_id, client)) as s:
        done(s, sign_in(s, username))
        wrong = failed(
            s, "updatePassword", {"oldPassword": "Wr0ng-horse!", "newPassword": NEW_PASSWORD}
        )
        assert wrong["name"] == "NotAuthorizedException"
        s.call("updatePassword", {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD})
        results = s.run(
            [
                step("signOut"),
                step("signIn", {"username": username, "password": PASSWORD}),
                step("signIn", {"username": username, "password": NEW_PASSWORD}),
            ]
        )
        assert results[0]["ok"]
        assert results[1]["error"]["name"] == "NotAuthorizedException"
        assert results[2]["value"]["nextStep"]["signInStep"] == "DONE"
