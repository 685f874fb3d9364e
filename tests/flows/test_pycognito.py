"""pycognito against a live server, on SQLite and PostgreSQL: its SRP (``AWSSRP``, written
independently of ours) and its ``Cognito`` class, which verifies our tokens against our JWKS
and issuer exactly as it verifies Cognito's, refreshes and signs out."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import TokenVerificationException
from tests.support.server import LiveServer

# pycognito stamps its proof with datetime.utcnow(), deprecated from Python 3.12 on.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

PASSWORD = "Corr3ct-horse!"
WRONG = "Incorrect username or password."
PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture(autouse=True)
def _no_jwks_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """pycognito takes the JWKS from $COGNITO_JWKS when set; these tests fetch ours."""
    monkeypatch.delenv("COGNITO_JWKS", raising=False)


def cognito(
    server: LiveServer,
    pool_id: str,
    client: dict[str, Any],
    username: str,
    *,
    admin: bool = False,
    **kwargs: Any,
) -> Cognito:
    """pycognito's ``Cognito`` pointed at the server: unsigned as an app, or with the
    server's admin key for the Admin* calls."""
    boto_kwargs: dict[str, Any] = {"endpoint_url": server.url}
    keys: dict[str, str] = {}
    if admin:
        keys = {
            "access_key": server.admin_key.access_key_id,
            "secret_key": server.admin_key.secret_access_key,
        }
        config = Config(retries={"max_attempts": 1})
    else:
        config = Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1})
    return Cognito(
        pool_id,
        client["ClientId"],
        username=username,
        client_secret=client.get("ClientSecret"),
        botocore_config=config,
        boto3_client_kwargs=boto_kwargs,
        **keys,
        **kwargs,
    )


def register(server: LiveServer, pool_id: str, client: dict[str, Any], username: str) -> None:
    """SignUp with pycognito itself, then AdminConfirmSignUp."""
    user = cognito(server, pool_id, client, username)
    user.set_base_attributes(email=f"{uuid.uuid4().hex[:8]}@example.com")
    user.register(username, PASSWORD)
    server.client().admin_confirm_sign_up(UserPoolId=pool_id, Username=username)


# AWSSRP -------------------------------------------------------------------------------------
def test_awssrp_right_and_wrong_password(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id)
    name = new_name()
    register(server, pool_id, client, name)
    anon = server.anon_client()

    def srp(password: str) -> AWSSRP:
        return AWSSRP(
            username=name,
            password=password,
            pool_id=pool_id,
            client_id=client["ClientId"],
            client=anon,
        )

    tokens = srp(PASSWORD).authenticate_user()["AuthenticationResult"]
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == name
    assert error(srp("Wr0ng-horse!").authenticate_user) == ("NotAuthorizedException", WRONG)
    assert error(srp(PASSWORD + " ").authenticate_user) == ("NotAuthorizedException", WRONG)


def test_awssrp_with_a_client_secret(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id, GenerateSecret=True)
    name = new_name()
    register(server, pool_id, client, name)
    anon = server.anon_client()

    def srp(secret: str | None) -> AWSSRP:
        return AWSSRP(
            username=name,
            password=PASSWORD,
            pool_id=pool_id,
            client_id=client["ClientId"],
            client=anon,
            client_secret=secret,
        )

    assert "IdToken" in srp(client["ClientSecret"]).authenticate_user()["AuthenticationResult"]
    assert error(srp(None).authenticate_user)[0] == "NotAuthorizedException"
    assert error(srp("not-the-secret").authenticate_user) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client['ClientId']}",
    )


def test_awssrp_by_email_where_email_is_the_username(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameAttributes=["email"])
    client = app_client(pool_id, GenerateSecret=True)
    email = f"{new_name('mail')}@example.com"
    anon = server.anon_client()
    user = cognito(server, pool_id, client, email)
    user.set_base_attributes(email=email)
    user.register(email, PASSWORD)
    server.client().admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    srp = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=anon,
        client_secret=client["ClientSecret"],
    )
    tokens = srp.authenticate_user()["AuthenticationResult"]
    me = anon.get_user(AccessToken=tokens["AccessToken"])
    assert me["Username"] != email  # the username is the sub
    assert {"Name": "sub", "Value": me["Username"]} in me["UserAttributes"]


