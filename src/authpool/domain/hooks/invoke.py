"""Running a pool's trigger: which target a trigger has, the event's common part, and
Cognito's errors for every way an invocation can fail.

Events are Lambda's JSON shape (camelCase, as Cognito sends them); that shape is the
contract with handlers written for Cognito, not authpool's wire, so it is spelled out here.

Failures, as Cognito reports them:

=============================== ================================ ==============================
the handler…                    error                            message
=============================== ================================ ==============================
raised                          UserLambdaValidationException    ``PreSignUp failed with error
                                                                 <errorMessage>.``
did not answer in time          UnexpectedLambdaException        ``PreSignUp invocation failed
                                                                 due to error Socket timeout
                                                                 while invoking Lambda
                                                                 function.``
could not be invoked            UnexpectedLambdaException        ``… invocation failed due to
                                                                 error <reason>.``
answered with something not     InvalidLambdaResponseException   ``Invalid lambda function
JSON                                                             output : Invalid JSON``
answered JSON of the wrong      InvalidLambdaResponseException   ``Unrecognizable lambda
shape                                                            output``
=============================== ================================ ==============================
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from authpool.domain import audit, users
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidLambdaResponseException,
    UnexpectedLambdaException,
    UserLambdaValidationException,
)
from authpool.domain.hooks.config import LEGACY_TOKEN_KEY, TRIGGERS
from authpool.domain.hooks.protocol import BadAnswer, HandlerError, HandlerTimeout, Unavailable
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

log = logging.getLogger("authpool.triggers")

# What Cognito puts in callerContext when it cannot tell the SDK, and as the client id of
# operations no app client makes (AdminCreateUser, AdminConfirmSignUp, …).
SDK_VERSION = "aws-sdk-unknown-unknown"
# An AWS SDK names itself first in its user agent, as ``aws-sdk-<language>/<version>``
# (``aws-sdk-js/3.614.0 ua/2.0 os/linux…``, ``aws-sdk-iOS/2.9.3 iOS/12.1 en_US``,
# ``aws-sdk-dotnet-coreclr/3.3.109.18 …``); Cognito reports it lower-cased, its slash a dash
# (``aws-sdk-js-3.614.0``, ``aws-sdk-ios-2.9.3``). Other callers (boto3, the AWS CLI, Amplify
# JS v6, a browser) are ``aws-sdk-unknown-unknown``.
_SDK_AGENT = re.compile(
    r"(aws-sdk-[a-z0-9][a-z0-9.-]{0,40})/([A-Za-z0-9][A-Za-z0-9.+_-]{0,40})", re.I
)
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
UNRECOGNIZABLE = "Unrecognizable lambda output"
TIMED_OUT = "Socket timeout while invoking Lambda function"


def _lambda_config(pool: Pool) -> dict[str, Any]:
    config: dict[str, Any] = pool.config.get("lambda_config") or {}
    return config


def target_of(pool: Pool, name: str) -> str | None:
    """The target configured for trigger ``name`` on ``pool``, or ``None``."""
    trigger = TRIGGERS[name]
    config = _lambda_config(pool)
    value = config.get(trigger.key)
    if trigger.versioned:
        value = (value or {}).get("lambda_arn")
    if value is None and name == "PreTokenGeneration":
        value = config.get(LEGACY_TOKEN_KEY)
    return str(value) if value else None


def configured(pool: Pool, name: str) -> bool:
    return target_of(pool, name) is not None


def token_version(pool: Pool) -> str:
    """The PreTokenGeneration event version: ``1`` (V1_0, or the legacy setting), ``2`` or
    ``3``."""
    versioned = _lambda_config(pool).get("pre_token_generation_config") or {}
    return {"V2_0": "2", "V3_0": "3"}.get(str(versioned.get("lambda_version")), "1")


def sdk_version(user_agent: str | None) -> str:
    """callerContext.awsSdkVersion for a request that came with ``user_agent``: the AWS SDK
    it names, as Cognito reports it, else :data:`SDK_VERSION`."""
    for token in (user_agent or "").split()[:8]:
        match = _SDK_AGENT.fullmatch(token)
        if match is not None:
            return f"{match[1].lower()}-{match[2]}"
    return SDK_VERSION


def _caller_sdk() -> str:
    scope = audit.current()
    return sdk_version(scope.user_agent if scope else None)


def event(
    svc: Services,
    pool: Pool,
    *,
    source: str,
    user_name: str,
    client_id: str | None,
    request: dict[str, Any],
    response: dict[str, Any],
    version: str = "1",
) -> dict[str, Any]:
    """An event with Cognito's common parameters."""
    return {
        "version": version,
        "triggerSource": source,
        "region": svc.region,
        "userPoolId": pool.id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": _caller_sdk(), "clientId": client_id or NO_CLIENT},
        "request": request,
        "response": response,
    }


