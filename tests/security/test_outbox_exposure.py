"""The development outbox keeps codes in clear, so it must not be on where nobody asked for it:
off by default outside development mode, announced when turned on there, and its messages
forgotten after a day (never shown once older, deleted as new ones arrive)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from authpool.cli import runtime
from authpool.clock import FrozenClock
from authpool.config import Secret, Settings, SmsWebhookConfig, SmtpConfig, from_env
from authpool.domain import outbox
from authpool.domain.context import Services
from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage, Purpose

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POOL, OTHER_POOL = "us-east-1_AbCdEf123", "us-east-1_ZyXwVu987"


def message(username: str = "alice", pool_id: str = POOL, code: str = "123456") -> OutgoingMessage:
    return OutgoingMessage(
        pool_id=pool_id,
        username=username,
        destination=f"{username}@example.com",
        medium=Medium.EMAIL,
        purpose=Purpose.SIGN_UP,
        body=f"Your code is {code}",
        code=code,
    )


@contextmanager
def _services(data_dir: Path, url: str, **settings: object) -> Iterator[Services]:
    svc = runtime.open_services(
        Settings(data_dir=data_dir, database_url=url, demo=False, **settings),  # type: ignore[arg-type]
        clock=FrozenClock(START),
    )
    try:
        yield svc
    finally:
        svc.store.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def with_outbox(tmp_path: Path, empty_database_url: str) -> Iterator[Services]:
    """A server's services with the outbox turned on outside development mode, on a database
    of its own (the outbox is read whole)."""
    with _services(tmp_path / "on", empty_database_url, outbox=True) as svc:
        yield svc


def test_the_outbox_is_off_by_default_outside_development_mode() -> None:
    assert Settings().outbox_enabled is False
    assert from_env({}).outbox_enabled is False
    assert from_env({"AUTHPOOL_OUTBOX": "on"}).outbox_enabled is True
    assert Settings(dev=True).outbox_enabled is True
    assert Settings(dev=True, outbox=False).outbox_enabled is False


def test_without_a_channel_or_the_outbox_a_message_fails_and_nothing_is_kept(
    tmp_path: Path, empty_database_url: str
) -> None:
    with _services(tmp_path / "off", empty_database_url) as svc:
        with pytest.raises(DeliveryError, match="no e-mail channel"):
            svc.sender.send(message())
        assert svc.store.list_outbox() == []


def test_an_outbox_outside_development_mode_is_announced() -> None:
    [warning] = runtime.delivery_warnings(Settings(outbox=True))
    assert "OUTBOX ON" in warning
    assert "24 hours" in warning
    assert runtime.delivery_warnings(Settings(dev=True)) == []
    channels = {
        "smtp": SmtpConfig(host="smtp.example.com"),
        "sms_webhook": SmsWebhookConfig(url="https://sms.example.com", secret=Secret("s")),
    }
    assert runtime.delivery_warnings(Settings(**channels)) == []  # type: ignore[arg-type]
    [missing] = runtime.delivery_warnings(Settings(smtp=channels["smtp"]))  # type: ignore[arg-type]
    assert "no SMS channel" in missing


def test_a_message_is_shown_for_a_day_then_never(with_outbox: Services) -> None:
    svc = with_outbox
    clock = svc.clock
    assert isinstance(clock, FrozenClock)
    svc.sender.send(message())
    clock.advance(outbox.RETENTION - timedelta(minutes=1))
    assert [m["code"] for m in outbox.list_messages(svc)] == ["123456"]
    clock.advance(timedelta(minutes=2))
    assert outbox.list_messages(svc) == []
    assert outbox.list_messages(svc, since="0") == []  # no reader reaches back past a day


def test_expired_messages_are_deleted_as_new_ones_arrive(with_outbox: Services) -> None:
    svc = with_outbox
    clock = svc.clock
    assert isinstance(clock, FrozenClock)
    svc.sender.send(message("alice", POOL, "111111"))
    svc.sender.send(message("carol", OTHER_POOL, "222222"))
    clock.advance(outbox.RETENTION + timedelta(seconds=1))
    svc.sender.send(message("bob", POOL, "333333"))
    left = svc.store.list_outbox()  # the table itself, no reader's filter
    assert [m.code for m in left] == ["222222", "333333"]  # the pool's own expired one is gone
    for i in range(64):  # another pool's expired message goes within 64 messages
        svc.sender.send(message(f"user{i}", POOL, f"{i:06d}"))
    assert "222222" not in {m.code for m in svc.store.list_outbox(limit=10_000)}
