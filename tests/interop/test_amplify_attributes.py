"""An app's account screen with the official Amplify JS v6 library against a live authpool
server: sign-in by e-mail alias (SRP), fetchUserAttributes, updateUserAttributes with an
e-mail change (CONFIRM_ATTRIBUTE_WITH_CODE) confirmed by confirmUserAttribute — in a pool
that keeps the old address until the new one is verified — and
sendUserAttributeVerificationCode, deleteUserAttributes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from tests.support.server import LiveServer

from .amplify import AmplifyNode, step

pytestmark = pytest.mark.node

PASSWORD = "Attr-Passw0rd!"


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


def _confirmed_user(server: LiveServer, client_id: str, pool_id: str) -> tuple[str, str]:
    """(username, email) of a user confirmed with the code sent to their address."""
    idp = server.anon_client()
    username = f"attr{secrets.token_hex(3)}"
    email = f"{username}@example.com"
    idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "Ada"}],
    )
    [message] = server.outbox(pool_id=pool_id, username=username)
    idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=message.code)
    return username, email


def test_account_screen(
    amplify: AmplifyNode,
    server: LiveServer,
    pool: Callable[..., str],
    app_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = pool(
        AutoVerifiedAttributes=["email"],
        AliasAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    client_id = app_client(pool_id)["ClientId"]
    username, email = _confirmed_user(server, client_id, pool_id)
    new_email = f"new-{email}"
    config = {
        "userPoolId": pool_id,
        "userPoolClientId": client_id,
        "userPoolEndpoint": server.url,
        "loginWith": {"username": True, "email": True},
    }
    with amplify.session(config) as s:
        signed_in = s.call("signIn", {"username": email.upper(), "password": PASSWORD})
        assert signed_in["nextStep"]["signInStep"] == "DONE"
        assert s.call("getCurrentUser")["username"] == username

        attrs = s.call("fetchUserAttributes")
        assert attrs["email"] == email
        assert attrs["email_verified"] == "true"
        assert attrs["name"] == "Ada"
        assert attrs["sub"]

        updated = s.call(
            "updateUserAttributes",
            {"userAttributes": {"email": new_email, "given_name": "Augusta"}},
        )
        assert updated["given_name"]["isUpdated"] is True
        assert updated["given_name"]["nextStep"]["updateAttributeStep"] == "DONE"
        assert updated["email"]["isUpdated"] is False
        step_email = updated["email"]["nextStep"]
        assert step_email["updateAttributeStep"] == "CONFIRM_ATTRIBUTE_WITH_CODE"
        assert step_email["codeDeliveryDetails"] == {
            "destination": "n***@e***",
            "deliveryMedium": "EMAIL",
            "attributeName": "email",
        }
        # Until the code comes back, the old address is the one in force.
        attrs = s.call("fetchUserAttributes")
        assert (attrs["email"], attrs["email_verified"], attrs["given_name"]) == (
            email,
            "true",
            "Augusta",
        )

        message = server.outbox(pool_id=pool_id, username=username)[-1]
        assert message.destination == new_email
        wrong_code = "000000" if message.code != "000000" else "111111"
        wrong, confirmed = s.run(
            [
                step(
                    "confirmUserAttribute",
                    {"userAttributeKey": "email", "confirmationCode": wrong_code},
                ),
                step(
                    "confirmUserAttribute",
                    {"userAttributeKey": "email", "confirmationCode": message.code},
                ),
            ]
        )
        assert not wrong["ok"]
        assert wrong["error"]["name"] == "CodeMismatchException"
        assert confirmed["ok"], confirmed
        attrs = s.call("fetchUserAttributes")
        assert (attrs["email"], attrs["email_verified"]) == (new_email, "true")

        # Ask for a code again and delete an attribute.
        sent = s.call("sendUserAttributeVerificationCode", {"userAttributeKey": "email"})
        assert sent["attributeName"] == "email"
        assert sent["deliveryMedium"] == "EMAIL"
        s.call("deleteUserAttributes", {"userAttributeKeys": ["given_name"]})
        assert "given_name" not in s.call("fetchUserAttributes")

        # The new address is the sign-in alias now; the old one no longer signs in.
        s.call("signOut")
        old, new = s.run(
            [
                step("signIn", {"username": email, "password": PASSWORD}),
                step("signIn", {"username": new_email, "password": PASSWORD}),
            ]
        )
        assert not old["ok"]
        assert old["error"]["name"] in ("UserNotFoundException", "NotAuthorizedException")
        assert new["ok"], new
        assert new["value"]["nextStep"]["signInStep"] == "DONE"
        session = s.call("fetchAuthSession")
        assert session["tokens"]["idTokenPayload"]["email"] == new_email
