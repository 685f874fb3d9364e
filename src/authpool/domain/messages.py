"""What the domain hands to a delivery channel, and the channel protocol it expects.

Implementations live in :mod:`authpool.delivery`; the domain only knows this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Medium(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"


class Purpose(StrEnum):
    SIGN_UP = "SIGN_UP"
    RESEND_CODE = "RESEND_CODE"
    FORGOT_PASSWORD = "FORGOT_PASSWORD"
    UPDATE_ATTRIBUTE = "UPDATE_ATTRIBUTE"
    VERIFY_ATTRIBUTE = "VERIFY_ATTRIBUTE"
    AUTHENTICATION = "AUTHENTICATION"
    ADMIN_CREATE_USER = "ADMIN_CREATE_USER"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One rendered message. ``code`` is the one-time code it carries, if any."""

    pool_id: str
    username: str
    destination: str
    medium: Medium
    purpose: Purpose
    body: str
    subject: str | None = None
    code: str | None = None
    email_from: str | None = None
    reply_to: str | None = None


class DeliveryError(Exception):
    """A channel could not hand the message over. The domain turns this into
    CodeDeliveryFailureException."""


class MessageSender(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver ``message`` or raise :class:`DeliveryError`."""
        ...
