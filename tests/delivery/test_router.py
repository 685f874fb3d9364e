from __future__ import annotations

from typing import Any

import pytest

from authpool.delivery.router import Router
from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage, Purpose


class Channel:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> None:
        self.sent.append(message)

    def __repr__(self) -> str:
        return f"Channel({self.name!r})"


def message(medium: Medium, **overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "pool_id": "us-east-1_AbCdEf123",
        "username": "alice",
        "destination": "alice@example.org" if medium is Medium.EMAIL else "+14155550123",
        "medium": medium,
        "purpose": Purpose.FORGOT_PASSWORD,
        "body": "Your password reset code is 123456",
        "code": "123456",
    }
    values.update(overrides)
    return OutgoingMessage(**values)


def test_dispatches_by_medium() -> None:
    email, sms = Channel("email"), Channel("sms")
    router = Router(email=email, sms=sms)
    by_mail, by_text = message(Medium.EMAIL), message(Medium.SMS)
    router.send(by_mail)
    router.send(by_text)
    assert email.sent == [by_mail]
    assert sms.sent == [by_text]


def test_no_sms_channel() -> None:
    email = Channel("email")
    router = Router(email=email, sms=None)
    with pytest.raises(DeliveryError, match="^no SMS channel configured$"):
        router.send(message(Medium.SMS))
    assert email.sent == []


def test_no_email_channel() -> None:
    sms = Channel("sms")
    with pytest.raises(DeliveryError, match="^no e-mail channel configured$"):
        Router(email=None, sms=sms).send(message(Medium.EMAIL))
    assert sms.sent == []


def test_channel_errors_pass_through() -> None:
    class Broken:
        def send(self, message: OutgoingMessage) -> None:
            raise DeliveryError("the SMS webhook answered HTTP 503")

    with pytest.raises(DeliveryError, match="HTTP 503"):
        Router(email=None, sms=Broken()).send(message(Medium.SMS))


def test_repr() -> None:
    assert repr(Router(email=Channel("e"), sms=None)) == "Router(email=Channel('e'), sms=None)"
