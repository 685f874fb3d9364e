"""Key rotation, on SQLite and PostgreSQL.

Master key: every sealed column is re-sealed under the new key (no value left under the old
one), and everything keeps working — passwords (SRP and plain), TOTP, client secrets, signed
admin calls, refresh tokens issued before (keyed hashes keep their key), an SRP challenge
begun before the rotation; another worker picks the new key up from the file by itself.

Signing key: a pool's JWKS carries the old and the new key until every token the old one
signed has expired; new tokens carry the new kid; old tokens keep verifying meanwhile.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pycognito.aws_srp import AWSSRP
from tests.flows.challenge_support import secret_hash
from tests.security.flow import Capture, Flow, mfa_sign_in, password_sign_in, run, srp_sign_in
from tests.support.postgres import PgServer
from tests.support.server import LiveServer, authpool_command, clean_env, start_server

from authpool.domain import key_rotation
from authpool.domain.context import SIGNING_KEY_PURPOSE
from authpool.store.sql import tables as t
from authpool.vault import Vault, VaultError, key_id_of, open_vault, read_keyring

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def rotated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A server that ran the full flow, then had its master key rotated (with an SRP
    challenge begun before and a second worker's vault opened before)."""
    data_dir = tmp_path_factory.mktemp("rotation")
    url: str | None = None
    pg: PgServer | None = None
    if request.param == "pg":
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database()
    server = start_server(data_dir, database_url=url, outbox=False)
    capture = Capture()
    server.svc.sender = capture
    try:
        flow = run(server, capture)
        old_ring = read_keyring(server.settings.master_key_path)
        other_worker = open_vault(server.settings.master_key_path)
        pending = _begin_srp(server, flow)
        refresh = password_sign_in_tokens(server, flow)["RefreshToken"]
        done = key_rotation.rotate_master_key(server.svc, server.settings.master_key_path)
        yield {
            "server": server,
            "flow": flow,
            "old": old_ring,
            "done": done,
            "other_worker": other_worker,
            "pending": pending,
            "refresh": refresh,
        }
    finally:
        server.stop()
        if pg is not None and url is not None:
            pg.drop_database(url)


def password_sign_in_tokens(server: LiveServer, flow: Flow) -> dict[str, Any]:
    """Tokens by password and TOTP (the flow's user has TOTP on)."""
    from tests.security.flow import PASSWORDS

    secret = next(s for s in flow.secrets.text if len(s) == 52 and s.isupper())
    result = mfa_sign_in(server, flow, PASSWORDS[2], secret)["AuthenticationResult"]
    return dict(result)


