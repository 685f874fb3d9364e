"""CUSTOM_AUTH: sign-in driven by the DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse triggers, with or without a password proven by SRP first.

Input check
    ``USERNAME`` (``SECRET_HASH`` for a client with a secret); the pool must have a
    DefineAuthChallenge trigger, else NotAuthorizedException as on Cognito. With
    ``CHALLENGE_NAME: SRP_A`` and ``SRP_A`` the password is checked by SRP first.
Steps
    1. InitiateAuth: PreAuthentication; then DefineAuthChallenge with ``session: []``
       (or ``[SRP_A ✓]``).
    2. DefineAuthChallenge answers ``failAuthentication`` (NotAuthorizedException),
       ``issueTokens`` (the user's state is checked and tokens issued as after a password)
       or a ``challengeName``:
       - ``PASSWORD_VERIFIER`` (right after ``SRP_A``): the SRP challenge, answered through
         RespondToAuthChallenge PASSWORD_VERIFIER with this flow's Session; a right proof
         appends ``PASSWORD_VERIFIER ✓`` and goes back to 2, a wrong one fails as in
         USER_SRP_AUTH;
       - ``CUSTOM_CHALLENGE``: CreateAuthChallenge makes the challenge; the client gets its
         ``publicChallengeParameters`` (plus ``USERNAME``) and a Session; the private ones
         stay sealed in that Session. RespondToAuthChallenge CUSTOM_CHALLENGE with
         ``ANSWER``: VerifyAuthChallengeResponse judges it, the result is appended to the
         session history, back to 2.
Hook points
    PreAuthentication (InitiateAuth), the three challenge triggers, then PostAuthentication
    and PreTokenGeneration when tokens are issued.
State
    Sealed in the Session (:mod:`authpool.domain.sessions`): user, history, private
    challenge parameters. Each Session is single use (store marker) and lives for the
    client's AuthSessionValidity; at most :data:`MAX_CHALLENGES` challenges per sign-in.
    Cognito's Session is at most 2048 characters, so the private parameters and history
    must fit in it (a few hundred bytes of private parameters in practice).
"""

from __future__ import annotations

import base64
from typing import Any

from authpool import srp
from authpool.domain import passwords, sessions, users
from authpool.domain.errors import (
    InvalidLambdaResponseException,
    InvalidParameterException,
    NotAuthorizedException,
)
from authpool.domain.flows import user_srp
from authpool.domain.flows.sign_in import SignIn, challenge, flow, password_proven
from authpool.domain.hooks import auth as auth_hooks
from authpool.domain.hooks import challenges as hooks
from authpool.domain.hooks.invoke import UNRECOGNIZABLE, configured
from authpool.domain.records import UserRecord

FLOW = "CUSTOM_AUTH"
NOT_CONFIGURED = "Custom auth lambda trigger is not configured for the user pool."
MAX_CHALLENGES = 10
MAX_SESSION_CHARS = 2048  # SessionType in Cognito's API model
CUSTOM = "CUSTOM_CHALLENGE"
VERIFIER = "PASSWORD_VERIFIER"


