"""The seed's custom challenge with authpool.client against a live server that runs the
custom-auth triggers (tests/client/triggers.py): CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE with
the trigger's public parameters as additional_info, a wrong answer asked again, the right
one signing in; with and without SRP first; and a client with a secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.client.conftest import ALL_FLOWS, PASSWORD, LivePool
from tests.client.support import require_server
from tests.client.triggers import ANSWER, QUESTION
from tests.conftest import DATABASES
from tests.support.postgres import PgServer
from tests.support.server import LiveServer, start_server

from authpool.client import AuthFlowType, AuthSignInStep, NotAuthorizedException
from authpool.config import TriggerConfig

TRIGGERS = "python:tests.client.triggers"
LAMBDA_CONFIG = {
    "DefineAuthChallenge": f"{TRIGGERS}:define_auth_challenge",
    "CreateAuthChallenge": f"{TRIGGERS}:create_auth_challenge",
    "VerifyAuthChallengeResponse": f"{TRIGGERS}:verify_auth_challenge_response",
}


@pytest.fixture(scope="module", params=DATABASES)
def trigger_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    url = None
    pg: PgServer | None = None
    if request.param == "pg":
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database()
    config = TriggerConfig(python_modules=("tests.client.triggers",))
    live = start_server(
        Path(tmp_path_factory.mktemp("custom-auth")), database_url=url, triggers=config
    )
    try:
        yield live
    finally:
        live.stop()
        if pg is not None and url is not None:
            pg.drop_database(url)


@pytest.fixture
def custom(trigger_server: LiveServer, make_auth: Any) -> LivePool:
    require_server(challenge="CUSTOM_CHALLENGE", flow="CUSTOM_AUTH")
    trigger_server.clock.reset()
    idp = trigger_server.client()
    pool_id = idp.create_user_pool(
        PoolName="custom", AutoVerifiedAttributes=["email"], LambdaConfig=LAMBDA_CONFIG
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="custom", ExplicitAuthFlows=ALL_FLOWS
    )["UserPoolClient"]
    return LivePool(trigger_server, pool_id, client, make_auth)


@pytest.mark.parametrize(
    "flow", [AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP, AuthFlowType.CUSTOM_AUTH_WITH_SRP]
)
def test_custom_challenge(custom: LivePool, flow: AuthFlowType) -> None:
    auth = custom.auth()
    username = custom.new_user(auth)
    password = PASSWORD if flow is AuthFlowType.CUSTOM_AUTH_WITH_SRP else None
    result = auth.sign_in(username, password, auth_flow_type=flow)
    step = result.next_step
    assert step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE
    assert step.additional_info["question"] == QUESTION
    assert "answer" not in step.additional_info

    again = auth.confirm_sign_in("a wrong answer")
    assert again.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE
    done = auth.confirm_sign_in(ANSWER)
    assert done.next_step.sign_in_step is AuthSignInStep.DONE
    user = auth.get_current_user()
    assert user.username == username
    assert user.sign_in_details is not None
    assert user.sign_in_details.auth_flow_type is flow


def test_custom_auth_with_srp_checks_the_password(custom: LivePool) -> None:
    auth = custom.auth()
    username = custom.new_user(auth)
    with pytest.raises(NotAuthorizedException):
        auth.sign_in(username, "Wrong-Passw0rd!", auth_flow_type="CUSTOM_AUTH_WITH_SRP")


def test_custom_challenge_with_a_secret(custom: LivePool) -> None:
    custom.client = custom.server.client().create_user_pool_client(
        UserPoolId=custom.pool_id,
        ClientName="secret",
        GenerateSecret=True,
        ExplicitAuthFlows=ALL_FLOWS,
    )["UserPoolClient"]
    auth = custom.auth()
    username = custom.new_user(auth)
    for flow in (AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP, AuthFlowType.CUSTOM_AUTH_WITH_SRP):
        auth.sign_in(username, PASSWORD, auth_flow_type=flow)
        assert auth.confirm_sign_in(ANSWER).is_signed_in
        auth.sign_out()
