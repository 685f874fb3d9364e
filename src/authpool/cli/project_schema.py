"""What ``authpool.yaml`` may say, checked value by value with the line of each problem, and
the normal form of a pool (every setting present, defaults filled in, lists in a fixed order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from authpool.domain import attributes, templates
from authpool.domain.clients import KNOWN_FLOWS, LEGACY_FLOWS
from authpool.domain.hooks.config import TRIGGERS

TOP_KEYS = ("version", "endpoint", "region", "outputs", "pools", "removed")
POOL_KEYS = (
    "name",
    "id",
    "sign_in",
    "required_attributes",
    "custom_attributes",
    "verification",
    "account_recovery",
    "password_policy",
    "mfa",
    "admin_create_user_only",
    "deletion_protection",
    "triggers",
    "groups",
    "clients",
    "identity_pool",
)
OUTPUT_FORMATS = (
    "amplify_outputs.json",
    "amplifyconfiguration.json",
    "amplifyconfiguration.dart",
    ".env",
)
SIGN_IN_ATTRIBUTES = ("email", "phone_number")
ALIAS_ATTRIBUTES = ("email", "phone_number", "preferred_username")
NOT_REQUIRABLE = {"sub", "identities", "email_verified", "phone_number_verified"}
STANDARD = tuple(a["name"] for a in attributes.STANDARD_SCHEMA)
REQUIRABLE = tuple(n for n in STANDARD if n not in NOT_REQUIRABLE)
READABLE = tuple(n for n in STANDARD if n != "sub")
WRITABLE = tuple(n for n in READABLE if n not in NOT_REQUIRABLE)
RECOVERY = ("verified_email", "verified_phone_number", "admin_only")
MFA_MODES = ("OFF", "ON", "OPTIONAL")
MFA_METHODS = ("SMS", "TOTP", "EMAIL")
AUTH_FLOWS = tuple(sorted(KNOWN_FLOWS - LEGACY_FLOWS))
DEFAULT_FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
TRIGGER_NAMES = tuple(TRIGGERS)
VERSIONED = {
    "PreTokenGeneration": ("V1_0", "V2_0", "V3_0"),
    "CustomSMSSender": ("V1_0",),
    "CustomEmailSender": ("V1_0",),
}
CUSTOM_TYPES = ("String", "Number", "Boolean", "DateTime")
DEFAULT_PASSWORD_POLICY = {
    "min_length": 8,
    "require_lowercase": True,
    "require_uppercase": True,
    "require_numbers": True,
    "require_symbols": True,
    "temporary_password_validity_days": 7,
}
POOL_NAME = re.compile(r"[\w\s+=,.@-]{1,128}")
POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
CLIENT_NAME = re.compile(r"[\w\s+=,.@-]{1,128}")
GROUP_NAME = re.compile(r"[^\s]{1,128}")
CUSTOM_NAME = re.compile(r"[A-Za-z0-9_]{1,20}")
TARGET = re.compile(r"python:[A-Za-z_][\w.]*:[A-Za-z_][\w.]*|https?://\S+|arn:aws[\w-]*:lambda:\S+")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


SMS_MFA_MESSAGE = templates.DEFAULT_SMS_AUTHENTICATION_MESSAGE
EMAIL_MFA_SUBJECT = "Your authentication code"


def attr_order(name: str) -> tuple[int, int, str]:
    """Standard attributes in the schema's order, then custom ones by name."""
    if name in STANDARD:
        return (0, STANDARD.index(name), "")
    return (1, 0, name)


def mfa_defaults(mfa: dict[str, Any]) -> dict[str, Any]:
    """An enabled SMS or e-mail factor always has its message (or subject) set."""
    if "SMS" in mfa["methods"] and not mfa["sms_message"]:
        mfa["sms_message"] = SMS_MFA_MESSAGE
    if "EMAIL" in mfa["methods"] and not (mfa["email_subject"] or mfa["email_message"]):
        mfa["email_subject"] = EMAIL_MFA_SUBJECT
    return mfa


