"""DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse: the three
triggers that drive CUSTOM_AUTH (:mod:`authpool.domain.flows.custom_auth` runs the loop).

Each request carries the user's attributes (none for a user that does not exist), the
``session`` so far — one ``{challengeName, challengeResult, challengeMetadata}`` per
challenge answered, oldest first — ``clientMetadata`` from RespondToAuthChallenge, and,
when the app client prevents user existence errors, ``userNotFound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.hooks.invoke import (
    call,
    event,
    flag,
    string_map,
    text,
    user_attributes,
    with_metadata,
)
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

SOURCE = "{}_Authentication"
Entry = dict[str, Any]


def entry(challenge: str, result: bool, metadata: str | None = None) -> Entry:
    """One element of the ``session`` the triggers see."""
    return {"challengeName": challenge, "challengeResult": result, "challengeMetadata": metadata}


@dataclass(frozen=True)
class Who:
    """The user a custom sign-in is for: the record, or (PreventUserExistenceErrors) only
    the name that was given."""

    user: UserRecord | None
    name: str

    @property
    def username(self) -> str:
        return self.user.username if self.user is not None else self.name


@dataclass(frozen=True)
class Next:
    """DefineAuthChallenge's answer."""

    challenge: str | None
    issue_tokens: bool
    fail: bool


@dataclass(frozen=True)
class Created:
    """CreateAuthChallenge's answer."""

    public: dict[str, str] = field(default_factory=dict)
    private: dict[str, str] = field(default_factory=dict)
    metadata: str | None = None


def _request(
    pool: Pool,
    client: Client,
    who: Who,
    extra: dict[str, Any],
    client_metadata: Mapping[str, str] | None,
) -> dict[str, Any]:
    request = {"userAttributes": user_attributes(pool, who.user) if who.user else {}, **extra}
    with_metadata(request, "clientMetadata", client_metadata)
    if client.prevent_user_existence_errors:
        request["userNotFound"] = who.user is None
    return request


def _run(
    svc: Services,
    pool: Pool,
    client: Client,
    who: Who,
    name: str,
    request: dict[str, Any],
    response: dict[str, Any],
) -> dict[str, Any]:
    return call(
        svc,
        pool,
        name,
        event(
            svc,
            pool,
            source=SOURCE.format(name),
            user_name=who.username,
            client_id=client.id,
            request=request,
            response=response,
        ),
    )


def define(
    svc: Services,
    pool: Pool,
    client: Client,
    who: Who,
    *,
    session: list[Entry],
    client_metadata: Mapping[str, str] | None,
) -> Next:
    name = "DefineAuthChallenge"
    request = _request(pool, client, who, {"session": session}, client_metadata)
    response = _run(
        svc,
        pool,
        client,
        who,
        name,
        request,
        {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    )
    return Next(
        challenge=text(response, "challengeName", name=name, pool=pool),
        issue_tokens=flag(response, "issueTokens", name=name, pool=pool),
        fail=flag(response, "failAuthentication", name=name, pool=pool),
    )


def create(
    svc: Services,
    pool: Pool,
    client: Client,
    who: Who,
    *,
    challenge: str,
    session: list[Entry],
    client_metadata: Mapping[str, str] | None,
) -> Created:
    name = "CreateAuthChallenge"
    extra = {"challengeName": challenge, "session": session}
    request = _request(pool, client, who, extra, client_metadata)
    empty = ("publicChallengeParameters", "privateChallengeParameters", "challengeMetadata")
    response = _run(svc, pool, client, who, name, request, dict.fromkeys(empty))
    return Created(
        public=string_map(response, "publicChallengeParameters", name=name, pool=pool) or {},
        private=string_map(response, "privateChallengeParameters", name=name, pool=pool) or {},
        metadata=text(response, "challengeMetadata", name=name, pool=pool),
    )


def verify(
    svc: Services,
    pool: Pool,
    client: Client,
    who: Who,
    *,
    private: Mapping[str, str],
    answer: str,
    client_metadata: Mapping[str, str] | None,
) -> bool:
    name = "VerifyAuthChallengeResponse"
    extra = {"privateChallengeParameters": dict(private), "challengeAnswer": answer}
    request = _request(pool, client, who, extra, client_metadata)
    response = _run(svc, pool, client, who, name, request, {"answerCorrect": None})
    return flag(response, "answerCorrect", name=name, pool=pool)
