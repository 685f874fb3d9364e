"""MFA_SETUP: a pool that requires MFA meets a user with no factor, who sets one up in the
middle of signing in.

An authenticator app (SOFTWARE_TOKEN_MFA), in three calls that pass the session along::

    MFA_SETUP session ──AssociateSoftwareToken──▶ secret + session
                      ──VerifySoftwareToken(code)──▶ SUCCESS + session
                      ──RespondToAuthChallenge(MFA_SETUP)──▶ tokens

Each session is single use and names the stage it is good for; the secret travels inside the
sealed session until the first right code registers it, sealed, on the user (TOTP then on for
them). E-mail (EMAIL_OTP), as current Amplify sets it up: RespondToAuthChallenge(MFA_SETUP)
with ``EMAIL`` sends a code there and asks for it; the right code turns e-mail MFA on.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from authpool.domain import mfa, sessions, totp, users
from authpool.domain.clients import Client, get_client
from authpool.domain.context import Services
from authpool.domain.errors import (
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
    SoftwareTokenMFANotFoundException,
)
from authpool.domain.flows import mfa as mfa_flow
from authpool.domain.flows import steps
from authpool.domain.flows.sign_in import SignIn, challenge, finish
from authpool.domain.pools import get_pool
from authpool.domain.records import UserRecord
from authpool.vault import VaultError

SETUP = "MFA_SETUP"
START, ASSOCIATED, VERIFIED = "start", "associated", "verified"


# the session, opened without a client id (AssociateSoftwareToken and VerifySoftwareToken
# name none: the session does) -------------------------------------------------------------------
def _client_of(svc: Services, token: str) -> Client:
    try:
        sealed = base64.b64decode(token, validate=True)
        state = sessions.ChallengeState.from_json(
            svc.vault.open(sealed, purpose=sessions.SESSION_PURPOSE)
        )
        return get_client(svc, state.client_id)
    except (VaultError, binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise NotAuthorizedException(sessions.INVALID) from exc
    except ResourceNotFoundException as exc:
        raise NotAuthorizedException(sessions.INVALID) from exc


def _open(
    svc: Services, token: str, stage: str
) -> tuple[SignIn, sessions.ChallengeState, UserRecord]:
    client = _client_of(svc, token)
    ctx = SignIn(svc, get_pool(svc, client.pool_id), client, False, {})
    state = sessions.open_state(svc, token, client, challenge=SETUP)
    sessions.refuse_if_used(svc, token)
    if state.data.get("stage", START) != stage:
        raise NotAuthorizedException(sessions.INVALID)
    user = svc.store.get_user_by_sub(state.sub) if state.sub else None
    if user is None or user.pool_id != client.pool_id:
        raise NotAuthorizedException(steps.INVALID_FOR_USER)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    return ctx, state, user


def _session(ctx: SignIn, user: UserRecord, stage: str, **data: Any) -> str:
    state = sessions.new_state(
        ctx.svc,
        ctx.client,
        sub=user.sub,
        user_id=user.username,
        challenge=SETUP,
        data={"stage": stage, **data},
    )
    return sessions.seal(ctx.svc, state)


def associate_software_token(svc: Services, token: str) -> dict[str, Any]:
    """AssociateSoftwareToken with the MFA_SETUP session: a new secret, and the session for
    VerifySoftwareToken."""
    ctx, state, user = _open(svc, token, START)
    if mfa.TOTP not in state.data.get("can_set_up", ()):
        raise SoftwareTokenMFANotFoundException(mfa.TOTP_NOT_ENABLED)
    mfa.require_totp_offered(ctx.pool)
    sessions.use(svc, token, state)
    secret = totp.new_secret(svc)
    return {"secret_code": secret, "session": _session(ctx, user, ASSOCIATED, secret=secret)}


def verify_software_token(
    svc: Services, token: str, code: str, friendly_name: str | None
) -> dict[str, Any]:
    """VerifySoftwareToken with the session AssociateSoftwareToken gave: the first right code
    registers the authenticator and turns TOTP on; the session it returns finishes MFA_SETUP.
    A wrong code may be retried with the same session, a bounded number of times."""
    ctx, state, user = _open(svc, token, ASSOCIATED)
    steps.count_answer(ctx, token, state)
    secret = str(state.data["secret"])
    if not totp.accept(svc, user.sub, secret, code):
        raise EnableSoftwareTokenMFAException(mfa.CODE_MISMATCH)
    sessions.use(svc, token, state)
    sealed = totp.seal(svc, secret)
    user = mfa.update(
        svc,
        user,
        lambda _, settings: replace(
            settings, totp_secret=sealed, totp_name=friendly_name, totp_pending=None
        ).enable(mfa.TOTP),
    )
    return {"status": "SUCCESS", "session": _session(ctx, user, VERIFIED)}


# RespondToAuthChallenge(MFA_SETUP) ------------------------------------------------------------
def _complete(ctx: SignIn, answer: steps.Answer, responses: dict[str, str]) -> dict[str, Any]:
    steps.spend(ctx, answer)
    return finish(ctx, answer.user)


def _set_up_email(ctx: SignIn, answer: steps.Answer, email: str) -> dict[str, Any]:
    if mfa.EMAIL not in answer.state.data.get("can_set_up", ()):
        raise InvalidParameterException("Email MFA cannot be set up in this user pool.")
    value = users.check_attributes(ctx.pool, None, {"email": email}, creating=True)["email"]
    user = answer.user
    current = user.attributes.get("email")
    if current and current.casefold() != value.casefold():
        raise NotAuthorizedException("Cannot modify an already provided email")
    if not current:
        attrs = {**user.attributes, "email": value, "email_verified": "false"}
        now = ctx.svc.clock.now()
        user = ctx.svc.store.update_user(user.sub, attributes=attrs, updated_at=now) or user
    steps.spend(ctx, answer)
    return mfa_flow.ask(ctx, user, mfa.EMAIL, data={"set_up": True})


def _from_start(ctx: SignIn, answer: steps.Answer, responses: dict[str, str]) -> dict[str, Any]:
    email = responses.get("EMAIL")
    if email:
        return _set_up_email(ctx, answer, email)
    raise InvalidParameterException(mfa.TOTP_NOT_SET_UP)


def _not_verified(ctx: SignIn, answer: steps.Answer, responses: dict[str, str]) -> dict[str, Any]:
    raise InvalidParameterException(mfa.TOTP_NOT_SET_UP)


STAGES = {START: _from_start, ASSOCIATED: _not_verified, VERIFIED: _complete}


@challenge(SETUP)
def respond(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
    answer = steps.open_answer(ctx, responses, session, SETUP)
    return STAGES[str(answer.state.data.get("stage", START))](ctx, answer, responses)
