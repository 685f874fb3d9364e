"""NEW_PASSWORD_REQUIRED: a user with a temporary password (AdminCreateUser, or
AdminSetUserPassword with Permanent false) signs in with it and must choose their own.

The temporary password is checked like any other (SRP or password flow) before this step;
past its validity (the pool's TemporaryPasswordValidityDays) it no longer signs in at all.
The challenge lists the user's attributes and the pool's required attributes the user still
lacks (``requiredAttributes``, as ``userAttributes.<name>``); the answer gives NEW_PASSWORD,
which must meet the pool's policy, and a value for each missing required attribute, and may
set other attributes the app client can write — but not overwrite a required attribute
that already has a value. The sign-in then goes on (MFA) as after any proven password.
"""

from __future__ import annotations

import json
from typing import Any

from authpool.domain import breached, credentials, passwords, users
from authpool.domain.errors import InvalidParameterException, NotAuthorizedException
from authpool.domain.flows import steps
from authpool.domain.flows.sign_in import NEXT_STEPS, SignIn, challenge, password_proven
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

CHALLENGE = "NEW_PASSWORD_REQUIRED"
PREFIX = "userAttributes."
EXPIRED = "User account has expired, it must be reset by an administrator."
NO_PASSWORD = "Invalid attributes given, new password should be given with key NEW_PASSWORD."


def _required(pool: Pool) -> list[str]:
    return [a["name"] for a in pool.schema if a.get("required") and a["name"] != "sub"]


def _missing(pool: Pool, attrs: dict[str, str]) -> list[str]:
    return [name for name in _required(pool) if not attrs.get(name)]


def next_step(ctx: SignIn, user: UserRecord) -> dict[str, Any] | None:
    if user.status != users.FORCE_CHANGE_PASSWORD:
        return None
    expires = user.temp_password_expires_at
    if expires is not None and expires <= ctx.svc.clock.now():
        raise NotAuthorizedException(EXPIRED)
    shown = {
        k: v for k, v in users.visible_attributes(ctx.pool, ctx.client, user).items() if k != "sub"
    }
    missing = [PREFIX + name for name in _missing(ctx.pool, user.attributes)]
    return steps.issue(
        ctx,
        user,
        CHALLENGE,
        {
            "requiredAttributes": json.dumps(missing, separators=(",", ":")),
            "userAttributes": json.dumps(shown, separators=(",", ":")),
        },
    )


NEXT_STEPS.insert(0, next_step)  # before every other step (MFA comes after it)


def _given_attributes(ctx: SignIn, user: UserRecord, responses: dict[str, str]) -> dict[str, str]:
    """The ``userAttributes.*`` answers, checked; the user's attributes with them merged."""
    given = {k[len(PREFIX) :]: v for k, v in responses.items() if k.startswith(PREFIX)}
    required = set(_required(ctx.pool))
    for name in given:
        if name in required and user.attributes.get(name):
            raise NotAuthorizedException(f"Cannot modify an already provided {name}")
    new = {k: v for k, v in given.items() if not user.attributes.get(k)}
    old = {k: v for k, v in given.items() if k not in new}
    checked = {
        **users.check_attributes(ctx.pool, ctx.client, new, creating=True),
        **users.check_attributes(ctx.pool, ctx.client, old, creating=False),
    }
    merged = {**user.attributes, **checked}
    for name in _missing(ctx.pool, merged):
        raise InvalidParameterException(f"Invalid attributes given, {name} is missing")
    return merged


@challenge(CHALLENGE)
def respond(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
    answer = steps.open_answer(ctx, responses, session, CHALLENGE)
    user = answer.user
    if user.status != users.FORCE_CHANGE_PASSWORD:
        raise NotAuthorizedException(steps.INVALID_FOR_USER)
    password = responses.get("NEW_PASSWORD")
    if not password:
        raise InvalidParameterException(NO_PASSWORD)
    passwords.check_policy(ctx.pool.password_policy, password)
    breached.check(ctx.svc, ctx.pool, password, event=breached.PASSWORD_CHANGE, user=user)
    attrs = _given_attributes(ctx, user, responses)
    before = set(users.sign_in_aliases(ctx.pool, user.attributes, verified_only=True))
    after = set(users.sign_in_aliases(ctx.pool, attrs, verified_only=True))
    credentials.refuse_reuse(ctx.svc, ctx.pool, user, password)  # before the session is spent
    steps.spend(ctx, answer)
    user = credentials.set_password(
        ctx.svc,
        ctx.pool,
        user,
        password,
        attributes=attrs,
        add_aliases=tuple(sorted(after - before)),
        remove_aliases=tuple(sorted(before - after)),
    )
    return password_proven(ctx, user)
