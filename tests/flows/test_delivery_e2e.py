"""Real delivery, end to end: a server configured with SMTP and the SMS webhook (as in
production, outbox off) sends sign-up codes to a real SMTP server (aiosmtpd, STARTTLS with a
test CA, AUTH) and to a real local HTTP receiver that checks the HMAC signature; the codes it
delivers confirm the account. A failed delivery is CodeDeliveryFailureException and leaves no
user behind. Each test runs its own server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.delivery.test_smtp import Authenticator, Inbox, Pki, _Controller, pki
from tests.flows.test_sign_up import attrs, error, name
from tests.support.server import LiveServer, start_server

from authpool.config import Secret, SmsWebhookConfig, SmtpConfig
from authpool.delivery.sms_webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from authpool.store.sql import tables

__all__ = ["pki"]  # a fixture: imported so that pytest finds it here

LOOPBACK = "127.0.0.1"
SMTP_LOGIN = "mailer"
SMTP_PASSWORD = "smtp-Pa55word!"
WEBHOOK_SECRET = "whsec-e2e-0123456789abcdef"
PASSWORD = "Corr3ct-horse!"
TEMPLATE = {
    "EmailMessage": "Hi {username}, your Example code is {####}.",
    "EmailSubject": "Your Example code",
    "SmsMessage": "Example code for {username}: {####}",
}


# a real SMTP server --------------------------------------------------------------------------
@dataclass
class Mailbox:
    port: int
    inbox: Inbox
    auth: Authenticator


@pytest.fixture
def mailbox(pki: Pki) -> Iterator[Mailbox]:
    """aiosmtpd on a loopback port: STARTTLS required, AUTH required (over TLS only)."""
    inbox = Inbox()
    auth = Authenticator(login=SMTP_LOGIN.encode(), password=SMTP_PASSWORD.encode())
    controller = _Controller(
        inbox,
        tls_context=pki.server_context(),
        require_starttls=True,
        authenticator=auth,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield Mailbox(controller.port, inbox, auth)
    finally:
        controller.close()


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A loopback port bound but not listening: an SMTP server that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield sock.getsockname()[1]


# a real SMS gateway --------------------------------------------------------------------------
@dataclass
class Posted:
    headers: dict[str, str]
    body: bytes
    authentic: bool

    @property
    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class Gateway:
    url: str = ""
    status: int = 202
    received: list[Posted] = field(default_factory=list)


class _GatewayHandler(BaseHTTPRequestHandler):
    server: _GatewayServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        authentic = verify_signature(
            WEBHOOK_SECRET,
            self.headers.get(TIMESTAMP_HEADER, ""),
            body,
            self.headers.get(SIGNATURE_HEADER, ""),
            now=datetime.now(UTC),
        )
        gateway = self.server.gateway
        gateway.received.append(Posted(dict(self.headers.items()), body, authentic))
        status = gateway.status if authentic else 401
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, gateway: Gateway) -> None:
        super().__init__((LOOPBACK, 0), _GatewayHandler)
        self.gateway = gateway


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """An HTTP receiver that checks each request's signature and answers 202 (401 when the
    signature is wrong, ``gateway.status`` otherwise)."""
    gateway = Gateway()
    httpd = _GatewayServer(gateway)
    gateway.url = f"http://{LOOPBACK}:{httpd.server_address[1]}/sms"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=30)


# servers -------------------------------------------------------------------------------------
@pytest.fixture
def launch(tmp_path: Path, database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """``launch(**Settings) -> LiveServer``: a server of the test's own, stopped afterwards."""
    started: list[LiveServer] = []

    def start(**settings: Any) -> LiveServer:
        live = start_server(
            tmp_path / f"server-{len(started)}", database_url=database_url, **settings
        )
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


def smtp_config(port: int, pki: Pki) -> SmtpConfig:
    return SmtpConfig(
        host=LOOPBACK,
        port=port,
        security="starttls",
        username=SMTP_LOGIN,
        password=Secret(SMTP_PASSWORD),
        default_from="Authpool <no-reply@authpool.test>",
        ca_file=str(pki.ca_file),
    )


def sms_config(gateway: Gateway) -> SmsWebhookConfig:
    return SmsWebhookConfig(url=gateway.url, secret=Secret(WEBHOOK_SECRET))


def app(server: LiveServer, **pool_settings: Any) -> tuple[str, str]:
    """A pool with the test template and an app client on ``server``: (pool id, client id)."""
    idp = server.client()
    pool_settings.setdefault("VerificationMessageTemplate", TEMPLATE)
    pool_id = idp.create_user_pool(PoolName=name("pool"), **pool_settings)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    return pool_id, client_id


