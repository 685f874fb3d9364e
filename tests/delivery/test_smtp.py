"""SmtpSender against a real SMTP server (aiosmtpd) on a loopback port: plain, STARTTLS,
implicit TLS, AUTH PLAIN/LOGIN, refusals and network failures."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, MIMEPart
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from authpool.clock import FrozenClock
from authpool.delivery import smtp
from authpool.delivery.smtp import SmtpSender, SmtpSettings, html_to_text, looks_like_html
from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage, Purpose

LOOPBACK = "127.0.0.1"
PASSWORD = "s3cret-Pa55word!"
NOW = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)

# --- certificates -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost, with the
    extensions strict X.509 verification (Python 3.13's default) insists on."""
    directory = tmp_path_factory.mktemp("pki")
    start = datetime.now(UTC) - timedelta(days=1)
    end = start + timedelta(days=7)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("authpool test CA"))
        .issuer_name(_name("authpool test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(pem))
    cert_file = directory / "server.pem"
    cert_file.write_bytes(cert.public_bytes(pem))
    key_file = directory / "server.key"
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Pki(ca_file=ca_file, cert_file=cert_file, key_file=key_file)


# --- a real SMTP server -----------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Inbox:
    """aiosmtpd handler: keeps what arrives; can be told to refuse."""

    received: list[Received] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply is not None:
            return self.data_reply
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                content=envelope.original_content,
                tls=session.ssl is not None,
                authenticated=bool(session.authenticated),
            )
        )
        return "250 OK"


@dataclass
class Authenticator:
    """aiosmtpd authenticator accepting one login; records the mechanisms tried."""

    login: bytes
    password: bytes
    mechanisms: list[str] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.mechanisms.append(mechanism)
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.login
            and auth_data.password == self.password
        )
        # handled=False: let aiosmtpd answer 535 itself on failure.
        return AuthResult(success=ok, handled=False)


class _Controller(Controller):
    """aiosmtpd's threaded controller, listening on a socket bound to a free port before
    the server starts (no pick-a-port-then-hope race)."""

    def __init__(self, handler: Inbox, **kwargs: Any) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        port = self._sock.getsockname()[1]
        super().__init__(
            handler,
            hostname=LOOPBACK,
            port=port,
            server_hostname="mx.test",
            ready_timeout=30.0,
            **kwargs,
        )

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)

    def close(self) -> None:
        if self._thread is not None:
            self.stop()
        elif not self.loop.is_closed():
            self.loop.close()
        self._sock.close()


ServerFactory = Callable[..., tuple[int, Inbox]]


@pytest.fixture
def smtp_server() -> Iterator[ServerFactory]:
    """Start an SMTP server: ``smtp_server(**aiosmtpd options) -> (port, inbox)``."""
    controllers: list[_Controller] = []

    def start(**kwargs: Any) -> tuple[int, Inbox]:
        inbox = Inbox()
        controller = _Controller(inbox, **kwargs)
        controllers.append(controller)
        controller.start()
        return controller.port, inbox

    yield start
    for controller in controllers:
        controller.close()


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (kernel backlog) but never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen(4)
        yield sock.getsockname()[1]