@flow(FLOW, "ALLOW_CUSTOM_AUTH")
def initiate(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    if not configured(ctx.pool, "DefineAuthChallenge"):
        raise NotAuthorizedException(NOT_CONFIGURED)
    name = auth.get("USERNAME")
    if not name:
        raise InvalidParameterException("Missing required parameter USERNAME")
    first = auth.get("CHALLENGE_NAME") or CUSTOM
    if first not in ("SRP_A", CUSTOM):
        raise InvalidParameterException(f"Invalid value for CHALLENGE_NAME: {first}")
    a_public = user_srp._public_a(auth) if first == "SRP_A" else None
    ctx.check_secret_hash(auth.get("SECRET_HASH"), name)
    user = users.find_user(ctx.svc, ctx.pool, name)
    if user is None and not ctx.client.prevent_user_existence_errors:
        raise ctx.no_such_user()
    if user is not None and not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    auth_hooks.pre_authentication(
        ctx.svc,
        ctx.pool,
        ctx.client,
        name=name,
        user=user,
        validation_data=ctx.params.get("client_metadata"),
    )
    history = [hooks.entry("SRP_A", True)] if a_public is not None else []
    return _advance(ctx, hooks.Who(user, name), history, a_public=a_public)


def _advance(
    ctx: SignIn, who: hooks.Who, history: list[hooks.Entry], *, a_public: int | None = None
) -> dict[str, Any]:
    """Ask DefineAuthChallenge what comes next, and do it."""
    if len(history) >= MAX_CHALLENGES:
        raise ctx.wrong_credentials(who.user)
    metadata = ctx.params.get("client_metadata") if "challenge_name" in ctx.params else None
    decided = hooks.define(
        ctx.svc, ctx.pool, ctx.client, who, session=history, client_metadata=metadata
    )
    if decided.fail:
        raise ctx.wrong_credentials(who.user)
    if decided.issue_tokens:
        if who.user is None:
            raise ctx.wrong_credentials()
        return password_proven(ctx, who.user)
    if decided.challenge == VERIFIER and a_public is not None:
        return _password_challenge(ctx, who, history, a_public)
    if decided.challenge == CUSTOM:
        return _custom_challenge(ctx, who, history, metadata)
    raise InvalidLambdaResponseException(UNRECOGNIZABLE)


def _custom_challenge(
    ctx: SignIn, who: hooks.Who, history: list[hooks.Entry], metadata: Any
) -> dict[str, Any]:
    created = hooks.create(
        ctx.svc,
        ctx.pool,
        ctx.client,
        who,
        challenge=CUSTOM,
        session=history,
        client_metadata=metadata,
    )
    state = sessions.new_state(
        ctx.svc,
        ctx.client,
        sub=who.user.sub if who.user else None,
        user_id=who.username,
        challenge=CUSTOM,
        data={"f": FLOW, "h": history, "p": created.private, "m": created.metadata},
    )
    return {
        "challenge_name": CUSTOM,
        "challenge_parameters": {**created.public, "USERNAME": who.username},
        "session": _seal(ctx, state),
    }


def _seal(ctx: SignIn, state: sessions.ChallengeState) -> str:
    sealed = sessions.seal(ctx.svc, state)
    if len(sealed) > MAX_SESSION_CHARS:
        raise InvalidLambdaResponseException(
            "The challenge does not fit in a Session: its privateChallengeParameters, "
            "challengeMetadata and history are too large."
        )
    return sealed


def _password_challenge(
    ctx: SignIn, who: hooks.Who, history: list[hooks.Entry], a_public: int
) -> dict[str, Any]:
    """The SRP challenge of USER_SRP_AUTH, whose proof continues this flow (see
    :func:`_password_verified`): the SECRET_BLOCK and the Session share a nonce."""
    user = who.user
    if user is None or user.verifier_sealed is None or user.salt is None:
        salt, verifier = user_srp._fake_verifier(ctx, who.name)
        sub = None
    else:
        salt, verifier = user.salt, passwords.verifier_of(ctx.svc, user.verifier_sealed)
        sub = user.sub
    b = srp.new_server_secret(ctx.svc.token_bytes)
    nonce = base64.urlsafe_b64encode(ctx.svc.token_bytes(12)).decode()
    block_state = sessions.new_state(
        ctx.svc,
        ctx.client,
        sub=sub,
        user_id=who.username,
        challenge=VERIFIER,
        data={"A": srp.to_hex(a_public), "b": srp.to_hex(b), "f": FLOW, "n": nonce},
    )
    block = ctx.svc.vault.seal(block_state.as_json(), purpose=user_srp.BLOCK_PURPOSE)
    state = sessions.new_state(
        ctx.svc,
        ctx.client,
        sub=sub,
        user_id=who.username,
        challenge=VERIFIER,
        data={"f": FLOW, "h": history, "n": nonce},
    )
    return {
        "challenge_name": VERIFIER,
        "challenge_parameters": {
            "SALT": salt,
            "SECRET_BLOCK": base64.b64encode(block).decode(),
            "SRP_B": srp.to_hex(srp.server_public(verifier, b)),
            "USERNAME": who.username,
            "USER_ID_FOR_SRP": who.username,
        },
        "session": _seal(ctx, state),
    }


def _password_verified(
    ctx: SignIn, user: UserRecord, block: sessions.ChallengeState, session: str | None
) -> dict[str, Any]:
    """A right SRP proof in a custom sign-in: record it and ask DefineAuthChallenge again."""
    state = sessions.open_state(ctx.svc, session, ctx.client, challenge=VERIFIER)
    if (
        state.data.get("f") != FLOW
        or state.data.get("n") != block.data.get("n")
        or state.sub != user.sub
    ):
        raise NotAuthorizedException(sessions.INVALID)
    sessions.use(ctx.svc, str(session), state)
    history = [*state.data["h"], hooks.entry(VERIFIER, True)]
    return _advance(ctx, hooks.Who(user, user.username), history)


user_srp.AFTER_VERIFIER[FLOW] = _password_verified


@challenge(CUSTOM)
def respond(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
    name = responses.get("USERNAME")
    if not name:
        raise InvalidParameterException("Missing required parameter USERNAME")
    answer = responses.get("ANSWER")
    if answer is None:
        raise InvalidParameterException("Missing required parameter ANSWER")
    ctx.check_secret_hash(responses.get("SECRET_HASH"), name)
    state = sessions.open_state(ctx.svc, session, ctx.client, challenge=CUSTOM)
    if state.data.get("f") != FLOW:
        raise NotAuthorizedException(sessions.INVALID)
    who = _who(ctx, state, name)
    sessions.use(ctx.svc, str(session), state)
    correct = hooks.verify(
        ctx.svc,
        ctx.pool,
        ctx.client,
        who,
        private=state.data["p"],
        answer=answer,
        client_metadata=ctx.params.get("client_metadata"),
    )
    history = [*state.data["h"], hooks.entry(CUSTOM, correct, state.data.get("m"))]
    return _advance(ctx, who, history)


def _who(ctx: SignIn, state: sessions.ChallengeState, name: str) -> hooks.Who:
    """The user the Session was made for, who must also be the one ``name`` means (their
    username or a sign-in alias); a user deleted or disabled meanwhile cannot go on."""
    if state.sub is None:
        if users.username_key(ctx.pool, name) != users.username_key(ctx.pool, state.user_id):
            raise NotAuthorizedException(sessions.INVALID)
        return hooks.Who(None, state.user_id)
    user = users.find_user(ctx.svc, ctx.pool, name)
    if user is None or user.sub != state.sub:
        raise NotAuthorizedException(sessions.INVALID)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    return hooks.Who(user, name)
