from __future__ import annotations

import logging
from typing import Any

import pytest

from authpool.delivery.outbox import LOGGER_NAME, OutboxSender, TeeSender
from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage, Purpose


def message(**overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "pool_id": "us-east-1_AbCdEf123",
        "username": "alice",
        "destination": "alice@example.org",
        "medium": Medium.EMAIL,
        "purpose": Purpose.SIGN_UP,
        "body": "Your verification code is 123456. ",
        "subject": "Your verification code",
        "code": "123456",
    }
    values.update(overrides)
    return OutgoingMessage(**values)


class Recorder:
    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    def __call__(self, message: OutgoingMessage) -> None:
        self.messages.append(message)


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def send(self, message: OutgoingMessage) -> None:
        self.calls += 1
        raise self.error


def test_records_and_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    record = Recorder()
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    msg = message()
    OutboxSender(record).send(msg)

    assert record.messages == [msg]
    [entry] = caplog.records
    assert entry.name == "authpool.outbox"
    assert entry.levelno == logging.INFO
    assert entry.getMessage() == (
        "EMAIL to alice@example.org for alice in us-east-1_AbCdEf123 (SIGN_UP): code 123456"
    )


def test_logs_sms_and_messages_without_a_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    sender = OutboxSender(Recorder())
    sender.send(
        message(medium=Medium.SMS, destination="+14155550123", purpose=Purpose.AUTHENTICATION)
    )
    sender.send(message(code=None, purpose=Purpose.ADMIN_CREATE_USER))
    first, second = (entry.getMessage() for entry in caplog.records)
    assert first == (
        "SMS to +14155550123 for alice in us-east-1_AbCdEf123 (AUTHENTICATION): code 123456"
    )
    assert second.endswith("(ADMIN_CREATE_USER): no code")


def test_one_message_is_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    OutboxSender(Recorder()).send(
        message(username="eve\nINFO forged line", destination="a@b.c\r\x1b[31m", code="1\u2028")
    )
    line = caplog.records[0].getMessage()
    assert "\n" not in line
    assert "\r" not in line
    assert "\x1b" not in line
    assert "\u2028" not in line
    assert "eve\\nINFO forged line" in line
    assert "a@b.c\\r\\x1b[31m" in line
    assert line.endswith("code 1\\u2028")


def test_uses_the_given_logger(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.outbox.custom")
    caplog.set_level(logging.INFO, logger="tests.outbox.custom")
    sender = OutboxSender(Recorder(), logger)
    sender.send(message())
    assert [entry.name for entry in caplog.records] == ["tests.outbox.custom"]
    assert repr(sender) == "OutboxSender(logger='tests.outbox.custom')"


def test_a_failing_record_propagates_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)

    def broken(message: OutgoingMessage) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        OutboxSender(broken).send(message())
    assert caplog.records == []


def test_tee_delivers_and_records() -> None:
    delivered = Recorder()
    recorded = Recorder()

    class Primary:
        def send(self, message: OutgoingMessage) -> None:
            delivered(message)

    msg = message()
    TeeSender(Primary(), OutboxSender(recorded)).send(msg)
    assert delivered.messages == [msg]
    assert recorded.messages == [msg]


def test_tee_records_even_when_delivery_fails() -> None:
    recorded = Recorder()
    primary = Failing(DeliveryError("SMTP server smtp.example.com:587 timed out"))
    msg = message()
    with pytest.raises(DeliveryError, match="timed out"):
        TeeSender(primary, OutboxSender(recorded)).send(msg)
    assert primary.calls == 1
    assert recorded.messages == [msg]


def test_tee_does_not_swallow_other_errors() -> None:
    recorded = Recorder()
    primary = Failing(RuntimeError("bug"))
    with pytest.raises(RuntimeError, match="bug"):
        TeeSender(primary, OutboxSender(recorded)).send(message())
    assert recorded.messages == []


def test_tee_repr() -> None:
    tee = TeeSender(Failing(DeliveryError()), OutboxSender(Recorder()))
    assert repr(tee).startswith("TeeSender(<")
    assert "OutboxSender(logger='authpool.outbox')" in repr(tee)
