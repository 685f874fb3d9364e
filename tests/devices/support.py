"""Helpers of the device tests: pools that track devices, sign-in that names a device, and
the device's side of ConfirmDevice and DEVICE_SRP_AUTH done by pycognito (an SRP
implementation independent of ours). Modules using the proof filter pycognito's
``datetime.utcnow`` deprecation warning."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from tests.flows.challenge_support import (
    PASSWORD,
    ClientFactory,
    PoolFactory,
    mfa_pool,
    secret_hash,
)

FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
PHONE = "+14155550123"
GONE = ("ResourceNotFoundException", "Device does not exist.")
WRONG = ("NotAuthorizedException", "Incorrect username or password.")


def device_pool(
    idp: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
    *,
    challenge: bool = True,
    prompt: bool = False,
    mfa: str = "OFF",
    client: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """A pool that tracks devices (ChallengeRequiredOnNewDevice ``challenge``,
    DeviceOnlyRememberedOnUserPrompt ``prompt``), with SMS MFA ``mfa``, and an app client
    allowing the password flows."""
    config = {
        "ChallengeRequiredOnNewDevice": challenge,
        "DeviceOnlyRememberedOnUserPrompt": prompt,
    }
    return mfa_pool(
        idp,
        pool,
        app_client,
        mfa,
        sms=mfa != "OFF",
        client={"ExplicitAuthFlows": FLOWS, **(client or {})},
        DeviceConfiguration=config,
    )


@dataclass(frozen=True)
class Device:
    """What a client keeps of a confirmed device."""

    key: str
    group_key: str
    password: str


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def _with_hash(client: dict[str, Any], username: str, params: dict[str, str]) -> dict[str, str]:
    if client.get("ClientSecret"):
        params["SECRET_HASH"] = secret_hash(client["ClientSecret"], username, client["ClientId"])
    return params


def sign_in(
    anon: Any,
    client: dict[str, Any],
    username: str,
    *,
    device: Device | str | None = None,
    password: str = PASSWORD,
) -> dict[str, Any]:
    """USER_PASSWORD_AUTH, naming ``device`` (a Device or a bare key) if given."""
    params = {"USERNAME": username, "PASSWORD": password}
    if device is not None:
        params["DEVICE_KEY"] = device if isinstance(device, str) else device.key
    result: dict[str, Any] = anon.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters=_with_hash(client, username, params),
    )
    return result


def answer(
    anon: Any,
    client: dict[str, Any],
    challenge: dict[str, Any],
    username: str,
    **responses: str,
) -> dict[str, Any]:
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName=challenge["ChallengeName"],
        Session=challenge["Session"],
        ChallengeResponses=_with_hash(client, username, {"USERNAME": username, **responses}),
    )
    return result


def confirm(anon: Any, tokens: dict[str, Any], name: str = "laptop") -> Device:
    """ConfirmDevice for the NewDeviceMetadata of ``tokens`` (an AuthenticationResult), the
    device secret and verifier made by pycognito as Amplify makes them."""
    from pycognito.aws_srp import generate_hash_device

    meta = tokens["NewDeviceMetadata"]
    password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    anon.confirm_device(
        AccessToken=tokens["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceSecretVerifierConfig=config,
        DeviceName=name,
    )
    return Device(meta["DeviceKey"], meta["DeviceGroupKey"], password)


def device_challenge(
    anon: Any,
    client: dict[str, Any],
    challenge: dict[str, Any],
    username: str,
    device: Device,
    pool_id: str,
) -> tuple[Any, dict[str, Any]]:
    """Answer DEVICE_SRP_AUTH (``challenge`` is the response that asks it); the pycognito
    helper holding the device's SRP secret, and the DEVICE_PASSWORD_VERIFIER challenge."""
    from pycognito.aws_srp import AWSSRP, long_to_hex

    assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH", challenge
    aws = AWSSRP(
        username=username,
        password="not used for the device",
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=anon,
        client_secret=client.get("ClientSecret"),
        device_key=device.key,
        device_group_key=device.group_key,
        device_password=device.password,
    )
    asked = answer(
        anon,
        client,
        challenge,
        username,
        DEVICE_KEY=device.key,
        SRP_A=long_to_hex(aws.large_a_value),
    )
    assert asked["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER", asked
    return aws, asked


def prove_device(
    anon: Any,
    client: dict[str, Any],
    challenge: dict[str, Any],
    username: str,
    device: Device,
    pool_id: str,
) -> dict[str, Any]:
    """DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER; the final response."""
    aws, asked = device_challenge(anon, client, challenge, username, device, pool_id)
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=asked["Session"],
        ChallengeResponses=aws.process_device_challenge(asked["ChallengeParameters"]),
    )
    return result
