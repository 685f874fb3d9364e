"""What every flow needs: the configuration, the token store, the time and randomness, and
the two request shapes of sign-in (with SECRET_HASH added for confidential clients)."""

from __future__ import annotations

import platform
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from authpool.client.config import AuthConfig
from authpool.client.storage import TokenStore
from authpool.client.wire import Request

__all__ = ["Clock", "Context", "SystemClock", "TokenBytes"]

TokenBytes = Callable[[int], bytes]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


def default_device_name() -> str:
    return platform.node() or "python"


@dataclass(frozen=True)
class Context:
    config: AuthConfig
    store: TokenStore
    clock: Clock = field(default_factory=SystemClock)
    token_bytes: TokenBytes = secrets.token_bytes

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def client_id(self) -> str:
        return self.config.user_pool_client_id

    @property
    def device_name(self) -> str:
        return self.config.device_name or default_device_name()

    def initiate(
        self,
        auth_flow: str,
        parameters: Mapping[str, str],
        client_metadata: Mapping[str, str] | None,
    ) -> Request:
        """InitiateAuth, SECRET_HASH computed over the USERNAME it sends."""
        params = dict(parameters)
        secret_hash = self.config.secret_hash(params["USERNAME"])
        if secret_hash:
            params["SECRET_HASH"] = secret_hash
        return Request(
            "InitiateAuth",
            {
                "AuthFlow": auth_flow,
                "AuthParameters": params,
                "ClientId": self.client_id,
                "ClientMetadata": _metadata(client_metadata),
            },
        )

    def respond(
        self,
        challenge: str,
        responses: Mapping[str, str],
        session: str | None,
        client_metadata: Mapping[str, str] | None,
    ) -> Request:
        """RespondToAuthChallenge, SECRET_HASH over the USERNAME it sends (for an alias
        sign-in that is the internal username, as Cognito checks it)."""
        params = dict(responses)
        secret_hash = self.config.secret_hash(params["USERNAME"])
        if secret_hash:
            params["SECRET_HASH"] = secret_hash
        return Request(
            "RespondToAuthChallenge",
            {
                "ChallengeName": challenge,
                "ChallengeResponses": params,
                "Session": session,
                "ClientId": self.client_id,
                "ClientMetadata": _metadata(client_metadata),
            },
        )


def _metadata(client_metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    return dict(client_metadata) if client_metadata else None


def wire_attributes(attributes: Mapping[str, str]) -> list[dict[str, Any]]:
    """``{"email": "a@b"}`` as the service's AttributeType list."""
    return [{"Name": name, "Value": value} for name, value in attributes.items()]
