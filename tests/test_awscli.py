"""The AWS CLI (``aws cognito-idp … --endpoint-url``) against a running server, signed with an
access key authpool issued, isolated from any AWS configuration on the machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.support.server import LiveServer


def aws_command() -> list[str]:
    script = Path(sys.executable).with_name("aws")
    if script.exists():
        return [str(script)]
    found = shutil.which("aws")
    if found is None:
        pytest.fail("the AWS CLI (awscli, a dev dependency) is not installed in this environment")
    return [found]


class Aws:
    def __init__(self, server: LiveServer, tmp: Path, *, signed: bool = True) -> None:
        self.server = server
        self.env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "HOME": str(tmp),
            "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        }
        if signed:
            self.env["AWS_ACCESS_KEY_ID"] = server.admin_key.access_key_id
            self.env["AWS_SECRET_ACCESS_KEY"] = server.admin_key.secret_access_key

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*aws_command(), "cognito-idp", *args, "--endpoint-url", self.server.url,
             "--output", "json"],
            capture_output=True, text=True, env=self.env, timeout=120, check=False,
        )  # fmt: skip

    def __call__(self, *args: str) -> Any:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.fixture
def aws(sqlite_server: LiveServer, tmp_path: Path) -> Aws:
    return Aws(sqlite_server, tmp_path)


def test_pools_and_clients_through_the_aws_cli(aws: Aws) -> None:
    pool = aws(
        "create-user-pool",
        "--pool-name", "from-the-cli",
        "--auto-verified-attributes", "email",
        "--policies", "PasswordPolicy={MinimumLength=10,RequireSymbols=false}",
    )["UserPool"]  # fmt: skip
    pool_id = pool["Id"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert pool["Policies"]["PasswordPolicy"]["RequireSymbols"] is False

    described = aws("describe-user-pool", "--user-pool-id", pool_id)["UserPool"]
    assert described["Name"] == "from-the-cli"
    assert described["AutoVerifiedAttributes"] == ["email"]

    listed = aws("list-user-pools", "--max-results", "60")["UserPools"]
    assert pool_id in [p["Id"] for p in listed]

    client = aws(
        "create-user-pool-client",
        "--user-pool-id", pool_id,
        "--client-name", "cli-app",
        "--generate-secret",
        "--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    )["UserPoolClient"]  # fmt: skip
    assert client["ClientSecret"]

    same = aws(
        "describe-user-pool-client", "--user-pool-id", pool_id, "--client-id", client["ClientId"]
    )["UserPoolClient"]
    assert same["ClientSecret"] == client["ClientSecret"]
    assert same["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

    clients = aws("list-user-pool-clients", "--user-pool-id", pool_id)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [client["ClientId"]]


def test_errors_reach_the_aws_cli(aws: Aws) -> None:
    result = aws.run("describe-user-pool", "--user-pool-id", "us-east-1_NoSuchPool")
    assert result.returncode != 0
    assert "ResourceNotFoundException" in result.stderr
    assert "DescribeUserPool" in result.stderr


def test_unsigned_aws_cli_is_refused(sqlite_server: LiveServer, tmp_path: Path) -> None:
    result = Aws(sqlite_server, tmp_path, signed=False).run(
        "list-user-pools", "--max-results", "1", "--no-sign-request"
    )
    assert result.returncode != 0
    assert "MissingAuthenticationTokenException" in result.stderr
