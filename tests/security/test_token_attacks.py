"""Token and session attacks the other suites leave out, and the constant-time rule.

Already covered elsewhere (and not repeated): alg=none, HS256 keyed with the public key, a
foreign key under our kid, an edited payload, another pool's key or issuer, an ID token or a
refresh token where an access token is due, an expired token, revoked tokens and global
sign-out (tests/flows/test_tokens.py, tests/tokens/test_jwt.py); a replayed, re-spelled,
expired or cross-client SECRET_BLOCK and SRP_A ≡ 0 mod N (tests/flows/test_sign_in.py); a
replayed TOTP code (tests/flows/test_mfa.py); sealed sessions flipped, truncated or reused
(tests/flows/test_sessions.py).

Here: a token not valid yet (``iat`` or ``nbf`` in the future), an access token of a deleted
user, a challenge Session answered for another user, a Session replayed after it signed in,
and a source scan that every comparison of a secret in Python goes through
``hmac.compare_digest``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from tests.flows.challenge_support import (
    INVALID_FOR_USER,
    last_code,
    mfa_pool,
    password_sign_in,
    respond,
    signed_in,
)
from tests.security.support import ClientFactory, PoolFactory, outcome, password_pool, user
from tests.support.server import LiveServer

from authpool.domain import pools
from authpool.tokens import TokenSigner

SRC = Path(__file__).resolve().parents[2] / "src" / "authpool"
PHONE = "+14155550123"


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


def _payload(token: str) -> dict[str, Any]:
    import base64
    import json

    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"iat": 3600}, id="issued-in-the-future"),
        pytest.param({"nbf": 3600}, id="not-before-in-the-future"),
    ],
)
def test_a_token_not_valid_yet_is_refused(
    server: LiveServer,
    idp: Any,
    anon: Any,
    pool: PoolFactory,
    app_client: ClientFactory,
    change: dict[str, int],
) -> None:
    pool_id, client = password_pool(pool, app_client)
    name = user(idp, pool_id)
    token = signed_in(password_sign_in(anon, client, name))["AccessToken"]
    claims = _payload(token)
    signer = TokenSigner(pools.current_signing_key(server.svc, pool_id))
    control = signer.sign(claims)  # the same claims, signed again: accepted
    assert anon.get_user(AccessToken=control)["Username"] == name
    forged = {**claims, **{k: claims["iat"] + v for k, v in change.items()}}
    forged["exp"] = claims["exp"] + 7200
    assert outcome(lambda: anon.get_user(AccessToken=signer.sign(forged))) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )


def test_the_access_token_of_a_deleted_user_is_refused(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = password_pool(pool, app_client)
    name = user(idp, pool_id)
    token = signed_in(password_sign_in(anon, client, name))["AccessToken"]
    idp.admin_delete_user(UserPoolId=pool_id, Username=name)
    assert outcome(lambda: anon.get_user(AccessToken=token))[0] == "NotAuthorizedException"


def test_a_challenge_session_is_not_another_users(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id, client = mfa_pool(idp, pool, app_client, "OPTIONAL", sms=True)
    victim = user(idp, pool_id, phone_number=PHONE)
    attacker = user(idp, pool_id, phone_number="+14155550124")
    for name in (victim, attacker):
        idp.admin_set_user_mfa_preference(
            UserPoolId=pool_id, Username=name,
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        )  # fmt: skip
    mine = password_sign_in(anon, client, attacker)
    code = last_code(server, pool_id, attacker)
    # The attacker's session and code, presented as the victim's sign-in.
    assert outcome(lambda: respond(anon, client, mine, victim, SMS_MFA_CODE=code)) == (
        INVALID_FOR_USER
    )
    signed_in(respond(anon, client, mine, attacker, SMS_MFA_CODE=code))
    # …and once used, the session is spent for good.
    assert outcome(lambda: respond(anon, client, mine, attacker, SMS_MFA_CODE=code)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )


# constant-time comparisons ----------------------------------------------------------------------
SECRET_WORDS = frozenset(
    {"secret", "digest", "signature", "verifier", "claim", "sealed", "password", "otp", "mac"}
)
# Comparisons that name a secret-sounding thing but compare nothing secret, with why.
NOT_SECRET = {
    ("domain/passwords.py", "password != password.strip()"): "the password against itself",
    ("vault.py", "sealed[1:5] == self.key_id"): "the key id, in the clear in every header",
    ("vault.py", "sealed[:1] != _FORMAT"): "the format byte of the header",
    ("vault.py", "sealed[:1] == _FORMAT"): "the format byte of the header",
    ("wire/sigv4.py", "value != payload_hash"): "the hash of the public request body",
}


def _words(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            names.add(inner.id)
        elif isinstance(inner, ast.Attribute):
            names.add(inner.attr)
    return {
        w.lower()
        for n in names
        if not n.isupper() and not n.lstrip("_").isupper()  # constants name kinds, not values
        for w in re.split(r"_|(?<=[a-z])(?=[A-Z])", n)
    }


def _suspects(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        if any(isinstance(o, ast.Constant | ast.Compare) for o in operands):
            continue
        if any(isinstance(o, ast.Call) and getattr(o.func, "id", "") == "len" for o in operands):
            continue
        if set().union(*(_words(o) for o in operands)) & SECRET_WORDS:
            found.append(ast.unparse(node))
    return found


def test_secrets_are_compared_in_constant_time() -> None:
    """No ``==`` or ``!=`` between Python values named like a secret (SQL comparisons in
    store/ look up keyed hashes by index and are not scanned)."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith("store/sql/"):
            continue
        for text in _suspects(path):
            if (relative, text) not in NOT_SECRET:
                offenders.append(f"{relative}: {text}")
    assert offenders == []


def test_the_scan_finds_a_plain_comparison(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def check(given, client_secret):\n    return given == client_secret\n")
    assert _suspects(sample) == ["given == client_secret"]
