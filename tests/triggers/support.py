"""Helpers for the trigger tests: errors as (code, message), token claims, event checks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from tests.support.server import LiveServer
from tests.triggers.conftest import make_client, make_pool

PASSWORD = "Trigg3r-passw0rd!"
SDK = "aws-sdk-unknown-unknown"
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
COMMON = {
    "version",
    "triggerSource",
    "region",
    "userPoolId",
    "userName",
    "callerContext",
    "request",
    "response",
}


def error(call: Callable[[], object]) -> tuple[str, str]:
    """(Code, Message) of the ClientError ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return str(err["Code"]), str(err["Message"])


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def check_common(
    event: dict[str, Any],
    *,
    source: str,
    pool_id: str,
    user_name: str,
    client_id: str,
    version: str = "1",
) -> None:
    """The common parameters Cognito puts in every event, field by field."""
    assert set(event) == COMMON
    assert event["version"] == version
    assert event["triggerSource"] == source
    assert event["region"] == "us-east-1"
    assert event["userPoolId"] == pool_id
    assert event["userName"] == user_name
    assert event["callerContext"] == {"awsSdkVersion": SDK, "clientId": client_id}


@dataclass
class Env:
    """One pool and app client on a trigger server, with the calls tests make."""

    server: LiveServer
    pool_id: str
    client_id: str

    @classmethod
    def make(cls, server: LiveServer, *, client: dict[str, Any] | None = None, **pool: Any) -> Env:
        pool_id = make_pool(server)(**pool)
        made = make_client(server)(pool_id, **(client or {}))
        return cls(server, pool_id, made["ClientId"])

    @property
    def idp(self) -> Any:
        return self.server.client()

    @property
    def anon(self) -> Any:
        return self.server.anon_client()

    def sign_up(self, username: str, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("Password", PASSWORD)
        result: dict[str, Any] = self.anon.sign_up(
            ClientId=self.client_id, Username=username, **kwargs
        )
        return result

    def user(self, username: str) -> dict[str, Any]:
        found: dict[str, Any] = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=username)
        return found

    def attributes(self, username: str) -> dict[str, str]:
        return {a["Name"]: a["Value"] for a in self.user(username)["UserAttributes"]}

    def seen_attributes(self, username: str, **extra: str) -> dict[str, str]:
        """What triggers see of a stored user: its attributes (as AdminGetUser lists them),
        ``cognito:user_status`` and ``extra`` (the ``cognito:*_alias`` entries)."""
        user = self.user(username)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        return {**attributes, "cognito:user_status": user["UserStatus"], **extra}

    def exists(self, username: str) -> bool:
        try:
            self.user(username)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "UserNotFoundException":
                raise
            return False
        return True

    def confirmed_user(self, username: str, **attributes: str) -> str:
        """Sign up and confirm by admin; returns the sub."""
        attributes.setdefault("email", f"{username}@example.com")
        sub = self.sign_up(
            username, UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()]
        )["UserSub"]
        self.idp.admin_confirm_sign_up(UserPoolId=self.pool_id, Username=username)
        return str(sub)

    def password_sign_in(self, username: str, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.anon.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": kwargs.pop("password", PASSWORD)},
            **kwargs,
        )
        return result

    def outbox(self, username: str | None = None) -> list[Any]:
        filters: dict[str, Any] = {"pool_id": self.pool_id}
        if username is not None:
            filters["username"] = username
        return list(self.server.outbox(**filters))
