"""E-mail delivery over SMTP.

One connection per message: connect (implicit TLS, STARTTLS or plain), log in when
credentials are configured, send, quit. Certificates are verified against the system
trust store, or against ``ca_file`` when one is given (a private CA, a test server's
self-signed certificate). Credentials are refused over a connection without TLS unless
``allow_insecure_auth`` says otherwise.

Every failure leaves as :class:`~authpool.domain.messages.DeliveryError` with a short
reason: the server's reply code and text, or the kind of network or TLS error. The
password is never part of a reason or a ``repr``.
"""

from __future__ import annotations

import re
import secrets
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html.parser import HTMLParser
from typing import Literal

from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage

Security = Literal["starttls", "ssl", "none"]

_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}

# A tag whose name is an HTML element a mail template would use, or a doctype. Plain text
# such as "a < b" or "<123456>" does not match.
_HTML_TAG = re.compile(
    r"<!doctype\s+html|</?(?:a|b|i|u|p|br|hr|em|strong|small|big|sub|sup|span|div|font|center"
    r"|table|thead|tbody|tfoot|tr|td|th|ul|ol|li|h[1-6]|img|pre|code|blockquote|html|head"
    r"|body|title|meta|style|section|header|footer|article|main)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to hand e-mail over. ``port`` defaults by ``security``: 587 for
    ``starttls``, 465 for ``ssl``, 25 for ``none``."""

    host: str
    default_from: str
    port: int | None = None
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    local_hostname: str | None = None
    ca_file: str | None = None
    verify_certificate: bool = True
    allow_insecure_auth: bool = False

    def __post_init__(self) -> None:
        if self.security not in _DEFAULT_PORTS:
            raise ValueError(f"security must be one of starttls, ssl, none, not {self.security!r}")
        if self.port is not None and not 0 < self.port < 65536:
            raise ValueError(f"port out of range: {self.port}")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if not self.host:
            raise ValueError("host is required")
        if not self.default_from:
            raise ValueError("default_from is required")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if not (self.username or "").isascii() or not (self.password or "").isascii():
            raise ValueError("SMTP username and password must be ASCII (smtplib sends them so)")
        if self.username is not None and self.security == "none" and not self.allow_insecure_auth:
            raise ValueError(
                "refusing to send SMTP credentials without TLS; use security='starttls' or "
                "'ssl' (or set allow_insecure_auth for a trusted local relay)"
            )

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else _DEFAULT_PORTS[self.security]


class SmtpSender:
    """A :class:`~authpool.domain.messages.MessageSender` for ``Medium.EMAIL``.

    ``now`` stamps the Date header (pass ``clock.now``).
    """

    def __init__(self, settings: SmtpSettings, *, now: Callable[[], datetime]) -> None:
        self._settings = settings
        self._now = now
        self._tls = _tls_context(settings) if settings.security != "none" else None

    def __repr__(self) -> str:
        return f"SmtpSender({self._settings!r})"

    def send(self, message: OutgoingMessage) -> None:
        if message.medium is not Medium.EMAIL:
            raise DeliveryError(f"the SMTP channel does not deliver {message.medium}")
        mail = self.build(message)
        envelope_from = parseaddr(mail["From"])[1]
        try:
            client = self._connect()
            try:
                if self._settings.username is not None:
                    client.login(self._settings.username, self._settings.password or "")
                client.send_message(mail, from_addr=envelope_from, to_addrs=[message.destination])
            finally:
                _quit(client)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(_reason(exc, self._settings)) from exc

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The e-mail :meth:`send` hands over, headers and body complete."""
        sender = message.email_from or self._settings.default_from
        mail = EmailMessage()
        try:
            mail["From"] = sender
            mail["To"] = message.destination
            if message.reply_to:
                mail["Reply-To"] = message.reply_to
            if message.subject is not None:
                mail["Subject"] = " ".join(message.subject.splitlines())
            mail["Date"] = format_datetime(self._now())
            mail["Message-ID"] = _message_id(sender, self._settings.local_hostname)
            mail["Auto-Submitted"] = "auto-generated"
        except ValueError as exc:  # a CR or LF in an address: header injection
            raise DeliveryError("the e-mail has an invalid header value") from exc
        if looks_like_html(message.body):
            mail.set_content(html_to_text(message.body))
            mail.add_alternative(message.body, subtype="html")
        else:
            mail.set_content(message.body)
        return mail

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        if s.security == "ssl":
            return smtplib.SMTP_SSL(
                s.host,
                s.effective_port,
                local_hostname=s.local_hostname,
                timeout=s.timeout,
                context=self._tls,
            )
        client = smtplib.SMTP(
            s.host, s.effective_port, local_hostname=s.local_hostname, timeout=s.timeout
        )
        if s.security == "starttls":
            try:
                client.starttls(context=self._tls)
            except BaseException:
                client.close()
                raise
        return client


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if not settings.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _quit(client: smtplib.SMTP) -> None:
    """Say QUIT politely; a server that hangs up first has still taken the message."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _message_id(sender: str, local_hostname: str | None) -> str:
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    if not (at and domain):
        domain = local_hostname or "authpool.invalid"
    return f"<{secrets.token_hex(16)}@{domain}>"


def _server_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:200]


def _reason(exc: smtplib.SMTPException | OSError, settings: SmtpSettings) -> str:
    where = f"{settings.host}:{settings.effective_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP server {where} rejected the credentials ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTP server {where} refused the recipient ({', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP server {where} answered {exc.smtp_code} {_server_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPException):
        return f"SMTP exchange with {where} failed: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or type(exc).__name__}"
    if isinstance(exc, TimeoutError):
        return f"SMTP server {where} timed out"
    return f"cannot reach SMTP server {where}: {exc.strerror or type(exc).__name__}"


def looks_like_html(body: str) -> bool:
    """Whether a message body is an HTML template (Cognito allows HTML in e-mail)."""
    return _HTML_TAG.search(body) is not None


def html_to_text(body: str) -> str:
    """A readable plain-text rendering of an HTML body, for the text/plain alternative.

    Block elements become line breaks, ``script``/``style``/``head`` content is dropped,
    entities are decoded and a link keeps its address after its text.
    """
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    return parser.text()


# A block is set apart by line breaks before and after; a line item only starts a line.
_BLOCK_TAGS = frozenset(
    {"p", "div", "ul", "ol", "table", "hr", "blockquote", "pre", "section", "header", "footer"}
    | {"article", "main", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_LINE_TAGS = frozenset({"br", "li", "tr", "dt", "dd"})
_HIDDEN_TAGS = frozenset({"script", "style", "head"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._hidden = 0
        self._links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS or tag in _LINE_TAGS:
            self._parts.append("\n")
        elif tag == "a":
            self._links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")
        elif tag == "a" and self._links:
            href = self._links.pop()
            if href and href.startswith(("http://", "https://")):
                self._parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._parts.append(data)

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self._parts).splitlines()]
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        return "\n".join(out).strip() + "\n"