def code_in(text: str) -> str:
    [code] = re.findall(r"\b\d{6}\b", text)
    return code


def codes_stored(server: LiveServer, pool_id: str) -> int:
    with server.svc.store.engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count())
            .select_from(tables.codes)
            .where(tables.codes.c.pool_id == pool_id)
        ).scalar_one()
    return int(count)


# e-mail --------------------------------------------------------------------------------------
def test_sign_up_sends_a_real_email_whose_code_confirms_the_account(
    launch: Callable[..., LiveServer], mailbox: Mailbox, gateway: Gateway, pki: Pki
) -> None:
    server = launch(
        smtp=smtp_config(mailbox.port, pki), sms_webhook=sms_config(gateway), outbox=False
    )
    pool_id, client_id = app(
        server,
        AutoVerifiedAttributes=["email"],
        EmailConfiguration={
            "EmailSendingAccount": "COGNITO_DEFAULT",
            "ReplyToEmailAddress": "help@example.com",
        },
    )
    anon = server.anon_client()
    username = name("alice")

    out = anon.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attrs(email="alice@example.org"),
    )

    assert out["CodeDeliveryDetails"]["Destination"] == "a***@e***"
    [got] = mailbox.inbox.received
    assert got.tls  # STARTTLS, certificate checked against the test CA
    assert got.authenticated
    assert got.rcpt_tos == ["alice@example.org"]
    assert got.mail_from == "no-reply@authpool.test"
    mail = got.message
    assert mail["To"] == "alice@example.org"
    assert mail["From"] == "Authpool <no-reply@authpool.test>"
    assert mail["Reply-To"] == "help@example.com"
    assert mail["Subject"] == "Your Example code"
    text = mail.get_content().replace("\r\n", "\n")
    code = code_in(text)
    assert text == f"Hi {username}, your Example code is {code}.\n"
    assert gateway.received == []
    assert server.outbox() == []  # outbox off: nothing recorded, the mail is the only copy

    anon.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    user = server.client().admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "CONFIRMED"


# SMS -----------------------------------------------------------------------------------------
def test_phone_sign_up_posts_a_signed_message_to_the_webhook(
    launch: Callable[..., LiveServer], mailbox: Mailbox, gateway: Gateway, pki: Pki
) -> None:
    server = launch(
        smtp=smtp_config(mailbox.port, pki), sms_webhook=sms_config(gateway), outbox=False
    )
    pool_id, client_id = app(server, AutoVerifiedAttributes=["email", "phone_number"])
    anon = server.anon_client()
    username = name("bob")

    out = anon.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attrs(email="bob@example.org", phone_number="+14155550123"),
    )

    assert out["CodeDeliveryDetails"] == {
        "Destination": "+*******0123",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    [posted] = gateway.received
    assert posted.authentic
    assert posted.headers["Content-Type"] == "application/json"
    # The signature covers the body: one changed byte and it no longer verifies.
    assert not verify_signature(
        WEBHOOK_SECRET,
        posted.headers[TIMESTAMP_HEADER],
        posted.body.replace(b"+14155550123", b"+14155550124"),
        posted.headers[SIGNATURE_HEADER],
        now=datetime.now(UTC),
    )
    message = posted.json
    assert message["pool_id"] == pool_id
    assert message["username"] == username
    assert message["destination"] == "+14155550123"
    assert message["purpose"] == "SIGN_UP"
    code = code_in(message["body"])
    assert message["body"] == f"Example code for {username}: {code}"
    assert mailbox.inbox.received == []  # the phone was preferred; no e-mail went out

    anon.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    user = server.client().admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    verified = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert verified["phone_number_verified"] == "true"


def test_resend_goes_through_the_real_channel_too(
    launch: Callable[..., LiveServer], mailbox: Mailbox, gateway: Gateway, pki: Pki
) -> None:
    server = launch(
        smtp=smtp_config(mailbox.port, pki), sms_webhook=sms_config(gateway), outbox=False
    )
    _, client_id = app(server, AutoVerifiedAttributes=["phone_number"])
    anon = server.anon_client()
    username = name("cy")
    anon.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attrs(phone_number="+447700900123"),
    )
    anon.resend_confirmation_code(ClientId=client_id, Username=username)

    first, second = gateway.received
    assert first.authentic
    assert second.authentic
    assert second.json["purpose"] == "RESEND_CODE"
    old, new = code_in(first.json["body"]), code_in(second.json["body"])
    if old != new:  # equal one time in a million: then only the new one can be tried
        code, _ = error(
            lambda: anon.confirm_sign_up(
                ClientId=client_id, Username=username, ConfirmationCode=old
            )
        )
        assert code == "CodeMismatchException"
    anon.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=new)


