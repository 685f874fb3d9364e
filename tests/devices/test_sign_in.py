"""Device tracking in sign-in, through boto3 (pycognito doing the device's SRP): the new
device of a sign-in (NewDeviceMetadata, the ``device_key`` claim), the known device asked to
prove itself (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER), a remembered device standing in
for MFA, and every way a device proof is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP
from tests.devices.support import (
    GONE,
    PHONE,
    WRONG,
    Device,
    answer,
    claims,
    confirm,
    device_challenge,
    device_pool,
    prove_device,
    sign_in,
)
from tests.flows.challenge_support import (
    PASSWORD,
    ClientFactory,
    PoolFactory,
    error,
    last_code,
    make_user,
    signed_in,
    srp_sign_in,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

KEY = re.compile(r"us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def _sms_count(server: LiveServer, pool_id: str, username: str) -> int:
    return len(server.outbox(pool_id=pool_id, username=username))


def _with_mfa(server: LiveServer, anon: Any, client: dict[str, Any], pool_id: str,
              username: str, *, device: Device | None = None) -> dict[str, Any]:  # fmt: skip
    """Sign in through the SMS code (naming ``device`` in both steps, as Amplify does)."""
    first = sign_in(anon, client, username, device=device)
    assert first["ChallengeName"] == "SMS_MFA", first
    code = last_code(server, pool_id, username, "AUTHENTICATION")
    extra = {"DEVICE_KEY": device.key} if device else {}
    return answer(anon, client, first, username, SMS_MFA_CODE=code, **extra)


def _new_device(
    server: LiveServer, anon: Any, client: dict[str, Any], pool_id: str, username: str
) -> Device:
    tokens = signed_in(_with_mfa(server, anon, client, pool_id, username))
    return confirm(anon, tokens)


def test_a_pool_without_device_tracking_has_no_device(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    assert "NewDeviceMetadata" not in tokens
    assert "device_key" not in claims(tokens["AccessToken"])
    # a DEVICE_KEY is simply not looked at
    tokens = signed_in(
        sign_in(anon, client, username, device="us-east-1_00000000-0000-4000-8000-0")
    )
    assert "NewDeviceMetadata" not in tokens


def test_a_sign_in_gets_a_new_device_bound_to_its_tokens(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    tokens = signed_in(sign_in(anon, client, username))
    meta = tokens["NewDeviceMetadata"]
    assert KEY.fullmatch(meta["DeviceKey"])
    assert re.fullmatch(r"-[A-Za-z0-9]{9}", meta["DeviceGroupKey"])
    assert claims(tokens["AccessToken"])["device_key"] == meta["DeviceKey"]
    assert "device_key" not in claims(tokens["IdToken"])
    # each sign-in that names no device gets another
    again = signed_in(sign_in(anon, client, username))
    assert again["NewDeviceMetadata"]["DeviceKey"] != meta["DeviceKey"]
    # SRP sign-in too
    srp = signed_in(srp_sign_in(anon, pool_id, client, username))
    assert KEY.fullmatch(srp["NewDeviceMetadata"]["DeviceKey"])


def test_a_known_device_proves_itself_and_keeps_its_key(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    asked = sign_in(anon, client, username, device=device)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    assert "AuthenticationResult" not in asked
    tokens = signed_in(prove_device(anon, client, asked, username, device, pool_id))
    assert "NewDeviceMetadata" not in tokens
    assert claims(tokens["AccessToken"])["device_key"] == device.key
    seen = idp.admin_get_device(UserPoolId=pool_id, Username=username, DeviceKey=device.key)
    assert seen["Device"]["DeviceLastAuthenticatedDate"] >= seen["Device"]["DeviceCreateDate"]


def test_a_remembered_device_stands_in_for_mfa(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client, mfa="ON")
    username = make_user(idp, pool_id, phone_number=PHONE)
    device = _new_device(server, anon, client, pool_id, username)
    codes = _sms_count(server, pool_id, username)
    asked = sign_in(anon, client, username, device=device)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"  # no SMS_MFA
    tokens = signed_in(prove_device(anon, client, asked, username, device, pool_id))
    assert claims(tokens["AccessToken"])["device_key"] == device.key
    assert _sms_count(server, pool_id, username) == codes  # no code was sent
    # SRP sign-in: the device key comes with the PASSWORD_VERIFIER answer, as from Amplify
    asked = _srp_with_device(anon, pool_id, client, username, device)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    signed_in(prove_device(anon, client, asked, username, device, pool_id))


def _srp_with_device(
    anon: Any, pool_id: str, client: dict[str, Any], username: str, device: Device
) -> dict[str, Any]:
    aws = AWSSRP(
        username=username,
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=anon,
        device_key=device.key,
        device_group_key=device.group_key,
        device_password=device.password,
    )
    params = aws.get_auth_params()  # pycognito names the device here too
    first = anon.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=client["ClientId"],
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=aws.process_challenge(first["ChallengeParameters"], params),
    )
    return result


@pytest.mark.parametrize("case", ["not_remembered", "no_mfa_stand_in"])
def test_mfa_first_then_the_device(
    case: str,
    server: LiveServer,
    idp: Any,
    anon: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
) -> None:
    """A device that is not remembered, or a pool whose ChallengeRequiredOnNewDevice is
    false: the code is asked as usual, then the device proves itself."""
    challenge = case == "not_remembered"
    pool_id, client = device_pool(idp, pool, app_client, mfa="ON", challenge=challenge)
    username = make_user(idp, pool_id, phone_number=PHONE)
    device = _new_device(server, anon, client, pool_id, username)
    if case == "not_remembered":
        idp.admin_update_device_status(UserPoolId=pool_id, Username=username,
                                       DeviceKey=device.key,
                                       DeviceRememberedStatus="not_remembered")  # fmt: skip
    after_code = _with_mfa(server, anon, client, pool_id, username, device=device)
    assert after_code["ChallengeName"] == "DEVICE_SRP_AUTH"
    tokens = signed_in(prove_device(anon, client, after_code, username, device, pool_id))
    assert "NewDeviceMetadata" not in tokens


def test_an_unknown_device_is_refused_before_anything_is_spent(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    """Amplify drops a device the service says does not exist and sends the same step
    again: the same PASSWORD_VERIFIER answer (same SECRET_BLOCK) must still work."""
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    ghost = "us-east-1_0f5b6a1e-7d9a-4f3e-9e1c-2a4b6c8d0e1f"
    assert error(lambda: sign_in(anon, client, username, device=ghost)) == GONE
    aws = AWSSRP(username=username, password=PASSWORD, pool_id=pool_id,
                 client_id=client["ClientId"], client=anon)  # fmt: skip
    params = aws.get_auth_params()
    first = anon.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    answers = aws.process_challenge(first["ChallengeParameters"], params)

    def verify(**extra: str) -> dict[str, Any]:
        result: dict[str, Any] = anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses={**answers, **extra},
        )
        return result

    assert error(lambda: verify(DEVICE_KEY=ghost)) == GONE
    assert "NewDeviceMetadata" in signed_in(verify())
    # a pending (never confirmed) device is no device either
    pending = signed_in(sign_in(anon, client, username))["NewDeviceMetadata"]["DeviceKey"]
    assert error(lambda: sign_in(anon, client, username, device=pending)) == GONE


def test_another_users_device_does_not_exist_for_this_user(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    alice, bob = make_user(idp, pool_id), make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, alice)))
    assert error(lambda: sign_in(anon, client, bob, device=device)) == GONE


def test_a_wrong_device_secret_is_refused(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    impostor = Device(device.key, device.group_key, "not-the-device-password")
    asked = sign_in(anon, client, username, device=device)
    assert error(lambda: prove_device(anon, client, asked, username, impostor, pool_id)) == WRONG
    # and the right one still works on a fresh sign-in
    asked = sign_in(anon, client, username, device=device)
    signed_in(prove_device(anon, client, asked, username, device, pool_id))


def test_the_device_challenge_needs_its_session(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    """Without the Session of the password step a device secret alone would sign in; the
    Session is required (pycognito's authenticate_user leaves it out and is refused)."""
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    responses = {"USERNAME": username, "DEVICE_KEY": device.key, "SRP_A": "ab" * 96}

    def bare(**kwargs: Any) -> Any:
        return anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="DEVICE_SRP_AUTH",
            ChallengeResponses=responses,
            **kwargs,
        )

    assert error(bare) == ("NotAuthorizedException", "Invalid session provided")
    # nor does another user's device challenge do
    other = make_user(idp, pool_id)
    theirs = confirm(anon, signed_in(sign_in(anon, client, other)))
    asked = sign_in(anon, client, other, device=theirs)
    assert error(lambda: bare(Session=asked["Session"])) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )


