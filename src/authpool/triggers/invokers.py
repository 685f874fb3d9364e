"""The two ways authpool runs a trigger — a Python callable in the server process, an HTTP
webhook — and the time limit both run under.

Every invocation runs on a thread of its own and the caller waits for it at most until the
deadline. A handler that overruns cannot be stopped (Python has no way to kill a thread),
so it finishes in the background while still holding one of a fixed number of slots; when
every slot is held, further invocations are refused at once (``TooManyRequestsException``,
as Lambda throttles) instead of piling up threads.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx

from authpool.delivery.sms_webhook import (
    SIGNATURE_HEADER,
    SIGNATURE_VERSION,
    TIMESTAMP_HEADER,
    sign,
)
from authpool.domain.hooks.protocol import (
    BadAnswer,
    HandlerError,
    HandlerTimeout,
    TriggerFailure,
    Unavailable,
)
from authpool.triggers.context import LambdaContext
from authpool.triggers.targets import PythonTarget, TargetError, WebhookTarget

log = logging.getLogger("authpool.triggers")

T = TypeVar("T")
TRIGGER_HEADER = "X-Authpool-Trigger"
REQUEST_ID_HEADER = "X-Authpool-Request-Id"
DEADLINE_HEADER = "X-Authpool-Deadline-Ms"  # Unix milliseconds, as Lambda-Runtime-Deadline-Ms
MAX_ANSWER_BYTES = 1 << 20
ATTEMPTS = 3  # Cognito tries a trigger three times before it gives up
RETRY_PAUSE = 0.1  # seconds before a second attempt (twice that before a third)
_NOT_JSON = object()


class Slots:
    """A fixed number of concurrently running handlers."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("at least one trigger slot is needed")
        self._semaphore = threading.BoundedSemaphore(size)

    def run(self, work: Callable[[], T], *, deadline: float, name: str) -> T:
        """``work()`` on its own thread; :class:`HandlerTimeout` if it is not done by
        ``deadline`` (a ``time.monotonic()`` value). Exceptions of ``work`` propagate."""
        if not self._semaphore.acquire(blocking=False):
            raise Unavailable("TooManyRequestsException")
        outcome: list[tuple[bool, Any]] = []
        done = threading.Event()

        def body() -> None:
            try:
                outcome.append((True, work()))
            except BaseException as exc:  # handed to the waiting caller
                outcome.append((False, exc))
            finally:
                self._semaphore.release()
                done.set()

        threading.Thread(target=body, name=f"trigger:{name}", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise HandlerTimeout()
        ok, value = outcome[0]
        if not ok:
            raise value
        result: T = value
        return result


def as_json(value: Any) -> Any:
    """``value`` as it would come back from Lambda: serialised to JSON and read again."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        raise BadAnswer() from None


# Python callables ------------------------------------------------------------------------------
class PythonInvoker:
    """Imports handlers (once) and calls them as Lambda's Python runtime does."""

    def __init__(self) -> None:
        self._loaded: dict[PythonTarget, Callable[..., Any]] = {}
        self._lock = threading.Lock()

    def load(self, target: PythonTarget) -> Callable[..., Any]:
        """The handler ``target`` names, or :class:`TargetError`."""
        handler = self._loaded.get(target)
        if handler is not None:
            return handler
        try:
            found: Any = importlib.import_module(target.module)
        except Exception as exc:  # the module's own import may fail any way
            raise TargetError(f"Unable to import module '{target.module}': {exc}") from None
        for part in target.attribute.split("."):
            found = getattr(found, part, None)
        if not callable(found):
            raise TargetError(f"Handler '{target.attribute}' missing on module '{target.module}'")
        loaded: Callable[..., Any] = found
        with self._lock:
            self._loaded[target] = loaded
        return loaded

    @staticmethod
    def call(handler: Callable[..., Any], event: dict[str, Any], context: LambdaContext) -> Any:
        """Run ``handler(event, context)`` (an ``async def`` handler too) on this thread."""
        try:
            value = handler(event, context)
            if inspect.isawaitable(value):
                value = asyncio.run(_awaited(value))
        except Exception as exc:
            raise HandlerError(str(exc)) from exc
        except BaseException as exc:  # SystemExit and the like end a Lambda runtime
            raise Unavailable(f"Runtime.ExitError ({type(exc).__name__})") from exc
        return as_json(value)


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


# webhooks ---------------------------------------------------------------------------------------
class WebhookInvoker:
    """POSTs the event as JSON, signed like authpool's SMS webhook (``X-Authpool-Timestamp``
    and ``X-Authpool-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>``)."""

    def __init__(
        self,
        secret: str | None,
        *,
        now: Callable[[], datetime],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._secret = secret
        self._now = now
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": "authpool-trigger/1"},
        )

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        target: WebhookTarget,
        event: dict[str, Any],
        *,
        trigger: str,
        request_id: str,
        deadline: float,
        attempt_timeout: float | None = None,
        attempts: int = ATTEMPTS,
    ) -> Any:
        """Post ``event`` to ``target`` and return the decoded answer.

        As Cognito retries a Lambda trigger, an attempt that fails for want of an answer —
        no connection, no answer within ``attempt_timeout`` seconds, a 5xx status without
        Lambda's error shape — is made again, up to ``attempts`` in all and never past
        ``deadline``; the last failure is the one reported. A handler's own refusal
        (``{"errorMessage": …}``), any 4xx and an answer that is not JSON are final.
        """
        if self._secret is None:
            raise Unavailable("AccessDeniedException (no webhook secret configured)")
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        pause = threading.Event()
        failure: TriggerFailure = HandlerTimeout()
        for attempt in range(1, max(1, attempts) + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            limit = remaining if attempt_timeout is None else min(attempt_timeout, remaining)
            try:
                return self._post(target, body, trigger, request_id, limit)
            except _Retryable as exc:
                failure = exc.failure
                log.warning("%s webhook attempt %d of %d failed: %s %s", trigger, attempt,
                            attempts, type(failure).__name__, failure)  # fmt: skip
            pause.wait(min(RETRY_PAUSE * attempt, max(0.0, deadline - time.monotonic())))
        raise failure

    def _post(
        self, target: WebhookTarget, body: bytes, trigger: str, request_id: str, remaining: float
    ) -> Any:
        assert self._secret is not None
        now = self._now().timestamp()
        timestamp = str(int(now))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={sign(self._secret, timestamp, body)}",
            TRIGGER_HEADER: trigger,
            REQUEST_ID_HEADER: request_id,
            DEADLINE_HEADER: str(int((now + remaining) * 1000)),
        }
        try:
            with self._client.stream(
                "POST", target.url, content=body, headers=headers, timeout=remaining
            ) as response:
                raw = _read_bounded(response)
                status = response.status_code
        except httpx.TimeoutException:
            raise _Retryable(HandlerTimeout()) from None
        except httpx.TransportError as exc:  # refused, reset, broken mid-answer
            raise _Retryable(Unavailable(f"ConnectionError ({type(exc).__name__})")) from None
        except httpx.HTTPError as exc:
            raise Unavailable(type(exc).__name__) from None
        return _answer(status, raw)


def webhook_budget(attempt_timeout: float, attempts: int) -> float:
    """The longest a webhook invocation may take: every attempt its full time limit, and
    the pauses between them."""
    return attempt_timeout * attempts + RETRY_PAUSE * attempts * (attempts - 1) / 2


class _Retryable(Exception):
    """An attempt that got no answer worth keeping; ``failure`` is what to report if it
    was the last."""

    def __init__(self, failure: TriggerFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _read_bounded(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise BadAnswer("Invalid lambda function output : answer too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, raw: bytes) -> Any:
    """A 2xx answer is the handler's result; any other with Lambda's error shape
    (``{"errorMessage": …}``) is the handler's error; the rest is an invocation failure."""
    try:
        decoded = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        decoded = _NOT_JSON
    if 200 <= status < 300:
        if decoded is _NOT_JSON:
            raise BadAnswer()
        return decoded
    if isinstance(decoded, dict) and isinstance(decoded.get("errorMessage"), str):
        raise HandlerError(decoded["errorMessage"])
    if status >= 500:
        raise _Retryable(Unavailable(f"HTTP {status}"))
    raise Unavailable(f"HTTP {status}")
