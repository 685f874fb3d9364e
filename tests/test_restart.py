"""``authpool serve`` as users run it: the first start prints the demo pool and the snippets,
and after a hard kill and a restart on the same data directory (and database) every pool,
client, access key and signing key is still there."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import httpx
from tests.support.server import ServeProcess
from tests.test_cli import cli

from authpool.domain.access_keys import NewAccessKey


def demo_ids(output: str) -> tuple[str, str]:
    pool = re.search(r"userPoolId\s+(\S+)", output)
    client = re.search(r"userPoolClientId\s+(\S+)", output)
    assert pool, output
    assert client, output
    return pool.group(1), client.group(1)


def snapshot(idp: Any, pool_id: str, client_id: str) -> dict[str, Any]:
    def strip(answer: dict[str, Any]) -> dict[str, Any]:
        answer.pop("ResponseMetadata", None)
        return answer

    return {
        "pool": strip(idp.describe_user_pool(UserPoolId=pool_id)),
        "client": strip(idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)),
        "mfa": strip(idp.get_user_pool_mfa_config(UserPoolId=pool_id)),
        "clients": strip(idp.list_user_pool_clients(UserPoolId=pool_id)),
        "pools": sorted(p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]),
    }


def test_everything_survives_a_kill_and_restart(tmp_path: Path, database: str | None) -> None:
    data_dir = tmp_path / "data"
    extra = ["--database-url", database] if database else []
    created = cli("keys", "create", "--description", "restart", "--json", *extra, data_dir=data_dir)
    secret = created.json()
    key = NewAccessKey(secret["AccessKeyId"], secret["SecretAccessKey"], "restart")

    first = ServeProcess(data_dir, database_url=database).start()
    try:
        output = first.output()
        assert "Demo user pool created" in output
        demo_pool, demo_client = demo_ids(output)
        assert "Amplify.configure" in output
        assert f'userPoolEndpoint: "{first.url}"' in output
        assert 'boto3.client("cognito-idp"' in output
        assert f"aws cognito-idp sign-up --endpoint-url {first.url}" in output
        assert "DEVELOPMENT MODE" not in output

        idp = first.client(key)
        pool_id = idp.create_user_pool(
            PoolName="durable",
            Policies={"PasswordPolicy": {"MinimumLength": 10}},
            AutoVerifiedAttributes=["email"],
            Schema=[{"Name": "tenant", "AttributeDataType": "String"}],
        )["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="OPTIONAL",
        )
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="durable-app", GenerateSecret=True
        )["UserPoolClient"]["ClientId"]
        before = snapshot(idp, pool_id, client_id)
        jwks = httpx.get(f"{first.url}/{pool_id}/.well-known/jwks.json").json()
        demo_jwks = httpx.get(f"{first.url}/{demo_pool}/.well-known/jwks.json").json()
    finally:
        first.kill()

    second = ServeProcess(data_dir, database_url=database).start()
    try:
        output = second.output()
        assert "Demo user pool ready" in output
        assert demo_ids(output.split("Demo user pool ready", 1)[1]) == (demo_pool, demo_client)

        idp = second.client(key)  # the same access key still verifies
        after = snapshot(idp, pool_id, client_id)
        assert after == before
        assert after["client"]["UserPoolClient"]["ClientSecret"]
        assert demo_pool in after["pools"]
        assert httpx.get(f"{second.url}/{pool_id}/.well-known/jwks.json").json() == jwks
        assert httpx.get(f"{second.url}/{demo_pool}/.well-known/jwks.json").json() == demo_jwks
        assert (
            httpx.get(f"{second.url}/{pool_id}/.well-known/openid-configuration").json()["issuer"]
            == f"{second.url}/{pool_id}"
        )
    finally:
        status = second.stop()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal as it found it.
    assert status in (0, -signal.SIGTERM), second.output()
    assert "Traceback" not in second.output()
    assert (data_dir / "master.key").stat().st_mode & 0o777 == 0o600


def test_dev_mode_says_so_loudly(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "data", dev=True, args=["--no-demo"]) as server:
        output = server.output()
        assert "DEVELOPMENT MODE" in output
        assert "Demo user pool" not in output
        unsigned = server.client(None)
        assert unsigned.list_user_pools(MaxResults=1)["UserPools"] == []
