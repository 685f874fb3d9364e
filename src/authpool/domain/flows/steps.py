"""What every challenge after a proven password shares: issuing one (a sealed session bound
to the pool, the client, the user and the challenge) and opening an answer to one.

An answer names the user (``USERNAME``, and ``SECRET_HASH`` for a client with a secret); the
name must resolve to the user the session was issued to. A session takes a bounded number
of answers (:data:`MAX_ANSWERS`, counted in the store, so a wrong code can be retried but
not guessed at), and is used up by the answer that moves the sign-in on.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authpool.domain import limits, sessions, users
from authpool.domain.errors import InvalidParameterException, NotAuthorizedException
from authpool.domain.flows.sign_in import SignIn
from authpool.domain.records import UserRecord

INVALID_FOR_USER = "Invalid session for the user."
MAX_ANSWERS = 5


def issue(
    ctx: SignIn,
    user: UserRecord,
    name: str,
    parameters: dict[str, str],
    *,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The response that asks ``user`` the challenge ``name``."""
    state = sessions.new_state(
        ctx.svc, ctx.client, sub=user.sub, user_id=user.username, challenge=name, data=data
    )
    return {
        "challenge_name": name,
        "session": sessions.seal(ctx.svc, state),
        "challenge_parameters": {**parameters, "USER_ID_FOR_SRP": user.username},
    }


@dataclass(frozen=True)
class Answer:
    """An opened answer: the session it came with, its state, and the user it is about."""

    token: str
    state: sessions.ChallengeState
    user: UserRecord


def count_answer(ctx: SignIn, token: str, state: sessions.ChallengeState) -> None:
    """Count one answer against the session; refuse once it has had :data:`MAX_ANSWERS`.
    Keyed on the sealed bytes, so another base64 spelling of the session is the same one."""
    key = b"answer\x00" + base64.b64decode(token)
    until = datetime.fromtimestamp(state.expires_at, tz=UTC)
    if limits.claim(ctx.svc, key, limit=MAX_ANSWERS, until=until) is None:
        raise NotAuthorizedException(INVALID_FOR_USER)


def open_answer(
    ctx: SignIn, responses: dict[str, str], session: str | None, challenge: str
) -> Answer:
    name = responses.get("USERNAME")
    if not name:
        raise InvalidParameterException("Missing required parameter USERNAME")
    ctx.check_secret_hash(responses.get("SECRET_HASH"), name)
    state = sessions.open_state(ctx.svc, session, ctx.client, challenge=challenge)
    assert session is not None  # open_state refuses a missing session
    sessions.refuse_if_used(ctx.svc, session)
    user = users.find_user(ctx.svc, ctx.pool, name)
    if user is None or state.sub is None or user.sub != state.sub:
        raise NotAuthorizedException(INVALID_FOR_USER)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    count_answer(ctx, session, state)
    return Answer(session, state, user)


def spend(ctx: SignIn, answer: Answer) -> None:
    """Use the answered session up (a replay, or a racing second answer, is refused)."""
    sessions.use(ctx.svc, answer.token, answer.state)
