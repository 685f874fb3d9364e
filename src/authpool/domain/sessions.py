"""Sealed challenge state: what a sign-in in progress needs between two requests.

The state travels with the client (the challenge ``Session``, or the SRP ``SECRET_BLOCK``),
sealed under the master key so that it can be neither read nor forged, and bound to the
pool, the client, the user and the challenge it expects. Any worker can continue the flow.
Single use is enforced in the store (a marker row per used state), never in memory.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from authpool.clock import epoch
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import NotAuthorizedException
from authpool.vault import VaultError

SESSION_PURPOSE = "challenge-session"
EXPIRED = "Invalid session for the user, session is expired."
INVALID = "Invalid session provided"
USED = "Invalid session for the user, session can only be used once."


@dataclass(frozen=True)
class ChallengeState:
    pool_id: str
    client_id: str
    sub: str | None  # None: a simulated challenge for a user that does not exist
    user_id: str  # USER_ID_FOR_SRP / the username the challenge names
    challenge: str
    expires_at: int
    auth_time: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "p": self.pool_id,
                "c": self.client_id,
                "s": self.sub,
                "u": self.user_id,
                "ch": self.challenge,
                "e": self.expires_at,
                "t": self.auth_time,
                "d": self.data,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> ChallengeState:
        d = json.loads(raw)
        return cls(d["p"], d["c"], d["s"], d["u"], d["ch"], d["e"], d["t"], d["d"])


def new_state(
    svc: Services,
    client: Client,
    *,
    sub: str | None,
    user_id: str,
    challenge: str,
    auth_time: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> ChallengeState:
    return ChallengeState(
        pool_id=client.pool_id,
        client_id=client.id,
        sub=sub,
        user_id=user_id,
        challenge=challenge,
        expires_at=epoch(svc.clock.now() + client.auth_session_validity),
        auth_time=epoch(auth_time) if auth_time else None,
        data=data or {},
    )


def seal(svc: Services, state: ChallengeState) -> str:
    return base64.b64encode(svc.vault.seal(state.as_json(), purpose=SESSION_PURPOSE)).decode()


def open_state(
    svc: Services, token: str | None, client: Client, *, challenge: str
) -> ChallengeState:
    """Open and check a sealed state; it is not yet used up (see :func:`use`)."""
    if not token:
        raise NotAuthorizedException(INVALID)
    try:
        state = ChallengeState.from_json(
            svc.vault.open(base64.b64decode(token, validate=True), purpose=SESSION_PURPOSE)
        )
    except (VaultError, binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise NotAuthorizedException(INVALID) from exc
    if state.client_id != client.id or state.pool_id != client.pool_id:
        raise NotAuthorizedException(INVALID)
    if state.challenge != challenge:
        raise NotAuthorizedException(INVALID)
    if state.expires_at <= epoch(svc.clock.now()):
        raise NotAuthorizedException(EXPIRED)
    return state


def use(svc: Services, token: str, state: ChallengeState) -> None:
    """Use the state up; a second use (a replay, or a race) is refused.

    The marker is keyed on the sealed bytes, not on their base64 text: base64 lets the
    last character before ``=`` padding vary in its unused bits, so one sealed value has
    several spellings, and a replay must not pass as new by choosing another one."""
    try:
        sealed = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotAuthorizedException(INVALID) from exc
    digest = svc.vault.digest(sealed, purpose="used-session")
    expires = datetime.fromtimestamp(state.expires_at, tz=UTC)
    if not svc.store.use_session(digest, expires_at=expires, now=svc.clock.now()):
        raise NotAuthorizedException(USED)


def refuse_if_used(svc: Services, token: str) -> None:
    """Refuse a state already used up (the same marker as :func:`use`), before a responder
    checks an answer whose failure would otherwise hide the replay behind another error."""
    try:
        sealed = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotAuthorizedException(INVALID) from exc
    digest = svc.vault.digest(sealed, purpose="used-session")
    if svc.store.session_used(digest, now=svc.clock.now()):
        raise NotAuthorizedException(USED)
