"""The trigger runtime the domain expects, and the ways a trigger can fail.

:mod:`authpool.triggers` implements :class:`TriggerRuntime`; the domain only knows this
module (import-linter keeps it so). A runtime reports a failed invocation with one of the
:class:`TriggerFailure` subclasses; :mod:`authpool.domain.hooks.invoke` turns each into the
error Cognito answers with.

This module imports nothing of ours.
"""

from __future__ import annotations

from typing import Any, Protocol


class TriggerFailure(Exception):
    """An invocation that did not produce an answer."""


class HandlerError(TriggerFailure):
    """The handler ran and raised (a Lambda *function error*); ``message`` is what Lambda
    would report as ``errorMessage``. Cognito: UserLambdaValidationException."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HandlerTimeout(TriggerFailure):
    """The handler did not answer within the time limit. Cognito: UnexpectedLambdaException."""


class Unavailable(TriggerFailure):
    """The handler could not be invoked at all (no such function, unreachable, refused,
    throttled). ``reason`` names the cause the way Lambda names its service errors.
    Cognito: UnexpectedLambdaException."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadAnswer(TriggerFailure):
    """The handler answered with something that is not JSON. Cognito:
    InvalidLambdaResponseException."""

    def __init__(self, reason: str = "Invalid lambda function output : Invalid JSON") -> None:
        super().__init__(reason)
        self.reason = reason


class TriggerRuntime(Protocol):
    """Runs trigger targets: a Lambda ARN (mapped by the server's configuration) or a target
    authpool runs itself (``python:package.module:function``, an ``https://`` webhook)."""

    def problem(self, target: str) -> str | None:
        """Why ``target`` cannot be configured on a pool, or ``None`` if it can."""
        ...

    def invoke(self, target: str, event: dict[str, Any], *, trigger: str) -> Any:
        """Run ``target`` with ``event`` and return its answer (decoded JSON), or raise a
        :class:`TriggerFailure`. ``trigger`` is the trigger's name (``PreSignUp``…)."""
        ...


class NoTriggers:
    """The runtime of a server composed without one: Lambda ARNs may be stored (as Cognito
    stores them) but nothing can run."""

    def problem(self, target: str) -> str | None:
        if target.startswith("arn:"):
            return None
        return "this server runs no trigger targets"

    def invoke(self, target: str, event: dict[str, Any], *, trigger: str) -> Any:
        raise Unavailable("ResourceNotFoundException")
