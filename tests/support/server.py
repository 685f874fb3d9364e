"""Real authpool servers for the tests.

:func:`start_server` runs the ASGI app that ``authpool serve`` runs, built by the same
composition code (:func:`authpool.cli.runtime.open_services` and
:func:`~authpool.cli.runtime.create_app`), in uvicorn on a background thread of the test
process, on a free loopback port. Running in-process lets a test reach the store through
``server.svc`` and move the server's clock (``server.clock.advance``) instead of sleeping.

:class:`ServeProcess` runs the real command line, ``authpool serve``, as a subprocess, for the
tests of the CLI and of a restart.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import boto3
import botocore
import httpx
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from authpool.cli import runtime
from authpool.clock import SystemClock
from authpool.config import RateLimitConfig, Settings
from authpool.domain import access_keys
from authpool.domain.access_keys import NewAccessKey
from authpool.domain.context import Services
from authpool.domain.records import OutboxRecord

REGION = "us-east-1"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
JSON_TYPE = "application/x-amz-json-1.1"
START_TIMEOUT = 60.0  # seconds; generous for a loaded two-core machine

# One botocore session for every client: loading the Cognito model once saves ~50 ms per
# client. Its credential chain is never consulted (clients get explicit keys or UNSIGNED).
_boto = boto3.session.Session(region_name=REGION)
_boto_lock = threading.Lock()


class OffsetClock:
    """The real UTC time plus an offset that tests move forward instead of sleeping."""

    def __init__(self) -> None:
        self._system = SystemClock()
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._system.now() + self.offset

    def advance(self, seconds: float | timedelta) -> None:
        self.offset += seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)

    def reset(self) -> None:
        self.offset = timedelta(0)

    def __repr__(self) -> str:
        return f"OffsetClock(offset={self.offset})"


def boto_config(**overrides: Any) -> Config:
    """No retries (a test sees the first answer), bounded waits."""
    options: dict[str, Any] = {
        "retries": {"max_attempts": 1, "mode": "standard"},
        "connect_timeout": 10,
        "read_timeout": 60,
    }
    options.update(overrides)
    return Config(**options)


def boto_client(
    endpoint: str,
    key: NewAccessKey | tuple[str, str] | None,
    *,
    region: str = REGION,
    config: Config | None = None,
    session_token: str | None = None,
) -> Any:
    """A ``cognito-idp`` client for ``endpoint``, signed with ``key`` (unsigned if None)."""
    if key is None:
        cfg = boto_config(signature_version=botocore.UNSIGNED)
        if config is not None:
            cfg = cfg.merge(config)
        with _boto_lock:
            return _boto.client(
                "cognito-idp", endpoint_url=endpoint, region_name=region, config=cfg
            )
    key_id, secret = (
        (key.access_key_id, key.secret_access_key) if isinstance(key, NewAccessKey) else key
    )
    cfg = boto_config() if config is None else boto_config().merge(config)
    with _boto_lock:
        return _boto.client(
            "cognito-idp",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=session_token,
            config=cfg,
        )


def signed_headers(
    url: str,
    body: bytes,
    key: NewAccessKey | tuple[str, str],
    *,
    headers: Mapping[str, str],
    region: str = REGION,
    service: str = "cognito-idp",
    method: str = "POST",
) -> dict[str, str]:
    """``headers`` plus the SigV4 headers botocore adds for ``method`` of ``body`` to ``url``."""
    key_id, secret = (
        (key.access_key_id, key.secret_access_key) if isinstance(key, NewAccessKey) else key
    )
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials(key_id, secret), service, region).add_auth(request)
    return {k: str(v) for k, v in request.headers.items()}


@dataclass
class LiveServer:
    """One running server. ``svc`` is the server's own domain services object."""

    url: str
    svc: Services
    clock: OffsetClock
    settings: Settings
    admin_key: NewAccessKey
    _uvicorn: uvicorn.Server
    _thread: threading.Thread
    _http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=60.0)

    # clients ---------------------------------------------------------------------------
    def client(self, key: NewAccessKey | tuple[str, str] | None = None, **config: Any) -> Any:
        """A boto3 ``cognito-idp`` client signed with ``key`` (the admin key by default)."""
        return boto_client(
            self.url, key or self.admin_key, config=boto_config(**config) if config else None
        )

    def anon_client(self, **config: Any) -> Any:
        """A boto3 client that does not sign, as browsers and mobile apps call Cognito."""
        return boto_client(self.url, None, config=boto_config(**config) if config else None)

    @property
    def http(self) -> httpx.Client:
        """A raw HTTP client for requests boto3 would refuse to send."""
        return self._http

    def call(
        self,
        operation: str,
        body: Mapping[str, Any] | bytes | str = b"{}",
        *,
        key: NewAccessKey | tuple[str, str] | None = None,
        signed: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST one Cognito call over raw HTTP, SigV4-signed (with the admin key by default)."""
        if isinstance(body, Mapping):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        base = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET_PREFIX + operation}
        base.update(headers or {})
        if signed:
            base = signed_headers(self.url + "/", data, key or self.admin_key, headers=base)
        return self._http.post("/", content=data, headers=base)

    # store -----------------------------------------------------------------------------
    def outbox(self, **filters: Any) -> list[OutboxRecord]:
        """The messages the server recorded, oldest first (filters of ``list_outbox``)."""
        return self.svc.store.list_outbox(**filters)

    def new_key(self, description: str = "test") -> NewAccessKey:
        return access_keys.create(self.svc, description)

    # lifecycle -------------------------------------------------------------------------
    def stop(self) -> None:
        self._http.close()
        self._uvicorn.should_exit = True
        self._thread.join(timeout=30)
        dispose = getattr(self.svc.store, "dispose", None)
        if dispose is not None:
            dispose()
        if self._thread.is_alive():
            raise RuntimeError(f"the test server at {self.url} did not stop")


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def start_server(
    data_dir: Path, *, database_url: str | None = None, dev: bool = False, **settings: Any
) -> LiveServer:
    """Start a server in a background thread and wait until it accepts requests.

    Request-rate limits are off unless ``rate_limits`` is given: Cognito's default quotas
    (15 CreateUserPool calls a second, ...) are a matter of speed, and a fast machine running
    the suite would otherwise meet them at random. The outbox is on unless ``outbox`` is given
    (outside development mode it is off by default): the tests read their codes there."""
    settings.setdefault("rate_limits", RateLimitConfig(enabled=False))
    settings.setdefault("outbox", True)
    sock = _free_socket()
    port = sock.getsockname()[1]
    config = Settings(
        data_dir=data_dir,
        database_url=database_url,
        host="127.0.0.1",
        port=port,
        dev=dev,
        demo=False,
        **settings,
    )
    clock = OffsetClock()
    svc = runtime.open_services(config, clock=clock)
    app = runtime.create_app(config, svc)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            lifespan="off",
            ws="none",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"authpool:{port}", daemon=True
    )
    thread.start()
    ready = threading.Event()
    for _ in range(int(START_TIMEOUT / 0.02)):
        if server.started or not thread.is_alive():
            break
        ready.wait(0.02)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        raise RuntimeError("the test server did not start")
    key = access_keys.create(svc, "test admin")
    return LiveServer(
        url=f"http://127.0.0.1:{port}",
        svc=svc,
        clock=clock,
        settings=config,
        admin_key=key,
        _uvicorn=server,
        _thread=thread,
    )


# ------------------------------------------------------------------------------------------
# the real command line, as a subprocess


def authpool_command() -> list[str]:
    """How to run the ``authpool`` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("authpool")
    if script.exists():
        return [str(script)]
    found = shutil.which("authpool")
    if found and Path(found).resolve().parent == Path(sys.executable).resolve().parent:
        return [found]
    return [sys.executable, "-c", "from authpool.cli.main import main; main()"]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without ``AUTHPOOL_*`` settings, so that only the test's flags count."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHPOOL_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    env.update(extra or {})
    return env


def free_port() -> int:
    with _free_socket() as sock:
        return int(sock.getsockname()[1])


class ServeProcess:
    """``authpool serve`` in a subprocess on a free port; a context manager."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        dev: bool = False,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.dev = dev
        self.args = list(args)
        self.env = dict(env or {})
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-serve.log"

    # A subclass that signals the server's whole process group (workers included) sets this.
    own_process_group = False
    start_timeout = START_TIMEOUT

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        for _attempt in range(3):  # the free port can be taken between probe and bind
            self.port = free_port()
            command = [
                *authpool_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                *(["--database-url", self.database_url] if self.database_url else []),
                *(["--dev"] if self.dev else []),
                *self.args,
            ]
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=clean_env(self.env),
                    start_new_session=self.own_process_group,
                )
            if self._wait_ready():
                return self
            if "address already in use" not in self.output().lower():
                break
        self.stop()
        raise RuntimeError(f"authpool serve did not become ready:\n{self.output()[-4000:]}")

    def _wait_ready(self) -> bool:
        assert self.proc is not None
        pause = threading.Event()
        with httpx.Client(timeout=5.0) as http:
            for _ in range(int(self.start_timeout / 0.05)):
                if self.proc.poll() is not None:
                    return False
                try:
                    if http.get(self.url + "/_authpool/health").status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                pause.wait(0.05)
        return False

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL) and return its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL), as a crash or a power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def client(self, key: NewAccessKey | tuple[str, str] | None) -> Any:
        return boto_client(self.url, key)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
