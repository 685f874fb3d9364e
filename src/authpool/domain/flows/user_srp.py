"""USER_SRP_AUTH: the SRP-6a sign-in, and its PASSWORD_VERIFIER challenge.

The server's secret exponent and the client's SRP_A travel sealed in the SECRET_BLOCK
the client echoes back, so any worker can check the proof; the block is single use.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from authpool import srp
from authpool.clock import epoch
from authpool.domain import existence, lockout, passwords, sessions, users
from authpool.domain.errors import InvalidParameterException, NotAuthorizedException
from authpool.domain.flows.sign_in import SignIn, challenge, flow, password_proven
from authpool.domain.hooks import auth as auth_hooks
from authpool.domain.records import UserRecord
from authpool.vault import VaultError

BLOCK_PURPOSE = "srp-secret-block"
# What follows a right proof in a flow other than USER_SRP_AUTH (the SECRET_BLOCK's "f"):
# CUSTOM_AUTH with SRP registers itself here. (ctx, user, block state, Session) -> result.
AFTER_VERIFIER: dict[
    str, Callable[[SignIn, UserRecord, sessions.ChallengeState, str | None], dict[str, Any]]
] = {}


def _public_a(auth: dict[str, str]) -> int:
    text = auth.get("SRP_A")
    if not text:
        raise InvalidParameterException("Missing required parameter SRP_A")
    try:
        a_public = srp.from_hex(text)
        srp.check_client_public(a_public)
    except srp.SrpError as exc:
        raise InvalidParameterException("SRP_A is not a valid SRP public value") from exc
    return a_public


def _fake_verifier(ctx: SignIn, name: str) -> tuple[str, int]:
    """A stable salt and verifier for a user that does not exist, so that the challenge
    looks the same every time and costs what a real one costs (no exponentiation)."""
    seed = ctx.svc.vault.digest(f"{ctx.pool.id}\x00{users.username_key(ctx.pool, name)}",
                                purpose="simulated-srp")  # fmt: skip
    salt = int.from_bytes(seed[:16], "big") | (1 << 120)
    return srp.to_hex(salt), existence.simulated_verifier(ctx.svc, seed)


@flow("USER_SRP_AUTH", "ALLOW_USER_SRP_AUTH")
def initiate(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    name = auth.get("USERNAME")
    if not name:
        raise InvalidParameterException("Missing required parameter USERNAME")
    a_public = _public_a(auth)
    ctx.check_secret_hash(auth.get("SECRET_HASH"), name)
    user = users.find_user(ctx.svc, ctx.pool, name)
    auth_hooks.pre_authentication(ctx.svc, ctx.pool, ctx.client, name=name, user=user,
                                  validation_data=ctx.params.get("client_metadata"))  # fmt: skip
    if user is not None or ctx.client.prevent_user_existence_errors:
        key = lockout.key_for(ctx.svc, lockout.PASSWORD, ctx.pool, user, name)
        lockout.refuse_if_locked(ctx.svc, key)
    if user is None or user.verifier_sealed is None or user.salt is None:
        if user is None and not ctx.client.prevent_user_existence_errors:
            raise ctx.no_such_user()
        salt, verifier = _fake_verifier(ctx, name)
        sub, user_id = None, name
    else:
        salt, verifier = user.salt, passwords.verifier_of(ctx.svc, user.verifier_sealed)
        sub, user_id = user.sub, user.username
    b = srp.new_server_secret(ctx.svc.token_bytes)
    b_public = srp.server_public(verifier, b)
    state = sessions.new_state(
        ctx.svc,
        ctx.client,
        sub=sub,
        user_id=user_id,
        challenge="PASSWORD_VERIFIER",
        # B too, so that PASSWORD_VERIFIER need not recompute it (one exponentiation).
        data={"A": srp.to_hex(a_public), "b": srp.to_hex(b), "B": srp.to_hex(b_public)},
    )
    block = ctx.svc.vault.seal(state.as_json(), purpose=BLOCK_PURPOSE)
    return {
        "challenge_name": "PASSWORD_VERIFIER",
        "challenge_parameters": {
            "SALT": salt,
            "SECRET_BLOCK": base64.b64encode(block).decode(),
            "SRP_B": srp.to_hex(b_public),
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    }


def kept_b(state: sessions.ChallengeState) -> int | None:
    """The SRP_B the challenge sent, if its sealed state kept it (blocks made before it
    did carry only A and b)."""
    text = state.data.get("B")
    return srp.from_hex(text) if isinstance(text, str) else None


def _open_block(ctx: SignIn, text: str) -> tuple[bytes, sessions.ChallengeState]:
    try:
        raw = base64.b64decode(text, validate=True)
        state = sessions.ChallengeState.from_json(ctx.svc.vault.open(raw, purpose=BLOCK_PURPOSE))
    except (VaultError, binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise NotAuthorizedException(sessions.INVALID) from exc
    if state.client_id != ctx.client.id or state.challenge != "PASSWORD_VERIFIER":
        raise NotAuthorizedException(sessions.INVALID)
    if state.expires_at <= epoch(ctx.svc.clock.now()):
        raise NotAuthorizedException(sessions.EXPIRED)
    return raw, state


@challenge("PASSWORD_VERIFIER")
def respond(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
    for required in ("USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE",
                     "TIMESTAMP"):  # fmt: skip
        if not responses.get(required):
            raise InvalidParameterException(f"Missing required parameter {required}")
    name = responses["USERNAME"]
    ctx.check_secret_hash(responses.get("SECRET_HASH"), name)
    block_text = responses["PASSWORD_CLAIM_SECRET_BLOCK"]
    raw, state = _open_block(ctx, block_text)
    user = users.find_user(ctx.svc, ctx.pool, name)
    if state.sub is None:  # a simulated challenge: fail it as a wrong password would fail
        fake = _fake_verifier(ctx, state.user_id)[1]
        raise existence.srp_failure(ctx, name, block_text, raw, state, responses, fake)
    if user is None or user.sub != state.sub:
        raise ctx.wrong_credentials()
    key = lockout.key_for(ctx.svc, lockout.PASSWORD, ctx.pool, user)
    # Used up first, in the count's transaction: a replayed block is refused before it could
    # count as a wrong password, and stays used up when the count meets a lockout.
    lockout.attempt(ctx.svc, key, factor=lockout.PASSWORD, user=user,
                    first=lambda: sessions.use(ctx.svc, block_text, state))  # fmt: skip
    try:
        signature = base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"], validate=True)
        assert user.verifier_sealed is not None
        ok = srp.verify_password_claim(
            pool_name=ctx.pool.pool_name,
            user_id=state.user_id,
            verifier=passwords.verifier_of(ctx.svc, user.verifier_sealed),
            b=srp.from_hex(state.data["b"]),
            A=srp.from_hex(state.data["A"]),
            secret_block=raw,
            timestamp=responses["TIMESTAMP"],
            signature=signature,
            B=kept_b(state),
        )
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise ctx.wrong_credentials(user)
    ctx.passed(key)
    after = AFTER_VERIFIER.get(str(state.data.get("f", "")))
    if after is not None:
        return after(ctx, user, state, session)
    return password_proven(ctx, user)
