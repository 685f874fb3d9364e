"""When a call is sent again, and after how long: the retry rules of Amplify JS v6 (its core
retry middleware, as its Cognito client uses it), in Python.

A call is tried at most ``max_attempts`` times (3) in all. It is tried again when it could not
reach the service (a :class:`~authpool.client.errors.NetworkException`), when the service
throttled it (HTTP 429, or a throttling error such as ``TooManyRequestsException`` or
``LimitExceededException``) and when the service failed (HTTP 500, 502, 503 or 504, or a
timeout error). Any other error, a 4xx above all, is the answer. Before try ``n + 1`` the
client waits ``2**n * 0.1`` seconds plus up to 0.1 seconds of jitter, at most five minutes.

Amplify retries the same way whatever the operation. A call the service carried out before
its answer was lost can then fail on the second try (a used sign-in session, a name already
signed up): that error is what the caller sees, as with Amplify.

The randomness is an argument (``uniform``), and the drivers take the function they wait
with, so tests neither sleep nor guess.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from authpool.client.errors import AuthServiceException, NetworkException

__all__ = ["NO_RETRY", "SERVER_ERROR_STATUSES", "THROTTLING_ERRORS", "RetryPolicy"]

THROTTLING_ERRORS = frozenset(
    {
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "LimitExceededException",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
    }
)
"""Error names that mean "slow down" (Amplify's list, from the AWS SDK for JavaScript)."""

TIMEOUT_ERRORS = frozenset({"TimeoutError", "RequestTimeout", "RequestTimeoutException"})
SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})
THROTTLED_STATUS = 429


def _uniform() -> float:
    """A float in [0, 1) from the system's source of randomness."""
    return secrets.randbits(53) / (1 << 53)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times a call is tried and how long the client waits in between; the defaults
    are Amplify's. ``RetryPolicy(max_attempts=1)`` (:data:`NO_RETRY`) tries once."""

    max_attempts: int = 3
    base_delay: float = 0.1  # seconds, doubled at each try
    jitter: float = 0.1  # seconds at most, added at random
    max_delay: float = 300.0
    uniform: Callable[[], float] = _uniform

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.jitter, self.max_delay) < 0:
            raise ValueError("delays cannot be negative")

    def retryable(self, error: BaseException) -> bool:
        """Whether a call that failed with ``error`` is worth sending again."""
        if isinstance(error, NetworkException):
            return not isinstance(error.underlying, httpx.UnsupportedProtocol)
        if isinstance(error, AuthServiceException):
            status = error.status_code
            return (
                status == THROTTLED_STATUS
                or status in SERVER_ERROR_STATUSES
                or error.name in THROTTLING_ERRORS
                or error.name in TIMEOUT_ERRORS
            )
        return False

    def should_retry(self, error: BaseException, attempts: int) -> bool:
        """Whether to try again after ``attempts`` tries, the last failing with ``error``."""
        return attempts < self.max_attempts and self.retryable(error)

    def delay(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` tries (1 after the first) before the next."""
        return min(2.0**attempts * self.base_delay + self.jitter * self.uniform(), self.max_delay)


NO_RETRY = RetryPolicy(max_attempts=1)