def with_metadata(
    request: dict[str, Any], key: str, metadata: Mapping[str, str] | None
) -> dict[str, Any]:
    """``request`` with ``metadata`` under ``key`` (clientMetadata, validationData) when the
    caller sent any; Cognito leaves the member out otherwise."""
    if metadata:
        request[key] = dict(metadata)
    return request


def user_attributes(pool: Pool, user: UserRecord) -> dict[str, str]:
    """A user's attributes as triggers see them: every attribute (``dev:`` ones too), the
    ``sub``, ``cognito:user_status`` and the ``cognito:<attribute>_alias`` entries of the
    sign-in aliases the user holds."""
    attrs = {"sub": user.sub, **user.attributes, "cognito:user_status": user.status}
    held = set(users.sign_in_aliases(pool, user.attributes, verified_only=True))
    for attribute in ("email", "phone_number"):
        value = user.attributes.get(attribute)
        if value and users.alias_key(pool, attribute, value) in held:
            attrs[f"cognito:{attribute}_alias"] = value
    return attrs


def call(svc: Services, pool: Pool, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run trigger ``name`` of ``pool`` (it must be configured) and return the ``response``
    object of its answer ({} when the answer leaves it null)."""
    target = target_of(pool, name)
    assert target is not None, f"{name} is not configured"
    try:
        answer = svc.triggers.invoke(target, payload, trigger=name)
    except HandlerError as exc:
        log.info("%s of pool %s raised: %s", name, pool.id, exc.message)
        raise UserLambdaValidationException(f"{name} failed with error {exc.message}.") from None
    except HandlerTimeout:
        log.warning("%s of pool %s (%s) timed out", name, pool.id, target)
        raise UnexpectedLambdaException(
            f"{name} invocation failed due to error {TIMED_OUT}."
        ) from None
    except Unavailable as exc:
        log.warning("%s of pool %s (%s) could not run: %s", name, pool.id, target, exc.reason)
        raise UnexpectedLambdaException(
            f"{name} invocation failed due to error {exc.reason}."
        ) from None
    except BadAnswer as exc:
        log.warning("%s of pool %s (%s) answered badly: %s", name, pool.id, target, exc.reason)
        raise InvalidLambdaResponseException(exc.reason) from None
    if not isinstance(answer, dict):
        raise unrecognizable(name, pool, "the answer is not an object")
    response = answer.get("response")
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise unrecognizable(name, pool, "response is not an object")
    return response


def unrecognizable(name: str, pool: Pool, why: str) -> InvalidLambdaResponseException:
    log.warning("%s of pool %s answered badly: %s", name, pool.id, why)
    return InvalidLambdaResponseException(UNRECOGNIZABLE)


# reading answers ------------------------------------------------------------------------------
# Cognito reads answers with Jackson's defaults, which take "true"/"True"/"TRUE" for a boolean
# and any scalar for a string; anything else is an unrecognizable answer.
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


def flag(response: Mapping[str, Any], key: str, *, name: str, pool: Pool) -> bool:
    value = response.get(key)
    if value is None or value is False or (isinstance(value, str) and value in _FALSE):
        return False
    if value is True or (isinstance(value, str) and value in _TRUE):
        return True
    raise unrecognizable(name, pool, f"{key} is not a boolean")


def text(response: Mapping[str, Any], key: str, *, name: str, pool: Pool) -> str | None:
    value = response.get(key)
    if value is None:
        return None
    return _scalar(value, key, name=name, pool=pool)


def _scalar(value: Any, key: str, *, name: str, pool: Pool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise unrecognizable(name, pool, f"{key} is not a string")


def string_map(
    response: Mapping[str, Any], key: str, *, name: str, pool: Pool
) -> dict[str, str] | None:
    value = response.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise unrecognizable(name, pool, f"{key} is not an object")
    return {
        str(k): _scalar(v, key, name=name, pool=pool) for k, v in value.items() if v is not None
    }


def string_list(value: Any, key: str, *, name: str, pool: Pool) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise unrecognizable(name, pool, f"{key} is not a list")
    return [_scalar(v, key, name=name, pool=pool) for v in value]
