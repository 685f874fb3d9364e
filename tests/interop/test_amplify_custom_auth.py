"""The seed's runtime switch to custom authentication, driven by the official Amplify JS v6
library against a live authpool server running the shipped e-mail one-time-code triggers
(``examples/triggers/email_otp.py``, codes caught by a real SMTP server):
``signIn`` with ``authFlowType: 'CUSTOM_WITHOUT_SRP'`` and ``'CUSTOM_WITH_SRP'`` →
CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE → ``confirmSignIn`` → DONE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.server import LiveServer
from tests.triggers.conftest import make_client, make_pool, trigger_config, trigger_server
from tests.triggers.mailbox import Mailbox, running_mailbox
from tests.triggers.support import PASSWORD, new_name

from .amplify import AmplifyNode, step

pytestmark = pytest.mark.node

EXAMPLE = "python:examples.triggers.email_otp"
LAMBDA_CONFIG = {
    "DefineAuthChallenge": f"{EXAMPLE}:define_auth_challenge",
    "CreateAuthChallenge": f"{EXAMPLE}:create_auth_challenge",
    "VerifyAuthChallengeResponse": f"{EXAMPLE}:verify_auth_challenge_response",
}


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from trigger_server(request, tmp_path_factory, request.param, trigger_config())


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with running_mailbox() as box:
        monkeypatch.setenv("OTP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("OTP_SMTP_PORT", str(box.port))
        yield box


def user_with_email(live: LiveServer) -> tuple[dict[str, Any], str, str]:
    """A pool with the e-mail code triggers, an app client, and a confirmed user."""
    pool_id = make_pool(live)(LambdaConfig=LAMBDA_CONFIG)
    client_id = make_client(live)(pool_id)["ClientId"]
    name = new_name("amp")
    address = f"{name}@example.com"
    live.anon_client().sign_up(
        ClientId=client_id,
        Username=name,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": address}],
    )
    live.client().admin_confirm_sign_up(UserPoolId=pool_id, Username=name)
    config = {"userPoolId": pool_id, "userPoolClientId": client_id, "userPoolEndpoint": live.url}
    return config, name, address


def test_custom_without_srp(amplify: AmplifyNode, live: LiveServer, mailbox: Mailbox) -> None:
    config, name, address = user_with_email(live)
    with amplify.session(config) as s:
        started = s.call(
            "signIn", {"username": name, "options": {"authFlowType": "CUSTOM_WITHOUT_SRP"}}
        )
        assert started["isSignedIn"] is False
        next_step = started["nextStep"]
        assert next_step["signInStep"] == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
        assert next_step["additionalInfo"] == {
            "email": f"{name[0]}***@example.com",
            "USERNAME": name,
        }
        code = mailbox.last_code(address)
        wrong = "000000" if code != "000000" else "111111"
        retry, done, session, current = s.run(
            [
                step("confirmSignIn", {"challengeResponse": wrong}),
                step("confirmSignIn", {"challengeResponse": code}),
                step("fetchAuthSession"),
                step("getCurrentUser"),
            ]
        )
        assert retry["ok"], retry
        assert retry["value"]["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
        assert done["ok"], done
        assert done["value"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
        tokens = session["value"]["tokens"]
        assert tokens["idTokenPayload"]["email"] == address
        assert tokens["signInDetails"]["authFlowType"] == "CUSTOM_WITHOUT_SRP"
        assert current["value"]["username"] == name
        assert len(mailbox.to(address)) == 1  # the retry used the same code


def test_custom_with_srp(amplify: AmplifyNode, live: LiveServer, mailbox: Mailbox) -> None:
    config, name, address = user_with_email(live)
    options = {"authFlowType": "CUSTOM_WITH_SRP"}
    with amplify.session(config) as s:
        [wrong] = s.run(
            [step("signIn", {"username": name, "password": "Wrong-passw0rd!", "options": options})]
        )
        assert not wrong["ok"]
        assert wrong["error"]["name"] == "NotAuthorizedException"
        assert mailbox.to(address) == []  # no code before the password is proven
        started = s.call("signIn", {"username": name, "password": PASSWORD, "options": options})
        assert started["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
        done = s.call("confirmSignIn", {"challengeResponse": mailbox.last_code(address)})
        assert done == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
        tokens = s.call("fetchAuthSession")["tokens"]
        assert tokens["signInDetails"]["authFlowType"] == "CUSTOM_WITH_SRP"
        user = live.anon_client().get_user(AccessToken=tokens["accessToken"])
        assert user["Username"] == name
        s.call("signOut")
