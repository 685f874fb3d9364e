"""A full flow through a server, every secret it handles written down: the passwords, the
codes, the tokens, the sessions and SECRET_BLOCKs, the client secret, the access-key secrets,
the TOTP secret, the pool's signing key and the master key. The secrets-at-rest and audit
tests run it and then look for each secret where it must not be.

The server's messages go to :class:`Capture` (the development outbox, which keeps codes by
design, is off), so the codes are known to the test and to nothing in the database.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from typing import Any

import pyotp
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from pycognito.aws_srp import AWSSRP
from tests.flows.challenge_support import secret_hash, totp_now
from tests.support.server import LiveServer

from authpool.domain import pools
from authpool.domain.messages import OutgoingMessage

PASSWORDS = ("Fl0w-first-Secret!", "Fl0w-second-Secret!", "Fl0w-third-Secret!")
TEMPORARY = "Fl0w-temporary-Secret!"
WRONG = "Fl0w-wrong-Guess!"
FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


class Capture:
    """A message channel that keeps what it is given, for the test to read."""

    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def last_code(self, username: str) -> str:
        for message in reversed(self.messages):
            if message.username == username and message.code:
                return message.code
        raise AssertionError(f"no code for {username}")


@dataclass
class Secrets:
    """Every secret of one flow: ``text`` ones as the client saw them, ``raw`` ones as bytes."""

    text: set[str] = field(default_factory=set)
    raw: set[bytes] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)  # six digits: matched as whole numbers

    def add_token(self, value: str) -> None:
        self.text.add(value)
        for part in value.split(".")[1:] if value.count(".") == 2 else ():
            self.text.add(part)  # a JWT's payload and signature on their own

    def add_sealed_text(self, value: str) -> None:
        self.text.add(value)
        self.raw.add(base64.b64decode(value))

    def add_tokens(self, result: dict[str, Any]) -> None:
        for name in ("AccessToken", "IdToken", "RefreshToken"):
            if name in result:
                self.add_token(result[name])


@dataclass
class Flow:
    pool_id: str
    client_id: str
    client_secret: str
    username: str
    sub: str
    locked_user: str
    secrets: Secrets


def _hash(flow: Flow, name: str | None = None) -> str:
    return secret_hash(flow.client_secret, name or flow.username, flow.client_id)


def _pool(server: LiveServer, found: Secrets) -> tuple[str, str, str]:
    idp = server.client()
    pool_id = idp.create_user_pool(
        PoolName="secrets-flow",
        AutoVerifiedAttributes=["email"],
        MfaConfiguration="OPTIONAL",
        # earlier passwords are kept (as sealed verifiers) for the history
        Policies={"PasswordPolicy": {"MinimumLength": 8, "PasswordHistorySize": 3}},
    )["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="flow", GenerateSecret=True, ExplicitAuthFlows=FLOWS,
        PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=True,
    )["UserPoolClient"]  # fmt: skip
    found.text.add(client["ClientSecret"])
    key = pools.current_signing_key(server.svc, pool_id).private_key
    found.raw.add(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    d = key.private_numbers().d
    found.raw.add(d.to_bytes((d.bit_length() + 7) // 8, "big"))
    found.text.add(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    )
    return pool_id, client["ClientId"], client["ClientSecret"]


def _sign_up(server: LiveServer, capture: Capture, flow: Flow) -> None:
    anon = server.anon_client()
    flow.sub = anon.sign_up(
        ClientId=flow.client_id, SecretHash=_hash(flow), Username=flow.username,
        Password=PASSWORDS[0],
        UserAttributes=[{"Name": "email", "Value": f"{flow.username}@example.com"}],
    )["UserSub"]  # fmt: skip
    code = capture.last_code(flow.username)
    flow.secrets.codes.add(code)
    anon.confirm_sign_up(
        ClientId=flow.client_id, SecretHash=_hash(flow), Username=flow.username,
        ConfirmationCode=code,
    )  # fmt: skip


def password_sign_in(server: LiveServer, flow: Flow, password: str) -> dict[str, Any]:
    result: dict[str, Any] = server.anon_client().initiate_auth(
        ClientId=flow.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": flow.username, "PASSWORD": password,
                        "SECRET_HASH": _hash(flow)},
    )  # fmt: skip
    return result


def srp_sign_in(server: LiveServer, flow: Flow, password: str) -> dict[str, Any]:
    anon = server.anon_client()
    aws = AWSSRP(
        username=flow.username, password=password, pool_id=flow.pool_id,
        client_id=flow.client_id, client=anon, client_secret=flow.client_secret,
    )  # fmt: skip
    params = aws.get_auth_params()
    first = anon.initiate_auth(
        ClientId=flow.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    flow.secrets.add_sealed_text(first["ChallengeParameters"]["SECRET_BLOCK"])
    answers = aws.process_challenge(first["ChallengeParameters"], params)
    result: dict[str, Any] = anon.respond_to_auth_challenge(
        ClientId=flow.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    return result


def _totp(server: LiveServer, flow: Flow, access: str) -> str:
    anon = server.anon_client()
    secret: str = anon.associate_software_token(AccessToken=access)["SecretCode"]
    flow.secrets.text.add(secret)
    flow.secrets.raw.add(pyotp.TOTP(secret).byte_secret())
    code = totp_now(server, secret)
    flow.secrets.codes.add(code)
    anon.verify_software_token(AccessToken=access, UserCode=code, FriendlyDeviceName="phone")
    anon.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return secret


def mfa_sign_in(server: LiveServer, flow: Flow, password: str, secret: str) -> dict[str, Any]:
    challenge = password_sign_in(server, flow, password)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    flow.secrets.add_sealed_text(challenge["Session"])
    server.clock.advance(30)  # a fresh TOTP step: the code used before is spent
    code = totp_now(server, secret)
    flow.secrets.codes.add(code)
    result: dict[str, Any] = server.anon_client().respond_to_auth_challenge(
        ClientId=flow.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": flow.username, "SOFTWARE_TOKEN_MFA_CODE": code,
                            "SECRET_HASH": _hash(flow)},
    )  # fmt: skip
    return result


def _reset_and_change(server: LiveServer, capture: Capture, flow: Flow, secret: str) -> None:
    anon = server.anon_client()
    anon.forgot_password(ClientId=flow.client_id, SecretHash=_hash(flow), Username=flow.username)
    code = capture.last_code(flow.username)
    flow.secrets.codes.add(code)
    anon.confirm_forgot_password(
        ClientId=flow.client_id, SecretHash=_hash(flow), Username=flow.username,
        ConfirmationCode=code, Password=PASSWORDS[1],
    )  # fmt: skip
    tokens = mfa_sign_in(server, flow, PASSWORDS[1], secret)["AuthenticationResult"]
    flow.secrets.add_tokens(tokens)
    anon.change_password(
        AccessToken=tokens["AccessToken"],
        PreviousPassword=PASSWORDS[1],
        ProposedPassword=PASSWORDS[2],
    )
    refreshed = anon.initiate_auth(
        ClientId=flow.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": _hash(flow)},
    )["AuthenticationResult"]  # fmt: skip
    flow.secrets.add_tokens(refreshed)


def _admin_and_lockout(server: LiveServer, flow: Flow) -> None:
    idp = server.client()
    key = server.new_key("flow")
    flow.secrets.text.add(key.secret_access_key)
    idp.admin_create_user(
        UserPoolId=flow.pool_id, Username=flow.locked_user, TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
    )  # fmt: skip
    idp.admin_set_user_password(
        UserPoolId=flow.pool_id, Username=flow.locked_user, Password=PASSWORDS[0], Permanent=True
    )
    for _ in range(6):  # the sixth meets the lockout
        try:
            server.anon_client().initiate_auth(
                ClientId=flow.client_id, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": flow.locked_user, "PASSWORD": WRONG,
                                "SECRET_HASH": _hash(flow, flow.locked_user)},
            )  # fmt: skip
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotAuthorizedException":
                raise


def run(server: LiveServer, capture: Capture) -> Flow:
    """Sign-up with a code, password and SRP sign-in, TOTP set up and used, a reset by code,
    a password change, a refresh, an admin-created user and a lockout."""
    found = Secrets()
    found.text.update(PASSWORDS + (TEMPORARY, WRONG, server.admin_key.secret_access_key))
    master = server.settings.master_key_path.read_text().split()
    found.text.update(line.removeprefix("hash:") for line in master)
    found.raw.update(bytes.fromhex(line.removeprefix("hash:")) for line in master)
    pool_id, client_id, client_secret = _pool(server, found)
    flow = Flow(pool_id, client_id, client_secret, "flow-user", "", "locked-user", found)
    _sign_up(server, capture, flow)
    found.add_tokens(password_sign_in(server, flow, PASSWORDS[0])["AuthenticationResult"])
    tokens = srp_sign_in(server, flow, PASSWORDS[0])["AuthenticationResult"]
    found.add_tokens(tokens)
    secret = _totp(server, flow, tokens["AccessToken"])
    found.add_tokens(mfa_sign_in(server, flow, PASSWORDS[0], secret)["AuthenticationResult"])
    _reset_and_change(server, capture, flow, secret)
    _admin_and_lockout(server, flow)
    return flow
