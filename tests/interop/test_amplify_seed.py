"""The seed's registration and sign-in flow, driven by the official Amplify JS v6 library
against a live authpool server: signUp → CONFIRM_SIGN_UP → confirmSignUp (code from the
outbox) → signIn with SRP → DONE → fetchAuthSession (and a forced refresh) → a wrong
password refused → signOut (which revokes the tokens)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from tests.support.server import LiveServer

from .amplify import AmplifyNode, step

pytestmark = pytest.mark.node

PASSWORD = "Seed-Passw0rd!"


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


def amplify_config(pool_id: str, client_id: str, server: LiveServer) -> dict[str, Any]:
    return {
        "userPoolId": pool_id,
        "userPoolClientId": client_id,
        "userPoolEndpoint": server.url,
        "loginWith": {"username": True, "email": True},
    }


def test_seed_flow(
    amplify: AmplifyNode,
    server: LiveServer,
    pool: Callable[..., str],
    app_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id)["ClientId"]
    username = f"seed{secrets.token_hex(3)}"
    email = f"{username}@example.com"
    with amplify.session(amplify_config(pool_id, client_id, server)) as s:
        [signed_up] = s.run(
            [
                step(
                    "signUp",
                    {
                        "username": username,
                        "password": PASSWORD,
                        "options": {"userAttributes": {"email": email}},
                    },
                )
            ]
        )
        assert signed_up["ok"], signed_up
        value = signed_up["value"]
        assert value["isSignUpComplete"] is False
        assert value["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP"
        details = value["nextStep"]["codeDeliveryDetails"]
        assert details["deliveryMedium"] == "EMAIL"
        assert details["destination"] == f"{username[0]}***@e***"
        assert details["attributeName"] == "email"

        [message] = server.outbox(pool_id=pool_id, username=username)
        assert message.code is not None
        assert len(message.code) == 6

        results = s.run(
            [
                step("confirmSignUp", {"username": username, "confirmationCode": message.code}),
                step("signIn", {"username": username, "password": "Wrong-Passw0rd!"}),
                step("signIn", {"username": username, "password": PASSWORD}),
                step("fetchAuthSession"),
                step("getCurrentUser"),
            ]
        )
        confirmed, wrong, right, session, current = results
        assert confirmed["ok"], confirmed
        assert confirmed["value"]["isSignUpComplete"] is True
        assert not wrong["ok"]
        assert wrong["error"]["name"] == "NotAuthorizedException"
        assert wrong["error"]["message"] == "Incorrect username or password."
        assert right["ok"], right
        assert right["value"]["isSignedIn"] is True
        assert right["value"]["nextStep"]["signInStep"] == "DONE"
        assert session["ok"], session
        tokens = session["value"]["tokens"]
        sub = tokens["accessTokenPayload"]["sub"]
        assert tokens["idTokenPayload"]["email"] == email
        assert tokens["idTokenPayload"]["iss"] == f"{server.url}/{pool_id}"
        assert current["ok"]
        assert current["value"]["userId"] == sub
        assert current["value"]["username"] == username

        # A forced refresh goes through GetTokensFromRefreshToken and keeps the session.
        refreshed = s.call("fetchAuthSession", {"forceRefresh": True})
        new_access = refreshed["tokens"]["accessToken"]
        assert (
            refreshed["tokens"]["accessTokenPayload"]["origin_jti"]
            == (tokens["accessTokenPayload"]["origin_jti"])
        )
        user = server.anon_client().get_user(AccessToken=new_access)
        assert user["Username"] == username

        # signOut revokes the refresh token, so the access tokens issued from it die too.
        s.call("signOut")
        idp = server.anon_client()
        with pytest.raises(idp.exceptions.NotAuthorizedException):
            idp.get_user(AccessToken=new_access)
        gone = s.call("fetchAuthSession")
        assert gone.get("tokens") is None


def test_sign_in_unknown_user_and_global_sign_out(
    amplify: AmplifyNode,
    server: LiveServer,
    pool: Callable[..., str],
    app_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    username = f"seed{secrets.token_hex(3)}"
    idp = server.client()
    idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    with amplify.session(amplify_config(pool_id, client_id, server)) as s:
        unknown, right, session = s.run(
            [
                step("signIn", {"username": "nobody-" + username, "password": PASSWORD}),
                step("signIn", {"username": username, "password": PASSWORD}),
                step("fetchAuthSession"),
            ]
        )
        # With PreventUserExistenceErrors the unknown user looks like a wrong password.
        assert not unknown["ok"]
        assert unknown["error"]["name"] == "NotAuthorizedException"
        assert unknown["error"]["message"] == "Incorrect username or password."
        assert right["ok"], right
        assert right["value"]["nextStep"]["signInStep"] == "DONE"
        access = session["value"]["tokens"]["accessToken"]
        s.call("signOut", {"global": True})
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        server.anon_client().get_user(AccessToken=access)
