"""authpool.verify: tokens of a live server verified with its JWKS (sync and async), key
rotation picked up, groups; then the rules one by one with tokens signed here and a JWKS
served by a mock transport under Cognito's own issuer. The verifier's clock is injected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from tests.client.conftest import PASSWORD, LivePool
from tests.client.support import OffsetClock
from tests.client.verify_support import CLIENT, ISSUER, JWKS_URI, POOL, Issuer

from authpool.domain import pools
from authpool.verify import (
    AsyncTokenVerifier,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidClaimError,
    InvalidSignatureError,
    JwksError,
    MalformedTokenError,
    MissingGroupError,
    TokenVerifier,
)


@pytest.fixture
def driver() -> str:
    """The verifier does not depend on the client's driver: the live tokens come from one."""
    return "sync"


# -- live ---------------------------------------------------------------------------------------
def _tokens(live: LivePool, auth: Any, username: str | None = None) -> tuple[str, str]:
    username = username or live.new_user(auth)
    auth.sign_in(username, PASSWORD)
    tokens = auth.fetch_auth_session().tokens
    auth.sign_out()
    return str(tokens.access_token), str(tokens.id_token)


def test_live_tokens_verify_with_the_servers_keys(live: LivePool, clock: OffsetClock) -> None:
    auth = live.auth()
    username = live.new_user(auth)
    access, ident = _tokens(live, auth, username)
    verifier = TokenVerifier(
        live.pool_id, client_id=live.client_id, endpoint=live.server.url, clock=clock
    )
    with verifier:
        claims = verifier.verify(access, token_use="access")
        assert (claims.username, claims.token_use, claims.client_id) == (
            username, "access", live.client_id
        )  # fmt: skip
        assert "aws.cognito.signin.user.admin" in claims.scopes
        id_claims = verifier.verify(ident)
        assert id_claims["email"] == f"{username}@example.com"
        assert id_claims.sub == claims.sub
        with pytest.raises(InvalidClaimError, match="access token is required"):
            verifier.verify(ident, token_use="access")
        assert verifier.verify(access, scopes=["aws.cognito.signin.user.admin"])
        with pytest.raises(InsufficientScopeError):
            verifier.verify(access, scopes=["orders/read"])
        with pytest.raises(InsufficientScopeError):
            verifier.verify(ident, scopes=["aws.cognito.signin.user.admin"])  # ID: no scopes
        clock.advance(3600 + 1)
        with pytest.raises(ExpiredTokenError):
            verifier.verify(access)
        tampered = access[:-6] + ("AAAAAA" if not access.endswith("AAAAAA") else "BBBBBB")
        clock.advance(-3601)
        with pytest.raises(InvalidSignatureError):
            verifier.verify(tampered)

    other_client = TokenVerifier(
        live.pool_id, client_id="someotherclient0123456789", endpoint=live.server.url
    )
    with other_client, pytest.raises(InvalidClaimError, match="another app client"):
        other_client.verify(access)
    other_pool = TokenVerifier(
        live.server.client().create_user_pool(PoolName="other")["UserPool"]["Id"],
        client_id=live.client_id,
        endpoint=live.server.url,
        jwks_uri=f"{live.server.url}/{live.pool_id}/.well-known/jwks.json",
    )
    with other_pool, pytest.raises(InvalidClaimError, match="another issuer"):
        other_pool.verify(access)


def test_live_groups(live: LivePool) -> None:
    idp = live.server.client()
    auth = live.auth()
    username = live.new_user(auth)
    idp.create_group(UserPoolId=live.pool_id, GroupName="admin")
    idp.admin_add_user_to_group(UserPoolId=live.pool_id, Username=username, GroupName="admin")
    access, _ = _tokens(live, auth, username)
    with TokenVerifier(live.pool_id, client_id=live.client_id, endpoint=live.server.url) as v:
        assert v.verify(access, groups=["ops", "admin"]).groups == ("admin",)
        with pytest.raises(MissingGroupError):
            v.verify(access, groups="ops")


