"""Real ``authpool serve`` processes for the scale and crash tests, and a small raw-HTTP
Cognito client to drive them.

:class:`Host` runs ``authpool serve`` (any number of workers) in a process group of its own,
so that :meth:`Host.kill` ends the supervisor and every worker at once with SIGKILL, as a
crash or a power cut would. Hosts that share a database and a master key file behave as
several machines behind a load balancer; :class:`Api` talks to one of them.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, Self

import httpx
from click.testing import CliRunner
from tests.support.server import ServeProcess, signed_headers

from authpool import srp
from authpool.cli.main import main

TARGET = "AWSCognitoIdentityProviderService."
JSON_TYPE = "application/x-amz-json-1.1"
START_TIMEOUT = 90.0  # seconds: workers import everything, on a loaded two-core machine
PASSWORD = "Scale-Passw0rd!"


def cli(*args: str) -> str:
    """Run an ``authpool`` command in this process (``authpool.cli.main.main``, as the
    console script does, without the start-up of another interpreter); its standard output.
    ``AUTHPOOL_*`` variables of the test run are hidden from it."""
    hidden: dict[str, str | None] = {k: None for k in os.environ if k.startswith("AUTHPOOL_")}
    runner = CliRunner()
    with runner.isolation(env={**hidden, "NO_COLOR": "1", "COLUMNS": "200"}) as streams:
        try:
            main(list(args))
            code: object = 0
        except SystemExit as exc:
            code = exc.code
        out = streams[0].getvalue().decode()
        err = streams[1].getvalue().decode()
    assert code in (0, None), f"authpool {' '.join(args)} failed ({code}): {err}"
    return out


def create_access_key(data_dir: Path, database_url: str | None) -> tuple[str, str]:
    """An access key made by ``authpool keys create`` (which also migrates the database and
    makes the master key)."""
    db = ["--database-url", database_url] if database_url else []
    key = json.loads(cli("keys", "create", "--json", "--data-dir", str(data_dir), *db))
    return key["AccessKeyId"], key["SecretAccessKey"]


def db_upgrade(data_dir: Path, database_url: str | None) -> str:
    """``authpool db upgrade``: the revision it reports."""
    db = ["--database-url", database_url] if database_url else []
    out = cli("db", "upgrade", "--data-dir", str(data_dir), *db)
    assert out.startswith("schema at revision "), out
    return out.split()[-1]


def share_master_key(source: Path, target: Path) -> None:
    """Give another host's data directory the same master key file (mode 0600)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "master.key", target / "master.key")
    (target / "master.key").chmod(0o600)


# Every host started and not yet stopped, so that none outlives the test run even when the
# run itself is interrupted (each is killed by its own process-group id, nothing wider).
_RUNNING: set[Host] = set()


@atexit.register
def _kill_leftovers() -> None:
    for host in list(_RUNNING):
        host.kill()