# the Cognito class ----------------------------------------------------------------------------
def test_cognito_authenticate_verifies_our_tokens_with_our_jwks(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id, GenerateSecret=True)
    name = new_name()
    register(server, pool_id, client, name)
    user = cognito(server, pool_id, client, name)
    assert user.user_pool_url == f"{server.url}/{pool_id}"  # pycognito's idea of the issuer
    user.authenticate(password=PASSWORD)  # SRP, then verify_token on both tokens
    assert user.token_type == "Bearer"
    assert user.id_claims["cognito:username"] == name
    assert user.id_claims["aud"] == client["ClientId"]
    assert user.access_claims["username"] == name
    assert user.access_claims["client_id"] == client["ClientId"]
    user.verify_tokens()  # again, from the stored tokens
    assert user.check_token(renew=False) is False
    assert user.get_user().username == name

    # An ID token for another client of the pool fails pycognito's audience check ...
    other_client = app_client(pool_id, GenerateSecret=True)
    neighbour = cognito(server, pool_id, other_client, name)
    neighbour.authenticate(password=PASSWORD)
    with pytest.raises(TokenVerificationException):
        user.verify_token(neighbour.id_token, "id_token", "id")
    # ... and a token of another pool names a key this pool's JWKS does not list.
    other_pool = pool()
    stranger_client = app_client(other_pool)
    register(server, other_pool, stranger_client, name)
    stranger = cognito(server, other_pool, stranger_client, name)
    stranger.authenticate(password=PASSWORD)
    with pytest.raises(IndexError):  # pycognito's way of saying "no such kid"
        user.verify_token(stranger.access_token, "access_token", "access")


def test_cognito_wrong_password(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id)
    name = new_name()
    register(server, pool_id, client, name)
    user = cognito(server, pool_id, client, name)
    with pytest.raises(ClientError) as info:
        user.authenticate(password="Wr0ng-horse!")
    assert info.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert user.access_token is None


def test_cognito_renews_and_logs_out(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id, GenerateSecret=True)  # renewal sends SECRET_HASH
    name = new_name()
    register(server, pool_id, client, name)
    user = cognito(server, pool_id, client, name)
    user.authenticate(password=PASSWORD)
    first_access, refresh = user.access_token, user.refresh_token
    server.clock.advance(5)
    user.renew_access_token()  # REFRESH_TOKEN_AUTH, then verify_token again
    assert user.access_token != first_access
    assert user.refresh_token == refresh  # no rotation: the same refresh token
    assert user.access_claims["origin_jti"] is not None
    user.logout()  # GlobalSignOut
    anon = server.anon_client()
    code, _ = error(lambda: anon.get_user(AccessToken=first_access))
    assert code == "NotAuthorizedException"
    again = cognito(server, pool_id, client, name, refresh_token=refresh, access_token="x")
    with pytest.raises(ClientError) as info:
        again.renew_access_token()
    assert info.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_cognito_admin_authenticate(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    # pycognito's admin sign-in uses the legacy ADMIN_NO_SRP_AUTH flow name.
    client = app_client(pool_id, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])
    name = new_name()
    register(server, pool_id, client, name)
    admin = cognito(server, pool_id, client, name, admin=True)
    admin.admin_authenticate(password=PASSWORD)
    assert admin.access_claims["username"] == name
    with pytest.raises(ClientError) as info:
        admin.admin_authenticate(password="Wr0ng-horse!")
    assert info.value.response["Error"]["Message"] == WRONG
    # Legacy names keep SRP working too.
    user = cognito(server, pool_id, client, name)
    user.authenticate(password=PASSWORD)
    assert user.id_claims["cognito:username"] == name
