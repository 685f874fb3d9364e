"""App clients of a pool: settings with Cognito's defaults, secrets sealed at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
from copy import deepcopy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authpool.domain import attributes, ids
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import ClientRecord

CLIENT_SECRET_PURPOSE = "client-secret"

DEFAULT_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH"]
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
KNOWN_FLOWS = LEGACY_FLOWS | {
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
}
# The legacy names and what they allow, in today's terms.
LEGACY_MEANING = {
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
}
SETTINGS = (
    "refresh_token_validity",
    "access_token_validity",
    "id_token_validity",
    "token_validity_units",
    "read_attributes",
    "write_attributes",
    "explicit_auth_flows",
    "supported_identity_providers",
    "callback_urls",
    "logout_urls",
    "default_redirect_uri",
    "allowed_o_auth_flows",
    "allowed_o_auth_scopes",
    "allowed_o_auth_flows_user_pool_client",
    "analytics_configuration",
    "prevent_user_existence_errors",
    "enable_token_revocation",
    "enable_propagate_additional_user_context_data",
    "auth_session_validity",
    "refresh_token_rotation",
)
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# (setting, unit key, lifetime when the setting is absent, unit of a value given without one,
#  minimum and maximum in seconds). Cognito reads AccessTokenValidity and IdTokenValidity in
# hours and RefreshTokenValidity in days unless TokenValidityUnits says otherwise; a client
# created without them issues tokens for one hour and refresh tokens for 30 days.
_VALIDITY = (
    ("access_token_validity", "access_token", 3600, "hours", 300, 86400),
    ("id_token_validity", "id_token", 3600, "hours", 300, 86400),
    ("refresh_token_validity", "refresh_token", 30 * 86400, "days", 3600, 315360000),
)


@dataclass(frozen=True)
class Client:
    record: ClientRecord

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def pool_id(self) -> str:
        return self.record.pool_id

    @property
    def config(self) -> dict[str, Any]:
        return self.record.config

    @property
    def has_secret(self) -> bool:
        return self.record.secret_sealed is not None

    def secret(self, svc: Services) -> str | None:
        if self.record.secret_sealed is None:
            return None
        return svc.vault.open(self.record.secret_sealed, purpose=CLIENT_SECRET_PURPOSE).decode()

    @property
    def auth_flows(self) -> frozenset[str]:
        flows = self.config.get("explicit_auth_flows") or DEFAULT_AUTH_FLOWS
        return frozenset(LEGACY_MEANING.get(f, f) for f in flows) | (
            {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
            if set(flows) & LEGACY_FLOWS
            else set()
        )

    def validity(self, which: str) -> timedelta:
        """Lifetime of ``access_token``, ``id_token`` or ``refresh_token``."""
        for setting, unit_key, default, default_unit, _lo, _hi in _VALIDITY:
            if unit_key == which:
                value = self.config.get(setting)
                if value is None:
                    return timedelta(seconds=default)
                unit = (self.config.get("token_validity_units") or {}).get(unit_key)
                return timedelta(seconds=int(value) * _UNIT_SECONDS[unit or default_unit])
        raise KeyError(which)

    @property
    def auth_session_validity(self) -> timedelta:
        return timedelta(minutes=int(self.config.get("auth_session_validity", 3)))

    @property
    def prevent_user_existence_errors(self) -> bool:
        return bool(self.config.get("prevent_user_existence_errors", "LEGACY") == "ENABLED")

    @property
    def token_revocation(self) -> bool:
        return bool(self.config.get("enable_token_revocation", True))

    @property
    def read_attributes(self) -> frozenset[str] | None:
        attrs = self.config.get("read_attributes")
        return frozenset(attrs) if attrs else None

    @property
    def write_attributes(self) -> frozenset[str] | None:
        attrs = self.config.get("write_attributes")
        return frozenset(attrs) if attrs else None

    @property
    def refresh_rotation(self) -> bool:
        rotation = self.config.get("refresh_token_rotation") or {}
        return rotation.get("feature") == "ENABLED"

    def require_secret_hash(self, svc: Services, given: str | None, username: str) -> None:
        """Raise NotAuthorizedException (Cognito's wording) unless SECRET_HASH is right."""
        if not self.check_secret_hash(svc, given, username):
            raise NotAuthorizedException(
                f"Client {self.id} is configured with secret but SECRET_HASH was not received"
                if not given
                else f"Unable to verify secret hash for client {self.id}"
            )

    def require_secret(self, svc: Services, given: str | None) -> None:
        """For calls that send the client secret itself (GetTokensFromRefreshToken,
        RevokeToken): constant-time compare."""
        secret = self.secret(svc)
        if secret is not None and not hmac.compare_digest(secret.encode(), (given or "").encode()):
            raise NotAuthorizedException(f"Unable to verify secret for client {self.id}")

    def check_secret_hash(self, svc: Services, given: str | None, username: str) -> bool:
        """Whether ``given`` is the SECRET_HASH of ``username`` for this client (always true
        for a client without a secret); constant-time."""
        secret = self.secret(svc)
        if secret is None:
            return True
        if not given:
            return False
        expected = base64.b64encode(
            hmac.new(secret.encode(), (username + self.id).encode(), hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(expected.encode(), given.encode())


def _check(pool: Pool, cfg: dict[str, Any]) -> dict[str, Any]:
    flows = cfg.get("explicit_auth_flows")
    if flows is not None:
        unknown = sorted(set(flows) - KNOWN_FLOWS)
        if unknown:
            raise InvalidParameterException(f"Invalid ExplicitAuthFlows: {', '.join(unknown)}")
        legacy = set(flows) & LEGACY_FLOWS
        if legacy and set(flows) - LEGACY_FLOWS:
            raise InvalidParameterException(
                "ExplicitAuthFlows can not have both ALLOW_ prefixed and legacy values."
            )
    # Units are echoed as given ({} when none were); RefreshTokenValidity is always echoed.
    units = cfg.setdefault("token_validity_units", {})
    for setting, unit_key, default, default_unit, lo, hi in _VALIDITY:
        unit = units.get(unit_key) or default_unit
        if cfg.get(setting) is None:
            if setting == "refresh_token_validity":
                cfg[setting] = default // _UNIT_SECONDS[unit]
            continue
        seconds = int(cfg[setting]) * _UNIT_SECONDS[unit]
        if not lo <= seconds <= hi:
            raise InvalidParameterException(
                f"Invalid range for token validity: {_camel(setting)} must be between "
                f"{_human(lo)} and {_human(hi)}."
            )
    names = attributes.schema_names(pool.schema)
    for kind in ("read_attributes", "write_attributes"):
        for attr in cfg.get(kind) or []:
            if attr not in names:
                raise InvalidParameterException(
                    f"Invalid {kind.split('_')[0]} attributes specified while creating a client"
                )
    for attr in cfg.get("write_attributes") or []:
        if attr in ("sub", "email_verified", "phone_number_verified") or attr.startswith("dev:"):
            raise InvalidParameterException(
                f"Invalid write attributes specified while creating a client: {attr}"
            )
    cfg.setdefault("explicit_auth_flows", list(DEFAULT_AUTH_FLOWS))
    cfg.setdefault("enable_token_revocation", True)
    cfg.setdefault("enable_propagate_additional_user_context_data", False)
    cfg.setdefault("auth_session_validity", 3)
    cfg.setdefault("allowed_o_auth_flows_user_pool_client", False)
    return cfg


def _camel(snake: str) -> str:
    return "".join(p.capitalize() for p in snake.split("_"))


def _human(seconds: int) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} seconds"


def create_client(
    svc: Services, pool_id: str, name: str, settings: dict[str, Any], *, generate_secret: bool
) -> tuple[Client, str | None]:
    """Create a client; returns it and its secret (shown once more by Describe)."""
    pool = get_pool(svc, pool_id)
    cfg = _check(pool, {k: deepcopy(v) for k, v in settings.items() if k in SETTINGS})
    secret = ids.client_secret(svc.token_bytes) if generate_secret else None
    now = svc.clock.now()
    record = ClientRecord(
        id=ids.client_id(svc.token_bytes),
        pool_id=pool.id,
        name=name,
        secret_sealed=(
            svc.vault.seal(secret.encode(), purpose=CLIENT_SECRET_PURPOSE) if secret else None
        ),
        config=cfg,
        created_at=now,
        updated_at=now,
    )
    svc.store.insert_client(record)
    return Client(record), secret


def get_client(svc: Services, client_id: str, pool_id: str | None = None) -> Client:
    record = svc.store.get_client(client_id)
    if record is None or (pool_id is not None and record.pool_id != pool_id):
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    return Client(record)


def describe_client(svc: Services, client: Client) -> dict[str, Any]:
    return {
        "user_pool_id": client.pool_id,
        "client_name": client.record.name,
        "client_id": client.id,
        "client_secret": client.secret(svc),
        "last_modified_date": client.record.updated_at,
        "creation_date": client.record.created_at,
        **deepcopy(client.config),
    }


def update_client(
    svc: Services, pool_id: str, client_id: str, name: str | None, settings: dict[str, Any]
) -> Client:
    """UpdateUserPoolClient: like Cognito, settings not given return to their defaults."""
    client = get_client(svc, client_id, pool_id)
    pool = get_pool(svc, pool_id)
    cfg = _check(pool, {k: deepcopy(v) for k, v in settings.items() if k in SETTINGS})
    record = ClientRecord(
        id=client.id,
        pool_id=client.pool_id,
        name=name if name is not None else client.record.name,
        secret_sealed=client.record.secret_sealed,
        config=cfg,
        created_at=client.record.created_at,
        updated_at=svc.clock.now(),
    )
    svc.store.update_client(record)
    return Client(record)


def delete_client(svc: Services, pool_id: str, client_id: str) -> None:
    get_client(svc, client_id, pool_id)
    svc.store.delete_client(client_id)


def list_clients(
    svc: Services, pool_id: str, *, max_results: int, next_token: str | None
) -> tuple[list[Client], str | None]:
    get_pool(svc, pool_id)
    rows = svc.store.list_clients(pool_id, after=next_token, limit=max_results + 1)
    more = len(rows) > max_results
    rows = rows[:max_results]
    return [Client(r) for r in rows], (rows[-1].id if more and rows else None)