class Host(ServeProcess):
    """``authpool serve`` on a free port, in its own process group."""

    own_process_group = True
    start_timeout = START_TIMEOUT

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        name: str = "host",
        public_url: str | None = None,
    ) -> None:
        # Hosts behind one load balancer share its URL; the tests read codes in the outbox.
        args = ["--no-demo", "--workers", str(workers)]
        args += ["--public-url", public_url] if public_url else []
        super().__init__(
            data_dir,
            database_url=database_url,
            args=args,
            env={"AUTHPOOL_OUTBOX": "on", **(env or {})},
        )
        self.workers = workers
        self.log_path = data_dir.parent / f"{name}.log"
        self._workers: list[int] = []  # the worker PIDs under the supervisor, once up

    def start(self) -> Self:
        _RUNNING.add(self)
        return super().start()

    def _wait_ready(self) -> bool:
        if not super()._wait_ready():
            self.kill()
            return False
        return self._workers_up()

    def _workers_up(self) -> bool:
        """With several workers, wait until uvicorn has started each of them."""
        deadline = time.monotonic() + START_TIMEOUT
        pause = threading.Event()
        while len(self.worker_pids()) < self.workers:
            if time.monotonic() > deadline:
                return False
            pause.wait(0.05)
        self._workers = self.worker_pids() if self.workers > 1 else []
        return True

    def worker_pids(self) -> list[int]:
        """The serving processes: the workers under uvicorn's supervisor (or the one)."""
        if self.proc is None:
            return []
        if self.workers == 1:
            return [self.proc.pid]
        found: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError):
                found.extend(int(p) for p in task.read_text().split())
        return [p for p in found if "spawn_main" in _cmdline(p)]

    def kill(self) -> None:
        """SIGKILL to the supervisor and every worker at once (the process group whose id is
        the supervisor's PID), then wait until none of them runs any more."""
        if self.proc is None:
            return
        workers = self._workers
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        for pid in workers:  # a worker that outlived its supervisor: by its own PID
            if _running(pid) and _group_of(pid) == self.proc.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _wait_gone(workers)
        _RUNNING.discard(self)

    def stop(self) -> None:
        """SIGTERM to every process of the host, then :meth:`kill` for any still running
        after 30 seconds."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=30)
        _wait_gone(self._workers)
        self.kill()


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name ([] once the process is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return []


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X")  # a zombie has ended


def _group_of(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[2]) if fields else 0


def _wait_gone(pids: list[int], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        pause.wait(0.05)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


class CognitoError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class Api:
    """Cognito calls to one host over raw HTTP, a fresh connection for each (so that, with
    several workers, any of them may answer)."""

    def __init__(self, url: str, key: tuple[str, str]) -> None:
        self.url = url
        self.key = key

    def call(self, operation: str, body: Mapping[str, Any], *, signed: bool = False) -> Any:
        data = json.dumps(body).encode()
        headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET + operation}
        if signed:
            headers = signed_headers(self.url + "/", data, self.key, headers=headers)
        response = httpx.post(self.url + "/", content=data, headers=headers, timeout=60.0)
        if response.status_code != 200:
            error = response.json()
            raise CognitoError(
                error.get("__type", "?"), error.get("message", ""), response.status_code
            )
        return response.json()

    def error(
        self, operation: str, body: Mapping[str, Any], *, signed: bool = False
    ) -> tuple[str, str]:
        """(code, message) of a call that must fail."""
        try:
            self.call(operation, body, signed=signed)
        except CognitoError as exc:
            return exc.code, exc.message
        raise AssertionError(f"{operation} succeeded")

    def outbox(self, pool_id: str, username: str) -> list[dict[str, Any]]:
        """The messages recorded for ``username`` (a SigV4-signed GET)."""
        url = f"{self.url}/_authpool/outbox?pool_id={pool_id}&username={username}"
        headers = signed_headers(url, b"", self.key, headers={}, method="GET")
        response = httpx.get(url, headers=headers, timeout=60.0)
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def last_code(self, pool_id: str, username: str) -> str:
        messages = [m for m in self.outbox(pool_id, username) if m.get("code")]
        assert messages, f"no code sent to {username}"
        code: str = messages[-1]["code"]
        return code


# SRP, the client's side ----------------------------------------------------------------------
class Caller(Protocol):
    def call(self, operation: str, body: Mapping[str, Any], *, signed: bool = False) -> Any: ...


def srp_start(api: Caller, client_id: str, username: str) -> tuple[int, dict[str, Any]]:
    """InitiateAuth USER_SRP_AUTH: the client's secret a and the challenge."""
    a = srp.new_client_secret()
    answer = api.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": username, "SRP_A": srp.to_hex(srp.client_public(a))},
        },
    )
    return a, answer


def srp_answer(
    pool_id: str, client_id: str, a: int, challenge: dict[str, Any], password: str = PASSWORD
) -> dict[str, Any]:
    """The RespondToAuthChallenge body that answers a PASSWORD_VERIFIER challenge."""
    params = challenge["ChallengeParameters"]
    timestamp = srp.format_timestamp(datetime.now(UTC))
    signature = srp.client_password_claim(
        pool_name=srp.pool_name_of(pool_id),
        user_id=params["USER_ID_FOR_SRP"],
        password=password,
        salt=srp.from_hex(params["SALT"]),
        a=a,
        B=srp.from_hex(params["SRP_B"]),
        secret_block=base64.b64decode(params["SECRET_BLOCK"]),
        timestamp=timestamp,
    )
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": client_id,
        "ChallengeResponses": {
            "USERNAME": params["USER_ID_FOR_SRP"],
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(signature).decode(),
            "TIMESTAMP": timestamp,
        },
    }


