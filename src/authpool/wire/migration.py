"""``POST /_authpool/pool-migration``: authpool's own operation (not a Cognito one) for the
settings Cognito fixes at creation; see :mod:`authpool.domain.pool_migration`.

It is signed like an admin call (SigV4 with an authpool access key; unsigned only in
development mode). The JSON body::

    {"UserPoolId": "...", "UsernameAttributes": [...], "AliasAttributes": [...],
     "CaseSensitive": true, "RequiredAttributes": [...],
     "Remedies": {"missing-attribute": "disable", ...}, "DryRun": true}

Absent settings stay as they are. The answer is the plan (``Settings``, ``UsersChecked``,
``Problems``) and whether it was ``Applied``; a refused change is an
``InvalidParameterException`` in the usual error envelope.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from authpool.domain import pool_migration
from authpool.domain.context import Services
from authpool.domain.errors import CognitoError, InvalidParameterException
from authpool.wire import sigv4
from authpool.wire.threads import in_thread

Verify = Callable[[Request, bytes], str]
ErrorResponse = Callable[..., Response]


def _strings(body: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameterException(f"{key} must be a list of strings.")
    return tuple(value)


def _change(body: dict[str, Any]) -> pool_migration.Change:
    case = body.get("CaseSensitive")
    if case is not None and not isinstance(case, bool):
        raise InvalidParameterException("CaseSensitive must be a boolean.")
    return pool_migration.Change(
        username_attributes=_strings(body, "UsernameAttributes"),
        alias_attributes=_strings(body, "AliasAttributes"),
        case_sensitive=case,
        required_attributes=_strings(body, "RequiredAttributes"),
    )


def run(svc: Services, body: Any) -> dict[str, Any]:
    """Plan (``DryRun``) or apply one change; the answer's members in PascalCase."""
    if not isinstance(body, dict) or not isinstance(body.get("UserPoolId"), str):
        raise InvalidParameterException("UserPoolId is required.")
    remedies = body.get("Remedies") or {}
    if not isinstance(remedies, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in remedies.items()
    ):
        raise InvalidParameterException("Remedies must map problem kinds to remedies.")
    chosen = pool_migration.parse_remedies(remedies)
    pool_id, change = body["UserPoolId"], _change(body)
    dry = bool(body.get("DryRun", False))
    step = pool_migration.plan if dry else pool_migration.apply
    done = step(svc, pool_id, change, chosen).to_dict()
    return {
        "UserPoolId": done["pool_id"],
        "Settings": done["settings"],
        "UsersChecked": done["users_checked"],
        "Problems": [
            {
                "Kind": p["kind"],
                "Detail": p["detail"],
                "Usernames": p["usernames"],
                "Remedy": p["remedy"],
            }
            for p in done["problems"]
        ],
        "Applied": not dry,
    }


def endpoint(
    svc: Services, *, dev: bool, verify: Verify, error_response: ErrorResponse
) -> Callable[[Request], Awaitable[Response]]:
    async def pool_migration_endpoint(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        body = await request.body()
        if not dev:
            try:
                await in_thread(verify, request, body)
            except sigv4.SigV4Error as exc:
                return error_response(
                    exc.error_type, exc.message, exc.status, request_id=request_id
                )
        try:
            payload = json.loads(body or b"{}")
        except (ValueError, RecursionError):  # nesting too deep is not JSON to us either
            return error_response(
                "InvalidParameterException",
                "The request body is not valid JSON.",
                request_id=request_id,
            )
        try:
            result = await in_thread(run, svc, payload)
        except CognitoError as exc:
            return error_response(exc.code, exc.message, exc.status, request_id=request_id)
        return JSONResponse(result, headers={"x-amzn-RequestId": request_id})

    return pool_migration_endpoint