class ScriptedServer:
    """A minimal hand-written SMTP server for one connection, for behaviour aiosmtpd
    will not produce: a refusing greeting, a hang-up instead of answering QUIT."""

    def __init__(self, greeting: bytes = b"220 scripted.test ESMTP\r\n", answer_quit: bool = True):
        self.greeting = greeting
        self.answer_quit = answer_quit
        self.data = b""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(1)
        self._sock.settimeout(30)
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError:  # closed before anyone connected
            return
        with conn, conn.makefile("rb") as lines:
            conn.sendall(self.greeting)
            if not self.greeting.startswith(b"220"):
                return
            for line in lines:
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-scripted.test\r\n250 8BITMIME\r\n")
                elif verb in (b"MAIL", b"RCPT"):
                    conn.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    for body_line in lines:
                        if body_line == b".\r\n":
                            break
                        self.data += body_line
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    if self.answer_quit:
                        conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not implemented\r\n")

    def close(self) -> None:
        self._sock.close()
        self._thread.join(timeout=30)


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(**kwargs: Any) -> ScriptedServer:
        server = ScriptedServer(**kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# --- helpers ----------------------------------------------------------------------------


def settings(port: int, **overrides: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": LOOPBACK,
        "port": port,
        "security": "none",
        "default_from": "Example App <no-reply@example.com>",
        "timeout": 10.0,
        "local_hostname": "client.test",
    }
    values.update(overrides)
    return SmtpSettings(**values)


def sender(config: SmtpSettings) -> SmtpSender:
    return SmtpSender(config, now=FrozenClock(NOW).now)


def content(part: MIMEPart) -> str:
    """A text part's content, with the wire's CRLF line ends back to LF."""
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


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


# --- delivery ---------------------------------------------------------------------------


def test_plain_delivery_headers_and_body(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()
    sender(settings(port)).send(
        message(body="Grüße — your code is 123456.", reply_to="help@example.com")
    )

    [got] = inbox.received
    assert got.mail_from == "no-reply@example.com"
    assert got.rcpt_tos == ["alice@example.org"]
    assert not got.tls
    mail = got.message
    assert mail["From"] == "Example App <no-reply@example.com>"
    assert mail["To"] == "alice@example.org"
    assert mail["Reply-To"] == "help@example.com"
    assert mail["Subject"] == "Your verification code"
    assert mail["Date"] == "Thu, 01 Jan 2026 12:30:00 +0000"
    assert mail["Auto-Submitted"] == "auto-generated"
    message_id = mail["Message-ID"]
    assert message_id.startswith("<")
    assert message_id.endswith("@example.com>")
    assert len(message_id) == len("<@example.com>") + 32
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert content(mail) == "Grüße — your code is 123456.\n"


def test_message_ids_are_unique(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()
    channel = sender(settings(port))
    channel.send(message())
    channel.send(message())
    first, second = (got.message["Message-ID"] for got in inbox.received)
    assert first != second


def test_the_pools_from_address_wins_over_the_default(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()
    sender(settings(port)).send(message(email_from="Pool Mailer <pool@mail.example.net>"))
    [got] = inbox.received
    assert got.mail_from == "pool@mail.example.net"
    assert got.message["From"] == "Pool Mailer <pool@mail.example.net>"
    assert got.message["Message-ID"].endswith("@mail.example.net>")
    assert got.message["Reply-To"] is None


def test_html_body_goes_as_multipart_alternative(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()
    body = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Your verification code is <b>123456</b>.</p>"
        '<p><a href="https://app.example.com/help">Need help?</a></p></body></html>'
    )
    sender(settings(port)).send(message(body=body))

    mail = inbox.received[0].message
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert content(text) == (
        "Your verification code is 123456.\n\nNeed help? <https://app.example.com/help>\n"
    )
    assert html.get_content_type() == "text/html"
    assert content(html).strip() == body


def test_starttls_with_the_servers_ca(smtp_server: ServerFactory, pki: Pki) -> None:
    port, inbox = smtp_server(tls_context=pki.server_context(), require_starttls=True)
    sender(settings(port, security="starttls", ca_file=str(pki.ca_file))).send(message())
    [got] = inbox.received
    assert got.tls
    assert got.message["Subject"] == "Your verification code"


def test_starttls_verifies_the_certificate_by_default(smtp_server: ServerFactory, pki: Pki) -> None:
    port, inbox = smtp_server(tls_context=pki.server_context(), require_starttls=True)
    with pytest.raises(DeliveryError, match="TLS certificate of .* not trusted"):
        sender(settings(port, security="starttls")).send(message())
    assert inbox.received == []


def test_starttls_without_verification_when_told(smtp_server: ServerFactory, pki: Pki) -> None:
    port, inbox = smtp_server(tls_context=pki.server_context(), require_starttls=True)
    sender(settings(port, security="starttls", verify_certificate=False)).send(message())
    assert inbox.received[0].tls


def test_starttls_refused_when_the_server_cannot(smtp_server: ServerFactory, pki: Pki) -> None:
    port, inbox = smtp_server()  # no tls_context: STARTTLS not offered
    config = settings(port, security="starttls", ca_file=str(pki.ca_file))
    with pytest.raises(DeliveryError, match="STARTTLS extension not supported"):
        sender(config).send(message())
    assert inbox.received == []


def test_implicit_tls(smtp_server: ServerFactory, pki: Pki) -> None:
    port, inbox = smtp_server(ssl_context=pki.server_context())
    sender(settings(port, security="ssl", ca_file=str(pki.ca_file))).send(message())
    assert len(inbox.received) == 1


def test_implicit_tls_against_a_plain_server(smtp_server: ServerFactory, pki: Pki) -> None:
    port, _ = smtp_server()
    with pytest.raises(DeliveryError, match=r"TLS with 127\.0\.0\.1:\d+ failed"):
        sender(settings(port, security="ssl", ca_file=str(pki.ca_file))).send(message())


@pytest.mark.parametrize(
    ("excluded", "mechanism"), [((), "PLAIN"), (("PLAIN",), "LOGIN")], ids=["plain", "login"]
)
def test_auth_over_starttls(
    smtp_server: ServerFactory, pki: Pki, excluded: tuple[str, ...], mechanism: str
) -> None:
    auth = Authenticator(b"mailer", PASSWORD.encode())
    port, inbox = smtp_server(
        tls_context=pki.server_context(),
        require_starttls=True,
        authenticator=auth,
        auth_required=True,
        auth_exclude_mechanism=excluded,
    )
    config = settings(
        port, security="starttls", ca_file=str(pki.ca_file), username="mailer", password=PASSWORD
    )
    sender(config).send(message())
    assert auth.mechanisms == [mechanism]
    assert inbox.received[0].authenticated


def test_auth_over_implicit_tls(smtp_server: ServerFactory, pki: Pki) -> None:
    auth = Authenticator(b"mailer", PASSWORD.encode())
    # aiosmtpd only counts STARTTLS as TLS for AUTH; on an implicit-TLS listener the
    # connection is encrypted all the same, so lift its check (auth stays optional).
    port, inbox = smtp_server(
        ssl_context=pki.server_context(), authenticator=auth, auth_require_tls=False
    )
    config = settings(
        port, security="ssl", ca_file=str(pki.ca_file), username="mailer", password=PASSWORD
    )
    sender(config).send(message())
    assert auth.mechanisms == ["PLAIN"]
    assert inbox.received[0].authenticated


def test_refused_login(smtp_server: ServerFactory, pki: Pki) -> None:
    auth = Authenticator(b"mailer", b"the-right-password")
    port, inbox = smtp_server(
        tls_context=pki.server_context(),
        require_starttls=True,
        authenticator=auth,
        auth_required=True,
    )
    config = settings(
        port, security="starttls", ca_file=str(pki.ca_file), username="mailer", password=PASSWORD
    )
    channel = sender(config)
    with pytest.raises(DeliveryError, match=r"rejected the credentials \(535\)") as caught:
        channel.send(message())
    assert inbox.received == []
    for text in (str(caught.value), repr(caught.value), repr(channel), repr(config), str(config)):
        assert PASSWORD not in text


def test_login_when_the_server_offers_no_auth(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted()  # its EHLO advertises no AUTH
    config = settings(server.port, username="mailer", password=PASSWORD, allow_insecure_auth=True)
    with pytest.raises(DeliveryError, match="AUTH extension not supported"):
        sender(config).send(message())


def test_recipient_refused(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()
    inbox.rcpt_reply = "550 5.1.1 no such user"
    with pytest.raises(DeliveryError, match=r"refused the recipient \(550\)"):
        sender(settings(port)).send(message())


def test_data_refused(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()
    inbox.data_reply = "554 5.7.1 message   looks like\t spam"
    with pytest.raises(DeliveryError, match=r"answered 554 5\.7\.1 message looks like spam$"):
        sender(settings(port)).send(message())


def test_international_recipient_needs_smtputf8(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server(enable_SMTPUTF8=False)
    with pytest.raises(DeliveryError, match="SMTPUTF8"):
        sender(settings(port)).send(message(destination="zoë@example.org"))
    assert inbox.received == []


def test_international_recipient_with_smtputf8(smtp_server: ServerFactory) -> None:
    port, inbox = smtp_server()  # the controller enables SMTPUTF8 by default
    sender(settings(port)).send(message(destination="zoë@example.org"))
    assert inbox.received[0].rcpt_tos == ["zoë@example.org"]


# --- network failures -------------------------------------------------------------------


def test_server_not_listening(refusing_port: int) -> None:
    with pytest.raises(DeliveryError, match="cannot reach SMTP server .*: Connection refused"):
        sender(settings(refusing_port)).send(message())


def test_server_that_never_greets(silent_port: int) -> None:
    with pytest.raises(DeliveryError, match="timed out"):
        sender(settings(silent_port, timeout=0.3)).send(message())


def test_tls_handshake_that_never_completes(silent_port: int, pki: Pki) -> None:
    config = settings(silent_port, security="ssl", timeout=0.3, ca_file=str(pki.ca_file))
    with pytest.raises(DeliveryError, match=r"SMTP server 127\.0\.0\.1:\d+ timed out"):
        sender(config).send(message())


def test_greeting_refused(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(greeting=b"554 5.3.2 not accepting mail\r\n")
    with pytest.raises(DeliveryError, match=r"answered 554 5\.3\.2 not accepting mail"):
        sender(settings(server.port)).send(message())


def test_a_hang_up_instead_of_quit_still_counts_as_delivered(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(answer_quit=False)
    sender(settings(server.port)).send(message())
    server.close()
    assert b"Your verification code is 123456." in server.data


# --- what is refused before connecting ---------------------------------------------------


def test_only_email(refusing_port: int) -> None:
    with pytest.raises(DeliveryError, match="does not deliver SMS"):
        sender(settings(refusing_port)).send(message(medium=Medium.SMS, destination="+1555"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"destination": "alice@example.org\r\nBcc: mallory@example.net"},
        {"reply_to": "x@example.com\nBcc: mallory@example.net"},
        {"email_from": "a@example.com\r\nX-Evil: 1"},
    ],
)
def test_header_injection_is_refused(refusing_port: int, overrides: dict[str, str]) -> None:
    with pytest.raises(DeliveryError, match="invalid header value"):
        sender(settings(refusing_port)).send(message(**overrides))


def test_subject_line_breaks_are_folded_away() -> None:
    built = sender(settings(25)).build(message(subject="Your code\r\nBcc: mallory@example.net"))
    assert built["Subject"] == "Your code Bcc: mallory@example.net"
    assert built["Bcc"] is None


def test_no_subject_header_without_a_subject() -> None:
    assert sender(settings(25)).build(message(subject=None))["Subject"] is None


@pytest.mark.parametrize(
    ("default_from", "local_hostname", "domain"),
    [("postmaster", "client.test", "client.test"), ("postmaster", None, "authpool.invalid")],
)
def test_message_id_domain_fallbacks(
    default_from: str, local_hostname: str | None, domain: str
) -> None:
    config = settings(25, default_from=default_from, local_hostname=local_hostname)
    assert sender(config).build(message())["Message-ID"].endswith(f"@{domain}>")


# --- settings ---------------------------------------------------------------------------


def test_default_ports() -> None:
    assert SmtpSettings(host="h", default_from="f@x").effective_port == 587
    assert SmtpSettings(host="h", default_from="f@x", security="ssl").effective_port == 465
    assert SmtpSettings(host="h", default_from="f@x", security="none").effective_port == 25
    assert SmtpSettings(host="h", default_from="f@x", port=2525).effective_port == 2525


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"security": "tls"}, "security must be one of"),
        ({"port": 0}, "port out of range"),
        ({"port": 65536}, "port out of range"),
        ({"timeout": 0}, "timeout must be positive"),
        ({"host": ""}, "host is required"),
        ({"default_from": ""}, "default_from is required"),
        ({"username": "u"}, "username and password go together"),
        ({"password": "p"}, "username and password go together"),
        ({"username": "u", "password": "pässword"}, "must be ASCII"),
        ({"username": "ü", "password": "p"}, "must be ASCII"),
        ({"username": "u", "password": "p", "security": "none"}, "without TLS"),
    ],
)
def test_settings_refuse(overrides: dict[str, Any], problem: str) -> None:
    values: dict[str, Any] = {"host": "smtp.example.com", "default_from": "f@example.com"}
    values.update(overrides)
    with pytest.raises(ValueError, match=problem) as caught:
        SmtpSettings(**values)
    assert "pässword" not in str(caught.value)


def test_plaintext_auth_only_when_allowed_explicitly(smtp_server: ServerFactory) -> None:
    auth = Authenticator(b"mailer", PASSWORD.encode())
    port, inbox = smtp_server(authenticator=auth, auth_require_tls=False)
    config = settings(port, username="mailer", password=PASSWORD, allow_insecure_auth=True)
    sender(config).send(message())
    assert inbox.received[0].authenticated


def test_password_stays_out_of_repr() -> None:
    config = SmtpSettings(
        host="smtp.example.com", default_from="f@example.com", username="u", password=PASSWORD
    )
    assert PASSWORD not in repr(config)
    assert PASSWORD not in repr(SmtpSender(config, now=FrozenClock(NOW).now))
    assert "username='u'" in repr(config)


def test_missing_ca_file_fails_at_construction(tmp_path: Path) -> None:
    config = SmtpSettings(
        host="smtp.example.com", default_from="f@example.com", ca_file=str(tmp_path / "nope.pem")
    )
    with pytest.raises(FileNotFoundError):
        SmtpSender(config, now=FrozenClock(NOW).now)


def test_quit_failure_closes_the_connection() -> None:
    closed: list[bool] = []

    class Gone(smtplib.SMTP):
        def quit(self) -> tuple[int, bytes]:
            raise smtplib.SMTPServerDisconnected("gone")

        def close(self) -> None:
            closed.append(True)
            super().close()

    smtp._quit(Gone())
    assert closed == [True]


# --- html -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<p>Your code is {####}</p>",
        "Code: 123456<br>",
        "Code: 123456<br/>",
        '<A HREF="https://x">link</A>',
        "<!DOCTYPE html><title>x</title>",
        "<div class='c'>x</div>",
    ],
)
def test_looks_like_html(body: str) -> None:
    assert looks_like_html(body)


@pytest.mark.parametrize(
    "body",
    [
        "Your verification code is 123456. ",
        "a < b and b > c",
        "Your code: <123456>",
        "Use <your code> now",
        "Tom & Jerry &amp; co",
        "",
    ],
)
def test_does_not_look_like_html(body: str) -> None:
    assert not looks_like_html(body)


def test_html_to_text() -> None:
    body = (
        "<html><head><title>ignored</title><style>.x{}</style></head><body>"
        "<h1>Welcome</h1>\n\n<p>Hello&nbsp;<b>alice</b> &amp; friends,</p>"
        "<p>   </p><p></p>"
        "<p>line one<br>line two<br/>line three</p>"
        '<ul><li>first</li><li><a href="https://example.com/a?b=1&amp;c=2">second</a></li></ul>'
        '<p><a href="mailto:help@example.com">mail us</a> or <a>nowhere</a></p>'
        "<script>var x = '<p>no</p>';</script>"
        "stray</a> end</style> tail"
        "</body></html>"
    )
    assert html_to_text(body) == (
        "Welcome\n"
        "\n"
        "Hello alice & friends,\n"
        "\n"
        "line one\nline two\nline three\n"
        "\n"
        "first\n"
        "second <https://example.com/a?b=1&c=2>\n"
        "\n"
        "mail us or nowhere\n"
        "stray end tail\n"
    )


def test_html_to_text_of_nothing() -> None:
    assert html_to_text("") == "\n"