def test_a_device_session_and_secret_block_are_single_use(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    asked = sign_in(anon, client, username, device=device)
    aws, verifier = device_challenge(anon, client, asked, username, device, pool_id)
    again = error(lambda: device_challenge(anon, client, asked, username, device, pool_id))
    assert again[0] == "NotAuthorizedException"
    proof = aws.process_device_challenge(verifier["ChallengeParameters"])

    def verify() -> Any:
        return anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="DEVICE_PASSWORD_VERIFIER",
            Session=verifier["Session"],
            ChallengeResponses=proof,
        )

    signed_in(verify())
    assert error(verify) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )


def test_the_device_proof_must_name_the_device_it_was_asked_of(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    one = confirm(anon, signed_in(sign_in(anon, client, username)), name="one")
    two = confirm(anon, signed_in(sign_in(anon, client, username)), name="two")
    asked = sign_in(anon, client, username, device=one)
    # DEVICE_SRP_AUTH for device one answered for device two
    assert error(lambda: device_challenge(anon, client, asked, username, two, pool_id)) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )
    asked = sign_in(anon, client, username, device=one)
    aws, verifier = device_challenge(anon, client, asked, username, one, pool_id)
    proof = {**aws.process_device_challenge(verifier["ChallengeParameters"]), "DEVICE_KEY": two.key}
    refused = error(
        lambda: anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="DEVICE_PASSWORD_VERIFIER",
            ChallengeResponses=proof,
        )
    )
    assert refused == WRONG


