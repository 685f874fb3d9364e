"""The Cognito JSON protocol as a client speaks it: one unsigned ``POST /`` per call.

Flows never touch HTTP: they yield :class:`Request` values (an operation name and its JSON
body) and receive the decoded response body, or have the service's error thrown into them.
:func:`encode` and :func:`from_http` are the two halves a driver needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from authpool import __version__
from authpool.client.errors import AuthException, AuthServiceException, service_error

__all__ = [
    "JSON_TYPE",
    "OPERATIONS",
    "TARGET_PREFIX",
    "Request",
    "encode",
    "from_http",
]

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
JSON_TYPE = "application/x-amz-json-1.1"
USER_AGENT = f"authpool-client/{__version__}"

OPERATIONS = frozenset(
    {
        "AssociateSoftwareToken",
        "ChangePassword",
        "ConfirmDevice",
        "ConfirmForgotPassword",
        "ConfirmSignUp",
        "DeleteUser",
        "DeleteUserAttributes",
        "ForgetDevice",
        "ForgotPassword",
        "GetTokensFromRefreshToken",
        "GetUser",
        "GetUserAttributeVerificationCode",
        "GlobalSignOut",
        "InitiateAuth",
        "ListDevices",
        "ResendConfirmationCode",
        "RespondToAuthChallenge",
        "RevokeToken",
        "SetUserMFAPreference",
        "SignUp",
        "UpdateDeviceStatus",
        "UpdateUserAttributes",
        "VerifySoftwareToken",
        "VerifyUserAttribute",
    }
)
"""Every operation the client calls: all of them public (no AWS credentials needed)."""


def _prune(value: Any) -> Any:
    """Drop ``None`` members, as the AWS SDKs leave unset members out of the body."""
    if isinstance(value, Mapping):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_prune(v) for v in value]
    return value


@dataclass(frozen=True)
class Request:
    """One call a flow wants made."""

    operation: str
    body: Mapping[str, Any]

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"the client does not call {self.operation}")
        object.__setattr__(self, "body", _prune(self.body))

    def __repr__(self) -> str:  # bodies hold passwords and tokens
        return f"Request({self.operation!r})"


def encode(request: Request) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the ``POST`` that makes ``request``."""
    headers = {
        "Content-Type": JSON_TYPE,
        "X-Amz-Target": TARGET_PREFIX + request.operation,
        "X-Amz-User-Agent": USER_AGENT,
        "Cache-Control": "no-store",
    }
    return json.dumps(request.body, separators=(",", ":")).encode(), headers


def _error_name(response: httpx.Response, body: Mapping[str, Any]) -> str:
    # As the AWS SDKs read it: the header first, then __type or code; both may carry a
    # namespace ("aws.cognito#NotAuthorizedException") or a suffix (":http://…").
    raw = response.headers.get("x-amzn-ErrorType") or body.get("__type") or body.get("code")
    name = str(raw or "")
    name = name.split(":", 1)[0]
    name = name.rsplit("#", 1)[-1]
    return name or ("InternalErrorException" if response.status_code >= 500 else "UnknownError")


def from_http(response: httpx.Response) -> dict[str, Any]:
    """The decoded body of a successful answer; the service's error, raised, otherwise."""
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        body = None
    if response.is_success:
        if not isinstance(body, dict):
            raise AuthException(
                f"The endpoint answered {response.status_code} without a JSON object;"
                " is it a Cognito-compatible endpoint?"
            )
        return body
    fields: Mapping[str, Any] = body if isinstance(body, dict) else {}
    if not fields and not response.headers.get("x-amzn-ErrorType"):
        raise AuthServiceException(
            f"The endpoint answered HTTP {response.status_code} without a Cognito error;"
            " is it a Cognito-compatible endpoint?",
            name="UnknownError",
            status_code=response.status_code,
        )
    message = (
        fields.get("message")
        or fields.get("Message")
        or response.headers.get("x-amzn-ErrorMessage")
        or "The service refused the request."
    )
    raise service_error(
        _error_name(response, fields),
        str(message),
        status_code=response.status_code,
        request_id=response.headers.get("x-amzn-RequestId"),
    )
