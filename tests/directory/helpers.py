"""Helpers shared by the directory tests: users made through the public API, sign-in with
a password, token claims, and ClientError details."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

PASSWORD = "Directory-Passw0rd!"
PASSWORD_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


def name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error(call: Callable[[], object]) -> tuple[str, str]:
    """(Code, Message) of the ClientError ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def attr_list(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in values.items()]


def as_dict(attributes: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in attributes}


def claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT (its signature is the token tests' business)."""
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def make_user(
    idp: Any,
    pool_id: str,
    client_id: str,
    username: str,
    attributes: Mapping[str, str] | None = None,
    *,
    confirm: bool = True,
    password: str = PASSWORD,
) -> str:
    """A user signed up through the public API (confirmed by an admin); returns its sub."""
    result = idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=password,
        UserAttributes=attr_list(attributes or {}),
    )
    if confirm:
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    sub: str = result["UserSub"]
    return sub


def sign_in(idp: Any, client_id: str, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """AuthenticationResult of USER_PASSWORD_AUTH."""
    result: dict[str, Any] = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return result
