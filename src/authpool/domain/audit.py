"""Audit events: one structured JSON line per security event, on the ``authpool.audit`` logger.

A line names what happened and to whom — the event, its outcome, the request id, the
operation, the pool, the user's ``sub``, the app client, the caller's IP address, and for a
signed admin call its access key id — and never a secret: :func:`emit` takes only the fields
of :data:`FIELDS` and :data:`DETAILS`, each a short string, number or boolean, so a password,
code, token or session has nowhere to go.

The wire layer opens a :func:`scope` around each request (request id, operation, address,
client, pool); the domain fills in the user once it knows them (:func:`saw_user`), and every
event emitted inside the scope carries them. The wire layer writes one line per operation when
it ends (``event`` = the operation name); the domain adds lines of its own for what the
operation alone does not tell: ``SignIn`` results, ``Lockout`` and ``LockedOut``, a breached
password seen (``CompromisedPassword``), key rotations.

Events also go to the user's sign-in history where Cognito keeps one
(:mod:`.auth_events`, AdminListUserAuthEvents).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from authpool.domain.records import UserRecord

log = logging.getLogger("authpool.audit")

SUCCESS = "success"
FAILURE = "failure"
REFUSED = "refused"

# What a line may say besides the event and its outcome.
FIELDS = (
    "request_id",
    "operation",
    "pool_id",
    "user_sub",
    "client_id",
    "ip",
    "access_key_id",
)
# Details an event may add: names of things, counts, durations — never values a user typed.
DETAILS = frozenset(
    {
        "error",
        "factor",
        "failures",
        "locked_seconds",
        "flow",
        "challenge",
        "action",
        "kid",
        "columns",
        "rows",
        "key_id",
    }
)
MAX_DETAIL = 128


@dataclass
class Scope:
    """What one request has told the audit trail so far."""

    request_id: str | None = None
    operation: str | None = None
    ip: str | None = None
    client_id: str | None = None
    pool_id: str | None = None
    access_key_id: str | None = None
    user_sub: str | None = None
    # What the caller's software calls itself (the request's X-Amz-User-Agent, else its
    # User-Agent): not an audit field, but what triggers report as callerContext.awsSdkVersion.
    user_agent: str | None = None


_SCOPE: ContextVar[Scope | None] = ContextVar("authpool_audit_scope", default=None)


@contextmanager
def scope(
    *,
    request_id: str | None = None,
    operation: str | None = None,
    ip: str | None = None,
    client_id: str | None = None,
    pool_id: str | None = None,
    access_key_id: str | None = None,
    user_agent: str | None = None,
) -> Iterator[Scope]:
    """Open the audit scope of one request."""
    current = Scope(request_id, operation, ip, client_id, pool_id, access_key_id)
    current.user_agent = user_agent
    token = _SCOPE.set(current)
    try:
        yield current
    finally:
        _SCOPE.reset(token)


def current() -> Scope | None:
    return _SCOPE.get()


def saw_user(user: UserRecord | None) -> None:
    """The request is about ``user`` (the first user it names counts)."""
    now = _SCOPE.get()
    if now is None or user is None or now.user_sub is not None:
        return
    now.user_sub = user.sub
    now.pool_id = now.pool_id or user.pool_id


def _clean(value: object) -> str | int | float | None:
    if value is None or isinstance(value, int | float):  # bool is an int
        return value
    return str(value)[:MAX_DETAIL]


def emit(
    event: str,
    outcome: str,
    *,
    user: UserRecord | None = None,
    **fields: object,
) -> dict[str, object]:
    """Write one audit line; returns what was written. Fields the scope knows need not be
    given; unknown keyword names are a programming error (they might carry a secret)."""
    unknown = set(fields) - set(FIELDS) - DETAILS
    if unknown:
        raise TypeError(f"not an audit field: {sorted(unknown)}")
    now = _SCOPE.get() or Scope()
    line: dict[str, object] = {"event": event, "outcome": outcome}
    for name in FIELDS:
        line[name] = _clean(fields.get(name) or getattr(now, name))
    if user is not None:
        line["user_sub"], line["pool_id"] = user.sub, user.pool_id
    for name in sorted(DETAILS & set(fields)):
        line[name] = _clean(fields[name])
    log.info(json.dumps(line, separators=(",", ":"), sort_keys=True))
    return line
