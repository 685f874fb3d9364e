"""The sign-in history authpool records for every user, and AdminListUserAuthEvents.

The sign-in engine reports each password it checks (:class:`Attempt`): a wrong one is a
``Fail`` event; a right one is ``InProgress`` while challenges follow (a new password, MFA)
and becomes ``Pass`` when the tokens are issued — one event per sign-in, its ``Password``
and ``Mfa`` results listed, with the app client, the caller's IP address and user agent.
Other flows can record their events with :func:`record`.

Where the caller's address comes from, as Cognito reads it: for the Admin* calls, the
``ContextData`` the app server passes on; for the public calls, the ``UserContextData``
when the client propagates it (EnablePropagateAdditionalUserContextData), else the address
the request came from.

The history is bounded: events older than :data:`RETENTION` and all but the newest
:data:`KEEP` of a user are dropped as new ones arrive. authpool does no risk scoring, so
every event reports the risk decision ``NoRisk``.

Feedback on an event (``Valid`` or ``Invalid``) is recorded as Cognito records it and listed
with the event (``EventFeedback``): by an administrator with AdminUpdateAuthEventFeedback
(provider ``Admin``), or by the user with UpdateAuthEventFeedback and the event's feedback
token (provider ``User``). Cognito hands that token out only in its threat-protection
notification e-mails, which authpool does not send; :func:`feedback_token` makes it for an
application that notifies its users itself. Cognito keeps both operations (and the history)
for pools with threat protection; authpool keeps the history for every pool, so it takes
feedback on every pool too. Feedback changes nothing else: there is no risk model to train.
"""

from __future__ import annotations

import base64
import hmac
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authpool.domain import audit, paging, users
from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from authpool.domain.pools import get_pool
from authpool.domain.records import AuthEventRecord, UserRecord

log = logging.getLogger("authpool.events")

SIGN_IN, SIGN_UP = "SignIn", "SignUp"
PASS, FAIL, IN_PROGRESS = "Pass", "Fail", "InProgress"
PASSWORD, MFA = "Password", "Mfa"
SUCCESS, FAILURE = "Success", "Failure"
PENDING = "Pending"  # stored only: a challenge asked and not answered yet
MFA_CHALLENGES = frozenset(
    {"SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SELECT_MFA_TYPE", "MFA_SETUP"}
)
OPEN_FOR = timedelta(minutes=15)  # the longest AuthSessionValidity a client can have
# The calls that prove the password and may issue tokens at once: none of their sign-ins can
# be in progress already (a sign-in is in progress only once a challenge follows its password).
FRESH = frozenset({None, "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"})
Challenges = tuple[tuple[str, str], ...]
KEEP = 1000
RETENTION = timedelta(days=90)
MAX_DEVICE_NAME = 256


@dataclass(frozen=True)
class Origin:
    """Where a request came from."""

    ip_address: str | None
    user_agent: str | None


def _header(headers: Any, name: str) -> str | None:
    for item in headers or []:
        if str(item.get("header_name", "")).lower() == name:
            value = item.get("header_value")
            return str(value) if value is not None else None
    return None


def origin_of(params: Mapping[str, Any], client: Client, *, admin: bool) -> Origin:
    """The end user's address and user agent for a sign-in call (see the module doc);
    ``source_ip`` and ``user_agent`` in ``params`` are what the wire layer saw."""
    ip, agent = params.get("source_ip"), params.get("user_agent")
    if admin:
        context = params.get("context_data") or {}
        ip = context.get("ip_address") or ip
        agent = _header(context.get("http_headers"), "user-agent") or agent
    elif client.config.get("enable_propagate_additional_user_context_data"):
        ip = (params.get("user_context_data") or {}).get("ip_address") or ip
    return Origin(ip, agent)


def record(
    svc: Services,
    user: UserRecord,
    *,
    event_type: str,
    response: str,
    challenges: tuple[tuple[str, str], ...],
    client_id: str | None,
    origin: Origin | None,
) -> None:
    """Add an event to ``user``'s history. A failure to record is logged, never raised:
    a sign-in does not fail because its history could not be written."""
    event = _new_event(svc, user, event_type, response, challenges, client_id, origin)
    announce(user, event)
    try:
        store(svc, event)
    except Exception:  # the history is best effort; the sign-in goes on
        log.exception("could not record a %s event for %s", event_type, user.sub)


