"""SmsWebhookSender against a real HTTP server (stdlib http.server in a thread)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from authpool.clock import FrozenClock
from authpool.delivery.sms_webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SmsWebhookSender,
    SmsWebhookSettings,
    payload,
    sign,
    verify_signature,
)
from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage, Purpose

SECRET = "whsec-test-0123456789abcdef"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LOOPBACK = "127.0.0.1"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateway:
    """What the fake gateway received and how it will answer."""

    requests: list[Request] = field(default_factory=list)
    status: int = 202
    hang: threading.Event | None = None  # wait on this instead of answering
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        gateway = self.server.gateway
        body = self.rfile.read(int(self.headers["Content-Length"]))
        gateway.requests.append(Request(self.path, dict(self.headers.items()), body))
        if gateway.hang is not None:
            gateway.hang.wait(30)
            self.close_connection = True
            return
        self.send_response(gateway.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, gateway: Gateway) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.gateway = gateway


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()
    server = _Server(state)
    state.url = f"http://{LOOPBACK}:{server.server_address[1]}/sms/send"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        if state.hang is not None:
            state.hang.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield f"http://{LOOPBACK}:{sock.getsockname()[1]}/sms"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def make_sender(url: str, clock: FrozenClock, **overrides: Any) -> SmsWebhookSender:
    values: dict[str, Any] = {"url": url, "secret": SECRET, "timeout": 10.0}
    values.update(overrides)
    return SmsWebhookSender(SmsWebhookSettings(**values), now=clock.now)


def sms(**overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "pool_id": "us-east-1_AbCdEf123",
        "username": "alice",
        "destination": "+14155550123",
        "medium": Medium.SMS,
        "purpose": Purpose.SIGN_UP,
        "body": "Your verification code is 123456. ",
        "code": "123456",
    }
    values.update(overrides)
    return OutgoingMessage(**values)


# --- delivery ---------------------------------------------------------------------------


def test_posts_signed_json(gateway: Gateway, clock: FrozenClock) -> None:
    with make_sender(gateway.url, clock) as sender:
        sender.send(sms(body="Code 123456 — grüße"))

    [request] = gateway.requests
    assert request.path == "/sms/send"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "authpool-sms-webhook/1"
    assert json.loads(request.body) == {
        "pool_id": "us-east-1_AbCdEf123",
        "username": "alice",
        "destination": "+14155550123",
        "purpose": "SIGN_UP",
        "body": "Code 123456 — grüße",
    }
    assert "code" not in json.loads(request.body)
    timestamp = request.headers[TIMESTAMP_HEADER]
    assert timestamp == str(int(NOW.timestamp()))
    signature = request.headers[SIGNATURE_HEADER]
    assert signature.startswith("v1=")
    # What a gateway does on receipt:
    assert verify_signature(SECRET, timestamp, request.body, signature, now=NOW)
    assert not verify_signature(
        "another-secret-0123456789", timestamp, request.body, signature, NOW
    )
    assert not verify_signature(SECRET, timestamp, request.body + b" ", signature, NOW)


def test_reuses_the_connection(gateway: Gateway, clock: FrozenClock) -> None:
    with make_sender(gateway.url, clock) as sender:
        sender.send(sms())
        clock.advance(1)
        sender.send(sms(purpose=Purpose.AUTHENTICATION))
    first, second = gateway.requests
    assert int(second.headers[TIMESTAMP_HEADER]) == int(first.headers[TIMESTAMP_HEADER]) + 1
    assert json.loads(second.body)["purpose"] == "AUTHENTICATION"


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_is_success(gateway: Gateway, clock: FrozenClock, status: int) -> None:
    gateway.status = status
    with make_sender(gateway.url, clock) as sender:
        sender.send(sms())


@pytest.mark.parametrize("status", [500, 503, 400, 401, 404, 302])
def test_anything_else_is_a_delivery_error(
    gateway: Gateway, clock: FrozenClock, status: int
) -> None:
    gateway.status = status
    with (
        make_sender(gateway.url, clock) as sender,
        pytest.raises(DeliveryError, match=f"answered HTTP {status}$"),
    ):
        sender.send(sms())


def test_timeout(gateway: Gateway, clock: FrozenClock) -> None:
    gateway.hang = threading.Event()
    with (
        make_sender(gateway.url, clock, timeout=0.3) as sender,
        pytest.raises(DeliveryError, match="timed out"),
    ):
        sender.send(sms())


def test_connection_refused(refusing_url: str, clock: FrozenClock) -> None:
    with (
        make_sender(refusing_url, clock) as sender,
        pytest.raises(DeliveryError, match="cannot reach the SMS webhook: ConnectError") as caught,
    ):
        sender.send(sms())
    assert SECRET not in str(caught.value)


def test_other_transport_errors(clock: FrozenClock) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("server hung up", request=request)

    sender = SmsWebhookSender(
        SmsWebhookSettings(url="https://sms.example.com/", secret=SECRET),
        now=clock.now,
        transport=httpx.MockTransport(explode),
    )
    with sender, pytest.raises(DeliveryError, match="RemoteProtocolError"):
        sender.send(sms())


def test_only_sms(clock: FrozenClock) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    sender = SmsWebhookSender(
        SmsWebhookSettings(url="https://sms.example.com/", secret=SECRET),
        now=clock.now,
        transport=httpx.MockTransport(unreachable),
    )
    with sender, pytest.raises(DeliveryError, match="does not deliver EMAIL"):
        sender.send(sms(medium=Medium.EMAIL, destination="a@example.com"))


# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"url": "ftp://sms.example.com/"}, "absolute http"),
        ({"url": "/relative"}, "absolute http"),
        ({"url": "http://"}, "absolute http"),
        ({"url": "http://[::1"}, "invalid SMS webhook URL"),
        ({"secret": "short"}, "at least 16 characters"),
        ({"timeout": 0}, "timeout must be positive"),
    ],
)
def test_settings_refuse(overrides: dict[str, Any], problem: str) -> None:
    values: dict[str, Any] = {"url": "https://sms.example.com/", "secret": SECRET}
    values.update(overrides)
    with pytest.raises(ValueError, match=problem):
        SmsWebhookSettings(**values)


def test_secret_stays_out_of_repr(clock: FrozenClock) -> None:
    config = SmsWebhookSettings(url="https://sms.example.com/", secret=SECRET)
    assert SECRET not in repr(config)
    assert "https://sms.example.com/" in repr(config)
    with SmsWebhookSender(config, now=clock.now) as sender:
        assert SECRET not in repr(sender)


# --- the signature scheme, for gateway authors -------------------------------------------


def test_documented_example() -> None:
    body = (
        b'{"pool_id":"us-east-1_AbCdEf123","username":"alice","destination":"+14155550123",'
        b'"purpose":"SIGN_UP","body":"Your verification code is 123456. "}'
    )
    message = sms()
    assert payload(message) == body
    expected = "86d25172719ea3284a2b773fbc5510ae4eb7fe8478e142baf62897981eaf4888"
    assert sign("example-secret-0123456789", "1767225600", body) == expected
    assert sign(b"example-secret-0123456789", "1767225600", body) == expected
    assert verify_signature(
        "example-secret-0123456789", "1767225600", body, f"v1={expected}", now=NOW
    )


def signed(timestamp: str = "1767225600", body: bytes = b"{}") -> tuple[str, bytes, str]:
    return timestamp, body, f"v1={sign(SECRET, timestamp, body)}"


def test_verify_accepts_within_tolerance_either_side() -> None:
    timestamp, body, header = signed()
    for skew in (-300, 0, 300):
        assert verify_signature(SECRET, timestamp, body, header, NOW + timedelta(seconds=skew))
    for skew in (-301, 301):
        assert not verify_signature(SECRET, timestamp, body, header, NOW + timedelta(seconds=skew))
    later = NOW + timedelta(minutes=10)
    assert verify_signature(SECRET, timestamp, body, header, later, tolerance=timedelta(hours=1))


def test_verify_rejects_a_timestamp_swap() -> None:
    timestamp, body, header = signed()
    assert not verify_signature(SECRET, "1767225601", body, header, NOW)
    del timestamp


def test_verify_accepts_any_of_several_signatures() -> None:
    timestamp, body, header = signed()
    old = sign("the-previous-secret-000", timestamp, body)
    assert verify_signature(SECRET, timestamp, body, f"v1={old}, {header}", NOW)
    assert verify_signature(SECRET, timestamp, body, f"{header},v1={old}", NOW)
    assert verify_signature(SECRET, timestamp, body, f"v0=abc,{header}", NOW)


@pytest.mark.parametrize(
    ("timestamp", "header"),
    [
        ("", None),
        ("-5", None),
        ("1767225600.0", None),
        ("１７６７２２５６００", None),  # full-width digits
        ("9" * 400, None),
        ("9" * 5000, None),  # past int()'s digit limit: False, not ValueError
        ("1767225600", ""),
        ("1767225600", "v1="),
        ("1767225600", "v2={sig}"),
        ("1767225600", "{sig}"),
        ("1767225600", "v1=ünïcode"),
        ("1767225600", "v1={sig}x"),
        ("1767225600", "V1={sig}"),
    ],
)
def test_verify_rejects_malformed_input(timestamp: str, header: str | None) -> None:
    good = sign(SECRET, "1767225600", b"{}")
    value = f"v1={good}" if header is None else header.format(sig=good)
    assert not verify_signature(SECRET, timestamp, b"{}", value, NOW)