def test_a_rotated_key_is_fetched_when_a_token_names_it(live: LivePool) -> None:
    clock = OffsetClock()
    fetches: list[str] = []
    inner = httpx.HTTPTransport()

    def counting(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        response = inner.handle_request(request)
        response.read()
        return response

    auth = live.auth()
    old_access, _ = _tokens(live, auth)
    verifier = TokenVerifier(
        live.pool_id,
        client_id=live.client_id,
        endpoint=live.server.url,
        clock=clock,
        transport=httpx.MockTransport(counting),
    )
    with verifier:
        verifier.verify(old_access)
        verifier.verify(old_access)
        assert fetches == [f"{live.server.url}/{live.pool_id}/.well-known/jwks.json"]

        _key, record = pools.new_signing_key(live.server.svc, live.pool_id)
        live.server.svc.store.insert_signing_key(record)
        new_access, _ = _tokens(live, auth)
        assert jwt.get_unverified_header(new_access)["kid"] == record.kid
        clock.advance(31)  # past the refetch interval since the first fetch
        assert verifier.verify(new_access).token_use == "access"
        assert len(fetches) == 2
        assert verifier.verify(old_access)  # the old key is still listed: still good
        assert len(fetches) == 2
    inner.close()


def test_async_verifier_live(live: LivePool) -> None:
    auth = live.auth()
    access, ident = _tokens(live, auth)

    async def scenario() -> list[str]:
        async with AsyncTokenVerifier(
            live.pool_id, client_id=[live.client_id, "another"], endpoint=live.server.url
        ) as verifier:
            claims = await asyncio.gather(verifier.verify(access), verifier.verify(ident))
            with pytest.raises(InvalidClaimError):
                await verifier.verify(access, token_use="id")
            return [c.token_use for c in claims]

    assert asyncio.run(scenario()) == ["access", "id"]


# -- the rules, with tokens made here -----------------------------------------------------------
@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def verifier(issuer: Issuer, clock: OffsetClock) -> Any:
    made = TokenVerifier(
        POOL, client_id=CLIENT, clock=clock, transport=httpx.MockTransport(issuer.handler)
    )
    yield made
    made.close()


def test_cognitos_issuer_is_the_default(verifier: TokenVerifier) -> None:
    assert verifier.issuer == ISSUER
    assert verifier.jwks_uri == JWKS_URI


def test_a_good_token(verifier: TokenVerifier, issuer: Issuer, clock: OffsetClock) -> None:
    claims = verifier.verify(issuer.token(clock.now().timestamp()))
    assert claims.groups == ("admin",)
    assert claims.scopes == {"orders/read", "orders/write"}
    assert claims.expires_at > clock.now()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"iss": "https://evil.example.com/" + POOL}, InvalidClaimError),
        ({"token_use": "refresh"}, InvalidClaimError),
        ({"token_use": None}, InvalidClaimError),
        ({"client_id": "another"}, InvalidClaimError),
        ({"exp": None}, InvalidClaimError),
        ({"iat": None}, InvalidClaimError),
        ({"exp": 1}, ExpiredTokenError),
        ({"exp": "tomorrow"}, InvalidClaimError),
    ],
)
def test_claims_that_are_refused(
    verifier: TokenVerifier, issuer: Issuer, clock: OffsetClock, change: dict[str, Any],
    error: type[Exception],
) -> None:  # fmt: skip
    with pytest.raises(error):
        verifier.verify(issuer.token(clock.now().timestamp(), **change))


def test_times_and_leeway(issuer: Issuer, clock: OffsetClock) -> None:
    now = clock.now().timestamp()
    strict = TokenVerifier(POOL, client_id=CLIENT, clock=clock,
                           transport=httpx.MockTransport(issuer.handler))  # fmt: skip
    lenient = TokenVerifier(POOL, client_id=CLIENT, clock=clock, leeway=30,
                            transport=httpx.MockTransport(issuer.handler))  # fmt: skip
    with strict, lenient:
        future = issuer.token(now, iat=int(now) + 20)
        with pytest.raises(InvalidClaimError, match="iat"):
            strict.verify(future)
        assert lenient.verify(future)
        not_yet = issuer.token(now, nbf=int(now) + 20)
        with pytest.raises(InvalidClaimError, match="nbf"):
            strict.verify(not_yet)
        just_expired = issuer.token(now, exp=int(now) - 10)
        with pytest.raises(ExpiredTokenError):
            strict.verify(just_expired)
        assert lenient.verify(just_expired)


