"""App client operations through boto3, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.server import LiveServer


def error_code(info: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = info.value.response["Error"]["Code"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return code


def body(client: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in client.items() if k not in ("LastModifiedDate", "CreationDate")}


# CreateUserPoolClient / DescribeUserPoolClient ------------------------------------------------
def test_minimal_client_has_cognitos_defaults(idp: Any, pool: Any) -> None:
    pool_id = pool()
    created = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]

    assert re.fullmatch(r"[a-z0-9]{26}", created["ClientId"])
    assert body(created) == {
        "UserPoolId": pool_id,
        "ClientName": "web",
        "ClientId": created["ClientId"],
        "RefreshTokenValidity": 30,
        "TokenValidityUnits": {},
        "ExplicitAuthFlows": [
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_USER_SRP_AUTH",
        ],
        "AllowedOAuthFlowsUserPoolClient": False,
        "EnableTokenRevocation": True,
        "EnablePropagateAdditionalUserContextData": False,
        "AuthSessionValidity": 3,
    }
    assert created["CreationDate"] == created["LastModifiedDate"]
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])
    assert described["UserPoolClient"] == created


def test_generated_secret_is_returned_by_create_and_describe(idp: Any, pool: Any) -> None:
    pool_id = pool()
    created = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="server", GenerateSecret=True
    )["UserPoolClient"]
    secret = created["ClientSecret"]
    assert re.fullmatch(r"[a-z0-9]{51}", secret)
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == secret
    other = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="server-2", GenerateSecret=True
    )["UserPoolClient"]
    assert other["ClientSecret"] != secret


def full_client_settings() -> dict[str, Any]:
    return {
        "RefreshTokenValidity": 10,
        "AccessTokenValidity": 15,
        "IdTokenValidity": 2,
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "hours",
            "RefreshToken": "days",
        },
        "ReadAttributes": ["email", "email_verified", "custom:tenant"],
        "WriteAttributes": ["email", "custom:tenant"],
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": ["https://app.example.com/callback"],
        "LogoutURLs": ["https://app.example.com/"],
        "DefaultRedirectURI": "https://app.example.com/callback",
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": False,
        "EnablePropagateAdditionalUserContextData": True,
        "AuthSessionValidity": 10,
        "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
    }


def test_every_setting_is_stored_and_echoed(idp: Any, pool: Any) -> None:
    pool_id = pool(Schema=[{"Name": "tenant", "AttributeDataType": "String"}])
    settings = full_client_settings()
    created = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="full", **settings)
    client = idp.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=created["UserPoolClient"]["ClientId"]
    )["UserPoolClient"]
    for key, value in settings.items():
        assert client[key] == value, key
    assert "ClientSecret" not in client


@pytest.mark.parametrize(
    ("validity", "ok"),
    [
        pytest.param({"AccessTokenValidity": 1}, True, id="access-1-hour-by-default-unit"),
        pytest.param({"AccessTokenValidity": 24}, True, id="access-24-hours"),
        pytest.param({"AccessTokenValidity": 25}, False, id="access-25-hours"),
        pytest.param({"AccessTokenValidity": 60}, False, id="access-60-is-hours-not-minutes"),
        pytest.param(
            {"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}},
            True,
            id="access-5-minutes",
        ),
        pytest.param(
            {"AccessTokenValidity": 299, "TokenValidityUnits": {"AccessToken": "seconds"}},
            False,
            id="access-299-seconds",
        ),
        pytest.param(
            {"IdTokenValidity": 1, "TokenValidityUnits": {"IdToken": "days"}}, True, id="id-1-day"
        ),
        pytest.param(
            {"IdTokenValidity": 4, "TokenValidityUnits": {"IdToken": "minutes"}},
            False,
            id="id-4-minutes",
        ),
        pytest.param(
            {"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}},
            True,
            id="refresh-60-minutes",
        ),
        pytest.param(
            {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
            False,
            id="refresh-59-minutes",
        ),
        pytest.param({"RefreshTokenValidity": 3650}, True, id="refresh-3650-days"),
        pytest.param({"RefreshTokenValidity": 3651}, False, id="refresh-3651-days"),
    ],
)
def test_token_validity_ranges(idp: Any, pool: Any, validity: dict[str, Any], ok: bool) -> None:
    pool_id = pool()
    if ok:
        client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="v", **validity)[
            "UserPoolClient"
        ]
        for key, value in validity.items():
            assert client[key] == value
        return
    with pytest.raises(ClientError) as info:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="v", **validity)
    assert error_code(info) == "InvalidParameterException"
    assert "token validity" in info.value.response["Error"]["Message"].lower()


def test_refresh_validity_default_follows_its_unit(idp: Any, pool: Any) -> None:
    client = idp.create_user_pool_client(
        UserPoolId=pool(), ClientName="h", TokenValidityUnits={"RefreshToken": "hours"}
    )["UserPoolClient"]
    assert client["RefreshTokenValidity"] == 720
    assert client["TokenValidityUnits"] == {"RefreshToken": "hours"}


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(
            {"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]},
            id="legacy-and-allow-flows",
        ),
        pytest.param({"ReadAttributes": ["custom:nope"]}, id="unknown-read-attribute"),
        pytest.param({"WriteAttributes": ["nickname", "shoe_size"]}, id="unknown-write-attribute"),
    ],
)
def test_create_client_refuses_bad_settings(idp: Any, pool: Any, settings: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        idp.create_user_pool_client(UserPoolId=pool(), ClientName="bad", **settings)
    assert error_code(info) == "InvalidParameterException"


def test_legacy_flow_names_are_accepted_and_echoed(idp: Any, pool: Any) -> None:
    client = idp.create_user_pool_client(
        UserPoolId=pool(), ClientName="legacy", ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"]
    )["UserPoolClient"]
    assert client["ExplicitAuthFlows"] == ["ADMIN_NO_SRP_AUTH"]


def test_client_of_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as info:
        idp.create_user_pool_client(UserPoolId="us-east-1_NoSuchPool", ClientName="x")
    assert error_code(info) == "ResourceNotFoundException"


def test_describe_client_through_another_pool_is_not_found(
    idp: Any, pool: Any, app_client: Any
) -> None:
    client_id = app_client(pool())["ClientId"]
    with pytest.raises(ClientError) as info:
        idp.describe_user_pool_client(UserPoolId=pool(), ClientId=client_id)
    assert error_code(info) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        idp.describe_user_pool_client(UserPoolId="us-east-1_NoSuchPool", ClientId="a" * 26)
    assert error_code(info) == "ResourceNotFoundException"


# UpdateUserPoolClient -------------------------------------------------------------------------
def test_update_resets_unspecified_settings_and_keeps_the_secret(
    server: LiveServer, idp: Any, pool: Any
) -> None:
    pool_id = pool(Schema=[{"Name": "tenant", "AttributeDataType": "String"}])
    created = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="before", GenerateSecret=True, **full_client_settings()
    )["UserPoolClient"]
    server.clock.advance(2)

    updated = idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=created["ClientId"], ClientName="after", AuthSessionValidity=5
    )["UserPoolClient"]
    assert body(updated) == {
        "UserPoolId": pool_id,
        "ClientName": "after",
        "ClientId": created["ClientId"],
        "ClientSecret": created["ClientSecret"],
        "RefreshTokenValidity": 30,
        "TokenValidityUnits": {},
        "ExplicitAuthFlows": [
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_USER_SRP_AUTH",
        ],
        "AllowedOAuthFlowsUserPoolClient": False,
        "EnableTokenRevocation": True,
        "EnablePropagateAdditionalUserContextData": False,
        "AuthSessionValidity": 5,
    }
    assert updated["CreationDate"] == created["CreationDate"]
    assert updated["LastModifiedDate"] > created["LastModifiedDate"]
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])
    assert described["UserPoolClient"] == updated


def test_update_without_a_name_keeps_the_name(idp: Any, pool: Any, app_client: Any) -> None:
    pool_id = pool()
    client = app_client(pool_id, ClientName="named")
    updated = idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client["ClientId"], PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]
    assert updated["ClientName"] == "named"
    assert updated["PreventUserExistenceErrors"] == "ENABLED"


def test_update_validates_like_create(idp: Any, pool: Any, app_client: Any) -> None:
    pool_id = pool()
    client = app_client(pool_id)
    with pytest.raises(ClientError) as info:
        idp.update_user_pool_client(
            UserPoolId=pool_id, ClientId=client["ClientId"], AccessTokenValidity=48
        )
    assert error_code(info) == "InvalidParameterException"
    with pytest.raises(ClientError) as info:
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId="b" * 26)
    assert error_code(info) == "ResourceNotFoundException"


# DeleteUserPoolClient -------------------------------------------------------------------------
def test_delete_client(idp: Any, pool: Any, app_client: Any) -> None:
    pool_id = pool()
    keep = app_client(pool_id)["ClientId"]
    gone = app_client(pool_id)["ClientId"]
    idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=gone)
    with pytest.raises(ClientError) as info:
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=gone)
    assert error_code(info) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=gone)
    assert error_code(info) == "ResourceNotFoundException"
    listed = idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]
    assert [c["ClientId"] for c in listed] == [keep]


def test_delete_client_through_another_pool_is_refused(
    idp: Any, pool: Any, app_client: Any
) -> None:
    owner = pool()
    client_id = app_client(owner)["ClientId"]
    with pytest.raises(ClientError) as info:
        idp.delete_user_pool_client(UserPoolId=pool(), ClientId=client_id)
    assert error_code(info) == "ResourceNotFoundException"
    idp.describe_user_pool_client(UserPoolId=owner, ClientId=client_id)


# ListUserPoolClients --------------------------------------------------------------------------
def test_list_clients_pages_with_next_token(idp: Any, pool: Any, app_client: Any) -> None:
    pool_id = pool()
    made = {app_client(pool_id, ClientName=f"c{i}")["ClientId"]: f"c{i}" for i in range(3)}

    first = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=2)
    assert len(first["UserPoolClients"]) == 2
    assert first["NextToken"]
    second = idp.list_user_pool_clients(
        UserPoolId=pool_id, MaxResults=2, NextToken=first["NextToken"]
    )
    assert len(second["UserPoolClients"]) == 1
    assert "NextToken" not in second

    items = first["UserPoolClients"] + second["UserPoolClients"]
    for item in items:
        assert item == {
            "ClientId": item["ClientId"],
            "UserPoolId": pool_id,
            "ClientName": made[item["ClientId"]],
        }
    assert {i["ClientId"] for i in items} == set(made)

    everything = idp.list_user_pool_clients(UserPoolId=pool_id)
    assert len(everything["UserPoolClients"]) == 3
    assert "NextToken" not in everything

    paginated = [
        c["ClientId"]
        for page in idp.get_paginator("list_user_pool_clients").paginate(
            UserPoolId=pool_id, MaxResults=1
        )
        for c in page["UserPoolClients"]
    ]
    assert sorted(paginated) == sorted(made)


def test_list_clients_of_unknown_or_empty_pool(idp: Any, pool: Any) -> None:
    assert idp.list_user_pool_clients(UserPoolId=pool())["UserPoolClients"] == []
    with pytest.raises(ClientError) as info:
        idp.list_user_pool_clients(UserPoolId="us-east-1_NoSuchPool")
    assert error_code(info) == "ResourceNotFoundException"


def test_list_clients_max_results_range(server: LiveServer, pool: Any) -> None:
    response = server.call("ListUserPoolClients", {"UserPoolId": pool(), "MaxResults": 61})
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidParameterException"
