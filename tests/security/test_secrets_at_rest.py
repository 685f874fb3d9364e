"""Secrets at rest and in the audit trail, on SQLite and PostgreSQL: after a full flow
(:mod:`tests.security.flow`), the whole database — every row of every table, and for SQLite
the database file and its write-ahead log byte for byte, free pages included — holds none of
the flow's secrets, and neither does any log line the server wrote. The audit trail has a
JSON line for each security event, with what the issue asks of it."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.security.flow import Capture, Flow, run
from tests.support.postgres import PgServer
from tests.support.server import LiveServer, start_server

from authpool.store.sql import tables

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def finished(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Flow, Lines]]:
    """A server without the development outbox that has run the full flow, and every log
    record of the ``authpool`` loggers meanwhile."""
    data_dir = tmp_path_factory.mktemp("secrets")
    url: str | None = None
    pg: PgServer | None = None
    if request.param == "pg":
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database()
    server = start_server(data_dir, database_url=url, outbox=False)
    capture = Capture()
    server.svc.sender = capture
    lines = Lines()
    root = logging.getLogger("authpool")
    level = root.level
    root.addHandler(lines)
    root.setLevel(logging.DEBUG)
    try:
        flow = run(server, capture)
        yield server, flow, lines
    finally:
        root.removeHandler(lines)
        root.setLevel(level)
        server.stop()
        if pg is not None and url is not None:
            pg.drop_database(url)


def _rows(server: LiveServer) -> Iterator[tuple[str, dict[str, Any]]]:
    engine: sa.Engine = server.svc.store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        for name, table in tables.metadata.tables.items():
            for row in conn.execute(sa.select(table)):
                yield name, dict(row._mapping)


def _render(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def _found(haystack: bytes, flow: Flow) -> list[str]:
    """The flow's secrets that occur in ``haystack``, named (never printed whole)."""
    found = []
    for secret in flow.secrets.text:
        if secret.encode() in haystack:
            found.append(f"text {secret[:6]}… ({len(secret)} chars)")
    for secret in flow.secrets.raw:
        if secret in haystack:
            found.append(f"bytes {secret[:4].hex()}… ({len(secret)} bytes)")
    for code in flow.secrets.codes:
        if re.search(rb"(?<![0-9])" + code.encode() + rb"(?![0-9])", haystack):
            found.append(f"code {code}")
    return found


def test_the_flow_had_secrets_to_hide(finished: tuple[LiveServer, Flow, Lines]) -> None:
    _, flow, _ = finished
    assert len(flow.secrets.text) > 20
    assert len(flow.secrets.codes) >= 4
    assert len(flow.secrets.raw) >= 5


def test_no_secret_in_any_row(finished: tuple[LiveServer, Flow, Lines]) -> None:
    server, flow, _ = finished
    dump = bytearray()
    count = 0
    for table, row in _rows(server):
        for column, value in row.items():
            dump += f"\n{table}.{column}=".encode() + _render(value)
            count += 1
    assert count > 100
    assert flow.sub.encode() in dump  # the search works: what is stored is found
    assert _found(bytes(dump), flow) == []


def test_no_secret_in_the_sqlite_files(finished: tuple[LiveServer, Flow, Lines]) -> None:
    server, flow, _ = finished
    url = server.settings.resolved_database_url
    if not url.startswith("sqlite"):
        pytest.skip("the files of a SQLite database")
    path = Path(sa.make_url(url).database or "")
    files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    raw = b"".join(p.read_bytes() for p in files)
    assert flow.sub.encode() in raw
    assert _found(raw, flow) == []


def test_no_secret_in_any_log_line(finished: tuple[LiveServer, Flow, Lines]) -> None:
    _, flow, lines = finished
    text = "\n".join(r.getMessage() for r in lines.records).encode()
    assert b'"event":"SignIn"' in text
    assert _found(text, flow) == []


def _audit(lines: Lines) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in lines.records if r.name == "authpool.audit"]


def test_the_audit_trail_records_each_security_event(
    finished: tuple[LiveServer, Flow, Lines],
) -> None:
    server, flow, lines = finished
    events = _audit(lines)
    assert events
    for line in events:
        assert {"event", "outcome", "request_id", "pool_id", "user_sub", "client_id", "ip"} <= set(
            line
        ), line

    def about(event: str, **where: Any) -> list[dict[str, Any]]:
        return [e for e in events if e["event"] == event and where.items() <= e.items()]

    mine = {"user_sub": flow.sub, "pool_id": flow.pool_id}
    assert about("SignUp", outcome="success", client_id=flow.client_id, ip="127.0.0.1")
    assert about("SignIn", outcome="Pass", client_id=flow.client_id, **mine)
    assert about("ChangePassword", outcome="success", **mine)
    assert about("ConfirmForgotPassword", outcome="success", **mine)
    assert about("AssociateSoftwareToken", outcome="success", **mine)
    assert about("SetUserMFAPreference", outcome="success", **mine)
    admin = about("AdminCreateUser", outcome="success", pool_id=flow.pool_id)
    assert admin
    assert admin[0]["access_key_id"] == server.admin_key.access_key_id
    assert admin[0]["ip"] == "127.0.0.1"
    assert admin[0]["request_id"]
    failed = about("SignIn", outcome="Fail", pool_id=flow.pool_id)
    assert len(failed) == 5
    assert all(e["user_sub"] for e in failed)
    lockout = about("Lockout", outcome="failure", pool_id=flow.pool_id)
    assert len(lockout) == 1
    assert lockout[0]["failures"] == 5
    assert lockout[0]["request_id"] == failed[-1]["request_id"]
    assert about("LockedOut", outcome="refused", pool_id=flow.pool_id)
    refused = about("InitiateAuth", outcome="failure", error="NotAuthorizedException")
    assert len(refused) == 6


def test_the_users_history_has_their_password_events(
    finished: tuple[LiveServer, Flow, Lines],
) -> None:
    server, flow, _ = finished
    events = server.client().admin_list_user_auth_events(
        UserPoolId=flow.pool_id, Username=flow.username
    )["AuthEvents"]
    kinds = {(e["EventType"], e["EventResponse"]) for e in events}
    assert {("SignIn", "Pass"), ("PasswordChange", "Pass"), ("ForgotPassword", "Pass")} <= kinds
    locked = server.client().admin_list_user_auth_events(
        UserPoolId=flow.pool_id, Username=flow.locked_user
    )["AuthEvents"]
    assert [e["EventResponse"] for e in locked if e["EventType"] == "SignIn"] == ["Fail"] * 5
