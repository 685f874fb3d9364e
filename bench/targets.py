"""Servers to benchmark, started and stopped by the benchmark: authpool (SQLite or
PostgreSQL, one or more workers), moto's server mode and cognito-local.

The other two are not dependencies of authpool and never go into its environment: on first
use, :func:`ensure_moto` makes a virtualenv ``bench/.cache/moto-venv`` and installs
``bench/compare/requirements.txt`` into it, and :func:`ensure_cognito_local` runs ``npm
install`` on a copy of ``bench/compare/package.json`` in ``bench/.cache/cognito-local``.
Both files pin their versions; ``bench/.cache/`` is git-ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import procstat

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
MOTO_REQUIREMENTS = HERE / "compare" / "requirements.txt"
COGNITO_LOCAL_PACKAGE = HERE / "compare" / "package.json"
START_TIMEOUT = 90.0


@dataclass
class Server:
    """A server to benchmark: one the benchmark started (``proc``), or one it was pointed at
    (``proc`` None, ``attached_pid`` its process id)."""

    name: str
    url: str
    proc: subprocess.Popen[bytes] | None
    access_key: tuple[str, str] = ("AKIDBENCH", "bench-secret")
    log: Path | None = None
    database_url: str | None = None  # authpool: the database it serves from
    db_pids: Callable[[], list[int]] | None = None  # PostgreSQL backends of that database
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    attached_pid: int = 0

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else self.attached_pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        for undo in reversed(self.cleanup):
            undo()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(server: Server, probe: str = "/") -> None:
    """Until the server answers any HTTP request (or fails)."""
    deadline = time.monotonic() + START_TIMEOUT
    pause = threading.Event()
    assert server.proc is not None
    with httpx.Client(timeout=5.0) as http:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                break
            try:
                http.get(server.url + probe)
                return
            except httpx.TransportError:
                pause.wait(0.1)
    log = server.log.read_text(errors="replace")[-3000:] if server.log else ""
    server.stop()
    raise RuntimeError(f"{server.name} did not start:\n{log}")


def _pinned() -> list[str]:
    """With ``--pin-cpus`` (AUTHPOOL_PIN_CPUS set), the other servers are held to one CPU
    too, the first allowed one (where a one-worker authpool pins itself), so that every
    server is measured alike: a ``taskset`` prefix for their command."""
    taskset = shutil.which("taskset")
    if os.environ.get("AUTHPOOL_PIN_CPUS") != "1" or taskset is None:
        return []
    return [taskset, "-c", str(min(os.sched_getaffinity(0)))]


def _spawn(
    command: list[str],
    log: Path,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    pin: bool = False,
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*(_pinned() if pin else []), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # its own process group: stop() ends every worker
        )


# authpool ----------------------------------------------------------------------------------
def authpool_command() -> list[str]:
    script = Path(sys.executable).with_name("authpool")
    return [str(script)] if script.exists() else ["authpool"]


def start_authpool(
    work: Path,
    *,
    database_url: str | None = None,
    workers: int = 1,
    name: str = "authpool",
    env: dict[str, str] | None = None,
) -> Server:
    """``authpool serve`` on a fresh data directory (and the given database), with an access
    key made by ``authpool keys create`` for the signed calls."""
    data = work / f"{name}-data"
    db = ["--database-url", database_url] if database_url else []
    made = subprocess.run(
        [*authpool_command(), "keys", "create", "--json", "--data-dir", str(data), *db],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    key = json.loads(made.stdout)
    port = free_port()
    log = work / f"{name}.log"
    command = [
        *authpool_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--no-demo",
        "--workers",
        str(workers),
        *db,
    ]
    server = Server(
        name,
        f"http://127.0.0.1:{port}",
        _spawn(command, log, env=env),
        (key["AccessKeyId"], key["SecretAccessKey"]),
        log,
        database_url or f"sqlite:///{(data / 'authpool.db').resolve()}",
    )
    _wait_http(server, "/_authpool/health")
    return server


@contextlib.contextmanager
def postgres_database(maintenance_url: str) -> Iterator[tuple[str, Callable[[], list[int]]]]:
    """A new database (dropped afterwards) and a function naming its backend processes."""
    import psycopg
    from psycopg import sql

    name = f"authpool_bench_{secrets.token_hex(4)}"
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = maintenance_url.partition("?")[0].rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}", lambda: procstat.backend_pids(maintenance_url, name)
    finally:
        with psycopg.connect(maintenance_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# moto ------------------------------------------------------------------------------------------
def ensure_moto(venv: Path) -> Path:
    """moto's server in its own virtualenv, made on first use from the pinned requirements."""
    script = venv / "bin" / "moto_server"
    if not script.exists():
        print(f"  installing {MOTO_REQUIREMENTS.name} (moto) into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-r", str(MOTO_REQUIREMENTS)],
            check=True,
        )
    return script


def start_moto(work: Path, venv: Path) -> Server:
    script = ensure_moto(venv)
    port = free_port()
    log = work / "moto.log"
    server = Server(
        "moto",
        f"http://127.0.0.1:{port}",
        _spawn([str(script), "-H", "127.0.0.1", "-p", str(port)], log, pin=True),
        log=log,
    )
    _wait_http(server)
    return server


# cognito-local -------------------------------------------------------------------------------
def ensure_cognito_local(where: Path) -> Path:
    """cognito-local from npm, installed into ``where`` on first use (the pinned
    ``compare/package.json``)."""
    entry = where / "node_modules" / "cognito-local" / "lib" / "bin" / "start.js"
    if not entry.exists():
        if shutil.which("npm") is None:
            raise RuntimeError("npm is needed for cognito-local")
        print(f"  installing cognito-local into {where} ...", flush=True)
        where.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(COGNITO_LOCAL_PACKAGE, where / "package.json")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"],
            cwd=where,
            check=True,
            capture_output=True,
        )
    return entry


def start_cognito_local(work: Path, where: Path) -> Server:
    entry = ensure_cognito_local(where)
    port = free_port()
    home = work / "cognito-local"
    home.mkdir(parents=True, exist_ok=True)
    log = work / "cognito-local.log"
    proc = _spawn(
        ["node", str(entry)],
        log,
        cwd=home,
        env={"PORT": str(port), "HOST": "127.0.0.1", "DEBUG": ""},
        pin=True,
    )
    server = Server("cognito-local", f"http://127.0.0.1:{port}", proc, log=log)
    _wait_http(server)
    return server