class Checker:
    """Collects problems, each with the file's name and the line of the value."""

    def __init__(self, source: str, lines: dict[tuple[Any, ...], int]) -> None:
        self.source = source
        self.lines = lines
        self.errors: list[str] = []

    def error(self, path: tuple[Any, ...], message: str) -> None:
        where = path
        while where and where not in self.lines:
            where = where[:-1]
        line = self.lines.get(where)
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        at = f"{self.source}:{line}" if line else self.source
        self.errors.append(f"{at}: {dotted or 'the file'}: {message}")

    def raise_if_any(self, exc_type: type[Exception]) -> None:
        if self.errors:
            more = len(self.errors) - 1
            extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            raise exc_type(self.errors[0] + extra)

    def mapping(
        self, path: tuple[Any, ...], value: Any, allowed: Sequence[str] | None
    ) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, "must be a mapping (key: value lines)")
            return {}
        for key in value:
            if not isinstance(key, str):
                self.error((*path, key), f"{key!r} is not a name")
            elif allowed is not None and key not in allowed:
                self.error((*path, key), f"unknown setting {key!r} (expected {', '.join(allowed)})")
        return {str(k): v for k, v in value.items() if allowed is None or k in allowed}

    def string(
        self,
        path: tuple[Any, ...],
        value: Any,
        default: str | None,
        *,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
        max_len: int | None = None,
        code: bool = False,
    ) -> str | None:
        if value is None:
            return default
        if not isinstance(value, str):
            self.error(path, f"must be text, not {value!r} (put it in quotes)")
            return default
        if pattern is not None and not pattern.fullmatch(value):
            self.error(path, f"{value!r} is not valid{': ' + hint if hint else ''}")
        if max_len is not None and len(value) > max_len:
            self.error(path, f"must have at most {max_len} characters")
        if code and "{####}" not in value:
            self.error(path, "must contain {####}, where the code goes")
        return value

    def boolean(self, path: tuple[Any, ...], value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, not {value!r}")
            return default
        return value

    def integer(
        self, path: tuple[Any, ...], value: Any, lo: int, hi: int, default: int | None = None
    ) -> int:
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"must be a whole number, not {value!r}")
            return default if default is not None else lo
        if not lo <= value <= hi:
            self.error(path, f"must be between {lo} and {hi}, not {value}")
        return value

    def choice(
        self, path: tuple[Any, ...], value: Any, allowed: Sequence[str], default: str
    ) -> str:
        if value is None:
            return default
        if value not in allowed:
            self.error(path, f"must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return str(value)

    def names(
        self,
        path: tuple[Any, ...],
        value: Any,
        allowed: Sequence[str] | None,
        *,
        keep_order: bool = False,
    ) -> list[str]:
        """A list of names from ``allowed`` (any text when None), without repeats; in
        ``allowed``'s order unless ``keep_order``."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, "must be a list, e.g. [a, b]")
            return []
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or (allowed is not None and item not in allowed):
                expected = f" (expected some of {', '.join(allowed)})" if allowed else ""
                self.error((*path, index), f"{item!r} is not allowed here{expected}")
            elif item in out:
                self.error((*path, index), f"{item!r} is listed twice")
            else:
                out.append(item)
        if allowed is not None and not keep_order:
            out.sort(key=allowed.index)
        return out

    def optional_url(self, path: tuple[Any, ...], value: Any) -> str | None:
        url = self.string(
            path,
            value,
            None,
            pattern=re.compile(r"https?://\S+"),
            hint="an http:// or https:// URL",
        )
        return url.rstrip("/") if url else None

    def optional_region(self, path: tuple[Any, ...], value: Any) -> str | None:
        return self.string(path, value, None, pattern=REGION, hint="a region like us-east-1")


# a pool ---------------------------------------------------------------------------------------
def pool(check: Checker, path: tuple[Any, ...], key: str, raw: Any) -> dict[str, Any]:
    check.string(
        path,
        key,
        None,
        pattern=re.compile(r"[A-Za-z0-9_-]{1,128}"),
        hint="a resource name is 1 to 128 letters, digits, '-' or '_'",
    )
    m = check.mapping(path, raw, POOL_KEYS)
    customs = custom_attributes(check, (*path, "custom_attributes"), m.get("custom_attributes"))
    spec: dict[str, Any] = {
        "name": check.string(
            (*path, "name"),
            m.get("name"),
            key,
            pattern=POOL_NAME,
            hint="letters, digits, spaces and +=,.@-",
        ),
        "id": check.string(
            (*path, "id"),
            m.get("id"),
            None,
            pattern=POOL_ID,
            hint="a pool id looks like us-east-1_AbCdEf123",
        ),
        "sign_in": sign_in(check, (*path, "sign_in"), m.get("sign_in")),
        "required_attributes": check.names(
            (*path, "required_attributes"), m.get("required_attributes"), REQUIRABLE
        ),
        "custom_attributes": customs,
        "verification": verification(check, (*path, "verification"), m.get("verification")),
        "account_recovery": check.names(
            (*path, "account_recovery"), m.get("account_recovery"), RECOVERY, keep_order=True
        ),
        "password_policy": password_policy(
            check, (*path, "password_policy"), m.get("password_policy")
        ),
        "mfa": mfa(check, (*path, "mfa"), m.get("mfa")),
        "admin_create_user_only": check.boolean(
            (*path, "admin_create_user_only"), m.get("admin_create_user_only"), False
        ),
        "deletion_protection": check.boolean(
            (*path, "deletion_protection"), m.get("deletion_protection"), False
        ),
        "triggers": triggers(check, (*path, "triggers"), m.get("triggers")),
        "groups": groups(check, (*path, "groups"), m.get("groups")),
        "clients": clients(check, (*path, "clients"), m.get("clients"), list(customs)),
        "identity_pool": identity_pool(check, (*path, "identity_pool"), m.get("identity_pool")),
    }
    _cross_checks(check, path, spec)
    return spec


def _cross_checks(check: Checker, path: tuple[Any, ...], spec: dict[str, Any]) -> None:
    for name, client in spec["clients"].items():
        writable = client["write_attributes"]
        unwritable = [a for a in spec["required_attributes"] if writable and a not in writable]
        if unwritable:
            check.error(
                (*path, "clients", name, "write_attributes"),
                f"required attributes must be writable: add {', '.join(unwritable)}",
            )


def sign_in(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    m = check.mapping(path, raw, ("username_attributes", "alias_attributes", "case_sensitive"))
    out = {
        "username_attributes": check.names(
            (*path, "username_attributes"), m.get("username_attributes"), SIGN_IN_ATTRIBUTES
        ),
        "alias_attributes": check.names(
            (*path, "alias_attributes"), m.get("alias_attributes"), ALIAS_ATTRIBUTES
        ),
        "case_sensitive": check.boolean((*path, "case_sensitive"), m.get("case_sensitive"), False),
    }
    if out["username_attributes"] and out["alias_attributes"]:
        check.error(
            (*path, "alias_attributes"),
            "aliases are for pools that sign in with a username: "
            "with username_attributes, leave alias_attributes empty",
        )
    return out


def custom_attributes(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    keys = (
        "type",
        "mutable",
        "min_length",
        "max_length",
        "min_value",
        "max_value",
        "developer_only",
    )
    out: dict[str, Any] = {}
    for name, value in check.mapping(path, raw, None).items():
        here = (*path, name)
        check.string(here, name, None, pattern=CUSTOM_NAME, hint="1 to 20 letters, digits or _")
        m = check.mapping(here, value, keys)
        kind = check.choice((*here, "type"), m.get("type"), CUSTOM_TYPES, "String")
        limits: tuple[str, ...] = {
            "String": ("min_length", "max_length"),
            "Number": ("min_value", "max_value"),
        }.get(kind, ())
        for other in set(m) & {"min_length", "max_length", "min_value", "max_value"} - set(limits):
            check.error((*here, other), f"does not apply to a {kind} attribute")
        attr: dict[str, Any] = {
            "type": kind,
            "mutable": check.boolean((*here, "mutable"), m.get("mutable"), True),
            "developer_only": check.boolean(
                (*here, "developer_only"), m.get("developer_only"), False
            ),
        }
        for limit in ("min_length", "max_length", "min_value", "max_value"):
            given = m.get(limit) if limit in limits else None
            attr[limit] = (
                None if given is None else check.integer((*here, limit), given, -(2**31), 2**31)
            )
        out[name] = attr
    return out


def verification(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    m = check.mapping(path, raw, ("auto_verify", "email_subject", "email_message", "sms_message"))
    return {
        "auto_verify": check.names(
            (*path, "auto_verify"), m.get("auto_verify"), SIGN_IN_ATTRIBUTES
        ),
        "email_subject": check.string(
            (*path, "email_subject"), m.get("email_subject"), None, max_len=140
        ),
        "email_message": check.string(
            (*path, "email_message"), m.get("email_message"), None, max_len=20000, code=True
        ),
        "sms_message": check.string(
            (*path, "sms_message"), m.get("sms_message"), None, max_len=140, code=True
        ),
    }


def password_policy(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    m = check.mapping(path, raw, tuple(DEFAULT_PASSWORD_POLICY))
    out: dict[str, Any] = {}
    for key, default in DEFAULT_PASSWORD_POLICY.items():
        if isinstance(default, bool):
            out[key] = check.boolean((*path, key), m.get(key), default)
        elif key == "min_length":
            out[key] = check.integer((*path, key), m.get(key), 6, 99, int(default))
        else:
            out[key] = check.integer((*path, key), m.get(key), 0, 365, int(default))
    return out


def mfa(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    keys = ("mode", "methods", "sms_message", "email_subject", "email_message")
    m = check.mapping(path, raw, keys)
    mode = m.get("mode")
    if isinstance(mode, bool):  # YAML 1.1 reads a bare OFF/ON as a boolean
        mode = "ON" if mode else "OFF"
    out = {
        "mode": check.choice((*path, "mode"), mode, MFA_MODES, "OFF"),
        "methods": check.names((*path, "methods"), m.get("methods"), MFA_METHODS),
        "sms_message": check.string(
            (*path, "sms_message"), m.get("sms_message"), None, max_len=140, code=True
        ),
        "email_subject": check.string(
            (*path, "email_subject"), m.get("email_subject"), None, max_len=140
        ),
        "email_message": check.string(
            (*path, "email_message"), m.get("email_message"), None, max_len=20000, code=True
        ),
    }
    if out["mode"] != "OFF" and not out["methods"]:
        check.error((*path, "methods"), f"MFA {out['mode']} needs at least one method")
    return mfa_defaults(out)


def triggers(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in check.mapping(path, raw, TRIGGER_NAMES).items():
        here = (*path, name)
        m = value if isinstance(value, dict) else {"target": value}
        m = check.mapping(here, m, ("target", "version"))
        target = check.string(
            (*here, "target"),
            m.get("target"),
            "",
            pattern=TARGET,
            hint="python:module:function, an https:// URL or a Lambda ARN",
        )
        if target and len(target) < 20:
            check.error((*here, "target"), "must be at least 20 characters (the SDKs' limit)")
        version = m.get("version")
        if version is not None:
            allowed = VERSIONED.get(name)
            if allowed is None:
                check.error((*here, "version"), f"{name} takes no version")
                version = None
            else:
                version = check.choice((*here, "version"), version, allowed, allowed[0])
        if version is None and name in ("CustomSMSSender", "CustomEmailSender"):
            version = "V1_0"
        out[name] = {"target": target, "version": version}
    return out


def groups(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in check.mapping(path, raw, None).items():
        here = (*path, name)
        check.string(here, name, None, pattern=GROUP_NAME, hint="1 to 128 characters, no spaces")
        m = check.mapping(here, value, ("description", "precedence", "role_arn"))
        precedence = m.get("precedence")
        out[name] = {
            "description": check.string(
                (*here, "description"), m.get("description"), None, max_len=2048
            ),
            "precedence": None
            if precedence is None
            else check.integer((*here, "precedence"), precedence, 0, 2**31 - 1),
            "role_arn": check.string(
                (*here, "role_arn"),
                m.get("role_arn"),
                None,
                pattern=re.compile(r"arn:[\w+=/,.@:-]{16,2044}"),
                hint="an IAM role ARN",
            ),
        }
    return out


CLIENT_KEYS = (
    "id",
    "generate_secret",
    "auth_flows",
    "refresh_token_days",
    "access_token_minutes",
    "id_token_minutes",
    "read_attributes",
    "write_attributes",
    "prevent_user_existence_errors",
    "enable_token_revocation",
)


def clients(check: Checker, path: tuple[Any, ...], raw: Any, customs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    readable = (*READABLE, *(f"custom:{c}" for c in customs))
    writable = (*WRITABLE, *(f"custom:{c}" for c in customs))
    for name, value in check.mapping(path, raw, None).items():
        here = (*path, name)
        check.string(
            here, name, None, pattern=CLIENT_NAME, hint="letters, digits, spaces and +=,.@-"
        )
        m = check.mapping(here, value, CLIENT_KEYS)
        flows = m.get("auth_flows")
        out[name] = {
            "id": check.string(
                (*here, "id"),
                m.get("id"),
                None,
                pattern=re.compile(r"[\w+]{1,128}"),
                hint="a client id",
            ),
            "generate_secret": check.boolean(
                (*here, "generate_secret"), m.get("generate_secret"), False
            ),
            "auth_flows": list(DEFAULT_FLOWS)
            if flows is None
            else check.names((*here, "auth_flows"), flows, AUTH_FLOWS),
            "refresh_token_days": check.integer(
                (*here, "refresh_token_days"), m.get("refresh_token_days"), 1, 3650, 30
            ),
            "access_token_minutes": check.integer(
                (*here, "access_token_minutes"), m.get("access_token_minutes"), 5, 1440, 60
            ),
            "id_token_minutes": check.integer(
                (*here, "id_token_minutes"), m.get("id_token_minutes"), 5, 1440, 60
            ),
            "read_attributes": sorted(
                check.names((*here, "read_attributes"), m.get("read_attributes"), readable),
                key=attr_order,
            ),
            "write_attributes": sorted(
                check.names((*here, "write_attributes"), m.get("write_attributes"), writable),
                key=attr_order,
            ),
            "prevent_user_existence_errors": check.boolean(
                (*here, "prevent_user_existence_errors"),
                m.get("prevent_user_existence_errors"),
                True,
            ),
            "enable_token_revocation": check.boolean(
                (*here, "enable_token_revocation"), m.get("enable_token_revocation"), True
            ),
        }
    return out


def identity_pool(check: Checker, path: tuple[Any, ...], raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    m = check.mapping(path, raw, ("name", "allow_unauthenticated"))
    return {
        "name": check.string(
            (*path, "name"),
            m.get("name"),
            None,
            pattern=re.compile(r"[\w]{1,128}"),
            hint="letters, digits and _",
        ),
        "allow_unauthenticated": check.boolean(
            (*path, "allow_unauthenticated"), m.get("allow_unauthenticated"), False
        ),
    }


# the rest of the file ---------------------------------------------------------------------------
def outputs(check: Checker, raw: Any, pools: dict[str, Any]) -> dict[str, Any]:
    path = ("outputs",)
    m = check.mapping(path, raw, ("pool", "client", "directory", "formats"))
    out: dict[str, Any] = {}
    if "pool" in m:
        out["pool"] = check.string((*path, "pool"), m["pool"], None)
        if out["pool"] not in pools:
            check.error((*path, "pool"), f"no pool named {out['pool']!r} in this file")
    if "client" in m:
        out["client"] = check.string((*path, "client"), m["client"], None)
        pool_name = out.get("pool") or next(iter(pools), None)
        known = pools[pool_name]["clients"] if pool_name in pools else {}
        if out["client"] not in known:
            check.error((*path, "client"), f"no client named {out['client']!r} in that pool")
    if "directory" in m:
        out["directory"] = check.string((*path, "directory"), m["directory"], ".")
    if "formats" in m:
        out["formats"] = check.names((*path, "formats"), m["formats"], OUTPUT_FORMATS)
    return out


def removed(check: Checker, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.error(("removed",), "must be a list")
        return []
    out = []
    for index, item in enumerate(raw):
        m = check.mapping(("removed", index), item, ("name", "id"))
        out.append(
            {
                "name": check.string(("removed", index, "name"), m.get("name"), None),
                "id": check.string(
                    ("removed", index, "id"), m.get("id"), None, pattern=POOL_ID, hint="a pool id"
                ),
            }
        )
    return out
