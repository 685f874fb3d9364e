"""The device operations through boto3: ConfirmDevice, GetDevice, ListDevices (paginated),
UpdateDeviceStatus, ForgetDevice and their Admin forms, with their errors; refresh tokens
bound to their device; a user's devices deleted with the user."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import pytest
from pycognito.aws_srp import generate_hash_device
from tests.devices.support import (
    GONE,
    claims,
    confirm,
    device_pool,
    prove_device,
    sign_in,
)
from tests.flows.challenge_support import (
    ClientFactory,
    PoolFactory,
    error,
    make_user,
    signed_in,
)
from tests.support.server import LiveServer

from authpool import srp
from authpool.domain.devices import VERIFIER_PURPOSE

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

INVALID_REFRESH = ("NotAuthorizedException", "Invalid Refresh Token")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def _attributes(device: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def _keys(listing: dict[str, Any]) -> list[str]:
    return [d["DeviceKey"] for d in listing["Devices"]]


def test_confirm_device_remembers_it(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    key = tokens["NewDeviceMetadata"]["DeviceKey"]
    access = tokens["AccessToken"]
    # a pending device is seen by nobody
    assert anon.list_devices(AccessToken=access)["Devices"] == []
    assert error(lambda: anon.get_device(AccessToken=access, DeviceKey=key)) == GONE
    password, config = generate_hash_device(tokens["NewDeviceMetadata"]["DeviceGroupKey"], key)
    confirmed = anon.confirm_device(
        AccessToken=access, DeviceKey=key, DeviceSecretVerifierConfig=config, DeviceName="Pixel 9"
    )
    assert confirmed["UserConfirmationNecessary"] is False
    device = anon.get_device(AccessToken=access, DeviceKey=key)["Device"]
    assert device["DeviceKey"] == key
    assert _attributes(device) == {
        "device_status": "valid",
        "device_name": "Pixel 9",
        "dev:device_arn": (
            f"arn:aws:cognito-idp:us-east-1:000000000000:owner/{username}.{pool_id}/device/{key}"
        ),
        "dev:device_owner": f"{username}.{pool_id}",
        "last_ip_used": "127.0.0.1",
        "dev:device_remembered_status": "remembered",
    }
    for date in ("DeviceCreateDate", "DeviceLastModifiedDate", "DeviceLastAuthenticatedDate"):
        assert isinstance(device[date], datetime)
    assert _keys(anon.list_devices(AccessToken=access)) == [key]
    # the verifier is kept sealed with the master key, never as the client sent it
    stored = server.svc.store.get_device(key)
    assert stored is not None
    assert stored.verifier_sealed is not None
    sent = base64.b64decode(config["PasswordVerifier"])
    assert sent.lstrip(b"\0") not in stored.verifier_sealed
    opened = server.svc.vault.open(stored.verifier_sealed, purpose=VERIFIER_PURPOSE)
    assert int.from_bytes(opened, "big") == int.from_bytes(sent, "big")
    assert password  # stays with the client


def test_confirm_device_errors(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    alice, bob = make_user(idp, pool_id), make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, alice))
    meta, access = tokens["NewDeviceMetadata"], tokens["AccessToken"]
    _, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])

    def confirm_with(token: str = access, key: str = meta["DeviceKey"], **kwargs: Any) -> Any:
        return anon.confirm_device(AccessToken=token, DeviceKey=key, **kwargs)

    assert error(confirm_with) == (
        "InvalidParameterException",
        "Invalid DeviceSecretVerifierConfig: PasswordVerifier and Salt are required.",
    )
    bad = {"PasswordVerifier": "not base64!", "Salt": config["Salt"]}
    assert error(lambda: confirm_with(DeviceSecretVerifierConfig=bad))[0] == (
        "InvalidParameterException"
    )
    trivial = {"PasswordVerifier": base64.b64encode(b"\x01").decode(), "Salt": config["Salt"]}
    assert error(lambda: confirm_with(DeviceSecretVerifierConfig=trivial))[0] == (
        "InvalidParameterException"
    )
    # another user's device, and a key nobody has
    bob_access = signed_in(sign_in(anon, client, bob))["AccessToken"]
    assert error(lambda: confirm_with(bob_access, DeviceSecretVerifierConfig=config)) == GONE
    ghost = "us-east-1_0f5b6a1e-7d9a-4f3e-9e1c-2a4b6c8d0e1f"
    assert error(lambda: confirm_with(key=ghost, DeviceSecretVerifierConfig=config)) == GONE
    assert error(lambda: confirm_with("not-a-token", DeviceSecretVerifierConfig=config)) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )
    confirm_with(DeviceSecretVerifierConfig=config)
    assert error(lambda: confirm_with(DeviceSecretVerifierConfig=config)) == (
        "DeviceKeyExistsException",
        "Device has already been confirmed.",
    )


def test_a_pending_device_lapses_with_the_access_token(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    old = signed_in(sign_in(anon, client, username))
    server.clock.advance(60 * 60 + 1)  # the access token's hour
    fresh = signed_in(sign_in(anon, client, username))  # purges the lapsed pending device
    assert server.svc.store.get_device(old["NewDeviceMetadata"]["DeviceKey"]) is None
    meta = old["NewDeviceMetadata"]
    _, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    late = error(
        lambda: anon.confirm_device(
            AccessToken=fresh["AccessToken"],
            DeviceKey=meta["DeviceKey"],
            DeviceSecretVerifierConfig=config,
        )
    )
    assert late == GONE


def test_remembering_on_user_prompt(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client, prompt=True)
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    meta, access = tokens["NewDeviceMetadata"], tokens["AccessToken"]
    key = meta["DeviceKey"]
    _, config = generate_hash_device(meta["DeviceGroupKey"], key)
    answer = anon.confirm_device(
        AccessToken=access, DeviceKey=key, DeviceSecretVerifierConfig=config
    )
    assert answer["UserConfirmationNecessary"] is True
    # not remembered yet: the user's own views do not show it, the admin's does
    assert anon.list_devices(AccessToken=access)["Devices"] == []
    assert error(lambda: anon.get_device(AccessToken=access, DeviceKey=key)) == GONE
    admin = idp.admin_get_device(UserPoolId=pool_id, Username=username, DeviceKey=key)["Device"]
    assert _attributes(admin)["dev:device_remembered_status"] == "not_remembered"
    assert _keys(idp.admin_list_devices(UserPoolId=pool_id, Username=username)) == [key]
    before = admin["DeviceLastModifiedDate"]

    def status(value: str) -> None:
        anon.update_device_status(AccessToken=access, DeviceKey=key, DeviceRememberedStatus=value)

    status("remembered")
    device = anon.get_device(AccessToken=access, DeviceKey=key)["Device"]
    assert _attributes(device)["dev:device_remembered_status"] == "remembered"
    assert device["DeviceLastModifiedDate"] >= before
    assert _keys(anon.list_devices(AccessToken=access)) == [key]
    status("not_remembered")
    assert anon.list_devices(AccessToken=access)["Devices"] == []


def test_list_devices_pages(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    keys = []
    for n in range(5):
        tokens = signed_in(sign_in(anon, client, username))
        keys.append(confirm(anon, tokens, name=f"device-{n}").key)
    access = tokens["AccessToken"]
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        extra = {"PaginationToken": token} if token else {}
        page = anon.list_devices(AccessToken=access, Limit=2, **extra)
        pages.append(_keys(page))
        token = page.get("PaginationToken")
        if token is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [k for p in pages for k in p] == sorted(keys)
    assert _keys(anon.list_devices(AccessToken=access)) == sorted(keys)  # Limit: 60
    # the Admin form pages the same way; a token from one user's listing fits no other
    first = idp.admin_list_devices(UserPoolId=pool_id, Username=username, Limit=3)
    assert _keys(first) == sorted(keys)[:3]
    rest = idp.admin_list_devices(
        UserPoolId=pool_id, Username=username, PaginationToken=first["PaginationToken"]
    )
    assert _keys(rest) == sorted(keys)[3:]
    other = make_user(idp, pool_id)
    refused = error(
        lambda: idp.admin_list_devices(
            UserPoolId=pool_id, Username=other, PaginationToken=first["PaginationToken"]
        )
    )
    assert refused == (
        "InvalidParameterException",
        "The pagination token is not valid for this request.",
    )


def test_forget_device(idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    device = confirm(anon, tokens)
    access = tokens["AccessToken"]
    anon.forget_device(AccessToken=access, DeviceKey=device.key)
    assert anon.list_devices(AccessToken=access)["Devices"] == []
    for call in (
        lambda: anon.forget_device(AccessToken=access, DeviceKey=device.key),
        lambda: anon.get_device(AccessToken=access, DeviceKey=device.key),
        lambda: anon.update_device_status(
            AccessToken=access, DeviceKey=device.key, DeviceRememberedStatus="remembered"
        ),
        lambda: sign_in(anon, client, username, device=device),
    ):
        assert error(call) == GONE
    # the next sign-in is on a new device
    assert signed_in(sign_in(anon, client, username))["NewDeviceMetadata"]["DeviceKey"] != (
        device.key
    )


def test_a_user_cannot_touch_another_users_device(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    alice, bob = make_user(idp, pool_id), make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, alice)))
    bob_access = signed_in(sign_in(anon, client, bob))["AccessToken"]
    for call in (
        lambda: anon.get_device(AccessToken=bob_access, DeviceKey=device.key),
        lambda: anon.forget_device(AccessToken=bob_access, DeviceKey=device.key),
        lambda: anon.update_device_status(
            AccessToken=bob_access, DeviceKey=device.key, DeviceRememberedStatus="not_remembered"
        ),
        lambda: idp.admin_get_device(UserPoolId=pool_id, Username=bob, DeviceKey=device.key),
        lambda: idp.admin_forget_device(UserPoolId=pool_id, Username=bob, DeviceKey=device.key),
    ):
        assert error(call) == GONE
    assert idp.admin_get_device(UserPoolId=pool_id, Username=alice, DeviceKey=device.key)


def test_admin_forms(idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id, email="ada@example.com")
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    sub = idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
    sub_value = next(a["Value"] for a in sub if a["Name"] == "sub")
    for name in (username, sub_value):  # the user named by username or by sub
        got = idp.admin_get_device(UserPoolId=pool_id, Username=name, DeviceKey=device.key)
        assert got["Device"]["DeviceKey"] == device.key
    idp.admin_update_device_status(
        UserPoolId=pool_id,
        Username=username,
        DeviceKey=device.key,
        DeviceRememberedStatus="not_remembered",
    )
    got = idp.admin_get_device(UserPoolId=pool_id, Username=username, DeviceKey=device.key)
    assert _attributes(got["Device"])["dev:device_remembered_status"] == "not_remembered"
    idp.admin_forget_device(UserPoolId=pool_id, Username=username, DeviceKey=device.key)
    assert idp.admin_list_devices(UserPoolId=pool_id, Username=username)["Devices"] == []
    nobody = ("UserNotFoundException", "User does not exist.")
    for call in (
        lambda: idp.admin_list_devices(UserPoolId=pool_id, Username="nobody"),
        lambda: idp.admin_get_device(UserPoolId=pool_id, Username="nobody", DeviceKey=device.key),
        lambda: idp.admin_forget_device(
            UserPoolId=pool_id, Username="nobody", DeviceKey=device.key
        ),
    ):
        assert error(call) == nobody
    missing_pool = error(
        lambda: idp.admin_list_devices(UserPoolId="us-east-1_Missing00", Username=username)
    )
    assert missing_pool[0] == "ResourceNotFoundException"
    # Admin operations are for signed (IAM) callers only
    assert error(lambda: anon.admin_list_devices(UserPoolId=pool_id, Username=username))[0] in (
        "MissingAuthenticationTokenException",
        "NotAuthorizedException",
        "UnrecognizedClientException",
    )


def test_refresh_tokens_are_bound_to_their_device(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    key = tokens["NewDeviceMetadata"]["DeviceKey"]
    refresh = tokens["RefreshToken"]

    def by_flow(device_key: str | None) -> dict[str, Any]:
        params = {"REFRESH_TOKEN": refresh}
        if device_key:
            params["DEVICE_KEY"] = device_key
        result: dict[str, Any] = anon.initiate_auth(
            ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=params
        )
        return result["AuthenticationResult"]

    def by_operation(device_key: str | None) -> dict[str, Any]:
        extra = {"DeviceKey": device_key} if device_key else {}
        result: dict[str, Any] = anon.get_tokens_from_refresh_token(
            ClientId=client["ClientId"], RefreshToken=refresh, **extra
        )
        return result["AuthenticationResult"]

    # not confirmed yet: Cognito refuses the refresh
    assert error(lambda: by_flow(key)) == INVALID_REFRESH
    device = confirm(anon, tokens)
    other = signed_in(sign_in(anon, client, username))["NewDeviceMetadata"]["DeviceKey"]
    for refresh_with in (by_flow, by_operation):
        assert error(lambda: refresh_with(None)) == INVALID_REFRESH  # no device named
        assert error(lambda: refresh_with(other)) == INVALID_REFRESH  # another device
        result = refresh_with(device.key)
        assert claims(result["AccessToken"])["device_key"] == device.key
        assert "NewDeviceMetadata" not in result
    anon.forget_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)
    assert error(lambda: by_operation(device.key)) == INVALID_REFRESH


def test_a_rotated_refresh_token_stays_on_its_device(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(
        idp, pool, app_client, client={"RefreshTokenRotation": {"Feature": "ENABLED"}}
    )
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    device = confirm(anon, tokens)
    rotated = anon.get_tokens_from_refresh_token(
        ClientId=client["ClientId"], RefreshToken=tokens["RefreshToken"], DeviceKey=device.key
    )["AuthenticationResult"]
    new_refresh = rotated["RefreshToken"]
    assert (
        error(
            lambda: anon.get_tokens_from_refresh_token(
                ClientId=client["ClientId"], RefreshToken=new_refresh
            )
        )
        == INVALID_REFRESH
    )
    again = anon.get_tokens_from_refresh_token(
        ClientId=client["ClientId"], RefreshToken=new_refresh, DeviceKey=device.key
    )["AuthenticationResult"]
    assert claims(again["AccessToken"])["device_key"] == device.key


def test_refresh_after_a_device_sign_in(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    asked = sign_in(anon, client, username, device=device)
    tokens = signed_in(prove_device(anon, client, asked, username, device, pool_id))
    refreshed = anon.get_tokens_from_refresh_token(
        ClientId=client["ClientId"], RefreshToken=tokens["RefreshToken"], DeviceKey=device.key
    )["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["device_key"] == device.key


def test_deleting_a_user_deletes_their_devices(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    alice, bob = make_user(idp, pool_id), make_user(idp, pool_id)
    alice_device = confirm(anon, signed_in(sign_in(anon, client, alice)))
    pending = signed_in(sign_in(anon, client, alice))["NewDeviceMetadata"]["DeviceKey"]
    bob_tokens = signed_in(sign_in(anon, client, bob))
    bob_device = confirm(anon, bob_tokens)
    idp.admin_delete_user(UserPoolId=pool_id, Username=alice)
    assert server.svc.store.get_device(alice_device.key) is None
    assert server.svc.store.get_device(pending) is None
    anon.delete_user(AccessToken=bob_tokens["AccessToken"])  # the user's own DeleteUser
    assert server.svc.store.get_device(bob_device.key) is None


def test_device_operations_validate_their_input(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    refused = error(
        lambda: anon.list_devices(AccessToken=tokens["AccessToken"], PaginationToken="garbage")
    )
    assert refused[0] == "InvalidParameterException"
    long_salt = base64.b64encode(b"\x01" * 65).decode()
    verifier = base64.b64encode(srp.hazmat.aws_pad(srp.make_verifier("g", "k", "p", 5))).decode()
    fresh = signed_in(sign_in(anon, client, username))
    too_long = error(
        lambda: anon.confirm_device(
            AccessToken=fresh["AccessToken"],
            DeviceKey=fresh["NewDeviceMetadata"]["DeviceKey"],
            DeviceSecretVerifierConfig={"PasswordVerifier": verifier, "Salt": long_salt},
        )
    )
    assert too_long == (
        "InvalidParameterException",
        "Invalid DeviceSecretVerifierConfig: Salt is too long.",
    )


def test_device_configuration_is_a_pool_setting(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    """DescribeUserPool reports it; UpdateUserPool without it turns tracking off (Cognito
    resets unspecified settings), after which sign-ins meet no device."""
    pool_id, client = device_pool(idp, pool, app_client, challenge=False, prompt=True)
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": False,
        "DeviceOnlyRememberedOnUserPrompt": True,
    }
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    assert "NewDeviceMetadata" in tokens
    idp.update_user_pool(UserPoolId=pool_id)
    assert "DeviceConfiguration" not in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert "NewDeviceMetadata" not in signed_in(sign_in(anon, client, username))
    # a refresh token bound to a device still refreshes on that device only
    device = confirm(anon, tokens)
    assert (
        error(
            lambda: anon.get_tokens_from_refresh_token(
                ClientId=client["ClientId"], RefreshToken=tokens["RefreshToken"]
            )
        )
        == INVALID_REFRESH
    )
    assert anon.get_tokens_from_refresh_token(
        ClientId=client["ClientId"], RefreshToken=tokens["RefreshToken"], DeviceKey=device.key
    )["AuthenticationResult"]
