"""The benchmark's operations, as a Cognito client sends them: raw AWS JSON 1.1 over HTTP.

Each operation is one user-visible step, timed from its first request to its last answer:

``signup``    SignUp, then AdminConfirmSignUp (SigV4-signed) of a new user
``srp``       InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge PASSWORD_VERIFIER
``password``  InitiateAuth USER_PASSWORD_AUTH
``refresh``   InitiateAuth REFRESH_TOKEN_AUTH
``getuser``   GetUser with an access token

The client side of SRP is real (:mod:`authpool.srp`), with a 256-bit client exponent
instead of Amplify's 1,024 bits: the server's work does not depend on it, and a client
three times cheaper leaves more of the machine to the server.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from authpool import srp

TARGET = "AWSCognitoIdentityProviderService."
JSON_TYPE = "application/x-amz-json-1.1"
REGION = "us-east-1"
PASSWORD = "Bench-Passw0rd!"
OPERATIONS = ("signup", "srp", "password", "refresh", "getuser")


class CallFailed(Exception):
    def __init__(self, operation: str, status: int, body: str) -> None:
        super().__init__(f"{operation}: HTTP {status}: {body[:300]}")
        self.status = status


@dataclass(frozen=True)
class Target:
    """Where to send requests, and the pool and client the benchmark set up there."""

    name: str
    url: str
    access_key: tuple[str, str]
    pool_id: str = ""
    client_id: str = ""


@dataclass
class BenchUser:
    username: str
    password: str = PASSWORD
    sub: str = ""
    access_token: str = ""
    refresh_token: str = ""


class Client:
    """One keep-alive HTTP connection to a target (one per load-generating thread)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.http = httpx.Client(base_url=target.url, timeout=120.0)
        self._credentials = Credentials(*target.access_key)

    def close(self) -> None:
        self.http.close()

    def call(self, operation: str, body: dict[str, Any], *, signed: bool = False) -> Any:
        data = json.dumps(body).encode()
        headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET + operation}
        if signed:
            request = AWSRequest("POST", self.target.url + "/", data=data, headers=headers)
            SigV4Auth(self._credentials, "cognito-idp", REGION).add_auth(request)
            headers = {k: str(v) for k, v in request.headers.items()}
        response = self.http.post("/", content=data, headers=headers)
        if response.status_code != 200:
            raise CallFailed(operation, response.status_code, response.text)
        return response.json() if response.content else {}


# setting up a target ---------------------------------------------------------------------------
def create_pool(client: Client) -> tuple[str, str]:
    """A pool with the default password policy and no auto-verified attributes (no code to
    deliver), and a public client that allows SRP, password and refresh sign-ins."""
    pool = client.call(
        "CreateUserPool", {"PoolName": f"bench-{secrets.token_hex(3)}"}, signed=True
    )["UserPool"]["Id"]
    app = client.call(
        "CreateUserPoolClient",
        {
            "UserPoolId": pool,
            "ClientName": "bench",
            "ExplicitAuthFlows": [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        },
        signed=True,
    )["UserPoolClient"]["ClientId"]
    return pool, app


def register(client: Client, user: BenchUser) -> None:
    """SignUp and AdminConfirmSignUp."""
    t = client.target
    answer = client.call(
        "SignUp", {"ClientId": t.client_id, "Username": user.username, "Password": user.password}
    )
    user.sub = answer.get("UserSub", "")
    client.call(
        "AdminConfirmSignUp", {"UserPoolId": t.pool_id, "Username": user.username}, signed=True
    )


def sign_in(client: Client, user: BenchUser) -> None:
    """USER_PASSWORD_AUTH; keeps the user's access and refresh tokens."""
    result = password(client, user)
    user.access_token = result["AccessToken"]
    user.refresh_token = result["RefreshToken"]


# the operations -----------------------------------------------------------------------------
def signup(client: Client, user: BenchUser) -> Any:
    register(client, user)
    return None


def password(client: Client, user: BenchUser) -> Any:
    answer = client.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client.target.client_id,
            "AuthParameters": {"USERNAME": user.username, "PASSWORD": user.password},
        },
    )
    return answer["AuthenticationResult"]


def _claim(client: Client, user: BenchUser, a: int, params: dict[str, str], timestamp: str) -> str:
    block = params["SECRET_BLOCK"]
    try:
        signature = srp.client_password_claim(
            pool_name=srp.pool_name_of(client.target.pool_id),
            user_id=params["USER_ID_FOR_SRP"],
            password=user.password,
            salt=srp.from_hex(params["SALT"]),
            a=a,
            B=srp.from_hex(params["SRP_B"]),
            secret_block=base64.b64decode(block + "=" * (-len(block) % 4)),
            timestamp=timestamp,
        )
    except (srp.SrpError, ValueError):  # an emulator's made-up SRP_B or SECRET_BLOCK
        signature = bytes(32)
    return base64.b64encode(signature).decode()


def srp_sign_in(client: Client, user: BenchUser) -> Any:
    a = int.from_bytes(secrets.token_bytes(32), "big") | (1 << 255)
    challenge = client.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": client.target.client_id,
            "AuthParameters": {
                "USERNAME": user.username,
                "SRP_A": srp.to_hex(srp.client_public(a)),
            },
        },
    )
    params = challenge["ChallengeParameters"]
    timestamp = srp.format_timestamp(datetime.now(UTC))
    answer = client.call(
        "RespondToAuthChallenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": client.target.client_id,
            **({"Session": challenge["Session"]} if challenge.get("Session") else {}),
            "ChallengeResponses": {
                # What Amplify sends is USER_ID_FOR_SRP; moto knows only USERNAME there.
                "USERNAME": params.get("USERNAME") or params["USER_ID_FOR_SRP"],
                "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": _claim(client, user, a, params, timestamp),
                "TIMESTAMP": timestamp,
            },
        },
    )
    return answer["AuthenticationResult"]


def refresh(client: Client, user: BenchUser) -> Any:
    answer = client.call(
        "InitiateAuth",
        {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client.target.client_id,
            "AuthParameters": {"REFRESH_TOKEN": user.refresh_token},
        },
    )
    return answer["AuthenticationResult"]


def get_user(client: Client, user: BenchUser) -> Any:
    return client.call("GetUser", {"AccessToken": user.access_token})


Operation = Callable[[Client, BenchUser], Any]
RUN: dict[str, Operation] = {
    "signup": signup,
    "srp": srp_sign_in,
    "password": password,
    "refresh": refresh,
    "getuser": get_user,
}
# Which operations need users that exist and have signed in before the clock starts.
NEEDS_USERS = frozenset({"srp", "password", "refresh", "getuser"})


@dataclass
class Tally:
    """What one load-generating thread saw."""

    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    first_error: str = ""
