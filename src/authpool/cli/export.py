"""The files client apps read, pointing at an authpool server (``authpool push`` writes them,
``authpool config export`` writes them again).

``amplify_outputs.json``
    Amplify Gen 2 (schema version 1.4). The server's URL is ``auth.user_pool_endpoint``, an
    authpool addition the Amplify libraries ignore: hand it to Amplify JS as
    ``Auth.Cognito.userPoolEndpoint`` (docs/auth-wizard.md); ``authpool.client`` reads it.
``amplifyconfiguration.json`` and ``amplifyconfiguration.dart``
    Amplify Gen 1, as ``amplify push`` writes them for Flutter, Swift and Android, with the
    custom endpoint in ``CognitoUserPool.Default.Endpoint`` (which Amplify Flutter, Swift and
    Android read: a bare host name means https; Amplify Flutter also takes an http:// URL,
    which is what a plain-HTTP development server needs).
``.env``
    For boto3 and the AWS CLI: ``AWS_ENDPOINT_URL_COGNITO_IDP`` (botocore's per-service
    endpoint variable), the region, and the pool and client ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

GEN2_VERSION = "1.4"
_MFA_GEN2 = {"OFF": "NONE", "ON": "REQUIRED", "OPTIONAL": "OPTIONAL"}
_CHARACTERS = (
    ("require_lowercase", "REQUIRES_LOWERCASE"),
    ("require_uppercase", "REQUIRES_UPPERCASE"),
    ("require_numbers", "REQUIRES_NUMBERS"),
    ("require_symbols", "REQUIRES_SYMBOLS"),
)


@dataclass(frozen=True)
class Target:
    """One pool's client, as the apps reach it."""

    pool: Mapping[str, Any]  # the normal form of authpool.yaml
    pool_id: str
    client_id: str
    client_secret: str | None
    endpoint: str
    region: str


def gen1_endpoint(endpoint: str) -> str:
    """``Endpoint`` of the Gen 1 files: a bare host (https) or, for plain HTTP, the URL."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return (parts.netloc + parts.path).rstrip("/")
    return endpoint.rstrip("/")


def amplify_outputs(t: Target) -> dict[str, Any]:
    pool = t.pool
    policy = pool["password_policy"]
    sign_in = pool["sign_in"]
    names = list(sign_in["username_attributes"]) or [
        "username",
        *(a for a in sign_in["alias_attributes"] if a in ("email", "phone_number")),
    ]
    auth: dict[str, Any] = {
        "user_pool_id": t.pool_id,
        "aws_region": t.region,
        "user_pool_client_id": t.client_id,
        "user_pool_endpoint": t.endpoint,
        "password_policy": {
            "min_length": policy["min_length"],
            "require_lowercase": policy["require_lowercase"],
            "require_numbers": policy["require_numbers"],
            "require_symbols": policy["require_symbols"],
            "require_uppercase": policy["require_uppercase"],
        },
        "standard_required_attributes": list(pool["required_attributes"]),
        "username_attributes": names,
        "user_verification_types": list(pool["verification"]["auto_verify"]),
        "groups": [
            {name: {"precedence": g["precedence"]} if g["precedence"] is not None else {}}
            for name, g in pool["groups"].items()
        ],
        "mfa_configuration": _MFA_GEN2[pool["mfa"]["mode"]],
        "mfa_methods": list(pool["mfa"]["methods"]),
    }
    return {"auth": auth, "version": GEN2_VERSION}


def amplify_configuration(t: Target) -> dict[str, Any]:
    pool = t.pool
    policy = pool["password_policy"]
    user_pool: dict[str, Any] = {
        "PoolId": t.pool_id,
        "AppClientId": t.client_id,
        "Region": t.region,
        "Endpoint": gen1_endpoint(t.endpoint),
    }
    if t.client_secret:
        user_pool["AppClientSecret"] = t.client_secret
    auth_default = {
        "authenticationFlowType": "USER_SRP_AUTH",
        "socialProviders": [],
        "usernameAttributes": [a.upper() for a in pool["sign_in"]["username_attributes"]],
        "signupAttributes": [a.upper() for a in pool["required_attributes"]],
        "passwordProtectionSettings": {
            "passwordPolicyMinLength": policy["min_length"],
            "passwordPolicyCharacters": [name for key, name in _CHARACTERS if policy[key]],
        },
        "mfaConfiguration": pool["mfa"]["mode"],
        "mfaTypes": [m for m in pool["mfa"]["methods"] if m in ("SMS", "TOTP")],
        "verificationMechanisms": [a.upper() for a in pool["verification"]["auto_verify"]],
    }
    return {
        "UserAgent": "aws-amplify-cli/2.0",
        "Version": "1.0",
        "auth": {
            "plugins": {
                "awsCognitoAuthPlugin": {
                    "UserAgent": "aws-amplify-cli/0.1.0",
                    "Version": "0.1.0",
                    "IdentityManager": {"Default": {}},
                    "CognitoUserPool": {"Default": user_pool},
                    "Auth": {"Default": auth_default},
                }
            }
        },
    }


def dart(configuration: Mapping[str, Any]) -> str:
    """``amplifyconfiguration.dart``: the JSON in a Dart raw-less triple-quoted string."""
    text = json.dumps(configuration, indent=4).replace("\\", "\\\\").replace("$", "\\$")
    return f"const amplifyconfig = '''{text}''';\n"


def dotenv(t: Target) -> str:
    lines = [
        "# Written by authpool: boto3 (botocore 1.31+) and the AWS CLI read",
        "# AWS_ENDPOINT_URL_COGNITO_IDP and send every cognito-idp call there.",
        f"AWS_ENDPOINT_URL_COGNITO_IDP={t.endpoint}",
        f"AWS_REGION={t.region}",
        f"AWS_DEFAULT_REGION={t.region}",
        f"COGNITO_USER_POOL_ID={t.pool_id}",
        f"COGNITO_APP_CLIENT_ID={t.client_id}",
    ]
    if t.client_secret:
        lines.append(f"COGNITO_APP_CLIENT_SECRET={t.client_secret}")
    return "\n".join(lines) + "\n"


def render(t: Target, formats: list[str]) -> dict[str, str]:
    """File name -> contents, for each of ``formats``."""
    gen1 = amplify_configuration(t)
    makers = {
        "amplify_outputs.json": lambda: json.dumps(amplify_outputs(t), indent=2) + "\n",
        "amplifyconfiguration.json": lambda: json.dumps(gen1, indent=4) + "\n",
        "amplifyconfiguration.dart": lambda: dart(gen1),
        ".env": lambda: dotenv(t),
    }
    return {name: makers[name]() for name in formats}


def write(t: Target, formats: list[str], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(t, formats).items():
        path = directory / name
        tmp = path.with_name(name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        if name == ".env" and t.client_secret:
            tmp.chmod(0o600)
        tmp.replace(path)
        written.append(path)
    return written
