"""Server settings: one typed object, built once at start-up.

The environment (``AUTHPOOL_*``) is read once here; command-line flags override it.
Pool settings are not here: they are rows in the store.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


class Secret:
    """A string that hides in ``repr`` and ``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    password: Secret | None = None
    default_from: str = "no-reply@authpool.local"
    ca_file: str | None = None


@dataclass(frozen=True)
class SmsWebhookConfig:
    url: str
    secret: Secret


@dataclass(frozen=True)
class TriggerConfig:
    """Lambda triggers (see :mod:`authpool.triggers`): ARN → target map, the webhook
    signing secret, the modules pools may name directly, the time limit in seconds."""

    targets: Mapping[str, str] = field(default_factory=dict)
    webhook_secret: Secret | None = None
    python_modules: tuple[str, ...] = ()
    timeout: float = 5.0
    attempts: int = 3  # tries of a webhook that gives no answer, as Cognito's three


def _trigger_config(env: Mapping[str, str]) -> TriggerConfig:
    """AUTHPOOL_TRIGGER_MAP (a JSON object) or AUTHPOOL_TRIGGER_MAP_FILE (a JSON file),
    AUTHPOOL_TRIGGER_WEBHOOK_SECRET, AUTHPOOL_TRIGGER_PYTHON_MODULES (comma-separated),
    AUTHPOOL_TRIGGER_TIMEOUT (seconds), AUTHPOOL_TRIGGER_ATTEMPTS."""
    get = env.get
    text = get("AUTHPOOL_TRIGGER_MAP")
    path = get("AUTHPOOL_TRIGGER_MAP_FILE")
    if path and not text:
        text = Path(path).read_text(encoding="utf-8")
    targets = json.loads(text) if text else {}
    if not isinstance(targets, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in targets.items()
    ):
        raise ValueError("the trigger map must be a JSON object of strings to strings")
    secret = get("AUTHPOOL_TRIGGER_WEBHOOK_SECRET")
    modules = get("AUTHPOOL_TRIGGER_PYTHON_MODULES", "")
    return TriggerConfig(
        targets=targets,
        webhook_secret=Secret(secret) if secret else None,
        python_modules=tuple(m.strip() for m in modules.split(",") if m.strip()),
        timeout=float(get("AUTHPOOL_TRIGGER_TIMEOUT", "5")),
        attempts=int(get("AUTHPOOL_TRIGGER_ATTEMPTS", "3")),
    )


@dataclass(frozen=True)
class RateLimitConfig:
    """Request rate limits (see :mod:`authpool.domain.ratelimit`): on or off, quotas per
    category that replace Cognito's defaults, per source IP and per user (0 = off)."""

    enabled: bool = True
    quotas: Mapping[str, int] = field(default_factory=dict)
    per_ip: int = 0
    per_user: int = 0


