"""configure(): keyword arguments, amplify_outputs.json (Gen 2), amplifyconfiguration.json
(Gen 1: Flutter, Android, Swift), custom endpoints, and SECRET_HASH."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from authpool.client import Auth, AuthConfig, AuthFlowType, ConfigurationException

POOL = "eu-west-2_AbCdEf123"
CLIENT = "1h2k3l4m5n6o7p8q9r0s1t2u3v"

OUTPUTS = {
    "version": "1.3",
    "auth": {
        "aws_region": "eu-west-2",
        "user_pool_id": POOL,
        "user_pool_client_id": CLIENT,
        "identity_pool_id": "eu-west-2:0000",
        "password_policy": {"min_length": 8},
        "username_attributes": ["email"],
    },
}
GEN1 = {
    "UserAgent": "aws-amplify-cli/2.0",
    "Version": "1.0",
    "auth": {
        "plugins": {
            "awsCognitoAuthPlugin": {
                "UserAgent": "aws-amplify-cli/0.1.0",
                "Version": "0.1.0",
                "IdentityManager": {"Default": {}},
                "CognitoUserPool": {
                    "Default": {
                        "PoolId": POOL,
                        "AppClientId": CLIENT,
                        "AppClientSecret": "s3cr3t",
                        "Region": "eu-west-2",
                        "Endpoint": "auth.example.com",
                    }
                },
                "Auth": {"Default": {"authenticationFlowType": "USER_PASSWORD_AUTH"}},
            }
        }
    },
}


def test_keyword_arguments_and_the_cognito_default_endpoint() -> None:
    config = AuthConfig(user_pool_id=POOL, user_pool_client_id=CLIENT)
    assert config.region == "eu-west-2"
    assert config.endpoint == "https://cognito-idp.eu-west-2.amazonaws.com/"
    assert config.auth_flow_type is AuthFlowType.USER_SRP_AUTH
    assert config.secret_hash("ada") is None


def test_a_custom_endpoint() -> None:
    auth = Auth(user_pool_id=POOL, user_pool_client_id=CLIENT, endpoint="http://localhost:9229")
    try:
        assert auth.config.endpoint == "http://localhost:9229/"
    finally:
        auth.close()


def test_amplify_outputs(tmp_path: Path) -> None:
    path = tmp_path / "amplify_outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    config = AuthConfig.from_file(path)
    assert (config.user_pool_id, config.user_pool_client_id) == (POOL, CLIENT)
    assert config.endpoint == "https://cognito-idp.eu-west-2.amazonaws.com/"
    pointed = AuthConfig.from_file(path, endpoint="http://127.0.0.1:9229")
    assert pointed.endpoint == "http://127.0.0.1:9229/"
    outputs = json.loads(json.dumps(OUTPUTS))
    outputs["auth"]["user_pool_endpoint"] = "https://proxy.example.com/cognito"
    assert AuthConfig.from_mapping(outputs).endpoint == "https://proxy.example.com/cognito/"


def test_amplifyconfiguration(tmp_path: Path) -> None:
    path = tmp_path / "amplifyconfiguration.json"
    path.write_text(json.dumps(GEN1))
    config = AuthConfig.from_file(path)
    assert config.endpoint == "https://auth.example.com/"  # a host name, as the files hold it
    assert config.client_secret == "s3cr3t"
    assert config.auth_flow_type is AuthFlowType.USER_PASSWORD_AUTH
    assert "s3cr3t" not in repr(config)


def test_configure_takes_every_form(tmp_path: Path) -> None:
    path = tmp_path / "amplify_outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    auth = Auth()
    try:
        with pytest.raises(ConfigurationException, match="not configured"):
            auth.fetch_auth_session()
        assert auth.configure(str(path)).user_pool_id == POOL
        assert auth.configure(GEN1).client_secret == "s3cr3t"
        config = auth.configure(user_pool_id=POOL, user_pool_client_id=CLIENT, region="us-west-2")
        assert config.endpoint == "https://cognito-idp.us-west-2.amazonaws.com/"
        assert auth.configure(config, endpoint="http://h:1").endpoint == "http://h:1/"
    finally:
        auth.close()


@pytest.mark.parametrize(
    "source",
    [
        {"version": "1", "auth": {"user_pool_id": "nope", "user_pool_client_id": CLIENT}},
        {"version": "1", "storage": {}},
        {"auth": {"plugins": {}}},
        {"something": "else"},
    ],
)
def test_bad_documents(source: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationException):
        AuthConfig.from_mapping(source)


def test_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationException, match="user pool id"):
        AuthConfig(user_pool_id="nounderscore", user_pool_client_id=CLIENT)
    with pytest.raises(ConfigurationException, match="app client id"):
        AuthConfig(user_pool_id=POOL, user_pool_client_id="bad id!")
    with pytest.raises(ConfigurationException, match="auth flow"):
        AuthConfig(user_pool_id=POOL, user_pool_client_id=CLIENT, auth_flow_type="MAGIC")
    with pytest.raises(ConfigurationException, match="Cannot read"):
        AuthConfig.from_file(tmp_path / "missing.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ConfigurationException, match="JSON object"):
        AuthConfig.from_file(tmp_path / "list.json")
    with pytest.raises(ConfigurationException, match="Invalid configuration"):
        Auth(user_pool_id=POOL)  # no client id


def test_secret_hash_is_cognitos() -> None:
    config = AuthConfig(user_pool_id=POOL, user_pool_client_id=CLIENT, client_secret="s3cr3t")
    expected = base64.b64encode(
        hmac.new(b"s3cr3t", f"ada{CLIENT}".encode(), hashlib.sha256).digest()
    ).decode()
    assert config.secret_hash("ada") == expected


@pytest.mark.parametrize(
    ("name", "flow"),
    [
        ("CUSTOM_AUTH_WITH_SRP", AuthFlowType.CUSTOM_AUTH_WITH_SRP),
        ("CUSTOM_WITH_SRP", AuthFlowType.CUSTOM_AUTH_WITH_SRP),  # Amplify JS's name
        ("CUSTOM_WITHOUT_SRP", AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP),
        ("CUSTOM_AUTH", AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP),  # Gen 1 files' name
        ("user_password_auth", AuthFlowType.USER_PASSWORD_AUTH),
    ],
)
def test_flow_names(name: str, flow: AuthFlowType) -> None:
    assert AuthFlowType.parse(name) is flow
