"""What runs around every operation: the bounded read of the request body, the audit scope
and the one audit line per operation, and the rate limits.

The audit line (:mod:`authpool.domain.audit`) is written for every signed (admin) operation
and every public one except the plain reads in :data:`NOT_AUDITED`, with the outcome:
``success``, or ``failure`` and the error's name.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request as HttpRequest

from authpool.domain import audit, auth_events, ratelimit
from authpool.domain.errors import CognitoError
from authpool.wire.protocol import Call, Operation
from authpool.wire.ratelimit import request_of

NOT_AUDITED = frozenset({"GetUser", "GetDevice", "ListDevices", "GetUserAuthFactors"})
# Operations that also enter the user's history (AdminListUserAuthEvents), as Cognito's
# event types name them; sign-ins and sign-ups record their own events (with their writes).
HISTORY = {
    "ChangePassword": "PasswordChange",
    "ForgotPassword": "ForgotPassword",
    "ConfirmForgotPassword": "ForgotPassword",
    "ResendConfirmationCode": "ResendCode",
}


async def read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to be longer than ``limit`` bytes
    (a declared Content-Length over the limit is refused before anything is read)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def run(call: Call, op: Operation, limiter: ratelimit.Limiter) -> dict[str, Any] | None:
    """Run ``op`` for ``call`` inside its audit scope, once the rate limits let it."""
    params = call.params
    audited = op.signed or op.name not in NOT_AUDITED
    with audit.scope(
        request_id=call.request_id,
        operation=op.name,
        ip=call.source_ip,
        client_id=_text(params.get("client_id")),
        pool_id=_text(params.get("user_pool_id")),
        access_key_id=call.access_key_id,
        user_agent=call.headers.get("x-amz-user-agent") or call.user_agent,
    ):
        try:
            counted = request_of(op.name, params, ip=call.source_ip, signed=op.signed)
            limiter.check(call.svc, counted)
            result = op.handler(call)
        except CognitoError as exc:
            if audited:
                audit.emit(op.name, audit.FAILURE, error=exc.code)
            _history(call, op.name, auth_events.FAIL)
            raise
        except Exception:
            if audited:
                audit.emit(op.name, audit.FAILURE, error="InternalErrorException")
            raise
        if audited:
            audit.emit(op.name, audit.SUCCESS)
        _history(call, op.name, auth_events.PASS)
        return result


def _history(call: Call, operation: str, response: str) -> None:
    """Add the event of ``operation`` to the history of the user it acted on, if known."""
    event = HISTORY.get(operation)
    scope = audit.current()
    if event is None or scope is None:
        return
    sub = scope.user_sub
    if sub is None:
        return
    user = call.svc.store.get_user_by_sub(sub)
    if user is None:
        return
    auth_events.record(
        call.svc,
        user,
        event_type=event,
        response=response,
        challenges=(),
        client_id=scope.client_id,
        origin=auth_events.Origin(call.source_ip, call.user_agent),
    )
