"""Scale-out: two ``authpool serve`` hosts on one PostgreSQL database, sharing only the
database and the master key file, the first with two worker processes (``--workers 2``).
Every flow runs with each request sent to the other host than the one before, and one test
sends consecutive requests to each worker of the first host in turn (through connections
that worker accepted). So any state a flow keeps between requests (SRP and challenge
sessions, single-use markers, codes, lockout counters, rate-limit counters, signing keys)
must be in the database: a worker that kept it in memory would fail these tests. (Pool and
client settings are the one thing a worker may hold for a few seconds, see
``test_fast_paths.py``; so each pool here is configured before another host reads it.)
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any

import httpx
import jwt
import pyotp
import pytest
from tests.devices import support as devices
from tests.scale.support import (
    PASSWORD,
    Api,
    CognitoError,
    Host,
    create_access_key,
    links_to_every_worker,
    share_master_key,
    srp_answer,
    srp_start,
)
from tests.support.postgres import PgServer
from tests.support.server import boto_client

pytestmark = [
    pytest.mark.postgres,
    # pycognito, which does the device's SRP side, calls datetime.utcnow.
    pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning"),
]

# One category set low for the shared-rate-limit test (ListGroups and GetGroup, which nothing
# else here calls): Cognito's other default quotas apply to the rest.
RATE_LIMITS = '{"UserPoolResourceRead": 1}'
SRP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
WRONG = ("NotAuthorizedException", "Incorrect username or password.")
PHONE = "+14155550123"
SMS_MFA = {
    "SmsAuthenticationMessage": "Your sign-in code is {####}",
    "SmsConfiguration": {
        "SnsCallerArn": "arn:aws:iam::123456789012:role/authpool-sms",
        "ExternalId": "authpool",
    },
}


class Cluster:
    """The two hosts, and a way to take turns between them."""

    def __init__(self, a: Host, b: Host, key: tuple[str, str]) -> None:
        self.hosts = (a, b)
        self.key = key
        self.apis = (Api(a.url, key), Api(b.url, key))
        self._turns = cycle(self.apis)

    def next(self) -> Api:
        """The host after the one the last request went to."""
        return next(self._turns)

    def call(self, operation: str, body: dict[str, Any], *, signed: bool = False) -> Any:
        return self.next().call(operation, body, signed=signed)

    def error(
        self, operation: str, body: dict[str, Any], *, signed: bool = False
    ) -> tuple[str, str]:
        return self.next().error(operation, body, signed=signed)


@pytest.fixture(scope="module")
def cluster(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    url = pg_server.create_database()
    root = tmp_path_factory.mktemp("scale")
    key = create_access_key(root / "a", url)  # migrates the database, makes the master key
    share_master_key(root / "a", root / "b")
    # The outbox on (no SMTP or SMS gateway here): the tests read the codes from it.
    env = {"AUTHPOOL_RATE_LIMITS": RATE_LIMITS, "AUTHPOOL_OUTBOX": "1"}
    # Behind a load balancer every host names the balancer's URL as the token issuer.
    lb = "https://auth.example.test"
    a = Host(root / "a", database_url=url, workers=2, env=env, name="a", public_url=lb)
    b = Host(root / "b", database_url=url, workers=1, env=env, name="b", public_url=lb)
    try:
        with ThreadPoolExecutor(max_workers=2) as starting:  # both at once, as in a deploy
            for started in [starting.submit(h.start) for h in (a, b)]:
                started.result()
        yield Cluster(a, b, key)
    finally:
        a.stop()
        b.stop()
        pg_server.drop_database(url)


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def make_pool(c: Cluster, **settings: Any) -> str:
    pool_id: str = c.call(
        "CreateUserPool", {"PoolName": new_name("pool"), **settings}, signed=True
    )["UserPool"]["Id"]
    return pool_id


def make_client(c: Cluster, pool_id: str, **settings: Any) -> str:
    settings.setdefault("ExplicitAuthFlows", SRP_FLOWS)
    body = {"UserPoolId": pool_id, "ClientName": new_name("app"), **settings}
    client_id: str = c.call("CreateUserPoolClient", body, signed=True)["UserPoolClient"]["ClientId"]
    return client_id


def confirmed_user(c: Cluster, pool_id: str, client_id: str, password: str = PASSWORD) -> str:
    name = new_name()
    c.call("SignUp", {"ClientId": client_id, "Username": name, "Password": password})
    c.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": name}, signed=True)
    return name


def password_sign_in(c: Cluster, client_id: str, name: str, password: str = PASSWORD) -> Any:
    return c.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": name, "PASSWORD": password},
        },
    )


def test_the_hosts_share_one_database_and_the_first_runs_two_workers(cluster: Cluster) -> None:
    a, b = cluster.hosts
    assert len(a.worker_pids()) == 2
    # Both hosts publish the same pool, with the same keys.
    pool_id = make_pool(cluster)
    jwks = [httpx.get(f"{h.url}/{pool_id}/.well-known/jwks.json").json() for h in (a, b)]
    assert jwks[0] == jwks[1]
    assert jwks[0]["keys"]


def test_sign_up_confirm_and_resend_across_hosts(cluster: Cluster) -> None:
    pool_id = make_pool(cluster, AutoVerifiedAttributes=["email"])
    client_id = make_client(cluster, pool_id)
    name = new_name()
    email = [{"Name": "email", "Value": f"{name}@example.com"}]
    signed_up = cluster.call(
        "SignUp",
        {"ClientId": client_id, "Username": name, "Password": PASSWORD, "UserAttributes": email},
    )
    assert signed_up["UserConfirmed"] is False
    first = cluster.next().last_code(pool_id, name)
    cluster.call("ResendConfirmationCode", {"ClientId": client_id, "Username": name})
    assert len(cluster.next().outbox(pool_id, name)) == 2
    second = cluster.next().last_code(pool_id, name)
    confirm = {"ClientId": client_id, "Username": name}
    if first != second:  # the code the resend replaced is refused, on any host
        refused = cluster.error("ConfirmSignUp", {**confirm, "ConfirmationCode": first})
        assert refused[0] == "CodeMismatchException"
    cluster.call("ConfirmSignUp", {**confirm, "ConfirmationCode": second})
    again = cluster.error("ConfirmSignUp", {**confirm, "ConfirmationCode": second})
    assert again == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )
    user = cluster.call("AdminGetUser", {"UserPoolId": pool_id, "Username": name}, signed=True)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert any(a["Value"] == signed_up["UserSub"] for a in user["UserAttributes"])


def test_the_main_flow_hops_from_host_to_host_at_every_step(cluster: Cluster) -> None:
    """Sign-up, confirmation with the code from the outbox, SRP sign-in with SMS MFA,
    refresh, GetUser and global sign-out: each request to the other host than the one
    before, and each answered challenge replayed on the other host, in vain."""
    admin = cluster.next()  # the pool is set up on one host before any other reads it
    pool_id = admin.call(
        "CreateUserPool",
        {"PoolName": new_name("pool"), "AutoVerifiedAttributes": ["email"]},
        signed=True,
    )["UserPool"]["Id"]
    admin.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": pool_id, "MfaConfiguration": "OPTIONAL", "SmsMfaConfiguration": SMS_MFA},
        signed=True,
    )
    client_id = make_client(cluster, pool_id)
    name = new_name()
    attributes = [
        {"Name": "email", "Value": f"{name}@example.com"},
        {"Name": "phone_number", "Value": PHONE},
    ]
    signed_up = cluster.call(
        "SignUp",
        {
            "ClientId": client_id,
            "Username": name,
            "Password": PASSWORD,
            "UserAttributes": attributes,
        },
    )
    code = cluster.next().last_code(pool_id, name)
    cluster.call(
        "ConfirmSignUp", {"ClientId": client_id, "Username": name, "ConfirmationCode": code}
    )
    cluster.call(
        "AdminUpdateUserAttributes",
        {
            "UserPoolId": pool_id,
            "Username": name,
            "UserAttributes": [{"Name": "phone_number_verified", "Value": "true"}],
        },
        signed=True,
    )
    cluster.call(
        "AdminSetUserMFAPreference",
        {
            "UserPoolId": pool_id,
            "Username": name,
            "SMSMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
        signed=True,
    )

    # SRP: InitiateAuth on one host, the password claim on the other.
    a, challenge = srp_start(cluster.next(), client_id, name)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    claim = srp_answer(pool_id, client_id, a, challenge)
    mfa = cluster.call("RespondToAuthChallenge", claim)
    assert mfa["ChallengeName"] == "SMS_MFA", mfa
    replay = cluster.error("RespondToAuthChallenge", claim)
    assert replay[0] == "NotAuthorizedException", replay

    # SMS_MFA: the code read on one host, the answer sent to the other, not twice.
    sms = [m for m in cluster.next().outbox(pool_id, name) if m["medium"] == "SMS"]
    assert [m["destination"] for m in sms] == [PHONE]
    answer = {
        "ClientId": client_id,
        "ChallengeName": "SMS_MFA",
        "Session": mfa["Session"],
        "ChallengeResponses": {"USERNAME": name, "SMS_MFA_CODE": sms[-1]["code"]},
    }
    tokens = cluster.call("RespondToAuthChallenge", answer)["AuthenticationResult"]
    for api in cluster.apis:
        assert api.error("RespondToAuthChallenge", answer)[0] in (
            "NotAuthorizedException",
            "CodeMismatchException",
            "ExpiredCodeException",
        )

    # Refresh on one host, GetUser with the new access token on the other.
    refresh = {
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
    }
    refreshed = cluster.call("InitiateAuth", refresh)["AuthenticationResult"]
    me = cluster.call("GetUser", {"AccessToken": refreshed["AccessToken"]})
    assert me["Username"] == name
    assert {"Name": "sub", "Value": signed_up["UserSub"]} in me["UserAttributes"]

    # GlobalSignOut on one host: the other refuses every token and the refresh token.
    cluster.call("GlobalSignOut", {"AccessToken": tokens["AccessToken"]})
    for access in (tokens["AccessToken"], refreshed["AccessToken"]):
        for api in cluster.apis:
            assert api.error("GetUser", {"AccessToken": access})[0] == "NotAuthorizedException"
    for api in cluster.apis:
        assert api.error("InitiateAuth", refresh)[0] == "NotAuthorizedException"


def test_srp_sign_in_started_on_one_host_finishes_on_the_other(cluster: Cluster) -> None:
    pool_id = make_pool(cluster)
    client_id = make_client(cluster, pool_id)
    name = confirmed_user(cluster, pool_id, client_id)
    for _ in range(3):  # a few times, so each worker of the first host takes a part
        a, challenge = srp_start(cluster.next(), client_id, name)
        assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
        answer = srp_answer(pool_id, client_id, a, challenge)
        tokens = cluster.call("RespondToAuthChallenge", answer)["AuthenticationResult"]
        assert cluster.call("GetUser", {"AccessToken": tokens["AccessToken"]})["Username"] == name
        # The SECRET_BLOCK is used up in the database: no host takes it again.
        for api in cluster.apis:
            assert api.error("RespondToAuthChallenge", answer)[0] == "NotAuthorizedException"
    # A wrong password is refused wherever the answer lands.
    a, challenge = srp_start(cluster.next(), client_id, name)
    wrong = srp_answer(pool_id, client_id, a, challenge, password="Not-the-passw0rd")
    assert cluster.error("RespondToAuthChallenge", wrong) == WRONG


def test_tokens_refresh_revocation_and_sign_out_across_hosts(cluster: Cluster) -> None:
    pool_id = make_pool(cluster)
    client_id = make_client(cluster, pool_id)
    rotating = make_client(
        cluster,
        pool_id,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    name = confirmed_user(cluster, pool_id, client_id)
    tokens = password_sign_in(cluster, client_id, name)["AuthenticationResult"]

    # A token issued by one host verifies against the other host's JWKS.
    a, b = cluster.hosts
    for token, host in ((tokens["IdToken"], a), (tokens["AccessToken"], b)):
        keys = jwt.PyJWKClient(f"{host.url}/{pool_id}/.well-known/jwks.json", cache_keys=False)
        key = keys.get_signing_key_from_jwt(token)
        jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_aud": False})

    refresh = {
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
    }
    refreshed = cluster.call("InitiateAuth", refresh)["AuthenticationResult"]
    assert cluster.call("GetUser", {"AccessToken": refreshed["AccessToken"]})["Username"] == name

    # Rotation: the refresh token one host rotated out is refused by the other.
    first = password_sign_in(cluster, rotating, name)["AuthenticationResult"]["RefreshToken"]
    body = {"ClientId": rotating, "RefreshToken": first}
    second = cluster.call("GetTokensFromRefreshToken", body)["AuthenticationResult"]
    assert second["RefreshToken"] != first
    assert cluster.error("GetTokensFromRefreshToken", body)[0] == "RefreshTokenReuseException"

    # RevokeToken on one host ends the refresh token and its access tokens on the other.
    cluster.call("RevokeToken", {"ClientId": client_id, "Token": tokens["RefreshToken"]})
    assert cluster.error("InitiateAuth", refresh)[0] == "NotAuthorizedException"
    for access in (tokens["AccessToken"], refreshed["AccessToken"]):
        assert cluster.error("GetUser", {"AccessToken": access})[0] == "NotAuthorizedException"

    # GlobalSignOut on one host: every token refused on both.
    fresh = password_sign_in(cluster, client_id, name)["AuthenticationResult"]
    cluster.call("GlobalSignOut", {"AccessToken": fresh["AccessToken"]})
    for api in cluster.apis:
        assert api.error("GetUser", {"AccessToken": fresh["AccessToken"]})[0] == (
            "NotAuthorizedException"
        )


def test_new_password_and_totp_challenges_across_hosts(cluster: Cluster) -> None:
    # The pool is made and configured on one host before any traffic: another host would
    # see a change of a pool it had already read only after its config cache expires.
    admin = cluster.next()
    pool_id = admin.call("CreateUserPool", {"PoolName": new_name("pool")}, signed=True)["UserPool"][
        "Id"
    ]
    admin.call(
        "SetUserPoolMfaConfig",
        {
            "UserPoolId": pool_id,
            "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": {"Enabled": True},
        },
        signed=True,
    )
    client_id = make_client(cluster, pool_id)
    name = new_name()
    cluster.call(
        "AdminCreateUser",
        {
            "UserPoolId": pool_id,
            "Username": name,
            "TemporaryPassword": "Temp-Passw0rd!",
            "MessageAction": "SUPPRESS",
        },
        signed=True,
    )

    # NEW_PASSWORD_REQUIRED: asked by one host, answered on the other, not twice.
    challenge = password_sign_in(cluster, client_id, name, "Temp-Passw0rd!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = {
        "ClientId": client_id,
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": challenge["Session"],
        "ChallengeResponses": {"USERNAME": name, "NEW_PASSWORD": PASSWORD},
    }
    tokens = cluster.call("RespondToAuthChallenge", answer)["AuthenticationResult"]
    assert cluster.error("RespondToAuthChallenge", answer)[0] == "NotAuthorizedException"

    # An authenticator associated on one host, verified on the other.
    access = {"AccessToken": tokens["AccessToken"]}
    secret = cluster.call("AssociateSoftwareToken", access)["SecretCode"]
    totp = pyotp.TOTP(secret)
    # A code is good once, on any host: the set-up takes the previous step's code (within
    # the drift window), which leaves the current one for the sign-in below. Not in the
    # last seconds of a step: the previous code must still be in the window when it lands.
    now = datetime.now(UTC)
    if now.timestamp() % 30 > 25:
        threading.Event().wait(30.5 - now.timestamp() % 30)
    previous = totp.at(datetime.now(UTC) - timedelta(seconds=30))
    cluster.call("VerifySoftwareToken", {**access, "UserCode": previous})
    cluster.call(
        "SetUserMFAPreference",
        {**access, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}},
    )

    # SOFTWARE_TOKEN_MFA: the session made by one host is good on the other, once.
    challenge = password_sign_in(cluster, client_id, name)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    answer = {
        "ClientId": client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": challenge["Session"],
        "ChallengeResponses": {"USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": totp.now()},
    }
    done = cluster.call("RespondToAuthChallenge", answer)
    assert "AccessToken" in done["AuthenticationResult"]
    assert cluster.error("RespondToAuthChallenge", answer)[0] in (
        "NotAuthorizedException",
        "CodeMismatchException",
        "ExpiredCodeException",
    )


def test_forgot_password_across_hosts(cluster: Cluster) -> None:
    pool_id = make_pool(
        cluster,
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
    )
    client_id = make_client(cluster, pool_id)
    name = new_name()
    cluster.call(
        "AdminCreateUser",
        {
            "UserPoolId": pool_id,
            "Username": name,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [
                {"Name": "email", "Value": f"{name}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        },
        signed=True,
    )
    cluster.call(
        "AdminSetUserPassword",
        {"UserPoolId": pool_id, "Username": name, "Password": PASSWORD, "Permanent": True},
        signed=True,
    )
    cluster.call("ForgotPassword", {"ClientId": client_id, "Username": name})
    code = cluster.next().last_code(pool_id, name)
    new_password = "Brand-new-passw0rd!"
    reset = {"ClientId": client_id, "Username": name, "Password": new_password}
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    assert cluster.error("ConfirmForgotPassword", {**reset, "ConfirmationCode": wrong_code})[0] == (
        "CodeMismatchException"
    )
    cluster.call("ConfirmForgotPassword", {**reset, "ConfirmationCode": code})
    assert cluster.error("ConfirmForgotPassword", {**reset, "ConfirmationCode": code})[0] in (
        "CodeMismatchException",
        "ExpiredCodeException",
    )
    assert "AuthenticationResult" in password_sign_in(cluster, client_id, name, new_password)
    assert (
        cluster.error(
            "InitiateAuth",
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
            },
        )
        == WRONG
    )


class Alternating:
    """A boto3 ``cognito-idp`` client whose every call goes to the other host than the last
    one (for helpers written against boto3)."""

    def __init__(self, cluster: Cluster) -> None:
        self._clients = cycle([boto_client(host.url, None) for host in cluster.hosts])

    def __getattr__(self, name: str) -> Any:
        return getattr(next(self._clients), name)


def test_a_device_confirmed_on_one_host_proves_itself_on_the_other(cluster: Cluster) -> None:
    pool_id = make_pool(
        cluster,
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": False,
        },
    )
    client = {"ClientId": make_client(cluster, pool_id)}
    name = confirmed_user(cluster, pool_id, client["ClientId"])
    anon = Alternating(cluster)
    tokens = devices.sign_in(anon, client, name, password=PASSWORD)["AuthenticationResult"]
    device = devices.confirm(anon, tokens)
    challenge = devices.sign_in(anon, client, name, device=device, password=PASSWORD)
    done = devices.prove_device(anon, client, challenge, name, device, pool_id)
    assert "AccessToken" in done["AuthenticationResult"]
    listed = cluster.call(
        "ListDevices", {"AccessToken": done["AuthenticationResult"]["AccessToken"]}
    )
    assert [d["DeviceKey"] for d in listed["Devices"]] == [device.key]


def test_the_lockout_counts_failures_on_every_host_together(cluster: Cluster) -> None:
    """Five failures spread over both hosts (three on one, two on the other) lock the user
    out: a lockout counted per worker would need five on one."""
    pool_id = make_pool(cluster)
    client_id = make_client(cluster, pool_id)
    name = confirmed_user(cluster, pool_id, client_id)
    wrong = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": name, "PASSWORD": "Wrong-passw0rd!"},
    }
    for _ in range(5):
        assert cluster.error("InitiateAuth", wrong) == WRONG
    # The fifth failure locks for a second; should a slow machine let that second pass, the
    # sixth failure locks for two, and so on: a lockout that counts per host would refuse
    # nothing before the ninth attempt.
    outcomes = [cluster.error("InitiateAuth", wrong) for _ in range(2)]
    assert ("NotAuthorizedException", "Password attempts exceeded") in outcomes, outcomes


def test_a_rate_limit_counts_requests_on_every_host_together(cluster: Cluster) -> None:
    """A quota of one ListGroups call a second for a pool: a call to one host, then one to
    the other within the same second, and the second call is one too many (each host alone
    would allow it). Tried again should the two calls straddle a second."""
    pool_id = make_pool(cluster)
    body = {"UserPoolId": pool_id}
    pause = threading.Event()
    for _attempt in range(20):
        began = datetime.now(UTC)
        pause.wait(1.0 - began.microsecond / 1e6 + 0.01)  # just after a second begins
        began = datetime.now(UTC)
        first = outcome(cluster.next(), "ListGroups", body)
        if first != ("", ""):  # this second's one call was taken by an attempt cut short
            assert first == ("TooManyRequestsException", "Too many requests"), first
            continue
        second = outcome(cluster.next(), "ListGroups", body)
        if int(datetime.now(UTC).timestamp()) == int(began.timestamp()):
            assert second == ("TooManyRequestsException", "Too many requests"), second
            return
    pytest.fail("two calls never fitted in one second")


def outcome(api: Api, operation: str, body: dict[str, Any]) -> tuple[str, str]:
    """("", "") for a signed call that succeeds, else its error's (code, message)."""
    try:
        api.call(operation, body, signed=True)
    except CognitoError as exc:
        return exc.code, exc.message
    return "", ""


