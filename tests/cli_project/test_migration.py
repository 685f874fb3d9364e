"""Settings Cognito fixes at creation, changed after checking the users: a refused push that
lists the users a change would break, and forced pushes that apply a remedy."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from tests.support.server import LiveServer, signed_headers

from authpool.domain import pool_migration
from authpool.domain.errors import InvalidParameterException

from .helpers import cli, read_yaml, server_env

PASSWORD = "Migrate-Passw0rd!"


def project_with_pool(server: LiveServer, tmp_path: Path, *flags: str) -> tuple[Path, str]:
    path = tmp_path / "app" / "authpool.yaml"
    path.parent.mkdir()
    cli(
        "auth",
        "add",
        "--file",
        str(path),
        "--yes",
        "--resource-name",
        "shop",
        "--pool-name",
        f"shop-{secrets.token_hex(4)}",
        *flags,
    ).ok()
    text = path.read_text().replace(
        "auth_flows: [ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH]",
        "auth_flows: [ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_PASSWORD_AUTH]",
    )
    path.write_text(text)
    push(path, server, "--yes").ok()
    return path, read_yaml(path)["pools"]["shop"]["id"]


def push(path: Path, server: LiveServer, *flags: str) -> Any:
    return cli("push", "--file", str(path), "--no-outputs", *flags, env=server_env(server))


def user(server: LiveServer, pool_id: str, username: str, **attributes: str) -> None:
    idp = server.client()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )


def sign_in(server: LiveServer, path: Path, name: str) -> str:
    """The username of whoever signs in as ``name`` (a username or an alias)."""
    client_id = read_yaml(path)["pools"]["shop"]["clients"]["shop_app_client"]["id"]
    tokens = server.anon_client().initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    found = server.anon_client().get_user(AccessToken=tokens["AccessToken"])
    return str(found["Username"])


def test_a_new_sign_in_attribute_is_refused_then_forced_with_a_remedy(
    server: LiveServer, tmp_path: Path
) -> None:
    path, pool_id = project_with_pool(server, tmp_path, "--email-registration")
    user(server, pool_id, "alice", email="pat@example.com")
    user(server, pool_id, "bob", email="PAT@example.com")
    user(server, pool_id, "carol", email="carol@example.com")
    cli("auth", "update", "--file", str(path), "--yes", "--sign-in", "email").ok()

    refused = push(path, server, "--yes")
    line = refused.one_error_line()
    assert "the change would break 1 group(s) of existing users" in line
    assert "--force --remedy KIND=ACTION (alias-collision=oldest-keeps|disable-others)" in line
    assert "~ sign_in.username_attributes: [] -> ['email'] (checked against the users)" in (
        refused.out
    )
    assert "users checked: 3" in refused.out
    assert "alias-collision: 2 user(s) (alice, bob) share email pat@example.com" in refused.out
    pool = server.client().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert "UsernameAttributes" not in pool or pool["UsernameAttributes"] == []

    line = push(path, server, "--yes", "--remedy", "alias-collision=oldest-keeps").one_error_line()
    assert "--remedy changes users: it needs --force" in line

    forced = push(path, server, "--yes", "--force", "--remedy", "alias-collision=oldest-keeps")
    forced.ok()
    assert "remedy: oldest-keeps" in forced.out
    pool = server.client().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    # The oldest keeps the shared address; the other still signs in with the username.
    assert sign_in(server, path, "Pat@Example.com") == "alice"
    assert sign_in(server, path, "bob") == "bob"
    assert sign_in(server, path, "carol@example.com") == "carol"
    assert "No changes." in push(path, server, "--yes").ok().out


def test_a_newly_required_attribute_is_filled_or_its_users_disabled(
    server: LiveServer, tmp_path: Path
) -> None:
    path, pool_id = project_with_pool(server, tmp_path)
    user(server, pool_id, "dora", email="dora@example.com", given_name="Dora")
    user(server, pool_id, "eli", email="eli@example.com")
    cli(
        "auth",
        "update",
        "--file",
        str(path),
        "--yes",
        "--required",
        "email",
        "--required",
        "given_name",
    ).ok()
    refused = push(path, server, "--yes")
    assert "missing-attribute=disable|fill" in refused.one_error_line()
    assert "missing-attribute: 1 user(s) (eli) lack given_name" in refused.out

    push(path, server, "--yes", "--force", "--remedy", "missing-attribute=fill:Unknown").ok()
    idp = server.client()
    attrs = {
        a["Name"]: a["Value"]
        for a in idp.admin_get_user(UserPoolId=pool_id, Username="eli")["UserAttributes"]
    }
    assert attrs["given_name"] == "Unknown"
    schema = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert {a["Name"]: a["Required"] for a in schema}["given_name"] is True

    user(server, pool_id, "fay", email="fay@example.com", given_name="Fay")
    cli(
        "auth",
        "update",
        "--file",
        str(path),
        "--yes",
        "--required",
        "email",
        "--required",
        "given_name",
        "--required",
        "family_name",
    ).ok()
    push(path, server, "--yes", "--force", "--remedy", "missing-attribute=disable").ok()
    enabled = {
        name: idp.admin_get_user(UserPoolId=pool_id, Username=name)["Enabled"]
        for name in ("dora", "eli", "fay")
    }
    assert enabled == {"dora": False, "eli": False, "fay": False}


def test_usernames_that_fold_together_are_renamed(server: LiveServer, tmp_path: Path) -> None:
    path, pool_id = project_with_pool(server, tmp_path, "--case-sensitive")
    user(server, pool_id, "Dana", email="dana1@example.com", email_verified="true")
    user(server, pool_id, "dana", email="dana2@example.com", email_verified="true")
    user(server, pool_id, "Ezra", email="ezra@example.com")
    cli("auth", "update", "--file", str(path), "--yes", "--case-insensitive").ok()
    refused = push(path, server, "--yes")
    assert "username-collision=rename" in refused.one_error_line()
    assert "username-collision: 2 user(s) (Dana, dana) fold to dana" in refused.out

    forced = push(path, server, "--yes", "--force", "--remedy", "username-collision=rename")
    assert "(renamed, password reset required: dana -> dana-" in forced.ok().out
    idp = server.client()
    renamed = [
        u["Username"]
        for u in idp.list_users(UserPoolId=pool_id)["Users"]
        if u["Username"].startswith("dana-")
    ]
    assert len(renamed) == 1
    assert sign_in(server, path, "DANA") == "Dana"
    assert sign_in(server, path, "ezra") == "Ezra"
    # The renamed user's password was bound to the old name: they reset it, nothing else.
    new_name = renamed[0]
    anon = server.anon_client()
    assert idp.admin_get_user(UserPoolId=pool_id, Username=new_name)["UserStatus"] == (
        "RESET_REQUIRED"
    )
    client_id = read_yaml(path)["pools"]["shop"]["clients"]["shop_app_client"]["id"]
    anon.forgot_password(ClientId=client_id, Username=new_name)
    [message] = [m for m in server.outbox(pool_id=pool_id, username=new_name) if m.code]
    anon.confirm_forgot_password(
        ClientId=client_id, Username=new_name, ConfirmationCode=message.code, Password=PASSWORD
    )
    assert sign_in(server, path, new_name) == new_name
    attrs = {
        a["Name"]: a["Value"]
        for a in idp.admin_get_user(UserPoolId=pool_id, Username=new_name)["UserAttributes"]
    }
    assert attrs["email"] == "dana2@example.com"
    config = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UsernameConfiguration"]
    assert config == {"CaseSensitive": False}


def test_the_domain_refuses_without_a_remedy_and_plans_without_writing(
    server: LiveServer, tmp_path: Path
) -> None:
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=f"p-{secrets.token_hex(4)}")["UserPool"]["Id"]
    user(server, pool_id, "gil")
    user(server, pool_id, "hal", email="hal@example.com")
    change = pool_migration.Change(required_attributes=("email",))
    planned = pool_migration.plan(server.svc, pool_id, change)
    assert [(p.kind, p.usernames) for p in planned.problems] == [("missing-attribute", ("gil",))]
    assert planned.settings == ("required attributes: [] -> ['email']",)
    with pytest.raises(InvalidParameterException, match="no remedy was chosen"):
        pool_migration.apply(server.svc, pool_id, change)
    schema = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert {a["Name"]: a["Required"] for a in schema}["email"] is False
    with pytest.raises(InvalidParameterException, match="fill needs a value"):
        pool_migration.parse_remedies({"missing-attribute": "fill"})
    with pytest.raises(InvalidParameterException, match="becomes a sign-in name"):
        pool_migration.plan(
            server.svc,
            pool_id,
            pool_migration.Change(username_attributes=("email",), required_attributes=("email",)),
            pool_migration.parse_remedies({"missing-attribute": "fill:x@example.com"}),
        )


def test_a_pool_that_loses_its_only_sign_in_name_is_flagged(
    server: LiveServer, tmp_path: Path
) -> None:
    path, pool_id = project_with_pool(server, tmp_path, "--sign-in", "email")
    user(server, pool_id, "ivy@example.com", email="ivy@example.com")
    cli("auth", "update", "--file", str(path), "--yes", "--sign-in", "username").ok()
    refused = push(path, server, "--yes")
    assert "no-sign-in-name=keep" in refused.one_error_line()
    assert "would have no sign-in name but their id" in refused.out
    # Keeping the e-mail address as an alias keeps them able to sign in: no problem left.
    cli(
        "auth", "update", "--file", str(path), "--yes", "--sign-in", "username", "--alias", "email"
    ).ok()
    refused = push(path, server, "--yes")
    # Their address was never verified, and an alias counts once verified.
    assert "no-sign-in-name" in refused.one_error_line()
    server.client().admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="ivy@example.com",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    push(path, server, "--yes").ok()
    assert sign_in(server, path, "ivy@example.com")


def test_the_migration_endpoint_wants_a_signature(server: LiveServer) -> None:
    answer = server.http.post("/_authpool/pool-migration", json={"UserPoolId": "us-east-1_x"})
    assert answer.status_code in (400, 403)
    assert answer.headers["x-amzn-ErrorType"]
    assert answer.json()["__type"] == answer.headers["x-amzn-ErrorType"]


def test_remedies_and_changes_are_checked(server: LiveServer) -> None:
    parse = pool_migration.parse_remedies
    for given, message in (
        ({"typo": "keep"}, "Unknown problem kind 'typo'"),
        ({"alias-collision": "toss"}, "Unknown remedy 'toss' for alias-collision"),
        ({"missing-attribute": "fill"}, "fill needs a value"),
        ({"missing-attribute": "disable:now"}, "disable takes no value"),
    ):
        with pytest.raises(InvalidParameterException, match=message):
            parse(given)
    assert parse({"missing-attribute": "fill:a:b"})["missing-attribute"] == (
        pool_migration.Remedy("fill", "a:b")
    )
    idp = server.client()
    pool_id = idp.create_user_pool(
        PoolName=f"p-{secrets.token_hex(4)}", AliasAttributes=["preferred_username"]
    )["UserPool"]["Id"]
    for change, message in (
        (pool_migration.Change(username_attributes=("nickname",)), "Invalid username attribute"),
        (pool_migration.Change(alias_attributes=("nickname",)), "Invalid alias attribute"),
        (pool_migration.Change(required_attributes=("sub",)), "sub cannot be a required"),
        (
            pool_migration.Change(username_attributes=("email",), alias_attributes=("email",)),
            "Only one of the aliasAttributes or usernameAttributes",
        ),
    ):
        with pytest.raises(InvalidParameterException, match=message):
            pool_migration.plan(server.svc, pool_id, change)
    # Giving one of the two sign-in settings clears the other, as a pool has one or the other.
    pool_migration.apply(server.svc, pool_id, pool_migration.Change(username_attributes=("email",)))
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["UsernameAttributes"] == ["email"]
    assert described.get("AliasAttributes", []) == []
    pool_migration.apply(server.svc, pool_id, pool_migration.Change(alias_attributes=("email",)))
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["AliasAttributes"] == ["email"]
    assert described.get("UsernameAttributes", []) == []


def test_every_user_is_checked_page_by_page(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_migration, "_PAGE", 2)
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=f"p-{secrets.token_hex(4)}")["UserPool"]["Id"]
    for name in ("kim", "lee", "max", "ned", "oda"):
        user(server, pool_id, name, **({"email": f"{name}@example.com"} if name != "ned" else {}))
    change = pool_migration.Change(required_attributes=("email",))
    planned = pool_migration.plan(server.svc, pool_id, change)
    assert planned.users_checked == 5
    assert [p.usernames for p in planned.problems] == [("ned",)]
    # A newly required attribute every user has is no problem at all.
    user(server, pool_id, "ned2", email="ned2@example.com", given_name="Ned")
    assert pool_migration.plan(
        server.svc, pool_id, pool_migration.Change(required_attributes=("name",))
    ).problems[0].usernames == ("kim", "lee", "max", "ned", "oda", "ned2")
    assert not pool_migration.plan(
        server.svc, pool_id, pool_migration.Change(case_sensitive=False)
    ).problems


def signed_post(server: LiveServer, body: bytes) -> Any:
    url = server.url + "/_authpool/pool-migration"
    headers = signed_headers(
        url, body, server.admin_key, headers={"Content-Type": "application/json"}
    )
    return server.http.post("/_authpool/pool-migration", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b"{not json", "InvalidParameterException", "not valid JSON"),
        (b"[" * 100_000, "InvalidParameterException", "not valid JSON"),  # too deep
        (b"[]", "InvalidParameterException", "UserPoolId is required"),
        (
            b'{"UserPoolId": "us-east-1_Nope123"}',
            "ResourceNotFoundException",
            "User pool us-east-1_Nope123 does not exist.",
        ),
        (b'{"UserPoolId": "x", "Remedies": ["keep"]}', "InvalidParameterException", "Remedies"),
        (b'{"UserPoolId": "x", "CaseSensitive": "no"}', "InvalidParameterException", "boolean"),
        (b'{"UserPoolId": "x", "AliasAttributes": "email"}', "InvalidParameterException", "list"),
    ],
)
def test_the_migration_endpoint_answers_in_cognitos_envelope(
    server: LiveServer, body: bytes, error: str, message: str
) -> None:
    answer = signed_post(server, body)
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == error
    assert answer.json()["__type"] == error
    assert message in answer.json()["message"]


def test_the_migration_endpoint_plans_without_applying(server: LiveServer) -> None:
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=f"p-{secrets.token_hex(4)}")["UserPool"]["Id"]
    user(server, pool_id, "pia")
    body = {"UserPoolId": pool_id, "RequiredAttributes": ["email"], "DryRun": True}
    answer = signed_post(server, json.dumps(body).encode())
    assert answer.status_code == 200
    assert answer.json() == {
        "UserPoolId": pool_id,
        "Settings": ["required attributes: [] -> ['email']"],
        "UsersChecked": 1,
        "Problems": [
            {
                "Kind": "missing-attribute",
                "Detail": "lack email",
                "Usernames": ["pia"],
                "Remedy": None,
            }
        ],
        "Applied": False,
    }


def test_a_requirement_every_user_meets_is_no_problem(server: LiveServer) -> None:
    idp = server.client()
    pool_id = idp.create_user_pool(
        PoolName=f"p-{secrets.token_hex(4)}",
        Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    user(server, pool_id, "quinn", email="quinn@example.com")
    change = pool_migration.Change(required_attributes=("email",))
    assert pool_migration.plan(server.svc, pool_id, change).problems == ()
    pool_migration.apply(server.svc, pool_id, change)
    schema = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    required = {a["Name"]: a["Required"] for a in schema}
    assert (required["email"], required["custom:tier"]) == (True, False)


def test_in_development_mode_the_endpoint_needs_no_signature(dev_server: LiveServer) -> None:
    answer = dev_server.http.post(
        "/_authpool/pool-migration", json={"UserPoolId": "us-east-1_Nope123", "DryRun": True}
    )
    assert answer.status_code == 400
    assert answer.json()["__type"] == "ResourceNotFoundException"