def test_a_device_challenge_lapses_with_the_session(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    asked = sign_in(anon, client, username, device=device)
    server.clock.advance(3 * 60 + 1)  # AuthSessionValidity: 3 minutes
    assert error(lambda: device_challenge(anon, client, asked, username, device, pool_id)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_a_disabled_user_cannot_finish_on_a_device(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    asked = sign_in(anon, client, username, device=device)
    aws, verifier = device_challenge(anon, client, asked, username, device, pool_id)
    idp.admin_disable_user(UserPoolId=pool_id, Username=username)
    refused = error(
        lambda: anon.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="DEVICE_PASSWORD_VERIFIER",
            ChallengeResponses=aws.process_device_challenge(verifier["ChallengeParameters"]),
        )
    )
    assert refused == ("NotAuthorizedException", "User is disabled.")


def test_a_client_with_a_secret_proves_devices_too(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client, client={"GenerateSecret": True})
    username = make_user(idp, pool_id)
    device = confirm(anon, signed_in(sign_in(anon, client, username)))
    asked = sign_in(anon, client, username, device=device)
    tokens = signed_in(prove_device(anon, client, asked, username, device, pool_id))
    assert claims(tokens["AccessToken"])["device_key"] == device.key


def test_admin_sign_in_on_a_device(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = device_pool(idp, pool, app_client)
    username = make_user(idp, pool_id)

    def admin_sign_in(**extra: str) -> dict[str, Any]:
        result: dict[str, Any] = idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client["ClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD, **extra},
        )
        return result

    device = confirm(anon, signed_in(admin_sign_in()))
    asked = admin_sign_in(DEVICE_KEY=device.key)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
