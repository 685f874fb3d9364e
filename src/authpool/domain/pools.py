"""User pools: creation with Cognito's defaults, description, update, deletion, listing,
custom attributes, the pool MFA configuration and the pool's signing keys."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from authpool.domain import attributes, ids
from authpool.domain.context import SIGNING_KEY_PURPOSE, Services
from authpool.domain.errors import (
    ConcurrentModificationException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from authpool.domain.hooks.config import check_lambda_config
from authpool.domain.records import PoolRecord, SigningKeyRecord
from authpool.tokens import SigningKey, generate_signing_key, private_key_bytes

DEFAULT_PASSWORD_POLICY: dict[str, Any] = {
    "minimum_length": 8,
    "require_uppercase": True,
    "require_lowercase": True,
    "require_numbers": True,
    "require_symbols": True,
    "temporary_password_validity_days": 7,
}

# Settings CreateUserPool and UpdateUserPool both take; UpdateUserPool resets any of these it
# is not given to Cognito's default (Cognito documents this).
UPDATABLE = (
    "policies",
    "deletion_protection",
    "lambda_config",
    "auto_verified_attributes",
    "sms_verification_message",
    "email_verification_message",
    "email_verification_subject",
    "verification_message_template",
    "sms_authentication_message",
    "user_attribute_update_settings",
    "mfa_configuration",
    "device_configuration",
    "email_configuration",
    "sms_configuration",
    "user_pool_tags",
    "admin_create_user_config",
    "user_pool_add_ons",
    "account_recovery_setting",
    "user_pool_tier",
)
# Fixed at creation (Cognito refuses to change them).
CREATE_ONLY = ("alias_attributes", "username_attributes", "username_configuration")
# Kept across UpdateUserPool: set by their own operations.
KEPT = (
    "schema_attributes",
    "sms_mfa_configuration",
    "software_token_mfa_configuration",
    "email_mfa_configuration",
    *CREATE_ONLY,
)


def _defaults() -> dict[str, Any]:
    return {
        "policies": {"password_policy": dict(DEFAULT_PASSWORD_POLICY)},
        "deletion_protection": "INACTIVE",
        "lambda_config": {},
        "verification_message_template": {"default_email_option": "CONFIRM_WITH_CODE"},
        "mfa_configuration": "OFF",
        "email_configuration": {"email_sending_account": "COGNITO_DEFAULT"},
        "admin_create_user_config": {
            "allow_admin_create_user_only": False,
            "unused_account_validity_days": 7,
        },
        "user_pool_tier": "ESSENTIALS",
        "user_attribute_update_settings": {"attributes_require_verification_before_update": []},
        "user_pool_tags": {},
    }


@dataclass(frozen=True)
class Pool:
    """A pool as the domain reads it."""

    record: PoolRecord

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def config(self) -> dict[str, Any]:
        return self.record.config

    @property
    def pool_name(self) -> str:
        """The part of the id after the underscore (SRP's ``poolName``)."""
        return self.id.split("_", 1)[1]

    @property
    def password_policy(self) -> dict[str, Any]:
        policy: dict[str, Any] = self.config.get("policies", {}).get("password_policy", {})
        return {**DEFAULT_PASSWORD_POLICY, **policy}

    @property
    def schema(self) -> attributes.Schema:
        schema: attributes.Schema = self.config["schema_attributes"]
        return schema

    @property
    def auto_verified(self) -> list[str]:
        return list(self.config.get("auto_verified_attributes") or [])

    @property
    def username_attributes(self) -> list[str]:
        return list(self.config.get("username_attributes") or [])

    @property
    def alias_attributes(self) -> list[str]:
        return list(self.config.get("alias_attributes") or [])

    @property
    def case_sensitive(self) -> bool:
        cfg = self.config.get("username_configuration") or {}
        return bool(cfg.get("case_sensitive", True))

    @property
    def admin_only_sign_up(self) -> bool:
        cfg = self.config.get("admin_create_user_config") or {}
        return bool(cfg.get("allow_admin_create_user_only", False))

    @property
    def mfa_configuration(self) -> str:
        return str(self.config.get("mfa_configuration", "OFF"))


def _normalise(settings: dict[str, Any]) -> dict[str, Any]:
    """Check and complete settings shared by create and update."""
    cfg = deepcopy(settings)
    policy = {**DEFAULT_PASSWORD_POLICY, **(cfg.get("policies", {}).get("password_policy") or {})}
    if not 6 <= int(policy["minimum_length"]) <= 99:
        raise InvalidParameterException("Password policy minimum length must be between 6 and 99.")
    if not policy.get("password_history_size"):  # 0 or absent: no history, and not shown
        policy.pop("password_history_size", None)
    cfg.setdefault("policies", {})["password_policy"] = policy
    cfg["policies"].setdefault("sign_in_policy", {"allowed_first_auth_factors": ["PASSWORD"]})
    acu = cfg.get("admin_create_user_config") or {}
    acu.setdefault("allow_admin_create_user_only", False)
    acu.setdefault("unused_account_validity_days", policy["temporary_password_validity_days"])
    cfg["admin_create_user_config"] = acu
    for medium in ("sms_verification_message", "email_verification_message"):
        text = cfg.get(medium)
        if text is not None and "{####}" not in text:
            raise InvalidParameterException(f"{_camel(medium)} must contain {{####}}.")
    template = cfg.get("verification_message_template") or {}
    template.setdefault("default_email_option", "CONFIRM_WITH_CODE")
    # The legacy top-level messages and the template are two views of one setting.
    for legacy, key in (
        ("sms_verification_message", "sms_message"),
        ("email_verification_message", "email_message"),
        ("email_verification_subject", "email_subject"),
    ):
        if legacy in cfg and key not in template:
            template[key] = cfg[legacy]
        if key in template:
            cfg[legacy] = template[key]
    cfg["verification_message_template"] = template
    for attr in cfg.get("auto_verified_attributes") or []:
        if attr not in ("email", "phone_number"):
            raise InvalidParameterException(f"Invalid auto verified attribute: {attr}")
    update = cfg.get("user_attribute_update_settings") or {}
    update.setdefault("attributes_require_verification_before_update", [])
    cfg["user_attribute_update_settings"] = update
    auto = set(cfg.get("auto_verified_attributes") or [])
    if not set(update["attributes_require_verification_before_update"]) <= auto:
        raise InvalidParameterException(
            "All attributes in AttributesRequireVerificationBeforeUpdate must exist in "
            "AutoVerifiedAttributes"
        )
    return cfg


def _camel(snake: str) -> str:
    return "".join(p.capitalize() for p in snake.split("_"))


def _check_sign_in_names(cfg: dict[str, Any]) -> None:
    if cfg.get("alias_attributes") and cfg.get("username_attributes"):
        raise InvalidParameterException(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        )
    for attr in cfg.get("username_attributes") or []:
        if attr not in ("email", "phone_number"):
            raise InvalidParameterException(f"Invalid username attribute: {attr}")


def new_signing_key(svc: Services, pool_id: str) -> tuple[SigningKey, SigningKeyRecord]:
    key = generate_signing_key()
    record = SigningKeyRecord(
        kid=key.kid,
        pool_id=pool_id,
        private_sealed=svc.vault.seal(private_key_bytes(key), purpose=SIGNING_KEY_PURPOSE),
        created_at=svc.clock.now(),
    )
    return key, record


def create_pool(svc: Services, name: str, settings: dict[str, Any]) -> Pool:
    cfg = {**_defaults(), **{k: v for k, v in settings.items() if k in UPDATABLE + CREATE_ONLY}}
    cfg = _normalise(cfg)
    cfg["lambda_config"] = check_lambda_config(svc, cfg.get("lambda_config"))
    _check_sign_in_names(cfg)
    cfg["schema_attributes"] = attributes.build_schema(settings.get("schema"))
    now = svc.clock.now()
    for _ in range(3):
        pool_id = ids.pool_id(svc.region, svc.token_bytes)
        _, key_record = new_signing_key(svc, pool_id)
        record = PoolRecord(pool_id, name, cfg, now, now)
        try:
            svc.store.insert_pool(record, key_record)
        except ConcurrentModificationException:
            continue
        return Pool(record)
    raise ConcurrentModificationException("could not allocate a pool id")


def get_pool(svc: Services, pool_id: str) -> Pool:
    record = svc.store.get_pool(pool_id)
    if record is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return Pool(record)


def describe_pool(svc: Services, pool: Pool) -> dict[str, Any]:
    """The pool as DescribeUserPool reports it (snake_case)."""
    cfg = deepcopy(pool.config)
    return {
        "id": pool.id,
        "name": pool.name,
        "arn": svc.pool_arn(pool.id),
        "creation_date": pool.record.created_at,
        "last_modified_date": pool.record.updated_at,
        "estimated_number_of_users": svc.store.count_users(pool.id),
        **{k: v for k, v in cfg.items() if not k.endswith("_mfa_configuration")},
    }


def update_pool(svc: Services, pool_id: str, settings: dict[str, Any]) -> Pool:
    pool = get_pool(svc, pool_id)
    cfg = {
        **_defaults(),
        **{k: v for k, v in settings.items() if k in UPDATABLE},
        **{k: v for k, v in pool.config.items() if k in KEPT},
    }
    if cfg.get("mfa_configuration", "OFF") != "OFF" and not _any_mfa_enabled(cfg):
        # Keeping MFA on needs an enabled factor; SetUserPoolMfaConfig owns those settings.
        raise InvalidParameterException(
            "At least one MFA factor must be enabled when MFA is ON or OPTIONAL."
        )
    cfg["lambda_config"] = check_lambda_config(svc, cfg.get("lambda_config"))
    record = PoolRecord(
        pool.id, pool.name, _normalise(cfg), pool.record.created_at, svc.clock.now()
    )
    if not svc.store.update_pool(record):
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return Pool(record)


def delete_pool(svc: Services, pool_id: str) -> None:
    pool = get_pool(svc, pool_id)
    if pool.config.get("deletion_protection") == "ACTIVE":
        raise InvalidParameterException(
            "The user pool cannot be deleted because deletion protection is activated. "
            "Deletion protection must be inactivated first."
        )
    svc.store.delete_pool(pool_id)


def list_pools(
    svc: Services, *, max_results: int, next_token: str | None
) -> tuple[list[Pool], str | None]:
    rows = svc.store.list_pools(after=next_token, limit=max_results + 1)
    more = len(rows) > max_results
    rows = rows[:max_results]
    return [Pool(r) for r in rows], (rows[-1].id if more and rows else None)


def add_custom_attributes(svc: Services, pool_id: str, attrs: list[dict[str, Any]]) -> None:
    pool = get_pool(svc, pool_id)
    cfg = deepcopy(pool.config)
    cfg["schema_attributes"] = attributes.add_custom_attributes(pool.schema, attrs)
    svc.store.update_pool(
        PoolRecord(pool.id, pool.name, cfg, pool.record.created_at, svc.clock.now())
    )


# MFA configuration ---------------------------------------------------------------------------
MFA_FACTOR_KEYS = (
    "sms_mfa_configuration",
    "software_token_mfa_configuration",
    "email_mfa_configuration",
)
MFA_OFF_WITH_FACTOR = (
    "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
)
MFA_WITHOUT_FACTOR = (
    "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled."
)


def _any_mfa_enabled(cfg: dict[str, Any]) -> bool:
    """A factor is on when its block is there (SMS and e-mail have no switch of their own,
    so an empty block turns them on) or, for TOTP, when its block says ``Enabled``."""
    return bool(
        (cfg.get("software_token_mfa_configuration") or {}).get("enabled")
        or cfg.get("sms_mfa_configuration") is not None
        or cfg.get("email_mfa_configuration") is not None
    )


def get_mfa_config(pool: Pool) -> dict[str, Any]:
    cfg = pool.config
    out: dict[str, Any] = {"mfa_configuration": pool.mfa_configuration}
    for key in MFA_FACTOR_KEYS:
        if cfg.get(key) is not None:
            out[key] = deepcopy(cfg[key])
    return out


def set_mfa_config(svc: Services, pool_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """SetUserPoolMfaConfig replaces the pool's whole MFA configuration, as Cognito does
    (measured against the live service and recorded by the cdkd project, go-to-k/cdkd issues
    #1923 and #1968): an omitted MfaConfiguration is OFF, a factor block left out is no longer
    configured, OFF together with any factor block is refused, and ON or OPTIONAL needs an
    enabled factor."""
    pool = get_pool(svc, pool_id)
    mode = settings.get("mfa_configuration") or "OFF"
    given = {k: deepcopy(settings[k]) for k in MFA_FACTOR_KEYS if settings.get(k) is not None}
    if mode == "OFF" and given:
        raise InvalidParameterException(MFA_OFF_WITH_FACTOR)
    sms = given.get("sms_mfa_configuration") or {}
    if sms.get("sms_authentication_message") and "{####}" not in sms["sms_authentication_message"]:
        raise InvalidParameterException("SmsAuthenticationMessage must contain {####}.")
    email = given.get("email_mfa_configuration") or {}
    if email.get("message") and "{####}" not in email["message"]:
        raise InvalidParameterException("EmailMfaConfiguration Message must contain {####}.")
    cfg = {k: v for k, v in deepcopy(pool.config).items() if k not in MFA_FACTOR_KEYS}
    cfg.update(given, mfa_configuration=mode)
    if sms.get("sms_authentication_message"):
        cfg["sms_authentication_message"] = sms["sms_authentication_message"]
    if mode != "OFF" and not _any_mfa_enabled(cfg):
        raise InvalidParameterException(MFA_WITHOUT_FACTOR)
    record = PoolRecord(pool.id, pool.name, cfg, pool.record.created_at, svc.clock.now())
    svc.store.update_pool(record)
    return get_mfa_config(Pool(record))


# signing keys --------------------------------------------------------------------------------
def signing_keys(svc: Services, pool_id: str) -> list[SigningKey]:
    """The pool's keys, oldest first (the newest signs; all listed keys verify). A rotated-out
    key is listed until its ``retired_at`` (:mod:`.key_rotation`)."""
    now = svc.clock.now()
    return [
        svc.keys.get(r.kid, r.private_sealed, svc.vault)
        for r in svc.store.signing_keys(pool_id)
        if r.retired_at is None or r.retired_at > now
    ]


def current_signing_key(svc: Services, pool_id: str) -> SigningKey:
    keys = signing_keys(svc, pool_id)
    if not keys:
        raise ResourceNotFoundException(f"User pool {pool_id} has no signing key.")
    return keys[-1]