def test_consecutive_requests_go_to_each_worker_of_a_host_in_turn(cluster: Cluster) -> None:
    """The two workers of one host, each addressed through a connection it accepted: a
    sign-up, an SRP sign-in, refresh, sign-out and a lockout with each request answered by
    the other worker than the one before."""
    a, _ = cluster.hosts
    pool_id = make_pool(cluster)
    client_id = make_client(cluster, pool_id)
    links = links_to_every_worker(a, cluster.key)
    try:
        assert len({link.pid for link in links}) == 2
        one, two = links
        name = new_name()
        signed_up = one.call(
            "SignUp", {"ClientId": client_id, "Username": name, "Password": PASSWORD}
        )
        two.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": name}, signed=True)
        a_secret, challenge = srp_start(one, client_id, name)
        claim = srp_answer(pool_id, client_id, a_secret, challenge)
        tokens = two.call("RespondToAuthChallenge", claim)["AuthenticationResult"]
        assert one.error("RespondToAuthChallenge", claim)[0] == "NotAuthorizedException"
        me = two.call("GetUser", {"AccessToken": tokens["AccessToken"]})
        assert {"Name": "sub", "Value": signed_up["UserSub"]} in me["UserAttributes"]
        refresh = {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
        }
        refreshed = one.call("InitiateAuth", refresh)["AuthenticationResult"]
        two.call("GlobalSignOut", {"AccessToken": refreshed["AccessToken"]})
        assert one.error("GetUser", {"AccessToken": tokens["AccessToken"]})[0] == (
            "NotAuthorizedException"
        )
        assert one.error("InitiateAuth", refresh)[0] == "NotAuthorizedException"

        # Five failures, taking turns between the workers, lock a user out on both.
        other = new_name()
        one.call("SignUp", {"ClientId": client_id, "Username": other, "Password": PASSWORD})
        two.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": other}, signed=True)
        wrong = {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": other, "PASSWORD": "Wrong-passw0rd!"},
        }
        for i in range(5):
            assert links[i % 2].error("InitiateAuth", wrong) == WRONG
        outcomes = [link.error("InitiateAuth", wrong) for link in (two, one)]
        assert ("NotAuthorizedException", "Password attempts exceeded") in outcomes, outcomes
    finally:
        for link in links:
            link.close()
