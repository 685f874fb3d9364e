"""The handlers shipped in ``examples/triggers``, run by a live server exactly as configured
in their docstrings: auto-confirm by domain, a claim added to tokens, users migrated from a
legacy SQLite table, a one-time code by e-mail (with and without SRP first) and a security
question."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from examples.triggers.legacy_migration import hash_password
from examples.triggers.security_question import answer_hash
from pycognito.aws_srp import AWSSRP
from tests.support.server import LiveServer
from tests.triggers.mailbox import Mailbox, running_mailbox
from tests.triggers.support import PASSWORD, Env, claims, error, new_name

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

EXAMPLES = "python:examples.triggers"
EMAIL_OTP = {
    "DefineAuthChallenge": f"{EXAMPLES}.email_otp:define_auth_challenge",
    "CreateAuthChallenge": f"{EXAMPLES}.email_otp:create_auth_challenge",
    "VerifyAuthChallengeResponse": f"{EXAMPLES}.email_otp:verify_auth_challenge_response",
}
QUESTION = {
    "DefineAuthChallenge": f"{EXAMPLES}.security_question:define_auth_challenge",
    "CreateAuthChallenge": f"{EXAMPLES}.security_question:create_auth_challenge",
    "VerifyAuthChallengeResponse": f"{EXAMPLES}.security_question:verify_auth_challenge_response",
}


def email_attr(address: str) -> list[dict[str, str]]:
    return [{"Name": "email", "Value": address}]


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with running_mailbox() as box:
        monkeypatch.setenv("OTP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("OTP_SMTP_PORT", str(box.port))
        monkeypatch.setenv("OTP_FROM", "sign-in@example.com")
        yield box


def custom_start(env: Env, name: str, **params: str) -> dict[str, Any]:
    result: dict[str, Any] = env.anon.initiate_auth(
        ClientId=env.client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": name, **params},
    )
    return result


def custom_answer(env: Env, name: str, session: str, text: str) -> dict[str, Any]:
    result: dict[str, Any] = env.anon.respond_to_auth_challenge(
        ClientId=env.client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        ChallengeResponses={"USERNAME": name, "ANSWER": text},
        Session=session,
    )
    return result


# PreSignUp: auto-confirm a domain -------------------------------------------------------------
def test_auto_confirm_domain(tserver: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTO_CONFIRM_DOMAINS", "trusted.example, partner.example")
    env = Env.make(
        tserver,
        AutoVerifiedAttributes=["email"],
        LambdaConfig={"PreSignUp": f"{EXAMPLES}.auto_confirm_domain:handler"},
    )
    insider, outsider, lookalike = new_name(), new_name(), new_name()
    assert env.sign_up(insider, UserAttributes=email_attr(f"{insider}@Trusted.Example"))[
        "UserConfirmed"
    ]
    assert env.attributes(insider)["email_verified"] == "true"
    assert env.outbox(insider) == []
    for name, address in (
        (outsider, f"{outsider}@elsewhere.example"),
        (lookalike, f"{lookalike}@trusted.example.evil.example"),
    ):
        assert env.sign_up(name, UserAttributes=email_attr(address))["UserConfirmed"] is False
        assert env.user(name)["UserStatus"] == "UNCONFIRMED"
        assert len(env.outbox(name)) == 1


# PreTokenGeneration: a claim ------------------------------------------------------------------
def test_add_claims_v1_and_v2(tserver: LiveServer) -> None:
    target = f"{EXAMPLES}.add_claims:handler"
    v1 = Env.make(tserver, LambdaConfig={"PreTokenGeneration": target})
    name = new_name()
    v1.confirmed_user(name, email=f"{name}@acme.example")
    tokens = v1.password_sign_in(name)["AuthenticationResult"]
    assert claims(tokens["IdToken"])["tenant"] == "acme.example"
    assert "tenant" not in claims(tokens["AccessToken"])
    v2 = Env.make(
        tserver,
        LambdaConfig={"PreTokenGenerationConfig": {"LambdaArn": target, "LambdaVersion": "V2_0"}},
    )
    v2.confirmed_user(name, email=f"{name}@acme.example")
    tokens = v2.password_sign_in(name)["AuthenticationResult"]
    access = claims(tokens["AccessToken"])
    assert claims(tokens["IdToken"])["tenant"] == access["tenant"] == "acme.example"
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "tenant/acme.example"]


# UserMigration: a legacy SQLite table ---------------------------------------------------------
@pytest.fixture
def legacy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "legacy.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "CREATE TABLE users (username TEXT PRIMARY KEY, email TEXT NOT NULL, "
            "email_verified INTEGER NOT NULL DEFAULT 1, password_hash TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO users VALUES (?, ?, ?, ?)",
            [
                ("olduser", "old@legacy.example", 1, hash_password("Legacy-pass1!", "s4lt")),
                ("forgetful", "forgot@legacy.example", 1, hash_password("Gone-pass1!", "s4lt")),
            ],
        )
    monkeypatch.setenv("LEGACY_USER_DB", str(path))
    return path


def test_legacy_migration_at_sign_in(tserver: LiveServer, legacy_db: Path) -> None:
    env = Env.make(tserver, LambdaConfig={"UserMigration": f"{EXAMPLES}.legacy_migration:handler"})
    assert error(lambda: env.password_sign_in("olduser", password="Not-the-pass1!"))[0] == (
        "UserNotFoundException"
    )
    assert error(lambda: env.password_sign_in("stranger"))[0] == "UserNotFoundException"
    assert not env.exists("olduser")
    tokens = env.password_sign_in("olduser", password="Legacy-pass1!")["AuthenticationResult"]
    assert claims(tokens["IdToken"])["email"] == "old@legacy.example"
    assert env.user("olduser")["UserStatus"] == "CONFIRMED"
    assert env.attributes("olduser")["email_verified"] == "true"
    legacy_db.unlink()  # migrated: the legacy table is not needed any more
    env.password_sign_in("olduser", password="Legacy-pass1!")


def test_legacy_migration_at_forgot_password(tserver: LiveServer, legacy_db: Path) -> None:
    env = Env.make(tserver, LambdaConfig={"UserMigration": f"{EXAMPLES}.legacy_migration:handler"})
    env.anon.forgot_password(ClientId=env.client_id, Username="forgetful")
    [message] = env.outbox("forgetful")
    assert message.destination == "forgot@legacy.example"
    env.anon.confirm_forgot_password(
        ClientId=env.client_id,
        Username="forgetful",
        ConfirmationCode=message.code,
        Password=PASSWORD,
    )
    env.password_sign_in("forgetful")


# CUSTOM_AUTH: a code by e-mail ------------------------------------------------------------------
def test_email_otp_without_a_password(tserver: LiveServer, mailbox: Mailbox) -> None:
    env = Env.make(tserver, LambdaConfig=EMAIL_OTP)
    name = new_name()
    address = f"{name}@example.com"
    sub = env.confirmed_user(name, email=address)
    first = custom_start(env, name)
    assert first["ChallengeParameters"] == {"email": f"{name[0]}***@example.com", "USERNAME": name}
    [mail] = mailbox.to(address)
    assert mail["Subject"] == "Your sign-in code"
    assert mail["From"] == "sign-in@example.com"
    code = mailbox.last_code(address)
    retry = custom_answer(env, name, first["Session"], "000000" if code != "000000" else "111111")
    assert retry["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert len(mailbox.to(address)) == 1  # a retry reuses the code: no second e-mail
    done = custom_answer(env, name, retry["Session"], code)
    assert claims(done["AuthenticationResult"]["IdToken"])["sub"] == sub


def test_email_otp_after_the_password(tserver: LiveServer, mailbox: Mailbox) -> None:
    env = Env.make(tserver, LambdaConfig=EMAIL_OTP)
    name = new_name()
    address = f"{name}@example.com"
    env.confirmed_user(name, email=address)
    aws = AWSSRP(
        username=name,
        password=PASSWORD,
        pool_id=env.pool_id,
        client_id=env.client_id,
        client=env.anon,
    )
    params = aws.get_auth_params()
    challenge = custom_start(env, name, SRP_A=params["SRP_A"], CHALLENGE_NAME="SRP_A")
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert mailbox.to(address) == []  # no code before the password is proven
    custom = env.anon.respond_to_auth_challenge(
        ClientId=env.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=aws.process_challenge(challenge["ChallengeParameters"], params),
        Session=challenge["Session"],
    )
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    done = custom_answer(env, name, custom["Session"], mailbox.last_code(address))
    assert "IdToken" in done["AuthenticationResult"]


def test_email_otp_three_wrong_codes(tserver: LiveServer, mailbox: Mailbox) -> None:
    env = Env.make(tserver, LambdaConfig=EMAIL_OTP)
    name = new_name()
    env.confirmed_user(name)
    session = custom_start(env, name)["Session"]
    code = mailbox.last_code(f"{name}@example.com")
    wrong = "000000" if code != "000000" else "111111"
    session = custom_answer(env, name, session, wrong)["Session"]
    session = custom_answer(env, name, session, wrong)["Session"]
    assert error(lambda: custom_answer(env, name, session, wrong)) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


# CUSTOM_AUTH: a security question -------------------------------------------------------------
def test_security_question(tserver: LiveServer) -> None:
    schema = [
        {"Name": "question", "AttributeDataType": "String", "Mutable": True},
        {
            "Name": "answer_hash",
            "AttributeDataType": "String",
            "Mutable": True,
            "DeveloperOnlyAttribute": True,
        },
    ]
    env = Env.make(tserver, Schema=schema, LambdaConfig=QUESTION)
    name = new_name()
    env.confirmed_user(name)
    env.idp.admin_update_user_attributes(
        UserPoolId=env.pool_id,
        Username=name,
        UserAttributes=[
            {"Name": "custom:question", "Value": "Name of your first pet?"},
            {"Name": "dev:custom:answer_hash", "Value": answer_hash("Rex the Dog")},
        ],
    )
    first = custom_start(env, name)
    assert first["ChallengeParameters"]["question"] == "Name of your first pet?"
    second = custom_answer(env, name, first["Session"], "Felix")
    assert second["ChallengeName"] == "CUSTOM_CHALLENGE"
    done = custom_answer(env, name, second["Session"], "  rex THE dog ")
    id_token = claims(done["AuthenticationResult"]["IdToken"])
    assert "dev:custom:answer_hash" not in id_token  # developer-only: never in tokens
