"""Between a pool of ``authpool.yaml`` (its normal form, see :mod:`authpool.cli.project_schema`)
and Cognito's API: the requests that create or update it, and the normal form of a pool read
from a server (what ``pull`` writes and ``push`` compares with).

Settings the file does not describe (e-mail and SMS sending, devices, tags, OAuth URLs of a
client…) are carried over from the server on every update, because UpdateUserPool and
UpdateUserPoolClient reset whatever they are not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authpool.cli import project_schema as schema
from authpool.domain.clients import LEGACY_MEANING
from authpool.wire import model

Wire = dict[str, Any]
_POLICY = (
    ("min_length", "MinimumLength"),
    ("require_uppercase", "RequireUppercase"),
    ("require_lowercase", "RequireLowercase"),
    ("require_numbers", "RequireNumbers"),
    ("require_symbols", "RequireSymbols"),
    ("temporary_password_validity_days", "TemporaryPasswordValidityDays"),
)
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_SIGN_IN_ORDER = ("email", "phone_number", "preferred_username")
# What the pool members below describe in the file; everything else is carried over.
_POOL_MODELLED = {
    "UserPoolId",
    "Policies",
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "MfaConfiguration",
    "AdminCreateUserConfig",
    "AccountRecoverySetting",
}
_CLIENT_MODELLED = {
    "UserPoolId",
    "ClientId",
    "ClientName",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ExplicitAuthFlows",
    "ReadAttributes",
    "WriteAttributes",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
}


def _input_members(operation: str) -> set[str]:
    return set(model.operation_model(operation).input_shape.members)


# requests --------------------------------------------------------------------------------------
def lambda_config(triggers: Mapping[str, Any]) -> Wire:
    out: Wire = {}
    for name, trigger in triggers.items():
        target, version = trigger["target"], trigger["version"]
        if name == "PreTokenGeneration" and version is not None:
            out["PreTokenGenerationConfig"] = {"LambdaArn": target, "LambdaVersion": version}
        elif name in ("CustomSMSSender", "CustomEmailSender"):
            out[name] = {"LambdaArn": target, "LambdaVersion": version or "V1_0"}
        else:
            out[name] = target
    return out


def pool_settings(spec: Mapping[str, Any]) -> Wire:
    """The members CreateUserPool and UpdateUserPool share, from the file."""
    policy = spec["password_policy"]
    verification = spec["verification"]
    template: Wire = {}
    for key, member in (
        ("sms_message", "SmsMessage"),
        ("email_message", "EmailMessage"),
        ("email_subject", "EmailSubject"),
    ):
        if verification[key] is not None:
            template[member] = verification[key]
    out: Wire = {
        "Policies": {"PasswordPolicy": {member: policy[key] for key, member in _POLICY}},
        "DeletionProtection": "ACTIVE" if spec["deletion_protection"] else "INACTIVE",
        "LambdaConfig": lambda_config(spec["triggers"]),
        "AutoVerifiedAttributes": list(verification["auto_verify"]),
        "VerificationMessageTemplate": template,
        "MfaConfiguration": spec["mfa"]["mode"],
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": spec["admin_create_user_only"]},
    }
    if spec["mfa"]["sms_message"] is not None:
        out["SmsAuthenticationMessage"] = spec["mfa"]["sms_message"]
    if spec["account_recovery"]:
        out["AccountRecoverySetting"] = {
            "RecoveryMechanisms": [
                {"Name": name, "Priority": i + 1} for i, name in enumerate(spec["account_recovery"])
            ]
        }
    return out


def custom_attribute(name: str, attr: Mapping[str, Any]) -> Wire:
    out: Wire = {
        "Name": name,
        "AttributeDataType": attr["type"],
        "Mutable": attr["mutable"],
        "DeveloperOnlyAttribute": attr["developer_only"],
    }
    strings = {
        k: str(attr[f])
        for f, k in (("min_length", "MinLength"), ("max_length", "MaxLength"))
        if attr[f] is not None
    }
    numbers = {
        k: str(attr[f])
        for f, k in (("min_value", "MinValue"), ("max_value", "MaxValue"))
        if attr[f] is not None
    }
    if strings:
        out["StringAttributeConstraints"] = strings
    if numbers:
        out["NumberAttributeConstraints"] = numbers
    return out


def create_pool_request(spec: Mapping[str, Any]) -> Wire:
    sign_in = spec["sign_in"]
    out = pool_settings(spec)
    out["MfaConfiguration"] = "OFF"  # factors first (SetUserPoolMfaConfig), then the mode
    out["PoolName"] = spec["name"]
    out["VerificationMessageTemplate"]["DefaultEmailOption"] = "CONFIRM_WITH_CODE"
    if sign_in["username_attributes"]:
        out["UsernameAttributes"] = list(sign_in["username_attributes"])
    if sign_in["alias_attributes"]:
        out["AliasAttributes"] = list(sign_in["alias_attributes"])
    out["UsernameConfiguration"] = {"CaseSensitive": sign_in["case_sensitive"]}
    out["Schema"] = [
        {"Name": attr, "Required": True, "Mutable": True} for attr in spec["required_attributes"]
    ] + [custom_attribute(name, attr) for name, attr in spec["custom_attributes"].items()]
    return out


def update_pool_request(pool_id: str, spec: Mapping[str, Any], current: Mapping[str, Any]) -> Wire:
    """UpdateUserPool from the file, with every setting the file does not describe kept."""
    out: Wire = {
        k: v for k, v in current.items() if k in _input_members("UpdateUserPool") - _POOL_MODELLED
    }
    out.update(pool_settings(spec))
    out["UserPoolId"] = pool_id
    policies = dict(current.get("Policies") or {})
    policies.update(out["Policies"])
    out["Policies"] = policies
    template = dict(current.get("VerificationMessageTemplate") or {})
    for member in ("SmsMessage", "EmailMessage", "EmailSubject"):
        template.pop(member, None)
    template.update(out["VerificationMessageTemplate"])
    out["VerificationMessageTemplate"] = template
    admin = dict(current.get("AdminCreateUserConfig") or {})  # the invitation template, …
    admin.update(out["AdminCreateUserConfig"])
    out["AdminCreateUserConfig"] = admin
    kms = (current.get("LambdaConfig") or {}).get("KMSKeyID")
    if kms:
        out["LambdaConfig"]["KMSKeyID"] = kms
    update = out.get("UserAttributeUpdateSettings")
    if update:
        keep = [
            a
            for a in update.get("AttributesRequireVerificationBeforeUpdate", [])
            if a in out["AutoVerifiedAttributes"]
        ]
        out["UserAttributeUpdateSettings"] = {"AttributesRequireVerificationBeforeUpdate": keep}
    return out


def mfa_request(pool_id: str, spec: Mapping[str, Any]) -> Wire:
    mfa = spec["mfa"]
    methods = mfa["methods"]
    sms: Wire = {}
    if "SMS" in methods:
        sms = {"SmsAuthenticationMessage": mfa["sms_message"] or schema.SMS_MFA_MESSAGE}
    email: Wire = {}
    if "EMAIL" in methods:
        email = {
            k: v
            for k, v in (("Message", mfa["email_message"]), ("Subject", mfa["email_subject"]))
            if v
        }
        email = email or {"Subject": schema.EMAIL_MFA_SUBJECT}
    # SetUserPoolMfaConfig replaces the whole configuration: a block present turns its factor
    # on (SMS and e-mail have no switch of their own), one left out turns it off, and Cognito
    # refuses any block alongside MfaConfiguration OFF.
    request: Wire = {"UserPoolId": pool_id, "MfaConfiguration": mfa["mode"]}
    if mfa["mode"] == "OFF":
        return request
    if "SMS" in methods:
        request["SmsMfaConfiguration"] = sms
    if "TOTP" in methods:
        request["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if "EMAIL" in methods:
        request["EmailMfaConfiguration"] = email
    return request


def client_request(name: str, spec: Mapping[str, Any]) -> Wire:
    out: Wire = {
        "ClientName": name,
        "RefreshTokenValidity": spec["refresh_token_days"],
        "AccessTokenValidity": spec["access_token_minutes"],
        "IdTokenValidity": spec["id_token_minutes"],
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "days",
        },
        "ExplicitAuthFlows": list(spec["auth_flows"]),
        "PreventUserExistenceErrors": "ENABLED"
        if spec["prevent_user_existence_errors"]
        else "LEGACY",
        "EnableTokenRevocation": spec["enable_token_revocation"],
    }
    if spec["read_attributes"]:
        out["ReadAttributes"] = list(spec["read_attributes"])
    if spec["write_attributes"]:
        out["WriteAttributes"] = list(spec["write_attributes"])
    return out


def update_client_request(
    pool_id: str, client_id: str, name: str, spec: Mapping[str, Any], current: Mapping[str, Any]
) -> Wire:
    out: Wire = {
        k: v
        for k, v in current.items()
        if k in _input_members("UpdateUserPoolClient") - _CLIENT_MODELLED
    }
    out.update(client_request(name, spec))
    out.update({"UserPoolId": pool_id, "ClientId": client_id})
    return out


def group_request(name: str, spec: Mapping[str, Any]) -> Wire:
    out: Wire = {"GroupName": name}
    for key, member in (
        ("description", "Description"),
        ("precedence", "Precedence"),
        ("role_arn", "RoleArn"),
    ):
        if spec[key] is not None:
            out[member] = spec[key]
    return out


# reading a server ------------------------------------------------------------------------------
def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _custom_attributes(schema_attrs: list[Wire]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in schema_attrs:
        name = str(attr.get("Name", ""))
        if "custom:" not in name:
            continue
        strings = attr.get("StringAttributeConstraints") or {}
        numbers = attr.get("NumberAttributeConstraints") or {}
        kind = attr.get("AttributeDataType", "String")
        out[name.split(":")[-1]] = {
            "type": kind,
            "mutable": bool(attr.get("Mutable", True)),
            "developer_only": name.startswith("dev:"),
            "min_length": _int(strings.get("MinLength")) if kind == "String" else None,
            "max_length": _int(strings.get("MaxLength")) if kind == "String" else None,
            "min_value": _int(numbers.get("MinValue")) if kind == "Number" else None,
            "max_value": _int(numbers.get("MaxValue")) if kind == "Number" else None,
        }
    return out


def _triggers(config: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in schema.TRIGGER_NAMES:
        value = config.get(name)
        if name == "PreTokenGeneration" and config.get("PreTokenGenerationConfig"):
            versioned = config["PreTokenGenerationConfig"]
            out[name] = {"target": versioned["LambdaArn"], "version": versioned["LambdaVersion"]}
        elif isinstance(value, dict):
            out[name] = {"target": value.get("LambdaArn"), "version": value.get("LambdaVersion")}
        elif value:
            out[name] = {"target": value, "version": None}
    return out


def _mfa(pool: Mapping[str, Any], mfa: Mapping[str, Any]) -> dict[str, Any]:
    sms = mfa.get("SmsMfaConfiguration") or {}
    email = mfa.get("EmailMfaConfiguration") or {}
    totp = (mfa.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")
    methods = [
        m for m, on in (("SMS", bool(sms)), ("TOTP", bool(totp)), ("EMAIL", bool(email))) if on
    ]
    return schema.mfa_defaults(
        {
            "mode": mfa.get("MfaConfiguration") or pool.get("MfaConfiguration") or "OFF",
            "methods": methods,
            "sms_message": sms.get("SmsAuthenticationMessage")
            or pool.get("SmsAuthenticationMessage"),
            "email_subject": email.get("Subject"),
            "email_message": email.get("Message"),
        }
    )


def pool_spec(
    pool: Mapping[str, Any],
    mfa: Mapping[str, Any],
    clients: list[Wire],
    groups: list[Wire],
) -> dict[str, Any]:
    """The normal form of a pool read from a server (DescribeUserPool, GetUserPoolMfaConfig,
    DescribeUserPoolClient of each client, ListGroups)."""
    schema_attrs = list(pool.get("SchemaAttributes") or [])
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    template = pool.get("VerificationMessageTemplate") or {}
    recovery = (pool.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    customs = _custom_attributes(schema_attrs)
    return {
        "name": pool["Name"],
        "id": pool["Id"],
        "sign_in": {
            "username_attributes": sorted(
                pool.get("UsernameAttributes") or [], key=_SIGN_IN_ORDER.index
            ),
            "alias_attributes": sorted(pool.get("AliasAttributes") or [], key=_SIGN_IN_ORDER.index),
            "case_sensitive": bool(
                (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
            ),
        },
        "required_attributes": sorted(
            (
                a["Name"]
                for a in schema_attrs
                if a.get("Required") and a["Name"] in schema.REQUIRABLE
            ),
            key=schema.attr_order,
        ),
        "custom_attributes": customs,
        "verification": {
            "auto_verify": sorted(
                pool.get("AutoVerifiedAttributes") or [], key=_SIGN_IN_ORDER.index
            ),
            "email_subject": template.get("EmailSubject") or pool.get("EmailVerificationSubject"),
            "email_message": template.get("EmailMessage") or pool.get("EmailVerificationMessage"),
            "sms_message": template.get("SmsMessage") or pool.get("SmsVerificationMessage"),
        },
        "account_recovery": [
            r["Name"] for r in sorted(recovery, key=lambda r: int(r.get("Priority", 0)))
        ],
        "password_policy": {
            key: policy.get(dict(_POLICY)[key], default)
            for key, default in schema.DEFAULT_PASSWORD_POLICY.items()
        },
        "mfa": _mfa(pool, mfa),
        "admin_create_user_only": bool(
            (pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly", False)
        ),
        "deletion_protection": pool.get("DeletionProtection") == "ACTIVE",
        "triggers": _triggers(pool.get("LambdaConfig") or {}),
        "groups": {g["GroupName"]: group_spec(g) for g in groups},
        "clients": {c["ClientName"]: client_spec(c) for c in clients},
        "identity_pool": None,
    }


def group_spec(group: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "description": group.get("Description"),
        "precedence": group.get("Precedence"),
        "role_arn": group.get("RoleArn"),
    }


def _lifetime(
    client: Mapping[str, Any], member: str, unit_key: str, default_unit: str, default_seconds: int
) -> int:
    value = client.get(member)
    if value is None:
        return default_seconds
    unit = (client.get("TokenValidityUnits") or {}).get(unit_key) or default_unit
    return int(value) * _UNIT_SECONDS[unit]


def client_spec(client: Mapping[str, Any]) -> dict[str, Any]:
    flows = client.get("ExplicitAuthFlows") or list(schema.DEFAULT_FLOWS)
    allowed = {LEGACY_MEANING.get(f, f) for f in flows}
    if set(flows) & set(LEGACY_MEANING):
        allowed |= {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    refresh = _lifetime(client, "RefreshTokenValidity", "RefreshToken", "days", 30 * 86400)
    access = _lifetime(client, "AccessTokenValidity", "AccessToken", "hours", 3600)
    id_token = _lifetime(client, "IdTokenValidity", "IdToken", "hours", 3600)
    return {
        "id": client.get("ClientId"),
        "generate_secret": bool(client.get("ClientSecret")),
        "auth_flows": sorted(allowed, key=lambda f: (f not in schema.AUTH_FLOWS, f)),
        "refresh_token_days": max(1, refresh // 86400),
        "access_token_minutes": access // 60,
        "id_token_minutes": id_token // 60,
        "read_attributes": sorted(client.get("ReadAttributes") or [], key=schema.attr_order),
        "write_attributes": sorted(client.get("WriteAttributes") or [], key=schema.attr_order),
        "prevent_user_existence_errors": client.get("PreventUserExistenceErrors") == "ENABLED",
        "enable_token_revocation": bool(client.get("EnableTokenRevocation", True)),
    }