# failures ------------------------------------------------------------------------------------
def test_smtp_down_fails_the_sign_up_and_leaves_no_user(
    launch: Callable[..., LiveServer], dead_port: int, gateway: Gateway, pki: Pki
) -> None:
    server = launch(smtp=smtp_config(dead_port, pki), sms_webhook=sms_config(gateway), outbox=False)
    pool_id, client_id = app(server, AutoVerifiedAttributes=["email", "phone_number"])
    anon = server.anon_client()
    username = name("dora")

    code, message = error(
        lambda: anon.sign_up(
            ClientId=client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=attrs(email="dora@example.org"),
        )
    )
    assert code == "CodeDeliveryFailureException"
    assert str(dead_port) not in message  # the SMTP failure's details stay in the server log

    idp = server.client()
    missing, _ = error(lambda: idp.admin_get_user(UserPoolId=pool_id, Username=username))
    assert missing == "UserNotFoundException"
    assert server.svc.store.count_users(pool_id) == 0
    assert codes_stored(server, pool_id) == 0
    assert server.outbox() == []

    # The name is free: the same sign-up by phone (a working channel) succeeds.
    out = anon.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attrs(email="dora@example.org", phone_number="+14155550777"),
    )
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    assert server.svc.store.count_users(pool_id) == 1


def test_a_webhook_that_refuses_fails_the_sign_up_and_leaves_no_user(
    launch: Callable[..., LiveServer], mailbox: Mailbox, gateway: Gateway, pki: Pki
) -> None:
    server = launch(
        smtp=smtp_config(mailbox.port, pki), sms_webhook=sms_config(gateway), outbox=False
    )
    pool_id, client_id = app(server, AutoVerifiedAttributes=["phone_number"])
    gateway.status = 503
    anon = server.anon_client()

    code, _ = error(
        lambda: anon.sign_up(
            ClientId=client_id,
            Username=name("eve"),
            Password=PASSWORD,
            UserAttributes=attrs(phone_number="+14155550888"),
        )
    )
    assert code == "CodeDeliveryFailureException"
    [posted] = gateway.received
    assert posted.authentic  # it was really tried, and refused
    assert server.svc.store.count_users(pool_id) == 0
    assert codes_stored(server, pool_id) == 0


def test_with_the_outbox_on_as_well_the_message_is_also_recorded(
    launch: Callable[..., LiveServer], mailbox: Mailbox, gateway: Gateway, pki: Pki
) -> None:
    server = launch(
        smtp=smtp_config(mailbox.port, pki), sms_webhook=sms_config(gateway), outbox=True
    )
    pool_id, client_id = app(server, AutoVerifiedAttributes=["email"])
    anon = server.anon_client()
    username = name("fay")
    anon.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attrs(email="fay@example.org"),
    )

    [got] = mailbox.inbox.received
    [recorded] = server.outbox(pool_id=pool_id, username=username)
    assert recorded.medium == "EMAIL"
    assert recorded.destination == "fay@example.org"
    assert recorded.subject == "Your Example code"
    assert recorded.code == code_in(got.message.get_content())
    assert recorded.body == got.message.get_content().replace("\r\n", "\n").rstrip("\n")


def test_with_the_outbox_on_a_failed_delivery_is_recorded_but_no_user_is_kept(
    launch: Callable[..., LiveServer], dead_port: int, gateway: Gateway, pki: Pki
) -> None:
    server = launch(smtp=smtp_config(dead_port, pki), sms_webhook=sms_config(gateway), outbox=True)
    pool_id, client_id = app(server, AutoVerifiedAttributes=["email"])
    anon = server.anon_client()
    username = name("gil")

    code, _ = error(
        lambda: anon.sign_up(
            ClientId=client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=attrs(email="gil@example.org"),
        )
    )
    assert code == "CodeDeliveryFailureException"
    assert server.svc.store.count_users(pool_id) == 0
    # The outbox keeps what could not be sent, so an operator setting SMTP up can see it.
    [recorded] = server.outbox(pool_id=pool_id, username=username)
    assert recorded.destination == "gil@example.org"