def _rate_limit_config(env: Mapping[str, str]) -> RateLimitConfig:
    """AUTHPOOL_RATE_LIMITS (``off``, or a JSON object of category to requests per second),
    AUTHPOOL_RATE_LIMIT_PER_IP and AUTHPOOL_RATE_LIMIT_PER_USER (requests per second)."""
    text = env.get("AUTHPOOL_RATE_LIMITS", "").strip()
    enabled = text.lower() not in ("off", "0", "false", "no")
    quotas = json.loads(text) if text.startswith("{") else {}
    if not all(isinstance(k, str) and isinstance(v, int) for k, v in quotas.items()):
        raise ValueError("AUTHPOOL_RATE_LIMITS must map category names to whole numbers")
    return RateLimitConfig(
        enabled=enabled,
        quotas=quotas,
        per_ip=int(env.get("AUTHPOOL_RATE_LIMIT_PER_IP", "0")),
        per_user=int(env.get("AUTHPOOL_RATE_LIMIT_PER_USER", "0")),
    )


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".authpool")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 9229
    public_url: str | None = None
    region: str = "us-east-1"
    account_id: str = "000000000000"
    dev: bool = False
    workers: int = 1
    cors_origins: tuple[str, ...] = ("*",)
    demo: bool = True
    smtp: SmtpConfig | None = None
    sms_webhook: SmsWebhookConfig | None = None
    outbox: bool | None = None  # None: on in development mode (--dev) only
    max_body_bytes: int = 1 << 20
    triggers: TriggerConfig = field(default_factory=TriggerConfig)
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    compromised_passwords: Path | None = None  # a breached-password list (file or directory)
    compromised_action: str = "BLOCK"  # BLOCK or AUDIT
    db_pool_size: int = 10  # PostgreSQL connections kept per worker (as many more at peaks)
    config_cache_seconds: float = 5.0  # how long a worker may serve a pool/client it read
    pin_cpus: bool = False  # each worker process on a CPU of its own (cli/affinity.py)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'authpool.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def master_key_path(self) -> Path:
        return self.data_dir / "master.key"

    @property
    def outbox_enabled(self) -> bool:
        """Whether messages (codes included, in clear) are kept in the outbox: in development
        mode, or when ``AUTHPOOL_OUTBOX`` says so. Never by default outside ``--dev``."""
        if self.outbox is not None:
            return self.outbox
        return self.dev

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``AUTHPOOL_*`` variables (read once, here)."""
    env = os.environ if env is None else env
    get = env.get
    smtp = None
    if get("AUTHPOOL_SMTP_HOST"):
        password = get("AUTHPOOL_SMTP_PASSWORD")
        smtp = SmtpConfig(
            host=env["AUTHPOOL_SMTP_HOST"],
            port=int(get("AUTHPOOL_SMTP_PORT", "587")),
            security=get("AUTHPOOL_SMTP_SECURITY", "starttls"),
            username=get("AUTHPOOL_SMTP_USERNAME"),
            password=Secret(password) if password else None,
            default_from=get("AUTHPOOL_SMTP_FROM", "no-reply@authpool.local"),
            ca_file=get("AUTHPOOL_SMTP_CA_FILE"),
        )
    sms = None
    if get("AUTHPOOL_SMS_WEBHOOK_URL"):
        sms = SmsWebhookConfig(
            url=env["AUTHPOOL_SMS_WEBHOOK_URL"],
            secret=Secret(get("AUTHPOOL_SMS_WEBHOOK_SECRET", "")),
        )
    origins = get("AUTHPOOL_CORS_ORIGINS", "*")
    listed = get("AUTHPOOL_COMPROMISED_PASSWORDS_FILE")
    outbox = get("AUTHPOOL_OUTBOX")
    return Settings(
        data_dir=Path(get("AUTHPOOL_DATA_DIR", ".authpool")),
        database_url=get("AUTHPOOL_DATABASE_URL") or None,
        host=get("AUTHPOOL_HOST", "127.0.0.1"),
        port=int(get("AUTHPOOL_PORT", "9229")),
        public_url=get("AUTHPOOL_PUBLIC_URL") or None,
        region=get("AUTHPOOL_REGION", "us-east-1"),
        account_id=get("AUTHPOOL_ACCOUNT_ID", "000000000000"),
        dev=_bool(get("AUTHPOOL_DEV", "")),
        workers=int(get("AUTHPOOL_WORKERS", "1")),
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        smtp=smtp,
        sms_webhook=sms,
        outbox=None if outbox is None else _bool(outbox),
        triggers=_trigger_config(env),
        rate_limits=_rate_limit_config(env),
        compromised_passwords=Path(listed) if listed else None,
        compromised_action=get("AUTHPOOL_COMPROMISED_PASSWORDS_ACTION", "BLOCK").upper(),
        db_pool_size=int(get("AUTHPOOL_DB_POOL_SIZE", "10")),
        config_cache_seconds=float(get("AUTHPOOL_CONFIG_CACHE_SECONDS", "5")),
        pin_cpus=_bool(get("AUTHPOOL_PIN_CPUS", "")),
    )
