"""Composing a running server from :class:`~authpool.config.Settings`: store, master key,
delivery channels and the demo pool. The only place that knows every part."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from authpool.clock import Clock, SystemClock
from authpool.config import Settings
from authpool.delivery.outbox import OutboxSender, TeeSender
from authpool.delivery.router import Router
from authpool.delivery.sms_webhook import SmsWebhookSender, SmsWebhookSettings
from authpool.delivery.smtp import SmtpSender, SmtpSettings
from authpool.domain import clients, pools
from authpool.domain.breached import PasswordList
from authpool.domain.context import Services
from authpool.domain.messages import MessageSender, OutgoingMessage
from authpool.domain.outbox import RETENTION as OUTBOX_RETENTION
from authpool.domain.ratelimit import RateLimits
from authpool.store import SqlStore, open_store
from authpool.triggers import TriggerRunner, TriggerSettings
from authpool.vault import open_vault
from authpool.wire.app import build_app

log = logging.getLogger("authpool")


def open_services(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> Services:
    clock = clock or SystemClock()
    store = open_store(
        settings.resolved_database_url,
        migrate_schema=migrate,
        pool_size=settings.db_pool_size,
        config_cache_seconds=settings.config_cache_seconds,
    )
    vault = open_vault(settings.master_key_path)
    return Services(
        store=store,
        vault=vault,
        clock=clock,
        sender=build_sender(settings, store, clock),
        public_url=settings.resolved_public_url,
        region=settings.region,
        account_id=settings.account_id,
        triggers=build_triggers(settings, clock),
        breached=(
            PasswordList(settings.compromised_passwords, settings.compromised_action)
            if settings.compromised_passwords
            else None
        ),
    )


def build_triggers(settings: Settings, clock: Clock) -> TriggerRunner:
    t = settings.triggers
    return TriggerRunner(
        TriggerSettings(
            targets=t.targets,
            webhook_secret=t.webhook_secret.reveal() if t.webhook_secret else None,
            python_modules=t.python_modules,
            timeout=t.timeout,
            attempts=t.attempts,
            region=settings.region,
            account_id=settings.account_id,
        ),
        now=clock.now,
    )


def build_sender(settings: Settings, store: SqlStore, clock: Clock) -> MessageSender:
    email: MessageSender | None = None
    sms: MessageSender | None = None
    if settings.smtp is not None:
        s = settings.smtp
        email = SmtpSender(
            SmtpSettings(
                host=s.host,
                port=s.port,
                security=s.security,  # type: ignore[arg-type]
                username=s.username,
                password=s.password.reveal() if s.password else None,
                default_from=s.default_from,
                ca_file=s.ca_file,
            ),
            now=clock.now,
        )
    if settings.sms_webhook is not None:
        sms = SmsWebhookSender(
            SmsWebhookSettings(
                url=settings.sms_webhook.url, secret=settings.sms_webhook.secret.reveal()
            ),
            now=clock.now,
        )
    if not settings.outbox_enabled:
        return Router(email=email, sms=sms)

    def record(message: OutgoingMessage) -> None:
        now = clock.now()
        store.record_outbox(message, sent_at=now, not_before=now - OUTBOX_RETENTION)

    outbox = OutboxSender(record)
    return Router(
        email=TeeSender(email, outbox) if email else outbox,
        sms=TeeSender(sms, outbox) if sms else outbox,
    )


def delivery_warnings(settings: Settings) -> list[str]:
    """What the operator must hear when the server starts about where messages go: an
    outbox on outside development mode (codes kept in clear), a medium with no channel."""
    warnings = []
    if settings.outbox_enabled and not settings.dev:
        hours = int(OUTBOX_RETENTION.total_seconds() // 3600)
        warnings.append(
            "OUTBOX ON outside development mode (AUTHPOOL_OUTBOX): every message, its "
            f"code included, is written to the server log and kept in the database in clear "
            f"for {hours} hours, readable with a signed admin call. Turn it off in production."
        )
    if not settings.outbox_enabled:
        missing = [
            medium
            for medium, channel in (("e-mail", settings.smtp), ("SMS", settings.sms_webhook))
            if channel is None
        ]
        if missing:
            warnings.append(
                f"no {' or '.join(missing)} channel configured: messages by "
                f"{' or '.join(missing)} fail with CodeDeliveryFailureException."
            )
    return warnings


def create_app(settings: Settings, svc: Services | None = None) -> Starlette:
    svc = svc or open_services(settings)
    return build_app(
        svc,
        dev=settings.dev,
        cors_origins=settings.cors_origins,
        max_body_bytes=settings.max_body_bytes,
        rate_limits=rate_limits(settings),
    )


def rate_limits(settings: Settings) -> RateLimits:
    cfg = settings.rate_limits
    if not cfg.enabled:
        return RateLimits.off()
    return RateLimits(per_ip=cfg.per_ip, per_user=cfg.per_user).with_quotas(cfg.quotas)


@dataclass(frozen=True)
class Demo:
    pool_id: str
    client_id: str
    created: bool


def ensure_demo(svc: Services, data_dir: Path) -> Demo | None:
    """On first start, create the demo pool and client; later, report them again (unless
    someone deleted them)."""
    marker = data_dir / "demo.json"
    if marker.exists():
        data = json.loads(marker.read_text())
        if svc.store.get_pool(data["pool_id"]) and svc.store.get_client(data["client_id"]):
            return Demo(data["pool_id"], data["client_id"], created=False)
        return None
    pool = pools.create_pool(
        svc,
        "authpool-demo",
        {
            "auto_verified_attributes": ["email"],
            "schema": [{"name": "email", "required": True}],
            "username_configuration": {"case_sensitive": False},
            "account_recovery_setting": {
                "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
            },
        },
    )
    client, _ = clients.create_client(
        svc,
        pool.id,
        "authpool-demo-web",
        {
            "explicit_auth_flows": [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
            "prevent_user_existence_errors": "ENABLED",
        },
        generate_secret=False,
    )
    marker.write_text(json.dumps({"pool_id": pool.id, "client_id": client.id}) + "\n")
    return Demo(pool.id, client.id, created=True)


def demo_banner(demo: Demo, endpoint: str, region: str) -> str:
    return f"""\
Demo user pool {"created" if demo.created else "ready"}:
  userPoolId        {demo.pool_id}
  userPoolClientId  {demo.client_id}
  endpoint          {endpoint}

Amplify JS (v6):
  Amplify.configure({{ Auth: {{ Cognito: {{
    userPoolId: "{demo.pool_id}",
    userPoolClientId: "{demo.client_id}",
    userPoolEndpoint: "{endpoint}",
  }} }} }});

boto3:
  import boto3
  idp = boto3.client("cognito-idp", endpoint_url="{endpoint}", region_name="{region}")
  idp.sign_up(ClientId="{demo.client_id}", Username="alice", Password="Passw0rd!",
              UserAttributes=[{{"Name": "email", "Value": "alice@example.com"}}])

AWS CLI:
  aws cognito-idp sign-up --endpoint-url {endpoint} --region {region} \\
      --client-id {demo.client_id} --username alice --password 'Passw0rd!' \\
      --user-attributes Name=email,Value=alice@example.com
"""
