"""E-mail and SMS delivery: the channels behind the domain's
:class:`~authpool.domain.messages.MessageSender` protocol.

- :class:`SmtpSender` — e-mail over SMTP (STARTTLS, implicit TLS or plain).
- :class:`SmsWebhookSender` — SMS through a signed HTTP webhook to a gateway you run.
- :class:`OutboxSender` — development: record and print every message.
- :class:`TeeSender` — deliver for real and record in the outbox.
- :class:`Router` — one channel per medium.

A typical production wiring::

    Router(
        email=SmtpSender(SmtpSettings(host=..., default_from=...), now=clock.now),
        sms=SmsWebhookSender(SmsWebhookSettings(url=..., secret=...), now=clock.now),
    )
"""

from authpool.delivery.outbox import OutboxSender, TeeSender
from authpool.delivery.router import Router
from authpool.delivery.sms_webhook import (
    SmsWebhookSender,
    SmsWebhookSettings,
    sign,
    verify_signature,
)
from authpool.delivery.smtp import SmtpSender, SmtpSettings

__all__ = [
    "OutboxSender",
    "Router",
    "SmsWebhookSender",
    "SmsWebhookSettings",
    "SmtpSender",
    "SmtpSettings",
    "TeeSender",
    "sign",
    "verify_signature",
]