def test_id_tokens_name_their_client_in_aud(
    verifier: TokenVerifier, issuer: Issuer, clock: OffsetClock
) -> None:
    now = clock.now().timestamp()
    ident = issuer.token(now, token_use="id", client_id=None, aud=CLIENT, scope=None)
    assert verifier.verify(ident, token_use="id").client_id == CLIENT
    wrong = issuer.token(now, token_use="id", client_id=None, aud="another", scope=None)
    with pytest.raises(InvalidClaimError, match="another app client"):
        verifier.verify(wrong)


def test_any_client_when_asked(issuer: Issuer, clock: OffsetClock) -> None:
    anyone = TokenVerifier(POOL, client_id=None, clock=clock,
                           transport=httpx.MockTransport(issuer.handler))  # fmt: skip
    with anyone:
        assert anyone.verify(issuer.token(clock.now().timestamp(), client_id="another"))


@pytest.mark.parametrize(
    "make",
    [
        lambda i, now: "not-a-token",
        lambda i, now: "a.b.c",
        lambda i, now: i.token(now)[:-10] + "A" * 10,  # signature altered
        lambda i, now: i.token(now, headers={"kid": "unknown"}),
        lambda i, now: jwt.encode(
            {"iss": ISSUER}, "k" * 32, algorithm="HS256", headers={"kid": i.keys[0][0]}
        ),  # fmt: skip
        lambda i, now: jwt.encode(
            {"iss": ISSUER}, None, algorithm="none", headers={"kid": i.keys[0][0]}
        ),  # fmt: skip
        lambda i, now: i.token(now, headers={"kid": ""}),
    ],
)
def test_forged_or_broken_tokens(
    verifier: TokenVerifier, issuer: Issuer, clock: OffsetClock, make: Callable[..., str]
) -> None:
    verifier.verify(issuer.token(clock.now().timestamp()))  # keys fetched
    with pytest.raises((MalformedTokenError, InvalidSignatureError)):
        verifier.verify(make(issuer, clock.now().timestamp()))


def test_key_cache_rotation_retirement_and_outages(
    verifier: TokenVerifier, issuer: Issuer, clock: OffsetClock
) -> None:
    def now() -> float:
        return clock.now().timestamp()

    first = issuer.token(now())
    verifier.verify(first)
    verifier.verify(first)
    assert issuer.fetches == 1

    issuer.rotate()
    rotated = issuer.token(now())
    with pytest.raises(InvalidSignatureError):
        verifier.verify(rotated)  # within the refetch interval: no new fetch for an unknown kid
    assert issuer.fetches == 1
    clock.advance(30)
    assert verifier.verify(rotated)
    assert issuer.fetches == 2
    with pytest.raises(InvalidSignatureError):
        verifier.verify(issuer.token(now(), headers={"kid": "nope"}))  # no fetch storm
    assert issuer.fetches == 2

    issuer.retire_oldest()  # the key that signed ``first`` leaves the JWKS
    assert verifier.verify(first)  # cached until the cache's time to live runs out
    assert issuer.fetches == 2
    clock.advance(3600)
    with pytest.raises(InvalidSignatureError, match="does not list"):
        verifier.verify(first)  # refetched: the retired key no longer verifies anything
    assert issuer.fetches == 3

    issuer.down = True
    clock.advance(3600)
    assert verifier.verify(issuer.token(now()))  # the JWKS is down: the cached keys still work
    assert issuer.fetches == 4


def test_keys_unavailable(issuer: Issuer, clock: OffsetClock) -> None:
    issuer.down = True
    fresh = TokenVerifier(POOL, client_id=CLIENT, clock=clock,
                          transport=httpx.MockTransport(issuer.handler))  # fmt: skip
    with fresh:
        with pytest.raises(JwksError, match="503"):
            fresh.verify(issuer.token(clock.now().timestamp()))
        issuer.down = False
        with pytest.raises(JwksError):  # not fetched again at once
            fresh.verify(issuer.token(clock.now().timestamp()))
        clock.advance(timedelta(seconds=30).total_seconds())
        assert fresh.verify(issuer.token(clock.now().timestamp()))


@pytest.mark.parametrize(
    "document", [{"keys": "none"}, {"keys": [{"kty": "EC", "kid": "x"}]}, ["keys"]]
)
def test_unusable_key_sets(issuer: Issuer, clock: OffsetClock, document: Any) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=document))
    verifier = TokenVerifier(POOL, client_id=CLIENT, clock=clock, transport=transport)
    with verifier, pytest.raises(JwksError):
        verifier.verify(issuer.token(clock.now().timestamp()))
