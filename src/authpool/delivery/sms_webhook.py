"""SMS delivery through an HTTP webhook: authpool POSTs each text message to a gateway
you run (Twilio, Vonage, an SNS relay, a modem), signed so the gateway can tell that
authpool sent it.

The request
-----------
``POST <url>`` with ``Content-Type: application/json`` and a compact UTF-8 JSON object
(one line; wrapped here)::

    {"pool_id":"us-east-1_AbCdEf123","username":"alice","destination":"+14155550123",
    "purpose":"SIGN_UP","body":"Your verification code is 123456. "}

``destination`` is E.164; ``body`` is the finished text to send as is. The one-time
code is deliberately not a separate field: the gateway needs only the text, and every
extra copy of a code is one more place it can leak from (gateway logs, error trackers).
Unknown fields may be added later; ignore them.

The signature
-------------
Two headers::

    X-Authpool-Timestamp: 1767225600
    X-Authpool-Signature: v1=86d25172719ea3284a2b773fbc5510ae4eb7fe8478e142baf62897981eaf4888

The timestamp is Unix seconds. The signature is
``hex(HMAC-SHA256(key=secret as UTF-8, msg=timestamp + "." + raw request body))``,
computed over the exact bytes received (verify before parsing the JSON). The values
above are the signature of the example body (as one line) under the secret
``example-secret-0123456789``; check your receiver against them. To verify:

1. recompute the HMAC over ``timestamp.body`` with your copy of the secret;
2. compare it in constant time with every ``v1=`` value in the header (the header may
   carry several, comma-separated; accept if any matches — this leaves room to sign with
   two secrets while rotating);
3. reject a timestamp more than a few minutes from your clock, so a captured request
   cannot be replayed later.

:func:`verify_signature` does all three. Answer any 2xx once the message is accepted for
delivery; anything else (or no answer within the timeout) makes authpool report
``CodeDeliveryFailureException`` to the caller. authpool does not retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType

import httpx

from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage

TIMESTAMP_HEADER = "X-Authpool-Timestamp"
SIGNATURE_HEADER = "X-Authpool-Signature"
SIGNATURE_VERSION = "v1"
MIN_SECRET_LENGTH = 16
DEFAULT_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsWebhookSettings:
    """Where the gateway listens and the secret shared with it (at least 16 characters)."""

    url: str
    secret: str = field(repr=False)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        try:
            url = httpx.URL(self.url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"invalid SMS webhook URL: {exc}") from None
        if url.scheme not in ("https", "http") or not url.host:
            raise ValueError("the SMS webhook URL must be an absolute http:// or https:// URL")
        if len(self.secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the SMS webhook secret must be at least {MIN_SECRET_LENGTH} characters"
            )
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body`` (without the ``v1=`` prefix)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    header: str,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """Whether a webhook request is authentic and fresh. For gateway authors.

    ``timestamp`` and ``header`` are the values of ``X-Authpool-Timestamp`` and
    ``X-Authpool-Signature``; ``body`` is the raw request body; ``now`` is the
    receiver's current time (timezone-aware). Any malformed input is simply ``False``.
    """
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 15):
        return False
    if abs(int(now.timestamp()) - int(timestamp)) > tolerance.total_seconds():
        return False
    expected = sign(secret, timestamp, body).encode("ascii")
    found = False
    for part in header.split(","):
        version, _, value = part.strip().partition("=")
        if version == SIGNATURE_VERSION and value.isascii():
            # Check every candidate so the time taken does not depend on which matched.
            found |= hmac.compare_digest(expected, value.encode("ascii"))
    return found


class SmsWebhookSender:
    """A :class:`~authpool.domain.messages.MessageSender` for ``Medium.SMS``.

    Holds one ``httpx.Client`` (connection reuse); call :meth:`close` when done, or use
    the sender as a context manager. ``now`` stamps the signature (pass ``clock.now``).
    ``transport`` is for tests and proxies.
    """

    def __init__(
        self,
        settings: SmsWebhookSettings,
        *,
        now: Callable[[], datetime],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._now = now
        self._client = httpx.Client(
            timeout=settings.timeout,
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": "authpool-sms-webhook/1"},
        )

    def __repr__(self) -> str:
        return f"SmsWebhookSender({self._settings!r})"

    def __enter__(self) -> SmsWebhookSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutgoingMessage) -> None:
        if message.medium is not Medium.SMS:
            raise DeliveryError(f"the SMS webhook does not deliver {message.medium}")
        body = payload(message)
        timestamp = str(int(self._now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={sign(self._settings.secret, timestamp, body)}",
        }
        try:
            with self._client.stream(
                "POST", self._settings.url, content=body, headers=headers
            ) as response:
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise DeliveryError("the SMS webhook timed out") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"cannot reach the SMS webhook: {type(exc).__name__}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"the SMS webhook answered HTTP {status}")


def payload(message: OutgoingMessage) -> bytes:
    """The JSON body posted for ``message`` (UTF-8, compact)."""
    document = {
        "pool_id": message.pool_id,
        "username": message.username,
        "destination": message.destination,
        "purpose": str(message.purpose),
        "body": message.body,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
