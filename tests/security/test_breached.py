"""Breached passwords: the offline list in its three forms, and a server that checks it when a
password is chosen — sign-up, password change, reset by code, an admin's password, the new
password after a temporary one — refusing (BLOCK) or only reporting (AUDIT) as Cognito's
compromised-credentials setting does."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.flows.challenge_support import last_code, new_name, password_sign_in, signed_in
from tests.security.support import FLOWS, outcome
from tests.support.server import LiveServer, start_server

from authpool.domain.breached import AUDIT, BLOCK, REFUSED, PasswordList

BREACHED = "Breached-Passw0rd!"
ALSO_BREACHED = "Also-Breached-1!"
CLEAN = "Un1que-and-Unseen!"
REFUSAL = ("InvalidPasswordException", REFUSED)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest().upper()


# the list ---------------------------------------------------------------------------------------
def test_a_file_of_hashes_and_plain_passwords(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"{_sha1(BREACHED)}:1234\n{ALSO_BREACHED}\n\n{_sha1('x').lower()}\n")
    listed = PasswordList(path)
    assert len(listed) == 3
    assert BREACHED in listed
    assert ALSO_BREACHED in listed
    assert "x" in listed
    assert CLEAN not in listed
    assert "" not in listed


def test_a_directory_of_range_files(tmp_path: Path) -> None:
    digest = _sha1(BREACHED)
    (tmp_path / digest[:5]).write_text(f"{digest[5:]}:10\r\n{'0' * 35}:1\r\n")
    listed = PasswordList(tmp_path)
    assert BREACHED in listed
    assert CLEAN not in listed


def test_the_action_is_block_or_audit(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("x\n")
    assert PasswordList(path).action == BLOCK
    assert PasswordList(path, AUDIT).action == AUDIT
    with pytest.raises(ValueError, match="BLOCK or AUDIT"):
        PasswordList(path, "ALLOW")


# a server that checks it -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("breached")
    listed = data_dir / "breached.txt"
    listed.write_text(f"{_sha1(BREACHED)}:99\n{ALSO_BREACHED}\n")
    server = start_server(data_dir, compromised_passwords=listed, compromised_action="BLOCK")
    try:
        yield server
    finally:
        server.stop()


def _setup(server: LiveServer, **pool: Any) -> tuple[str, str]:
    idp = server.client()
    pool_id = idp.create_user_pool(
        PoolName=new_name("pool"), AutoVerifiedAttributes=["email"], **pool
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _sign_up(server: LiveServer, client_id: str, password: str) -> tuple[str, Any]:
    name = new_name()
    result = outcome(
        lambda: server.anon_client().sign_up(
            ClientId=client_id, Username=name, Password=password,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )
    )  # fmt: skip
    return name, result


def _confirmed(server: LiveServer, pool_id: str, client_id: str) -> str:
    name, result = _sign_up(server, client_id, CLEAN)
    assert result is None
    server.client().admin_confirm_sign_up(UserPoolId=pool_id, Username=name)
    server.client().admin_update_user_attributes(
        UserPoolId=pool_id, Username=name,
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )  # fmt: skip
    return name


def test_sign_up_with_a_breached_password_is_refused(checking: LiveServer) -> None:
    _, client_id = _setup(checking)
    assert _sign_up(checking, client_id, BREACHED)[1] == REFUSAL
    assert _sign_up(checking, client_id, ALSO_BREACHED)[1] == REFUSAL
    assert _sign_up(checking, client_id, CLEAN)[1] is None


def test_every_password_change_is_checked(checking: LiveServer) -> None:
    pool_id, client_id = _setup(checking)
    idp, anon = checking.client(), checking.anon_client()
    client = {"ClientId": client_id}
    name = _confirmed(checking, pool_id, client_id)
    access = signed_in(password_sign_in(anon, client, name, CLEAN))["AccessToken"]
    assert (
        outcome(
            lambda: anon.change_password(
                AccessToken=access, PreviousPassword=CLEAN, ProposedPassword=BREACHED
            )
        )
        == REFUSAL
    )
    assert (
        outcome(
            lambda: idp.admin_set_user_password(
                UserPoolId=pool_id, Username=name, Password=BREACHED, Permanent=True
            )
        )
        == REFUSAL
    )
    anon.forgot_password(ClientId=client_id, Username=name)
    code = last_code(checking, pool_id, name)
    assert (
        outcome(
            lambda: anon.confirm_forgot_password(
                ClientId=client_id, Username=name, ConfirmationCode=code, Password=BREACHED
            )
        )
        == REFUSAL
    )
    signed_in(password_sign_in(anon, client, name, CLEAN))  # nothing changed


def test_the_new_password_after_a_temporary_one_is_checked_and_may_be_retried(
    checking: LiveServer,
) -> None:
    pool_id, client_id = _setup(checking)
    idp, anon = checking.client(), checking.anon_client()
    name = new_name()
    idp.admin_create_user(
        UserPoolId=pool_id, Username=name, TemporaryPassword="Temp0rary-pass!",
        MessageAction="SUPPRESS",
    )  # fmt: skip
    challenge = password_sign_in(anon, {"ClientId": client_id}, name, "Temp0rary-pass!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    def answer(password: str) -> Any:
        return anon.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": password},
        )  # fmt: skip

    assert outcome(lambda: answer(BREACHED)) == REFUSAL
    signed_in(answer(CLEAN))


def test_an_audit_pool_accepts_and_reports(checking: LiveServer) -> None:
    _, client_id = _setup(checking, UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    seen: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(json.loads(record.getMessage()))

    audit_log = logging.getLogger("authpool.audit")
    handler, level = Keep(), audit_log.level
    audit_log.addHandler(handler)
    audit_log.setLevel(logging.INFO)
    try:
        name, result = _sign_up(checking, client_id, BREACHED)
    finally:
        audit_log.removeHandler(handler)
        audit_log.setLevel(level)
    assert result is None
    found = [e for e in seen if e["event"] == "CompromisedPassword"]
    assert len(found) == 1
    assert found[0]["action"] == AUDIT
    assert found[0]["flow"] == "SIGN_UP"
    assert BREACHED not in json.dumps(seen)
