"""Remembered devices, REPLAYED: the authpool server does not implement devices yet (no
issue has started them), so these tests answer the client with Cognito's documented
responses (InitiateAuth and RespondToAuthChallenge's DEVICE_SRP_AUTH /
DEVICE_PASSWORD_VERIFIER, ConfirmDevice, UpdateDeviceStatus, ListDevices, ForgetDevice).
The SRP on the replayed side is real (tests.client.support.SrpServer): the client's password
and device proofs are verified, not just recorded. tests/client/test_live_account.py::
test_devices runs the same steps live as soon as the server has them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from tests.client.conftest import PASSWORD
from tests.client.support import (
    CLIENT_ID,
    ReplayedCognito,
    SrpServer,
    authentication_result,
)

from authpool import srp
from authpool.client import (
    AuthSignInStep,
    DeviceMetadata,
    DeviceNotTrackedException,
    MemoryStorage,
)
from authpool.client.storage import TokenStore

DEVICE_KEY = "us-east-1_0f5b6a1e-7d9a-4f3e-9e1c-2a4b6c8d0e1f"
OTHER_DEVICE = "us-east-1_1a2b3c4d-0000-4000-8000-00000000beef"
GROUP_KEY = "-eFgHiJkLm"
SESSION = "replayed-session-" + "s" * 40
SESSION_2 = "replayed-session-" + "t" * 40


def _srp_sign_in(cognito: ReplayedCognito, user: SrpServer, *, device_key: str | None,
                 answer: dict[str, Any]) -> None:  # fmt: skip
    """Script USER_SRP_AUTH up to the PASSWORD_VERIFIER answer, which gets ``answer``."""

    def challenge(body: dict[str, Any]) -> dict[str, Any]:
        assert "DEVICE_KEY" not in body["AuthParameters"]
        params = user.challenge(
            body["AuthParameters"]["SRP_A"], USERNAME="ada", USER_ID_FOR_SRP="ada"
        )
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}

    def verify(body: dict[str, Any]) -> dict[str, Any]:
        responses = body["ChallengeResponses"]
        assert responses.get("DEVICE_KEY") == device_key
        assert user.proves(responses)
        return answer

    cognito.expect("InitiateAuth", challenge)
    cognito.expect("RespondToAuthChallenge", verify)


def _script_device_proof(cognito: ReplayedCognito, device: Callable[[], SrpServer]) -> None:
    """Script DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER, checked with real SRP."""

    def device_challenge(body: dict[str, Any]) -> dict[str, Any]:
        assert body["ChallengeName"] == "DEVICE_SRP_AUTH"
        assert body["Session"] == SESSION
        responses = body["ChallengeResponses"]
        assert (responses["USERNAME"], responses["DEVICE_KEY"]) == ("ada", DEVICE_KEY)
        params = device().challenge(responses["SRP_A"], USERNAME="ada")
        return {
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
            "Session": SESSION_2,
            "ChallengeParameters": params,
        }

    def device_verifier(body: dict[str, Any]) -> dict[str, Any]:
        assert body["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
        assert body["Session"] == SESSION_2
        assert body["ChallengeResponses"]["DEVICE_KEY"] == DEVICE_KEY
        assert device().proves(body["ChallengeResponses"])
        return {"AuthenticationResult": authentication_result()}

    cognito.expect("RespondToAuthChallenge", device_challenge)
    cognito.expect("RespondToAuthChallenge", device_verifier)


def test_a_new_device_is_confirmed_remembered_and_then_proves_itself(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    storage = MemoryStorage()
    auth = replayed(storage=storage, device_name="laptop")
    user = SrpServer("Replayed1", "ada", PASSWORD)
    devices: dict[str, SrpServer] = {}

    # 1. sign-in on a new device: ConfirmDevice with a fresh verifier
    new_device = {"DeviceKey": DEVICE_KEY, "DeviceGroupKey": GROUP_KEY}
    _srp_sign_in(
        cognito, user, device_key=None,
        answer={"AuthenticationResult": authentication_result(new_device=new_device)},
    )  # fmt: skip

    def confirm(body: dict[str, Any]) -> dict[str, Any]:
        assert (body["DeviceKey"], body["DeviceName"]) == (DEVICE_KEY, "laptop")
        config = body["DeviceSecretVerifierConfig"]
        devices["this"] = SrpServer.for_device(
            GROUP_KEY, DEVICE_KEY, config["PasswordVerifier"], config["Salt"]
        )
        return {"UserConfirmationNecessary": True}

    cognito.expect("ConfirmDevice", confirm)
    assert auth.sign_in("ada", PASSWORD).next_step.sign_in_step is AuthSignInStep.DONE
    stored = TokenStore(storage, CLIENT_ID).device("ada")
    assert stored is not None
    assert stored.device_key == DEVICE_KEY
    assert stored.device_group_key == GROUP_KEY

    cognito.expect(
        "UpdateDeviceStatus",
        {},
        check=lambda body: (
            body["DeviceKey"] == DEVICE_KEY and body["DeviceRememberedStatus"] == "remembered"
        ),
    )
    auth.remember_device()
    cognito.expect("RevokeToken", {})
    auth.sign_out()
    assert TokenStore(storage, CLIENT_ID).device("ada") == stored  # sign-out keeps the device

    # 2. the next sign-in sends DEVICE_KEY; the service asks the device to prove itself
    _srp_sign_in(
        cognito, user, device_key=DEVICE_KEY,
        answer={"ChallengeName": "DEVICE_SRP_AUTH", "Session": SESSION, "ChallengeParameters": {}},
    )  # fmt: skip

    _script_device_proof(cognito, lambda: devices["this"])
    assert auth.sign_in("ada", PASSWORD).is_signed_in

    # 3. refreshes name the device
    cognito.expect(
        "GetTokensFromRefreshToken",
        {"AuthenticationResult": authentication_result(refresh=None)},
        check=lambda body: body["DeviceKey"] == DEVICE_KEY,
    )
    auth.fetch_auth_session(force_refresh=True)


def test_a_wrong_device_secret_is_refused_by_the_math(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    """The replayed side really checks the device proof: a device secret other than the one
    the verifier was made from does not pass."""
    storage = MemoryStorage()
    verifier = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    TokenStore(storage, CLIENT_ID).save_device(
        "ada", DeviceMetadata(DEVICE_KEY, GROUP_KEY, "not-the-device-password")
    )
    server = SrpServer.for_device(
        GROUP_KEY, DEVICE_KEY, verifier.password_verifier_b64, verifier.salt_b64
    )
    auth = replayed(storage=storage, auth_flow_type="USER_PASSWORD_AUTH")
    cognito.expect(
        "InitiateAuth",
        {"ChallengeName": "DEVICE_SRP_AUTH", "Session": SESSION, "ChallengeParameters": {}},
        check=lambda body: body["AuthParameters"]["DEVICE_KEY"] == DEVICE_KEY,
    )
    cognito.expect(
        "RespondToAuthChallenge",
        lambda body: {
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
            "Session": SESSION_2,
            "ChallengeParameters": server.challenge(
                body["ChallengeResponses"]["SRP_A"], USERNAME="ada"
            ),
        },
    )
    proofs: list[bool] = []
    cognito.expect(
        "RespondToAuthChallenge",
        error=("NotAuthorizedException", "Incorrect username or password."),
        check=lambda body: proofs.append(server.proves(body["ChallengeResponses"])),
    )
    with pytest.raises(Exception, match="Incorrect username or password"):
        auth.sign_in("ada", PASSWORD)
    assert proofs == [False]


def test_a_device_the_service_forgot_is_forgotten_and_the_step_resent(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    storage = MemoryStorage()
    TokenStore(storage, CLIENT_ID).save_device(
        "ada", DeviceMetadata(DEVICE_KEY, GROUP_KEY, "device-password")
    )
    auth = replayed(storage=storage)
    user = SrpServer("Replayed1", "ada", PASSWORD)
    claims: list[dict[str, str]] = []

    def challenge(body: dict[str, Any]) -> dict[str, Any]:
        params = user.challenge(body["AuthParameters"]["SRP_A"], USER_ID_FOR_SRP="ada")
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}

    cognito.expect("InitiateAuth", challenge)
    cognito.expect(
        "RespondToAuthChallenge",
        error=("ResourceNotFoundException", "Device does not exist."),
        check=lambda body: claims.append(body["ChallengeResponses"]),
    )
    cognito.expect(
        "RespondToAuthChallenge",
        {"AuthenticationResult": authentication_result()},
        check=lambda body: claims.append(body["ChallengeResponses"]),
    )
    assert auth.sign_in("ada", PASSWORD).is_signed_in
    assert claims[0]["DEVICE_KEY"] == DEVICE_KEY
    assert "DEVICE_KEY" not in claims[1]
    assert claims[1]["PASSWORD_CLAIM_SIGNATURE"] == claims[0]["PASSWORD_CLAIM_SIGNATURE"]
    assert TokenStore(storage, CLIENT_ID).device("ada") is None


def test_a_failed_confirm_device_leaves_the_device_untracked(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = replayed(auth_flow_type="USER_PASSWORD_AUTH")
    new_device = {"DeviceKey": DEVICE_KEY, "DeviceGroupKey": GROUP_KEY}
    cognito.expect(
        "InitiateAuth", {"AuthenticationResult": authentication_result(new_device=new_device)}
    )
    cognito.expect("ConfirmDevice", error=("InvalidParameterException", "Invalid device."))
    assert auth.sign_in("ada", PASSWORD).is_signed_in  # the sign-in itself succeeded
    with pytest.raises(DeviceNotTrackedException):
        auth.remember_device()


def test_device_proof_asked_without_a_stored_device(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    auth = replayed(auth_flow_type="USER_PASSWORD_AUTH")
    cognito.expect(
        "InitiateAuth",
        {"ChallengeName": "DEVICE_SRP_AUTH", "Session": SESSION, "ChallengeParameters": {}},
    )
    with pytest.raises(DeviceNotTrackedException):
        auth.sign_in("ada", PASSWORD)


def test_fetch_devices_reads_every_page_and_forget_device(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    storage = MemoryStorage()
    TokenStore(storage, CLIENT_ID).save_device(
        "ada", DeviceMetadata(DEVICE_KEY, GROUP_KEY, "device-password")
    )
    auth = replayed(storage=storage, auth_flow_type="USER_PASSWORD_AUTH")
    cognito.expect("InitiateAuth", {"AuthenticationResult": authentication_result()})
    auth.sign_in("ada", PASSWORD)

    def page(key: str, name: str, token: str | None) -> dict[str, Any]:
        device = {
            "DeviceKey": key,
            "DeviceAttributes": [
                {"Name": "device_name", "Value": name},
                {"Name": "device_status", "Value": "valid"},
            ],
            "DeviceCreateDate": 1767225600,
            "DeviceLastModifiedDate": 1767225660,
            "DeviceLastAuthenticatedDate": 1767225720.5,
        }
        return {"Devices": [device], **({"PaginationToken": token} if token else {})}

    cognito.expect(
        "ListDevices",
        page(DEVICE_KEY, "laptop", "page-2"),
        check=lambda body: body["Limit"] == 60 and "PaginationToken" not in body,
    )
    cognito.expect(
        "ListDevices",
        page(OTHER_DEVICE, "phone", None),
        check=lambda body: body["PaginationToken"] == "page-2",
    )
    devices = auth.fetch_devices()
    assert [(d.id, d.name) for d in devices] == [(DEVICE_KEY, "laptop"), (OTHER_DEVICE, "phone")]
    assert devices[0].attributes["device_status"] == "valid"
    assert devices[0].create_date is not None
    assert devices[0].create_date.isoformat() == "2026-01-01T00:00:00+00:00"
    assert devices[1].last_authenticated_date is not None

    cognito.expect("ForgetDevice", {}, check=lambda body: body["DeviceKey"] == OTHER_DEVICE)
    auth.forget_device(OTHER_DEVICE)
    assert TokenStore(storage, CLIENT_ID).device("ada") is not None  # another device: kept
    cognito.expect("ForgetDevice", {}, check=lambda body: body["DeviceKey"] == DEVICE_KEY)
    auth.forget_device()
    assert TokenStore(storage, CLIENT_ID).device("ada") is None
    with pytest.raises(DeviceNotTrackedException):
        auth.forget_device()


def test_the_device_verifier_is_the_one_amplify_computes() -> None:
    """ConfirmDevice's verifier config is base64 of the padded salt and verifier, which the
    service reads back into the same numbers (authpool.srp's parse is the server's)."""
    verifier = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    parsed = srp.parse_device_verifier_config(
        password_verifier=verifier.password_verifier_b64, salt=verifier.salt_b64
    )
    assert parsed == (verifier.verifier, verifier.salt)
    assert len(base64.b64decode(verifier.password)) == srp.DEVICE_PASSWORD_BYTES


def test_a_device_remembered_by_an_alias_sign_in_is_found_by_the_alias(
    replayed: Any, cognito: ReplayedCognito
) -> None:
    """USER_PASSWORD_AUTH sends DEVICE_KEY before the service says whose the e-mail address
    is: the client remembers which user the address signed in, and finds the device."""
    storage = MemoryStorage()
    auth = replayed(storage=storage, auth_flow_type="USER_PASSWORD_AUTH")
    internal = "7d3c2b1a-0000-4000-8000-00000000abcd"
    new_device = {"DeviceKey": DEVICE_KEY, "DeviceGroupKey": GROUP_KEY}
    cognito.expect(
        "InitiateAuth",
        {"AuthenticationResult": authentication_result(internal, new_device=new_device)},
        check=lambda body: "DEVICE_KEY" not in body["AuthParameters"],
    )
    cognito.expect("ConfirmDevice", {"UserConfirmationNecessary": False})
    auth.sign_in("ada@example.com", PASSWORD)
    assert auth.get_current_user().username == internal
    cognito.expect("RevokeToken", {})
    auth.sign_out()
    store = TokenStore(storage, CLIENT_ID)
    assert store.device(internal) == store.device("ada@example.com") is not None

    cognito.expect(
        "InitiateAuth",
        {"AuthenticationResult": authentication_result(internal)},
        check=lambda body: body["AuthParameters"]["DEVICE_KEY"] == DEVICE_KEY,
    )
    assert auth.sign_in("ada@example.com", PASSWORD).is_signed_in
