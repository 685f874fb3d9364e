"""Where the client finds its user pool: :class:`AuthConfig`, from keyword arguments, an
``amplify_outputs.json`` (Amplify Gen 2) or an ``amplifyconfiguration.json`` (Gen 1, the
Flutter, Android and Swift format), with an optional custom endpoint.

The endpoint is the one difference between authpool and Amazon Cognito: leave it out and
the client calls ``https://cognito-idp.{region}.amazonaws.com/``; set it to your authpool
server's URL and nothing else changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from authpool.client.errors import AuthValidationException, ConfigurationException
from authpool.client.models import AuthFlowType

__all__ = ["AuthConfig", "load_config"]

_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
_CLIENT_ID = re.compile(r"[\w+]+")


def _endpoint_url(endpoint: str) -> str:
    """``https://host/`` for a bare host name (the Gen 1 files' form), else the URL as given."""
    endpoint = endpoint.strip()
    if "://" not in endpoint:
        endpoint = f"https://{endpoint}"
    return endpoint if endpoint.endswith("/") else endpoint + "/"


@dataclass(frozen=True)
class AuthConfig:
    """One user pool app client, and how to reach it.

    ``client_secret`` is only for confidential clients (server-side apps): with it the
    client adds SECRET_HASH to every call that names a user, as Cognito requires. It never
    appears in ``repr``.
    """

    user_pool_id: str
    user_pool_client_id: str
    region: str = ""
    endpoint: str = ""
    client_secret: str | None = field(default=None, repr=False)
    auth_flow_type: AuthFlowType = AuthFlowType.USER_SRP_AUTH
    device_name: str | None = None

    def __post_init__(self) -> None:
        if not self.user_pool_id or _POOL_ID.fullmatch(self.user_pool_id) is None:
            raise ConfigurationException(f"Not a user pool id: {self.user_pool_id!r}.")
        if not self.user_pool_client_id or _CLIENT_ID.fullmatch(self.user_pool_client_id) is None:
            raise ConfigurationException(f"Not an app client id: {self.user_pool_client_id!r}.")
        if not self.region:
            object.__setattr__(self, "region", self.user_pool_id.split("_", 1)[0])
        endpoint = self.endpoint or f"https://cognito-idp.{self.region}.amazonaws.com/"
        object.__setattr__(self, "endpoint", _endpoint_url(endpoint))
        try:
            flow = AuthFlowType.parse(self.auth_flow_type)
        except AuthValidationException as exc:
            raise ConfigurationException(exc.message) from None
        object.__setattr__(self, "auth_flow_type", flow)

    @property
    def has_secret(self) -> bool:
        return bool(self.client_secret)

    def secret_hash(self, username: str) -> str | None:
        """SECRET_HASH for ``username``: base64(HMAC-SHA256(secret, username + client id))."""
        if not self.client_secret:
            return None
        digest = hmac.new(
            self.client_secret.encode(),
            (username + self.user_pool_client_id).encode(),
            hashlib.sha256,
        ).digest()
        return base64.b64encode(digest).decode()

    def with_overrides(self, **overrides: Any) -> AuthConfig:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    # -- loaders ------------------------------------------------------------------------------
    @classmethod
    def from_amplify_outputs(cls, outputs: Mapping[str, Any], **overrides: Any) -> AuthConfig:
        """From the parsed ``amplify_outputs.json`` of Amplify Gen 2 (``version`` "1…")."""
        auth = outputs.get("auth")
        if not isinstance(auth, Mapping):
            raise ConfigurationException("amplify_outputs.json has no 'auth' section.")
        values: dict[str, Any] = {
            "user_pool_id": auth.get("user_pool_id", ""),
            "user_pool_client_id": auth.get("user_pool_client_id", ""),
            "region": auth.get("aws_region", ""),
            "endpoint": auth.get("user_pool_endpoint", ""),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def from_amplify_configuration(
        cls, configuration: Mapping[str, Any], **overrides: Any
    ) -> AuthConfig:
        """From the parsed ``amplifyconfiguration.json`` (``auth.plugins.awsCognitoAuthPlugin``).

        Reads ``CognitoUserPool.Default`` (``PoolId``, ``AppClientId``, ``AppClientSecret``,
        ``Region``, ``Endpoint``) and ``Auth.Default.authenticationFlowType``.
        """
        try:
            plugin = configuration["auth"]["plugins"]["awsCognitoAuthPlugin"]
            pool = plugin["CognitoUserPool"]["Default"]
        except (KeyError, TypeError):
            raise ConfigurationException(
                "amplifyconfiguration.json has no auth.plugins.awsCognitoAuthPlugin"
                ".CognitoUserPool.Default section."
            ) from None
        auth_default = (plugin.get("Auth") or {}).get("Default") or {}
        values: dict[str, Any] = {
            "user_pool_id": pool.get("PoolId", ""),
            "user_pool_client_id": pool.get("AppClientId", ""),
            "client_secret": pool.get("AppClientSecret") or None,
            "region": pool.get("Region", ""),
            "endpoint": pool.get("Endpoint", ""),
        }
        if auth_default.get("authenticationFlowType"):
            values["auth_flow_type"] = auth_default["authenticationFlowType"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any], **overrides: Any) -> AuthConfig:
        """From either file's parsed contents, told apart as Amplify tells them apart."""
        version = document.get("version")
        if isinstance(version, str) and version.startswith("1"):
            return cls.from_amplify_outputs(document, **overrides)
        auth = document.get("auth")
        if isinstance(auth, Mapping) and "plugins" in auth:
            return cls.from_amplify_configuration(document, **overrides)
        raise ConfigurationException(
            "Not an amplify_outputs.json (version 1) or amplifyconfiguration.json document."
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **overrides: Any) -> AuthConfig:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationException(
                f"Cannot read the configuration file {os.fspath(path)!r}: {exc}"
            ) from exc
        if not isinstance(document, Mapping):
            raise ConfigurationException(f"{os.fspath(path)!r} does not hold a JSON object.")
        return cls.from_mapping(document, **overrides)


def load_config(
    source: AuthConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> AuthConfig:
    """What ``configure()`` accepts: an :class:`AuthConfig`, a parsed Amplify document, a path
    to one, or keyword arguments alone (``user_pool_id=``, ``user_pool_client_id=``, …).
    Keyword arguments given with a source override what it says (``endpoint=`` above all)."""
    if source is None:
        try:
            return AuthConfig(**kwargs)
        except TypeError as exc:
            raise ConfigurationException(f"Invalid configuration: {exc}") from exc
    try:
        if isinstance(source, AuthConfig):
            return source.with_overrides(**kwargs)
        if isinstance(source, Mapping):
            return AuthConfig.from_mapping(source, **kwargs)
        return AuthConfig.from_file(source, **kwargs)
    except TypeError as exc:
        raise ConfigurationException(f"Invalid configuration: {exc}") from exc