# One worker of a host, chosen -------------------------------------------------------------------
class WorkerLink:
    """A keep-alive HTTP/1.1 connection that one chosen worker of a host accepted, so that a
    request sent on it is answered by that worker and no other.

    The workers of ``authpool serve --workers N`` share one listening socket and the kernel
    decides which accepts a connection; :func:`links_to_every_worker` opens connections until
    it holds one accepted by each worker (read from /proc). uvicorn closes a connection idle
    for five seconds, so a closed link is replaced by a new connection to the same worker.
    """

    def __init__(self, host: Host, pid: int, sock: socket.socket, key: tuple[str, str]) -> None:
        self.host, self.pid, self.sock, self.key = host, pid, sock, key

    def call(self, operation: str, body: Mapping[str, Any], *, signed: bool = False) -> Any:
        status, answer = self.request(operation, body, signed=signed)
        if status != 200:
            raise CognitoError(answer.get("__type", "?"), answer.get("message", ""), status)
        return answer

    def error(
        self, operation: str, body: Mapping[str, Any], *, signed: bool = False
    ) -> tuple[str, str]:
        try:
            self.call(operation, body, signed=signed)
        except CognitoError as exc:
            return exc.code, exc.message
        raise AssertionError(f"{operation} succeeded")

    def request(
        self, operation: str, body: Mapping[str, Any], *, signed: bool = False
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode()
        headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET + operation}
        if signed:
            headers = signed_headers(self.host.url + "/", data, self.key, headers=headers)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        message = (
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{self.host.port}\r\n{head}"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        for _attempt in range(3):
            if not _open(self.sock):  # closed while idle: nothing was sent on it
                self.sock.close()
                self.sock = connect_to_worker(self.host, self.pid)
            self.sock.sendall(message)
            answered = read_response(self.sock)
            if answered is not None:
                return answered
        raise AssertionError(f"worker {self.pid} never answered {operation}")

    def close(self) -> None:
        self.sock.close()


def _open(sock: socket.socket) -> bool:
    """Whether the server has not closed ``sock`` (it has nothing to read on an idle link)."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(60)


def read_response(sock: socket.socket) -> tuple[int, Any] | None:
    """Status and JSON body of one HTTP/1.1 response (None if the server closed first)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
    length = int(fields["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return status, json.loads(rest[:length]) if length else {}


def _accepted_by(host: Host, sock: socket.socket) -> int:
    """The PID of the worker holding the server's end of ``sock`` (0 if none does yet)."""
    client_port = sock.getsockname()[1]
    inode = ""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local = int(fields[1].rsplit(":", 1)[1], 16)
            remote = int(fields[2].rsplit(":", 1)[1], 16)
            if local == host.port and remote == client_port and fields[3] == "01":
                inode = fields[9]
    if not inode or inode == "0":
        return 0
    target = f"socket:[{inode}]"
    for pid in host.worker_pids():
        with contextlib.suppress(FileNotFoundError, PermissionError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if str(fd.readlink()) == target:
                        return pid
    return 0


def _accepted_connection(host: Host) -> tuple[socket.socket, int]:
    """A new connection, once a worker has accepted it (a health check answered on it)."""
    sock = socket.create_connection(("127.0.0.1", host.port), timeout=60)
    sock.sendall(f"GET /_authpool/health HTTP/1.1\r\nHost: 127.0.0.1:{host.port}\r\n\r\n".encode())
    answered = read_response(sock)
    assert answered is not None, "the server closed a new connection"
    assert answered[0] == 200, answered
    return sock, _accepted_by(host, sock)


def connect_to_worker(host: Host, pid: int, tries: int = 200) -> socket.socket:
    """A new connection that worker ``pid`` accepted (others opened on the way are closed)."""
    others: list[socket.socket] = []
    try:
        for _ in range(tries):
            sock, owner = _accepted_connection(host)
            if owner == pid:
                return sock
            others.append(sock)  # held, so that the next connection may go elsewhere
        raise AssertionError(f"worker {pid} accepted none of {tries} connections")
    finally:
        for sock in others:
            sock.close()


def links_to_every_worker(host: Host, key: tuple[str, str], tries: int = 200) -> list[WorkerLink]:
    """One :class:`WorkerLink` to each worker of ``host``, in the order of their PIDs."""
    wanted = sorted(host.worker_pids())
    found: dict[int, socket.socket] = {}
    others: list[socket.socket] = []
    try:
        for _ in range(tries):
            sock, owner = _accepted_connection(host)
            if owner in wanted and owner not in found:
                found[owner] = sock
            else:
                others.append(sock)
            if len(found) == len(wanted):
                return [WorkerLink(host, pid, found[pid], key) for pid in wanted]
        others.extend(found.values())
        raise AssertionError(f"of {len(wanted)} workers, {len(found)} accepted {tries} connections")
    finally:
        for sock in others:
            sock.close()