def new_event(
    svc: Services,
    user: UserRecord,
    *,
    event_type: str,
    response: str,
    client_id: str | None,
    origin: Origin | None,
) -> AuthEventRecord:
    """An event of ``user``'s, not yet stored (:func:`store`) nor announced (:func:`announce`):
    :func:`record` in parts, for a caller that stores it in a transaction of its own."""
    return _new_event(svc, user, event_type, response, (), client_id, origin)


def store(svc: Services, event: AuthEventRecord) -> None:
    """Store ``event`` (the history kept bounded), raising what the store raises."""
    svc.store.insert_auth_event(event, keep=KEEP, not_before=event.created_at - RETENTION)


def announce(user: UserRecord, event: AuthEventRecord) -> None:
    """The audit line of ``event``."""
    audit.emit(event.event_type, event.response, user=user, client_id=event.client_id,
               ip=event.ip_address, challenge=_names(event.challenges))  # fmt: skip


def _new_event(
    svc: Services,
    user: UserRecord,
    event_type: str,
    response: str,
    challenges: Challenges,
    client_id: str | None,
    origin: Origin | None,
) -> AuthEventRecord:
    agent = origin.user_agent if origin else None
    return AuthEventRecord(
        event_id=str(uuid.UUID(bytes=svc.token_bytes(16), version=4)),
        pool_id=user.pool_id,
        user_sub=user.sub,
        event_type=event_type,
        response=response,
        created_at=svc.clock.now(),
        challenges=challenges,
        client_id=client_id,
        ip_address=origin.ip_address if origin else None,
        device_name=agent[:MAX_DEVICE_NAME] if agent else None,
    )


def _names(challenges: Challenges) -> str:
    return ",".join(f"{name}:{result}" for name, result in challenges)


@dataclass(frozen=True)
class Attempt:
    """One sign-in call, as its history sees it: who calls through which client, from
    where. The sign-in engine reports each outcome here."""

    svc: Services
    client: Client
    params: Mapping[str, Any]
    admin: bool

    def failed(self, user: UserRecord) -> None:
        """A wrong password: a ``Fail`` event of its own."""
        self._record(user, FAIL, ((PASSWORD, FAILURE),))

    def continues(self, user: UserRecord, challenge: str | None) -> None:
        """The password was right and ``challenge`` comes next: the sign-in is in
        progress (a sign-in already in progress, say after NEW_PASSWORD_REQUIRED, goes on).
        Raises if the store does (the caller decides whether that matters)."""
        awaiting = ((MFA, PENDING),) if challenge in MFA_CHALLENGES else ()
        event = self._open(user)
        if event is None:
            self._store(user, IN_PROGRESS, ((PASSWORD, SUCCESS), *awaiting))
            return
        settled = tuple(c for c in event.challenges if c[1] != PENDING)
        self._update(event, IN_PROGRESS, settled + awaiting)

    def completed(self, user: UserRecord, *, answered: str | None = None) -> None:
        """Tokens issued: the sign-in in progress passes (its pending challenge answered),
        or, when there was none, a ``Pass`` event of its own. ``answered``: the challenge
        this call answered (None for InitiateAuth); a call that proved the password itself
        (:data:`FRESH`) cannot finish a sign-in in progress, so the history is not read.
        Raises if the store does."""
        event = None if answered in FRESH else self._open(user)
        if event is None:
            self._store(user, PASS, ((PASSWORD, SUCCESS),))
            return
        settled = tuple((n, SUCCESS if r == PENDING else r) for n, r in event.challenges)
        self._update(event, PASS, settled)

    def _open(self, user: UserRecord) -> AuthEventRecord | None:
        """The user's sign-in through this client still in progress, if any."""
        latest = next(iter(self.svc.store.list_auth_events(user.sub, before=None, limit=1)), None)
        if (
            latest is None
            or latest.event_type != SIGN_IN
            or latest.response != IN_PROGRESS
            or latest.client_id != self.client.id
            or latest.created_at < self.svc.clock.now() - OPEN_FOR
            or latest.seq is None
        ):
            return None
        return latest

    def _record(self, user: UserRecord, response: str, challenges: Challenges) -> None:
        record(
            self.svc,
            user,
            event_type=SIGN_IN,
            response=response,
            challenges=challenges,
            client_id=self.client.id,
            origin=origin_of(self.params, self.client, admin=self.admin),
        )

    def _store(self, user: UserRecord, response: str, challenges: Challenges) -> None:
        """:meth:`_record`, raising what the store raises."""
        origin = origin_of(self.params, self.client, admin=self.admin)
        event = _new_event(self.svc, user, SIGN_IN, response, challenges, self.client.id, origin)
        announce(user, event)
        store(self.svc, event)

    def _update(self, event: AuthEventRecord, response: str, challenges: Challenges) -> None:
        assert event.seq is not None
        audit.emit(event.event_type, response, user_sub=event.user_sub, pool_id=event.pool_id,
                   client_id=event.client_id, challenge=_names(challenges))  # fmt: skip
        self.svc.store.update_auth_event(event.seq, response=response, challenges=challenges)


