"""Tokens against a live server, on SQLite and PostgreSQL: the ID and access tokens as
Cognito issues them (verified with PyJWT against the pool's JWKS), their lifetimes, refresh
(InitiateAuth and GetTokensFromRefreshToken, with rotation), GetUser with good and forged
tokens, sign-out, revocation and DeleteUser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.support.secrets import tampered
from tests.support.server import LiveServer

from authpool.domain import pools
from authpool.tokens import TokenSigner

PASSWORD = "Corr3ct-horse!"
SCOPE = "aws.cognito.signin.user.admin"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
DAY = 86400
PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]

# The claims of Cognito's tokens after a sign-in with the API (no groups, no device, no
# pre-token-generation trigger), as the Cognito developer guide shows them.
ACCESS_CLAIMS = {
    "sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time",
    "exp", "iat", "jti", "username",
}  # fmt: skip
ID_CLAIMS = {
    "sub", "iss", "aud", "cognito:username", "origin_jti", "event_id", "token_use",
    "auth_time", "exp", "iat", "jti",
}  # fmt: skip


# helpers ------------------------------------------------------------------------------------
def error(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def claims(token: str) -> dict[str, Any]:
    """The payload, unverified (for looking; verification is tested on its own)."""
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(header + "==")),
        json.loads(base64.urlsafe_b64decode(payload + "==")),
    )


def compact(header: dict[str, Any], payload: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


class Pool:
    """A pool with a client that allows password sign-in, and ways to make users."""

    def __init__(self, server: LiveServer, pool_id: str, client: dict[str, Any]) -> None:
        self.server = server
        self.id = pool_id
        self.client = client
        self.anon = server.anon_client()

    @property
    def client_id(self) -> str:
        cid: str = self.client["ClientId"]
        return cid

    def user(
        self, username: str | None = None, *, verify_by_code: bool = False, **attrs: str
    ) -> str:
        """A confirmed user; returns the name."""
        name = username or new_name()
        kwargs: dict[str, Any] = {
            "ClientId": self.client_id,
            "Username": name,
            "Password": PASSWORD,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attrs.items()],
        }
        if self.client.get("ClientSecret"):
            kwargs["SecretHash"] = secret_hash(self.client["ClientSecret"], name, self.client_id)
        self.anon.sign_up(**kwargs)
        if verify_by_code:
            code = self.server.outbox(pool_id=self.id, username=name)[-1].code
            confirm = {"ClientId": self.client_id, "Username": name, "ConfirmationCode": code}
            if "SecretHash" in kwargs:
                confirm["SecretHash"] = kwargs["SecretHash"]
            self.anon.confirm_sign_up(**confirm)
        else:
            self.server.client().admin_confirm_sign_up(UserPoolId=self.id, Username=name)
        return name

    def sign_in(self, name: str, client: dict[str, Any] | None = None) -> dict[str, Any]:
        client = client or self.client
        params = {"USERNAME": name, "PASSWORD": PASSWORD}
        if client.get("ClientSecret"):
            params["SECRET_HASH"] = secret_hash(client["ClientSecret"], name, client["ClientId"])
        result: dict[str, Any] = self.anon.initiate_auth(
            ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
        )
        tokens: dict[str, Any] = result["AuthenticationResult"]
        return tokens

    def refresh(self, token: str, client: dict[str, Any] | None = None) -> dict[str, Any]:
        client = client or self.client
        result: dict[str, Any] = self.anon.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token},
        )
        tokens: dict[str, Any] = result["AuthenticationResult"]
        return tokens

    def get_tokens(self, token: str, client: dict[str, Any] | None = None) -> dict[str, Any]:
        client = client or self.client
        kwargs = {"ClientId": client["ClientId"], "RefreshToken": token}
        if client.get("ClientSecret"):
            kwargs["ClientSecret"] = client["ClientSecret"]
        tokens: dict[str, Any] = self.anon.get_tokens_from_refresh_token(**kwargs)[
            "AuthenticationResult"
        ]
        return tokens

    def get_user(self, access_token: str) -> dict[str, Any]:
        user: dict[str, Any] = self.anon.get_user(AccessToken=access_token)
        return user

    def sub_of(self, name: str) -> str:
        attrs = self.server.client().admin_get_user(UserPoolId=self.id, Username=name)
        sub: str = next(a["Value"] for a in attrs["UserAttributes"] if a["Name"] == "sub")
        return sub


@pytest.fixture
def make_pool(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> Callable[..., Pool]:
    """``make_pool(pool_kwargs=None, **client_kwargs) -> Pool``."""

    def make(pool_kwargs: dict[str, Any] | None = None, **client_kwargs: Any) -> Pool:
        pool_id = pool(**(pool_kwargs or {}))
        client_kwargs.setdefault("ExplicitAuthFlows", FLOWS)
        return Pool(server, pool_id, app_client(pool_id, **client_kwargs))

    return make


@pytest.fixture
def p(make_pool: Callable[..., Pool]) -> Pool:
    return make_pool()


RICH_POOL = {
    "AutoVerifiedAttributes": ["email"],
    "Schema": [
        {"Name": "team", "AttributeDataType": "String", "Mutable": True},
        {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
    ],
}
RICH_ATTRS = {
    "email": "ada@example.com",
    "phone_number": "+14155550123",
    "name": "Ada Lovelace",
    "custom:team": "engines",
    "custom:level": "7",
}


# the tokens ---------------------------------------------------------------------------------
def test_tokens_verify_against_the_pools_jwks(server: LiveServer, p: Pool) -> None:
    tokens = p.sign_in(p.user())
    jwks_url = f"{server.url}/{p.id}/.well-known/jwks.json"
    keys = jwt.PyJWKClient(jwks_url, cache_keys=False)
    issuer = f"{server.url}/{p.id}"
    for token, use in ((tokens["AccessToken"], "access"), (tokens["IdToken"], "id")):
        header = jwt.get_unverified_header(token)
        assert header == {"kid": header["kid"], "alg": "RS256"}
        key = keys.get_signing_key_from_jwt(token)
        assert key.key_id == header["kid"]
        verified = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=issuer,
            audience=p.client_id if use == "id" else None,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": use == "id"},
        )
        assert verified["token_use"] == use
    listed = server.http.get(f"/{p.id}/.well-known/jwks.json").json()["keys"]
    assert {k["kid"] for k in listed} == {k.key_id for k in keys.get_jwk_set().keys}
    for k in listed:
        assert (k["kty"], k["alg"], k["use"]) == ("RSA", "RS256", "sig")
    # Another pool's keys are not this pool's.
    other = pools_other(server)
    other_keys = server.http.get(f"/{other}/.well-known/jwks.json").json()["keys"]
    assert not {k["kid"] for k in other_keys} & {k["kid"] for k in listed}


def pools_other(server: LiveServer) -> str:
    pool_id: str = server.client().create_user_pool(PoolName=new_name("other"))["UserPool"]["Id"]
    return pool_id


def test_access_token_claims(server: LiveServer, p: Pool) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    access = claims(tokens["AccessToken"])
    assert set(access) == ACCESS_CLAIMS
    assert access["token_use"] == "access"
    assert access["scope"] == SCOPE
    assert access["client_id"] == p.client_id
    assert access["username"] == name
    assert access["sub"] == p.sub_of(name)
    assert access["iss"] == f"{server.url}/{p.id}"
    assert access["auth_time"] == access["iat"]
    assert access["exp"] - access["iat"] == 3600
    for claim in ("jti", "origin_jti", "event_id"):
        uuid.UUID(access[claim])
    assert tokens["TokenType"] == "Bearer"
    assert tokens["ExpiresIn"] == 3600


def test_id_token_claims(server: LiveServer, make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RICH_POOL)
    name = p.user(verify_by_code=True, **RICH_ATTRS)
    tokens = p.sign_in(name)
    id_claims = claims(tokens["IdToken"])
    access = claims(tokens["AccessToken"])
    attributes = {"email", "email_verified", "phone_number", "name", "custom:team", "custom:level"}
    assert ID_CLAIMS | attributes <= set(id_claims)
    assert set(id_claims) - ID_CLAIMS - attributes <= {"phone_number_verified"}
    assert id_claims["token_use"] == "id"
    assert id_claims["aud"] == p.client_id
    assert id_claims["cognito:username"] == name
    assert id_claims["sub"] == access["sub"] == p.sub_of(name)
    assert id_claims["iss"] == f"{server.url}/{p.id}"
    assert id_claims["email"] == "ada@example.com"
    assert id_claims["email_verified"] is True
    assert id_claims.get("phone_number_verified", False) is False
    assert id_claims["phone_number"] == "+14155550123"
    assert id_claims["name"] == "Ada Lovelace"
    assert id_claims["custom:team"] == "engines"
    assert id_claims["custom:level"] == "7"
    assert id_claims["exp"] - id_claims["iat"] == 3600
    # One sign-in: one origin and one event, two different tokens.
    assert id_claims["origin_jti"] == access["origin_jti"]
    assert id_claims["event_id"] == access["event_id"]
    assert id_claims["auth_time"] == access["auth_time"]
    assert id_claims["jti"] != access["jti"]


def test_email_verified_is_never_a_string(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RICH_POOL)
    name = p.user(email="babbage@example.com")  # confirmed by an admin: e-mail not verified
    id_claims = claims(p.sign_in(name)["IdToken"])
    assert id_claims["email"] == "babbage@example.com"
    assert id_claims.get("email_verified", False) is False


def test_two_sign_ins_have_their_own_origins(p: Pool) -> None:
    name = p.user()
    first, second = claims(p.sign_in(name)["AccessToken"]), claims(p.sign_in(name)["AccessToken"])
    assert first["origin_jti"] != second["origin_jti"]
    assert first["jti"] != second["jti"]
    assert first["event_id"] != second["event_id"]


def test_read_attributes_filter_the_id_token_and_get_user(
    make_pool: Callable[..., Pool], app_client: ClientFactory
) -> None:
    p = make_pool(RICH_POOL)
    name = p.user(verify_by_code=True, **RICH_ATTRS)
    narrow = app_client(
        p.id, ExplicitAuthFlows=FLOWS, ReadAttributes=["email", "email_verified", "custom:team"]
    )
    tokens = p.sign_in(name, client=narrow)
    id_claims = claims(tokens["IdToken"])
    assert id_claims["email"] == "ada@example.com"
    assert id_claims["email_verified"] is True
    assert id_claims["custom:team"] == "engines"
    for hidden in ("phone_number", "name", "custom:level", "phone_number_verified"):
        assert hidden not in id_claims
    assert set(id_claims) >= ID_CLAIMS
    listed = {a["Name"] for a in p.get_user(tokens["AccessToken"])["UserAttributes"]}
    assert listed == {"sub", "email", "email_verified", "custom:team"}
    # The pool's other client reads everything.
    wide = claims(p.sign_in(name)["IdToken"])
    assert {"phone_number", "name", "custom:level"} <= set(wide)


@pytest.mark.parametrize(
    ("settings", "access_life", "id_life"),
    [
        pytest.param({}, 3600, 3600, id="defaults"),
        pytest.param(
            {
                "AccessTokenValidity": 5,
                "IdTokenValidity": 2,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "hours"},
            },
            300,
            7200,
            id="with-units",
        ),
        pytest.param(
            {
                "AccessTokenValidity": 2,
                "IdTokenValidity": 30,
                "TokenValidityUnits": {"IdToken": "minutes"},
            },
            7200,
            1800,
            id="hours-when-no-unit",
        ),
        pytest.param(
            {"AccessTokenValidity": 86400, "TokenValidityUnits": {"AccessToken": "seconds"}},
            86400,
            3600,
            id="a-day-in-seconds",
        ),
    ],
)
def test_token_lifetimes_follow_the_client(
    make_pool: Callable[..., Pool], settings: dict[str, Any], access_life: int, id_life: int
) -> None:
    p = make_pool(**settings)
    tokens = p.sign_in(p.user())
    access, id_claims = claims(tokens["AccessToken"]), claims(tokens["IdToken"])
    assert access["exp"] - access["iat"] == access_life
    assert id_claims["exp"] - id_claims["iat"] == id_life
    assert tokens["ExpiresIn"] == access_life
    refreshed = p.refresh(tokens["RefreshToken"])
    assert refreshed["ExpiresIn"] == access_life
    assert claims(refreshed["IdToken"])["exp"] - claims(refreshed["IdToken"])["iat"] == id_life


def test_a_short_lived_access_token_expires(
    server: LiveServer, make_pool: Callable[..., Pool]
) -> None:
    p = make_pool(AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"})
    tokens = p.sign_in(p.user())
    server.clock.advance(4 * 60)
    assert p.get_user(tokens["AccessToken"])["Username"]
    server.clock.advance(61)
    assert error(lambda: p.get_user(tokens["AccessToken"])) == (
        "NotAuthorizedException",
        "Access Token has expired",
    )


# refresh ------------------------------------------------------------------------------------
@pytest.mark.parametrize("flow", ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"])
def test_refresh_token_auth(server: LiveServer, p: Pool, flow: str) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    first = claims(tokens["AccessToken"])
    server.clock.advance(600)
    result = p.anon.initiate_auth(
        ClientId=p.client_id,
        AuthFlow=flow,
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    fresh = result["AuthenticationResult"]
    assert "RefreshToken" not in fresh
    assert fresh["TokenType"] == "Bearer"
    assert fresh["ExpiresIn"] == 3600
    access, id_claims = claims(fresh["AccessToken"]), claims(fresh["IdToken"])
    assert access["origin_jti"] == id_claims["origin_jti"] == first["origin_jti"]
    assert access["auth_time"] == id_claims["auth_time"] == first["auth_time"]
    assert access["iat"] >= first["iat"] + 600
    assert access["jti"] != first["jti"]
    assert access["sub"] == first["sub"]
    assert access["username"] == name
    assert p.get_user(fresh["AccessToken"])["Username"] == name


def test_get_tokens_from_refresh_token_without_rotation(p: Pool) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    fresh = p.get_tokens(tokens["RefreshToken"])
    assert "RefreshToken" not in fresh
    assert claims(fresh["AccessToken"])["origin_jti"] == claims(tokens["AccessToken"])["origin_jti"]
    # Without rotation the refresh token stays usable.
    again = p.get_tokens(tokens["RefreshToken"])
    assert p.get_user(again["AccessToken"])["Username"] == name


ROTATING = {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}


def test_get_tokens_from_refresh_token_with_rotation(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RefreshTokenRotation=ROTATING)
    name = p.user()
    tokens = p.sign_in(name)
    rotated = p.get_tokens(tokens["RefreshToken"])
    assert rotated["RefreshToken"] != tokens["RefreshToken"]
    origin = claims(tokens["AccessToken"])["origin_jti"]
    assert claims(rotated["AccessToken"])["origin_jti"] == origin
    assert p.get_user(rotated["AccessToken"])["Username"] == name
    # The old one is spent; the new one rotates in its turn.
    code, _ = error(lambda: p.get_tokens(tokens["RefreshToken"]))
    assert code == "RefreshTokenReuseException"
    again = p.get_tokens(rotated["RefreshToken"])
    assert again["RefreshToken"] not in (tokens["RefreshToken"], rotated["RefreshToken"])
    assert error(lambda: p.get_tokens(rotated["RefreshToken"]))[0] == "RefreshTokenReuseException"


def test_rotation_needs_get_tokens_from_refresh_token(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RefreshTokenRotation=ROTATING)
    tokens = p.sign_in(p.user())
    code, _ = error(lambda: p.refresh(tokens["RefreshToken"]))
    assert code == "InvalidParameterException"
    assert "RefreshToken" in p.get_tokens(tokens["RefreshToken"])


def test_a_rotating_client_refreshes_without_allow_refresh_token_auth(
    make_pool: Callable[..., Pool],
) -> None:
    p = make_pool(RefreshTokenRotation=ROTATING, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    tokens = p.sign_in(p.user())
    assert "RefreshToken" in p.get_tokens(tokens["RefreshToken"])
    plain = make_pool(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    plain_tokens = plain.sign_in(plain.user())
    assert error(lambda: plain.get_tokens(plain_tokens["RefreshToken"]))[0] == (
        "NotAuthorizedException"
    )


def test_rotation_retry_grace_period(server: LiveServer, make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 30})
    tokens = p.sign_in(p.user())
    first = p.get_tokens(tokens["RefreshToken"])
    server.clock.advance(20)
    retry = p.get_tokens(tokens["RefreshToken"])  # a retry after a lost answer
    assert retry["RefreshToken"] not in (tokens["RefreshToken"], first["RefreshToken"])
    assert p.get_tokens(first["RefreshToken"])["RefreshToken"]
    server.clock.advance(11)
    assert error(lambda: p.get_tokens(tokens["RefreshToken"]))[0] == "RefreshTokenReuseException"


def test_racing_rotations_of_one_token_make_exactly_one_new_token(
    server: LiveServer, make_pool: Callable[..., Pool]
) -> None:
    p = make_pool(RefreshTokenRotation=ROTATING)
    tokens = p.sign_in(p.user())
    racers = 8
    clients = [server.anon_client() for _ in range(racers)]
    start = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(anon: Any) -> None:
        start.wait(timeout=60)
        try:
            result = anon.get_tokens_from_refresh_token(
                ClientId=p.client_id, RefreshToken=tokens["RefreshToken"]
            )
            outcome = "new:" + result["AuthenticationResult"]["RefreshToken"]
        except ClientError as exc:
            outcome = exc.response["Error"]["Code"]
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == racers
    winners = [o[4:] for o in outcomes if o.startswith("new:")]
    assert len(winners) == 1, outcomes
    assert sorted(set(outcomes) - {"new:" + winners[0]}) == ["RefreshTokenReuseException"]
    assert "RefreshToken" in p.get_tokens(winners[0])


def test_an_expired_refresh_token_is_refused(server: LiveServer, p: Pool) -> None:
    tokens = p.sign_in(p.user())
    server.clock.advance(29 * DAY)
    assert p.refresh(tokens["RefreshToken"])["AccessToken"]
    server.clock.advance(2 * DAY)
    expired = ("NotAuthorizedException", "Refresh Token has expired")
    assert error(lambda: p.refresh(tokens["RefreshToken"])) == expired
    assert error(lambda: p.get_tokens(tokens["RefreshToken"])) == expired


def test_refresh_token_validity_follows_the_client(
    server: LiveServer, make_pool: Callable[..., Pool]
) -> None:
    p = make_pool(RefreshTokenValidity=90, TokenValidityUnits={"RefreshToken": "minutes"})
    tokens = p.sign_in(p.user())
    server.clock.advance(89 * 60)
    assert p.refresh(tokens["RefreshToken"])["AccessToken"]
    server.clock.advance(61)
    assert error(lambda: p.refresh(tokens["RefreshToken"]))[0] == "NotAuthorizedException"


def test_a_refresh_token_of_another_client_is_refused(p: Pool, app_client: ClientFactory) -> None:
    other = app_client(p.id, ExplicitAuthFlows=FLOWS)
    tokens = p.sign_in(p.user())
    invalid = ("NotAuthorizedException", "Invalid Refresh Token")
    assert error(lambda: p.refresh(tokens["RefreshToken"], client=other)) == invalid
    assert error(lambda: p.get_tokens(tokens["RefreshToken"], client=other)) == invalid
    assert p.refresh(tokens["RefreshToken"])["AccessToken"]


@pytest.mark.parametrize("token", ["", "x", "not-a-refresh-token" * 5])
def test_a_made_up_refresh_token_is_refused(p: Pool, token: str) -> None:
    if token:
        invalid = ("NotAuthorizedException", "Invalid Refresh Token")
        assert error(lambda: p.refresh(token)) == invalid
    assert error(lambda: p.get_tokens(token or "x"))[0] == "NotAuthorizedException"


def test_refresh_with_a_client_secret(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(GenerateSecret=True)
    name = p.user()
    tokens = p.sign_in(name)
    cid, secret = p.client_id, p.client["ClientSecret"]
    token = tokens["RefreshToken"]

    def get_tokens(**extra: str) -> Any:
        return p.anon.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=token, **extra)

    assert get_tokens(ClientSecret=secret)["AuthenticationResult"]["AccessToken"]
    assert error(get_tokens)[0] == "NotAuthorizedException"
    assert error(lambda: get_tokens(ClientSecret=tampered(secret)))[0] == "NotAuthorizedException"

    def refresh(**extra: str) -> Any:
        return p.anon.initiate_auth(
            ClientId=cid,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token, **extra},
        )

    assert refresh(SECRET_HASH=secret_hash(secret, name, cid))["AuthenticationResult"]
    assert error(refresh) == (
        "NotAuthorizedException",
        f"Client {cid} is configured with secret but SECRET_HASH was not received",
    )
    assert error(lambda: refresh(SECRET_HASH=secret_hash(secret, "someone-else", cid))) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {cid}",
    )


def test_refresh_for_a_disabled_user_is_refused(server: LiveServer, p: Pool) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    sub = p.sub_of(name)
    server.svc.store.update_user(sub, enabled=False, updated_at=server.svc.clock.now())
    disabled = ("NotAuthorizedException", "User is disabled.")
    assert error(lambda: p.refresh(tokens["RefreshToken"])) == disabled
    assert error(lambda: p.get_tokens(tokens["RefreshToken"])) == disabled
    assert error(lambda: p.get_user(tokens["AccessToken"])) == disabled
    server.svc.store.update_user(sub, enabled=True, updated_at=server.svc.clock.now())
    assert p.get_user(p.refresh(tokens["RefreshToken"])["AccessToken"])["Username"] == name


# GetUser and forged tokens --------------------------------------------------------------------
def test_get_user(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RICH_POOL)
    name = p.user(verify_by_code=True, **RICH_ATTRS)
    user = p.get_user(p.sign_in(name)["AccessToken"])
    assert user["Username"] == name
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["sub"] == p.sub_of(name)
    assert attrs["email"] == "ada@example.com"
    assert attrs["email_verified"] == "true"
    assert attrs["custom:team"] == "engines"
    assert attrs["phone_number"] == "+14155550123"


def _resign(server: LiveServer, pool_id: str, payload: dict[str, Any]) -> str:
    return TokenSigner(pools.current_signing_key(server.svc, pool_id)).sign(payload)


def test_the_same_claims_signed_with_the_pools_key_are_accepted(
    server: LiveServer, p: Pool
) -> None:
    """The control for the forgeries below: the tokens they start from are good."""
    name = p.user()
    _, payload = segments(p.sign_in(name)["AccessToken"])
    assert p.get_user(_resign(server, p.id, payload))["Username"] == name


def _edited(server: LiveServer, p: Pool, token: str) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    body["username"] = body["username"] + "x"
    body["exp"] += 3600
    return f"{header}.{b64url(json.dumps(body).encode())}.{signature}"


def _alg_none(server: LiveServer, p: Pool, token: str) -> str:
    header, payload = segments(token)
    return compact({**header, "alg": "none"}, payload, lambda _: b"")


def _hs256_with_the_public_key(server: LiveServer, p: Pool, token: str) -> str:
    header, payload = segments(token)
    public = pools.current_signing_key(server.svc, p.id).public_key
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return compact(
        {**header, "alg": "HS256"}, payload, lambda data: hmac.new(pem, data, "sha256").digest()
    )


def _foreign_key_same_kid(server: LiveServer, p: Pool, token: str) -> str:
    header, payload = segments(token)
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(payload, foreign, algorithm="RS256", headers={"kid": header["kid"]})


def _id_token(server: LiveServer, p: Pool, token: str) -> str:
    raise NotImplementedError  # replaced by the test: the ID token of the same sign-in


def _signed_by_another_pool(server: LiveServer, p: Pool, token: str) -> str:
    """Our pool's claims, signed (validly) by another pool's key."""
    _, payload = segments(token)
    return _resign(server, pools_other(server), payload)


def _issued_by_another_pool(server: LiveServer, p: Pool, token: str) -> str:
    """A token another pool signed and issued, for a user of this pool."""
    _, payload = segments(token)
    other = pools_other(server)
    return _resign(server, other, {**payload, "iss": f"{server.url}/{other}"})


def _unknown_issuer(server: LiveServer, p: Pool, token: str) -> str:
    _, payload = segments(token)
    return _resign(server, p.id, {**payload, "iss": "https://cognito-idp.example/us-east-1_X"})


def _refresh_token(server: LiveServer, p: Pool, token: str) -> str:
    raise NotImplementedError  # replaced by the test


@pytest.mark.parametrize(
    "forge",
    [
        _edited,
        _alg_none,
        _hs256_with_the_public_key,
        _foreign_key_same_kid,
        _id_token,
        _signed_by_another_pool,
        _issued_by_another_pool,
        _unknown_issuer,
        _refresh_token,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_get_user_refuses_a_bad_token(
    server: LiveServer, p: Pool, forge: Callable[[LiveServer, Pool, str], str]
) -> None:
    tokens = p.sign_in(p.user())
    if forge is _id_token:
        bad = tokens["IdToken"]
    elif forge is _refresh_token:
        bad = tokens["RefreshToken"]
    else:
        bad = forge(server, p, tokens["AccessToken"])
    assert bad != tokens["AccessToken"]
    code, _ = error(lambda: p.get_user(bad))
    assert code == "NotAuthorizedException"
    assert p.get_user(tokens["AccessToken"])["Username"]


def test_get_user_refuses_an_expired_token(server: LiveServer, p: Pool) -> None:
    tokens = p.sign_in(p.user())
    server.clock.advance(59 * 60)
    assert p.get_user(tokens["AccessToken"])["Username"]
    server.clock.advance(2 * 60)
    assert error(lambda: p.get_user(tokens["AccessToken"])) == (
        "NotAuthorizedException",
        "Access Token has expired",
    )


# sign-out, revocation, deletion ---------------------------------------------------------------
REVOKED = ("NotAuthorizedException", "Access Token has been revoked")


def test_global_sign_out_ends_every_session_of_the_user(p: Pool) -> None:
    name, other = p.user(), p.user()
    first, second = p.sign_in(name), p.sign_in(name)
    refreshed = p.refresh(first["RefreshToken"])
    bystander = p.sign_in(other)
    p.anon.global_sign_out(AccessToken=second["AccessToken"])
    for access in (first["AccessToken"], second["AccessToken"], refreshed["AccessToken"]):
        assert error(partial(p.get_user, access)) == REVOKED
    for refresh in (first["RefreshToken"], second["RefreshToken"]):
        assert error(partial(p.refresh, refresh))[0] == "NotAuthorizedException"
        assert error(partial(p.get_tokens, refresh))[0] == "NotAuthorizedException"
    assert error(lambda: p.anon.global_sign_out(AccessToken=first["AccessToken"])) == REVOKED
    # Other users are untouched, and the user can sign in again at once.
    assert p.get_user(bystander["AccessToken"])["Username"] == other
    assert p.get_user(p.sign_in(name)["AccessToken"])["Username"] == name


def test_admin_user_global_sign_out(p: Pool, idp: Any) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    idp.admin_user_global_sign_out(UserPoolId=p.id, Username=name)
    assert error(lambda: p.get_user(tokens["AccessToken"])) == REVOKED
    assert error(lambda: p.refresh(tokens["RefreshToken"]))[0] == "NotAuthorizedException"
    assert p.get_user(p.sign_in(name)["AccessToken"])["Username"] == name
    code, _ = error(lambda: idp.admin_user_global_sign_out(UserPoolId=p.id, Username="nobody"))
    assert code == "UserNotFoundException"


def test_revoke_token_ends_one_session_only(p: Pool) -> None:
    name = p.user()
    mine, elsewhere = p.sign_in(name), p.sign_in(name)
    refreshed = p.refresh(mine["RefreshToken"])
    p.anon.revoke_token(Token=mine["RefreshToken"], ClientId=p.client_id)
    assert error(lambda: p.get_user(mine["AccessToken"])) == REVOKED
    assert error(lambda: p.get_user(refreshed["AccessToken"])) == REVOKED
    assert error(lambda: p.refresh(mine["RefreshToken"])) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    assert error(lambda: p.get_tokens(mine["RefreshToken"]))[0] == "NotAuthorizedException"
    # The other sign-in of the same user goes on.
    assert p.get_user(elsewhere["AccessToken"])["Username"] == name
    assert p.get_user(p.refresh(elsewhere["RefreshToken"])["AccessToken"])["Username"] == name
    # Revoking again, or a token nobody issued, is no error.
    p.anon.revoke_token(Token=mine["RefreshToken"], ClientId=p.client_id)
    p.anon.revoke_token(Token="never-issued", ClientId=p.client_id)


def test_revoke_token_after_rotation_ends_the_whole_family(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(RefreshTokenRotation=ROTATING)
    name = p.user()
    tokens = p.sign_in(name)
    rotated = p.get_tokens(tokens["RefreshToken"])
    elsewhere = p.sign_in(name)
    # Revoking the token the family started from ends the tokens rotated from it as well.
    p.anon.revoke_token(Token=tokens["RefreshToken"], ClientId=p.client_id)
    assert error(lambda: p.get_user(tokens["AccessToken"])) == REVOKED
    assert error(lambda: p.get_user(rotated["AccessToken"])) == REVOKED
    assert error(lambda: p.get_tokens(rotated["RefreshToken"])) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    assert "RefreshToken" in p.get_tokens(elsewhere["RefreshToken"])


def test_revoke_token_of_another_client(p: Pool, app_client: ClientFactory) -> None:
    other = app_client(p.id, ExplicitAuthFlows=FLOWS)
    tokens = p.sign_in(p.user())
    code, _ = error(
        lambda: p.anon.revoke_token(Token=tokens["RefreshToken"], ClientId=other["ClientId"])
    )
    assert code == "UnauthorizedException"
    assert p.get_user(tokens["AccessToken"])["Username"]


def test_revoke_token_with_a_client_secret(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(GenerateSecret=True)
    tokens = p.sign_in(p.user())
    token, cid, secret = tokens["RefreshToken"], p.client_id, p.client["ClientSecret"]
    assert error(lambda: p.anon.revoke_token(Token=token, ClientId=cid))[0] in (
        "NotAuthorizedException",
        "UnauthorizedException",
    )
    assert p.get_user(tokens["AccessToken"])["Username"]
    p.anon.revoke_token(Token=token, ClientId=cid, ClientSecret=secret)
    assert error(lambda: p.get_user(tokens["AccessToken"])) == REVOKED


def test_revoke_token_needs_revocation_enabled(make_pool: Callable[..., Pool]) -> None:
    p = make_pool(EnableTokenRevocation=False)
    tokens = p.sign_in(p.user())
    code, _ = error(lambda: p.anon.revoke_token(Token=tokens["RefreshToken"], ClientId=p.client_id))
    assert code == "UnsupportedOperationException"
    assert p.get_user(p.refresh(tokens["RefreshToken"])["AccessToken"])["Username"]


def test_delete_user(server: LiveServer, p: Pool, idp: Any) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    p.anon.delete_user(AccessToken=tokens["AccessToken"])
    code, _ = error(lambda: idp.admin_get_user(UserPoolId=p.id, Username=name))
    assert code == "UserNotFoundException"
    assert error(lambda: p.get_user(tokens["AccessToken"]))[0] == "NotAuthorizedException"
    assert error(lambda: p.refresh(tokens["RefreshToken"]))[0] == "NotAuthorizedException"
    assert error(lambda: p.sign_in(name))[0] == "UserNotFoundException"
    # The name is free again.
    assert p.get_user(p.sign_in(p.user(name))["AccessToken"])["Username"] == name


def test_a_disabled_user_cannot_use_its_access_token(server: LiveServer, p: Pool) -> None:
    name = p.user()
    tokens = p.sign_in(name)
    server.svc.store.update_user(p.sub_of(name), enabled=False, updated_at=server.svc.clock.now())
    assert error(lambda: p.get_user(tokens["AccessToken"])) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    assert error(lambda: p.sign_in(name)) == ("NotAuthorizedException", "User is disabled.")
