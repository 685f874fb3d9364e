"""The ``authpool`` command line: keys, pools and clients, readable and ``--json`` output, and one
clear line (never a traceback) when something is wrong.

Most commands run in-process through :func:`authpool.cli.main.main` (the console script's entry
point, error handling included) with Click's stream isolation; a few run the installed script as
a subprocess to prove the real thing behaves the same.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.support.server import authpool_command, clean_env

from authpool.cli.main import main

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)

    def one_error_line(self) -> str:
        assert self.code != 0
        assert "Traceback" not in self.err + self.out
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, self.err
        assert lines[0].startswith("error:"), lines[0]
        return lines[0]


def cli(*args: str, data_dir: Path | None = None, input: str | None = None) -> Run:
    argv = list(args) + (["--data-dir", str(data_dir)] if data_dir is not None else [])
    runner = CliRunner()
    with runner.isolation(input=input, env={"NO_COLOR": "1", "COLUMNS": "200"}) as streams:
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = streams[0].getvalue().decode()
        err = streams[1].getvalue().decode()
    return Run(code, out, err)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("AUTHPOOL_DATA_DIR", "AUTHPOOL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


# keys -------------------------------------------------------------------------------------------
def test_keys_create_list_revoke(data_dir: Path) -> None:
    created = cli(
        "keys", "create", "--description", "ci runner", "--json", data_dir=data_dir
    ).json()
    key_id = created["AccessKeyId"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key_id)
    assert len(created["SecretAccessKey"]) == 40
    assert created["Description"] == "ci runner"

    listed = cli("keys", "list", "--json", data_dir=data_dir).json()
    assert [(k["AccessKeyId"], k["Status"], k["Description"]) for k in listed] == [
        (key_id, "Active", "ci runner")
    ]
    assert "SecretAccessKey" not in listed[0]
    assert created["SecretAccessKey"] not in cli("keys", "list", data_dir=data_dir).out

    revoked = cli("keys", "revoke", key_id, "--json", data_dir=data_dir).json()
    assert revoked == {"AccessKeyId": key_id, "Status": "Revoked"}
    assert cli("keys", "list", "--json", data_dir=data_dir).json()[0]["Status"] == "Revoked"
    again = cli("keys", "revoke", key_id, data_dir=data_dir)
    assert again.code == 1
    assert key_id in again.one_error_line()


def test_keys_readable_output(data_dir: Path) -> None:
    run = cli("keys", "create", data_dir=data_dir)
    assert run.code == 0
    assert "AccessKeyId" in run.out
    assert "not shown again" in run.out
    table = cli("keys", "list", data_dir=data_dir)
    assert "Access keys" in table.out
    assert "Active" in table.out


# pools ------------------------------------------------------------------------------------------
def test_pool_create_list_describe_delete(data_dir: Path) -> None:
    created = cli("pool", "create", "shop-users", "--json", data_dir=data_dir).json()
    pool_id = created["Id"]
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool_id)
    assert created["Name"] == "shop-users"

    listed = cli("pool", "list", "--json", data_dir=data_dir).json()
    assert [p["Id"] for p in listed] == [pool_id]

    described = cli("pool", "describe", pool_id, "--json", data_dir=data_dir).json()
    assert described["Id"] == pool_id
    assert described["Name"] == "shop-users"
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert described["MfaConfiguration"] == "OFF"
    assert described["CreationDate"].startswith("20")  # ISO 8601

    readable = cli("pool", "describe", pool_id, data_dir=data_dir)
    assert pool_id in readable.out
    assert "PasswordPolicy" in readable.out

    deleted = cli("pool", "delete", pool_id, "--yes", "--json", data_dir=data_dir).json()
    assert deleted == {"Id": pool_id, "Deleted": True}
    gone = cli("pool", "describe", pool_id, data_dir=data_dir)
    assert gone.code == 1
    assert pool_id in gone.one_error_line()


def test_pool_delete_asks_first(data_dir: Path) -> None:
    pool_id = cli("pool", "create", "keep-me", "--json", data_dir=data_dir).json()["Id"]
    refused = cli("pool", "delete", pool_id, data_dir=data_dir, input="n\n")
    assert refused.code == 1
    assert "not deleted" in refused.one_error_line()
    assert cli("pool", "describe", pool_id, "--json", data_dir=data_dir).json()["Id"] == pool_id

    confirmed = cli("pool", "delete", pool_id, data_dir=data_dir, input="y\n")
    assert confirmed.code == 0, confirmed.err
    assert cli("pool", "list", "--json", data_dir=data_dir).json() == []


def test_pool_list_readable_and_empty(data_dir: Path) -> None:
    assert cli("pool", "list", "--json", data_dir=data_dir).json() == []
    cli("pool", "create", "one", data_dir=data_dir)
    table = cli("pool", "list", data_dir=data_dir)
    assert "User pools" in table.out
    assert "one" in table.out


def test_deletion_protection_is_honoured(data_dir: Path) -> None:
    from authpool.cli import runtime
    from authpool.config import Settings
    from authpool.domain import pools

    svc = runtime.open_services(Settings(data_dir=data_dir))
    try:
        pool = pools.create_pool(svc, "protected", {"deletion_protection": "ACTIVE"})
    finally:
        svc.store.dispose()  # type: ignore[attr-defined]
    run = cli("pool", "delete", pool.id, "--yes", data_dir=data_dir)
    assert run.code == 1
    assert "deletion protection" in run.one_error_line()


# clients ----------------------------------------------------------------------------------------
def test_client_create_list_describe(data_dir: Path) -> None:
    pool_id = cli("pool", "create", "apps", "--json", data_dir=data_dir).json()["Id"]
    web = cli("client", "create", pool_id, "web", "--json", data_dir=data_dir).json()
    assert re.fullmatch(r"[a-z0-9]{26}", web["ClientId"])
    assert "ClientSecret" not in web
    server = cli(
        "client", "create", pool_id, "backend", "--secret",
        "--flows", "ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH",
        "--json", data_dir=data_dir,
    ).json()  # fmt: skip
    assert len(server["ClientSecret"]) == 51

    listed = cli("client", "list", pool_id, "--json", data_dir=data_dir).json()
    assert sorted(c["ClientName"] for c in listed) == ["backend", "web"]

    described = cli(
        "client", "describe", pool_id, server["ClientId"], "--json", data_dir=data_dir
    ).json()
    assert described["ClientId"] == server["ClientId"]
    assert described["ClientSecret"] == server["ClientSecret"]
    assert described["ExplicitAuthFlows"] == [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    assert described["PreventUserExistenceErrors"] == "ENABLED"
    assert described["UserPoolId"] == pool_id

    table = cli("client", "list", pool_id, data_dir=data_dir)
    assert web["ClientId"] in table.out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(
            ["client", "create", "us-east-1_NoSuchPool", "x"], "does not exist", id="pool"
        ),
        pytest.param(["client", "list", "us-east-1_NoSuchPool"], "does not exist", id="list"),
        pytest.param(["client", "describe", "us-east-1_NoSuchPool", "a" * 26], "", id="describe"),
        pytest.param(
            ["pool", "describe", "us-east-1_NoSuchPool"], "does not exist", id="describe-pool"
        ),
        pytest.param(["pool", "create", ""], "128", id="empty-name"),
        pytest.param(["pool", "create", "x" * 129], "128", id="long-name"),
        pytest.param(["keys", "revoke", "AKIANOSUCHKEY0000000"], "AKIANOSUCHKEY0000000", id="key"),
    ],
)
def test_refusals_are_one_line(data_dir: Path, args: list[str], fragment: str) -> None:
    run = cli(*args, data_dir=data_dir)
    assert run.code == 1
    assert fragment in run.one_error_line()


def test_unknown_flow_is_refused(data_dir: Path) -> None:
    pool_id = cli("pool", "create", "apps", "--json", data_dir=data_dir).json()["Id"]
    run = cli("client", "create", pool_id, "web", "--flows", "ALLOW_EVERYTHING", data_dir=data_dir)
    assert run.code == 1
    assert "ALLOW_EVERYTHING" in run.one_error_line()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["pool", "describe"], id="missing-argument"),
        pytest.param(["pool", "explode"], id="unknown-command"),
        pytest.param(["keys", "list", "--colour"], id="unknown-option"),
        pytest.param(["serve", "--port", "eighty"], id="bad-port"),
        pytest.param(["serve", "--workers", "0"], id="zero-workers"),
    ],
)
def test_bad_arguments_are_usage_errors(data_dir: Path, args: list[str]) -> None:
    run = cli(*args, data_dir=data_dir)
    assert run.code == 2
    run.one_error_line()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(UNREACHABLE, id="unreachable-postgresql"),
        pytest.param("mysql://root@127.0.0.1/authpool", id="unsupported-scheme"),
        pytest.param("not a database url", id="not-a-url"),
    ],
)
def test_unusable_database_is_one_line(data_dir: Path, url: str) -> None:
    run = cli("pool", "list", "--database-url", url, data_dir=data_dir)
    assert run.code == 1
    run.one_error_line()


def test_master_key_readable_by_others_is_refused(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    key = data_dir / "master.key"
    key.write_text("00" * 32 + "\n")
    key.chmod(0o644)
    run = cli("keys", "list", data_dir=data_dir)
    assert run.code == 1
    assert "chmod 600" in run.one_error_line()


def test_master_key_is_created_private(data_dir: Path) -> None:
    cli("keys", "list", data_dir=data_dir)
    assert (data_dir / "master.key").stat().st_mode & 0o777 == 0o600


def test_database_url_selects_the_database(database_url: str, data_dir: Path) -> None:
    pool_id = cli(
        "pool", "create", "elsewhere", "--database-url", database_url, "--json", data_dir=data_dir
    ).json()["Id"]
    listed = cli("pool", "list", "--database-url", database_url, "--json", data_dir=data_dir).json()
    assert pool_id in [p["Id"] for p in listed]
    # The default database in the data directory is another one.
    assert cli("pool", "list", "--json", data_dir=data_dir).json() == []


def test_environment_variables_configure_the_commands(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHPOOL_DATA_DIR", str(data_dir))
    pool_id = cli("pool", "create", "from-env", "--json").json()["Id"]
    assert [p["Id"] for p in cli("pool", "list", "--json", data_dir=data_dir).json()] == [pool_id]


# the installed script ---------------------------------------------------------------------------
def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*authpool_command(), *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )


def test_script_help() -> None:
    result = run_script("--help")
    assert result.returncode == 0
    for command in ("serve", "keys", "pool", "client"):
        assert command in result.stdout


def test_script_unreachable_database(tmp_path: Path) -> None:
    result = run_script("keys", "list", "--data-dir", str(tmp_path), "--database-url", UNREACHABLE)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot use the database")


# outbox -----------------------------------------------------------------------------------------
def test_outbox(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from authpool.cli import runtime
    from authpool.config import Settings
    from authpool.domain.messages import Medium, OutgoingMessage, Purpose

    svc = runtime.open_services(Settings(data_dir=data_dir))
    try:
        for username, code in (("alice", "123456"), ("[bob]", "654321")):
            svc.store.record_outbox(
                OutgoingMessage(
                    pool_id="us-east-1_AbCdEf123",
                    username=username,
                    destination=f"{username}@example.com",
                    medium=Medium.EMAIL,
                    purpose=Purpose.SIGN_UP,
                    body=f"Your code is {code}",
                    code=code,
                ),
                sent_at=datetime.now(UTC),  # the outbox shows a day's messages
            )
    finally:
        svc.store.dispose()  # type: ignore[attr-defined]

    messages = cli("outbox", "--json", data_dir=data_dir).json()
    assert [(m["username"], m["code"]) for m in messages] == [
        ("alice", "123456"),
        ("[bob]", "654321"),
    ]
    only_alice = cli("outbox", "--username", "alice", "--json", data_dir=data_dir).json()
    assert [m["code"] for m in only_alice] == ["123456"]
    readable = cli("outbox", data_dir=data_dir)
    assert "code 123456" in readable.out
    assert "[bob]" in readable.out  # user data is never read as console markup
