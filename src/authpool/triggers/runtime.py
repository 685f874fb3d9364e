"""The trigger runtime the server composes: resolves a pool's trigger target (mapping Lambda
ARNs through the server's table), checks it is one this server may run, and runs it under
the time limit. Implements :class:`authpool.domain.hooks.protocol.TriggerRuntime`."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from authpool.domain.hooks.protocol import HandlerError, Unavailable
from authpool.triggers.context import LambdaContext
from authpool.triggers.invokers import PythonInvoker, Slots, WebhookInvoker, webhook_budget
from authpool.triggers.targets import (
    PythonTarget,
    Target,
    TargetError,
    TargetMap,
    is_arn,
    lambda_arn,
    parse,
)

log = logging.getLogger("authpool.triggers")

DEFAULT_TIMEOUT = 5.0  # seconds, as Cognito waits for a Lambda trigger
DEFAULT_ATTEMPTS = 3  # as Cognito tries a Lambda trigger that does not answer
MAX_ATTEMPTS = 5
MIN_SECRET_LENGTH = 16
ANY_MODULE = "*"


@dataclass(frozen=True, kw_only=True)
class TriggerSettings:
    """How this server runs triggers.

    ``targets``: Lambda ARN (or function name, or ARN glob) → target, see
    :class:`~authpool.triggers.targets.TargetMap`. ``webhook_secret`` signs webhook
    requests (at least 16 characters; without it no webhook runs). ``python_modules``:
    the module prefixes a pool may name directly as ``python:…`` targets (``*``: any);
    targets the operator maps need no listing. ``timeout``: seconds a handler may take
    to answer. ``attempts``: how many times a webhook that gives no answer (no connection,
    no answer in time, a 5xx) is tried, as Cognito tries a Lambda function three times; the
    caller waits at most ``timeout`` × ``attempts`` in all (and short pauses between). A
    Python handler runs once.
    ``max_concurrency``: handlers running at once (overrunning ones included).
    """

    targets: Mapping[str, str] = field(default_factory=dict)
    webhook_secret: str | None = field(default=None, repr=False)
    python_modules: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    max_concurrency: int = 64
    region: str = "us-east-1"
    account_id: str = "000000000000"

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError("the trigger time limit must be positive")
        if not 1 <= self.attempts <= MAX_ATTEMPTS:
            raise ValueError(f"a trigger may be tried 1 to {MAX_ATTEMPTS} times")
        if self.webhook_secret is not None and len(self.webhook_secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the trigger webhook secret must be at least {MIN_SECRET_LENGTH} characters"
            )


@dataclass(frozen=True)
class _Resolved:
    target: Target
    arn: str | None  # the Lambda ARN it stands for, if any


class TriggerRunner:
    """Runs trigger targets for the domain (``Services.triggers``)."""

    def __init__(
        self,
        settings: TriggerSettings,
        *,
        now: Callable[[], datetime],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._map = TargetMap(settings.targets)  # raises TargetError for a bad entry
        self._python = PythonInvoker()
        self._webhook = WebhookInvoker(settings.webhook_secret, now=now, transport=transport)
        self._slots = Slots(settings.max_concurrency)

    def __repr__(self) -> str:
        return f"TriggerRunner({len(self._map)} mapped, timeout={self.settings.timeout}s)"

    def close(self) -> None:
        self._webhook.close()

    # checks ---------------------------------------------------------------------------------
    def problem(self, target: str) -> str | None:
        if is_arn(target):
            try:
                lambda_arn(target)
            except TargetError as exc:
                return str(exc)
            if self._map.resolve(target) is None:
                log.warning(
                    "no trigger target is mapped for %s: it fails until the server's trigger "
                    "map (AUTHPOOL_TRIGGER_MAP) names one",
                    target,
                )
            return None
        try:
            return self._direct_problem(parse(target))
        except TargetError as exc:
            return str(exc)

    def _direct_problem(self, target: Target) -> str | None:
        """Why a target a pool names itself (not through the operator's map) may not run."""
        if isinstance(target, PythonTarget):
            if not self._module_allowed(target.module):
                return (
                    f"module {target.module} is not one this server lets pools name "
                    "(AUTHPOOL_TRIGGER_PYTHON_MODULES)"
                )
            try:
                self._python.load(target)
            except TargetError as exc:
                return str(exc)
            return None
        if self.settings.webhook_secret is None:
            return "this server has no webhook secret (AUTHPOOL_TRIGGER_WEBHOOK_SECRET)"
        return None

    def _module_allowed(self, module: str) -> bool:
        return any(
            prefix == ANY_MODULE or module == prefix or module.startswith(prefix + ".")
            for prefix in self.settings.python_modules
        )

    # running --------------------------------------------------------------------------------
    def _resolve(self, target: str) -> _Resolved:
        if is_arn(target):
            mapped = self._map.resolve(target)
            if mapped is None:
                log.warning("trigger %s is not mapped to a target (AUTHPOOL_TRIGGER_MAP)", target)
                raise Unavailable("ResourceNotFoundException")
            return _Resolved(parse(mapped, any_http=True), target)
        try:
            parsed = parse(target)
        except TargetError as exc:
            raise Unavailable(f"InvalidParameterValueException ({exc})") from None
        problem = self._direct_problem(parsed)
        if problem is not None:
            log.warning("trigger target %s may not run: %s", target, problem)
            raise Unavailable("AccessDeniedException")
        return _Resolved(parsed, None)

    def invoke(self, target: str, event: dict[str, Any], *, trigger: str) -> Any:
        resolved = self._resolve(target)
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        limit = self.settings.timeout
        work: Callable[[], Any]
        if isinstance(resolved.target, PythonTarget):
            deadline = started + limit
            work = self._python_work(resolved, event, request_id, deadline)
        else:
            webhook, attempts = resolved.target, self.settings.attempts
            deadline = started + webhook_budget(limit, attempts)

            def work() -> Any:
                return self._webhook.call(
                    webhook,
                    event,
                    trigger=trigger,
                    request_id=request_id,
                    deadline=deadline,
                    attempt_timeout=limit,
                    attempts=attempts,
                )

        try:
            return self._slots.run(work, deadline=deadline, name=trigger)
        finally:
            log.debug(
                "%s (%s) ran for %.1f ms", trigger, target, (time.monotonic() - started) * 1000
            )

    def _python_work(
        self, resolved: _Resolved, event: dict[str, Any], request_id: str, deadline: float
    ) -> Callable[[], Any]:
        assert isinstance(resolved.target, PythonTarget)
        try:
            handler = self._python.load(resolved.target)
        except TargetError as exc:  # Lambda reports a broken package as a function error
            raise HandlerError(str(exc)) from None
        name = _function_name(resolved)
        context = LambdaContext(
            function_name=name,
            invoked_function_arn=resolved.arn
            or f"arn:aws:lambda:{self.settings.region}:{self.settings.account_id}:function:{name}",
            aws_request_id=request_id,
            deadline=deadline,
        )
        private_copy = json.loads(json.dumps(event))  # the handler may change it freely
        return lambda: self._python.call(handler, private_copy, context)


def _function_name(resolved: _Resolved) -> str:
    if resolved.arn is not None:
        return lambda_arn(resolved.arn)["name"]
    return resolved.target.name.replace(".", "-")
