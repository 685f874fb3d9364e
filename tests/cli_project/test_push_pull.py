"""``authpool push`` and ``authpool pull`` against a live server over signed HTTP (and once on
a local store): plans, idempotence, round trips, refusals, and the client files."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.support.server import LiveServer

from authpool.cli import project
from authpool.client.config import AuthConfig

from .helpers import cli, read_json, read_yaml, server_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "authpool.yaml"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:shop-pre-sign-up"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def new_project(tmp_path: Path, *flags: str) -> tuple[Path, str]:
    """An authpool.yaml made by the wizard, with a pool name of its own on the shared server."""
    name = unique("shop")
    path = tmp_path / "app" / "authpool.yaml"
    path.parent.mkdir(exist_ok=True)
    cli(
        "auth",
        "add",
        "--file",
        str(path),
        "--yes",
        "--resource-name",
        "shop",
        "--pool-name",
        name,
        *flags,
    ).ok()
    return path, name


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def push(path: Path, server: LiveServer, *flags: str) -> Any:
    return cli("push", "--file", str(path), *flags, env=server_env(server))


def describe(server: LiveServer, pool_id: str) -> dict[str, Any]:
    pool: dict[str, Any] = server.client().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return pool


def test_push_creates_then_changes_nothing_and_pull_writes_the_same_file(
    server: LiveServer, tmp_path: Path
) -> None:
    path, name = new_project(
        tmp_path,
        "--sign-in",
        "email",
        "--group",
        "admins",
        "--mfa",
        "OPTIONAL",
        "--mfa-type",
        "TOTP",
        "--required",
        "email",
        "--required",
        "given_name",
        "--trigger",
        f"PreSignUp={ARN}",
    )
    edit(path, "custom_attributes: {}", "custom_attributes:\n      tenant:\n        max_length: 64")

    first = push(path, server, "--yes").ok()
    assert "Pool shop: create" in first.out
    assert "+ groups.admins" in first.out
    pushed = read_yaml(path)["pools"]["shop"]
    pool_id, client = pushed["id"], pushed["clients"]["shop_app_client"]
    assert client["id"]  # push pins what it created, so a later rename stays a rename

    pool = describe(server, pool_id)
    assert pool["Name"] == name
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["LambdaConfig"]["PreSignUp"] == ARN
    schema = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert schema["given_name"]["Required"] is True
    assert schema["custom:tenant"]["StringAttributeConstraints"]["MaxLength"] == "64"
    idp = server.client()
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]] == ["admins"]

    again = push(path, server, "--yes").ok()
    assert f"Pool shop ({pool_id}): unchanged" in again.out
    assert "No changes." in again.out

    pulled = tmp_path / "pulled" / "authpool.yaml"
    pulled.parent.mkdir()
    cli(
        "pull", "--file", str(pulled), "--pool-id", pool_id, "--no-outputs", env=server_env(server)
    ).ok()
    [(key, spec)] = project.load(pulled).pools.items()
    assert key == name
    written = project.load(path).pools["shop"]
    assert {**spec, "identity_pool": None} == {**written, "identity_pool": None}


def test_push_writes_the_files_client_apps_read(server: LiveServer, tmp_path: Path) -> None:
    path, _ = new_project(
        tmp_path,
        "--sign-in",
        "email",
        "--mfa",
        "ON",
        "--mfa-type",
        "TOTP",
        "--mfa-type",
        "SMS",
        "--password-min-length",
        "10",
        "--password-require",
        "symbols",
        "--group",
        "admins",
    )
    push(path, server, "--yes").ok()
    spec = read_yaml(path)["pools"]["shop"]
    pool_id, client_id = spec["id"], spec["clients"]["shop_app_client"]["id"]
    outputs = read_json(path.parent / "amplify_outputs.json")
    assert outputs["version"] == "1.4"
    assert outputs["auth"] == {
        "user_pool_id": pool_id,
        "aws_region": "us-east-1",
        "user_pool_client_id": client_id,
        "user_pool_endpoint": server.url,
        "password_policy": {
            "min_length": 10,
            "require_lowercase": False,
            "require_numbers": False,
            "require_symbols": True,
            "require_uppercase": False,
        },
        "standard_required_attributes": ["email"],
        "username_attributes": ["email"],
        "user_verification_types": ["email"],
        "groups": [{"admins": {"precedence": 1}}],
        "mfa_configuration": "REQUIRED",
        "mfa_methods": ["SMS", "TOTP"],
    }
    gen1 = read_json(path.parent / "amplifyconfiguration.json")
    plugin = gen1["auth"]["plugins"]["awsCognitoAuthPlugin"]
    assert plugin["CognitoUserPool"]["Default"] == {
        "PoolId": pool_id,
        "AppClientId": client_id,
        "Region": "us-east-1",
        "Endpoint": server.url,
    }
    assert plugin["Auth"]["Default"]["usernameAttributes"] == ["EMAIL"]
    assert plugin["Auth"]["Default"]["passwordProtectionSettings"] == {
        "passwordPolicyMinLength": 10,
        "passwordPolicyCharacters": ["REQUIRES_SYMBOLS"],
    }
    assert plugin["Auth"]["Default"]["mfaConfiguration"] == "ON"
    dart = (path.parent / "amplifyconfiguration.dart").read_text()
    assert dart.startswith("const amplifyconfig = '''{")
    assert dart.rstrip().endswith("}''';")
    env = (path.parent / ".env").read_text()
    assert f"AWS_ENDPOINT_URL_COGNITO_IDP={server.url}\n" in env
    assert f"COGNITO_USER_POOL_ID={pool_id}\n" in env
    # authpool's own client configures itself from either file.
    for name in ("amplify_outputs.json", "amplifyconfiguration.json"):
        config = AuthConfig.from_file(path.parent / name)
        assert (config.user_pool_id, config.user_pool_client_id) == (pool_id, client_id)
        assert config.endpoint == server.url + "/"
    # config export writes them again, one format, elsewhere, naming the client by id.
    elsewhere = tmp_path / "elsewhere"
    cli(
        "config",
        "export",
        "--pool-id",
        pool_id,
        "--client",
        client_id,
        "--format",
        ".env",
        "--out",
        str(elsewhere),
        env=server_env(server),
    ).ok()
    assert [p.name for p in elsewhere.iterdir()] == [".env"]
    assert (elsewhere / ".env").read_text() == env


def test_push_shows_the_plan_then_applies_it_keeping_what_the_file_does_not_say(
    server: LiveServer, tmp_path: Path
) -> None:
    path, _ = new_project(tmp_path, "--group", "admins")
    push(path, server, "--yes").ok()
    spec = read_yaml(path)["pools"]["shop"]
    pool_id, client_id = spec["id"], spec["clients"]["shop_app_client"]["id"]
    idp = server.client()
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientName="shop_app_client",
        RefreshTokenValidity=30,
        ExplicitAuthFlows=client["UserPoolClient"]["ExplicitAuthFlows"],
        PreventUserExistenceErrors="ENABLED",
        CallbackURLs=["https://app.example.com/cb"],
    )
    current = describe(server, pool_id)
    invitation = {"EmailSubject": "Welcome aboard", "EmailMessage": "Hi {username}: {####}"}
    idp.update_user_pool(
        UserPoolId=pool_id,
        Policies={"PasswordPolicy": current["Policies"]["PasswordPolicy"]},
        AutoVerifiedAttributes=current["AutoVerifiedAttributes"],
        VerificationMessageTemplate=current["VerificationMessageTemplate"],
        AccountRecoverySetting=current["AccountRecoverySetting"],
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": False,
            "InviteMessageTemplate": invitation,
        },
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True},
    )
    assert "No changes." in push(path, server, "--dry-run").ok().out
    edit(path, "min_length: 8", "min_length: 12")
    edit(path, "    groups:\n      admins:", "    groups:\n      editors:")
    edit(path, "refresh_token_days: 30", "refresh_token_days: 7")
    edit(path, "    clients:\n", "    clients:\n      mobile:\n        generate_secret: true\n")

    dry = push(path, server, "--dry-run").ok()
    for line in (
        "~ password_policy.min_length: 8 -> 12",
        "+ groups.editors",
        "- groups.admins",
        "~ clients.shop_app_client.refresh_token_days: 30 -> 7",
        "+ clients.mobile",
    ):
        assert line in dry.out
    assert describe(server, pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert "refused" not in dry.out

    refused = push(path, server).one_error_line()
    assert "push changes the server: confirm with --yes" in refused
    push(path, server, "--yes").ok()
    pool = describe(server, pool_id)
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool["AdminCreateUserConfig"]["InviteMessageTemplate"] == invitation
    assert pool["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"] is True
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]] == ["editors"]
    after = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert after["UserPoolClient"]["RefreshTokenValidity"] == 7
    assert after["UserPoolClient"]["CallbackURLs"] == ["https://app.example.com/cb"]
    names = {
        c["ClientName"]: c
        for c in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]
    }
    assert set(names) == {"shop_app_client", "mobile"}
    mobile = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=names["mobile"]["ClientId"])
    assert mobile["UserPoolClient"]["ClientSecret"]
    assert "No changes." in push(path, server, "--yes").ok().out


def test_what_cannot_change_is_refused_and_losses_need_force(
    server: LiveServer, tmp_path: Path
) -> None:
    path, name = new_project(tmp_path, "--group", "admins")
    push(path, server, "--yes").ok()
    pool_id = read_yaml(path)["pools"]["shop"]["id"]
    original = path.read_text()

    edit(path, f"name: {name}", f"name: {name}-renamed")
    line = push(path, server, "--yes").one_error_line()
    assert f"the pool is named {name!r} on the server and pool names cannot change" in line

    path.write_text(original)
    edit(path, "generate_secret: false", "generate_secret: true")
    line = push(path, server, "--yes").one_error_line()
    assert "client shop_app_client: a client secret is chosen at creation" in line

    path.write_text(original)
    idp = server.client()
    idp.admin_create_user(UserPoolId=pool_id, Username="member", MessageAction="SUPPRESS")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="member", GroupName="admins")
    edit(path, "    groups:\n      admins:\n        precedence: 1\n", "    groups: {}\n")
    line = push(path, server, "--yes").one_error_line()
    assert "group admins has members: their membership goes: run with --force" in line
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]] == ["admins"]
    push(path, server, "--yes", "--force").ok()
    assert idp.list_groups(UserPoolId=pool_id)["Groups"] == []


def test_auth_remove_then_push_deletes_the_pool(server: LiveServer, tmp_path: Path) -> None:
    path, _ = new_project(tmp_path)
    push(path, server, "--yes").ok()
    pool_id = read_yaml(path)["pools"]["shop"]["id"]
    idp = server.client()
    idp.admin_create_user(UserPoolId=pool_id, Username="someone", MessageAction="SUPPRESS")
    cli("auth", "remove", "--file", str(path), "--yes").ok()
    line = push(path, server, "--yes").one_error_line()
    assert f"pool shop_userpool ({pool_id}) has 1 users: they are deleted" in line or (
        "has 1 users: they are deleted: run with --force" in line
    )
    assert describe(server, pool_id)["Id"] == pool_id
    push(path, server, "--yes", "--force").ok()
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        describe(server, pool_id)
    assert "removed" not in read_yaml(path)


def test_credentials_and_reachability_are_explained(server: LiveServer, tmp_path: Path) -> None:
    path, _ = new_project(tmp_path)
    unset: dict[str, str | None] = {
        name: None
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_PROFILE",
            "AUTHPOOL_ENDPOINT",
        )
    }
    env = {**unset, "AUTHPOOL_ENDPOINT": server.url}
    line = cli("push", "--file", str(path), "--yes", env=env).one_error_line()
    assert "no credentials for signed calls: create an access key with `authpool keys create`" in (
        line
    )
    wrong = {**server_env(server), "AWS_SECRET_ACCESS_KEY": "x" * 40}
    line = cli("push", "--file", str(path), "--yes", env=wrong).one_error_line()
    assert "signature" in line.lower()
    line = cli(
        "push",
        "--file",
        str(path),
        "--yes",
        "--endpoint",
        "http://127.0.0.1:1",
        env=server_env(server),
    ).one_error_line()
    assert "cannot reach the server at http://127.0.0.1:1" in line
    line = cli("push", "--file", str(path), "--yes", env=unset).one_error_line()
    assert "which server? give --endpoint URL" in line


def test_push_and_pull_on_a_local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTHPOOL_DATA_DIR", "AUTHPOOL_DATABASE_URL", "AUTHPOOL_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    path, _ = new_project(tmp_path, "--sign-in", "email-phone")
    data = tmp_path / "data"
    cli("push", "--file", str(path), "--data-dir", str(data), "--yes").ok()
    pool_id = read_yaml(path)["pools"]["shop"]["id"]
    listed = cli("pool", "list", "--json", "--data-dir", str(data)).ok()
    assert pool_id in listed.out
    assert (
        "No changes." in cli("push", "--file", str(path), "--data-dir", str(data), "--yes").ok().out
    )
    pulled = tmp_path / "pulled.yaml"
    cli(
        "pull", "--file", str(pulled), "--data-dir", str(data), "--pool-id", pool_id, "--no-outputs"
    ).ok()
    spec = next(iter(project.load(pulled).pools.values()))
    assert spec["sign_in"]["username_attributes"] == ["email", "phone_number"]


def test_the_example_file_pushes_and_pulls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AUTHPOOL_DATA_DIR", "AUTHPOOL_DATABASE_URL", "AUTHPOOL_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "authpool.yaml"
    shutil.copy(EXAMPLE, path)
    data = tmp_path / "data"
    env = {"AUTHPOOL_TRIGGER_PYTHON_MODULES": "examples.triggers"}
    local = ("--file", str(path), "--data-dir", str(data))
    cli("push", *local, "--yes", env=env).ok()
    assert "No changes." in cli("push", *local, "--yes", env=env).ok().out
    written = project.load(path).pools["shop"]
    # Push wrote the ids it made into the file and kept every comment of it.
    comments = [line.split("#", 1)[1] for line in EXAMPLE.read_text().splitlines() if "#" in line]
    after = path.read_text()
    assert [c for c in comments if c not in after] == []
    assert written["id"] in after
    pulled = tmp_path / "pulled.yaml"
    cli(
        "pull",
        "--file",
        str(pulled),
        "--data-dir",
        str(data),
        "--pool-id",
        written["id"],
        "--no-outputs",
        env=env,
    ).ok()
    spec = next(iter(project.load(pulled).pools.values()))
    assert {**spec, "identity_pool": None} == {**written, "identity_pool": None}
    # Pulling into the commented file keeps its comments too.
    cli("pull", *local, "--no-outputs", env=env).ok()
    assert [c for c in comments if c not in path.read_text()] == []
    outputs = read_json(tmp_path / "amplify_outputs.json")
    assert outputs["auth"]["user_pool_client_id"] == written["clients"]["shop_web"]["id"]
    assert outputs["auth"]["mfa_methods"] == ["TOTP", "EMAIL"]
