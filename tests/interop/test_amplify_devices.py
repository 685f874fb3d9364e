"""Remembered devices with the official Amplify JS v6 library against a live authpool server:
the sign-in that meets a new device (Amplify confirms it on its own), rememberDevice,
fetchDevices, a refresh on the device, a second sign-in on the remembered device that skips
MFA (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER), forgetDevice, and MFA again after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.devices.support import PHONE, device_pool
from tests.flows.challenge_support import (
    PASSWORD,
    ClientFactory,
    PoolFactory,
    last_code,
    make_user,
)
from tests.support.server import LiveServer

from .amplify import AmplifyNode, AmplifySession

pytestmark = pytest.mark.node


NAVIGATOR = Path(__file__).resolve().parent / "node_navigator.cjs"


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


@pytest.fixture(autouse=True)
def browser_like_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give Node 20 the ``navigator`` Amplify reads for the device's name (see the file)."""
    monkeypatch.setenv("NODE_OPTIONS", f"--require {NAVIGATOR}")


def config(server: LiveServer, pool_id: str, client: dict[str, Any]) -> dict[str, Any]:
    return {
        "userPoolId": pool_id,
        "userPoolClientId": client["ClientId"],
        "userPoolEndpoint": server.url,
        "loginWith": {"username": True},
    }


def _codes(server: LiveServer, pool_id: str, username: str) -> int:
    return len(server.outbox(pool_id=pool_id, username=username))


def _access_claims(s: AmplifySession) -> dict[str, Any]:
    claims: dict[str, Any] = s.call("fetchAuthSession")["tokens"]["accessTokenPayload"]
    return claims


def _sign_in_with_code(server: LiveServer, s: AmplifySession, pool_id: str, username: str) -> None:
    started = s.call("signIn", {"username": username, "password": PASSWORD})
    assert started["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_SMS_CODE", started
    code = last_code(server, pool_id, username, "AUTHENTICATION")
    done = s.call("confirmSignIn", {"challengeResponse": code})
    assert done["isSignedIn"] is True, done


def test_remember_fetch_forget_and_skip_mfa(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    pool_id, client = device_pool(idp, pool, app_client, mfa="ON", prompt=True)
    username = make_user(idp, pool_id, phone_number=PHONE)
    with amplify.session(config(server, pool_id, client)) as s:
        _sign_in_with_code(server, s, pool_id, username)
        kept = s.call("inspectTokenStore")["deviceMetadata"]
        key = kept["deviceKey"]
        assert key.startswith("us-east-1_")
        assert kept["deviceGroupKey"].startswith("-")
        assert _access_claims(s)["device_key"] == key
        # confirmed by Amplify, not remembered until the user says so
        assert s.call("fetchDevices") == []
        admin_view = idp.admin_get_device(UserPoolId=pool_id, Username=username, DeviceKey=key)
        attributes = {a["Name"]: a["Value"] for a in admin_view["Device"]["DeviceAttributes"]}
        assert attributes["dev:device_remembered_status"] == "not_remembered"

        s.call("rememberDevice")
        [device] = s.call("fetchDevices")
        assert device["id"] == key
        assert device["attributes"]["dev:device_remembered_status"] == "remembered"
        assert device["name"] == attributes.get("device_name")

        # a refresh names the device (GetTokensFromRefreshToken's DeviceKey)
        refreshed = s.call("fetchAuthSession", {"forceRefresh": True})
        assert refreshed["tokens"]["accessTokenPayload"]["device_key"] == key
        s.call("signOut")

        # the remembered device stands in for the SMS code
        sent = _codes(server, pool_id, username)
        again = s.call("signIn", {"username": username, "password": PASSWORD})
        assert again["isSignedIn"] is True, again
        assert again["nextStep"]["signInStep"] == "DONE"
        assert _codes(server, pool_id, username) == sent
        assert _access_claims(s)["device_key"] == key
        assert s.call("inspectTokenStore")["deviceMetadata"]["deviceKey"] == key

        s.call("forgetDevice")
        assert s.call("fetchDevices") == []
        assert s.call("inspectTokenStore")["deviceMetadata"] is None
        s.call("signOut")

        # forgotten: the code is asked again, and the sign-in meets a new device
        _sign_in_with_code(server, s, pool_id, username)
        assert s.call("inspectTokenStore")["deviceMetadata"]["deviceKey"] != key


def test_a_device_the_server_forgot_is_dropped_and_the_sign_in_goes_on(
    amplify: AmplifyNode,
    server: LiveServer,
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    """An admin forgets the device Amplify keeps: the next sign-in's PASSWORD_VERIFIER
    answer gets ``Device does not exist.``, Amplify drops the device, answers again without
    it and signs in on a new one."""
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    with amplify.session(config(server, pool_id, client)) as s:
        first = s.call("signIn", {"username": username, "password": PASSWORD})
        assert first["isSignedIn"] is True
        key = s.call("inspectTokenStore")["deviceMetadata"]["deviceKey"]
        s.call("signOut")
        idp.admin_forget_device(UserPoolId=pool_id, Username=username, DeviceKey=key)
        again = s.call("signIn", {"username": username, "password": PASSWORD})
        assert again["isSignedIn"] is True, again
        fresh = s.call("inspectTokenStore")["deviceMetadata"]["deviceKey"]
        assert fresh != key
        assert _access_claims(s)["device_key"] == fresh
