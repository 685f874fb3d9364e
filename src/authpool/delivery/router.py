"""Dispatch each message to the channel for its medium."""

from __future__ import annotations

from authpool.domain.messages import DeliveryError, Medium, MessageSender, OutgoingMessage

_NAMES = {Medium.EMAIL: "e-mail", Medium.SMS: "SMS"}


class Router:
    """A :class:`~authpool.domain.messages.MessageSender` over one channel per medium.

    A medium without a channel fails with :class:`DeliveryError` ("no SMS channel
    configured"), which the domain reports as ``CodeDeliveryFailureException``.
    """

    def __init__(self, *, email: MessageSender | None, sms: MessageSender | None) -> None:
        self._channels: dict[Medium, MessageSender | None] = {
            Medium.EMAIL: email,
            Medium.SMS: sms,
        }

    def __repr__(self) -> str:
        return f"Router(email={self._channels[Medium.EMAIL]!r}, sms={self._channels[Medium.SMS]!r})"

    def send(self, message: OutgoingMessage) -> None:
        channel = self._channels[message.medium]
        if channel is None:
            raise DeliveryError(f"no {_NAMES[message.medium]} channel configured")
        channel.send(message)
