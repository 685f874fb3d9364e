"""The ``amplify_outputs.json`` that ``authpool push`` writes, used by the official Amplify JS
v6 library in Node exactly as an app uses it: ``parseAmplifyConfig(outputs)``, the endpoint
from ``auth.user_pool_endpoint`` as ``userPoolEndpoint``, then ``signIn`` (SRP) against the
pool push created."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.cli_project.helpers import cli, read_yaml, server_env
from tests.support.server import LiveServer

from .amplify import JS_DIR, AmplifyNode

pytestmark = pytest.mark.node

PASSWORD = "Outputs-Passw0rd!"

# What an app writes (docs/auth-wizard.md shows the same lines).
APP = """
import { readFileSync } from 'node:fs';
import { Amplify } from 'aws-amplify';
import { parseAmplifyConfig, sharedInMemoryStorage } from 'aws-amplify/utils';
import { fetchAuthSession, getCurrentUser, signIn } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';

const outputs = JSON.parse(readFileSync(process.env.AMPLIFY_OUTPUTS, 'utf8'));
const config = parseAmplifyConfig(outputs);
Amplify.configure({
  ...config,
  Auth: { Cognito: { ...config.Auth.Cognito, userPoolEndpoint: outputs.auth.user_pool_endpoint } },
});
cognitoUserPoolsTokenProvider.setKeyValueStorage(sharedInMemoryStorage);

const report = { configured: Amplify.getConfig().Auth.Cognito };
try {
  report.signIn = await signIn({ username: process.env.APP_USERNAME,
                                 password: process.env.APP_PASSWORD });
  const session = await fetchAuthSession();
  report.idToken = session.tokens?.idToken?.payload ?? null;
  report.accessToken = session.tokens?.accessToken?.payload ?? null;
  report.user = await getCurrentUser();
} catch (error) {
  report.error = { name: error.name, message: error.message };
}
process.stdout.write(JSON.stringify(report) + '\\n');
"""


@pytest.fixture(scope="module")
def node() -> str:
    AmplifyNode().ensure_installed()  # skips (or fails on CI) without Node and npm
    found = shutil.which("node")
    assert found is not None
    return found


def run_app(node: str, outputs: Path, username: str, password: str) -> dict[str, Any]:
    done = subprocess.run(
        [node, "--input-type=module", "-"],
        input=APP,
        cwd=JS_DIR,
        env={
            **os.environ,
            "AMPLIFY_OUTPUTS": str(outputs),
            "APP_USERNAME": username,
            "APP_PASSWORD": password,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_amplify_js_signs_in_with_the_pushed_outputs(
    node: str, server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "app" / "authpool.yaml"
    path.parent.mkdir()
    cli(
        "auth",
        "add",
        "--file",
        str(path),
        "--yes",
        "--resource-name",
        "seed",
        "--pool-name",
        f"seed-{secrets.token_hex(4)}",
        "--sign-in",
        "email",
        "--password-min-length",
        "10",
        "--password-require",
        "numbers",
    ).ok()
    cli("push", "--file", str(path), "--yes", env=server_env(server)).ok()
    spec = read_yaml(path)["pools"]["seed"]
    pool_id, client_id = spec["id"], spec["clients"]["seed_app_client"]["id"]
    email = f"amplify{secrets.token_hex(3)}@example.com"
    idp = server.client()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
    )

    report = run_app(node, path.parent / "amplify_outputs.json", email, PASSWORD)
    configured = report["configured"]
    assert configured["userPoolId"] == pool_id
    assert configured["userPoolClientId"] == client_id
    assert configured["userPoolEndpoint"] == server.url
    assert configured["loginWith"]["email"] is True
    assert configured["passwordFormat"]["minLength"] == 10
    assert configured["passwordFormat"]["requireNumbers"] is True
    assert "error" not in report, report
    assert report["signIn"]["isSignedIn"] is True
    assert report["signIn"]["nextStep"]["signInStep"] == "DONE"
    assert report["idToken"]["iss"] == f"{server.url}/{pool_id}"
    assert report["idToken"]["aud"] == client_id
    assert report["idToken"]["email"] == email
    assert report["user"]["userId"] == report["accessToken"]["sub"]

    wrong = run_app(node, path.parent / "amplify_outputs.json", email, "Not-the-passw0rd")
    assert wrong["error"]["name"] == "NotAuthorizedException"