# AdminListUserAuthEvents -------------------------------------------------------------------
def describe(event: AuthEventRecord) -> dict[str, Any]:
    """AuthEventType, snake_case."""
    context = {"ip_address": event.ip_address, "device_name": event.device_name}
    feedback = (
        {
            "event_feedback": {
                "feedback_value": event.feedback_value,
                "provider": event.feedback_provider,
                "feedback_date": event.feedback_at,
            }
        }
        if event.feedback_value
        else {}
    )
    return {
        **feedback,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "creation_date": event.created_at,
        "event_response": event.response,
        "event_risk": {"risk_decision": "NoRisk", "compromised_credentials_detected": False},
        "challenge_responses": [
            {"challenge_name": name, "challenge_response": result}
            for name, result in event.challenges
            if result != PENDING
        ],
        "event_context_data": {k: v for k, v in context.items() if v is not None},
    }


def list_events(
    svc: Services,
    pool_id: str,
    username: str,
    *,
    max_results: int | None,
    next_token: str | None,
) -> dict[str, Any]:
    """The user's events, newest first."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    size = paging.page_size(max_results)
    kind = f"events:{user.sub}"
    before = paging.decode(next_token, kind)
    if before is not None and not isinstance(before, int):
        raise InvalidParameterException(paging.INVALID)
    found, more = paging.page(
        svc.store.list_auth_events(user.sub, before=before, limit=size + 1), size
    )
    return {
        "auth_events": [describe(e) for e in found],
        "next_token": paging.encode(kind, found[-1].seq) if more else None,
    }


# AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback -------------------------------------
FEEDBACK_PURPOSE = "auth-event-feedback"
ADMIN_PROVIDER, USER_PROVIDER = "Admin", "User"
EVENT_NOT_FOUND = "Auth event not found."
BAD_FEEDBACK_TOKEN = "Invalid feedback token."


def feedback_token(svc: Services, event: AuthEventRecord) -> str:
    """The token that lets the user give feedback on ``event`` (UpdateAuthEventFeedback):
    a keyed hash of the pool, the user and the event, so nothing to store."""
    return _feedback_token(svc, event.pool_id, event.user_sub, event.event_id)


def _feedback_token(svc: Services, pool_id: str, user_sub: str, event_id: str) -> str:
    digest = svc.vault.digest(f"{pool_id}|{user_sub}|{event_id}", purpose=FEEDBACK_PURPOSE)
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def update_feedback(
    svc: Services,
    pool_id: str,
    username: str,
    event_id: str,
    value: str,
    *,
    token: str | None = None,
) -> None:
    """Record feedback on one of the user's events: the administrator's (``token`` None)
    or, with the event's feedback token, the user's."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    provider = ADMIN_PROVIDER
    if token is not None:
        expected = _feedback_token(svc, user.pool_id, user.sub, event_id)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise NotAuthorizedException(BAD_FEEDBACK_TOKEN)
        provider = USER_PROVIDER
    if not svc.store.set_auth_event_feedback(
        user.sub, event_id, value=value, provider=provider, at=svc.clock.now()
    ):
        raise ResourceNotFoundException(EVENT_NOT_FOUND)
