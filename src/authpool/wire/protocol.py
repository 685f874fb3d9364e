"""The operation table: ``X-Amz-Target`` names to handlers, and who may call each.

A handler takes a :class:`Call` (the domain services and the request already validated and
converted to snake_case) and returns the snake_case result; :mod:`authpool.wire.app` renders
it through the model. Handlers register with :func:`operation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authpool.domain.context import Services
from authpool.wire import model

TARGET_PREFIX = "AWSCognitoIdentityProviderService."


@dataclass(frozen=True)
class Call:
    svc: Services
    operation: str
    params: dict[str, Any]
    request_id: str
    source_ip: str | None = None
    user_agent: str | None = None
    access_key_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Call], dict[str, Any] | None]


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Handler
    signed: bool


OPERATIONS: dict[str, Operation] = {}


def is_signed(name: str) -> bool:
    """Whether AWS reserves ``name`` for IAM (SigV4-signed) callers: the model marks the
    operations it lets anyone call with ``authtype: none``."""
    return bool(model.operation_model(name).auth_type != "none")


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name not in model.operation_names():
            raise ValueError(f"{name} is not a Cognito operation")
        if name in OPERATIONS:
            raise ValueError(f"{name} registered twice")
        OPERATIONS[name] = Operation(name, handler, is_signed(name))
        return handler

    return register