def _begin_srp(server: LiveServer, flow: Flow) -> tuple[AWSSRP, dict[str, Any], Any]:
    from tests.security.flow import PASSWORDS

    anon = server.anon_client()
    aws = AWSSRP(
        username=flow.locked_user, password=PASSWORDS[0], pool_id=flow.pool_id,
        client_id=flow.client_id, client=anon, client_secret=flow.client_secret,
    )  # fmt: skip
    params = aws.get_auth_params()
    server.clock.advance(60)  # the flow locked this user out: let the lockout end
    first = anon.initiate_auth(
        ClientId=flow.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    return aws, first, params


def _sealed_values(server: LiveServer) -> Iterator[tuple[str, bytes]]:
    engine: sa.Engine = server.svc.store.engine  # type: ignore[attr-defined]
    columns = [
        (t.access_keys.c.secret_sealed, "access key"),
        (t.signing_keys.c.private_sealed, "signing key"),
        (t.pool_clients.c.secret_sealed, "client secret"),
        (t.users.c.verifier_sealed, "verifier"),
        (t.devices.c.verifier_sealed, "device verifier"),
    ]
    with engine.connect() as conn:
        for column, label in columns:
            for (value,) in conn.execute(sa.select(column).where(column.is_not(None))):
                yield label, bytes(value)
        for (history,) in conn.execute(sa.select(t.users.c.password_history)):
            for entry in history or ():
                yield "password history", base64.b64decode(entry["verifier"])
        for (mfa,) in conn.execute(sa.select(t.users.c.mfa)):
            token = (mfa or {}).get("totp") or {}
            for text in (token.get("secret"), (mfa or {}).get("totp_pending")):
                if text:
                    yield "totp secret", base64.b64decode(text)


def test_every_sealed_value_is_under_the_new_key(rotated: dict[str, Any]) -> None:
    server, old = rotated["server"], rotated["old"]
    new_id = key_id_of(read_keyring(server.settings.master_key_path).current)
    labels = set()
    for label, value in _sealed_values(server):
        labels.add(label)
        assert value[1:5] == new_id, label
        assert value[1:5] != key_id_of(old.current)
    assert {
        "access key",
        "signing key",
        "client secret",
        "verifier",
        "totp secret",
        "password history",
    } <= labels
    assert not any(rotated["done"].stale.values())
    assert rotated["done"].resealed["users.verifier_sealed"] >= 2


def test_the_keyring_keeps_the_old_key_and_pins_the_hash_key(rotated: dict[str, Any]) -> None:
    server, old = rotated["server"], rotated["old"]
    ring = read_keyring(server.settings.master_key_path)
    assert ring.current != old.current
    assert ring.retired == (old.current,)
    assert ring.hash_key is not None
    assert Vault(ring.current, hash_key=ring.hash_key).digest("x", purpose="p") == Vault(
        old.current
    ).digest("x", purpose="p")


def test_the_old_key_alone_opens_nothing_stored(rotated: dict[str, Any]) -> None:
    server, old = rotated["server"], rotated["old"]
    vault = Vault(old.current)
    engine: sa.Engine = server.svc.store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        sealed = conn.execute(sa.select(t.signing_keys.c.private_sealed)).first()
    assert sealed is not None
    with pytest.raises(VaultError):
        vault.open(bytes(sealed[0]), purpose=SIGNING_KEY_PURPOSE)


def test_sign_in_keeps_working(rotated: dict[str, Any]) -> None:
    from tests.security.flow import PASSWORDS

    server, flow = rotated["server"], rotated["flow"]
    tokens = password_sign_in_tokens(server, flow)  # password, TOTP, client secret
    assert server.anon_client().get_user(AccessToken=tokens["AccessToken"])["Username"]
    locked = Flow(flow.pool_id, flow.client_id, flow.client_secret, flow.locked_user, "",
                  "", flow.secrets)  # fmt: skip
    assert "AuthenticationResult" in password_sign_in(server, locked, PASSWORDS[0])
    assert "AuthenticationResult" in srp_sign_in(server, locked, PASSWORDS[0])


def test_signed_admin_calls_keep_working(rotated: dict[str, Any]) -> None:
    server, flow = rotated["server"], rotated["flow"]
    described = server.client().describe_user_pool(UserPoolId=flow.pool_id)
    assert described["UserPool"]["Id"] == flow.pool_id


def test_refresh_tokens_issued_before_still_refresh(rotated: dict[str, Any]) -> None:
    server, flow = rotated["server"], rotated["flow"]
    result = server.anon_client().initiate_auth(
        ClientId=flow.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={
            "REFRESH_TOKEN": rotated["refresh"],
            "SECRET_HASH": secret_hash(flow.client_secret, flow.username, flow.client_id),
        },
    )
    assert result["AuthenticationResult"]["AccessToken"]


def test_a_challenge_begun_before_the_rotation_completes(rotated: dict[str, Any]) -> None:
    server, flow = rotated["server"], rotated["flow"]
    aws, first, params = rotated["pending"]
    answers = aws.process_challenge(first["ChallengeParameters"], params)
    result = server.anon_client().respond_to_auth_challenge(
        ClientId=flow.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    assert result["AuthenticationResult"]["AccessToken"]


def test_another_worker_picks_the_new_key_up(rotated: dict[str, Any]) -> None:
    server = rotated["server"]
    other: Vault = rotated["other_worker"]
    sealed = server.svc.vault.seal(b"after the rotation", purpose="test")
    assert other.open(sealed, purpose="test") == b"after the rotation"
    assert other.seal(b"x", purpose="test")[1:5] == server.svc.vault.key_id


# signing keys -------------------------------------------------------------------------------------
def _jwks(server: LiveServer, pool_id: str) -> list[str]:
    keys = httpx.get(f"{server.url}/{pool_id}/.well-known/jwks.json").json()["keys"]
    return [k["kid"] for k in keys]


def _kid(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def test_signing_key_rotation_keeps_old_tokens_valid_until_they_expire(
    server: LiveServer, idp: Any, pool: Any, app_client: Any
) -> None:
    pool_id = pool()
    client = app_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                    "ALLOW_REFRESH_TOKEN_AUTH"])  # fmt: skip
    idp.admin_create_user(UserPoolId=pool_id, Username="rita", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="rita", Password="Rot4te-keys!", Permanent=True
    )
    anon = server.anon_client()

    def sign_in() -> dict[str, Any]:
        return dict(anon.initiate_auth(
            ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "rita", "PASSWORD": "Rot4te-keys!"},
        )["AuthenticationResult"])  # fmt: skip

    old_token = sign_in()["AccessToken"]
    (old_kid,) = _jwks(server, pool_id)
    assert _kid(old_token) == old_kid
    done = key_rotation.rotate_signing_key(server.svc, pool_id)
    assert done.retired == (old_kid,)
    assert _jwks(server, pool_id) == [old_kid, done.kid]
    new_token = sign_in()["AccessToken"]
    assert _kid(new_token) == done.kid
    assert anon.get_user(AccessToken=old_token)["Username"] == "rita"
    assert anon.get_user(AccessToken=new_token)["Username"] == "rita"
    server.clock.advance(3600 + 5 * 60 - 1)  # the old key's last token has expired
    assert _jwks(server, pool_id) == [old_kid, done.kid]
    server.clock.advance(1)
    assert _jwks(server, pool_id) == [done.kid]


def test_the_commands(tmp_path: Any) -> None:
    """``authpool keys rotate-signing`` and ``rotate-master`` on a data directory."""
    import subprocess

    def cli(*args: str) -> Any:
        done = subprocess.run(
            [*authpool_command(), *args, "--data-dir", str(tmp_path), "--json"],
            capture_output=True, text=True, env=clean_env(), timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    key = cli("keys", "create")
    pool_id = cli("pool", "create", "rotating")["Id"]
    signing = cli("keys", "rotate-signing", pool_id)
    assert signing["Kid"]
    assert len(signing["Retiring"]) == 1
    before = read_keyring(tmp_path / "master.key")
    master = cli("keys", "rotate-master")
    assert master["Resealed"]["access_keys.secret_sealed"] == 1
    assert master["Resealed"]["signing_keys.private_sealed"] == 2
    assert not any(master["Stale"].values())
    after = read_keyring(tmp_path / "master.key")
    assert after.retired == (before.current,)
    assert cli("pool", "describe", pool_id)["Id"] == pool_id
    assert [k["AccessKeyId"] for k in cli("keys", "list")] == [key["AccessKeyId"]]
