"""DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER: a known device proves its secret, and what
device tracking adds to every sign-in (see :mod:`authpool.domain.devices`).

Input check
    A request's ``DEVICE_KEY`` (InitiateAuth's AuthParameters, or the ChallengeResponses of
    PASSWORD_VERIFIER, an MFA answer, …) must name a confirmed device of the pool, else
    ResourceNotFoundException ``Device does not exist.`` before any step spends anything:
    Amplify then drops the device and sends the same step again without it.
Steps
    1. After the password (and MFA, unless the device is remembered and the pool's
       ChallengeRequiredOnNewDevice lets it stand in for the code), a sign-in that named the
       user's device is asked DEVICE_SRP_AUTH instead of getting tokens.
    2. DEVICE_SRP_AUTH (``USERNAME``, ``DEVICE_KEY``, ``SRP_A``, with that Session): the
       SRP challenge of the device, SALT and SRP_B from its stored verifier, the device
       group key in the pool name's place and the device key in the user id's.
    3. DEVICE_PASSWORD_VERIFIER: the claim checked exactly as PASSWORD_VERIFIER's; a wrong
       one is NotAuthorizedException ``Incorrect username or password.``. Then tokens,
       bound to the device, without NewDeviceMetadata.
    A sign-in that named no device, in a pool that tracks devices, gets a new one
    (NewDeviceMetadata) with its tokens.
Hook points
    Tokens come through :func:`~.sign_in.finish`: PostAuthentication, PreTokenGeneration.
State
    DEVICE_SRP_AUTH's Session is a sealed challenge state (:mod:`.steps`) bound to the user
    and the device; DEVICE_PASSWORD_VERIFIER's state travels sealed in its SECRET_BLOCK
    (``b`` and ``A``, as in USER_SRP_AUTH), single use in the store. The Session sent with
    DEVICE_PASSWORD_VERIFIER seals the same state, for clients that pass one along; the
    SECRET_BLOCK is what is checked.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from authpool import srp
from authpool.clock import epoch
from authpool.domain import auth_events, devices, sessions, users
from authpool.domain.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from authpool.domain.flows import mfa, steps, user_srp
from authpool.domain.flows.sign_in import (
    BEFORE_TOKENS,
    REQUEST_CHECKS,
    TOKEN_OPTIONS,
    SignIn,
    challenge,
    finish,
)
from authpool.domain.records import DeviceRecord, UserRecord
from authpool.vault import VaultError

SRP_AUTH = "DEVICE_SRP_AUTH"
VERIFIER = "DEVICE_PASSWORD_VERIFIER"
BLOCK_PURPOSE = "device-srp-secret-block"
REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})
CLAIM_KEYS = ("USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE",
              "TIMESTAMP", "DEVICE_KEY")  # fmt: skip


def presented_key(ctx: SignIn) -> str | None:
    """The DEVICE_KEY this request names, if any."""
    if "challenge_name" in ctx.params:
        given = ctx.params.get("challenge_responses") or {}
    else:
        given = ctx.params.get("auth_parameters") or {}
    key = given.get("DEVICE_KEY")
    return str(key) if key else None


def _origin_ip(ctx: SignIn) -> str | None:
    return auth_events.origin_of(ctx.params, ctx.client, admin=ctx.admin).ip_address


# what device tracking adds to every sign-in ---------------------------------------------------
def check_presented_device(ctx: SignIn) -> None:
    """A DEVICE_KEY must name a confirmed device of the pool (refresh flows check theirs
    against the refresh token instead)."""
    key = presented_key(ctx)
    if key is None or devices.tracking(ctx.pool) is None:
        return
    if ctx.params.get("auth_flow") in REFRESH_FLOWS:
        return
    device = ctx.svc.store.get_device(key)
    if device is None or device.pool_id != ctx.pool.id or not device.confirmed:
        raise ResourceNotFoundException(devices.GONE)


def remembered_device(ctx: SignIn, user: UserRecord) -> bool:
    """MFA's skip: the request names the user's remembered device (which then proves
    itself in :func:`ask_device` before any token is issued)."""
    return devices.skips_mfa(ctx.svc, ctx.pool, user, presented_key(ctx))


def ask_device(ctx: SignIn, user: UserRecord) -> dict[str, Any] | None:
    """Before tokens: a sign-in that named a device has it prove itself."""
    key = presented_key(ctx)
    if key is None or devices.tracking(ctx.pool) is None:
        return None
    if ctx.params.get("challenge_name") == VERIFIER:  # proven just now
        return None
    devices.require(ctx.svc, user, key)
    return steps.issue(ctx, user, SRP_AUTH, {"USERNAME": user.username}, data={"device": key})


def bind_tokens(ctx: SignIn, user: UserRecord) -> dict[str, Any]:
    """The device the tokens are bound to: the one just proven, else a new one."""
    if devices.tracking(ctx.pool) is None:
        return {}
    if ctx.params.get("challenge_name") == VERIFIER:
        return {"device_key": presented_key(ctx)}
    device = devices.start(ctx.svc, ctx.pool, ctx.client, user, ip=_origin_ip(ctx))
    return {"device_key": device.device_key, "new_device": devices.metadata(device)}


REQUEST_CHECKS.append(check_presented_device)
BEFORE_TOKENS.append(ask_device)
TOKEN_OPTIONS.append(bind_tokens)
mfa.SKIP_IF.append(remembered_device)


# DEVICE_SRP_AUTH -------------------------------------------------------------------------------
def _same_key(given: str | None, expected: object) -> bool:
    """Whether the answer names the device the state was issued for (device keys are
    identifiers, not secrets: the access token carries them)."""
    return isinstance(expected, str) and given == expected


@challenge(SRP_AUTH)
def device_srp_auth(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
    if not responses.get("DEVICE_KEY"):
        raise InvalidParameterException("Missing required parameter DEVICE_KEY")
    a_public = user_srp._public_a(responses)
    answer = steps.open_answer(ctx, responses, session, SRP_AUTH)
    key = responses["DEVICE_KEY"]
    if not _same_key(key, answer.state.data.get("device")):
        raise NotAuthorizedException(steps.INVALID_FOR_USER)
    device = devices.require(ctx.svc, answer.user, key)
    steps.spend(ctx, answer)
    b = srp.new_server_secret(ctx.svc.token_bytes)
    b_public = srp.server_public(devices.verifier_of(ctx.svc, device), b)
    state = sessions.new_state(
        ctx.svc,
        ctx.client,
        sub=answer.user.sub,
        user_id=answer.user.username,
        challenge=VERIFIER,
        data={"A": srp.to_hex(a_public), "b": srp.to_hex(b), "device": key},
    )
    block = ctx.svc.vault.seal(state.as_json(), purpose=BLOCK_PURPOSE)
    assert device.salt is not None  # confirmed devices have one
    return {
        "challenge_name": VERIFIER,
        "session": sessions.seal(ctx.svc, state),
        "challenge_parameters": {
            "DEVICE_KEY": key,
            "SALT": device.salt,
            "SECRET_BLOCK": base64.b64encode(block).decode(),
            "SRP_B": srp.to_hex(b_public),
            "USERNAME": answer.user.username,
        },
    }


# DEVICE_PASSWORD_VERIFIER ----------------------------------------------------------------------
def _open_block(ctx: SignIn, text: str) -> tuple[bytes, sessions.ChallengeState]:
    try:
        raw = base64.b64decode(text, validate=True)
        state = sessions.ChallengeState.from_json(ctx.svc.vault.open(raw, purpose=BLOCK_PURPOSE))
    except (VaultError, binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise NotAuthorizedException(sessions.INVALID) from exc
    if state.client_id != ctx.client.id or state.pool_id != ctx.pool.id:
        raise NotAuthorizedException(sessions.INVALID)
    if state.challenge != VERIFIER:
        raise NotAuthorizedException(sessions.INVALID)
    if state.expires_at <= epoch(ctx.svc.clock.now()):
        raise NotAuthorizedException(sessions.EXPIRED)
    return raw, state


def _proves(device: DeviceRecord, verifier: int, state: sessions.ChallengeState, raw: bytes,
            responses: dict[str, str]) -> bool:  # fmt: skip
    """Whether the claim proves the device's password (the device group key in the pool
    name's place, the device key in the user id's)."""
    try:
        return srp.verify_password_claim(
            pool_name=device.group_key,
            user_id=str(state.data["device"]),
            verifier=verifier,
            b=srp.from_hex(state.data["b"]),
            A=srp.from_hex(state.data["A"]),
            secret_block=raw,
            timestamp=responses["TIMESTAMP"],
            signature=base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"], validate=True),
        )
    except (binascii.Error, ValueError):  # srp.SrpError is a ValueError
        return False


@challenge(VERIFIER)
def device_password_verifier(
    ctx: SignIn, responses: dict[str, str], session: str | None
) -> dict[str, Any]:
    for required in CLAIM_KEYS:
        if not responses.get(required):
            raise InvalidParameterException(f"Missing required parameter {required}")
    name = responses["USERNAME"]
    ctx.check_secret_hash(responses.get("SECRET_HASH"), name)
    block_text = responses["PASSWORD_CLAIM_SECRET_BLOCK"]
    raw, state = _open_block(ctx, block_text)
    user = users.find_user(ctx.svc, ctx.pool, name)
    if (
        user is None
        or user.sub != state.sub
        or not _same_key(responses["DEVICE_KEY"], state.data.get("device"))
    ):
        raise ctx.wrong_credentials()
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    sessions.use(ctx.svc, block_text, state)
    device = devices.require(ctx.svc, user, responses["DEVICE_KEY"])
    if not _proves(device, devices.verifier_of(ctx.svc, device), state, raw, responses):
        raise ctx.wrong_credentials(user)
    devices.authenticated(ctx.svc, device, ip=_origin_ip(ctx))
    return finish(ctx, user)
