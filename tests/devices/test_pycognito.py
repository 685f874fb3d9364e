"""pycognito's device support against the server: ``AWSSRP.confirm_device``,
``update_device_status`` and ``forget_device`` (which post to Cognito's own URL, so the test
sends them to the server instead), and its device SRP (``process_device_challenge``) after
its password SRP with ``device_key`` / ``device_group_key`` / ``device_password``."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP, long_to_hex
from tests.devices.support import claims, device_pool
from tests.flows.challenge_support import (
    PASSWORD,
    ClientFactory,
    PoolFactory,
    error,
    make_user,
    signed_in,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


@pytest.fixture
def to_server(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Send pycognito's direct HTTP calls to the server; the targets they named."""
    real_post = requests.post
    targets: list[str] = []

    def post(url: str, **kwargs: Any) -> requests.Response:
        assert url.startswith("https://cognito-idp.us-east-1.amazonaws.com")
        targets.append(kwargs["headers"]["X-Amz-Target"].rsplit(".", 1)[1])
        response = real_post(server.url, **kwargs)
        response.raise_for_status()
        return response

    monkeypatch.setattr(aws_srp.requests, "post", post)
    return targets


def _helper(anon: Any, pool_id: str, client: dict[str, Any], username: str,
            device: tuple[str, str, str] | None = None) -> AWSSRP:  # fmt: skip
    key, group, password = device or (None, None, None)
    return AWSSRP(
        username=username,
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=anon,
        device_key=key,
        device_group_key=group,
        device_password=password,
    )


def _password_step(anon: Any, aws: AWSSRP, client: dict[str, Any]) -> dict[str, Any]:
    params = aws.get_auth_params()
    first = anon.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=aws.process_challenge(first["ChallengeParameters"], params),
    )
    return result


def test_pycognito_confirms_remembers_and_proves_a_device(
    to_server: list[str],
    idp: Any,
    anon: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = device_pool(idp, pool, app_client, prompt=True)
    username = make_user(idp, pool_id)
    aws = _helper(anon, pool_id, client, username)
    tokens = _password_step(anon, aws, client)
    response, device_password = aws.confirm_device(tokens, device_name="pycognito")
    assert response.json() == {"UserConfirmationNecessary": True}
    access, key = tokens["AuthenticationResult"]["AccessToken"], aws.device_key
    aws.update_device_status(True, access, key)
    [device] = anon.list_devices(AccessToken=access)["Devices"]
    assert device["DeviceKey"] == key

    # the next sign-in names the device; pycognito answers the device's challenge
    remembered = (key, aws.device_group_key, device_password)
    again = _helper(anon, pool_id, client, username, remembered)
    asked = _password_step(anon, again, client)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    verifier = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName="DEVICE_SRP_AUTH",
        Session=asked["Session"],
        ChallengeResponses={
            "USERNAME": username,
            "DEVICE_KEY": key,
            "SRP_A": long_to_hex(again.large_a_value),
        },
    )
    done = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=verifier["Session"],
        ChallengeResponses=again.process_device_challenge(verifier["ChallengeParameters"]),
    )
    assert claims(signed_in(done)["AccessToken"])["device_key"] == key

    aws.forget_device(access, key)
    assert anon.list_devices(AccessToken=access)["Devices"] == []
    assert to_server == ["ConfirmDevice", "UpdateDeviceStatus", "ForgetDevice"]


def test_pycognito_authenticate_user_without_the_session_is_refused(
    to_server: list[str],
    idp: Any,
    anon: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    """pycognito's ``authenticate_user`` answers DEVICE_SRP_AUTH without the Session of the
    password step. Accepting that would let the device secret alone sign in, so it is
    refused, as Cognito announced it would be (aws-amplify/aws-sdk-android#2337)."""
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    aws = _helper(anon, pool_id, client, username)
    tokens = _password_step(anon, aws, client)
    _, device_password = aws.confirm_device(tokens)
    remembered = (aws.device_key, aws.device_group_key, device_password)
    again = _helper(anon, pool_id, client, username, remembered)
    assert error(again.authenticate_user) == ("NotAuthorizedException", "Invalid session provided")
